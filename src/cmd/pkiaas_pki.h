/*
 * What the PKI commands (pkiaas ca, template, request, cert) share:
 * finding an object by id or name, files in and out, repeated options
 * and many arguments.
 */
#ifndef PKIAAS_PKIAAS_PKI_H
#define PKIAAS_PKIAAS_PKI_H

#include <jansson.h>
#include <stddef.h>

#include "cmd/pkiaas_args.h"
#include "cmd/pkiaas_client.h"

#define PKI_FILE_MAX (1u << 20) /* bytes of a PEM, CSR or settings file */
#define PKI_MANY_MAX 100	/* ids of one command, values of an option */

/*
 * Finds the object arg names in collection ("/api/v1/cas"): by id when
 * it has the shape of one, else (or when no such id) the one whose
 * "name" is arg among the items of list (a path, which may hold a
 * query). what names the kind in messages. *found receives the object,
 * which the caller releases. 0, or an exit code (printed: 5 when there
 * is none, 1 when the name is not unique).
 */
int pki_resolve(struct client *c, const char *collection, const char *list,
		const char *what, const char *arg, json_t **found);
/* The CA arg names (an id or a name). */
int pki_ca_resolve(struct client *c, const char *arg, json_t **ca);
/*
 * The template arg names (an id or a name), among those of the CA ca_id
 * when that is not NULL.
 */
int pki_template_resolve(struct client *c, const char *ca_id, const char *arg,
			 json_t **tpl);
/*
 * The template arg names, of the CA ca_arg names when that is not NULL
 * (--ca). 0, or an exit code (printed).
 */
int pki_template_find(struct client *c, const char *ca_arg, const char *arg,
		      json_t **tpl);
/* The "id" of an object, or NULL. */
const char *pki_id(const json_t *obj);
/* "collection/ID" or "collection/ID/suffix" of an object; NULL printed. */
char *pki_path(const char *collection, const json_t *obj, const char *suffix);

/* Reads a file ("-": standard input) of at most PKI_FILE_MAX bytes;
 * what names it. 0, or CLI_USAGE (printed). The caller frees *data. */
int pki_file_read(const char *what, const char *path, char **data, size_t *len);
/* Writes data to path atomically (mode 0644), or to stdout when path is
 * NULL. 0, or CLI_REFUSED (printed). */
int pki_output(const char *path, const void *data, size_t len);
/*
 * GETs path, whose answer is not JSON, into r (r->text, r->len). 0, or
 * an exit code (printed).
 */
int pki_get_raw(struct client *c, const char *path, struct reply *r);

/*
 * The values of every --name VALUE (or --name=VALUE) before "--" in
 * argv, at most max, into out; their count. args_parse keeps only the
 * last.
 */
size_t pki_values(int argc, char **argv, const char *name, const char **out,
		  size_t max);
/*
 * Splits argv for a command that takes many arguments: options (with
 * their values, of spec and the global ones) go to rest, which args_parse
 * then reads, the other words to pos (at most PKI_MANY_MAX). rest and pos
 * hold argc entries. 0, or CLI_USAGE (printed) when there are too many.
 */
int pki_split(int argc, char **argv, const struct args_opt *spec, size_t nspec,
	      char **rest, int *nrest, char **pos, size_t *npos);
/*
 * The JSON object of a settings option (option names it in the error):
 * JSON text, or @FILE holding it. A new object, or NULL (printed).
 */
json_t *pki_settings(const char *option, const char *arg);
/*
 * Parses TIME, epoch seconds or YYYY-MM-DDTHH:MM:SSZ, into *out. 0, or
 * -1 with a message naming option.
 */
int pki_time(const char *option, const char *s, long long *out);
/* Sets member name of obj to a new value (taken); 0 or -1 (printed). */
int pki_set(json_t *obj, const char *name, json_t *value);

#endif

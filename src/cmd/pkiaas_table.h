/*
 * What the pkiaas client prints: aligned tables with a header line,
 * "label  value" records, and the server's JSON for --json. Times are UTC
 * "YYYY-MM-DD HH:MM"; text from the server is cleaned of control
 * characters.
 */
#ifndef PKIAAS_PKIAAS_TABLE_H
#define PKIAAS_PKIAAS_TABLE_H

#include <jansson.h>
#include <stddef.h>
#include <stdio.h>

/*
 * A column of a table, or a line of a record: its label and where its
 * value is in each object ("user.username"). A member named "at" or
 * "*_at" is a time; true and false print as yes and no; null or missing as "-".
 */
struct column {
	const char *label;
	const char *path;
};
#define NCOLS(cols) (sizeof(cols) / sizeof(*(cols)))

/*
 * Prints items (an array of objects) as a table with a header line. 0, or
 * CLI_REFUSED when out of memory (printed).
 */
int table_print(FILE *out, const json_t *items, const struct column *cols,
		size_t ncols);
/* Prints obj as one "label  value" line per column. */
void table_record(FILE *out, const json_t *obj, const struct column *cols,
		  size_t ncols);
/* Prints v as indented JSON and a newline on stdout; 0 or CLI_REFUSED. */
int table_json(const json_t *v);

/* The text of the value at path in obj, as described above, in buf. */
const char *table_cell(const json_t *obj, const char *path, char *buf,
		       size_t n);
/*
 * Copies s into out (size n) for a terminal: control characters,
 * including UTF-8 C1 controls, become '?'. Cuts at a character boundary.
 */
void table_text_clean(const char *s, char *out, size_t n);

#endif

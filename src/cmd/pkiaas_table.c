/* Tables, records and JSON output of the pkiaas client. */
#include "cmd/pkiaas_table.h"

#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cmd/pkiaas_cli.h"

#define CELL_MAX 256 /* bytes of one cell, more is cut */

/*
 * Length of the well-formed UTF-8 character at s that is not a control
 * character; 0 for a control character or a malformed sequence.
 */
static size_t char_len(const unsigned char *s)
{
	size_t len = 1;

	if (s[0] < 0x20 || s[0] == 0x7f)
		return 0;
	if (s[0] < 0x80)
		return 1;
	if (s[0] >= 0xc2 && s[0] < 0xe0)
		len = 2;
	else if (s[0] >= 0xe0 && s[0] < 0xf0)
		len = 3;
	else if (s[0] >= 0xf0 && s[0] < 0xf5)
		len = 4;
	else
		return 0;
	for (size_t i = 1; i < len; i++)
		if ((s[i] & 0xc0) != 0x80)
			return 0;
	/* C1 controls, U+0080 to U+009F. */
	if (s[0] == 0xc2 && s[1] < 0xa0)
		return 0;
	return len;
}

void table_text_clean(const char *s, char *out, size_t n)
{
	const unsigned char *p = (const unsigned char *)s;
	size_t o = 0;

	if (n == 0)
		return;
	while (*p != '\0') {
		size_t len = char_len(p);

		if (o + (len ? len : 1) >= n)
			break;
		if (len == 0) {
			out[o++] = '?';
			p++;
			continue;
		}
		memcpy(out + o, p, len);
		o += len;
		p += len;
	}
	out[o] = '\0';
}

/* The member at a dotted path in obj, or NULL. */
static const json_t *path_get(const json_t *obj, const char *path)
{
	char key[64];

	while (obj != NULL) {
		const char *dot = strchr(path, '.');
		size_t len = dot ? (size_t)(dot - path) : strlen(path);

		if (len >= sizeof(key))
			return NULL;
		memcpy(key, path, len);
		key[len] = '\0';
		obj = json_object_get(obj, key);
		if (dot == NULL)
			return obj;
		path = dot + 1;
	}
	return NULL;
}

/* Whether the last name of path is "at" or ends in "_at": a time. */
static int is_time(const char *path)
{
	const char *dot = strrchr(path, '.');
	const char *name = dot ? dot + 1 : path;
	size_t n = strlen(name);

	return strcmp(name, "at") == 0 ||
	       (n >= 3 && strcmp(name + n - 3, "_at") == 0);
}

/* Formats epoch seconds as "YYYY-MM-DD HH:MM" UTC into buf. */
static const char *time_text(json_int_t secs, char *buf, size_t n)
{
	time_t t = (time_t)secs;
	struct tm tm;

	if (gmtime_r(&t, &tm) == NULL ||
	    strftime(buf, n, "%Y-%m-%d %H:%M", &tm) == 0)
		snprintf(buf, n, "%" JSON_INTEGER_FORMAT, secs);
	return buf;
}

/* An array or object as compact JSON, cleaned and cut to fit buf. */
static void compound_text(const json_t *v, char *buf, size_t n)
{
	char *text = json_dumps(v, JSON_COMPACT);

	if (text == NULL) {
		snprintf(buf, n, "?");
		return;
	}
	table_text_clean(text, buf, n);
	free(text);
}

const char *table_cell(const json_t *obj, const char *path, char *buf, size_t n)
{
	const json_t *v = path_get(obj, path);

	if (v == NULL || json_is_null(v))
		snprintf(buf, n, "-");
	else if (json_is_string(v))
		table_text_clean(json_string_value(v), buf, n);
	else if (json_is_integer(v) && is_time(path))
		time_text(json_integer_value(v), buf, n);
	else if (json_is_integer(v))
		snprintf(buf, n, "%" JSON_INTEGER_FORMAT,
			 json_integer_value(v));
	else if (json_is_boolean(v))
		snprintf(buf, n, "%s", json_is_true(v) ? "yes" : "no");
	else if (json_is_real(v))
		snprintf(buf, n, "%g", json_real_value(v));
	else
		compound_text(v, buf, n);
	return buf;
}

/* Columns a string takes on a terminal: one per UTF-8 character. */
static size_t text_width(const char *s)
{
	size_t w = 0;

	for (; *s != '\0'; s++)
		w += ((unsigned char)*s & 0xc0) != 0x80;
	return w;
}

/* Prints s padded to width, or as is in the last column. */
static void cell_print(FILE *out, const char *s, size_t width, int last)
{
	fputs(s, out);
	if (last) {
		fputc('\n', out);
		return;
	}
	for (size_t w = text_width(s); w < width + 2; w++)
		fputc(' ', out);
}

/* Fills cells (rows x ncols, row 0 the header) and the column widths. */
static int cells_fill(char **cells, size_t *width, const json_t *items,
		      const struct column *cols, size_t ncols)
{
	char buf[CELL_MAX];

	for (size_t r = 0; r <= json_array_size(items); r++) {
		for (size_t k = 0; k < ncols; k++) {
			const char *text =
			    r == 0 ? cols[k].label
				   : table_cell(json_array_get(items, r - 1),
						cols[k].path, buf, sizeof(buf));
			size_t w = text_width(text);

			cells[r * ncols + k] = strdup(text);
			if (cells[r * ncols + k] == NULL)
				return -1;
			if (w > width[k])
				width[k] = w;
		}
	}
	return 0;
}

int table_print(FILE *out, const json_t *items, const struct column *cols,
		size_t ncols)
{
	size_t rows = json_array_size(items) + 1;
	char **cells = calloc(rows * ncols, sizeof(*cells));
	size_t *width = calloc(ncols, sizeof(*width));
	int rc = CLI_REFUSED;

	if (cells == NULL || width == NULL ||
	    cells_fill(cells, width, items, cols, ncols) != 0) {
		fprintf(stderr, "pkiaas: out of memory\n");
		goto out;
	}
	for (size_t r = 0; r < rows; r++)
		for (size_t k = 0; k < ncols; k++)
			cell_print(out, cells[r * ncols + k], width[k],
				   k + 1 == ncols);
	rc = 0;
out:
	for (size_t i = 0; cells != NULL && i < rows * ncols; i++)
		free(cells[i]);
	free(cells);
	free(width);
	return rc;
}

void table_record(FILE *out, const json_t *obj, const struct column *cols,
		  size_t ncols)
{
	size_t width = 0;
	char buf[CELL_MAX];

	for (size_t k = 0; k < ncols; k++)
		if (strlen(cols[k].label) > width)
			width = strlen(cols[k].label);
	for (size_t k = 0; k < ncols; k++)
		fprintf(out, "%-*s  %s\n", (int)width, cols[k].label,
			table_cell(obj, cols[k].path, buf, sizeof(buf)));
}

int table_json(const json_t *v)
{
	if (json_dumpf(v, stdout, JSON_INDENT(2)) != 0 ||
	    fputc('\n', stdout) == EOF) {
		fprintf(stderr, "pkiaas: cannot write the JSON\n");
		return CLI_REFUSED;
	}
	return 0;
}

/* xlctl: reading return values and formatting them for people (trees,
 * tables, sizes, durations, progress and event lines). */
#include "config.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/time.h>

#include "client/xlctl-format.h"
#include "proto/mem.h"
#include "proto/message.h"

/* ------------------------------------------------------------------------
 * Reading replies */

json_object *xlctl_get(json_object *obj, const char *key)
{
	json_object *value;

	if (!json_object_is_type(obj, json_type_object) ||
	    !json_object_object_get_ex(obj, key, &value))
		return NULL;
	return value;
}

const char *xlctl_get_string(json_object *obj, const char *key)
{
	json_object *value = xlctl_get(obj, key);

	return json_object_is_type(value, json_type_string) ?
	    json_object_get_string(value) : NULL;
}

int64_t xlctl_get_int(json_object *obj, const char *key, int64_t dflt)
{
	json_object *value = xlctl_get(obj, key);

	if (json_object_is_type(value, json_type_int))
		return json_object_get_int64(value);
	if (json_object_is_type(value, json_type_double))
		return (int64_t)json_object_get_double(value);
	return dflt;
}

/* ------------------------------------------------------------------------
 * Output */

void xlctl_print_json(FILE *f, json_object *obj, bool pretty)
{
	int flags = JSON_C_TO_STRING_NOSLASHESCAPE |
	    (pretty ? JSON_C_TO_STRING_PRETTY | JSON_C_TO_STRING_SPACED :
	    JSON_C_TO_STRING_PLAIN);

	fprintf(f, "%s\n", json_object_to_json_string_ext(obj, flags));
}

char *xlctl_format_bytes(char *buf, size_t size, double bytes)
{
	static const char *const units[] = { "KiB", "MiB", "GiB", "TiB" };
	int unit = -1;

	while (unit < 3 && bytes >= 1024) {
		bytes /= 1024;
		unit++;
	}
	if (unit < 0)
		snprintf(buf, size, "%.0f B", bytes);
	else
		snprintf(buf, size, "%.1f %s", bytes, units[unit]);
	return buf;
}

char *xlctl_format_duration(char *buf, size_t size, double seconds)
{
	long s = seconds < 0 ? 0 : (long)(seconds + 0.5);

	if (s < 60)
		snprintf(buf, size, "%lds", s);
	else if (s < 3600)
		snprintf(buf, size, "%ldm%02lds", s / 60, s % 60);
	else
		snprintf(buf, size, "%ldh%02ldm", s / 3600, s % 3600 / 60);
	return buf;
}

const char *xlctl_format_value(json_object *value, char *buf, size_t size)
{
	switch (json_object_get_type(value)) {
	case json_type_null:
		return "-";
	case json_type_string:
		return json_object_get_string(value);
	case json_type_boolean:
		return json_object_get_boolean(value) ? "yes" : "no";
	case json_type_int:
		snprintf(buf, size, "%lld",
		    (long long)json_object_get_int64(value));
		return buf;
	case json_type_double:
		snprintf(buf, size, "%g", json_object_get_double(value));
		return buf;
	default:
		return json_object_to_json_string_ext(value,
		    JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE);
	}
}

static bool xlctl_ends_with(const char *text, const char *suffix)
{
	size_t n = strlen(text), m = strlen(suffix);

	return n >= m && strcmp(text + n - m, suffix) == 0;
}

/* A scalar, with memory sizes and times spelt out for people. */
static void xlctl_print_scalar(FILE *f, const char *key, json_object *value)
{
	char buf[64], size[32];

	fputs(xlctl_format_value(value, buf, sizeof buf), f);
	if (key == NULL || !json_object_is_type(value, json_type_int))
		goto out;
	if (xlctl_ends_with(key, "_kib"))
		fprintf(f, " KiB (%s)", xlctl_format_bytes(size, sizeof size,
		    (double)json_object_get_int64(value) * 1024));
	else if (xlctl_ends_with(key, "bytes"))
		fprintf(f, " (%s)", xlctl_format_bytes(size, sizeof size,
		    (double)json_object_get_int64(value)));
	else if (xlctl_ends_with(key, "_ns"))
		fprintf(f, " (%.3f s)",
		    (double)json_object_get_int64(value) / 1e9);
out:
	fputc('\n', f);
}

static bool xlctl_is_container(json_object *value)
{
	if (json_object_is_type(value, json_type_object))
		return json_object_object_length(value) > 0;
	if (json_object_is_type(value, json_type_array)) {
		for (size_t i = 0; i < json_object_array_length(value); i++) {
			json_object *item = json_object_array_get_idx(value, i);

			if (json_object_is_type(item, json_type_object) ||
			    json_object_is_type(item, json_type_array))
				return true;
		}
	}
	return false;
}

/* The first line of a list item starts with "- " in place of its last two
 * columns of indentation, as in YAML. */
static void xlctl_print_tree_item(FILE *f, json_object *obj, int indent,
    bool list_item)
{
	int width = 0;

	if (json_object_is_type(obj, json_type_array)) {
		for (size_t i = 0; i < json_object_array_length(obj); i++) {
			json_object *item = json_object_array_get_idx(obj, i);

			if (xlctl_is_container(item)) {
				xlctl_print_tree_item(f, item, indent + 2, true);
				continue;
			}
			fprintf(f, "%*s- ", indent, "");
			xlctl_print_scalar(f, NULL, item);
		}
		return;
	}
	if (!json_object_is_type(obj, json_type_object)) {
		fprintf(f, "%*s", list_item ? indent - 2 : indent, "");
		fputs(list_item ? "- " : "", f);
		xlctl_print_scalar(f, NULL, obj);
		return;
	}
	json_object_object_foreach(obj, key, value) {
		(void)value;
		if ((int)strlen(key) > width)
			width = (int)strlen(key);
	}
	json_object_object_foreach(obj, name, item) {
		if (list_item) {
			fprintf(f, "%*s- ", indent - 2, "");
			list_item = false;
		} else {
			fprintf(f, "%*s", indent, "");
		}
		if (xlctl_is_container(item)) {
			fprintf(f, "%s:\n", name);
			xlctl_print_tree_item(f, item, indent + 2, false);
		} else {
			fprintf(f, "%s:%*s ", name,
			    width - (int)strlen(name), "");
			xlctl_print_scalar(f, name, item);
		}
	}
}

void xlctl_print_tree(FILE *f, json_object *obj, int indent)
{
	xlctl_print_tree_item(f, obj, indent, false);
}

void xlctl_progress_format(char *buf, size_t size, const char *label,
    int64_t current, int64_t total, double bytes_per_s, int bar_width)
{
	size_t used = 0;
	char text[32];

#define XLCTL_APPEND(...) do {						\
	if (used < size)						\
		used += (size_t)snprintf(buf + used, size - used, __VA_ARGS__); \
} while (0)

	if (total > 0) {
		double fraction = (double)current / (double)total;
		int percent;

		fraction = fraction < 0 ? 0 : fraction > 1 ? 1 : fraction;
		percent = (int)(fraction * 100);
		if (bar_width > 0) {
			int filled = (int)(fraction * bar_width);

			XLCTL_APPEND("%s [", label);
			for (int i = 0; i < bar_width; i++)
				XLCTL_APPEND("%c", i < filled ? '#' : '.');
			XLCTL_APPEND("] %3d%%", percent);
		} else {
			XLCTL_APPEND("%s: %d%%", label, percent);
		}
	} else {
		XLCTL_APPEND("%s%s %s", label, bar_width > 0 ? "" : ":",
		    xlctl_format_bytes(text, sizeof text, (double)current));
	}
	if (bytes_per_s > 0) {
		XLCTL_APPEND(" %.1f MiB/s", bytes_per_s / (1024 * 1024));
		/* rounded up: "0s" while not done would be a lie */
		if (total > 0 && current < total)
			XLCTL_APPEND(" ETA %s", xlctl_format_duration(text,
			    sizeof text, (double)(int64_t)((double)(total -
			    current) / bytes_per_s + 0.999)));
	}
#undef XLCTL_APPEND
}

void xlctl_print_event(FILE *f, json_object *event)
{
	json_object *stamp = xlctl_get(event, "timestamp");
	const char *name = xlctl_get_string(event, "event");
	json_object *data = xlctl_get(event, "data");
	char when[32] = "-", buf[64];

	if (stamp != NULL) {
		struct timeval tv = {
			.tv_sec = (time_t)xlctl_get_int(stamp, "seconds", 0),
			.tv_usec = (suseconds_t)xlctl_get_int(stamp,
			    "microseconds", 0),
		};

		proto_format_time(&tv, when);
	}
	fprintf(f, "%s %s", when, name != NULL ? name : "?");
	if (json_object_is_type(data, json_type_object)) {
		json_object_object_foreach(data, key, value) {
			const char *text = xlctl_format_value(value, buf,
			    sizeof buf);

			/* keep one event one line of words */
			if (json_object_is_type(value, json_type_string) &&
			    (text[0] == '\0' || strpbrk(text, " \t\n=\"") != NULL))
				text = json_object_to_json_string_ext(value,
				    JSON_C_TO_STRING_PLAIN |
				    JSON_C_TO_STRING_NOSLASHESCAPE);
			fprintf(f, " %s=%s", key, text);
		}
	}
	fputc('\n', f);
}

/* ------------------------------------------------------------------------
 * Tables */

struct xlctl_table {
	int ncols;
	const char *align;	/* 'l' or 'r' per column */
	int nrows, cap;
	char **cells;		/* nrows * ncols */
};

#define XLCTL_TABLE_MAX_COLS 16

struct xlctl_table *xlctl_table_new(int ncols, const char *align)
{
	struct xlctl_table *t = xcalloc(1, sizeof *t);

	if (ncols > XLCTL_TABLE_MAX_COLS)
		abort();	/* a caller's bug: the widest table is known */
	t->ncols = ncols;
	t->align = align;
	return t;
}

void xlctl_table_row(struct xlctl_table *t, ...)
{
	va_list ap;

	if (t->nrows == t->cap) {
		t->cap = t->cap ? t->cap * 2 : 16;
		t->cells = xrealloc(t->cells,
		    sizeof *t->cells * (size_t)(t->cap * t->ncols));
	}
	va_start(ap, t);
	for (int i = 0; i < t->ncols; i++) {
		const char *cell = va_arg(ap, const char *);

		t->cells[t->nrows * t->ncols + i] =
		    xstrdup(cell != NULL ? cell : "-");
	}
	va_end(ap);
	t->nrows++;
}

void xlctl_table_print(struct xlctl_table *t, FILE *f)
{
	int width[XLCTL_TABLE_MAX_COLS];

	for (int c = 0; c < t->ncols; c++) {
		width[c] = 0;
		for (int r = 0; r < t->nrows; r++) {
			int n = (int)strlen(t->cells[r * t->ncols + c]);

			if (n > width[c])
				width[c] = n;
		}
	}
	for (int r = 0; r < t->nrows; r++) {
		for (int c = 0; c < t->ncols; c++) {
			const char *cell = t->cells[r * t->ncols + c];
			bool last = c == t->ncols - 1;

			if (t->align[c] == 'r')
				fprintf(f, "%*s", width[c], cell);
			else
				fprintf(f, "%-*s", last ? 0 : width[c], cell);
			fputs(last ? "\n" : "  ", f);
		}
	}
}

void xlctl_table_free(struct xlctl_table *t)
{
	if (t == NULL)
		return;
	for (int i = 0; i < t->nrows * t->ncols; i++)
		free(t->cells[i]);
	free(t->cells);
	free(t);
}

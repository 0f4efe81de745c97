/* xlctl: reading return values and formatting them for people: trees,
 * tables, sizes, durations, progress lines and event lines.  Knows nothing
 * of commands or of the connection. */
#ifndef XLCTL_FORMAT_H
#define XLCTL_FORMAT_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <json-c/json.h>

/* obj[key], or NULL when obj is not an object or has no key. */
json_object *xlctl_get(json_object *obj, const char *key);
const char *xlctl_get_string(json_object *obj, const char *key);
int64_t xlctl_get_int(json_object *obj, const char *key, int64_t dflt);

/* One JSON document and a newline: compact, or indented with pretty. */
void xlctl_print_json(FILE *f, json_object *obj, bool pretty);
/* Objects as aligned "key: value" lines, nested ones indented. */
void xlctl_print_tree(FILE *f, json_object *obj, int indent);
/* "2026-11-22T10:00:00.123Z DOMAIN_SHUTDOWN domain=web1 reason=poweroff" */
void xlctl_print_event(FILE *f, json_object *event);

char *xlctl_format_bytes(char *buf, size_t size, double bytes);
char *xlctl_format_duration(char *buf, size_t size, double seconds);
/* A scalar as text (strings unquoted, null as "-"), compact JSON else. */
const char *xlctl_format_value(json_object *value, char *buf, size_t size);
/* One progress line: "save web1: 45% 61.2 MiB/s ETA 3s", or with
 * bar_width > 0 a bar of that many cells.  bytes_per_s <= 0: unknown. */
void xlctl_progress_format(char *buf, size_t size, const char *label,
    int64_t current, int64_t total, double bytes_per_s, int bar_width);

struct xlctl_table;
struct xlctl_table *xlctl_table_new(int ncols, const char *align);
/* ncols cells; copied; NULL prints as "-". */
void xlctl_table_row(struct xlctl_table *t, ...);
void xlctl_table_print(struct xlctl_table *t, FILE *f);
void xlctl_table_free(struct xlctl_table *t);

#endif

#include "config.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "daemon/cpu-set.h"
#include "proto/mem.h"

/* "0-3,5", "all", "all,^1": xl's syntax for a set of cpus. */
struct err *cpu_set_parse(const char *text, int max_cpus, libxl_bitmap *map)
{
	char *copy = xstrdup(text), *item, *save = NULL;
	struct err *e = NULL;

	libxl_bitmap_set_none(map);
	for (item = strtok_r(copy, ",", &save); item != NULL && e == NULL;
	    item = strtok_r(NULL, ",", &save)) {
		bool exclude = (*item == '^');
		char *p = item + exclude, *end;
		long first, last;

		while (isspace((unsigned char)*p))
			p++;
		if (strcmp(p, "all") == 0) {
			first = 0;
			last = max_cpus - 1;
		} else {
			first = strtol(p, &end, 10);
			if (end == p) {
				e = err_new(ERR_INVALID_ARGUMENT, "bad cpu list "
				    "'%s'", text);
				break;
			}
			last = first;
			if (*end == '-') {
				p = end + 1;
				last = strtol(p, &end, 10);
				if (end == p)
					e = err_new(ERR_INVALID_ARGUMENT, "bad cpu "
					    "range in '%s'", text);
			}
			while (isspace((unsigned char)*end))
				end++;
			if (e == NULL && *end != '\0')
				e = err_new(ERR_INVALID_ARGUMENT, "bad cpu list "
				    "'%s'", text);
			if (e == NULL && (first < 0 || last < first ||
			    last >= max_cpus))
				e = err_new(ERR_INVALID_ARGUMENT, "cpus %ld-%ld "
				    "are outside the host's 0-%d", first, last,
				    max_cpus - 1);
		}
		for (long c = first; e == NULL && c <= last; c++) {
			if (exclude)
				libxl_bitmap_reset(map, (int)c);
			else
				libxl_bitmap_set(map, (int)c);
		}
	}
	free(copy);
	if (e == NULL && libxl_bitmap_is_empty(map))
		e = err_new(ERR_INVALID_ARGUMENT, "'%s' selects no cpu", text);
	return e;
}


char *cpu_set_format(const libxl_bitmap *map, int max_cpus)
{
	size_t size = 1, len = 0;
	char *text = xcalloc(1, size);

	for (int cpu = 0; cpu < max_cpus; cpu++) {
		int last = cpu;
		char item[32];
		int n;

		if (!libxl_bitmap_test(map, cpu))
			continue;
		while (last + 1 < max_cpus && libxl_bitmap_test(map, last + 1))
			last++;
		n = last == cpu ? snprintf(item, sizeof item, "%s%d",
		    len > 0 ? "," : "", cpu) : snprintf(item, sizeof item,
		    "%s%d-%d", len > 0 ? "," : "", cpu, last);
		size += (size_t)n;
		text = xrealloc(text, size);
		memcpy(text + len, item, (size_t)n + 1);
		len += (size_t)n;
		cpu = last;
	}
	return text;
}

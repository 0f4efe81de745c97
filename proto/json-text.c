#include "config.h"

#include <stdlib.h>

#include "proto/json-text.h"

yajl_gen json_text_writer(void)
{
	static yajl_gen g;

	if (g == NULL) {
		g = yajl_gen_alloc(NULL);
		if (g == NULL)
			abort();
	}
	yajl_gen_clear(g);
	yajl_gen_reset(g, NULL);
	return g;
}

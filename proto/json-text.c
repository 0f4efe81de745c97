#include "config.h"

#include <stdlib.h>

#include "proto/json-text.h"
#include "proto/mem.h"

yajl_gen json_text_writer(void)
{
	static yajl_gen g;

	if (g == NULL) {
		g = xcheck(yajl_gen_alloc(NULL));
	}
	yajl_gen_clear(g);
	yajl_gen_reset(g, NULL);
	return g;
}

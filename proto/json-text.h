/* JSON written as text, for replies too large or too frequent to build as
 * json-c trees first (a domain-list of 10,000 domains): yajl's generator,
 * which libxenlight already uses. */
#ifndef PROTO_JSON_TEXT_H
#define PROTO_JSON_TEXT_H

#include <string.h>
#include <yajl/yajl_gen.h>

/* The loop's one generator, emptied and reset: valid until the next call.
 * Compact output; strings are escaped and must be UTF-8 (ours are). */
yajl_gen json_text_writer(void);

static inline void yajl_key(yajl_gen g, const char *key)
{
	yajl_gen_string(g, (const unsigned char *)key, strlen(key));
}

static inline void yajl_text(yajl_gen g, const char *text)
{
	yajl_gen_string(g, (const unsigned char *)text, strlen(text));
}

#endif

/* Allocation that cannot fail: out of memory, the process aborts here, in
 * one place, instead of at every call site.  A daemon that cannot allocate
 * a few bytes cannot keep its promises anyway; restart recovery takes over. */
#ifndef PROTO_MEM_H
#define PROTO_MEM_H

#include <stddef.h>

void *xmalloc(size_t size);
void *xcalloc(size_t count, size_t size);
void *xrealloc(void *ptr, size_t size);
/* realloc of count elements of size, refusing an overflowing product */
void *xreallocarray(void *ptr, size_t count, size_t size);
char *xstrdup(const char *text);
char *xstrndup(const char *text, size_t max);
int xasprintf(char **out, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
/* The formatted text, newly allocated. */
#include <stdarg.h>
char *xvformat(const char *fmt, va_list ap)
	__attribute__((format(printf, 1, 0)));
/* Frees *slot and puts a copy of text there. */
void xreplace(char **slot, const char *text);
/* Checks a pointer from an allocator that returns NULL on failure
 * (json-c, libevent): returns it, or aborts. */
void *xcheck(void *ptr);

#endif

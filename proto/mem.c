#include "config.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "proto/mem.h"

static void mem_exhausted(void)
{
	static const char message[] = "out of memory\n";

	/* no stdio: it may want to allocate */
	(void)!fwrite(message, 1, sizeof message - 1, stderr);
	abort();
}

void *xcheck(void *ptr)
{
	if (ptr == NULL)
		mem_exhausted();
	return ptr;
}

void *xmalloc(size_t size)
{
	return xcheck(malloc(size != 0 ? size : 1));
}

void *xcalloc(size_t count, size_t size)
{
	return xcheck(calloc(count != 0 ? count : 1, size != 0 ? size : 1));
}

void *xrealloc(void *ptr, size_t size)
{
	return xcheck(realloc(ptr, size != 0 ? size : 1));
}

void *xreallocarray(void *ptr, size_t count, size_t size)
{
	if (size != 0 && count > (size_t)-1 / size)
		mem_exhausted();
	return xrealloc(ptr, count * size);
}

char *xstrdup(const char *text)
{
	return xcheck(strdup(text));
}

char *xstrndup(const char *text, size_t max)
{
	return xcheck(strndup(text, max));
}

int xasprintf(char **out, const char *fmt, ...)
{
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vasprintf(out, fmt, ap);
	va_end(ap);
	if (n < 0)
		mem_exhausted();
	return n;
}

char *xvformat(const char *fmt, va_list ap)
{
	char *text;

	if (vasprintf(&text, fmt, ap) < 0)
		mem_exhausted();
	return text;
}

void xreplace(char **slot, const char *text)
{
	char *copy = xstrdup(text);

	free(*slot);
	*slot = copy;
}

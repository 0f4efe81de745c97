/* libFuzzer harness for xlctl's command line: the option parser and every
 * command's build() (xlctl_cli_build), and the completion walker (`xlctl
 * __complete`).  The input is the words, separated by NUL bytes.
 *
 * Nearly hermetic: inputs with a '/' are dropped, so that a FILE argument
 * can only name a file of the current directory (no device, no FIFO);
 * standard input (a FILE of "-") and output (completion's candidates) are
 * /dev/null; completion waits for no daemon. */
#include "config.h"

#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "client/xlctl-cli.h"

#define FUZZ_MAX_WORDS	24

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	int null = open("/dev/null", O_RDWR | O_CLOEXEC);

	if (null < 0)
		abort();
	dup2(null, STDIN_FILENO);
	dup2(null, STDOUT_FILENO);
	close(null);
	setenv("XLCTL_COMPLETE_TIMEOUT_MS", "0", 1);
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *copy, *words[FUZZ_MAX_WORDS + 3];
	struct xlctl_request req;
	int n = 2;

	if (memchr(data, '/', size) != NULL)
		return 0;
	if ((copy = malloc(size + 1)) == NULL)
		abort();
	memcpy(copy, data, size);
	copy[size] = '\0';
	words[0] = "xlctl";
	words[1] = "__complete";
	for (char *p = copy; p <= copy + size && n < FUZZ_MAX_WORDS + 2;
	    p += strlen(p) + 1)
		words[n++] = p;
	words[n] = NULL;

	if (xlctl_cli_build(n - 2, words + 2, &req) == 0) {
		if (req.execute == NULL || req.arguments == NULL)
			abort();
		xlctl_request_clear(&req);
	}
	if (xlctl_cli_main(n, words) != 0)
		abort();	/* completion always succeeds */
	fflush(stdout);
	free(copy);
	return 0;
}

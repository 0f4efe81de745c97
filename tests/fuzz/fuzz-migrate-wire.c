/* libFuzzer harness: the migration wire (daemon/migrate-wire.c), the bytes
 * a destination reads from a stranger and a source from its peer.
 *
 * The input is framed as the daemon frames it (line_reader, the header's
 * limit); every line goes to the header parser and to both hand-over
 * parsers.  Oracles: a refused header leaves nothing behind (the fuzzer's
 * leak check) and is InvalidArgument, NotSupported or PermissionDenied;
 * an accepted header built again parses back to the same fields; an
 * accepted message built again parses back to the same message. */
#include "config.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "daemon/migrate-wire.h"
#include "proto/json-line.h"
#include "tests/fuzz/check-error.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void fail(const char *what)
{
	fprintf(stderr, "fuzz-migrate-wire: %s\n", what);
	abort();
}

static void check_header(const char *line, size_t len)
{
	struct migrate_header h, again;
	struct err *e = migrate_header_parse(line, len, &h);
	size_t n;
	char *text;

	if (e != NULL) {
		if (e->class != ERR_INVALID_ARGUMENT &&
		    e->class != ERR_NOT_SUPPORTED &&
		    e->class != ERR_PERMISSION_DENIED)
			fail("a header refused with an unexpected class");
		fuzz_check_error(e);
		if (h.config != NULL)
			fail("a refused header kept its config");
		err_free(e);
		return;
	}
	text = migrate_header_build(&h, &n);
	if (n == 0 || text[n - 1] != '\n')
		fail("a built header is not a line");
	e = migrate_header_parse(text, n - 1, &again);
	if (e != NULL)
		fail("a built header does not parse back");
	if (strcmp(h.token, again.token) != 0 ||
	    strcmp(h.name, again.name) != 0 ||
	    strcmp(h.uuid, again.uuid) != 0 ||
	    h.memory_kib != again.memory_kib || h.paused != again.paused ||
	    !json_object_equal(h.config, again.config))
		fail("a built header parses back different");
	free(text);
	migrate_header_dispose(&h);
	migrate_header_dispose(&again);
}

static void check_msg(const char *line, size_t len, bool accept)
{
	enum migrate_msg msg, again;
	struct err *peer = NULL, *peer2 = NULL;
	struct err *e = migrate_msg_parse(line, len, accept, &msg, &peer);
	size_t n;
	char *text;

	if (e != NULL) {
		fuzz_check_error(e);
		err_free(e);
		err_free(peer);
		return;
	}
	if (msg == MIGRATE_MSG_ERROR && peer == NULL)
		fail("an error message without its error");
	if (peer != NULL)
		fuzz_check_error(peer);
	text = accept && msg == MIGRATE_MSG_READY ? migrate_accept_build(&n) :
	    migrate_msg_build(msg, peer, &n);
	e = migrate_msg_parse(text, n - 1, accept, &again, &peer2);
	if (e != NULL || again != msg)
		fail("a built message parses back different");
	if (peer != NULL && (peer2 == NULL || peer->class != peer2->class ||
	    strcmp(peer->desc, peer2->desc) != 0))
		fail("a built error parses back different");
	free(text);
	err_free(peer);
	err_free(peer2);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct line_reader lr;
	const char *line;
	size_t len;

	line_reader_init(&lr, MIGRATE_HEADER_MAX);
	line_reader_append(&lr, data, size);
	/* a connection carries a header and a few hand-over lines: more lines
	 * per input add no path, only time per execution */
	for (int lines = 0; lines < 4 &&
	    line_reader_next(&lr, &line, &len) == LINE_READY; lines++) {
		check_header(line, len);
		check_msg(line, len, true);
		check_msg(line, len, false);
	}
	line_reader_free(&lr);
	return 0;
}

/* libFuzzer harness: everything the lease machinery reads from a socket or
 * a file somebody else may have written.  The first byte picks the reader:
 *   0 a control request (what a holder reads from its socket)
 *   1 a holder's reply (what the daemon reads)
 *   2 a holder's record (<rundir>/leases/<uuid>.json)
 *   3 an owner note (in a lease file)
 *   4 a /proc/PID/stat text
 *   5 a disk target's canonical name (no file system access past a
 *     prefix that cannot exist)
 * Oracles: a refusal leaves nothing behind (ASan's leak check); what is
 * accepted, written out again, reads back the same, and writing that
 * again gives the same bytes; canonical names are absolute and
 * normalised (no "//", "/./", "/../"). */
#include "config.h"

#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "daemon/lease-record.h"
#include "daemon/lease-wire.h"
#include "tests/fuzz/check-error.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void fail(const char *what, const struct err *e)
{
	fprintf(stderr, "fuzz-lease: %s: %s\n", what, e ? e->desc : "");
	abort();
}

static void same_text(const char *a, size_t alen, const char *b, size_t blen,
    const char *what)
{
	if (alen != blen || memcmp(a, b, alen) != 0)
		fail(what, NULL);
}

static void request(const char *text, size_t len)
{
	struct lease_request req, again;
	struct err *e = lease_request_parse(text, len, &req);
	size_t n1, n2;
	char *line1, *line2;

	if (e != NULL) {
		fuzz_check_error(e);
		err_free(e);
		return;
	}
	line1 = lease_request_format(&req, &n1);
	e = lease_request_parse(line1, n1 - 1, &again);
	if (e != NULL)
		fail("a formatted request does not parse", e);
	if (again.op != req.op || again.disks.n != req.disks.n)
		fail("a request changed on its way back", NULL);
	line2 = lease_request_format(&again, &n2);
	same_text(line1, n1, line2, n2, "a request formats two ways");
	free(line1);
	free(line2);
	lease_request_clear(&req);
	lease_request_clear(&again);
}

static void reply(const char *text, size_t len)
{
	struct lease_reply r, again;
	struct err *e = lease_reply_parse(text, len, &r);
	size_t n1, n2;
	char *line1, *line2;

	if (e != NULL) {
		fuzz_check_error(e);
		err_free(e);
		return;
	}
	line1 = lease_reply_format(r.error, &r.disks, &n1);
	e = lease_reply_parse(line1, n1 - 1, &again);
	if (e != NULL)
		fail("a formatted reply does not parse", e);
	if ((again.error == NULL) != (r.error == NULL) ||
	    again.disks.n != r.disks.n)
		fail("a reply changed on its way back", NULL);
	line2 = lease_reply_format(again.error, &again.disks, &n2);
	same_text(line1, n1, line2, n2, "a reply formats two ways");
	free(line1);
	free(line2);
	lease_reply_clear(&r);
	lease_reply_clear(&again);
}

static void record(const char *text, size_t len)
{
	struct lease_record rec, again;
	struct err *e = lease_record_parse(text, len, &rec);
	size_t n1, n2;
	char *out1, *out2;

	if (e != NULL) {
		fuzz_check_error(e);
		err_free(e);
		return;
	}
	out1 = lease_record_format(&rec, &n1);
	e = lease_record_parse(out1, n1, &again);
	if (e != NULL)
		fail("a formatted record does not parse", e);
	if (again.pid != rec.pid || again.start_time != rec.start_time ||
	    strcmp(again.uuid, rec.uuid) != 0 ||
	    strcmp(again.domain, rec.domain) != 0)
		fail("a record changed on its way back", NULL);
	out2 = lease_record_format(&again, &n2);
	same_text(out1, n1, out2, n2, "a record formats two ways");
	free(out1);
	free(out2);
	lease_record_clear(&rec);
	lease_record_clear(&again);
}

static void owner(const char *text, size_t len)
{
	struct lease_owner o, again;
	struct err *e = lease_owner_parse(text, len, &o);
	size_t n1, n2;
	char *out1, *out2;

	if (e != NULL) {
		fuzz_check_error(e);
		err_free(e);
		return;
	}
	out1 = lease_owner_format(&o, &n1);
	e = lease_owner_parse(out1, n1, &again);
	if (e != NULL)
		fail("a formatted owner note does not parse", e);
	out2 = lease_owner_format(&again, &n2);
	same_text(out1, n1, out2, n2, "an owner note formats two ways");
	free(out1);
	free(out2);
	lease_owner_clear(&o);
	lease_owner_clear(&again);
}

static void stat_text(const char *text, size_t len)
{
	unsigned long long start;
	char state;

	(void)lease_parse_stat(text, len, &state, &start);
}

static void canonical(const char *text, size_t len)
{
	/* under a directory that does not exist, realpath resolves only
	 * "/" and the rest is normalised as written */
	char *target, *out = NULL;
	int rc;

	if (memchr(text, '\0', len) != NULL)
		return;
	if (asprintf(&target, "/nonexistent-fuzz-lease/%.*s", (int)len,
	    text) < 0)
		abort();
	rc = lease_canonical_path(target, &out);
	if (rc == 0) {
		if (out[0] != '/' || strstr(out, "//") != NULL ||
		    strstr(out, "/./") != NULL ||
		    strstr(out, "/../") != NULL ||
		    (strlen(out) >= 3 &&
		    strcmp(out + strlen(out) - 3, "/..") == 0) ||
		    (strlen(out) > 1 && out[strlen(out) - 1] == '/'))
			fail(out, NULL);
	} else if (rc != -EINVAL && rc != -ENAMETOOLONG) {
		fail("an unexpected error", NULL);
	}
	free(out);
	free(target);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static void (*const readers[])(const char *, size_t) = {
		request, reply, record, owner, stat_text, canonical,
	};
	const size_t n = sizeof readers / sizeof *readers;

	if (size < 1)
		return 0;
	readers[data[0] % n]((const char *)data + 1, size - 1);
	return 0;
}

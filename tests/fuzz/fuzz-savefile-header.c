/* libFuzzer harness: xl save file header parsing.
 *
 * Oracles: refusals are InvalidArgument and leave no config behind; the
 * fd reader agrees with the buffer parser on the same bytes; an accepted
 * header's config, written again by savefile_write_header, reads back the
 * same; the stream check never reads past the buffer. */
#include "config.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "daemon/savefile.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void fail(const char *what, const struct err *e)
{
	fprintf(stderr, "fuzz-savefile-header: %s: %s\n", what,
	    e ? e->desc : "");
	abort();
}

/* One memfd for the process, refilled for each input. */
static int memfd_holding(const void *data, size_t size)
{
	static int fd = -1;

	if (fd < 0 && (fd = memfd_create("fuzz", MFD_CLOEXEC)) < 0)
		abort();
	if (ftruncate(fd, 0) != 0 ||
	    (size > 0 && pwrite(fd, data, size, 0) != (ssize_t)size) ||
	    lseek(fd, 0, SEEK_SET) != 0)
		abort();
	return fd;
}

static void rewrite(const struct savefile_header *h)
{
	struct savefile_header again;
	uint64_t written;
	struct err *e;
	int fd = memfd_holding(NULL, 0);

	if ((e = savefile_write_header(fd, h->config_json, &written)) != NULL)
		fail("accepted config cannot be written", e);
	if (lseek(fd, 0, SEEK_SET) != 0)
		abort();
	if ((e = savefile_read_header(fd, &again)) != NULL)
		fail("written header does not read back", e);
	if (strcmp(again.config_json, h->config_json) != 0 ||
	    again.stream_offset != written)
		fail("written header reads back different", NULL);
	savefile_header_dispose(&again);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct savefile_header h, from_fd;
	struct err *e, *e_fd;
	int fd;

	e = savefile_parse_header_buffer(data, size, &h);

	fd = memfd_holding(data, size);
	e_fd = savefile_read_header(fd, &from_fd);
	if ((e == NULL) != (e_fd == NULL) ||
	    (e != NULL && strcmp(e->desc, e_fd->desc) != 0))
		fail("fd reader and buffer parser disagree", e ? e : e_fd);

	if (e != NULL) {
		if (e->class != ERR_INVALID_ARGUMENT || h.config_json != NULL)
			fail("bad refusal", e);
		err_free(e);
		err_free(e_fd);
		return 0;
	}
	if (h.stream_offset > size || strlen(h.config_json) != h.config_len ||
	    h.config_len == 0)
		fail("inconsistent header", NULL);
	if (strcmp(h.config_json, from_fd.config_json) != 0 ||
	    (uint64_t)lseek(fd, 0, SEEK_CUR) != h.stream_offset)
		fail("fd reader read something else", NULL);

	err_free(savefile_check_stream_magic_buffer(data + h.stream_offset,
	    size - h.stream_offset));
	err_free(savefile_check_stream_magic(fd, h.stream_offset));
	rewrite(&h);
	savefile_header_dispose(&h);
	savefile_header_dispose(&from_fd);
	return 0;
}

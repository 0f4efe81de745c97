#include "config.h"

#include "daemon/savefile.h"
#include "proto/mem.h"

#include <errno.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* xl.h: savefileheader_magic, 32 bytes without a terminating NUL. */
static const uint8_t savefile_magic[32] = "Xen saved domain, xl format\n \0 \r";

#define SAVEFILE_BYTEORDER 0x01020304u
#define SAVEFILE_BYTEORDER_SWAPPED 0x04030201u
#define SAVEFILE_KNOWN_FLAGS (SAVEFILE_FLAG_JSON | SAVEFILE_FLAG_STREAMV2)

/* libxl_sr_stream_format.h */
#define STREAM_IDENT UINT64_C(0x4c6962786c466d74)	/* "LibxlFmt" */
#define STREAM_VERSION 2
#define STREAM_OPT_BIG_ENDIAN (1u << 0)

/* The header's integers are in the writer's byte order, as in xl. */
static uint32_t get_u32(const uint8_t *p)
{
	uint32_t v;

	memcpy(&v, p, sizeof v);
	return v;
}

static void put_u32(uint8_t *p, uint32_t v)
{
	memcpy(p, &v, sizeof v);
}

static uint64_t get_be(const uint8_t *p, int n)
{
	uint64_t v = 0;

	for (int i = 0; i < n; i++)
		v = v << 8 | p[i];
	return v;
}

static struct err *truncated(void)
{
	return err_new(ERR_INVALID_ARGUMENT, "truncated save file (header)");
}

void savefile_header_dispose(struct savefile_header *h)
{
	free(h->config_json);
	h->config_json = NULL;
}

/* The fixed 48 bytes: everything but the optional data. */
static struct err *check_fixed(const uint8_t *buf, size_t len,
    uint32_t *optional_data_len)
{
	uint32_t byteorder, flags, unknown, optlen;
	size_t n = len < sizeof savefile_magic ? len : sizeof savefile_magic;

	if (len == 0)
		return truncated();
	if (memcmp(buf, savefile_magic, n) != 0)
		return err_new(ERR_INVALID_ARGUMENT, "not an xl save file");
	if (len < SAVEFILE_HEADER_LEN)
		return truncated();

	byteorder = get_u32(buf + 32);
	if (byteorder == SAVEFILE_BYTEORDER_SWAPPED)
		return err_new(ERR_INVALID_ARGUMENT, "save file was written on "
		    "a host of the other byte order");
	if (byteorder != SAVEFILE_BYTEORDER)
		return err_new(ERR_INVALID_ARGUMENT, "corrupt save file: bad "
		    "byte order mark 0x%08x", byteorder);

	flags = get_u32(buf + 36);
	unknown = flags & ~SAVEFILE_KNOWN_FLAGS;
	if (unknown != 0)
		return err_new(ERR_INVALID_ARGUMENT, "save file has unknown "
		    "mandatory flags 0x%x", unknown);
	if (!(flags & SAVEFILE_FLAG_STREAMV2))
		return err_new(ERR_INVALID_ARGUMENT,
		    "legacy (v1) save stream not supported");
	if (!(flags & SAVEFILE_FLAG_JSON))
		return err_new(ERR_INVALID_ARGUMENT, "save file has no JSON "
		    "domain config (old xl text configs are not supported)");

	optlen = get_u32(buf + 44);
	if (optlen > SAVEFILE_MAX_OPTIONAL_DATA)
		return err_new(ERR_INVALID_ARGUMENT, "save file optional data "
		    "too large (%u bytes, at most %u)", optlen,
		    SAVEFILE_MAX_OPTIONAL_DATA);
	*optional_data_len = optlen;
	return NULL;
}

struct err *savefile_parse_header_buffer(const uint8_t *buf, size_t len,
    struct savefile_header *out)
{
	const uint8_t *optional, *config;
	uint32_t optlen, config_len;
	struct err *e;

	memset(out, 0, sizeof *out);
	if ((e = check_fixed(buf, len, &optlen)) != NULL)
		return e;
	if (len - SAVEFILE_HEADER_LEN < optlen)
		return truncated();

	/* Optional data: the config's length, the config, then anything a
	 * later xl may add, which xl skips. */
	optional = buf + SAVEFILE_HEADER_LEN;
	if (optlen < 4)
		return err_new(ERR_INVALID_ARGUMENT,
		    "save file has no domain config");
	config_len = get_u32(optional);
	config = optional + 4;
	if (config_len > optlen - 4)
		return err_new(ERR_INVALID_ARGUMENT, "corrupt save file: config "
		    "length %u exceeds the optional data (%u bytes)",
		    config_len, optlen);
	if (config_len <= 1)	/* nothing, or only the NUL */
		return err_new(ERR_INVALID_ARGUMENT,
		    "save file has no domain config");
	if (config[config_len - 1] != '\0')
		return err_new(ERR_INVALID_ARGUMENT,
		    "corrupt save file: config not NUL-terminated");
	if (memchr(config, '\0', config_len - 1) != NULL)
		return err_new(ERR_INVALID_ARGUMENT,
		    "corrupt save file: NUL byte inside the config");

	out->config_json = xmalloc(config_len);
	memcpy(out->config_json, config, config_len);
	out->config_len = config_len - 1;
	out->mandatory_flags = get_u32(buf + 36);
	out->optional_flags = get_u32(buf + 40);
	out->optional_data_len = optlen;
	out->stream_offset = SAVEFILE_HEADER_LEN + (uint64_t)optlen;
	return NULL;
}

/* Reads up to len bytes; fewer only at end of file.  -1 with errno. */
static ssize_t read_full(int fd, uint8_t *buf, size_t len)
{
	size_t done = 0;
	ssize_t n;

	while (done < len) {
		n = read(fd, buf + done, len - done);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return -1;
		if (n == 0)
			break;
		done += (size_t)n;
	}
	return (ssize_t)done;
}

struct err *savefile_read_header(int fd, struct savefile_header *out)
{
	uint8_t fixed[SAVEFILE_HEADER_LEN], *buf;
	uint32_t optlen;
	ssize_t got;
	struct err *e;

	memset(out, 0, sizeof *out);
	got = read_full(fd, fixed, sizeof fixed);
	if (got < 0)
		return err_new(ERR_IO, "cannot read save file header: %s",
		    strerror(errno));
	if ((e = check_fixed(fixed, (size_t)got, &optlen)) != NULL)
		return e;

	buf = xmalloc(SAVEFILE_HEADER_LEN + (size_t)optlen);
	memcpy(buf, fixed, sizeof fixed);
	got = read_full(fd, buf + SAVEFILE_HEADER_LEN, optlen);
	if (got < 0)
		e = err_new(ERR_IO, "cannot read save file header: %s",
		    strerror(errno));
	else if ((size_t)got < optlen)
		e = truncated();
	else
		e = savefile_parse_header_buffer(buf,
		    SAVEFILE_HEADER_LEN + (size_t)optlen, out);
	free(buf);
	return e;
}

struct err *savefile_write_header(int fd, const char *config_json,
    uint64_t *bytes_written)
{
	size_t config_len = strlen(config_json) + 1, total, done = 0;
	uint8_t *buf;
	struct err *e = NULL;
	ssize_t n;

	if (bytes_written != NULL)
		*bytes_written = 0;
	if (config_len == 1)
		return err_new(ERR_INVALID_ARGUMENT,
		    "empty domain config for the save file");
	if (config_len > SAVEFILE_MAX_OPTIONAL_DATA - 4)
		return err_new(ERR_INVALID_ARGUMENT,
		    "domain config too large for a save file");

	total = SAVEFILE_HEADER_LEN + 4 + config_len;
	buf = xcalloc(1, total);
	memcpy(buf, savefile_magic, sizeof savefile_magic);
	put_u32(buf + 32, SAVEFILE_BYTEORDER);
	put_u32(buf + 36, SAVEFILE_FLAG_JSON | SAVEFILE_FLAG_STREAMV2);
	put_u32(buf + 40, 0);
	put_u32(buf + 44, (uint32_t)(4 + config_len));
	put_u32(buf + 48, (uint32_t)config_len);
	memcpy(buf + 52, config_json, config_len);

	while (done < total) {
		n = write(fd, buf + done, total - done);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0) {
			e = err_new(ERR_IO, "cannot write save file header: %s",
			    strerror(n < 0 ? errno : EIO));
			break;
		}
		done += (size_t)n;
	}
	free(buf);
	if (bytes_written != NULL)
		*bytes_written = done;
	return e;
}

struct err *savefile_check_stream_magic_buffer(const uint8_t *buf, size_t len)
{
	uint32_t version, options;

	if (len < SAVEFILE_STREAM_HEADER_LEN || get_be(buf, 8) != STREAM_IDENT)
		return err_new(ERR_INVALID_ARGUMENT,
		    "save file has no libxl stream");
	version = (uint32_t)get_be(buf + 8, 4);
	options = (uint32_t)get_be(buf + 12, 4);
	if (version != STREAM_VERSION)
		return err_new(ERR_INVALID_ARGUMENT, "save file has libxl "
		    "stream version %u, not %d", version, STREAM_VERSION);
	if (options & STREAM_OPT_BIG_ENDIAN)
		return err_new(ERR_INVALID_ARGUMENT,
		    "save file has a big-endian libxl stream");
	return NULL;
}

struct err *savefile_check_stream_magic(int fd, uint64_t stream_offset)
{
	uint8_t buf[SAVEFILE_STREAM_HEADER_LEN];
	size_t done = 0;
	ssize_t n;

	while (done < sizeof buf) {
		n = pread(fd, buf + done, sizeof buf - done,
		    (off_t)(stream_offset + done));
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return err_new(ERR_IO, "cannot read save file: %s",
			    strerror(errno));
		if (n == 0)
			break;
		done += (size_t)n;
	}
	return savefile_check_stream_magic_buffer(buf, done);
}

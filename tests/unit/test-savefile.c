/* xl's save file header. */
#include "config.h"

#include <criterion/criterion.h>
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "daemon/savefile.h"

static const char config[] = "{\"c_info\":{\"name\":\"vm1\",\"type\":\"pv\"}}";
/* A libxl stream v2 header: "LibxlFmt", version 2, options 0. */
static const uint8_t stream[16] = "LibxlFmt\0\0\0\x02\0\0\0\0";

/* What xl writes, built field by field from tools/xl/xl.h and
 * save_domain_core_writeconfig on a little-endian host. */
static size_t xl_image(uint8_t *buf, const char *json, uint32_t mandatory,
    uint32_t optional_flags, uint32_t extra_optional)
{
	uint32_t config_len = (uint32_t)strlen(json) + 1;
	uint32_t optlen = 4 + config_len + extra_optional;
	uint32_t byteorder = 0x01020304;
	size_t n = 0;

	memcpy(buf, "Xen saved domain, xl format\n \0 \r", 32);
	n = 32;
	memcpy(buf + n, &byteorder, 4), n += 4;
	memcpy(buf + n, &mandatory, 4), n += 4;
	memcpy(buf + n, &optional_flags, 4), n += 4;
	memcpy(buf + n, &optlen, 4), n += 4;
	memcpy(buf + n, &config_len, 4), n += 4;
	memcpy(buf + n, json, config_len), n += config_len;
	memset(buf + n, 0xee, extra_optional), n += extra_optional;
	memcpy(buf + n, stream, sizeof stream), n += sizeof stream;
	return n;
}

static int memfd_with(const uint8_t *buf, size_t len)
{
	int fd = memfd_create("savefile", MFD_CLOEXEC);

	cr_assert_geq(fd, 0);
	cr_assert_eq(write(fd, buf, len), (ssize_t)len);
	cr_assert_eq(lseek(fd, 0, SEEK_SET), 0);
	return fd;
}

static void expect_invalid(struct err *e, const char *fragment)
{
	cr_assert_not_null(e, "expected an error containing '%s'", fragment);
	cr_assert_eq(e->class, ERR_INVALID_ARGUMENT, "%s: %s",
	    err_class_name(e->class), e->desc);
	cr_assert_not_null(strstr(e->desc, fragment), "'%s' not in '%s'",
	    fragment, e->desc);
	err_free(e);
}

static void expect_buffer_invalid(const uint8_t *buf, size_t len,
    const char *fragment)
{
	struct savefile_header h;
	int fd;

	expect_invalid(savefile_parse_header_buffer(buf, len, &h), fragment);
	cr_assert_null(h.config_json);
	fd = memfd_with(buf, len);
	expect_invalid(savefile_read_header(fd, &h), fragment);
	cr_assert_null(h.config_json);
	close(fd);
}

Test(savefile, write_matches_xl_byte_for_byte)
{
	uint8_t expected[512], *written;
	size_t n = xl_image(expected, config,
	    SAVEFILE_FLAG_JSON | SAVEFILE_FLAG_STREAMV2, 0, 0);
	uint64_t bytes = 0;
	int fd = memfd_create("savefile", MFD_CLOEXEC);
	struct err *e;

	e = savefile_write_header(fd, config, &bytes);
	cr_assert_null(e, "%s", e ? e->desc : "");
	cr_assert_eq(bytes, n - sizeof stream);
	cr_assert_eq(lseek(fd, 0, SEEK_CUR), (off_t)bytes);
	written = malloc(bytes);
	cr_assert_eq(pread(fd, written, bytes, 0), (ssize_t)bytes);
	cr_assert_arr_eq(written, expected, bytes);
	free(written);
	close(fd);
}

Test(savefile, written_then_read_back)
{
	struct savefile_header h;
	uint64_t bytes;
	int fd = memfd_create("savefile", MFD_CLOEXEC);
	struct err *e;

	cr_assert_null(savefile_write_header(fd, config, &bytes));
	cr_assert_eq(write(fd, stream, sizeof stream), sizeof stream);
	cr_assert_eq(lseek(fd, 0, SEEK_SET), 0);

	e = savefile_read_header(fd, &h);
	cr_assert_null(e, "%s", e ? e->desc : "");
	cr_assert_str_eq(h.config_json, config);
	cr_assert_eq(h.config_len, strlen(config));
	cr_assert_eq(h.mandatory_flags,
	    SAVEFILE_FLAG_JSON | SAVEFILE_FLAG_STREAMV2);
	cr_assert_eq(h.optional_flags, 0);
	cr_assert_eq(h.stream_offset, bytes);
	cr_assert_eq(lseek(fd, 0, SEEK_CUR), (off_t)bytes,
	    "fd left at the start of the libxl stream");
	cr_assert_null(savefile_check_stream_magic(fd, h.stream_offset));
	cr_assert_eq(lseek(fd, 0, SEEK_CUR), (off_t)bytes, "pread only");
	savefile_header_dispose(&h);
	cr_assert_null(h.config_json);
	close(fd);
}

Test(savefile, xl_extras_are_accepted)
{
	/* xl skips optional data past the config and ignores
	 * optional_flags: a later xl may add either. */
	uint8_t buf[512];
	size_t n = xl_image(buf, config,
	    SAVEFILE_FLAG_JSON | SAVEFILE_FLAG_STREAMV2, 0x80, 7);
	struct savefile_header h;
	int fd = memfd_with(buf, n);

	cr_assert_null(savefile_read_header(fd, &h));
	cr_assert_str_eq(h.config_json, config);
	cr_assert_eq(h.optional_flags, 0x80);
	cr_assert_eq(h.stream_offset, n - sizeof stream);
	cr_assert_eq(lseek(fd, 0, SEEK_CUR), (off_t)h.stream_offset);
	savefile_header_dispose(&h);
	close(fd);
}

Test(savefile, foreign_file)
{
	static const uint8_t elf[] = "\177ELF\2\1\1\0\0\0\0\0\0\0\0\0"
	    "\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0"
	    "\0\0\0\0";

	expect_buffer_invalid(elf, sizeof elf, "not an xl save file");
	expect_buffer_invalid((const uint8_t *)"Xen", 3, "truncated");
	expect_buffer_invalid((const uint8_t *)"Xyz", 3, "not an xl save file");
}

Test(savefile, byte_order)
{
	uint8_t buf[512];
	size_t n = xl_image(buf, config,
	    SAVEFILE_FLAG_JSON | SAVEFILE_FLAG_STREAMV2, 0, 0);

	memcpy(buf + 32, "\1\2\3\4", 4);	/* big-endian writer */
	expect_buffer_invalid(buf, n, "other byte order");
	memcpy(buf + 32, "\1\1\1\1", 4);
	expect_buffer_invalid(buf, n, "bad byte order mark");
}

Test(savefile, mandatory_flags)
{
	uint8_t buf[512];
	size_t n;

	n = xl_image(buf, config, SAVEFILE_FLAG_JSON | SAVEFILE_FLAG_STREAMV2 |
	    (1u << 2) | (1u << 31), 0, 0);
	expect_buffer_invalid(buf, n, "unknown mandatory flags 0x80000004");
	n = xl_image(buf, config, SAVEFILE_FLAG_JSON, 0, 0);
	expect_buffer_invalid(buf, n, "legacy (v1) save stream not supported");
	n = xl_image(buf, "name = 'x'\n", SAVEFILE_FLAG_STREAMV2, 0, 0);
	expect_buffer_invalid(buf, n, "no JSON domain config");
}

Test(savefile, truncated_at_every_byte)
{
	uint8_t buf[512];
	size_t n = xl_image(buf, config,
	    SAVEFILE_FLAG_JSON | SAVEFILE_FLAG_STREAMV2, 0, 0);
	size_t header = n - sizeof stream;

	for (size_t len = 0; len < header; len++)
		expect_buffer_invalid(buf, len, "truncated save file (header)");
}

Test(savefile, oversize_optional_data)
{
	uint8_t buf[512];
	size_t n = xl_image(buf, config,
	    SAVEFILE_FLAG_JSON | SAVEFILE_FLAG_STREAMV2, 0, 0);
	uint32_t big = SAVEFILE_MAX_OPTIONAL_DATA + 1;

	memcpy(buf + 44, &big, 4);
	expect_buffer_invalid(buf, n, "optional data too large");
	big = 0xffffffff;
	memcpy(buf + 44, &big, 4);
	expect_buffer_invalid(buf, n, "optional data too large");
}

Test(savefile, bad_config_data)
{
	uint8_t buf[512];
	size_t n = xl_image(buf, config,
	    SAVEFILE_FLAG_JSON | SAVEFILE_FLAG_STREAMV2, 0, 0);
	uint32_t v;

	buf[52 + strlen(config)] = '}';		/* the NUL */
	expect_buffer_invalid(buf, n, "not NUL-terminated");
	buf[52 + strlen(config)] = '\0';
	buf[55] = '\0';
	expect_buffer_invalid(buf, n, "NUL byte inside the config");
	buf[55] = 'i';

	v = 1000;				/* config length */
	memcpy(buf + 48, &v, 4);
	expect_buffer_invalid(buf, n, "exceeds the optional data");
	v = 0;
	memcpy(buf + 48, &v, 4);
	expect_buffer_invalid(buf, n, "no domain config");

	v = 0;					/* no optional data */
	memcpy(buf + 44, &v, 4);
	expect_buffer_invalid(buf, n, "no domain config");
	v = 3;
	memcpy(buf + 44, &v, 4);
	expect_buffer_invalid(buf, n, "no domain config");
}

Test(savefile, io_errors)
{
	struct savefile_header h;
	struct err *e;
	int fd;

	fd = open("/dev/null", O_RDONLY | O_CLOEXEC);
	e = savefile_write_header(fd, config, NULL);
	cr_assert_not_null(e);
	cr_assert_eq(e->class, ERR_IO);
	cr_assert_not_null(strstr(e->desc, strerror(EBADF)), "%s", e->desc);
	err_free(e);
	close(fd);

	fd = open("/", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	e = savefile_read_header(fd, &h);
	cr_assert_not_null(e);
	cr_assert_eq(e->class, ERR_IO);
	cr_assert_not_null(strstr(e->desc, strerror(EISDIR)), "%s", e->desc);
	err_free(e);
	close(fd);

	e = savefile_write_header(1, "", NULL);
	cr_assert_not_null(e);
	cr_assert_eq(e->class, ERR_INVALID_ARGUMENT);
	err_free(e);
}

Test(savefile, stream_magic)
{
	uint8_t s[16];

	cr_assert_null(savefile_check_stream_magic_buffer(stream, 16));
	memcpy(s, stream, 16);
	s[15] = 2;			/* legacy-converted: fine */
	cr_assert_null(savefile_check_stream_magic_buffer(s, 16));
	expect_invalid(savefile_check_stream_magic_buffer(stream, 15),
	    "save file has no libxl stream");
	s[0] = 'l';
	expect_invalid(savefile_check_stream_magic_buffer(s, 16),
	    "save file has no libxl stream");
	memcpy(s, stream, 16);
	s[11] = 1;
	expect_invalid(savefile_check_stream_magic_buffer(s, 16),
	    "version 1");
	memcpy(s, stream, 16);
	s[15] = 1;
	expect_invalid(savefile_check_stream_magic_buffer(s, 16),
	    "big-endian");
}

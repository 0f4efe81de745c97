/* xl's save file format, so that `xl restore` reads what the daemon saves
 * and the other way round (tools/xl/xl.h, xl_saverestore.c,
 * xl_vmcontrol.c in Xen 4.17):
 *
 *   offset  size
 *        0    32  magic "Xen saved domain, xl format\n \0 \r"
 *       32     4  byteorder 0x01020304         } host byte order: the
 *       36     4  mandatory_flags (JSON|STREAMv2) } file only restores on
 *       40     4  optional_flags (xl writes 0)    } a host of the same
 *       44     4  optional_data_len               } endianness
 *       48     4  config length n, including the trailing NUL
 *       52     n  libxl JSON domain config, NUL-terminated
 *   48+optional_data_len: the libxl migration stream v2 ("LibxlFmt")
 *
 * xl skips optional data past the config, ignores optional_flags and
 * refuses unknown mandatory flags; so do we. */
#ifndef DAEMON_SAVEFILE_H
#define DAEMON_SAVEFILE_H

#include <stddef.h>
#include <stdint.h>

#include "proto/err.h"

#define SAVEFILE_HEADER_LEN 48
#define SAVEFILE_FLAG_JSON (1u << 0)		/* XL_MANDATORY_FLAG_JSON */
#define SAVEFILE_FLAG_STREAMV2 (1u << 1)	/* XL_MANDATORY_FLAG_STREAMv2 */
#define SAVEFILE_MAX_OPTIONAL_DATA (16u * 1024 * 1024)
#define SAVEFILE_STREAM_HEADER_LEN 16		/* libxl stream v2 header */

struct savefile_header {
	uint32_t mandatory_flags;
	uint32_t optional_flags;
	uint32_t optional_data_len;
	char *config_json;	/* malloc'd, NUL-terminated, no inner NUL */
	size_t config_len;	/* strlen(config_json) */
	uint64_t stream_offset;	/* from the start of the header */
};

/* Frees config_json; the header may be zeroed or filled. */
void savefile_header_dispose(struct savefile_header *h);

/* Writes what xl writes before the libxl stream: the header with
 * JSON|STREAMv2, then the config with its NUL.  config_json is libxl's
 * JSON (pretty or compact: xl reads either).  Retries short writes and
 * EINTR; an I/O failure is IOError naming errno.  *bytes_written (may be
 * NULL) counts what was written, also on failure. */
struct err *savefile_write_header(int fd, const char *config_json,
    uint64_t *bytes_written);

/* Parses a header from buf[0..len), which may hold more (the stream).
 * Every check happens here, before anything is created:
 * magic ("not an xl save file"), byte order, unknown mandatory flags,
 * STREAMv2 ("legacy (v1) save stream not supported"), JSON config,
 * optional data bound, config length and NUL; all InvalidArgument,
 * including "truncated save file (header)" when buf ends too early.
 * On success *out is filled and out->stream_offset <= len. */
struct err *savefile_parse_header_buffer(const uint8_t *buf, size_t len,
    struct savefile_header *out);

/* Reads the header from fd (positioned at its start) and parses it with
 * savefile_parse_header_buffer, leaving fd at the start of the libxl
 * stream.  A read error is IOError; end of file inside the header is
 * InvalidArgument "truncated save file (header)". */
struct err *savefile_read_header(int fd, struct savefile_header *out);

/* Checks the libxl stream v2 header (docs/specs/libxl-migration-stream):
 * ident "LibxlFmt", version 2, little-endian (libxl refuses big-endian
 * streams), all big-endian on disk.  InvalidArgument "save file has no
 * libxl stream" otherwise.  Separate, because the simulator writes its own
 * stream format. */
struct err *savefile_check_stream_magic_buffer(const uint8_t *buf,
    size_t len);
/* The same on fd at stream_offset, read with pread: fd keeps its
 * position. */
struct err *savefile_check_stream_magic(int fd, uint64_t stream_offset);

#endif

/* The simulated save stream and core file.
 *
 * Stream (little-endian):
 *   header   80 bytes: magic "LIBXLSIM-STREAM\0", version 1, header size,
 *            uuid, memory KiB, memory seed, uptime (ms) at the start,
 *            boot count, flags (1: live), source domid, reserved
 *   memory   memory_kib * 1024 bytes of filler derived from the seed
 *   trailer  32 bytes: magic "SIMTRAIL", uptime (ms) when the guest was
 *            suspended, memory bytes, checksum
 * The checksum is FNV-1a over 64-bit words of the header, the memory and
 * the first 24 bytes of the trailer.  The writer and the reader run in
 * child processes, like libxl-save-helper, and talk to the simulator over
 * a pipe: SIM_MSG_* records. */
#include "config.h"

#include <elf.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <unistd.h>

#include "sim/sim.h"

#define STREAM_MAGIC		"LIBXLSIM-STREAM"
#define STREAM_VERSION		1
#define TRAILER_MAGIC		"SIMTRAIL"
#define CHUNK			(256 * 1024)
#define FNV_OFFSET		0xcbf29ce484222325ULL
#define FNV_PRIME		0x100000001b3ULL
#define ERROR_TEXT		64

struct stream_header {
	char magic[16];
	uint32_t version;
	uint32_t header_size;
	uint8_t uuid[16];
	uint64_t memory_kib;
	uint64_t seed;
	uint64_t uptime_ms;
	uint32_t boot_count;
	uint32_t flags;
	uint32_t domid;
	uint32_t reserved;
};

struct stream_trailer {
	char magic[8];
	uint64_t uptime_ms;
	uint64_t memory_bytes;
	uint64_t checksum;
};

_Static_assert(sizeof(struct stream_header) == 80, "stream header layout");
_Static_assert(sizeof(struct stream_trailer) == 32, "stream trailer layout");
_Static_assert(__BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__, "little-endian");

static uint64_t checksum_words(uint64_t h, const void *buf, size_t len)
{
	const unsigned char *p = buf;

	for (size_t i = 0; i + 8 <= len; i += 8) {
		uint64_t w;

		memcpy(&w, p + i, 8);
		h ^= w;
		h *= FNV_PRIME;
	}
	return h;
}

/* splitmix64 of the word index: any window of the memory can be made
 * without the rest. */
void sim_filler(uint64_t seed, uint64_t offset, void *buf, size_t len)
{
	unsigned char *p = buf;

	for (size_t i = 0; i + 8 <= len; i += 8) {
		uint64_t z = seed + ((offset + i) / 8 + 1) *
		    0x9e3779b97f4a7c15ULL;

		z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
		z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
		z ^= z >> 31;
		memcpy(p + i, &z, 8);
	}
}

size_t sim_msg_size(const unsigned char *msg, size_t len)
{
	if (len == 0)
		return 0;
	switch (msg[0]) {
	case SIM_MSG_MEMORY_DONE:
		return 1;
	case SIM_MSG_HEADER:
		return 1 + sizeof(struct sim_stream_info);
	case SIM_MSG_ERROR:
		return 1 + sizeof(int32_t) + ERROR_TEXT;
	default:
		return 1;	/* unknown byte: skip it */
	}
}

/* ---- in the helper child ---- */

/* The helper children's buffer: they exit with _exit(). */
static char chunk[CHUNK];

struct helper {
	int fd;
	int msg_fd;
	uint64_t done;			/* stream bytes so far */
	uint64_t memory_done;		/* memory bytes so far */
	struct sim_fault_hit fault;
	int64_t bytes_per_s;		/* 0: unpaced */
	struct timespec start;
	const char *doing;		/* "writing" / "reading" */
};

static void send_all(int fd, const void *buf, size_t len)
{
	const char *p = buf;

	while (len > 0) {
		ssize_t n = write(fd, p, len);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return;
		p += n;
		len -= (size_t)n;
	}
}

static void __attribute__((noreturn))
helper_fail(struct helper *h, int err, const char *what)
{
	unsigned char msg[1 + sizeof(int32_t) + ERROR_TEXT];
	int32_t e = err;

	memset(msg, 0, sizeof msg);
	msg[0] = SIM_MSG_ERROR;
	memcpy(msg + 1, &e, sizeof e);
	snprintf((char *)msg + 1 + sizeof e, ERROR_TEXT, "%s", what);
	send_all(h->msg_fd, msg, sizeof msg);
	_exit(1);
}

/* The fault fires once the stream has moved after_bytes. */
static void helper_fault(struct helper *h)
{
	switch (h->fault.kind) {
	case SIM_FAULT_IO_ERROR:
		helper_fail(h, EIO, strcmp(h->doing, "reading") == 0 ?
		    "error reading the restore stream" :
		    "error writing the save stream");
	case SIM_FAULT_HELPER_CRASH:
		raise(SIGKILL);
		_exit(137);
	case SIM_FAULT_HANG:
		for (;;)
			pause();
	default:
		break;
	}
}

static bool fault_armed(const struct helper *h)
{
	return h->fault.kind == SIM_FAULT_IO_ERROR ||
	    h->fault.kind == SIM_FAULT_HELPER_CRASH ||
	    h->fault.kind == SIM_FAULT_HANG;
}

static void pace(struct helper *h)
{
	struct timespec now;
	int64_t due_ns, spent_ns;

	if (h->bytes_per_s <= 0)
		return;
	clock_gettime(CLOCK_MONOTONIC, &now);
	due_ns = (int64_t)((double)h->memory_done * 1e9 / h->bytes_per_s);
	spent_ns = (now.tv_sec - h->start.tv_sec) * 1000000000LL +
	    (now.tv_nsec - h->start.tv_nsec);
	if (due_ns > spent_ns) {
		struct timespec ts = {
			.tv_sec = (due_ns - spent_ns) / 1000000000LL,
			.tv_nsec = (due_ns - spent_ns) % 1000000000LL,
		};

		while (nanosleep(&ts, &ts) < 0 && errno == EINTR)
			;
	}
}

static void stream_write(struct helper *h, const void *buf, size_t len)
{
	const char *p = buf;
	bool trip = false;

	if (fault_armed(h) && h->done + len >= h->fault.after_bytes) {
		len = h->fault.after_bytes > h->done ?
		    h->fault.after_bytes - h->done : 0;
		trip = true;
	}
	while (len > 0) {
		ssize_t n = write(h->fd, p, len);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			helper_fail(h, errno, "error writing the save stream");
		p += n;
		len -= (size_t)n;
		h->done += (uint64_t)n;
	}
	if (trip)
		helper_fault(h);
}

/* Returns false at end of stream. */
static bool stream_read(struct helper *h, void *buf, size_t len)
{
	char *p = buf;
	bool trip = false;
	size_t want = len;

	if (fault_armed(h) && h->done + len >= h->fault.after_bytes) {
		want = h->fault.after_bytes > h->done ?
		    h->fault.after_bytes - h->done : 0;
		trip = true;
	}
	while (want > 0) {
		ssize_t n = read(h->fd, p, want);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			helper_fail(h, errno, "error reading the restore stream");
		if (n == 0)
			return false;
		p += n;
		want -= (size_t)n;
		h->done += (uint64_t)n;
	}
	if (trip)
		helper_fault(h);
	return true;
}

void sim_stream_write_child(int fd, int msg_fd, int go_fd,
    const struct sim_stream_info *info, int64_t mib_s,
    struct sim_fault_hit fault)
{
	struct helper h = {
		.fd = fd, .msg_fd = msg_fd, .fault = fault,
		.bytes_per_s = mib_s * 1024 * 1024, .doing = "writing",
	};
	struct stream_header hdr;
	struct stream_trailer tr;
	uint64_t sum = FNV_OFFSET, total = info->memory_kib * 1024;
	unsigned char go[1 + sizeof(uint64_t)];
	size_t got = 0;

	prctl(PR_SET_NAME, SIM_SAVE_HELPER_NAME);
	clock_gettime(CLOCK_MONOTONIC, &h.start);
	memset(&hdr, 0, sizeof hdr);
	memcpy(hdr.magic, STREAM_MAGIC, sizeof STREAM_MAGIC);
	hdr.version = STREAM_VERSION;
	hdr.header_size = sizeof hdr;
	memcpy(hdr.uuid, libxl_uuid_bytearray_const(&info->uuid), 16);
	hdr.memory_kib = info->memory_kib;
	hdr.seed = info->seed;
	hdr.uptime_ms = info->uptime_ms;
	hdr.boot_count = info->boot_count;
	hdr.flags = info->live ? 1 : 0;
	hdr.domid = info->domid;
	sum = checksum_words(sum, &hdr, sizeof hdr);
	stream_write(&h, &hdr, sizeof hdr);
	while (h.memory_done < total) {
		size_t n = total - h.memory_done > CHUNK ? CHUNK :
		    (size_t)(total - h.memory_done);

		sim_filler(info->seed, h.memory_done, chunk, n);
		sum = checksum_words(sum, chunk, n);
		stream_write(&h, chunk, n);
		h.memory_done += n;
		pace(&h);
	}
	/* The last part is written once the guest is suspended. */
	send_all(msg_fd, (unsigned char[]){ SIM_MSG_MEMORY_DONE }, 1);
	while (got < sizeof go) {
		ssize_t n = read(go_fd, go + got, sizeof go - got);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			_exit(2);
		got += (size_t)n;
	}
	if (go[0] != 'G')
		_exit(2);
	memset(&tr, 0, sizeof tr);
	memcpy(tr.magic, TRAILER_MAGIC, 8);
	memcpy(&tr.uptime_ms, go + 1, sizeof tr.uptime_ms);
	tr.memory_bytes = total;
	tr.checksum = checksum_words(sum, &tr, 24);
	stream_write(&h, &tr, sizeof tr);
	_exit(0);
}

void sim_stream_read_child(int fd, int msg_fd, int64_t mib_s,
    struct sim_fault_hit fault)
{
	struct helper h = {
		.fd = fd, .msg_fd = msg_fd, .fault = fault,
		.bytes_per_s = mib_s * 1024 * 1024, .doing = "reading",
	};
	struct stream_header hdr;
	struct stream_trailer tr;
	struct sim_stream_info info;
	unsigned char msg[1 + sizeof info];
	uint64_t sum = FNV_OFFSET, total;

	prctl(PR_SET_NAME, SIM_SAVE_HELPER_NAME);
	clock_gettime(CLOCK_MONOTONIC, &h.start);
	if (!stream_read(&h, &hdr, sizeof hdr))
		helper_fail(&h, 0, "restore stream truncated in its header");
	if (memcmp(hdr.magic, STREAM_MAGIC, sizeof STREAM_MAGIC) != 0)
		helper_fail(&h, 0, "not a simulated save stream (bad magic)");
	if (hdr.version != STREAM_VERSION || hdr.header_size != sizeof hdr)
		helper_fail(&h, 0, "unsupported save stream version");
	if (hdr.memory_kib == 0 || hdr.memory_kib > (1ULL << 40))
		helper_fail(&h, 0, "save stream memory size is invalid");
	sum = checksum_words(sum, &hdr, sizeof hdr);
	total = hdr.memory_kib * 1024;
	while (h.memory_done < total) {
		size_t n = total - h.memory_done > CHUNK ? CHUNK :
		    (size_t)(total - h.memory_done);

		if (!stream_read(&h, chunk, n))
			helper_fail(&h, 0, "restore stream truncated in memory");
		sum = checksum_words(sum, chunk, n);
		h.memory_done += n;
		pace(&h);
	}
	if (!stream_read(&h, &tr, sizeof tr))
		helper_fail(&h, 0, "restore stream truncated in its trailer");
	if (memcmp(tr.magic, TRAILER_MAGIC, 8) != 0 ||
	    tr.memory_bytes != total)
		helper_fail(&h, 0, "restore stream trailer is invalid");
	if (checksum_words(sum, &tr, 24) != tr.checksum)
		helper_fail(&h, 0, "restore stream checksum mismatch");
	memset(&info, 0, sizeof info);
	memcpy(libxl_uuid_bytearray(&info.uuid), hdr.uuid, 16);
	info.memory_kib = hdr.memory_kib;
	info.seed = hdr.seed;
	info.boot_count = hdr.boot_count;
	info.uptime_ms = tr.uptime_ms;
	info.domid = hdr.domid;
	info.live = (hdr.flags & 1) != 0;
	msg[0] = SIM_MSG_HEADER;
	memcpy(msg + 1, &info, sizeof info);
	send_all(msg_fd, msg, sizeof msg);
	_exit(0);
}

/* ---- the core file, written by the calling process ---- */

static int dump_write(int fd, const void *buf, size_t len, uint64_t *done,
    struct sim_fault_hit fault, uint32_t domid, const char *path)
{
	const char *p = buf;
	bool trip = false;

	if ((fault.kind == SIM_FAULT_IO_ERROR ||
	    fault.kind == SIM_FAULT_HELPER_CRASH ||
	    fault.kind == SIM_FAULT_HANG) && *done + len >= fault.after_bytes) {
		len = fault.after_bytes > *done ? fault.after_bytes - *done : 0;
		trip = true;
	}
	while (len > 0) {
		ssize_t n = write(fd, p, len);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			sim_log(XTL_ERROR, errno, domid,
			    "Core dumping domain to %s", path);
			return ERROR_FAIL;
		}
		p += n;
		len -= (size_t)n;
		*done += (uint64_t)n;
	}
	if (!trip)
		return 0;
	switch (fault.kind) {
	case SIM_FAULT_IO_ERROR:
		sim_log(XTL_ERROR, EIO, domid, "Core dumping domain to %s",
		    path);
		return ERROR_FAIL;
	case SIM_FAULT_HELPER_CRASH:
		raise(SIGKILL);
		_exit(137);
	default:
		for (;;)
			pause();
	}
}

int sim_core_dump_write(const char *path, const struct sim_domain *d,
    int64_t mib_s, struct sim_fault_hit fault)
{
	unsigned char head[4096];
	Elf64_Ehdr *eh = (Elf64_Ehdr *)head;
	Elf64_Phdr *ph = (Elf64_Phdr *)(head + sizeof *eh);
	uint64_t total = d->target_memkb * 1024, memory_done = 0, done = 0;
	int64_t bytes_per_s = mib_s * 1024 * 1024;
	struct timespec start;
	char *buf;
	int fd, rc = 0;

	if (fault.kind == SIM_FAULT_FAIL) {
		sim_log(XTL_ERROR, 0, d->domid, "Core dumping domain to %s",
		    path);
		return ERROR_FAIL;
	}
	fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	if (fd < 0) {
		sim_log(XTL_ERROR, errno, d->domid,
		    "Core dumping domain to %s", path);
		return ERROR_FAIL;
	}
	memset(head, 0, sizeof head);
	memcpy(eh->e_ident, ELFMAG, SELFMAG);
	eh->e_ident[EI_CLASS] = ELFCLASS64;
	eh->e_ident[EI_DATA] = ELFDATA2LSB;
	eh->e_ident[EI_VERSION] = EV_CURRENT;
	eh->e_ident[EI_OSABI] = ELFOSABI_SYSV;
	eh->e_type = ET_CORE;
	eh->e_machine = EM_X86_64;
	eh->e_version = EV_CURRENT;
	eh->e_phoff = sizeof *eh;
	eh->e_ehsize = sizeof *eh;
	eh->e_phentsize = sizeof *ph;
	eh->e_phnum = 1;
	ph->p_type = PT_LOAD;
	ph->p_flags = PF_R | PF_W | PF_X;
	ph->p_offset = sizeof head;
	ph->p_filesz = ph->p_memsz = total;
	ph->p_align = sizeof head;
	clock_gettime(CLOCK_MONOTONIC, &start);
	rc = dump_write(fd, head, sizeof head, &done, fault, d->domid, path);
	buf = malloc(CHUNK);
	while (rc == 0 && memory_done < total) {
		size_t n = total - memory_done > CHUNK ? CHUNK :
		    (size_t)(total - memory_done);
		struct timespec now;
		int64_t due_ns, spent_ns;

		sim_filler(d->seed, memory_done, buf, n);
		rc = dump_write(fd, buf, n, &done, fault, d->domid, path);
		memory_done += n;
		clock_gettime(CLOCK_MONOTONIC, &now);
		due_ns = (int64_t)((double)memory_done * 1e9 / bytes_per_s);
		spent_ns = (now.tv_sec - start.tv_sec) * 1000000000LL +
		    (now.tv_nsec - start.tv_nsec);
		if (due_ns > spent_ns)
			usleep((useconds_t)((due_ns - spent_ns) / 1000));
	}
	free(buf);
	if (close(fd) < 0 && rc == 0) {
		sim_log(XTL_ERROR, errno, d->domid,
		    "Core dumping domain to %s", path);
		rc = ERROR_FAIL;
	}
	return rc;
}

/* Sets of host cpus in xl's syntax: "0-3,5", "all", "all,^1", "nodes:0",
 * "^node:1", comma-separated, applied left to right. */
#ifndef DAEMON_CPU_SET_H
#define DAEMON_CPU_SET_H

#include "daemon/xl-compat.h"
#include "proto/err.h"

/* Parses text into map, which this allocates for the host's cpus (map
 * fresh from libxl_bitmap_init, the caller's to dispose of either way).
 * A cpu or node the host does not have, "^all", or a set that selects no
 * cpu is InvalidArgument; HypervisorError if the host's cpus or NUMA
 * topology cannot be read. */
struct err *cpu_set_parse(libxl_ctx *ctx, const char *text,
    libxl_bitmap *map);
/* The cpus of map below max_cpus as ranges, "0-3,5" ("" for none). */
char *cpu_set_format(const libxl_bitmap *map, int max_cpus);

#endif

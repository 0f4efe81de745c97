/* Sets of host cpus in xl's syntax ("0-3,5", "all", "all,^1"). */
#ifndef DAEMON_CPU_SET_H
#define DAEMON_CPU_SET_H

#include "daemon/xl-compat.h"
#include "proto/err.h"

/* Parses text into map (allocated by the caller for max_cpus cpus). */
struct err *cpu_set_parse(const char *text, int max_cpus, libxl_bitmap *map);
/* The cpus of map below max_cpus as ranges, "0-3,5" ("" for none). */
char *cpu_set_format(const libxl_bitmap *map, int max_cpus);

#endif

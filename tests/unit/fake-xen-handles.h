/* Test support: a real libxl_ctx on a machine without Xen.
 *
 * libxl_ctx_alloc only opens a libxc and a xenstore handle
 * (libxl-notes.md §7c); fake-xen-handles.c defines xc_interface_open/close
 * and xs_open/close to hand out dummy handles, so the real ctx_alloc
 * succeeds and the pure helpers that need a ctx (from_json, copy, bitmap
 * alloc) work.  It also fakes xc_get_max_cpus, which libxl_get_max_cpus
 * (and so libxl_cpu_bitmap_alloc) would otherwise send to Xen.  Anything
 * that really talks to Xen through the dummy handles crashes: only link
 * this into tests. */
#ifndef TESTS_UNIT_FAKE_XEN_HANDLES_H
#define TESTS_UNIT_FAKE_XEN_HANDLES_H

#include "daemon/xl-compat.h"

#define FAKE_XEN_MAX_CPUS 16
#define FAKE_XEN_MAX_NODES 2

/* One ctx per process, made on first use; aborts if libxl refuses. */
libxl_ctx *fake_xen_ctx(void);

#endif

# tests/sanlock: the lease backends with two "hosts" on this machine, and
# the time a dead host's leases take to become free.  Slow (sanlock's
# timeouts): `make check-sanlock`, run once by CI, as root.  See
# tests/sanlock/run.sh.
#
# lease-tool drives daemon/lease.c for one command, as a daemon would; the
# sanlock test and the lease bench (`lease-tool ... bench DISKS ROUNDS`)
# use it.  memlock-shim.c is a test-only container workaround for sanlock's
# daemon, compiled by run.sh at test time and never installed.
noinst_PROGRAMS += tests/sanlock/lease-tool
tests_sanlock_lease_tool_SOURCES = tests/sanlock/lease-tool.c \
	tests/unit/lease-hooks.c tests/unit/lease-hooks.h \
	daemon/lease.c daemon/lease-request.c daemon/lease-queue.c \
	daemon/lease-recover.c daemon/lease-list.c \
	daemon/log.c daemon/fsutil.c
tests_sanlock_lease_tool_CFLAGS = $(AM_CFLAGS) $(LIBEVENT_CFLAGS) \
	$(JSONC_CFLAGS) $(XENLIGHT_CFLAGS) $(LIBBSD_CFLAGS)
tests_sanlock_lease_tool_LDADD = daemon/liblease.la proto/libproto.la \
	$(LIBEVENT_LIBS) $(JSONC_LIBS) $(XENLIGHT_LIBS) $(LIBBSD_LIBS)

check-sanlock: all
if HAVE_SANLOCK
	$(SHELL) $(abs_top_srcdir)/tests/sanlock/run.sh \
		--builddir $(abs_top_builddir) --srcdir $(abs_top_srcdir)
else
	@echo "check-sanlock: configure found no libsanlock-dev; run" \
	    "scripts/install-deps.sh and configure again" >&2; exit 1
endif
.PHONY: check-sanlock
EXTRA_DIST += tests/sanlock/run.sh tests/sanlock/memlock-shim.c

# sim/: libxenlight-sim.so, the simulated Xen host (symbol interposition).
# Built as a module so that it installs as $(pkglibdir)/libxenlight-sim.so;
# the daemon's --sim re-exec also finds it at sim/.libs/ in the build tree.
pkglib_LTLIBRARIES += sim/libxenlight-sim.la
sim_libxenlight_sim_la_SOURCES = \
	sim/sim.h \
	sim/app.c \
	sim/control.c \
	sim/domain.c \
	sim/events.c \
	sim/faults.c \
	sim/handles.c \
	sim/host-stats.c \
	sim/log.c \
	sim/log.h \
	sim/hooks.c \
	sim/ops.c \
	sim/ops-device.c \
	sim/ops-pci.c \
	sim/ops-cpupool.c \
	sim/ops-domain.c \
	sim/ops-tune.c \
	sim/persist.c \
	sim/osevent.c \
	sim/query.c \
	sim/shared.c \
	sim/state.c \
	sim/stream.c \
	sim/xenstat.c
sim_libxenlight_sim_la_CFLAGS = $(AM_CFLAGS) $(JSONC_CFLAGS) \
	$(XENLIGHT_CFLAGS) $(XENSTORE_CFLAGS) $(XENCONTROL_CFLAGS) \
	$(XENSTAT_CFLAGS)
sim_libxenlight_sim_la_LDFLAGS = -module -avoid-version -shared \
	-Wl,--version-script=$(srcdir)/sim/sim.map
sim_libxenlight_sim_la_LIBADD = proto/libproto.la $(JSONC_LIBS) \
	$(XENLIGHT_LIBS) -ldl
EXTRA_sim_libxenlight_sim_la_DEPENDENCIES = $(srcdir)/sim/sim.map
EXTRA_DIST += sim/sim.map sim/pure-helpers.txt

# tests/unit build fragment

# proto/: framing, strict JSON, envelope, schemas, errors.
if HAVE_CRITERION
check_PROGRAMS += tests/unit/test-proto
TESTS += tests/unit/test-proto
endif
tests_unit_test_proto_SOURCES = tests/unit/test-proto.c
tests_unit_test_proto_CFLAGS = $(AM_CFLAGS) $(CRITERION_CFLAGS) $(JSONC_CFLAGS)
tests_unit_test_proto_LDADD = proto/libproto.la $(CRITERION_LIBS) $(JSONC_LIBS)

# xl config parsing, libxl JSON configs, xl save file header.
# fake-xen-handles.c gives the tests a real libxl ctx without Xen.
if HAVE_CRITERION
check_PROGRAMS += tests/unit/test-xl-config tests/unit/test-savefile
TESTS += tests/unit/test-xl-config tests/unit/test-savefile
endif
tests_unit_test_xl_config_SOURCES = tests/unit/test-xl-config.c \
	tests/unit/test-xl-config-keys.c tests/unit/test-xl-config-vnuma.c \
	tests/unit/xl-config-test.c \
	tests/unit/xl-config-test.h \
	tests/unit/fake-xen-handles.c tests/unit/fake-xen-handles.h
tests_unit_test_xl_config_CFLAGS = $(AM_CFLAGS) $(CRITERION_CFLAGS) \
	$(JSONC_CFLAGS) $(XENLIGHT_CFLAGS) $(XLUTIL_CFLAGS) \
	$(XENCONTROL_CFLAGS) $(XENSTORE_CFLAGS)
tests_unit_test_xl_config_LDADD = daemon/libxlcfg.la proto/libproto.la \
	$(CRITERION_LIBS) $(JSONC_LIBS) $(XENLIGHT_LIBS) $(XLUTIL_LIBS)
tests_unit_test_savefile_SOURCES = tests/unit/test-savefile.c
tests_unit_test_savefile_CFLAGS = $(AM_CFLAGS) $(CRITERION_CFLAGS) \
	$(JSONC_CFLAGS)
tests_unit_test_savefile_LDADD = daemon/libxlcfg.la proto/libproto.la \
	$(CRITERION_LIBS) $(JSONC_LIBS)

# client: libxlctl against an in-test fake server, and xlctl's pure parts.
# Both include test-client-fake.c, the fake server.
EXTRA_DIST += tests/unit/test-client-fake.c
if HAVE_CRITERION
check_PROGRAMS += tests/unit/test-client-lib tests/unit/test-client-cli
TESTS += tests/unit/test-client-lib tests/unit/test-client-cli
tests_unit_test_client_lib_SOURCES = tests/unit/test-client-lib.c
tests_unit_test_client_lib_CFLAGS = $(AM_CFLAGS) $(JSONC_CFLAGS) \
	$(CRITERION_CFLAGS)
tests_unit_test_client_lib_LDADD = client/libxlctl.la proto/libproto.la \
	$(JSONC_LIBS) $(CRITERION_LIBS)
tests_unit_test_client_cli_SOURCES = tests/unit/test-client-cli.c
tests_unit_test_client_cli_CFLAGS = $(AM_CFLAGS) $(JSONC_CFLAGS) \
	$(CRITERION_CFLAGS) -DTOP_SRCDIR='"$(abs_top_srcdir)"'
tests_unit_test_client_cli_LDADD = client/libxlctl-cli.la \
	client/libxlctl.la proto/libproto.la $(JSONC_LIBS) $(CRITERION_LIBS)
endif

# sim: the simulated hypervisor (sim/), driven by sim-driver under
# LD_PRELOAD.  sim-driver links only what the daemon links (the real
# libxenlight, libevent, libxenstat, json-c), never the simulator.
if HAVE_CRITERION
check_PROGRAMS += tests/unit/sim-driver tests/unit/test-sim
TESTS += tests/unit/test-sim
endif
tests_unit_sim_driver_SOURCES = tests/unit/sim-driver.c
tests_unit_sim_driver_CFLAGS = $(AM_CFLAGS) $(LIBEVENT_CFLAGS) \
	$(JSONC_CFLAGS) $(XENLIGHT_CFLAGS) $(XENSTAT_CFLAGS)
tests_unit_sim_driver_LDADD = $(LIBEVENT_LIBS) $(JSONC_LIBS) \
	$(XENLIGHT_LIBS) $(XENSTAT_LIBS)
tests_unit_test_sim_SOURCES = tests/unit/test-sim.c
tests_unit_test_sim_CFLAGS = $(AM_CFLAGS) $(CRITERION_CFLAGS) \
	-DTOP_BUILDDIR='"$(abs_top_builddir)"' -DTOP_SRCDIR='"$(abs_top_srcdir)"'
tests_unit_test_sim_LDADD = $(CRITERION_LIBS)
EXTRA_DIST += tests/sim-symbols.sh

# The state-change lock of a domain, without the daemon.
if HAVE_CRITERION
check_PROGRAMS += tests/unit/test-state-lock
TESTS += tests/unit/test-state-lock
endif
tests_unit_test_state_lock_SOURCES = tests/unit/test-state-lock.c \
	daemon/state-lock.c daemon/state-lock.h
tests_unit_test_state_lock_CFLAGS = $(AM_CFLAGS) $(CRITERION_CFLAGS) \
	$(LIBEVENT_CFLAGS) $(LIBBSD_CFLAGS)
tests_unit_test_state_lock_LDADD = proto/libproto.la $(CRITERION_LIBS) \
	$(LIBEVENT_LIBS)

# The command table, without the daemon.
if HAVE_CRITERION
check_PROGRAMS += tests/unit/test-command
TESTS += tests/unit/test-command
endif
tests_unit_test_command_SOURCES = tests/unit/test-command.c \
	daemon/command.c daemon/command.h
tests_unit_test_command_CFLAGS = $(AM_CFLAGS) $(CRITERION_CFLAGS) \
	$(JSONC_CFLAGS) $(XENLIGHT_CFLAGS)
tests_unit_test_command_LDADD = proto/libproto.la $(CRITERION_LIBS) \
	$(JSONC_LIBS)
# Disk leases: daemon/lease.c on a private event base, driving real
# daemon/xenlightd-lease-holder processes (lockspace backend).
if HAVE_CRITERION
check_PROGRAMS += tests/unit/test-lease
TESTS += tests/unit/test-lease
endif
tests_unit_test_lease_SOURCES = tests/unit/test-lease.c \
	tests/unit/lease-hooks.c tests/unit/lease-hooks.h \
	daemon/lease.c daemon/lease-request.c daemon/lease-queue.c \
	daemon/lease-recover.c daemon/lease-list.c \
	daemon/lease-xl.c daemon/log.c daemon/fsutil.c
tests_unit_test_lease_CFLAGS = $(AM_CFLAGS) $(CRITERION_CFLAGS) \
	$(LIBEVENT_CFLAGS) $(JSONC_CFLAGS) $(XENLIGHT_CFLAGS) $(LIBBSD_CFLAGS)
tests_unit_test_lease_LDADD = daemon/liblease.la proto/libproto.la \
	$(CRITERION_LIBS) $(LIBEVENT_LIBS) $(JSONC_LIBS) $(XENLIGHT_LIBS) \
	$(LIBBSD_LIBS)

# daemon/metrics-text.c and metrics-count.c alone: the exposition text
if HAVE_CRITERION
check_PROGRAMS += tests/unit/test-metrics-text
TESTS += tests/unit/test-metrics-text
endif
tests_unit_test_metrics_text_SOURCES = tests/unit/test-metrics-text.c \
	daemon/metrics-text.c daemon/metrics-count.c
tests_unit_test_metrics_text_CFLAGS = $(AM_CFLAGS) $(CRITERION_CFLAGS) \
	$(LIBEVENT_CFLAGS) $(JSONC_CFLAGS) $(XENLIGHT_CFLAGS)
tests_unit_test_metrics_text_LDADD = proto/libproto.la $(CRITERION_LIBS) \
	$(LIBEVENT_LIBS) $(JSONC_LIBS)

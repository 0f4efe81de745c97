# daemon/: xenlightd
sbin_PROGRAMS += daemon/xenlightd
daemon_xenlightd_SOURCES = \
	daemon/main.c daemon/daemon.h daemon/xl-compat.h \
	daemon/options.c \
	daemon/log.c daemon/log.h \
	daemon/loop.c daemon/loop.h \
	daemon/priority.c daemon/priority.h \
	daemon/fileio.c daemon/fileio.h \
	daemon/fsutil.c daemon/fsutil.h \
	daemon/helper.c daemon/helper.h \
	daemon/server.c daemon/server.h daemon/conn.c daemon/conn.h \
	daemon/command.c daemon/command.h \
	daemon/state-lock.c daemon/state-lock.h \
	daemon/systemd.c daemon/systemd.h \
	daemon/event.c daemon/event.h \
	daemon/store.c daemon/store.h \
	daemon/domain.c daemon/domain.h \
	daemon/job.c daemon/job.h daemon/job-step.c daemon/job-json.c \
	daemon/job-registry.c daemon/job-registry.h \
	daemon/job-journal.c \
	daemon/domain-json.c daemon/domain-json.h \
	daemon/request.c daemon/request.h \
	daemon/dispatch.c daemon/dispatch.h \
	daemon/lifecycle.c daemon/lifecycle.h \
	daemon/intake.c daemon/intake.h \
	daemon/image.c daemon/image.h \
	daemon/build-run.c daemon/build-run.h \
	daemon/create.c daemon/create.h \
	daemon/stats.c daemon/stats.h \
	daemon/metrics.c daemon/metrics.h \
	daemon/metrics-http.c daemon/metrics-http.h \
	daemon/metrics-text.c daemon/metrics-text.h \
	daemon/metrics-count.c daemon/metrics-count.h \
	daemon/dump.h \
	daemon/commands.c daemon/commands.h \
	daemon/cmd-host.c \
	daemon/cmd-domain-query.c \
	daemon/cmd-stats.c \
	daemon/cmd-job.c \
	daemon/cmd-events.c \
	daemon/cmd-define.c \
	daemon/cmd-lifecycle.c \
	daemon/cmd-power.c \
	daemon/cmd-destroy.c \
	daemon/cmd-save.c \
	daemon/cmd-restore.c \
	daemon/cmd-dump.c \
	daemon/cmd-tune.c \
	daemon/cmd-device.c \
	daemon/cmd-migrate.c \
	daemon/migrate-conn.c daemon/migrate-conn.h \
	daemon/migrate-in.c daemon/migrate-in.h \
	daemon/migrate-lease.c daemon/migrate-lease.h \
	daemon/migrate-listen.c daemon/migrate-listen.h \
	daemon/migrate-recover.c daemon/migrate-recover.h \
	daemon/migrate-wire.c daemon/migrate-wire.h \
	daemon/cmd-pci.c daemon/pci-bdf.c daemon/pci-bdf.h \
	daemon/pci-helper.h \
	daemon/cmd-cpupool.c \
	daemon/cmd-vcpu.c \
	daemon/lease.c daemon/lease.h \
	daemon/lease-int.h daemon/lease-request.c daemon/lease-queue.c \
	daemon/lease-recover.c daemon/lease-list.c \
	daemon/lease-xl.c daemon/lease-xl.h \
	daemon/lease-daemon.c daemon/lease-daemon.h \
	daemon/cmd-lease.c
daemon_xenlightd_CFLAGS = $(AM_CFLAGS) $(LIBEVENT_CFLAGS) $(JSONC_CFLAGS) \
	$(XENLIGHT_CFLAGS) $(XLUTIL_CFLAGS) $(XENSTAT_CFLAGS) $(LIBBSD_CFLAGS) \
	$(XENCONTROL_CFLAGS) $(XENSTORE_CFLAGS) \
	$(YAJL_CFLAGS) $(LIBSYSTEMD_CFLAGS)
daemon_xenlightd_LDADD = daemon/libxlcfg.la daemon/liblease.la \
	proto/libproto.la \
	$(LIBEVENT_LIBS) $(JSONC_LIBS) $(XENLIGHT_LIBS) $(XLUTIL_LIBS) \
	$(XENSTAT_LIBS) $(LIBSYSTEMD_LIBS) \
	$(LIBBSD_LIBS) $(PTHREAD_LIBS) \
	$(LIBEVENT_EXTRA_LIBS) $(XENCONTROL_LIBS) $(XENSTORE_LIBS)

# libxl's core dump is synchronous inside its call: it runs in this helper
pkglibexec_PROGRAMS += daemon/xenlightd-dump-helper
daemon_xenlightd_dump_helper_SOURCES = daemon/dump-helper.c daemon/dump.h \
	daemon/helper-log.c daemon/helper-log.h \
	daemon/helper-child.c daemon/helper-child.h
daemon_xenlightd_dump_helper_CFLAGS = $(AM_CFLAGS) $(XENLIGHT_CFLAGS)
daemon_xenlightd_dump_helper_LDADD = $(XENLIGHT_LIBS)

# libxl makes PCI devices assignable synchronously, in sysfs: in this helper
pkglibexec_PROGRAMS += daemon/xenlightd-pci-helper
daemon_xenlightd_pci_helper_SOURCES = daemon/pci-helper.c daemon/pci-helper.h \
	daemon/pci-bdf.c daemon/pci-bdf.h \
	daemon/helper-log.c daemon/helper-log.h \
	daemon/helper-child.c daemon/helper-child.h
daemon_xenlightd_pci_helper_CFLAGS = $(AM_CFLAGS) $(XENLIGHT_CFLAGS)
daemon_xenlightd_pci_helper_LDADD = $(XENLIGHT_LIBS)

# libxl builds domains synchronously inside its callbacks: they are built
# in this helper, one domain per run
pkglibexec_PROGRAMS += daemon/xenlightd-build-helper
daemon_xenlightd_build_helper_SOURCES = daemon/build-helper.c daemon/build-run.h \
	daemon/helper-log.c daemon/helper-log.h \
	daemon/helper-child.c daemon/helper-child.h
daemon_xenlightd_build_helper_CFLAGS = $(AM_CFLAGS) $(XENLIGHT_CFLAGS) \
	$(JSONC_CFLAGS)
daemon_xenlightd_build_helper_LDADD = $(XENLIGHT_LIBS) $(JSONC_LIBS)

# xl config parsing, libxl JSON configs and xl's save file header
# (a convenience library; its users also link proto/libproto.la).
noinst_LTLIBRARIES += daemon/libxlcfg.la
daemon_libxlcfg_la_SOURCES = \
	daemon/xl-config.c daemon/xl-config.h daemon/xl-config-int.h \
	daemon/xl-config-syntax.c daemon/xl-config-keys.c \
	daemon/xl-config-hvm.c daemon/xl-config-devices.c \
	daemon/xl-config-vdev.c daemon/xl-config-vsnd.c \
	daemon/xl-config-vnuma.c daemon/xl-config-value.c \
	daemon/cpu-set.c daemon/cpu-set.h \
	daemon/domain-config.c daemon/domain-config.h \
	daemon/savefile.c daemon/savefile.h
daemon_libxlcfg_la_CFLAGS = $(AM_CFLAGS) $(JSONC_CFLAGS) $(XENLIGHT_CFLAGS) \
	$(XLUTIL_CFLAGS)
daemon_libxlcfg_la_LIBADD = $(JSONC_LIBS) $(XENLIGHT_LIBS) $(XLUTIL_LIBS)

# Disk leases (doc/leases.md).  liblease: what the daemon, the holder, the
# tests and the fuzzers share (lists of disks, canonical names and keys,
# the holder's control protocol, records and owner notes).
noinst_LTLIBRARIES += daemon/liblease.la
daemon_liblease_la_SOURCES = \
	daemon/lease-disk.c daemon/lease-disk.h \
	daemon/lease-wire.c daemon/lease-wire.h \
	daemon/lease-record.c daemon/lease-record.h
daemon_liblease_la_CFLAGS = $(AM_CFLAGS) $(JSONC_CFLAGS) $(LIBMD_CFLAGS)
daemon_liblease_la_LIBADD = proto/libproto.la $(JSONC_LIBS) $(LIBMD_LIBS)

# One per running domain: holds its leases, outlives the daemon
pkglibexec_PROGRAMS += daemon/xenlightd-lease-holder
daemon_xenlightd_lease_holder_SOURCES = daemon/lease-holder.c \
	daemon/lease-holder-state.c daemon/lease-holder-state.h \
	daemon/lease-backend.c daemon/lease-backend.h \
	daemon/lease-lockspace.c daemon/lease-sanlock.c daemon/lease-warn.c \
	daemon/fsutil.c daemon/fsutil.h
daemon_xenlightd_lease_holder_CFLAGS = $(AM_CFLAGS) $(JSONC_CFLAGS) \
	$(LIBBSD_CFLAGS) $(SANLOCK_CFLAGS)
daemon_xenlightd_lease_holder_LDADD = daemon/liblease.la proto/libproto.la \
	$(JSONC_LIBS) $(LIBBSD_LIBS) $(SANLOCK_LIBS)

# tests/func build fragment

# Functional tests: the daemon on the simulator, one private directory per
# test.  XENLIGHTD_TEST_WRAPPER (e.g. "valgrind --error-exitcode=99 -q")
# runs the daemon under a tool.
if HAVE_CRITERION
noinst_LTLIBRARIES += tests/func/libharness.la
tests_func_libharness_la_SOURCES = tests/func/harness.c tests/func/harness.h
tests_func_libharness_la_CFLAGS = $(AM_CFLAGS) $(CRITERION_CFLAGS) $(JSONC_CFLAGS)

FUNC_TESTS = tests/func/test-protocol tests/func/test-jobs tests/func/test-doc \
	tests/func/test-lifecycle tests/func/test-events tests/func/test-save \
	tests/func/test-recovery tests/func/test-build tests/func/test-upgrade \
	tests/func/test-limits tests/func/test-systemd tests/func/test-priority \
	tests/func/test-hostile tests/func/test-metrics tests/func/test-migrate \
	tests/func/test-migrate-kill tests/func/test-leases tests/func/test-lease-restart \
	tests/func/test-pci tests/func/test-cpupool \
	tests/func/test-xl-corpus
check_PROGRAMS += $(FUNC_TESTS)
TESTS += $(FUNC_TESTS)
endif
FUNC_LDADD = tests/func/libharness.la client/libxlctl.la proto/libproto.la \
	$(CRITERION_LIBS) $(JSONC_LIBS)
FUNC_CFLAGS = $(AM_CFLAGS) $(CRITERION_CFLAGS) $(JSONC_CFLAGS)
tests_func_test_pci_SOURCES = tests/func/test-pci.c
tests_func_test_pci_CFLAGS = $(FUNC_CFLAGS)
tests_func_test_pci_LDADD = $(FUNC_LDADD)
tests_func_test_cpupool_SOURCES = tests/func/test-cpupool.c
tests_func_test_cpupool_CFLAGS = $(FUNC_CFLAGS)
tests_func_test_cpupool_LDADD = $(FUNC_LDADD)
tests_func_test_protocol_SOURCES = tests/func/test-protocol.c
tests_func_test_protocol_CFLAGS = $(FUNC_CFLAGS)
tests_func_test_protocol_LDADD = $(FUNC_LDADD)
tests_func_test_jobs_SOURCES = tests/func/test-jobs.c
tests_func_test_jobs_CFLAGS = $(FUNC_CFLAGS)
tests_func_test_jobs_LDADD = $(FUNC_LDADD)
tests_func_test_lifecycle_SOURCES = tests/func/test-lifecycle.c
tests_func_test_lifecycle_CFLAGS = $(FUNC_CFLAGS)
tests_func_test_lifecycle_LDADD = $(FUNC_LDADD)
tests_func_test_save_SOURCES = tests/func/test-save.c
tests_func_test_save_CFLAGS = $(FUNC_CFLAGS)
tests_func_test_save_LDADD = $(FUNC_LDADD)
tests_func_test_recovery_SOURCES = tests/func/test-recovery.c
tests_func_test_recovery_CFLAGS = $(FUNC_CFLAGS)
tests_func_test_recovery_LDADD = $(FUNC_LDADD)
tests_func_test_build_SOURCES = tests/func/test-build.c
tests_func_test_build_CFLAGS = $(FUNC_CFLAGS)
tests_func_test_build_LDADD = $(FUNC_LDADD)
tests_func_test_upgrade_SOURCES = tests/func/test-upgrade.c
tests_func_test_upgrade_CFLAGS = $(FUNC_CFLAGS) \
	-DFIXTURE_DIR='"$(abs_top_srcdir)/tests/func/fixtures"'
tests_func_test_upgrade_LDADD = $(FUNC_LDADD)
EXTRA_DIST += tests/func/fixtures
tests_func_test_limits_SOURCES = tests/func/test-limits.c
tests_func_test_limits_CFLAGS = $(FUNC_CFLAGS)
tests_func_test_limits_LDADD = $(FUNC_LDADD)
tests_func_test_priority_SOURCES = tests/func/test-priority.c
tests_func_test_priority_CFLAGS = $(FUNC_CFLAGS)
tests_func_test_priority_LDADD = $(FUNC_LDADD)
# the daemon under systemd-socket-activate and a test NOTIFY_SOCKET
tests_func_test_systemd_SOURCES = tests/func/test-systemd.c
tests_func_test_systemd_CFLAGS = $(FUNC_CFLAGS)
tests_func_test_systemd_LDADD = $(FUNC_LDADD)
# the metrics endpoint; promtool (Debian's prometheus) checks a scrape
tests_func_test_metrics_SOURCES = tests/func/test-metrics.c
tests_func_test_metrics_CFLAGS = $(FUNC_CFLAGS)
tests_func_test_metrics_LDADD = $(FUNC_LDADD)
# disk leases: link liblease for canonical names and lock file keys
tests_func_test_leases_SOURCES = tests/func/test-leases.c \
	tests/func/lease-util.c tests/func/lease-util.h
tests_func_test_leases_CFLAGS = $(FUNC_CFLAGS)
tests_func_test_leases_LDADD = $(FUNC_LDADD) daemon/liblease.la
tests_func_test_lease_restart_SOURCES = tests/func/test-lease-restart.c \
	tests/func/lease-util.c tests/func/lease-util.h
tests_func_test_lease_restart_CFLAGS = $(FUNC_CFLAGS)
tests_func_test_lease_restart_LDADD = $(FUNC_LDADD) daemon/liblease.la
tests_func_test_events_SOURCES = tests/func/test-events.c
tests_func_test_events_CFLAGS = $(FUNC_CFLAGS)
tests_func_test_events_LDADD = $(FUNC_LDADD)
# the documentation against the code (doc/protocol.md, doc/xenlightd.8);
# XENLIGHTD_SRCDIR overrides where the sources are read from
tests_func_test_doc_SOURCES = tests/func/test-doc.c
tests_func_test_doc_CFLAGS = $(FUNC_CFLAGS) \
	-DDOC_TOP_SRCDIR='"$(abs_top_srcdir)"'
tests_func_test_doc_LDADD = $(FUNC_LDADD)

# The functional tests with the daemon under valgrind: any memory error or
# definite leak makes it exit 99, which dut_stop() reports.  Tests too slow
# for valgrind skip themselves when XENLIGHTD_TEST_WRAPPER is set.
VALGRIND_WRAPPER = valgrind -q --error-exitcode=99 --leak-check=full \
	--errors-for-leak-kinds=definite --show-leak-kinds=definite
# (make check-valgrind VALGRIND_TESTS="tests/func/test-x ..." for a few)
VALGRIND_TESTS = $(FUNC_TESTS)
check-valgrind: $(FUNC_TESTS)
	@for t in $(VALGRIND_TESTS); do \
		echo "valgrind: $$t"; \
		XENLIGHTD_BUILDDIR='$(abs_top_builddir)' \
		XENLIGHTD_SRCDIR='$(abs_top_srcdir)' \
		XENLIGHTD_TEST_WRAPPER='$(VALGRIND_WRAPPER)' \
		./$$t --jobs 2 || exit 1; \
	done
.PHONY: check-valgrind
tests_func_test_hostile_SOURCES = tests/func/test-hostile.c
tests_func_test_hostile_CFLAGS = $(FUNC_CFLAGS)
tests_func_test_hostile_LDADD = $(FUNC_LDADD)
# two daemons on the simulator are two hosts: migration between them
MIGRATE_HOSTS = tests/func/migrate-hosts.c tests/func/migrate-hosts.h
tests_func_test_migrate_SOURCES = tests/func/test-migrate.c $(MIGRATE_HOSTS)
tests_func_test_migrate_CFLAGS = $(FUNC_CFLAGS)
tests_func_test_migrate_LDADD = $(FUNC_LDADD)
# the hand-over cut by a relay, and kill -9 of either daemon
# (XENLIGHTD_MIGRATE_KILLS iterations each, default 50)
tests_func_test_migrate_kill_SOURCES = tests/func/test-migrate-kill.c \
	$(MIGRATE_HOSTS)
tests_func_test_migrate_kill_CFLAGS = $(FUNC_CFLAGS)
tests_func_test_migrate_kill_LDADD = $(FUNC_LDADD) $(PTHREAD_LIBS)

# The xl config corpus: ours (tests/xl-configs/*.cfg) and Debian's
# xlexample.* files, fetched at build time (not kept in the tree).
tests_func_test_xl_corpus_SOURCES = tests/func/test-xl-corpus.c
tests_func_test_xl_corpus_CFLAGS = $(FUNC_CFLAGS)
tests_func_test_xl_corpus_LDADD = $(FUNC_LDADD)
if HAVE_CRITERION
check_DATA = tests/xl-configs/debian/.stamp
endif
tests/xl-configs/debian/.stamp: $(top_srcdir)/tests/xl-configs/fetch-debian-examples.sh
	$(SHELL) $(top_srcdir)/tests/xl-configs/fetch-debian-examples.sh tests/xl-configs/debian
	touch $@
CLEANFILES += tests/xl-configs/debian/.stamp
EXTRA_DIST += tests/xl-configs/fetch-debian-examples.sh \
	tests/xl-configs/oracle-sim.sh

# tests/: unit (Criterion, no daemon), func (daemon on the simulator),
# fuzz (libFuzzer harnesses), xen (real Xen under QEMU: make check-xen).
include tests/unit/local.mk
include tests/func/local.mk
include tests/fuzz/local.mk
include tests/xen/local.mk
include tests/sanlock/local.mk

EXTRA_DIST += tests/lsan.supp tests/check-sim-symbols.sh

TESTS += tests/check-sim-symbols.sh

# Every test finds the build through this (functional tests start
# daemon/xenlightd and preload sim/.libs/libxenlight-sim.so).
AM_TESTS_ENVIRONMENT = XENLIGHTD_BUILDDIR='$(abs_top_builddir)'; \
	export XENLIGHTD_BUILDDIR; \
	XENLIGHTD_SRCDIR='$(abs_top_srcdir)'; export XENLIGHTD_SRCDIR;
if SANITIZERS
# the simulator is preloaded before the ASan runtime the daemon links
AM_TESTS_ENVIRONMENT += ASAN_OPTIONS=verify_asan_link_order=0:detect_leaks=1; \
	export ASAN_OPTIONS; UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1; \
	export UBSAN_OPTIONS; \
	LSAN_OPTIONS=suppressions='$(abs_top_srcdir)/tests/lsan.supp'; \
	export LSAN_OPTIONS; XENLIGHTD_TEST_SANITIZED=1; \
	export XENLIGHTD_TEST_SANITIZED;
endif

# tests/xen: real Xen 4.17 + Debian 12 dom0 booted under QEMU, the daemon
# run against real PV guests.  `make check-xen` (as root, the first time: it
# builds the cached dom0 image); see tests/xen/README.md.
XENTEST_DESTDIR = $(abs_top_builddir)/tests/xen/destdir
XENTEST_OUT = $(abs_top_builddir)/tests/xen/out

XENTEST_RUN = rm -rf $(XENTEST_DESTDIR) && \
	$(MAKE) $(AM_MAKEFLAGS) install DESTDIR=$(XENTEST_DESTDIR) && \
	$(SHELL) $(abs_top_srcdir)/tests/xen/run.sh --destdir $(XENTEST_DESTDIR)

check-xen: all
	$(XENTEST_RUN) --out $(XENTEST_OUT) --scenarios "$(XEN_TEST_SCENARIOS)"

# the two-host scenarios (two Xen machines: live migration), on their own
XEN_TEST_MIGRATE_SCENARIOS = 20 21
check-xen-migrate: all
	$(XENTEST_RUN) --out $(XENTEST_OUT)-migrate \
		--scenarios "$(XEN_TEST_MIGRATE_SCENARIOS)"

# the dom0 image alone (cached): to warm the cache, or to time it
xen-image:
	$(SHELL) $(abs_top_srcdir)/tests/xen/image.sh

.PHONY: check-xen check-xen-migrate xen-image
EXTRA_DIST += tests/xen/README.md tests/xen/host.sh tests/xen/image.sh \
	tests/xen/run.sh tests/xen/boot tests/xen/dom0 tests/xen/guest \
	tests/xen/scenarios

# doc/: the protocol reference, the simulator, the operator's guide, man pages
dist_doc_DATA += doc/protocol.md doc/simulator.md doc/operations.md
dist_doc_DATA += doc/metrics.md doc/grafana-xenlightd.json
dist_doc_DATA += doc/xl-config.md
dist_man_MANS += doc/xenlightd.8

# The example configuration, every option commented out at its default.
# The daemon reads $(sysconfdir)/xenlightd/xenlightd.conf when it exists;
# `make install` never overwrites an administrator's copy, and uninstall
# removes it only while it is still the one shipped.
EXTRA_DIST += doc/xenlightd.conf
xenlightd_confdir = $(sysconfdir)/xenlightd
install-data-local: install-xenlightd-conf
uninstall-local: uninstall-xenlightd-conf
install-xenlightd-conf:
	$(MKDIR_P) '$(DESTDIR)$(xenlightd_confdir)'
	@if test -e '$(DESTDIR)$(xenlightd_confdir)/xenlightd.conf'; then \
		echo "keeping $(DESTDIR)$(xenlightd_confdir)/xenlightd.conf"; \
	else \
		echo " $(INSTALL_DATA) doc/xenlightd.conf '$(DESTDIR)$(xenlightd_confdir)/xenlightd.conf'"; \
		$(INSTALL_DATA) $(srcdir)/doc/xenlightd.conf \
			'$(DESTDIR)$(xenlightd_confdir)/xenlightd.conf'; \
	fi
uninstall-xenlightd-conf:
	@f='$(DESTDIR)$(xenlightd_confdir)/xenlightd.conf'; \
	if cmp -s $(srcdir)/doc/xenlightd.conf "$$f"; then \
		echo " rm -f '$$f'"; rm -f "$$f"; \
		rmdir '$(DESTDIR)$(xenlightd_confdir)' 2>/dev/null || :; \
	fi
.PHONY: install-xenlightd-conf uninstall-xenlightd-conf

# The xl config corpus, installed as examples (every supported key for PV,
# PVH and HVM; doc/xl-config.md); tests/xen scenario 10 reads it in dom0.
xlconfigexamplesdir = $(docdir)/examples/xl-configs
dist_xlconfigexamples_DATA = tests/xl-configs/pv-all.cfg \
	tests/xl-configs/pv-vnc.cfg tests/xl-configs/pvh-all.cfg \
	tests/xl-configs/hvm-all.cfg tests/xl-configs/hvm-legacy.cfg

# systemd/: the service and its two sockets (socket activation, Type=notify).
# The service names the daemon's installed path, so it is generated.
systemd_units = systemd/xenlightd.service systemd/xenlightd.socket \
	systemd/xenlightd-ro.socket
EXTRA_DIST += systemd/xenlightd.service.in systemd/xenlightd.socket \
	systemd/xenlightd-ro.socket
CLEANFILES += systemd/xenlightd.service

systemd/xenlightd.service: $(srcdir)/systemd/xenlightd.service.in Makefile
	$(AM_V_GEN)$(MKDIR_P) systemd && \
	sed -e 's|@sbindir[@]|$(sbindir)|g' \
		$(srcdir)/systemd/xenlightd.service.in > $@.tmp && mv $@.tmp $@

if HAVE_SYSTEMDSYSTEMUNITDIR
systemdsystemunit_DATA = $(systemd_units)
else
noinst_DATA = systemd/xenlightd.service
endif

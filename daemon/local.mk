# daemon/: xenlightd
sbin_PROGRAMS += daemon/xenlightd
daemon_xenlightd_SOURCES = daemon/main.c
daemon_xenlightd_CFLAGS = $(AM_CFLAGS) $(LIBEVENT_CFLAGS) $(JSONC_CFLAGS) $(XENLIGHT_CFLAGS) $(XLUTIL_CFLAGS)
daemon_xenlightd_LDADD = proto/libproto.la $(LIBEVENT_LIBS) $(JSONC_LIBS) $(XENLIGHT_LIBS) $(XLUTIL_LIBS) $(PTHREAD_LIBS)

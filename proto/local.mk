# proto/: the JSON line codec, shared by the daemon, the client and the simulator.
noinst_LTLIBRARIES += proto/libproto.la
proto_libproto_la_SOURCES = \
	proto/err.c proto/err.h \
	proto/json-line.c proto/json-line.h \
	proto/json-text.c proto/json-text.h \
	proto/mem.c proto/mem.h \
	proto/message.c proto/message.h \
	proto/schema.c proto/schema.h
proto_libproto_la_CFLAGS = $(AM_CFLAGS) $(JSONC_CFLAGS) $(YAJL_CFLAGS)
proto_libproto_la_LIBADD = $(JSONC_LIBS) $(YAJL_LIBS)

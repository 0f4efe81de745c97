# client/: libxlctl (the C client library) and xlctl (the CLI).

# The library exports its xlctl_* API only: the proto/ codec it is built
# from stays private.
lib_LTLIBRARIES += client/libxlctl.la
include_HEADERS += client/xlctl.h
pkgconfig_DATA += client/xlctl.pc
client_libxlctl_la_SOURCES = client/libxlctl.c client/xlctl.h
client_libxlctl_la_CFLAGS = $(AM_CFLAGS) $(JSONC_CFLAGS)
client_libxlctl_la_LIBADD = proto/libproto.la $(JSONC_LIBS)
client_libxlctl_la_LDFLAGS = $(AM_LDFLAGS) -version-info 0:0:0 \
	-export-symbols-regex '^xlctl_'

# Everything of xlctl but main(), so that tests can build requests and run
# subcommands in-process.
noinst_LTLIBRARIES += client/libxlctl-cli.la
client_libxlctl_cli_la_SOURCES = \
	client/xlctl-cli.h \
	client/xlctl.c \
	client/xlctl-domain.c \
	client/xlctl-events.c \
	client/xlctl-format.c \
	client/xlctl-host.c \
	client/xlctl-jobs.c \
	client/xlctl-lifecycle.c \
	client/xlctl-save.c
client_libxlctl_cli_la_CFLAGS = $(AM_CFLAGS) $(JSONC_CFLAGS)

bin_PROGRAMS += client/xlctl
client_xlctl_SOURCES = client/xlctl-main.c
client_xlctl_CFLAGS = $(AM_CFLAGS) $(JSONC_CFLAGS)
client_xlctl_LDADD = client/libxlctl-cli.la client/libxlctl.la \
	proto/libproto.la $(JSONC_LIBS)

dist_man_MANS += doc/xlctl.1

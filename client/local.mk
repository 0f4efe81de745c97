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
# commands in-process.  Layered, each file calling only those above it in
# this list (HACKING.md, "client/"): formatting, errors, the command line,
# requests, what a command is, connecting, output, following jobs, help,
# completion; then the command families; then the top, xlctl-cli.c.
noinst_LTLIBRARIES += client/libxlctl-cli.la
client_libxlctl_cli_la_SOURCES = \
	client/xlctl-format.c client/xlctl-format.h \
	client/xlctl-error.c client/xlctl-error.h \
	client/xlctl-args.c client/xlctl-args.h \
	client/xlctl-request.c client/xlctl-request.h \
	client/xlctl-cmd.c client/xlctl-cmd.h \
	client/xlctl-connect.c client/xlctl-connect.h \
	client/xlctl-output.c client/xlctl-output.h \
	client/xlctl-follow.c client/xlctl-follow.h \
	client/xlctl-help.c client/xlctl-help.h \
	client/xlctl-complete.c client/xlctl-complete.h \
	client/xlctl-host.c \
	client/xlctl-domain.c \
	client/xlctl-lifecycle.c \
	client/xlctl-resources.c \
	client/xlctl-save.c \
	client/xlctl-jobs.c \
	client/xlctl-events.c \
	client/xlctl-cli.c client/xlctl-cli.h
client_libxlctl_cli_la_CFLAGS = $(AM_CFLAGS) $(JSONC_CFLAGS)

bin_PROGRAMS += client/xlctl
client_xlctl_SOURCES = client/xlctl-main.c
client_xlctl_CFLAGS = $(AM_CFLAGS) $(JSONC_CFLAGS)
client_xlctl_LDADD = client/libxlctl-cli.la client/libxlctl.la \
	proto/libproto.la $(JSONC_LIBS)

dist_man_MANS += doc/xlctl.1

# Bash completion: bash-completion loads completions/xlctl when xlctl is
# first completed.  The directory is bash-completion's (configure).
bashcompletiondir = $(BASH_COMPLETION_DIR)
dist_bashcompletion_DATA = client/completion/xlctl

# The completion function against a daemon on the simulator.
TESTS += tests/client/test-completion.sh
EXTRA_DIST += tests/client/test-completion.sh

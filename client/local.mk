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
	client/xlctl-pci.c \
	client/xlctl-cpupool.c \
	client/xlctl-save.c \
	client/xlctl-migrate.c \
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

# libFuzzer harness for xlctl's command line (make fuzz, make fuzz-run;
# the compiler and flags are tests/fuzz/local.mk's).
XLCTL_FUZZ_SRC = $(top_srcdir)/tests/fuzz/fuzz-xlctl-args.c \
	$(top_srcdir)/client/xlctl-format.c $(top_srcdir)/client/xlctl-error.c \
	$(top_srcdir)/client/xlctl-args.c $(top_srcdir)/client/xlctl-request.c \
	$(top_srcdir)/client/xlctl-cmd.c $(top_srcdir)/client/xlctl-connect.c \
	$(top_srcdir)/client/xlctl-output.c $(top_srcdir)/client/xlctl-follow.c \
	$(top_srcdir)/client/xlctl-help.c $(top_srcdir)/client/xlctl-complete.c \
	$(top_srcdir)/client/xlctl-host.c $(top_srcdir)/client/xlctl-domain.c \
	$(top_srcdir)/client/xlctl-lifecycle.c \
	$(top_srcdir)/client/xlctl-resources.c \
	$(top_srcdir)/client/xlctl-pci.c $(top_srcdir)/client/xlctl-cpupool.c \
	$(top_srcdir)/client/xlctl-save.c $(top_srcdir)/client/xlctl-jobs.c \
	$(top_srcdir)/client/xlctl-migrate.c \
	$(top_srcdir)/client/xlctl-events.c $(top_srcdir)/client/xlctl-cli.c \
	$(top_srcdir)/client/libxlctl.c $(top_srcdir)/proto/err.c $(top_srcdir)/proto/mem.c \
	$(top_srcdir)/proto/json-line.c $(top_srcdir)/proto/message.c
tests/fuzz/fuzz-xlctl-args: $(XLCTL_FUZZ_SRC)
	@$(MKDIR_P) tests/fuzz
	$(XLCFG_FUZZ_CC) $(XLCFG_FUZZ_FLAGS) $(XLCFG_FUZZ_CPPFLAGS) -o $@ \
	    $(XLCTL_FUZZ_SRC) $(JSONC_LIBS)
fuzz-client: tests/fuzz/fuzz-xlctl-args
fuzz-run-client: fuzz-client
	@$(MKDIR_P) tests/fuzz/corpus/xlctl-args
	$(FUZZ_RUN) xlctl-args tests/fuzz/fuzz-xlctl-args -max_total_time=$(FUZZ_SECONDS) \
	    -max_len=512 -close_fd_mask=3 tests/fuzz/corpus/xlctl-args \
	    $(top_srcdir)/tests/fuzz/seeds/xlctl-args
fuzz: fuzz-client
fuzz-run: fuzz-run-client
.PHONY: fuzz-client fuzz-run-client
CLEANFILES += tests/fuzz/fuzz-xlctl-args
EXTRA_DIST += tests/fuzz/fuzz-xlctl-args.c

# tests/fuzz build fragment

# libFuzzer harnesses for the xl config parser and the save file header.
# Built on demand with clang (not by `make`/`make check`):
#   make fuzz                       build them into tests/fuzz/
#   make fuzz-run [FUZZ_SECONDS=60] run each for FUZZ_SECONDS (the xl config
#                                   one twice: with leak checks, then with
#                                   the libxlutil agreement oracle)
# They compile the sources directly with -fsanitize=fuzzer,address,undefined
# and link the system libxenlight/libxlutil/json-c/libevent (not
# instrumented).
XLCFG_FUZZ_CC = clang
XLCFG_FUZZ_FLAGS = -g -O1 -fno-omit-frame-pointer \
	-fsanitize=fuzzer,address,undefined -fno-sanitize-recover=undefined
XLCFG_FUZZ_CPPFLAGS = -I$(top_srcdir) -I$(top_builddir) $(JSONC_CFLAGS) \
	$(XENLIGHT_CFLAGS) $(XLUTIL_CFLAGS) $(XENCONTROL_CFLAGS) \
	$(XENSTORE_CFLAGS)
XLCFG_FUZZ_PROTO = $(top_srcdir)/proto/err.c $(top_srcdir)/proto/mem.c $(top_srcdir)/proto/json-line.c
XLCFG_FUZZ_XL_CONFIG_SRC = $(top_srcdir)/tests/fuzz/fuzz-xl-config.c \
	$(top_srcdir)/daemon/xl-config.c $(top_srcdir)/daemon/domain-config.c \
	$(top_srcdir)/daemon/xl-config-syntax.c \
	$(top_srcdir)/daemon/xl-config-keys.c \
	$(top_srcdir)/daemon/xl-config-hvm.c \
	$(top_srcdir)/daemon/xl-config-devices.c \
	$(top_srcdir)/daemon/xl-config-vdev.c \
	$(top_srcdir)/daemon/xl-config-vsnd.c \
	$(top_srcdir)/daemon/xl-config-vnuma.c \
	$(top_srcdir)/daemon/xl-config-value.c $(top_srcdir)/daemon/cpu-set.c \
	$(top_srcdir)/tests/unit/fake-xen-handles.c $(XLCFG_FUZZ_PROTO)
XLCFG_FUZZ_SAVEFILE_SRC = $(top_srcdir)/tests/fuzz/fuzz-savefile-header.c \
	$(top_srcdir)/daemon/savefile.c $(XLCFG_FUZZ_PROTO)
FUZZ_SECONDS = 60
# every run through it: libFuzzer's final stats and a "fuzz-run: LABEL: N
# executions" line to sum
FUZZ_RUN = $(SHELL) $(top_srcdir)/tests/fuzz/run.sh

tests/fuzz/fuzz-xl-config: $(XLCFG_FUZZ_XL_CONFIG_SRC)
	@$(MKDIR_P) tests/fuzz
	$(XLCFG_FUZZ_CC) $(XLCFG_FUZZ_FLAGS) $(XLCFG_FUZZ_CPPFLAGS) -o $@ \
	    $(XLCFG_FUZZ_XL_CONFIG_SRC) $(XLUTIL_LIBS) $(XENLIGHT_LIBS) \
	    $(JSONC_LIBS)

tests/fuzz/fuzz-savefile-header: $(XLCFG_FUZZ_SAVEFILE_SRC)
	@$(MKDIR_P) tests/fuzz
	$(XLCFG_FUZZ_CC) $(XLCFG_FUZZ_FLAGS) $(XLCFG_FUZZ_CPPFLAGS) -o $@ \
	    $(XLCFG_FUZZ_SAVEFILE_SRC) $(JSONC_LIBS)

# The protocol codec: framing, strict JSON, envelope, schemas.
PROTO_FUZZ_SRC = $(top_srcdir)/tests/fuzz/fuzz-json-line.c \
	$(top_srcdir)/proto/err.c $(top_srcdir)/proto/mem.c $(top_srcdir)/proto/json-line.c \
	$(top_srcdir)/proto/message.c $(top_srcdir)/proto/schema.c
tests/fuzz/fuzz-json-line: $(PROTO_FUZZ_SRC) $(top_srcdir)/tests/fuzz/check-error.h
	@$(MKDIR_P) tests/fuzz
	$(XLCFG_FUZZ_CC) $(XLCFG_FUZZ_FLAGS) $(XLCFG_FUZZ_CPPFLAGS) -o $@ \
	    $(PROTO_FUZZ_SRC) $(JSONC_LIBS)
fuzz-proto: tests/fuzz/fuzz-json-line
fuzz-run-proto: fuzz-proto
	@$(MKDIR_P) tests/fuzz/corpus/json-line
	$(FUZZ_RUN) json-line tests/fuzz/fuzz-json-line -max_total_time=$(FUZZ_SECONDS) \
	    -max_len=8192 tests/fuzz/corpus/json-line \
	    $(top_srcdir)/tests/fuzz/seeds/json-line
.PHONY: fuzz-proto fuzz-run-proto
CLEANFILES += tests/fuzz/fuzz-json-line
EXTRA_DIST += tests/fuzz/fuzz-json-line.c tests/fuzz/check-error.h

# Disk leases: the holder's control lines, replies, records, owner notes,
# /proc stat texts and canonical disk names.
LEASE_FUZZ_SRC = $(top_srcdir)/tests/fuzz/fuzz-lease.c \
	$(top_srcdir)/daemon/lease-disk.c $(top_srcdir)/daemon/lease-wire.c \
	$(top_srcdir)/daemon/lease-record.c $(top_srcdir)/proto/err.c $(top_srcdir)/proto/mem.c \
	$(top_srcdir)/proto/json-line.c $(top_srcdir)/proto/schema.c
tests/fuzz/fuzz-lease: $(LEASE_FUZZ_SRC) $(top_srcdir)/tests/fuzz/check-error.h
	@$(MKDIR_P) tests/fuzz
	$(XLCFG_FUZZ_CC) $(XLCFG_FUZZ_FLAGS) $(XLCFG_FUZZ_CPPFLAGS) \
	    $(LIBMD_CFLAGS) -o $@ $(LEASE_FUZZ_SRC) $(JSONC_LIBS) $(LIBMD_LIBS)
fuzz-lease: tests/fuzz/fuzz-lease
fuzz-run-lease: fuzz-lease
	@$(MKDIR_P) tests/fuzz/corpus/lease
	$(FUZZ_RUN) lease tests/fuzz/fuzz-lease -max_total_time=$(FUZZ_SECONDS) \
	    -max_len=65536 tests/fuzz/corpus/lease \
	    $(top_srcdir)/tests/fuzz/seeds/lease
.PHONY: fuzz-lease fuzz-run-lease
CLEANFILES += tests/fuzz/fuzz-lease
EXTRA_DIST += tests/fuzz/fuzz-lease.c

# The migration wire: headers and hand-over lines from the network.
MIGRATE_FUZZ_SRC = $(top_srcdir)/tests/fuzz/fuzz-migrate-wire.c \
	$(top_srcdir)/daemon/migrate-wire.c $(top_srcdir)/proto/err.c \
	$(top_srcdir)/proto/mem.c $(top_srcdir)/proto/json-line.c \
	$(top_srcdir)/proto/schema.c
tests/fuzz/fuzz-migrate-wire: $(MIGRATE_FUZZ_SRC) $(top_srcdir)/tests/fuzz/check-error.h
	@$(MKDIR_P) tests/fuzz
	$(XLCFG_FUZZ_CC) $(XLCFG_FUZZ_FLAGS) $(XLCFG_FUZZ_CPPFLAGS) -o $@ \
	    $(MIGRATE_FUZZ_SRC) $(JSONC_LIBS)
fuzz-migrate: tests/fuzz/fuzz-migrate-wire
fuzz-run-migrate: fuzz-migrate
	@$(MKDIR_P) tests/fuzz/corpus/migrate-wire
	$(FUZZ_RUN) migrate-wire tests/fuzz/fuzz-migrate-wire -max_total_time=$(FUZZ_SECONDS) \
	    -max_len=65536 tests/fuzz/corpus/migrate-wire \
	    $(top_srcdir)/tests/fuzz/seeds/migrate-wire
.PHONY: fuzz-migrate fuzz-run-migrate
CLEANFILES += tests/fuzz/fuzz-migrate-wire
EXTRA_DIST += tests/fuzz/fuzz-migrate-wire.c

# The metrics endpoint: HTTP requests, through evhttp to our bounds and
# routing (daemon/metrics-http.c alone; the scrape is a fixed text).
METRICS_HTTP_FUZZ_SRC = $(top_srcdir)/tests/fuzz/fuzz-metrics-http.c \
	$(top_srcdir)/daemon/metrics-http.c $(top_srcdir)/proto/mem.c
tests/fuzz/fuzz-metrics-http: $(METRICS_HTTP_FUZZ_SRC)
	@$(MKDIR_P) tests/fuzz
	$(XLCFG_FUZZ_CC) $(XLCFG_FUZZ_FLAGS) $(XLCFG_FUZZ_CPPFLAGS) \
	    $(LIBEVENT_CFLAGS) -o $@ $(METRICS_HTTP_FUZZ_SRC) \
	    $(LIBEVENT_EXTRA_LIBS) $(LIBEVENT_LIBS)
fuzz-metrics-http: tests/fuzz/fuzz-metrics-http
fuzz-run-metrics-http: fuzz-metrics-http
	@$(MKDIR_P) tests/fuzz/corpus/metrics-http
	$(FUZZ_RUN) metrics-http tests/fuzz/fuzz-metrics-http \
	    -max_total_time=$(FUZZ_SECONDS) -max_len=16384 \
	    -dict=$(top_srcdir)/tests/fuzz/metrics-http.dict \
	    tests/fuzz/corpus/metrics-http \
	    $(top_srcdir)/tests/fuzz/seeds/metrics-http
.PHONY: fuzz-metrics-http fuzz-run-metrics-http
CLEANFILES += tests/fuzz/fuzz-metrics-http
EXTRA_DIST += tests/fuzz/fuzz-metrics-http.c tests/fuzz/metrics-http.dict

# Prerequisite-only rules, so other harnesses can hang off fuzz/fuzz-run.
fuzz: fuzz-xlcfg fuzz-proto fuzz-lease fuzz-migrate fuzz-metrics-http
fuzz-run: fuzz-run-xlcfg fuzz-run-proto fuzz-run-lease fuzz-run-migrate \
	fuzz-run-metrics-http
fuzz-xlcfg: tests/fuzz/fuzz-xl-config tests/fuzz/fuzz-savefile-header
fuzz-run-xlcfg: fuzz-xlcfg
	@$(MKDIR_P) tests/fuzz/corpus/xl-config tests/fuzz/corpus/savefile-header
	$(FUZZ_RUN) xl-config tests/fuzz/fuzz-xl-config -max_total_time=$(FUZZ_SECONDS) \
	    -dict=$(top_srcdir)/tests/fuzz/xl-config.dict \
	    tests/fuzz/corpus/xl-config $(top_srcdir)/tests/fuzz/seeds/xl-config
	FUZZ_XLU_ORACLE=1 ASAN_OPTIONS=detect_leaks=0 \
	    $(FUZZ_RUN) xl-config-oracle tests/fuzz/fuzz-xl-config -detect_leaks=0 \
	    -max_total_time=$(FUZZ_SECONDS) \
	    -dict=$(top_srcdir)/tests/fuzz/xl-config.dict \
	    tests/fuzz/corpus/xl-config $(top_srcdir)/tests/fuzz/seeds/xl-config
	$(FUZZ_RUN) savefile-header tests/fuzz/fuzz-savefile-header -max_total_time=$(FUZZ_SECONDS) \
	    tests/fuzz/corpus/savefile-header \
	    $(top_srcdir)/tests/fuzz/seeds/savefile-header
.PHONY: fuzz fuzz-run fuzz-xlcfg fuzz-run-xlcfg
CLEANFILES += tests/fuzz/fuzz-xl-config tests/fuzz/fuzz-savefile-header
EXTRA_DIST += tests/fuzz/fuzz-xl-config.c tests/fuzz/fuzz-savefile-header.c \
	tests/fuzz/xl-config.dict tests/fuzz/seeds tests/fuzz/run.sh

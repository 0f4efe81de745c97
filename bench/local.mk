# bench/: the load generator (bench/README.md).  Not installed; libvirt is
# never a build dependency (bench/virtbench.c is compiled, with measure.c, by
# bench/run.sh only, against libvirt-dev installed for the comparison).
noinst_PROGRAMS += bench/xlbench
bench_xlbench_SOURCES = bench/xlbench.c bench/measure.c bench/measure.h
bench_xlbench_CFLAGS = $(AM_CFLAGS) $(JSONC_CFLAGS)
bench_xlbench_LDADD = client/libxlctl.la $(JSONC_LIBS) $(PTHREAD_LIBS)

EXTRA_DIST += bench/README.md bench/run.sh bench/virtbench.c \
	bench/measure.c bench/measure.h \
	bench/libvirtd.sh bench/report.py bench/metrics.sh bench/migrate-sim.sh \
	bench/leases.sh

# ocf/: the Pacemaker resource agent ocf:xenlightd:domain
# (doc/pacemaker.md), installed as $(ocfdir)/domain.  Pacemaker looks in
# /usr/lib/ocf/resource.d: with another prefix, install with
# `make install ocfdir=/usr/lib/ocf/resource.d/xenlightd`.
ocfdir = $(prefix)/lib/ocf/resource.d/xenlightd
ocf_SCRIPTS = ocf/domain
CLEANFILES += ocf/domain
EXTRA_DIST += ocf/xenlightd-domain
dist_doc_DATA += doc/pacemaker.md

# The agent finds the xlctl installed beside it.
ocf/domain: $(top_srcdir)/ocf/xenlightd-domain Makefile
	$(AM_V_GEN)$(MKDIR_P) ocf && \
	sed -e 's|@bindir[@]|$(bindir)|g' \
	    $(top_srcdir)/ocf/xenlightd-domain > $@.tmp && \
	chmod 755 $@.tmp && mv -f $@.tmp $@

# make check-ha: ocf-tester against a daemon on the simulator, then a
# three-node Pacemaker cluster in network namespaces on this machine (as
# root; installs pacemaker, corosync, resource-agents, crmsh and
# openssh-server when missing).  See tests/ha/README.md.
HATEST_DESTDIR = $(abs_top_builddir)/tests/ha/destdir
HATEST_OUT = $(abs_top_builddir)/tests/ha/out

check-ha: all
	rm -rf $(HATEST_DESTDIR)
	$(MAKE) $(AM_MAKEFLAGS) install DESTDIR=$(HATEST_DESTDIR)
	$(SHELL) $(abs_top_srcdir)/tests/ha/run.sh \
		--destdir $(HATEST_DESTDIR) --prefix '$(prefix)' \
		--out $(HATEST_OUT)

.PHONY: check-ha
EXTRA_DIST += tests/ha/README.md tests/ha/run.sh tests/ha/lib.sh \
	tests/ha/install-deps.sh tests/ha/agent-test.sh tests/ha/cluster.sh \
	tests/ha/node.sh tests/ha/fence_xlha tests/ha/never-two.py \
	tests/ha/reply.py

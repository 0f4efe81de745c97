#!/bin/sh
# Installs what xenlightd needs to build and test on Debian 12 (as root).
set -eu
export DEBIAN_FRONTEND=noninteractive
apt-get update -q
# prometheus: promtool, which checks the metrics endpoint's text
# (tests/func/test-metrics); curl: bench/metrics.sh
# systemd: systemd-socket-activate and systemd.pc (the unit directory);
# tests/pkg/install-deps.sh adds what the package test needs
apt-get install -y -q --no-install-recommends \
	build-essential autoconf automake libtool pkg-config git ca-certificates \
	libxen-dev libevent-dev libjson-c-dev libyajl-dev libbsd-dev uthash-dev \
	libmd-dev libsanlock-dev sanlock \
	libsystemd-dev libcriterion-dev bash-completion \
	systemd \
	valgrind clang libclang-rt-14-dev \
	procps psmisc file binutils \
	prometheus curl

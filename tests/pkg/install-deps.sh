#!/bin/sh
# What tests/pkg/check-packages.sh needs on Debian 12 (as root), besides the
# packages' own Build-Depends, which it installs with apt-get build-dep:
# the Debian build tools, Debian 12's lintian, debootstrap for the chroot
# it installs into, and systemd for systemd-analyze.
set -eu
export DEBIAN_FRONTEND=noninteractive
apt-get update -q
apt-get install -y -q -o DPkg::Lock::Timeout=600 --no-install-recommends \
	build-essential debhelper dpkg-dev fakeroot lintian debootstrap \
	systemd util-linux ca-certificates

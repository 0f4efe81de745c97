#!/bin/sh
# Builds xenlightd out of tree: scripts/build.sh [DIR [configure options]]
# (default DIR: build/, with -Wall -Wextra -Werror).
set -eu
top=$(cd "$(dirname "$0")/.." && pwd)
dir=${1:-$top/build}
[ $# -gt 0 ] && shift
cd "$top"
[ -x configure ] || ./autogen.sh
mkdir -p "$dir"
cd "$dir"
[ -f Makefile ] || "$top/configure" --enable-werror "$@"
make -j"$(nproc)"

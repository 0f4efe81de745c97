#!/bin/sh
# bench/migrate-sim.sh [BUILDDIR]: two simulated hosts, one guest (MIB, default 1024 MiB), default rates
# (migrate_mib_s 1024): three round trips through xlctl migrate
set -e
B=$(cd "${1:-build}" && pwd)
T=$(mktemp -d /tmp/migfig-XXXXXX); mkdir -p $T/ls
$B/daemon/xenlightd --foreground --sim --no-config --rundir $T/a/run --statedir $T/a/state \
    --lockspace $T/ls --migrate-listen 127.0.0.1:47311 --log-file $T/a.log & PA=$!
$B/daemon/xenlightd --foreground --sim --no-config --rundir $T/b/run --statedir $T/b/state \
    --lockspace $T/ls --migrate-listen 127.0.0.1:47312 --log-file $T/b.log & PB=$!
sleep 1
printf 'name = "fig"\ntype = "pv"\nkernel = "/boot/vmlinuz-sim"\nmemory = %s\nvcpus = 1\n' "${MIB:-1024}" > $T/fig.cfg
$B/client/xlctl -c $T/a/run/xenlightd.sock create $T/fig.cfg
for i in 1 2 3; do
	$B/client/xlctl --json -c $T/a/run/xenlightd.sock migrate fig x --dest-socket $T/b/run/xenlightd.sock
	$B/client/xlctl --json -c $T/b/run/xenlightd.sock migrate fig x --dest-socket $T/a/run/xenlightd.sock
done
$B/client/xlctl -c $T/a/run/xenlightd.sock destroy fig
kill $PA $PB; wait $PA $PB || true
rm -rf $T

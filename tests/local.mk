# tests/: unit (Criterion, no daemon), func (daemon on the simulator),
# fuzz (libFuzzer harnesses), xen (real Xen under QEMU: make check-xen).
include tests/unit/local.mk
include tests/func/local.mk
include tests/fuzz/local.mk
include tests/xen/local.mk

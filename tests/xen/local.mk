# tests/xen build fragment

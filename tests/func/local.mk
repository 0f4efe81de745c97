# tests/func build fragment

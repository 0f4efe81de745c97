# tests/fuzz build fragment

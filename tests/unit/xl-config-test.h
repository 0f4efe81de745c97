/* What the xl config unit tests share (xl-config-test.c). */
#ifndef TESTS_UNIT_XL_CONFIG_TEST_H
#define TESTS_UNIT_XL_CONFIG_TEST_H

#include "daemon/xl-compat.h"

#include <stdbool.h>

#include "proto/err.h"

/* The config of the running test, fresh at setup, disposed at teardown. */
extern libxl_domain_config cfg;
void setup(void);
void teardown(void);
/* xl_config_parse of text into cfg. */
struct err *parse(const char *text);
void expect_ok(const char *text);
/* The error must be InvalidArgument and contain both fragments (the
 * second may be NULL). */
void expect_invalid(const char *text, const char *fragment1,
    const char *fragment2);
/* expected: '1' or '0' per cpu, FAKE_XEN_MAX_CPUS of them. */
bool cpu_set(const libxl_bitmap *map, const char *expected);

#endif

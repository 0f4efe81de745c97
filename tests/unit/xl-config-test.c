/* What the xl config unit tests share: a config per test, parse, expect. */
#include "config.h"

#include "tests/unit/xl-config-test.h"

#include <criterion/criterion.h>
#include <string.h>

#include "daemon/xl-config.h"
#include "tests/unit/fake-xen-handles.h"

libxl_domain_config cfg;

void setup(void)
{
	libxl_domain_config_init(&cfg);
}

void teardown(void)
{
	libxl_domain_config_dispose(&cfg);
}

struct err *parse(const char *text)
{
	return xl_config_parse(fake_xen_ctx(), text, strlen(text), &cfg);
}

void expect_ok(const char *text)
{
	struct err *e = parse(text);

	cr_assert_null(e, "unexpected error: %s", e ? e->desc : "");
}

/* The error must be InvalidArgument and contain every fragment. */
void expect_invalid(const char *text, const char *fragment1,
    const char *fragment2)
{
	struct err *e = parse(text);

	cr_assert_not_null(e, "no error for: %s", text);
	cr_assert_eq(e->class, ERR_INVALID_ARGUMENT, "class %s: %s",
	    err_class_name(e->class), e->desc);
	cr_assert_not_null(strstr(e->desc, fragment1), "'%s' not in '%s'",
	    fragment1, e->desc);
	if (fragment2 != NULL)
		cr_assert_not_null(strstr(e->desc, fragment2),
		    "'%s' not in '%s'", fragment2, e->desc);
	err_free(e);
}

bool cpu_set(const libxl_bitmap *map, const char *expected)
{
	/* expected: '1' or '0' per cpu, FAKE_XEN_MAX_CPUS of them */
	for (int i = 0; i < FAKE_XEN_MAX_CPUS; i++)
		if (libxl_bitmap_test(map, i) != (expected[i] == '1'))
			return false;
	return true;
}


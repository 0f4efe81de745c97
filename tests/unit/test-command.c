/* The command table (daemon/command.c): one entry per name, and a job
 * exactly for the kinds that run one. */
#include "config.h"

#include <stdarg.h>
#include <criterion/criterion.h>

#include "daemon/command.h"
#include "daemon/log.h"

static int complaints;

/* command.c reports a bad table through the daemon's log */
void log_message(enum log_level level, const char *fmt, ...)
{
	complaints++;
}

static void start(struct job *job)
{
}

static const struct command query_a = { .name = "a", .kind = COMMAND_QUERY };
static const struct command query_a_again = {
	.name = "a", .kind = COMMAND_QUERY,
};
static const struct command modify_b = {
	.name = "b", .kind = COMMAND_MODIFY, .start = start,
};
static const struct command modify_without_job = {
	.name = "c", .kind = COMMAND_MODIFY,
};
static const struct command query_with_job = {
	.name = "d", .kind = COMMAND_QUERY, .start = start,
};
static const struct command internal_e = {
	.name = "e", .kind = COMMAND_ASYNC, .internal = true, .start = start,
};

Test(command, a_table_is_found_by_name)
{
	const struct command *table[] = { &query_a, &modify_b, &internal_e,
		NULL };

	cr_assert_eq(command_table_set(table), 0);
	cr_assert_eq(command_find("a"), &query_a);
	cr_assert_eq(command_find("b"), &modify_b);
	cr_assert_eq(command_find("e"), &internal_e);
	cr_assert_null(command_find("z"));
	cr_assert_eq(command_all()[2], &internal_e);
	cr_assert_null(command_all()[3]);
	cr_assert(command_has_job(&modify_b));
	cr_assert_not(command_has_job(&query_a));
	command_table_set(NULL);
	cr_assert_null(command_find("a"));
}

Test(command, two_entries_of_one_name_are_refused)
{
	const struct command *table[] = { &query_a, &modify_b, &query_a_again,
		NULL };

	complaints = 0;
	cr_assert_eq(command_table_set(table), -1);
	cr_assert_eq(complaints, 1);
	cr_assert_null(command_find("a"));
	cr_assert_null(command_find("b"));
}

Test(command, a_job_exactly_for_the_kinds_that_run_one)
{
	const struct command *missing[] = { &modify_without_job, NULL };
	const struct command *extra[] = { &query_with_job, NULL };

	cr_assert_eq(command_table_set(missing), -1);
	cr_assert_eq(command_table_set(extra), -1);
}

/* xlctl: events: subscribe and print one line per event. */
#include "config.h"

#include <stdio.h>
#include <string.h>
#include <sys/time.h>

#include "client/xlctl-cli.h"
#include "proto/json-line.h"
#include "proto/message.h"

static const struct xlctl_flag xlctl_events_flags[] = {
	{ "event", 'e', "GLOB",
	  "only events named like GLOB (e.g. 'JOB_*'); repeatable" },
	{ "domain", 'd', "DOMAIN", "only events of DOMAIN; repeatable" },
	{ "count", 'n', "N", "exit after N events" },
	XLCTL_FLAG_END
};

/* The values of a repeatable option as a JSON array, NULL if none. */
static json_object *xlctl_string_list(const struct xlctl_args *args,
    const char *name)
{
	json_object *list = NULL;
	const char *value;

	for (int i = 0; (value = xlctl_args_nth(args, name, i)) != NULL; i++) {
		if (list == NULL)
			list = json_object_new_array();
		json_object_array_add(list, json_object_new_string(value));
	}
	return list;
}

static int xlctl_events_build(const struct xlctl_args *args,
    struct xlctl_request *req)
{
	const char *count = xlctl_args_get(args, "count");
	json_object *events = xlctl_string_list(args, "event");
	json_object *domains = xlctl_string_list(args, "domain");
	int64_t n;

	if (count != NULL && xlctl_parse_int(count, 1, INT64_MAX, &n) < 0)
		return xlctl_usage_error("invalid --count '%s'", count);
	if (events != NULL)
		json_object_object_add(req->arguments, "events", events);
	if (domains != NULL)
		json_object_object_add(req->arguments, "domains", domains);
	return XLCTL_EXIT_OK;
}

void xlctl_print_event(FILE *f, json_object *event)
{
	json_object *stamp = xlctl_get(event, "timestamp");
	const char *name = xlctl_get_string(event, "event");
	json_object *data = xlctl_get(event, "data");
	char when[32] = "-", buf[64];

	if (stamp != NULL) {
		struct timeval tv = {
			.tv_sec = (time_t)xlctl_get_int(stamp, "seconds", 0),
			.tv_usec = (suseconds_t)xlctl_get_int(stamp,
			    "microseconds", 0),
		};

		proto_format_time(&tv, when);
	}
	fprintf(f, "%s %s", when, name != NULL ? name : "?");
	if (json_object_is_type(data, json_type_object)) {
		json_object_object_foreach(data, key, value) {
			const char *text = xlctl_format_value(value, buf,
			    sizeof buf);

			/* keep one event one line of words */
			if (json_object_is_type(value, json_type_string) &&
			    (text[0] == '\0' || strpbrk(text, " \t\n=\"") != NULL))
				text = json_object_to_json_string_ext(value,
				    JSON_C_TO_STRING_PLAIN |
				    JSON_C_TO_STRING_NOSLASHESCAPE);
			fprintf(f, " %s=%s", key, text);
		}
	}
	fputc('\n', f);
}

static int xlctl_events_run(struct xlctl_cli *cli,
    const struct xlctl_args *args, struct xlctl_request *req)
{
	const char *count_text = xlctl_args_get(args, "count");
	int64_t count = 0, seen = 0;
	struct xlctl_error err;
	json_object *ret, *event;
	int rc;

	if (count_text != NULL)
		xlctl_parse_int(count_text, 1, INT64_MAX, &count);
	if ((rc = xlctl_cli_connect(cli)) != XLCTL_EXIT_OK)
		return rc;
	ret = xlctl_call(cli->conn, req->execute, req->arguments, NULL,
	    cli->timeout_ms, &err);
	if (ret == NULL)
		return xlctl_report(&err);
	json_object_put(ret);
	while (count == 0 || seen < count) {
		/* no timeout: events come when they come */
		if ((event = xlctl_next_event(cli->conn, -1, &err)) == NULL)
			return xlctl_report(&err);
		if (cli->json) {
			size_t len;

			printf("%s\n", json_line_format(event, &len));
		} else {
			xlctl_print_event(stdout, event);
		}
		fflush(stdout);
		json_object_put(event);
		seen++;
	}
	return XLCTL_EXIT_OK;
}

const struct xlctl_cmd xlctl_cmd_events = {
	.name = "events",
	.execute = "subscribe",
	.usage = "[--event GLOB]... [--domain DOMAIN]... [--count N]",
	.help = "print events as they happen, one line each",
	.min_args = 0, .max_args = 0,
	.kind = XLCTL_CMD_OWN,
	.flags = xlctl_events_flags,
	.build = xlctl_events_build,
	.run = xlctl_events_run,
};

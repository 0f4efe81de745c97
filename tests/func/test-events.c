/* Events: filters, ordering, and a subscriber that never reads. */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <criterion/criterion.h>

#include "tests/func/harness.h"

Test(events, filters, .timeout = 120)
{
	struct dut *d = dut_start(NULL);
	struct xlctl *c = dut_connect(d), *only_b = dut_connect(d);
	struct xlctl *jobs_only = dut_connect(d);
	json_object *e;

	json_object_put(call_ok(only_b, "subscribe",
	    "{\"events\":[\"DOMAIN_*\"],\"domains\":[\"b\"]}"));
	json_object_put(call_ok(jobs_only, "subscribe", "{\"events\":[\"JOB_*\"]}"));
	json_object_put(create_domain(c, "a", 64));
	json_object_put(create_domain(c, "b", 64));
	e = wait_event(only_b, "DOMAIN_STARTED", 10000);
	cr_assert_str_eq(json_str(json_get(e, "data"), "domain"), "b");
	cr_assert(json_object_is_type(json_get(json_get(e, "timestamp"),
	    "seconds"), json_type_int));
	json_object_put(e);
	e = wait_event(jobs_only, "JOB_STATUS_CHANGE", 10000);
	cr_assert_str_eq(json_str(json_get(e, "data"), "type"), "domain-create");
	json_object_put(e);
	/* nothing about a reached the filtered subscriber */
	json_object_put(call_ok(c, "domain-pause", "{\"domain\":\"a\"}"));
	json_object_put(call_ok(c, "domain-pause", "{\"domain\":\"b\"}"));
	e = wait_event(only_b, "DOMAIN_PAUSED", 10000);
	cr_assert_str_eq(json_str(json_get(e, "data"), "domain"), "b");
	json_object_put(e);
	json_object_put(call_ok(only_b, "unsubscribe", NULL));
	json_object_put(call_ok(c, "domain-unpause", "{\"domain\":\"b\"}"));
	{
		struct xlctl_error err = { 0 };

		cr_assert_null(xlctl_next_event(only_b, 300, &err));
		cr_assert_str_eq(err.class_name, "Timeout");
	}
	xlctl_close(c);
	xlctl_close(only_b);
	xlctl_close(jobs_only);
	dut_stop(d);
	dut_free(d);
}

/* 8. A subscriber that never reads while 100k events are made: memory
 * stays bounded, others are served, it gets EVENTS_DROPPED. */
Test(events, slow_subscriber_is_dropped_not_waited_for, .timeout = 600)
{
	struct dut *d;
	struct xlctl *c, *other;
	json_object *reply, *e;
	long rss_before, rss_after;
	int64_t ids[256];
	int events = 0, slow;

	if (getenv("XENLIGHTD_TEST_WRAPPER") != NULL)
		cr_skip_test("too slow under a wrapper (valgrind)");
	/* the job history (10 minutes of 30,000 jobs) is not what this
	 * measures: keep only the last 1000 */
	d = dut_start("--max-event-backlog", "65536", "--job-history-seconds",
	    "0", NULL);
	c = dut_connect(d);
	other = dut_connect(d);
	slow = raw_connect(d->socket);

	json_object_put(raw_read(slow, 10000));
	raw_send(slow, "{\"execute\":\"subscribe\",\"id\":1}\n", 32);
	reply = raw_read(slow, 10000);
	cr_assert(json_object_object_get_ex(reply, "return", NULL));
	json_object_put(reply);
	json_object_put(create_domain(c, "noisy", 64));
	rss_before = process_rss_kib(d->pid);
	/* each pause/unpause job makes 3 events (queued excluded): running,
	 * completed, and DOMAIN_PAUSED/RESUMED; 15,000 events of ~200 bytes
	 * are 45 times the 64 KiB backlog plus what the socket buffers hold
	 * (and a busy machine still gets through them in minutes) */
	while (events < 15000) {
		for (int i = 0; i < 256; i++) {
			json_object *args = json_parse("{\"domain\":\"noisy\"}");

			ids[i] = xlctl_send(c, i % 2 ? "domain-unpause" :
			    "domain-pause", args, NULL);
			json_object_put(args);
		}
		for (int i = 0; i < 256; i++) {
			json_object *ret = xlctl_wait_reply(c, ids[i], 60000, NULL);

			cr_assert_not_null(ret);
			json_object_put(ret);
		}
		events += 256 * 3;
		/* another client is served all along */
		json_object_put(call_ok(other, "domain-info",
		    "{\"domain\":\"noisy\"}"));
	}
	rss_after = process_rss_kib(d->pid);
	/* AddressSanitizer keeps freed memory in quarantine: RSS says
	 * nothing there */
	if (getenv("XENLIGHTD_TEST_SANITIZED") == NULL)
		cr_assert_lt(rss_after - rss_before, 32 * 1024, "RSS grew from "
		    "%ld to %ld KiB", rss_before, rss_after);
	/* now the slow one reads: somewhere there is EVENTS_DROPPED */
	for (;;) {
		e = raw_read(slow, 30000);
		cr_assert_not_null(e);
		if (json_object_object_get_ex(e, "event", NULL) &&
		    strcmp(json_str(e, "event"), "EVENTS_DROPPED") == 0)
			break;
		json_object_put(e);
	}
	cr_assert_gt(json_int(json_get(e, "data"), "count"), 0);
	cr_assert_geq(json_object_array_length(json_get(json_get(e, "data"),
	    "domains")), 1);
	json_object_put(e);
	close(slow);
	xlctl_close(c);
	xlctl_close(other);
	dut_stop(d);
	dut_free(d);
}

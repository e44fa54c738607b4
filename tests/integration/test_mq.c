// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * POSIX mq and SysV msg under ipctrace: beyond the harness's comparison
 * (msgs, bytes, every edge accounted for), each queue edge must carry the
 * example's object name, its priority / mtype and size histograms exactly,
 * and every queue fact the example knows for certain ("queue" in the truth).
 * Needs root and BPF; see harness_require_bpf().
 */
#include <criterion/criterion.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "harness.h"

#define ARGS(...) ((const char *const[]){ __VA_ARGS__, NULL })

static bool is_queue(const struct json_object *t)
{
	const char *mech = json_get_str(t, "mech");

	return mech && (!strcmp(mech, "mq") || !strcmp(mech, "msg"));
}

/* Every member of want (an object of integers) is in got with the same value. */
static void compare_members(FILE *p, const char *what, const struct json_object *want,
			    const struct json_object *got, const char *traw)
{
	if (!json_object_is_type(want, json_type_object))
		return;
	json_object_object_foreach(want, key, val) {
		int64_t w, g;

		if (!json_get_int(want, key, &w))
			continue;
		if (!json_get_int(got, key, &g))
			fprintf(p, "  - %s.%s missing (truth %" PRId64 ") for truth %s\n", what, key,
				w, traw);
		else if (g != w)
			fprintf(p, "  - %s.%s: ipctrace %" PRId64 ", truth %" PRId64 " for truth %s\n",
				what, key, g, w, traw);
	}
}

/* A histogram: the same keys on both sides, the same counts. */
static void compare_hist(FILE *p, const char *name, const struct json_object *t,
			 const struct json_object *e, const char *traw)
{
	const struct json_object *want = json_get(t, name), *got = json_get(e, name);

	if (!want)
		return;
	if (!json_object_is_type(want, json_type_object)) {
		fprintf(p, "  - the truth's \"%s\" is not an object: %s\n", name, traw);
		return;
	}
	if (!json_object_is_type(got, json_type_object)) {
		fprintf(p, "  - the edge has no \"%s\" for truth %s\n", name, traw);
		return;
	}
	compare_members(p, name, want, got, traw);
	if (json_object_object_length(got) != json_object_object_length(want))
		fprintf(p, "  - \"%s\" has %d keys, truth %d, for truth %s\n", name,
			json_object_object_length(got), json_object_object_length(want), traw);
}

/* The queue-specific checks on a run the harness already found consistent. */
static void check_queues(struct traced *tr)
{
	char *problems = NULL;
	size_t plen = 0, queues = 0;
	FILE *p = open_memstream(&problems, &plen);

	cr_assert(p, "out of memory");
	for (size_t i = 0; i < tr->truth.n; i++) {
		const struct json_object *t = tr->truth.v[i], *e;
		const char *traw = tr->truth.raw[i], *obj;

		if (!is_queue(t))
			continue;
		queues++;
		e = harness_edge_for(tr, t);
		if (!e) {
			fprintf(p, "  - no edge for truth %s\n", traw);
			continue;
		}
		obj = json_get_str(e, "object");
		if (!obj || strcmp(obj, json_get_str(t, "object")))
			fprintf(p, "  - object \"%s\", truth \"%s\"\n", obj ? obj : "(none)",
				json_get_str(t, "object"));
		compare_hist(p, "priorities", t, e, traw);
		compare_hist(p, "mtypes", t, e, traw);
		compare_hist(p, "size_hist", t, e, traw);
		if (json_get(t, "queue") && !json_get(e, "queue"))
			fprintf(p, "  - the edge has no \"queue\" for truth %s\n", traw);
		else
			compare_members(p, "queue", json_get(t, "queue"), json_get(e, "queue"), traw);
	}
	if (!queues)
		fprintf(p, "  - the example printed no queue truth\n");
	fclose(p);
	if (plen) {
		harness_dump(tr, problems);
		free(problems);
		cr_assert_fail("queue details differ from the truth (see above; files in %s)", tr->dir);
	}
	free(problems);
}

static void check(const char *example, const char *const args[])
{
	struct traced *tr = harness_trace_example(example, args);

	check_queues(tr);
	harness_traced_free(tr);
}

/* The first queue edge's "queue" member named key, or -1. */
static int64_t queue_field(const struct traced *tr, const char *key)
{
	for (size_t i = 0; i < tr->truth.n; i++) {
		const struct json_object *e;
		int64_t v;

		if (!is_queue(tr->truth.v[i]) || !(e = harness_edge_for(tr, tr->truth.v[i])))
			continue;
		return json_get_int(json_get(e, "queue"), key, &v) ? v : -1;
	}
	return -1;
}

TestSuite(mq, .timeout = 180);

Test(mq, posix_default)
{
	check("posix_mq", NULL);
}

/* Every message fits: nobody waits on a full queue. */
Test(mq, posix_fits)
{
	check("posix_mq", ARGS("-n", "5", "-q", "8"));
}

/* One byte and empty messages, one priority, a queue of one. */
Test(mq, posix_tiny)
{
	check("posix_mq", ARGS("-n", "7", "-s", "1", "-P", "1", "-q", "1"));
}

/* The largest default message size, every priority up to MQ_PRIO_MAX - 1. */
Test(mq, posix_large_all_priorities)
{
	check("posix_mq", ARGS("-n", "300", "-s", "8192", "-P", "6", "-q", "10"));
}

/*
 * The producer outruns a queue of 2: the parent starts draining only once
 * it sleeps in mq_timedsend, so at least one send found the queue full.
 */
Test(mq, posix_backpressure)
{
	struct traced *tr = harness_trace_example("posix_mq", ARGS("-n", "200", "-q", "2"));
	int64_t full = queue_field(tr, "found_full");

	check_queues(tr);
	if (full < 1) {
		harness_dump(tr, "  - found_full of the data queue is missing or 0\n");
		cr_assert_fail("found_full = %" PRId64 ", want >= 1", full);
	}
	harness_traced_free(tr);
}

Test(mq, sysv_default)
{
	check("sysv_msg", NULL);
}

Test(mq, sysv_fits)
{
	check("sysv_msg", ARGS("-n", "10", "-s", "100", "-t", "5"));
}

/* Two 8 KiB messages fill the default 16 KiB queue. */
Test(mq, sysv_large)
{
	check("sysv_msg", ARGS("-n", "50", "-s", "8192", "-t", "1"));
}

/*
 * Kernels without task storage in tracepoint programs take the LRU-hash
 * stash and probe-read path: force it so that it stays exact too.
 */
Test(mq, posix_fallback_path)
{
	setenv("IPCTRACE_SLOW_PATH", "1", 1);
	check("posix_mq", ARGS("-n", "300", "-q", "4"));
}

Test(mq, sysv_fallback_path)
{
	setenv("IPCTRACE_SLOW_PATH", "1", 1);
	check("sysv_msg", ARGS("-n", "300", "-s", "200", "-t", "4"));
}

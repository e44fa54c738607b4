// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * --events over the examples: for every data edge the example knows, the
 * sender's write events and the receiver's read events add up to the
 * truth exactly (calls that moved bytes, bytes moved), the kernel state
 * they carry is in range, and the final report that follows the stream
 * is as exact as without --events, even when a tiny ring drops records.
 */
#include <criterion/criterion.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>

#include "harness.h"

#define ARGS(...) ((const char *const[]){ __VA_ARGS__, NULL })

TestSuite(events, .timeout = 180);

static struct traced *trace_events(const char *example, const char *const extra[],
				   const char *const args[])
{
	const char *opts[16] = { "--events" };
	int n = 1;

	for (int i = 0; extra && extra[i] && n < 15; i++)
		opts[n++] = extra[i];
	opts[n] = NULL;
	return harness_trace_example_opts(example, opts, args);
}

/*
 * Each truth line of mech: src's write calls that moved bytes are its
 * msgs, their results its bytes; dst's read results add up to the same
 * bytes.  object: match the events' object to the truth's too.
 */
static void expect_stream_truth(struct traced *tr, const char *mech, const char *tx_ops,
				const char *rx_ops, bool object)
{
	size_t checked = 0;

	for (size_t i = 0; i < tr->truth.n; i++) {
		const struct json_object *t = tr->truth.v[i];
		const char *obj = object ? json_get_str(t, "object") : NULL;
		int64_t src, dst, msgs, bytes;
		struct ev_sum tx, rx;

		if (strcmp(json_get_str(t, "mech") ?: "", mech))
			continue;
		cr_assert(json_get_int(t, "src", &src) && json_get_int(t, "dst", &dst) &&
			  json_get_int(t, "msgs", &msgs) && json_get_int(t, "bytes", &bytes));
		tx = harness_events_sum(tr, src, mech, tx_ops, obj);
		rx = harness_events_sum(tr, dst, mech, rx_ops, obj);
		if (tx.n_pos != (uint64_t)msgs || tx.ret_sum != (uint64_t)bytes ||
		    rx.ret_sum != (uint64_t)bytes)
			harness_dump(tr, "event sums differ from the truth");
		cr_expect_eq(tx.n_pos, (uint64_t)msgs, "%s: %" PRId64 " -> %" PRId64
			     ": %" PRIu64 " write events, truth %" PRId64, mech, src, dst, tx.n_pos,
			     msgs);
		cr_expect_eq(tx.ret_sum, (uint64_t)bytes, "%s: written %" PRIu64 ", truth %" PRId64,
			     mech, tx.ret_sum, bytes);
		cr_expect_eq(rx.ret_sum, (uint64_t)bytes, "%s: read %" PRIu64 ", truth %" PRId64,
			     mech, rx.ret_sum, bytes);
		checked++;
	}
	cr_expect(checked > 0, "no %s truth to check", mech);
}

/* Every pipe event's state: buffers in use within the ring, a flag for what it found. */
static void expect_pipe_state(const struct traced *tr)
{
	size_t n = 0;

	for (size_t i = 0; i < tr->events.n; i++) {
		const struct json_object *e = tr->events.v[i], *st = json_get(e, "state");
		const char *mech = json_get_str(e, "mech");
		int64_t before, after, max, ring, ret, bytes;

		if (!mech || (strcmp(mech, "pipe") && strcmp(mech, "fifo")))
			continue;
		n++;
		cr_assert(json_get_int(st, "bufs_before", &before) &&
			  json_get_int(st, "bufs_after", &after) &&
			  json_get_int(st, "max_usage", &max) && json_get_int(st, "ring_size", &ring),
			  "state missing: %s", tr->events.raw[i]);
		cr_expect(max >= 1 && max <= ring && before >= 0 && before <= max && after >= 0 &&
			  after <= max, "out of range: %s", tr->events.raw[i]);
		cr_expect(json_get(st, "found_full") || json_get(st, "found_empty"), "%s",
			  tr->events.raw[i]);
		cr_assert(json_get_int(e, "ret", &ret) && json_get_int(e, "bytes", &bytes));
		cr_expect(ret <= bytes, "a call moved more than it asked: %s", tr->events.raw[i]);
	}
	cr_expect(n > 0, "no pipe events");
}

Test(events, pipeline)
{
	struct traced *tr = trace_events("pipeline", NULL, ARGS("-n", "500", "-s", "100"));

	expect_stream_truth(tr, "pipe", "write", "read", false);
	expect_pipe_state(tr);
	harness_traced_free(tr);
}

/* Writers that fill the pipe: the events say so, and how long the writer slept. */
Test(events, slow_consumer_blocks)
{
	struct traced *tr = trace_events("slow_consumer", NULL, NULL);
	size_t full = 0;

	expect_stream_truth(tr, "pipe", "write", "read", false);
	expect_pipe_state(tr);
	for (size_t i = 0; i < tr->events.n; i++) {
		const struct json_object *e = tr->events.v[i];
		int64_t blocked;

		if (json_is_true(json_get(e, "state"), "found_full")) {
			full++;
			cr_expect(json_get_int(e, "blocked_ns", &blocked) && blocked > 0,
				  "a write that found the pipe full and did not block: %s",
				  tr->events.raw[i]);
		}
	}
	cr_expect(full > 0, "no write found the pipe full");
	harness_traced_free(tr);
}

Test(events, fifo_named)
{
	struct traced *tr = trace_events("fifo", NULL, NULL);

	expect_stream_truth(tr, "fifo", "write", "read", true);
	expect_pipe_state(tr);
	harness_traced_free(tr);
}

static bool woke_has(const struct json_object *e, int64_t pid)
{
	const struct json_object *w = json_get(e, "woke");
	int64_t p;

	for (size_t k = 0; w && k < json_object_array_length(w); k++)
		if (json_get_int(json_object_array_get_idx(w, k), "pid", &p) && p == pid)
			return true;
	return false;
}

/*
 * A strict ping-pong (each side writes only once its peer sleeps in its
 * read): every write wakes the peer, and its event names it; as many as
 * the workload counted.
 */
Test(events, woke_names_the_reader)
{
	struct traced *tr = trace_events("wake_pingpong", NULL, ARGS("-W", "-m", "pipe", "-n", "300"));
	size_t checked = 0;

	for (size_t i = 0; i < tr->truth.n; i++) {
		const struct json_object *t = tr->truth.v[i];
		int64_t src, dst, wakes, pid;
		uint64_t named = 0, writes = 0;

		if (strcmp(json_get_str(t, "mech") ?: "", "pipe"))
			continue;
		cr_assert(json_get_int(t, "src", &src) && json_get_int(t, "dst", &dst) &&
			  json_get_int(t, "wakes", &wakes));
		for (size_t k = 0; k < tr->events.n; k++) {
			const struct json_object *e = tr->events.v[k];

			if (!json_get_int(e, "pid", &pid) || pid != src ||
			    strcmp(json_get_str(e, "op") ?: "", "write"))
				continue;
			writes++;
			named += woke_has(e, dst);
		}
		cr_expect_eq(named, (uint64_t)wakes, "%" PRIu64 " of %" PRIu64 " writes of %" PRId64
			     " name %" PRId64 " as woken; the workload counted %" PRId64, named,
			     writes, src, dst, wakes);
		checked++;
	}
	cr_expect_eq(checked, 2);
	harness_traced_free(tr);
}

/*
 * -c: only the events of a consumer, or that woke one; the final report
 * that follows has only its edges.
 */
Test(events, filter_by_comm)
{
	char *args[] = { IPCTRACE_BIN, "-f", "json", "--events", "-c", "consumer", "-o", OUT_FILE,
			 "--", EXAMPLES_DIR "/pipeline", "-n", "200", "-s", "64", NULL };
	struct cli_run r;
	size_t events = 0, edges = 0;
	char *line, *save = NULL;

	harness_require_bpf();
	harness_require_binaries("pipeline");
	cli_run_for(&r, args, 60);
	cr_assert(WIFEXITED(r.res.status) && WEXITSTATUS(r.res.status) == 0, "%s", r.err);
	for (line = strtok_r(r.json, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
		char err[128];
		struct json_object *j = json_parse(line, err, sizeof(err));
		const char *type = json_get_str(j, "type"), *comm = json_get_str(j, "comm");
		const struct json_object *w = json_get(j, "woke");
		bool woke_consumer = false;

		cr_assert(j, "not JSON (%s): %s", err, line);
		if (!strcmp(type ?: "", "edge")) {
			cr_expect(strstr(line, "\"consumer\""), "-c consumer let through: %s", line);
			edges++;
		}
		if (strcmp(type ?: "", "event")) {
			json_object_put(j);
			continue;
		}
		events++;
		for (size_t k = 0; w && k < json_object_array_length(w); k++)
			woke_consumer |= !strcmp(json_get_str(json_object_array_get_idx(w, k),
							      "comm") ?: "", "consumer");
		cr_expect(!strcmp(comm ?: "", "consumer") || woke_consumer,
			  "-c consumer let through: %s", line);
		json_object_put(j);
	}
	cr_expect(events > 0 && edges > 0, "%zu events, %zu edges", events, edges);
	cli_free(&r);
}

/*
 * A 1 MiB ring, 100k one-byte writes in a burst: records are lost, counted
 * in the stream and in the report per mechanism, and the counts stay exact.
 */
Test(events, tiny_ring_counts_its_losses)
{
	struct traced *tr;
	const struct json_object *lost = NULL;
	int64_t n = 0, by_pipe = 0, by_signal = 0;

	harness_allow_event_records_lost = true;
	tr = trace_events("pipe", ARGS("--ring-mb", "1"), ARGS("-n", "100000", "-s", "1"));
	harness_allow_event_records_lost = false;
	for (size_t i = 0; i < tr->misc.n; i++)
		if (!strcmp(json_get_str(tr->misc.v[i], "type") ?: "", "lost"))
			lost = tr->misc.v[i];
	cr_assert(lost, "no \"lost\" record in the stream");
	cr_expect(json_get_int(lost, "events", &n) && n > 0);
	/* the pipe's records, and maybe an exit's or a SIGCHLD's (they travel as signal) */
	cr_expect(json_get_int(json_get(lost, "by_mech"), "pipe", &by_pipe) && by_pipe > 0);
	json_get_int(json_get(lost, "by_mech"), "signal", &by_signal);
	cr_expect_eq(by_pipe + by_signal, n, "lost by mech: pipe %" PRId64 " + signal %" PRId64
		     " of %" PRId64, by_pipe, by_signal, n);
	cr_expect_lt(tr->events.n, 200000, "nothing was lost: make the burst bigger");
	harness_traced_free(tr);
}

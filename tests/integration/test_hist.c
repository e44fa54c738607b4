// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * --hist: every counted call is in its endpoint's histogram once.  In
 * pingpong each message is one write and one read (one message is in
 * flight at a time), so on each pipe edge the sender's histogram counts
 * the truth's msgs, and so does the receiver's.
 */
#include <criterion/criterion.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include "harness.h"

/* The sum of the counts of one end's buckets; -1 if the shape is wrong. */
static int64_t bucket_sum(const struct json_object *hist, const char *side)
{
	struct json_object *a = json_get(hist, side);
	int64_t sum = 0, prev_hi = -1;

	if (!a || !json_object_is_type(a, json_type_array))
		return -1;
	for (size_t i = 0; i < json_object_array_length(a); i++) {
		struct json_object *b = json_object_array_get_idx(a, i);
		int64_t lo, hi, n;

		if (!json_object_is_type(b, json_type_array) || json_object_array_length(b) != 3)
			return -1;
		lo = json_object_get_int64(json_object_array_get_idx(b, 0));
		hi = json_object_get_int64(json_object_array_get_idx(b, 1));
		n = json_object_get_int64(json_object_array_get_idx(b, 2));
		/* ascending log2 buckets, none empty */
		if (n <= 0 || lo <= prev_hi || hi != (lo ? 2 * lo - 1 : 1))
			return -1;
		prev_hi = hi;
		sum += n;
	}
	return sum;
}

/* The truth line's msgs for the pipe src -> dst, or -1. */
static int64_t truth_msgs(struct json_object **truth, size_t n, int64_t src, int64_t dst)
{
	for (size_t i = 0; i < n; i++) {
		int64_t s, d, m;
		const char *mech = json_get_str(truth[i], "mech");

		if (mech && !strcmp(mech, "pipe") && json_get_int(truth[i], "src", &s) &&
		    json_get_int(truth[i], "dst", &d) && s == src && d == dst &&
		    json_get_int(truth[i], "msgs", &m))
			return m;
	}
	return -1;
}

/* The parsed {"type":"truth"} lines of text, appended to v. */
static size_t parse_truth(char *text, struct json_object **v, size_t n, size_t max)
{
	char *save = NULL;

	for (char *l = strtok_r(text, "\n", &save); l && n < max; l = strtok_r(NULL, "\n", &save)) {
		struct json_object *o = strstr(l, "\"truth\"") ? json_parse(l, NULL, 0) : NULL;
		const char *type = o ? json_get_str(o, "type") : NULL;

		if (type && !strcmp(type, "truth"))
			v[n++] = o;
		else if (o)
			json_object_put(o);
	}
	return n;
}

Test(hist, pingpong_counts_every_call)
{
	struct json_object *truth[16];
	size_t n_truth = 0;
	struct cli_run r;
	int pipes = 0;
	char *save = NULL;

	harness_require_bpf();
	harness_require_binaries("pingpong");
	harness_wait_detached();
	cli_run_for(&r, (char *[]){ IPCTRACE_BIN, "-f", "json", "--hist", "-o", OUT_FILE, "--",
				EXAMPLES_DIR "/pingpong", "-n", "200", NULL }, HARNESS_TIMEOUT_S);
	cr_assert(!r.res.timed_out && WIFEXITED(r.res.status) && WEXITSTATUS(r.res.status) == 0,
		  "ipctrace failed: %s", r.err);
	n_truth = parse_truth(r.err, truth, n_truth, 16);
	n_truth = parse_truth(r.out, truth, n_truth, 16);
	cr_assert_geq(n_truth, 2, "no truth lines; stderr: %s", r.err);
	for (char *l = strtok_r(r.json, "\n", &save); l; l = strtok_r(NULL, "\n", &save)) {
		char err[128];
		struct json_object *o = json_parse(l, err, sizeof(err));
		const char *type, *mech;
		struct json_object *hist;
		int64_t src, dst, want, msgs;

		cr_assert_not_null(o, "not JSON (%s): %s", err, l);
		type = json_get_str(o, "type");
		mech = json_get_str(o, "mech");
		if (!type || strcmp(type, "edge") || !json_is_true(o, "final") || !mech ||
		    strcmp(mech, "pipe")) {
			json_object_put(o);
			continue;
		}
		pipes++;
		cr_assert(json_get_int(json_get(o, "src"), "pid", &src) &&
			  json_get_int(json_get(o, "dst"), "pid", &dst) &&
			  json_get_int(o, "msgs", &msgs),
			  "%s", l);
		want = truth_msgs(truth, n_truth, src, dst);
		cr_expect_eq(want, 200, "truth for %" PRId64 " -> %" PRId64 ": %" PRId64, src, dst,
			     want);
		cr_expect_eq(msgs, want, "%s", l);
		hist = json_get(o, "hist");
		cr_assert_not_null(hist, "no \"hist\": %s", l);
		cr_expect_str_eq(json_get_str(hist, "unit"), "ns", "%s", l);
		/* each message: one write (src) and one read (dst) */
		cr_expect_eq(bucket_sum(hist, "src"), want, "src writes != msgs: %s", l);
		cr_expect_eq(bucket_sum(hist, "dst"), want, "dst reads != msgs: %s", l);
		json_object_put(o);
	}
	cr_expect_eq(pipes, 2, "pipe edges: %d\n%s", pipes, r.json);
	for (size_t i = 0; i < n_truth; i++)
		json_object_put(truth[i]);
	cli_free(&r);
}

/* Without --hist: no edge carries "hist". */
Test(hist, off_by_default)
{
	struct cli_run r;

	harness_require_bpf();
	harness_require_binaries("pingpong");
	harness_wait_detached();
	cli_run_for(&r, (char *[]){ IPCTRACE_BIN, "-f", "json", "-o", OUT_FILE, "--",
				EXAMPLES_DIR "/pingpong", "-n", "50", NULL }, HARNESS_TIMEOUT_S);
	cr_assert(!r.res.timed_out && WIFEXITED(r.res.status) && WEXITSTATUS(r.res.status) == 0,
		  "ipctrace failed: %s", r.err);
	cr_expect_not_null(strstr(r.json, "\"type\":\"edge\""), "%s", r.json);
	cr_expect_null(strstr(r.json, "\"hist\""), "%s", r.json);
	cli_free(&r);
}

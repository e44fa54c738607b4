// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * Wake-ups and bottleneck verdicts against workloads that know them:
 *  - slow_stage: producer -> middle -> consumer with a slow middle; the
 *    final report's verdict names the middle, waited on by the producer
 *    (backpressure, on the first pipe) or the consumer (starvation, on the
 *    second);
 *  - fanin_server: a round-robin server held up by one slow client; the
 *    verdict names that client, waited on by the server (starvation, on
 *    the socket its requests arrive at);
 *  - wake_pingpong -W over pipes and a unix socketpair: every message was
 *    sent to a reader seen asleep in read(), so each direction's "wakes"
 *    equals the truth's exactly, and no writer ever blocked ("back_wakes"
 *    absent); with signals (-m signal), every kill() found its target
 *    asleep in sigwaitinfo(): the wakes of each (src, dst, signal, SI_USER)
 *    edge equal its msgs.
 * harness_trace_example() first checks every edge's msgs and bytes exactly
 * (the "bottleneck" truth lines are "members" lines with "edges":0, which
 * it accepts: no edge has that mech).  Ends are matched by pid.  Needs root
 * and BPF; see harness_require_bpf().
 */
#include <criterion/criterion.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "harness.h"

#define ARGS(...) ((const char *const[]){ __VA_ARGS__, NULL })

TestSuite(bottleneck, .timeout = 180);

/* Problems found by the checks below, shown with the whole run on failure. */
struct problems {
	char *text;
	size_t len;
	FILE *f;
};

static void problems_open(struct problems *p)
{
	memset(p, 0, sizeof(*p));
	p->f = open_memstream(&p->text, &p->len);
	cr_assert(p->f, "open_memstream failed");
}

static void problem(struct problems *p, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static void problem(struct problems *p, const char *fmt, ...)
{
	va_list ap;

	fputs("  - ", p->f);
	va_start(ap, fmt);
	vfprintf(p->f, fmt, ap);
	va_end(ap);
	fputc('\n', p->f);
}

/* Fail the test (dumping the run) if anything was found, else free the run. */
static void problems_close(struct problems *p, struct traced *tr, const char *example)
{
	fclose(p->f);
	if (p->len) {
		harness_dump(tr, p->text);
		cr_log_error("%s:\n%s", tr->cmdline, p->text);
		free(p->text);
		cr_assert_fail("%s: wake-ups or verdict differ from the truth (details above; "
			       "files in %s)", example, tr->dir);
	}
	free(p->text);
	harness_traced_free(tr);
}

static bool str_eq(const char *a, const char *b)
{
	return a && b && !strcmp(a, b);
}

/* The pid of an edge end or a waiter: {"pid":N,...}, or a bare number. */
static int64_t pid_of(const struct json_object *rec, const char *key)
{
	int64_t pid;

	if (json_get_int(rec, key, &pid) || json_get_int(json_get(rec, key), "pid", &pid))
		return pid;
	return -1;
}

static double num_of(const struct json_object *rec, const char *key)
{
	struct json_object *v = json_get(rec, key);

	if (!v || !(json_object_is_type(v, json_type_double) ||
		    json_object_is_type(v, json_type_int)))
		return -1;
	return json_object_get_double(v);
}

/* The truth line of mech (the first one), or NULL. */
static const struct json_object *truth_of(const struct traced *tr, const char *mech)
{
	for (size_t i = 0; i < tr->truth.n; i++)
		if (str_eq(json_get_str(tr->truth.v[i], "mech"), mech))
			return tr->truth.v[i];
	return NULL;
}

/* The pipe truth line whose src (side "src") or dst (side "dst") is pid. */
static const struct json_object *pipe_truth(const struct traced *tr, const char *side,
					    int64_t pid)
{
	for (size_t i = 0; i < tr->truth.n; i++)
		if (str_eq(json_get_str(tr->truth.v[i], "mech"), "pipe") &&
		    pid_of(tr->truth.v[i], side) == pid)
			return tr->truth.v[i];
	return NULL;
}

/*
 * The final report's verdicts about the example's group (the truth's
 * "members"): there must be exactly one, naming the truth's pid.  Its
 * generic fields are checked here; returns it (a parsed copy to free with
 * json_object_put()), or NULL after noting the problem.
 */
static struct json_object *the_verdict(const struct traced *tr, const struct json_object *tb,
				       struct problems *p)
{
	int64_t want = pid_of(tb, "pid"), seq = -1, s, ns;
	struct json_object *found = NULL;
	const char *text = tr->out_text;
	size_t n = 0;
	double share, wshare;

	json_get_int(tr->report, "seq", &seq);
	while (text && *text) {
		const char *nl = strchr(text, '\n');
		size_t len = nl ? (size_t)(nl - text) : strlen(text);
		char *line = strndup(text, len);
		struct json_object *j = json_parse(line, NULL, 0);

		text += len + (nl ? 1 : 0);
		free(line);
		if (!str_eq(json_get_str(j, "type"), "bottleneck") ||
		    !(json_is_true(j, "final") || (json_get_int(j, "seq", &s) && s == seq)) ||
		    !harness_is_member(tb, pid_of(j, "pid"))) {
			json_object_put(j);
			continue;
		}
		n++;
		if (pid_of(j, "pid") == want && !found)
			found = j;
		else
			json_object_put(j);
	}
	if (n != 1 || !found) {
		problem(p, "%zu final verdicts about the group, want exactly one naming pid %" PRId64,
			n, want);
		json_object_put(found);
		return NULL;
	}
	if (!json_get_int(found, "waited_on_ns", &ns) || ns <= 0)
		problem(p, "the verdict's waited_on_ns is missing or not positive");
	share = num_of(found, "share");
	wshare = num_of(found, "waiter_share");
	/* the others wait on it (>= 10% of the span), and it waits less than its worst waiter */
	if (wshare < 0.10 || share < 0 || share >= wshare)
		problem(p, "the verdict's share %.3f and waiter_share %.3f: want share < waiter_share, "
			"waiter_share >= 0.1", share, wshare);
	if (!json_is_true(found, "exact"))
		problem(p, "the verdict is not \"exact\": the wait on it should come from wake-ups");
	return found;
}

/* An integer field of an edge, 0 when absent (wake counters are printed when non-zero). */
static int64_t counter(const struct json_object *e, const char *key)
{
	int64_t v;

	return json_get_int(e, key, &v) ? v : 0;
}

Test(bottleneck, slow_stage)
{
	struct traced *tr = harness_trace_example("slow_stage",
						  ARGS("-n", "200", "-s", "1024", "-d", "5000"));
	const struct json_object *tb = truth_of(tr, "bottleneck"), *tin, *tout, *ein, *eout;
	struct json_object *v;
	int64_t middle, producer, consumer, waiter;
	const char *kind;
	struct problems p;

	cr_assert(tb, "slow_stage printed no bottleneck truth line");
	middle = pid_of(tb, "pid");
	tin = pipe_truth(tr, "dst", middle);
	tout = pipe_truth(tr, "src", middle);
	cr_assert(tin && tout, "slow_stage printed no pipe truth into or out of the middle");
	producer = pid_of(tin, "src");
	consumer = pid_of(tout, "dst");
	ein = harness_edge_for(tr, tin);
	eout = harness_edge_for(tr, tout);
	cr_assert(ein && eout, "no pipe edge (the comparison above should have failed)");

	problems_open(&p);
	/* The producer surely blocked on the full pipe, the consumer on the empty one. */
	if (counter(ein, "back_wakes") < 1)
		problem(&p, "producer -> middle has no back_wakes: the middle's reads "
			"never ended the producer's blocked writes");
	if (counter(eout, "wakes") < 1)
		problem(&p, "middle -> consumer has no wakes: the middle's writes never ended the "
			"consumer's blocked reads");
	v = the_verdict(tr, tb, &p);
	if (v) {
		waiter = pid_of(v, "waiter");
		kind = json_get_str(v, "kind");
		if (!str_eq(json_get_str(v, "mech"), "pipe"))
			problem(&p, "the verdict's mech is not \"pipe\"");
		if (waiter == producer) {
			if (!str_eq(kind, "backpressure"))
				problem(&p, "the producer waited on the middle by backpressure, not %s",
					kind ? kind : "(none)");
			if (!str_eq(json_get_str(v, "object"), json_get_str(ein, "object")))
				problem(&p, "the producer waited on the first pipe, %s",
					json_get_str(ein, "object"));
		} else if (waiter == consumer) {
			if (!str_eq(kind, "starvation"))
				problem(&p, "the consumer waited on the middle by starvation, not %s",
					kind ? kind : "(none)");
			if (!str_eq(json_get_str(v, "object"), json_get_str(eout, "object")))
				problem(&p, "the consumer waited on the second pipe, %s",
					json_get_str(eout, "object"));
		} else {
			problem(&p, "the verdict's waiter %" PRId64 " is neither the producer %" PRId64
				" nor the consumer %" PRId64, waiter, producer, consumer);
		}
		json_object_put(v);
	}
	problems_close(&p, tr, "slow_stage");
}

Test(bottleneck, fanin_server)
{
	struct traced *tr = harness_trace_example("fanin_server",
						  ARGS("-c", "3", "-n", "100", "-d", "10000"));
	const struct json_object *tb = truth_of(tr, "bottleneck");
	struct json_object *v;
	struct problems p;

	cr_assert(tb, "fanin_server printed no bottleneck truth line");
	problems_open(&p);
	v = the_verdict(tr, tb, &p);
	if (v) {
		if (pid_of(v, "waiter") != pid_of(tb, "waiter"))
			problem(&p, "the verdict's waiter is not the server, pid %" PRId64,
				pid_of(tb, "waiter"));
		if (!str_eq(json_get_str(v, "kind"), "starvation"))
			problem(&p, "the server waited on the slow client by starvation");
		if (!str_eq(json_get_str(v, "mech"), "unix_stream"))
			problem(&p, "the verdict's mech is not \"unix_stream\"");
		if (!str_eq(json_get_str(v, "object"), json_get_str(tb, "object")))
			problem(&p, "the server waited on %s", json_get_str(tb, "object"));
		json_object_put(v);
	}
	problems_close(&p, tr, "fanin_server");
}

/*
 * Each direction's wake-ups exactly as the truth says; blocked time
 * plausible.  Truth lines with "wakes" are matched to their edge as the
 * harness does (by pid, and object or signal and si_code); signals carry no
 * bytes, so -s only for the byte channels.
 */
static void wake_pingpong(const char *channel)
{
	bool sig = !strcmp(channel, "signal");
	struct traced *tr = harness_trace_example(
		"wake_pingpong", sig ? ARGS("-m", channel, "-n", "1000", "-W") :
				       ARGS("-m", channel, "-n", "1000", "-s", "64", "-W"));
	double elapsed_ns = tr->run.elapsed_s * 1e9;
	size_t directions = 0;
	struct problems p;

	problems_open(&p);
	for (size_t i = 0; i < tr->truth.n; i++) {
		const struct json_object *t = tr->truth.v[i], *e;
		const char *traw = tr->truth.raw[i];
		int64_t want, back = 0, ns;

		if (!json_get_int(t, "wakes", &want))
			continue;
		json_get_int(t, "back_wakes", &back);
		directions++;
		e = harness_edge_for(tr, t);
		if (!e) {
			problem(&p, "no edge for %s", traw);
			continue;
		}
		if (counter(e, "wakes") != want)
			problem(&p, "\"wakes\": ipctrace %" PRId64 ", truth %" PRId64 " for %s",
				counter(e, "wakes"), want, traw);
		if (counter(e, "back_wakes") != back)
			problem(&p, "\"back_wakes\": ipctrace %" PRId64 ", truth %" PRId64 " for %s",
				counter(e, "back_wakes"), back, traw);
		ns = counter(e, "wake_blocked_ns");
		if (want && (ns <= 0 || (double)ns > elapsed_ns))
			problem(&p, "\"wake_blocked_ns\" %" PRId64 " not in (0, %.0f] (the run) for %s",
				ns, elapsed_ns, traw);
	}
	if (directions != 2)
		problem(&p, "%zu truth lines carry \"wakes\", want one per direction", directions);
	problems_close(&p, tr, "wake_pingpong");
}

Test(bottleneck, wake_pingpong_pipe)
{
	wake_pingpong("pipe");
}

Test(bottleneck, wake_pingpong_unix)
{
	wake_pingpong("unix");
}

Test(bottleneck, wake_pingpong_signal)
{
	wake_pingpong("signal");
}

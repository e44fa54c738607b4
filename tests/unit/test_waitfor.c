// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * Who waits on whom (core/waitfor.c): ipc_wait shares and bottleneck
 * verdicts on snapshots built by hand, and how JSON shows them.  The
 * rules are docs/semantics.md's "Bottlenecks: who waits on whom".
 */
#include <criterion/criterion.h>
#include <stdlib.h>
#include <string.h>
#include "core/waitfor.h"
#include "output/render.h"
#include "unit/testutil.h"

#define MS 1000000ull

/* A comm with a quote, a backslash, a newline, ESC and a byte that is not UTF-8. */
#define HOSTILE_COMM "q\"b\\\n\x1b[m\xff"
#define HOSTILE_JSON "\"q\\\"b\\\\\\n\\u001b[m\\u00ff\""

#define MAX_EDGES 16

/* A report spanning span_s: final (cumulative counters) or an interval (the d_ ones). */
static struct snapshot *snap(bool final, double span_s)
{
	struct snapshot *s = calloc(1, sizeof(*s));

	cr_assert_not_null(s);
	s->edges = calloc(MAX_EDGES, sizeof(*s->edges));
	cr_assert_not_null(s->edges);
	s->seq = 7;
	s->final = final;
	s->full = true;
	s->elapsed_s = final ? span_s : 100.0;
	s->interval_s = final ? 1.0 : span_s;
	return s;
}

static void end_set(struct edge_end *end, uint32_t pid, const char *comm)
{
	end->pid = pid;
	end->start_ns = pid ? 1000000ull * pid : 0;
	snprintf(end->comm, sizeof(end->comm), "%s", comm);
}

/* An edge src -> dst whose cumulative and interval counters are the same. */
static struct edge *edge(struct snapshot *s, int mech, const char *object, uint32_t src,
			 const char *src_comm, uint32_t dst, const char *dst_comm)
{
	struct edge *e;

	cr_assert_lt(s->n_edges, MAX_EDGES);
	e = &s->edges[s->n_edges++];
	e->mech = mech;
	snprintf(e->object, sizeof(e->object), "%s", object);
	e->key_b = s->n_edges; /* each its own object unless a test says otherwise */
	e->exact = true;
	end_set(&e->src, src, src_comm);
	end_set(&e->dst, dst, dst_comm);
	return e;
}

static void msgs(struct edge *e, uint64_t n)
{
	e->msgs = e->d_msgs = n;
}

static void blocked(struct edge *e, uint64_t src_ns, uint64_t dst_ns)
{
	e->blocked_src_ns = e->d_blocked_src_ns = src_ns;
	e->blocked_dst_ns = e->d_blocked_dst_ns = dst_ns;
}

/* src's calls ended n of dst's waits, ns long in all. */
static void wakes(struct edge *e, uint64_t n, uint64_t ns)
{
	e->wakes = e->d_wakes = n;
	e->wake_blocked_ns = e->d_wake_blocked_ns = ns;
}

/* dst made room for src n times, after src waited ns in all. */
static void back_wakes(struct edge *e, uint64_t n, uint64_t ns)
{
	e->back_wakes = e->d_back_wakes = n;
	e->back_wake_blocked_ns = e->d_back_wake_blocked_ns = ns;
}

static struct waitfor *analyze(struct snapshot *s)
{
	struct waitfor *w = waitfor_analyze(s);

	cr_assert_not_null(w);
	s->wait = w;
	return w;
}

static const struct proc_wait *pw(const struct waitfor *w, const char *name)
{
	for (size_t i = 0; i < w->n_procs; i++)
		if (!strcmp(snapshot_end_name(&w->procs[i].who), name))
			return &w->procs[i];
	cr_assert_fail("no ipc_wait for %s", name);
	return NULL;
}

static void expect_on(const struct wait_on *o, const char *peer, uint64_t ns, enum wait_kind kind,
		      bool exact)
{
	cr_expect_str_eq(snapshot_end_name(&o->peer), peer);
	cr_expect_eq(o->ns, ns, "%s: %lu ns, want %lu", peer, (unsigned long)o->ns,
		     (unsigned long)ns);
	cr_expect_eq(o->kind, kind, "%s: kind %s", peer, wait_kind_name(o->kind));
	cr_expect_eq(o->exact, exact);
}

/* What a wake-up through a mechanism is, as its module classifies it. */
static enum wait_kind woken_kind(int mech)
{
	return mech_kind_of(mech)->wakes_sync ? WAIT_SYNC : WAIT_STARVED;
}

/*
 * producer -> middle -> consumer over two pipes, over one second; the
 * middle is slow: the producer waits for room (backpressure), the
 * consumer for data (starvation), both on it.
 */
static struct snapshot *pipeline(bool final)
{
	struct snapshot *s = snap(final, 1.0);
	struct edge *e;

	e = edge(s, MECH_PIPE, "pipe:[6284]", 101, "producer", 102, "middle");
	msgs(e, 1000);
	blocked(e, 910 * MS, 20 * MS);
	back_wakes(e, 100, 900 * MS);
	wakes(e, 5, 10 * MS);
	e = edge(s, MECH_PIPE, "pipe:[6285]", 102, "middle", 103, "consumer");
	msgs(e, 1000);
	blocked(e, 30 * MS, 860 * MS);
	wakes(e, 100, 850 * MS);
	return s;
}

TestSuite(waitfor);

Test(waitfor, kind_names)
{
	cr_expect_str_eq(wait_kind_name(WAIT_STARVED), "starvation");
	cr_expect_str_eq(wait_kind_name(WAIT_BACKPRESSURE), "backpressure");
	cr_expect_str_eq(wait_kind_name(WAIT_SYNC), "sync");
	cr_expect_str_eq(wait_kind_name(0), "?");
}

Test(waitfor, pipeline_slow_middle)
{
	struct snapshot *s = pipeline(true);
	struct waitfor *w = analyze(s);
	const struct proc_wait *p;
	const struct bottleneck *b;

	cr_expect_eq(w->span_s, 1.0);
	cr_assert_eq(w->n_procs, 3);
	/* largest first */
	cr_expect_str_eq(w->procs[0].who.comm, "producer");
	cr_expect_str_eq(w->procs[1].who.comm, "consumer");
	cr_expect_str_eq(w->procs[2].who.comm, "middle");

	p = pw(w, "producer");
	cr_expect_eq(p->who.pid, 101);
	cr_expect_eq(p->ns, 910 * MS);
	cr_expect_eq(p->share, 0.91);
	cr_assert_eq(p->n_on, 1);
	expect_on(&p->on[0], "middle", 900 * MS, WAIT_BACKPRESSURE, true);
	cr_expect_str_eq(p->on[0].edge->object, "pipe:[6284]");

	/* its blocked time on both pipes; only the wake-ups are waits on others */
	p = pw(w, "middle");
	cr_expect_eq(p->ns, 50 * MS);
	cr_expect_eq(p->share, 0.05);
	cr_assert_eq(p->n_on, 1);
	expect_on(&p->on[0], "producer", 10 * MS, WAIT_STARVED, true);

	p = pw(w, "consumer");
	cr_expect_eq(p->ns, 860 * MS);
	cr_assert_eq(p->n_on, 1);
	expect_on(&p->on[0], "middle", 850 * MS, WAIT_STARVED, true);

	cr_assert_eq(w->n_verdicts, 1);
	b = &w->verdicts[0];
	cr_expect_eq(b->who.pid, 102);
	cr_expect_str_eq(b->who.comm, "middle");
	cr_expect_eq(b->waited_on_ns, 1750 * MS);
	cr_expect_eq(b->own_share, 0.05);
	cr_expect_eq(b->group, 3);
	expect_on(&b->worst, "producer", 900 * MS, WAIT_BACKPRESSURE, true);
	cr_expect_eq(b->worst.peer.pid, 101);
	cr_expect_eq(b->worst_share, 0.9);
	cr_expect(waitfor_is_bottleneck(w, &s->edges[1].src));
	cr_expect_not(waitfor_is_bottleneck(w, &s->edges[1].dst));
	snapshot_free(s);
}

/*
 * Three clients send requests to one server (a connection each), and wait
 * for the answers; the server is slow: clients blocked sending, and
 * receiving.  No wake-ups: all inferred.
 */
Test(waitfor, fan_in_slow_server)
{
	struct snapshot *s = snap(true, 1.0);
	struct waitfor *w;
	const struct proc_wait *p;
	const struct bottleneck *b;
	static const char *const comms[] = { "c1", "c2", "c3" };
	static const uint64_t send_ms[] = { 700, 600, 500 }, recv_ms[] = { 200, 250, 300 };
	struct edge *e;

	for (int i = 0; i < 3; i++) {
		char obj[64];

		snprintf(obj, sizeof(obj), "/run/s.sock:[%d]", 100 + i);
		e = edge(s, MECH_UNIX_STREAM, obj, 11 + i, comms[i], 20, "server");
		msgs(e, 10);
		blocked(e, send_ms[i] * MS, 10 * MS);
		snprintf(obj, sizeof(obj), "/run/s.sock:[%d]", 200 + i);
		e = edge(s, MECH_UNIX_STREAM, obj, 20, "server", 11 + i, comms[i]);
		msgs(e, 10);
		blocked(e, 5 * MS, recv_ms[i] * MS);
	}
	w = analyze(s);

	p = pw(w, "c1");
	cr_expect_eq(p->ns, 900 * MS);
	cr_assert_eq(p->n_on, 2);
	expect_on(&p->on[0], "server", 700 * MS, WAIT_BACKPRESSURE, false);
	expect_on(&p->on[1], "server", 200 * MS, WAIT_STARVED, false);
	p = pw(w, "server");
	cr_expect_eq(p->ns, 45 * MS);
	cr_expect_eq(p->n_on, 6);

	cr_assert_eq(w->n_verdicts, 1);
	b = &w->verdicts[0];
	cr_expect_str_eq(b->who.comm, "server");
	cr_expect_eq(b->waited_on_ns, 2550 * MS);
	cr_expect_eq(b->own_share, 0.045);
	cr_expect_eq(b->group, 4);
	expect_on(&b->worst, "c1", 700 * MS, WAIT_BACKPRESSURE, false);
	cr_expect_eq(b->worst_share, 0.7);
	snapshot_free(s);
}

/*
 * A lock handed round: a wakes b, b wakes c, c wakes a, each wait as long.
 * Everybody waits on the one before as much: no verdict.
 */
Test(waitfor, lock_convoy_symmetric)
{
	struct snapshot *s = snap(true, 1.0);
	struct waitfor *w;
	struct edge *e;

	e = edge(s, MECH_FUTEX, "futex:/dev/shm/l+0x0", 1, "a", 2, "b");
	wakes(e, 100, 300 * MS);
	blocked(e, 0, 300 * MS);
	e = edge(s, MECH_FUTEX, "futex:/dev/shm/l+0x0", 2, "b", 3, "c");
	wakes(e, 100, 300 * MS);
	blocked(e, 0, 300 * MS);
	e = edge(s, MECH_FUTEX, "futex:/dev/shm/l+0x0", 3, "c", 1, "a");
	wakes(e, 100, 300 * MS);
	blocked(e, 0, 300 * MS);
	for (size_t i = 0; i < s->n_edges; i++)
		s->edges[i].key_b = 42; /* one word */
	w = analyze(s);

	cr_assert_eq(w->n_procs, 3);
	for (size_t i = 0; i < w->n_procs; i++) {
		cr_expect_eq(w->procs[i].ns, 300 * MS);
		cr_assert_eq(w->procs[i].n_on, 1);
		cr_expect_eq(w->procs[i].on[0].kind, woken_kind(MECH_FUTEX));
		cr_expect(w->procs[i].on[0].exact);
	}
	cr_expect_eq(w->n_verdicts, 0);
	snapshot_free(s);
}

/* The holder keeps the lock: the others' waits end at its unlocks. */
Test(waitfor, lock_convoy_holder)
{
	struct snapshot *s = snap(true, 1.0);
	struct waitfor *w;
	const struct bottleneck *b;
	struct edge *e;

	e = edge(s, MECH_FUTEX, "futex:/dev/shm/l+0x0", 30, "holder", 31, "w1");
	wakes(e, 50, 600 * MS);
	blocked(e, 0, 600 * MS);
	e = edge(s, MECH_FUTEX, "futex:/dev/shm/l+0x0", 30, "holder", 32, "w2");
	wakes(e, 50, 500 * MS);
	blocked(e, 0, 500 * MS);
	e = edge(s, MECH_FUTEX, "futex:/dev/shm/l+0x0", 31, "w1", 30, "holder");
	wakes(e, 5, 20 * MS);
	blocked(e, 0, 20 * MS);
	w = analyze(s);

	cr_assert_eq(w->n_verdicts, 1);
	b = &w->verdicts[0];
	cr_expect_str_eq(b->who.comm, "holder");
	cr_expect_eq(b->waited_on_ns, 1100 * MS);
	cr_expect_eq(b->own_share, 0.02);
	cr_expect_eq(b->group, 3);
	expect_on(&b->worst, "w1", 600 * MS, woken_kind(MECH_FUTEX), true);
	snapshot_free(s);
}

/* Two processes answering each other: each waits on the other, no verdict. */
Test(waitfor, ping_pong)
{
	struct snapshot *s = snap(false, 2.0);
	struct waitfor *w;
	struct edge *e;

	e = edge(s, MECH_PIPE, "pipe:[1]", 1, "ping", 2, "pong");
	msgs(e, 500);
	blocked(e, 1 * MS, 900 * MS);
	wakes(e, 500, 900 * MS);
	e = edge(s, MECH_PIPE, "pipe:[2]", 2, "pong", 1, "ping");
	msgs(e, 500);
	blocked(e, 1 * MS, 900 * MS);
	wakes(e, 500, 900 * MS);
	w = analyze(s);
	cr_expect_eq(pw(w, "ping")->share, 0.4505);
	cr_expect_eq(w->n_verdicts, 0);
	snapshot_free(s);

	/* nearly symmetric, as real runs are: still none */
	s = snap(false, 2.0);
	e = edge(s, MECH_PIPE, "pipe:[1]", 1, "ping", 2, "pong");
	blocked(e, 0, 960 * MS);
	wakes(e, 500, 960 * MS);
	e = edge(s, MECH_PIPE, "pipe:[2]", 2, "pong", 1, "ping");
	blocked(e, 0, 900 * MS);
	wakes(e, 500, 900 * MS);
	w = analyze(s);
	cr_expect_eq(w->n_verdicts, 0);
	snapshot_free(s);
}

/* No wake-ups: the consumer's blocked time is inferred as waiting on the producer. */
Test(waitfor, inferred_slow_producer)
{
	struct snapshot *s = snap(true, 1.0);
	struct waitfor *w;
	const struct proc_wait *p;
	struct edge *e;

	e = edge(s, MECH_PIPE, "pipe:[9]", 1, "producer", 2, "consumer");
	msgs(e, 10);
	blocked(e, 0, 700 * MS);
	w = analyze(s);
	cr_assert_eq(w->n_procs, 1, "the producer never blocked");
	p = pw(w, "consumer");
	cr_expect_eq(p->ns, 700 * MS);
	cr_expect_eq(p->share, 0.7);
	cr_assert_eq(p->n_on, 1);
	expect_on(&p->on[0], "producer", 700 * MS, WAIT_STARVED, false);
	cr_assert_eq(w->n_verdicts, 1);
	cr_expect_str_eq(w->verdicts[0].who.comm, "producer");
	cr_expect_eq(w->verdicts[0].own_share, 0);
	cr_expect_not(w->verdicts[0].worst.exact);
	snapshot_free(s);
}

/*
 * Two writers into one pipe with one reader: each edge carries the
 * reader's whole blocked time.  It counts once, and is shared among the
 * writers by their messages.
 */
Test(waitfor, shared_object_counts_once)
{
	struct snapshot *s = snap(true, 1.0);
	struct waitfor *w;
	const struct proc_wait *p;
	struct edge *e;

	e = edge(s, MECH_PIPE, "pipe:[9]", 1, "w1", 3, "reader");
	msgs(e, 30);
	blocked(e, 0, 800 * MS);
	e->key_b = 9;
	e = edge(s, MECH_PIPE, "pipe:[9]", 2, "w2", 3, "reader");
	msgs(e, 10);
	blocked(e, 0, 800 * MS);
	e->key_b = 9;
	w = analyze(s);
	p = pw(w, "reader");
	cr_expect_eq(p->ns, 800 * MS);
	cr_assert_eq(p->n_on, 2);
	expect_on(&p->on[0], "w1", 600 * MS, WAIT_STARVED, false);
	expect_on(&p->on[1], "w2", 200 * MS, WAIT_STARVED, false);
	cr_assert_eq(w->n_verdicts, 1);
	cr_expect_str_eq(w->verdicts[0].who.comm, "w1");
	cr_expect_eq(w->verdicts[0].group, 3);
	snapshot_free(s);
}

/* An edge with wake-ups: only they count, its blocked times are not added. */
Test(waitfor, wakes_are_not_double_counted)
{
	struct snapshot *s = snap(true, 1.0);
	struct waitfor *w;
	const struct proc_wait *p;
	struct edge *e;

	e = edge(s, MECH_PIPE, "pipe:[9]", 1, "producer", 2, "consumer");
	blocked(e, 300 * MS, 700 * MS);
	wakes(e, 10, 650 * MS);
	w = analyze(s);
	p = pw(w, "consumer");
	cr_expect_eq(p->ns, 700 * MS);
	cr_assert_eq(p->n_on, 1);
	expect_on(&p->on[0], "producer", 650 * MS, WAIT_STARVED, true);
	/* the producer's blocked time, with no back wake-up, waited on nobody */
	p = pw(w, "producer");
	cr_expect_eq(p->ns, 300 * MS);
	cr_expect_eq(p->n_on, 0);
	snapshot_free(s);
}

/*
 * A final report spans the run and uses the cumulative counters; an
 * interval report its interval and the deltas (here without wake-ups: the
 * wait is inferred).
 */
Test(waitfor, interval_and_final_spans)
{
	struct snapshot *s = snap(true, 10.0);
	struct waitfor *w;
	const struct proc_wait *p;
	struct edge *e;

	e = edge(s, MECH_PIPE, "pipe:[9]", 1, "producer", 2, "consumer");
	e->msgs = 1000;
	e->d_msgs = 100;
	e->blocked_dst_ns = 5000 * MS;
	e->d_blocked_dst_ns = 1500 * MS;
	e->wakes = 10;
	e->wake_blocked_ns = 4000 * MS;
	w = analyze(s);
	cr_expect_eq(w->span_s, 10.0);
	p = pw(w, "consumer");
	cr_expect_eq(p->ns, 5000 * MS);
	cr_expect_eq(p->share, 0.5);
	cr_assert_eq(p->n_on, 1);
	expect_on(&p->on[0], "producer", 4000 * MS, WAIT_STARVED, true);
	cr_expect_eq(w->verdicts[0].waited_on_ns, 4000 * MS);
	waitfor_free(w);

	s->final = false;
	s->interval_s = 2.0;
	w = waitfor_analyze(s);
	s->wait = w;
	cr_assert_not_null(w);
	cr_expect_eq(w->span_s, 2.0);
	p = pw(w, "consumer");
	cr_expect_eq(p->ns, 1500 * MS);
	cr_expect_eq(p->share, 0.75);
	cr_assert_eq(p->n_on, 1);
	expect_on(&p->on[0], "producer", 1500 * MS, WAIT_STARVED, false);
	cr_expect_eq(w->verdicts[0].waited_on_ns, 1500 * MS);
	cr_expect_eq(w->verdicts[0].worst_share, 0.75);
	snapshot_free(s);
}

/* An interval in which nothing waited, or a report of no time: nothing to say. */
Test(waitfor, nothing_waited)
{
	struct snapshot *s = snap(false, 1.0);
	struct waitfor *w = analyze(s);

	cr_expect_eq(w->n_procs, 0);
	cr_expect_eq(w->n_verdicts, 0);
	waitfor_free(w);
	edge(s, MECH_PIPE, "pipe:[9]", 1, "producer", 2, "consumer");
	blocked(&s->edges[0], 0, 500 * MS);
	s->interval_s = 0;
	w = analyze(s);
	cr_expect_eq(pw(w, "consumer")->share, 0);
	cr_expect_eq(w->n_verdicts, 0);
	snapshot_free(s);
}

/* Separate groups get a verdict each, largest first. */
Test(waitfor, one_verdict_per_group)
{
	struct snapshot *s = snap(true, 1.0);
	struct waitfor *w;

	blocked(edge(s, MECH_PIPE, "pipe:[1]", 1, "a", 2, "b"), 0, 300 * MS);
	blocked(edge(s, MECH_PIPE, "pipe:[2]", 3, "c", 4, "d"), 0, 800 * MS);
	blocked(edge(s, MECH_PIPE, "pipe:[3]", 5, "e", 6, "f"), 0, 50 * MS); /* under 10% */
	w = analyze(s);
	cr_assert_eq(w->n_verdicts, 2);
	cr_expect_str_eq(w->verdicts[0].who.comm, "c");
	cr_expect_str_eq(w->verdicts[1].who.comm, "a");
	cr_expect_eq(w->verdicts[1].group, 2);
	snapshot_free(s);
}

/* -a exe: ends are keys (pid 0), compared by name; a key's edges to itself are no wait. */
Test(waitfor, aggregated_ends)
{
	struct snapshot *s = snap(true, 1.0);
	struct waitfor *w;
	const struct proc_wait *p;
	struct edge *e;

	s->agg = AGG_EXE;
	e = edge(s, MECH_PIPE, "pipe", 0, "", 0, "");
	e->src.key = "/usr/bin/gen";
	e->dst.key = "/usr/bin/slow";
	e->pairs = 4;
	blocked(e, 1800 * MS, 0); /* four generators, blocked writing */
	e = edge(s, MECH_PIPE, "pipe", 0, "", 0, "");
	e->src.key = "/usr/bin/slow";
	e->dst.key = "/usr/bin/sink";
	blocked(e, 0, 900 * MS);
	e = edge(s, MECH_PIPE, "pipe", 0, "", 0, "");
	e->src.key = "/usr/bin/slow";
	e->dst.key = "/usr/bin/slow";
	blocked(e, 40 * MS, 40 * MS);
	w = analyze(s);

	p = pw(w, "/usr/bin/gen");
	cr_expect_eq(p->ns, 1800 * MS);
	cr_expect_eq(p->share, 1.8, "several processes: over 1");
	cr_assert_eq(p->n_on, 1);
	expect_on(&p->on[0], "/usr/bin/slow", 1800 * MS, WAIT_BACKPRESSURE, false);
	cr_expect_eq(p->on[0].peer.pid, 0);
	p = pw(w, "/usr/bin/slow");
	cr_expect_eq(p->ns, 80 * MS, "its own blocked time on its edge to itself");
	cr_expect_eq(p->n_on, 0);
	cr_assert_eq(w->n_verdicts, 1);
	cr_expect_str_eq(w->verdicts[0].who.key, "/usr/bin/slow");
	cr_expect_eq(w->verdicts[0].waited_on_ns, 2700 * MS);
	cr_expect_eq(w->verdicts[0].group, 3);
	cr_expect(waitfor_is_bottleneck(w, &s->edges[1].src));
	cr_expect_not(waitfor_is_bottleneck(w, &s->edges[1].dst));
	snapshot_free(s);
}

/* Retention aggregates' ends are names: not the live process of the same name. */
Test(waitfor, folded_ends_by_name)
{
	struct snapshot *s = snap(true, 1.0);
	struct waitfor *w;
	struct edge *e;

	e = edge(s, MECH_PIPE, "pipe", 0, "worker", 0, "sink");
	e->folded = 3;
	blocked(e, 0, 200 * MS);
	e = edge(s, MECH_PIPE, "pipe:[5]", 7, "worker", 8, "sink");
	blocked(e, 0, 300 * MS);
	w = analyze(s);
	cr_assert_eq(w->n_procs, 2);
	cr_expect_eq(w->procs[0].who.pid, 8);
	cr_expect_eq(w->procs[0].ns, 300 * MS);
	cr_expect_eq(w->procs[1].who.pid, 0);
	cr_expect_eq(w->procs[1].ns, 200 * MS);
	cr_expect_eq(w->n_verdicts, 2, "two groups");
	snapshot_free(s);
}

static const char *line_with(const char *text, const char *needle, char *buf, size_t len)
{
	const char *p = strstr(text, needle), *b, *e;

	cr_assert_not_null(p, "no %s in:\n%s", needle, text);
	for (b = p; b > text && b[-1] != '\n'; b--)
		;
	e = strchr(p, '\n');
	cr_assert_not_null(e);
	cr_assert_lt((size_t)(e - b), len);
	memcpy(buf, b, e - b);
	buf[e - b] = '\0';
	return buf;
}

static void add_proc(struct snapshot *s, uint32_t pid, const char *comm)
{
	struct model_proc *p;

	s->procs = realloc(s->procs, (s->n_procs + 1) * sizeof(*s->procs));
	cr_assert_not_null(s->procs);
	p = &s->procs[s->n_procs++];
	memset(p, 0, sizeof(*p));
	p->pid = pid;
	p->ppid = 1;
	p->start_ns = 1000000ull * pid;
	snprintf(p->comm, sizeof(p->comm), "%s", comm);
}

Test(waitfor, json_verdict_and_ipc_wait)
{
	struct snapshot *s = pipeline(false);
	char buf[2048];
	char *out;

	/* the middle stage has a hostile name */
	snprintf(s->edges[0].dst.comm, sizeof(s->edges[0].dst.comm), "%s", HOSTILE_COMM);
	snprintf(s->edges[1].src.comm, sizeof(s->edges[1].src.comm), "%s", HOSTILE_COMM);
	add_proc(s, 101, "producer");
	add_proc(s, 102, HOSTILE_COMM);
	add_proc(s, 103, "consumer");
	add_proc(s, 104, "idle");
	analyze(s);
	out = render_json_str(s);
	cr_expect(ndjson_valid(out), "invalid NDJSON:\n%s", out);

	cr_expect_str_eq(line_with(out, "\"type\":\"bottleneck\"", buf, sizeof(buf)),
			 "{\"type\":\"bottleneck\",\"seq\":7,\"final\":false,\"pid\":102,\"comm\":"
			 HOSTILE_JSON ",\"waited_on_ns\":1750000000,\"share\":0.050,\"group\":3,"
			 "\"waiter\":{\"pid\":101,\"comm\":\"producer\"},\"kind\":\"backpressure\","
			 "\"mech\":\"pipe\",\"object\":\"pipe:[6284]\",\"waiter_ns\":900000000,"
			 "\"waiter_share\":0.900,\"exact\":true}");
	cr_expect_str_eq(line_with(out, "\"pid\":101,\"start_ns\"", buf, sizeof(buf)),
			 "{\"type\":\"process\",\"seq\":7,\"pid\":101,\"start_ns\":101000000,"
			 "\"ppid\":1,\"comm\":\"producer\",\"exited\":false,"
			 "\"ipc_wait\":{\"ns\":910000000,\"share\":0.910,\"on\":[{\"pid\":102,"
			 "\"comm\":" HOSTILE_JSON ",\"mech\":\"pipe\",\"object\":\"pipe:[6284]\","
			 "\"ns\":900000000,\"kind\":\"backpressure\",\"exact\":true}]}}");
	cr_expect_not_null(strstr(line_with(out, "\"pid\":102,\"start_ns\"", buf, sizeof(buf)),
				  ",\"ipc_wait\":{\"ns\":50000000,\"share\":0.050,\"on\":[{\"pid\":101,"
				  "\"comm\":\"producer\",\"mech\":\"pipe\",\"object\":\"pipe:[6284]\","
				  "\"ns\":10000000,\"kind\":\"starvation\",\"exact\":true}]}}"),
			  "%s", buf);
	cr_expect_null(strstr(line_with(out, "\"pid\":104,", buf, sizeof(buf)), "ipc_wait"));
	/* the common wake-up counters, and this interval's */
	cr_expect_not_null(strstr(out, "\"interval\":{\"msgs\":1000,\"bytes\":0,\"wakes\":5,"
				       "\"back_wakes\":100},\"blocked_ns\":{\"src\":910000000,"
				       "\"dst\":20000000},\"wakes\":5,\"wake_blocked_ns\":10000000,"
				       "\"back_wakes\":100,\"back_wake_blocked_ns\":900000000"),
			   "%s", out);
	/* the verdict follows the processes */
	cr_expect_gt(strstr(out, "\"bottleneck\""), strstr(out, "\"pid\":104,"));
	free(out);
	snapshot_free(s);
}

Test(waitfor, json_without_analysis)
{
	struct snapshot *s = pipeline(true);
	char *out;

	add_proc(s, 101, "producer");
	out = render_json_str(s);
	cr_expect_null(strstr(out, "ipc_wait"));
	cr_expect_null(strstr(out, "bottleneck"));
	free(out);
	snapshot_free(s);
}

Test(waitfor, json_aggregated)
{
	struct snapshot *s = snap(true, 2.0);
	struct agg_node nodes[2] = { { .comm = "cat", .n_procs = 3 },
				     { .comm = "gen", .n_procs = 2 } };
	char buf[2048];
	struct edge *e;
	char *out;

	s->agg = AGG_COMM;
	e = edge(s, MECH_PIPE, "pipe", 0, "gen", 0, "cat");
	blocked(e, 1500 * MS, 0);
	s->nodes = malloc(sizeof(nodes));
	cr_assert_not_null(s->nodes);
	memcpy(s->nodes, nodes, sizeof(nodes));
	s->n_nodes = 2;
	analyze(s);
	out = render_json_str(s);
	cr_expect(ndjson_valid(out), "invalid NDJSON:\n%s", out);
	cr_expect_str_eq(line_with(out, "\"type\":\"bottleneck\"", buf, sizeof(buf)),
			 "{\"type\":\"bottleneck\",\"seq\":7,\"final\":true,\"comm\":\"cat\","
			 "\"waited_on_ns\":1500000000,\"share\":0.000,\"group\":2,"
			 "\"waiter\":{\"comm\":\"gen\"},\"kind\":\"backpressure\",\"mech\":\"pipe\","
			 "\"object\":\"pipe\",\"waiter_ns\":1500000000,\"waiter_share\":0.750,"
			 "\"exact\":false}");
	cr_expect_str_eq(line_with(out, "\"comm\":\"gen\",\"processes\"", buf, sizeof(buf)),
			 "{\"type\":\"process\",\"seq\":7,\"key\":\"comm\",\"comm\":\"gen\","
			 "\"processes\":2,\"ipc_wait\":{\"ns\":1500000000,\"share\":0.750,"
			 "\"on\":[{\"comm\":\"cat\",\"mech\":\"pipe\",\"object\":\"pipe\","
			 "\"ns\":1500000000,\"kind\":\"backpressure\",\"exact\":false}]}}");
	cr_expect_null(strstr(line_with(out, "\"comm\":\"cat\",\"processes\"", buf, sizeof(buf)),
			      "ipc_wait"));
	free(out);
	snapshot_free(s);
}

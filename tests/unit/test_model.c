// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* The model: joins, pid reuse, deltas, filters, reaping, signals. */
#include <criterion/criterion.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include "unit/testutil.h"

static struct model *m;

static void setup(void)
{
	m = model_new();
	cr_assert_not_null(m);
}

static void teardown(void)
{
	model_free(m);
}

TestSuite(model, .init = setup, .fini = teardown);

static struct snapshot *snap(double elapsed, const struct model_filter *f)
{
	struct snapshot *s = model_snapshot(m, false, true, elapsed, 1700000000, f);

	cr_assert_not_null(s);
	return s;
}

static const struct edge *must_edge(const struct snapshot *s, uint32_t src, uint32_t dst,
				    const char *object)
{
	const struct edge *e = find_edge(s, src, dst, object);

	cr_assert_not_null(e, "no edge %u -> %u on %s", src, dst, object);
	return e;
}

static void expect_edge(const struct edge *e, uint64_t msgs, uint64_t bytes, bool exact)
{
	cr_expect_eq(e->msgs, msgs, "%u->%u msgs %lu, want %lu", e->src.pid, e->dst.pid,
		     (unsigned long)e->msgs, (unsigned long)msgs);
	cr_expect_eq(e->bytes, bytes, "%u->%u bytes %lu, want %lu", e->src.pid, e->dst.pid,
		     (unsigned long)e->bytes, (unsigned long)bytes);
	cr_expect_eq(e->exact, exact, "%u->%u exact", e->src.pid, e->dst.pid);
}

Test(model, mech_names)
{
	cr_expect_str_eq(mech_name(MECH_PIPE), "pipe");
	cr_expect_str_eq(mech_name(MECH_FIFO), "fifo");
	cr_expect_str_eq(mech_name(MECH_SIGNAL), "signal");
	cr_expect_null(mech_name(MECH_NONE));
	cr_expect_null(mech_name(MECH_MAX));
	cr_expect_eq(mech_parse("fifo"), MECH_FIFO);
	cr_expect_eq(mech_parse("unix_dgram"), MECH_UNIX_DGRAM);
	cr_expect_eq(mech_parse("carrier-pigeon"), -1);
	cr_expect_eq(mech_parse(NULL), -1);
}

Test(model, join_one_to_one)
{
	struct snapshot *s;
	const struct edge *e;

	/* 640 bytes written, 600 read so far: the edge says what arrived. */
	feed_ep(m, P(101), "producer", MECH_PIPE, 0, 8425, 10, 640, 111);
	feed_ep(m, P(102), "consumer", MECH_PIPE, 1, 8425, 20, 600, 222);
	s = snap(1.0, NULL);
	cr_assert_eq(s->n_edges, 1);
	e = must_edge(s, 101, 102, "pipe:[8425]");
	expect_edge(e, 10, 600, true);
	cr_expect_eq(e->mech, MECH_PIPE);
	cr_expect_str_eq(e->src.comm, "producer");
	cr_expect_str_eq(e->dst.comm, "consumer");
	cr_expect_eq(e->src.start_ns, P(101).start_ns);
	cr_expect_eq(e->blocked_src_ns, 111);
	cr_expect_eq(e->blocked_dst_ns, 222);
	cr_expect_eq(s->seq, 1);
	cr_expect_eq(s->n_procs, 2);
	cr_expect_eq(s->procs[0].pid, 101);
	cr_expect_eq(s->procs[1].pid, 102);
	snapshot_free(s);
}

Test(model, join_one_to_many)
{
	struct snapshot *s;

	/* Readers' counts are exact: one write may be split between readers. */
	feed_ep(m, P(1), "w", MECH_PIPE, 0, 7, 10, 1000, 0);
	feed_ep(m, P(2), "r1", MECH_PIPE, 1, 7, 4, 400, 0);
	feed_ep(m, P(3), "r2", MECH_PIPE, 1, 7, 7, 600, 0);
	s = snap(1.0, NULL);
	cr_assert_eq(s->n_edges, 2);
	expect_edge(must_edge(s, 1, 2, "pipe:[7]"), 4, 400, true);
	expect_edge(must_edge(s, 1, 3, "pipe:[7]"), 7, 600, true);
	snapshot_free(s);
}

Test(model, join_many_to_one)
{
	struct snapshot *s;

	feed_ep(m, P(1), "w1", MECH_PIPE, 0, 7, 3, 300, 5);
	feed_ep(m, P(2), "w2", MECH_PIPE, 0, 7, 5, 500, 6);
	feed_ep(m, P(3), "r", MECH_PIPE, 1, 7, 2, 800, 7);
	s = snap(1.0, NULL);
	cr_assert_eq(s->n_edges, 2);
	expect_edge(must_edge(s, 1, 3, "pipe:[7]"), 3, 300, true);
	expect_edge(must_edge(s, 2, 3, "pipe:[7]"), 5, 500, true);
	cr_expect_eq(must_edge(s, 2, 3, "pipe:[7]")->blocked_src_ns, 6);
	cr_expect_eq(must_edge(s, 2, 3, "pipe:[7]")->blocked_dst_ns, 7);
	snapshot_free(s);
}

Test(model, join_many_to_many_inferred)
{
	struct snapshot *s;

	/* Readers got 1000 and 3000 of 4000: writers are split 1:3. */
	feed_ep(m, P(1), "w1", MECH_PIPE, 0, 7, 10, 1000, 0);
	feed_ep(m, P(2), "w2", MECH_PIPE, 0, 7, 30, 3000, 0);
	feed_ep(m, P(3), "r1", MECH_PIPE, 1, 7, 9, 1000, 0);
	feed_ep(m, P(4), "r2", MECH_PIPE, 1, 7, 9, 3000, 0);
	s = snap(1.0, NULL);
	cr_assert_eq(s->n_edges, 4);
	expect_edge(must_edge(s, 1, 3, "pipe:[7]"), 2, 250, false);	/* 2.5 floors to 2 */
	expect_edge(must_edge(s, 1, 4, "pipe:[7]"), 7, 750, false);
	expect_edge(must_edge(s, 2, 3, "pipe:[7]"), 7, 750, false);
	expect_edge(must_edge(s, 2, 4, "pipe:[7]"), 22, 2250, false);
	snapshot_free(s);
}

Test(model, join_many_to_many_no_overflow)
{
	struct snapshot *s;
	uint64_t big = 1ULL << 62;

	/* s.bytes * r.bytes is 2^124: only a 128-bit product gets this right. */
	feed_ep(m, P(1), "w1", MECH_PIPE, 0, 7, big, big, 0);
	feed_ep(m, P(2), "w2", MECH_PIPE, 0, 7, big, big, 0);
	feed_ep(m, P(3), "r1", MECH_PIPE, 1, 7, 1, big, 0);
	feed_ep(m, P(4), "r2", MECH_PIPE, 1, 7, 1, big, 0);
	s = snap(1.0, NULL);
	cr_assert_eq(s->n_edges, 4);
	expect_edge(must_edge(s, 1, 3, "pipe:[7]"), big / 2, big / 2, false);
	snapshot_free(s);
}

Test(model, join_many_to_many_nothing_received)
{
	struct snapshot *s;

	feed_ep(m, P(1), "w1", MECH_PIPE, 0, 7, 1, 10, 0);
	feed_ep(m, P(2), "w2", MECH_PIPE, 0, 7, 1, 10, 0);
	feed_ep(m, P(3), "r1", MECH_PIPE, 1, 7, 1, 0, 0);
	feed_ep(m, P(4), "r2", MECH_PIPE, 1, 7, 1, 0, 0);
	s = snap(1.0, NULL);
	cr_expect_eq(s->n_edges, 0);
	snapshot_free(s);
}

Test(model, no_edge_without_both_sides)
{
	struct snapshot *s;

	feed_ep(m, P(1), "w", MECH_PIPE, 0, 7, 5, 50, 0);
	/* A reader whose reads all failed or hit EOF moved nothing: no end. */
	feed_ep(m, P(2), "idle", MECH_PIPE, 1, 7, 0, 0, 0);
	feed_ep(m, P(3), "w", MECH_PIPE, 0, 8, 5, 50, 0);
	feed_ep(m, P(4), "r", MECH_PIPE, 1, 9, 5, 50, 0);
	s = snap(1.0, NULL);
	cr_expect_eq(s->n_edges, 0);
	cr_expect_eq(s->n_procs, 0);
	snapshot_free(s);

	/* Once it reads, the object is 1:1 (the idle one did not make it 1:N). */
	feed_ep(m, P(5), "late", MECH_PIPE, 1, 7, 1, 50, 0);
	s = snap(2.0, NULL);
	cr_assert_eq(s->n_edges, 1);
	expect_edge(must_edge(s, 1, 5, "pipe:[7]"), 5, 50, true);
	snapshot_free(s);
}

Test(model, no_self_edge)
{
	struct snapshot *s;

	/* 1 writes and reads back some of it; 2 reads the rest: 1:N. */
	feed_ep(m, P(1), "loop", MECH_PIPE, 0, 7, 4, 400, 0);
	feed_ep(m, P(1), "loop", MECH_PIPE, 1, 7, 1, 100, 0);
	feed_ep(m, P(2), "r", MECH_PIPE, 1, 7, 3, 300, 0);
	s = snap(1.0, NULL);
	cr_assert_eq(s->n_edges, 1);
	expect_edge(must_edge(s, 1, 2, "pipe:[7]"), 3, 300, true);
	snapshot_free(s);
}

Test(model, cumulative_values_replace)
{
	struct snapshot *s;

	feed_ep(m, P(1), "w", MECH_PIPE, 0, 7, 1, 10, 0);
	feed_ep(m, P(2), "r", MECH_PIPE, 1, 7, 1, 10, 0);
	feed_ep(m, P(1), "w", MECH_PIPE, 0, 7, 3, 30, 0);
	feed_ep(m, P(2), "r", MECH_PIPE, 1, 7, 3, 30, 0);
	s = snap(1.0, NULL);
	cr_assert_eq(s->n_edges, 1);
	expect_edge(&s->edges[0], 3, 30, true);
	snapshot_free(s);
}

Test(model, pid_reuse_two_processes)
{
	struct snapshot *s;
	const struct edge *a, *b;

	/* pid 100 exits and is reused; both incarnations wrote to the pipe. */
	model_proc_fork(m, P2(100, 5), 1, "old");
	model_proc_exit(m, P2(100, 5), 0);
	model_proc_fork(m, P2(100, 9), 1, "new");
	feed_ep(m, P2(100, 5), "x", MECH_PIPE, 0, 7, 1, 10, 0);
	feed_ep(m, P2(100, 9), "x", MECH_PIPE, 0, 7, 2, 20, 0);
	feed_ep(m, P(200), "r", MECH_PIPE, 1, 7, 3, 30, 0);
	s = snap(1.0, NULL);
	cr_assert_eq(s->n_edges, 2);
	/* Sorted by bytes: the new process's 20 bytes first. */
	a = &s->edges[0];
	b = &s->edges[1];
	cr_expect_eq(a->src.pid, 100);
	cr_expect_eq(a->src.start_ns, 9);
	cr_expect_str_eq(a->src.comm, "new");
	expect_edge(a, 2, 20, true);
	cr_expect_eq(b->src.pid, 100);
	cr_expect_eq(b->src.start_ns, 5);
	cr_expect_str_eq(b->src.comm, "old");
	expect_edge(b, 1, 10, true);

	cr_assert_eq(s->n_procs, 3);
	cr_expect_eq(s->procs[0].pid, 100);
	cr_expect_eq(s->procs[0].start_ns, 5);
	cr_expect(s->procs[0].exited);
	cr_expect_eq(s->procs[1].pid, 100);
	cr_expect_eq(s->procs[1].start_ns, 9);
	cr_expect(!s->procs[1].exited);
	cr_expect_eq(s->procs[2].pid, 200);
	snapshot_free(s);
}

Test(model, object_names)
{
	struct snapshot *s;
	char longname[400];

	/* A name may come before the object has any endpoint. */
	model_set_object_name(m, MECH_FIFO, 0xc, 50, "/tmp/ctl.fifo");
	feed_ep(m, P(1), "w", MECH_FIFO, 0, 50, 1, 40, 0);
	feed_ep(m, P(2), "r", MECH_FIFO, 1, 50, 1, 40, 0);
	feed_ep(m, P(1), "w", MECH_FIFO, 0, 51, 1, 30, 0);
	feed_ep(m, P(2), "r", MECH_FIFO, 1, 51, 1, 30, 0);
	feed_ep(m, P(1), "w", MECH_PIPE, 0, 52, 1, 20, 0);
	feed_ep(m, P(2), "r", MECH_PIPE, 1, 52, 1, 20, 0);
	memset(longname, 'a', sizeof(longname));
	memcpy(longname + sizeof(longname) - 6, "/leaf", 6);
	model_set_object_name(m, MECH_PIPE, 0xc, 53, longname);
	feed_ep(m, P(1), "w", MECH_PIPE, 0, 53, 1, 10, 0);
	feed_ep(m, P(2), "r", MECH_PIPE, 1, 53, 1, 10, 0);
	s = snap(1.0, NULL);
	cr_assert_eq(s->n_edges, 4);
	cr_expect_str_eq(s->edges[0].object, "/tmp/ctl.fifo");
	cr_expect_eq(s->edges[0].mech, MECH_FIFO);
	cr_expect_str_eq(s->edges[1].object, "fifo:[51]");
	cr_expect_str_eq(s->edges[2].object, "pipe:[52]");
	/* Too long for the edge: the tail is kept. */
	cr_expect_eq(strlen(s->edges[3].object), sizeof(s->edges[3].object) - 1);
	cr_expect_eq(strncmp(s->edges[3].object, "...aaa", 6), 0);
	cr_expect_str_eq(s->edges[3].object + strlen(s->edges[3].object) - 5, "/leaf");
	snapshot_free(s);
}

Test(model, deltas_between_snapshots)
{
	struct snapshot *s;
	const struct edge *e;

	feed_ep(m, P(1), "w", MECH_PIPE, 0, 7, 10, 1000, 0);
	feed_ep(m, P(2), "r", MECH_PIPE, 1, 7, 10, 1000, 0);
	s = snap(1.0, NULL);
	e = must_edge(s, 1, 2, "pipe:[7]");
	cr_expect_eq(e->d_msgs, 10);
	cr_expect_eq(e->d_bytes, 1000);
	cr_expect_eq(s->interval_s, 1.0);
	snapshot_free(s);

	feed_ep(m, P(1), "w", MECH_PIPE, 0, 7, 15, 1500, 0);
	feed_ep(m, P(2), "r", MECH_PIPE, 1, 7, 14, 1400, 0);
	/* A new edge in the second snapshot: its delta is all of it. */
	feed_ep(m, P(3), "w", MECH_PIPE, 0, 8, 2, 20, 0);
	feed_ep(m, P(4), "r", MECH_PIPE, 1, 8, 2, 20, 0);
	s = snap(3.5, NULL);
	cr_expect_eq(s->seq, 2);
	cr_expect_eq(s->interval_s, 2.5);
	e = must_edge(s, 1, 2, "pipe:[7]");
	cr_expect_eq(e->msgs, 15);
	cr_expect_eq(e->bytes, 1400);
	cr_expect_eq(e->d_msgs, 5);
	cr_expect_eq(e->d_bytes, 400);
	e = must_edge(s, 3, 4, "pipe:[8]");
	cr_expect_eq(e->d_msgs, 2);
	cr_expect_eq(e->d_bytes, 20);
	snapshot_free(s);

	s = snap(4.5, NULL);
	e = must_edge(s, 1, 2, "pipe:[7]");
	cr_expect_eq(e->d_msgs, 0);
	cr_expect_eq(e->d_bytes, 0);
	cr_expect_eq(e->bytes, 1400);
	snapshot_free(s);
}

Test(model, deltas_of_inferred_share_never_wrap)
{
	struct snapshot *s;
	const struct edge *e;

	feed_ep(m, P(1), "w1", MECH_PIPE, 0, 7, 10, 1000, 0);
	feed_ep(m, P(2), "w2", MECH_PIPE, 0, 7, 10, 1000, 0);
	feed_ep(m, P(3), "r1", MECH_PIPE, 1, 7, 10, 1000, 0);
	feed_ep(m, P(4), "r2", MECH_PIPE, 1, 7, 10, 1000, 0);
	s = snap(1.0, NULL);
	cr_expect_eq(must_edge(s, 1, 3, "pipe:[7]")->bytes, 500);
	snapshot_free(s);

	/* r2 reads far more: 1 -> 3's inferred share drops from 500 to 100. */
	feed_ep(m, P(4), "r2", MECH_PIPE, 1, 7, 10, 9000, 0);
	s = snap(2.0, NULL);
	e = must_edge(s, 1, 3, "pipe:[7]");
	cr_expect_eq(e->bytes, 100);
	cr_expect_eq(e->d_bytes, 0);
	snapshot_free(s);
}

Test(model, deltas_ignore_filter)
{
	struct model_filter only3 = { .pids = (uint32_t[]){ 3 }, .n_pids = 1 };
	struct snapshot *s;
	const struct edge *e;

	feed_ep(m, P(1), "w", MECH_PIPE, 0, 7, 10, 100, 0);
	feed_ep(m, P(2), "r", MECH_PIPE, 1, 7, 10, 100, 0);
	s = snap(1.0, &only3);
	cr_expect_eq(s->n_edges, 0);
	snapshot_free(s);

	/* The hidden edge was still remembered for its deltas. */
	feed_ep(m, P(1), "w", MECH_PIPE, 0, 7, 12, 120, 0);
	feed_ep(m, P(2), "r", MECH_PIPE, 1, 7, 12, 120, 0);
	s = snap(2.0, NULL);
	e = must_edge(s, 1, 2, "pipe:[7]");
	cr_expect_eq(e->d_msgs, 2);
	cr_expect_eq(e->d_bytes, 20);
	snapshot_free(s);
}

static void feed_three_pipes(void)
{
	model_proc_fork(m, P(1), 0, "alpha");
	model_proc_fork(m, P(2), 0, "beta");
	model_proc_fork(m, P(3), 0, "gamma");
	model_proc_fork(m, P(4), 0, "delta");
	feed_ep(m, P(1), "alpha", MECH_PIPE, 0, 7, 1, 300, 0);
	feed_ep(m, P(2), "beta", MECH_PIPE, 1, 7, 1, 300, 0);
	feed_ep(m, P(2), "beta", MECH_PIPE, 0, 8, 1, 200, 0);
	feed_ep(m, P(3), "gamma", MECH_PIPE, 1, 8, 1, 200, 0);
	feed_ep(m, P(3), "gamma", MECH_PIPE, 0, 9, 1, 100, 0);
	feed_ep(m, P(4), "delta", MECH_PIPE, 1, 9, 1, 100, 0);
}

Test(model, filter_by_pid)
{
	struct model_filter f = { .pids = (uint32_t[]){ 2 }, .n_pids = 1 };
	struct snapshot *s;

	feed_three_pipes();
	s = snap(1.0, &f);
	/* pid 2 is the reader of the first and the writer of the second. */
	cr_assert_eq(s->n_edges, 2);
	cr_expect_eq(s->edges[0].src.pid, 1);
	cr_expect_eq(s->edges[1].src.pid, 2);
	cr_assert_eq(s->n_procs, 3);
	cr_expect_eq(s->procs[2].pid, 3);
	snapshot_free(s);
}

Test(model, filter_by_comm_and_pid)
{
	const char *comms[] = { "delta-new" };
	struct model_filter f = { .pids = (uint32_t[]){ 1 }, .n_pids = 1,
				  .comms = comms, .n_comms = 1 };
	struct model_filter prefix = { .comms = (const char *[]){ "delt" }, .n_comms = 1 };
	struct snapshot *s;

	feed_three_pipes();
	/* Matching is on the current comm, after exec. */
	model_proc_exec(m, P(4), "delta-new");
	s = snap(1.0, &f);
	cr_assert_eq(s->n_edges, 2);
	cr_expect_eq(s->edges[0].src.pid, 1);
	cr_expect_eq(s->edges[1].dst.pid, 4);
	cr_expect_str_eq(s->edges[1].dst.comm, "delta-new");
	snapshot_free(s);

	s = snap(2.0, &prefix);
	cr_expect_eq(s->n_edges, 0, "comm match must be exact");
	snapshot_free(s);
}

Test(model, filter_empty_keeps_all)
{
	struct model_filter empty = { 0 };
	struct snapshot *s;

	feed_three_pipes();
	s = snap(1.0, &empty);
	cr_expect_eq(s->n_edges, 3);
	snapshot_free(s);
	s = snap(2.0, NULL);
	cr_expect_eq(s->n_edges, 3);
	/* Sorted by bytes, largest first. */
	cr_expect_eq(s->edges[0].bytes, 300);
	cr_expect_eq(s->edges[1].bytes, 200);
	cr_expect_eq(s->edges[2].bytes, 100);
	snapshot_free(s);
}

Test(model, sort_ties)
{
	struct snapshot *s;

	/* Same bytes: more msgs first; then by src pid. */
	feed_ep(m, P(5), "a", MECH_PIPE, 0, 1, 1, 100, 0);
	feed_ep(m, P(6), "b", MECH_PIPE, 1, 1, 1, 100, 0);
	feed_ep(m, P(3), "c", MECH_PIPE, 0, 2, 1, 100, 0);
	feed_ep(m, P(4), "d", MECH_PIPE, 1, 2, 1, 100, 0);
	feed_ep(m, P(9), "e", MECH_PIPE, 0, 3, 4, 100, 0);
	feed_ep(m, P(8), "f", MECH_PIPE, 1, 3, 4, 100, 0);
	s = snap(1.0, NULL);
	cr_assert_eq(s->n_edges, 3);
	cr_expect_eq(s->edges[0].src.pid, 9);
	cr_expect_eq(s->edges[1].src.pid, 3);
	cr_expect_eq(s->edges[2].src.pid, 5);
	snapshot_free(s);
}

Test(model, comm_sources)
{
	struct snapshot *s;
	const struct edge *e;

	/* Unknown to the process table: the endpoint's comm is the fallback. */
	feed_ep(m, P(1), "fromep", MECH_PIPE, 0, 7, 1, 10, 0);
	feed_ep(m, P(2), "fromep2", MECH_PIPE, 1, 7, 1, 10, 0);
	/* Known, but with an empty comm: still the fallback. */
	model_proc_fork(m, P(2), 1, "");
	s = snap(1.0, NULL);
	e = must_edge(s, 1, 2, "pipe:[7]");
	cr_expect_str_eq(e->src.comm, "fromep");
	cr_expect_str_eq(e->dst.comm, "fromep2");
	cr_expect_eq(s->procs[1].ppid, 1);
	cr_expect_str_eq(s->procs[1].comm, "fromep2");
	snapshot_free(s);

	/* A hint fills what is missing, events override. */
	model_proc_hint(m, P(1), 77, "hinted");
	model_proc_hint(m, P(1), 88, "again");
	s = snap(2.0, NULL);
	e = must_edge(s, 1, 2, "pipe:[7]");
	cr_expect_str_eq(e->src.comm, "hinted");
	cr_expect_eq(s->procs[0].ppid, 77);
	snapshot_free(s);

	model_proc_comm(m, P(1), "renamed-by-prctl-too-long");
	s = snap(3.0, NULL);
	cr_expect_str_eq(s->edges[0].src.comm, "renamed-by-prctl", "comm is 16 bytes at most");
	snapshot_free(s);
}

Test(model, proc_find)
{
	const struct model_proc *p;

	cr_expect_null(model_proc_find(m, P(1)));
	model_proc_fork(m, P(1), 9, "one");
	p = model_proc_find(m, P(1));
	cr_assert_not_null(p);
	cr_expect_eq(p->ppid, 9);
	cr_expect_str_eq(p->comm, "one");
	cr_expect_null(model_proc_find(m, P2(1, 12345)), "same pid, other start");
}

Test(model, reaping)
{
	struct proc_ref out[8];
	struct snapshot *s;

	model_set_clock(m, 1000);
	model_proc_fork(m, P(1), 0, "a");
	model_proc_fork(m, P(2), 0, "b");
	feed_ep(m, P(1), "a", MECH_PIPE, 0, 7, 1, 10, 0);
	feed_ep(m, P(2), "b", MECH_PIPE, 1, 7, 1, 10, 0);
	model_proc_exit(m, P(1), 256);
	/* Reapable once its exit is older than the caller's grace cut-off. */
	cr_expect_eq(model_reapable(m, 999, out, 8), 0, "seen after the cut-off");
	cr_assert_eq(model_reapable(m, 1000, out, 8), 1);
	cr_expect_eq(out[0].pid, 1);
	cr_expect_eq(out[0].start_ns, P(1).start_ns);
	cr_expect_eq(model_reapable(m, 1000, out, 0), 0, "max is respected");
	model_mark_reaped(m, out[0]);
	cr_expect_eq(model_reapable(m, 1000, out, 8), 0, "reaped once");

	s = snap(1.0, NULL);
	/* Reaped counters stay in the cumulative report, and so does the exit. */
	cr_expect_eq(s->n_edges, 1);
	cr_expect_eq(s->edges[0].bytes, 10);
	cr_assert_eq(s->n_procs, 2);
	cr_expect(s->procs[0].exited);
	cr_expect_eq(s->procs[0].exit_status, 256);
	cr_expect_eq(s->procs[0].exit_seq, 1);
	snapshot_free(s);

	model_set_clock(m, 5000);
	model_proc_exit(m, P(2), 0);
	cr_expect_eq(model_reapable(m, 4999, out, 8), 0);
	cr_assert_eq(model_reapable(m, 5000, out, 8), 1);
	cr_expect_eq(out[0].pid, 2);
}

Test(model, signal_edges_and_delivery)
{
	struct snapshot *s;
	const struct edge *e;

	model_proc_fork(m, P(10), 1, "killer");
	model_proc_fork(m, P(20), 10, "target");
	feed_sig(m, P(10), "k", P(20), SIGUSR1, 0, 5);
	feed_sigdel(m, P(20), "t", SIGUSR1, 5, 5, 1234, 400);
	/* Two senders of SIGUSR2 to 30: deliveries cannot be attributed. */
	feed_sig(m, P(10), "k", P(30), SIGUSR2, 0, 2);
	feed_sig(m, P(20), "t", P(30), SIGUSR2, -1, 3);
	feed_sigdel(m, P(30), "third", SIGUSR2, 5, 5, 10, 2);
	/* The kernel (pid 0) as a sender. */
	feed_sig(m, P2(0, 0), "", P(20), SIGSEGV, 0x80, 1);
	s = snap(1.0, NULL);
	cr_assert_eq(s->n_edges, 4);

	e = must_edge(s, 10, 20, "SIGUSR1");
	cr_expect_eq(e->mech, MECH_SIGNAL);
	expect_edge(e, 5, 0, true);
	cr_expect_eq(SIGX(s, e)->sig, SIGUSR1);
	cr_expect_eq(SIGX(s, e)->code, 0);
	cr_expect_eq(SIGX(s, e)->result[0], 5);
	cr_expect_str_eq(e->src.comm, "killer");
	cr_expect_str_eq(e->dst.comm, "target");
	cr_expect(SIGX(s, e)->has_delivery);
	cr_expect_eq(SIGX(s, e)->delivered, 5);
	cr_expect_eq(SIGX(s, e)->lat_count, 5);
	cr_expect_eq(SIGX(s, e)->lat_sum_ns, 1234);
	cr_expect_eq(SIGX(s, e)->lat_max_ns, 400);
	cr_expect_eq(e->d_msgs, 5);

	e = must_edge(s, 10, 30, "SIGUSR2");
	cr_expect(!SIGX(s, e)->has_delivery);
	/* Unknown target: its comm comes from the delivery record. */
	cr_expect_str_eq(e->dst.comm, "third");
	e = must_edge(s, 20, 30, "SIGUSR2");
	cr_expect(!SIGX(s, e)->has_delivery);
	cr_expect_eq(SIGX(s, e)->code, -1);

	e = must_edge(s, 0, 20, "SIGSEGV");
	cr_expect_str_eq(e->src.comm, "[kernel]");
	cr_expect(!SIGX(s, e)->has_delivery, "no SIGSEGV deliveries were seen");
	/* The kernel is no process. */
	cr_assert_eq(s->n_procs, 3);
	cr_expect_eq(s->procs[0].pid, 10);
	cr_expect_eq(s->procs[1].pid, 20);
	cr_expect_eq(s->procs[2].pid, 30);
	snapshot_free(s);

	/* A second code from the same sender also makes it ambiguous. */
	feed_sig(m, P(10), "k", P(20), SIGUSR1, -6, 1);
	feed_sig(m, P(10), "k", P(20), SIGUSR1, 0, 7);
	s = snap(2.0, NULL);
	cr_assert_eq(s->n_edges, 5);
	e = &s->edges[0];
	cr_expect_str_eq(e->object, "SIGUSR1");
	cr_expect_eq(e->msgs, 7);
	cr_expect_eq(e->d_msgs, 2);
	cr_expect(!SIGX(s, e)->has_delivery);
	snapshot_free(s);
}

Test(model, lost_counters)
{
	struct model_lost lost = { .events = 3, .map_full = 4 };
	struct snapshot *s;

	model_set_lost(m, &lost);
	s = model_snapshot(m, true, true, 2.0, 42, NULL);
	cr_assert_not_null(s);
	cr_expect_eq(s->lost.events, 3);
	cr_expect_eq(s->lost.map_full, 4);
	cr_expect(s->final);
	cr_expect_eq(s->wall_sec, 42);
	cr_expect_eq(s->elapsed_s, 2.0);
	snapshot_free(s);
}

Test(model, many_endpoints_fast, .timeout = 20)
{
	struct snapshot *s;
	struct timespec t0, t1;
	double sec;
	uint32_t i;

	/* 100k endpoints (50k 1:1 pipes) plus one object shared by 300 x 300. */
	for (i = 0; i < 50000; i++) {
		feed_ep(m, P(1000 + i), "w", MECH_PIPE, 0, 100000 + i, 1, 1 + i, 0);
		feed_ep(m, P(200000 + i), "r", MECH_PIPE, 1, 100000 + i, 1, 1 + i, 0);
	}
	for (i = 0; i < 300; i++) {
		feed_ep(m, P(500000 + i), "mw", MECH_PIPE, 0, 42, 1, 10, 0);
		feed_ep(m, P(600000 + i), "mr", MECH_PIPE, 1, 42, 1, 10, 0);
	}
	clock_gettime(CLOCK_MONOTONIC, &t0);
	s = snap(1.0, NULL);
	clock_gettime(CLOCK_MONOTONIC, &t1);
	snapshot_free(s);
	s = snap(2.0, NULL);
	sec = (t1.tv_sec - t0.tv_sec) + (t1.tv_nsec - t0.tv_nsec) / 1e9;
	cr_expect_eq(s->n_edges, 50000 + 300 * 300);
	cr_expect_eq(s->n_procs, 100000 + 600);
	cr_expect_eq(s->edges[0].bytes, 50000);
	/* Quadratic over all endpoints would take tens of seconds. */
	cr_expect_lt(sec, 3.0, "snapshot took %.2fs", sec);
	snapshot_free(s);
}

/* A wake-up of a pipe's reader by its writer, and one of the writer by the reader (room). */
static void wake_obs(uint32_t waker, uint32_t wakee, bool back, uint64_t n, uint64_t ns, bool taken)
{
	struct model_wake w = {
		.mech = MECH_PIPE, .back = back, .waker = P(waker), .wakee = P(wakee),
		.obj_a = 0xc, .obj_b = 8425, .wakes = n, .blocked_ns = ns,
	};

	if (taken)
		model_wake_unmapped(m, &w);
	else
		model_update_wake(m, &w);
}

Test(model, wakes_on_the_pipe_edge_both_ways)
{
	struct snapshot *s;
	const struct edge *e;

	feed_ep(m, P(101), "producer", MECH_PIPE, 0, 8425, 10, 640, 111);
	feed_ep(m, P(102), "consumer", MECH_PIPE, 1, 8425, 10, 640, 222);
	wake_obs(101, 102, false, 7, 700, false);
	wake_obs(102, 101, true, 3, 300, false);
	s = snap(1.0, NULL);
	cr_assert_eq(s->n_edges, 1, "wake-ups make no edge of their own here");
	e = must_edge(s, 101, 102, "pipe:[8425]");
	cr_expect_eq(e->wakes, 7);
	cr_expect_eq(e->wake_blocked_ns, 700);
	cr_expect_eq(e->back_wakes, 3);
	cr_expect_eq(e->back_wake_blocked_ns, 300);
	cr_expect_eq(e->d_wakes, 7);
	snapshot_free(s);
}

Test(model, wakes_without_a_data_edge_are_an_edge)
{
	struct snapshot *s;
	const struct edge *e;

	wake_obs(101, 102, false, 2, 20, false);
	s = snap(1.0, NULL);
	cr_assert_eq(s->n_edges, 1);
	e = must_edge(s, 101, 102, "pipe:[8425]");
	cr_expect_eq(e->msgs, 0);
	cr_expect_eq(e->wakes, 2);
	snapshot_free(s);
}

/* A map entry taken out (its waker gone) keeps its counts; a new entry adds on top. */
Test(model, wakes_survive_their_map_entry)
{
	struct snapshot *s;
	const struct edge *e;

	feed_ep(m, P(101), "producer", MECH_PIPE, 0, 8425, 10, 640, 111);
	feed_ep(m, P(102), "consumer", MECH_PIPE, 1, 8425, 10, 640, 222);
	wake_obs(101, 102, false, 3, 300, false);
	wake_obs(101, 102, false, 5, 500, true);  /* taken with its last values */
	wake_obs(101, 102, false, 2, 200, false); /* a wait that returned after */
	s = snap(1.0, NULL);
	e = must_edge(s, 101, 102, "pipe:[8425]");
	cr_expect_eq(e->wakes, 7);
	cr_expect_eq(e->wake_blocked_ns, 700);
	snapshot_free(s);
}

// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * Long runs: reports that carry what changed, and retention: what exited
 * processes left behind folds into aggregates by name, and the edges left
 * stay exact.
 */
#include <criterion/criterion.h>
#include <signal.h>
#include <string.h>
#include "unit/testutil.h"

#define SEC 1000000000ull
#define RETENTION (10 * SEC)

static struct model *m;

static void setup(void)
{
	m = model_new();
	cr_assert_not_null(m);
	model_set_retention(m, RETENTION);
	model_set_clock(m, 1 * SEC);
}

static void teardown(void)
{
	model_free(m);
}

TestSuite(fold, .init = setup, .fini = teardown);

static struct snapshot *snap(bool full)
{
	struct snapshot *s = model_snapshot(m, false, full, 1.0, 1700000000, NULL);

	cr_assert_not_null(s);
	return s;
}

/* p exits now and the collector reaps it. */
static void gone(struct proc_ref p)
{
	model_proc_exit(m, p, 0);
	model_mark_reaped(m, p);
}

static const struct edge *folded_edge(const struct snapshot *s, const char *src, const char *dst,
				      const char *kind)
{
	for (size_t i = 0; i < s->n_edges; i++) {
		const struct edge *e = &s->edges[i];

		if (e->folded && !strcmp(e->src.comm, src) && !strcmp(e->dst.comm, dst) &&
		    !strcmp(e->object, kind))
			return e;
	}
	return NULL;
}

Test(fold, interval_reports_carry_what_changed)
{
	struct snapshot *s;

	feed_ep(m, P(1), "w", MECH_PIPE, 0, 7, 10, 100, 0);
	feed_ep(m, P(2), "r", MECH_PIPE, 1, 7, 10, 100, 0);
	feed_ep(m, P(3), "w2", MECH_PIPE, 0, 8, 1, 1, 0);
	feed_ep(m, P(4), "r2", MECH_PIPE, 1, 8, 1, 1, 0);
	s = snap(false);
	cr_expect_eq(s->n_edges, 2, "new edges are changes");
	cr_expect_not(s->full);
	snapshot_free(s);

	s = snap(false);
	cr_expect_eq(s->n_edges, 0, "nothing moved: nothing to report");
	cr_expect_eq(s->n_procs, 0);
	snapshot_free(s);

	feed_ep(m, P(1), "w", MECH_PIPE, 0, 7, 11, 110, 0);
	feed_ep(m, P(2), "r", MECH_PIPE, 1, 7, 11, 110, 0);
	s = snap(false);
	cr_assert_eq(s->n_edges, 1);
	cr_expect_eq(s->edges[0].bytes, 110, "cumulative");
	cr_expect_eq(s->edges[0].d_bytes, 10, "and the interval's");
	cr_expect_eq(s->n_procs, 2, "the processes of the edges shown");
	snapshot_free(s);

	/* blocked time alone is a change too */
	feed_ep(m, P(4), "r2", MECH_PIPE, 1, 8, 1, 1, 5000);
	s = snap(false);
	cr_assert_eq(s->n_edges, 1);
	cr_expect_eq(s->edges[0].blocked_dst_ns, 5000);
	snapshot_free(s);

	s = snap(true);
	cr_expect_eq(s->n_edges, 2, "full: everything");
	cr_expect(s->full);
	snapshot_free(s);
}

Test(fold, pipeline_folds_once_both_ends_are_gone_and_idle)
{
	struct snapshot *s;
	const struct edge *e;

	model_proc_fork(m, P(1), 100, "producer");
	model_proc_fork(m, P(2), 100, "consumer");
	feed_ep(m, P(1), "producer", MECH_PIPE, 0, 7, 10, 640, 30);
	feed_ep(m, P(2), "consumer", MECH_PIPE, 1, 7, 12, 640, 70);
	gone(P(1));
	gone(P(2));

	/* not idle for the retention period yet */
	model_set_clock(m, 1 * SEC + RETENTION - 1);
	cr_assert_eq(model_fold(m), 0);
	s = snap(true);
	cr_expect_not_null(find_edge(s, 1, 2, "pipe:[7]"), "kept with its pids");
	snapshot_free(s);

	model_set_clock(m, 1 * SEC + RETENTION);
	cr_assert_eq(model_fold(m), 0);
	s = snap(true);
	cr_expect_null(find_edge(s, 1, 2, "pipe:[7]"));
	e = folded_edge(s, "producer", "consumer", "pipe");
	cr_assert_not_null(e);
	cr_expect_eq(e->folded, 1);
	cr_expect_eq(e->msgs, 10);
	cr_expect_eq(e->bytes, 640);
	cr_expect_eq(e->blocked_src_ns, 30);
	cr_expect_eq(e->blocked_dst_ns, 70);
	cr_expect(e->exact);
	cr_expect_eq(e->src.pid, 0);
	cr_expect_eq(s->n_procs, 0, "an aggregate's ends are names, not processes");
	snapshot_free(s);
	cr_expect_null(model_proc_find(m, P(1)), "gone and no longer an end: dropped");
	cr_expect_null(model_proc_find(m, P(2)));

	/* an aggregate is history, not activity: interval reports leave it out */
	s = snap(false);
	cr_expect_eq(s->n_edges, 0);
	snapshot_free(s);
}

Test(fold, same_names_fold_together)
{
	struct snapshot *s;
	const struct edge *e;

	for (uint32_t i = 0; i < 5; i++) {
		feed_ep(m, P(10 + 2 * i), "echo", MECH_PIPE, 0, 100 + i, 1, 6, 0);
		feed_ep(m, P(11 + 2 * i), "cat", MECH_PIPE, 1, 100 + i, 1, 6, 0);
		gone(P(10 + 2 * i));
		gone(P(11 + 2 * i));
	}
	model_set_clock(m, 1 * SEC + RETENTION);
	cr_assert_eq(model_fold(m), 0);
	s = snap(true);
	cr_assert_eq(s->n_edges, 1);
	e = folded_edge(s, "echo", "cat", "pipe");
	cr_assert_not_null(e);
	cr_expect_eq(e->folded, 5);
	cr_expect_eq(e->msgs, 5);
	cr_expect_eq(e->bytes, 30);
	snapshot_free(s);
}

/* Several writers and one live reader: the reader keeps only what the writers left sent. */
Test(fold, live_reader_keeps_exact_counts)
{
	struct snapshot *s;
	const struct edge *e;

	model_proc_fork(m, P(3), 1, "server");
	feed_ep(m, P(1), "w1", MECH_FIFO, 0, 9, 4, 100, 0);
	feed_ep(m, P(2), "w2", MECH_FIFO, 0, 9, 2, 50, 0);
	feed_ep(m, P(3), "server", MECH_FIFO, 1, 9, 6, 150, 0);
	gone(P(1));
	model_set_clock(m, 1 * SEC + RETENTION);
	cr_assert_eq(model_fold(m), 0);

	s = snap(true);
	e = folded_edge(s, "w1", "server", "fifo");
	cr_assert_not_null(e);
	cr_expect_eq(e->bytes, 100);
	cr_expect_eq(e->msgs, 4);
	/* w2 -> server is 1:1 now: its bytes are what the server read, less w1's */
	e = find_edge(s, 2, 3, "fifo:[9]");
	cr_assert_not_null(e);
	cr_expect_eq(e->msgs, 2);
	cr_expect_eq(e->bytes, 50);
	cr_expect(e->exact);
	snapshot_free(s);
	cr_expect_not_null(model_proc_find(m, P(3)), "alive: kept");

	/* the maps keep counting from where they were: the offsets hold */
	model_set_clock(m, 2 * SEC + RETENTION);
	feed_ep(m, P(2), "w2", MECH_FIFO, 0, 9, 3, 80, 0);
	feed_ep(m, P(3), "server", MECH_FIFO, 1, 9, 7, 180, 0);
	s = snap(true);
	e = find_edge(s, 2, 3, "fifo:[9]");
	cr_assert_not_null(e);
	cr_expect_eq(e->msgs, 3);
	cr_expect_eq(e->bytes, 80);
	snapshot_free(s);
}

/* One writer gone, one live reader: the reader starts afresh for the next writer. */
Test(fold, live_reader_of_a_gone_writer)
{
	struct snapshot *s;
	const struct edge *e;

	feed_ep(m, P(1), "w", MECH_PIPE, 0, 5, 3, 300, 0);
	feed_ep(m, P(2), "r", MECH_PIPE, 1, 5, 5, 300, 40);
	gone(P(1));
	model_set_clock(m, 1 * SEC + RETENTION);
	cr_assert_eq(model_fold(m), 0);
	s = snap(true);
	cr_expect_eq(s->n_edges, 1, "only the aggregate");
	cr_expect_not_null(folded_edge(s, "w", "r", "pipe"));
	snapshot_free(s);

	feed_ep(m, P(4), "w2", MECH_PIPE, 0, 5, 1, 10, 0);
	feed_ep(m, P(2), "r", MECH_PIPE, 1, 5, 6, 310, 40);
	s = snap(true);
	e = find_edge(s, 4, 2, "pipe:[5]");
	cr_assert_not_null(e);
	cr_expect_eq(e->msgs, 1);
	cr_expect_eq(e->bytes, 10, "the gone writer's 300 bytes are not counted twice");
	snapshot_free(s);
}

Test(fold, nothing_folds_while_alive_or_active)
{
	struct snapshot *s;

	feed_ep(m, P(1), "w", MECH_PIPE, 0, 5, 3, 300, 0);
	feed_ep(m, P(2), "r", MECH_PIPE, 1, 5, 3, 300, 0);
	model_set_clock(m, 1 * SEC + 5 * RETENTION);
	cr_assert_eq(model_fold(m), 0);
	s = snap(true);
	cr_expect_not_null(find_edge(s, 1, 2, "pipe:[5]"), "both alive");
	snapshot_free(s);

	gone(P(1));
	/* the reader still reads what the writer left in the pipe */
	feed_ep(m, P(2), "r", MECH_PIPE, 1, 5, 4, 300, 10);
	model_set_clock(m, 1 * SEC + 5 * RETENTION + RETENTION / 2);
	cr_assert_eq(model_fold(m), 0);
	s = snap(true);
	cr_expect_not_null(find_edge(s, 1, 2, "pipe:[5]"), "changed within the retention period");
	snapshot_free(s);
}

Test(fold, signals_to_a_live_parent)
{
	struct snapshot *s;
	const struct edge *e;

	model_proc_fork(m, P(1), 0, "shell");
	for (uint32_t c = 2; c < 5; c++) {
		model_proc_fork(m, P(c), 1, "child");
		feed_sig(m, P(c), "child", P(1), SIGCHLD, 1 /* CLD_EXITED */, 1);
		gone(P(c));
	}
	feed_sig(m, P(1), "shell", P(9), SIGTERM, 0, 2);
	model_set_clock(m, 1 * SEC + RETENTION);
	cr_assert_eq(model_fold(m), 0);
	s = snap(true);
	e = folded_edge(s, "child", "shell", "SIGCHLD");
	cr_assert_not_null(e);
	cr_expect_eq(e->folded, 3);
	cr_expect_eq(e->msgs, 3);
	cr_expect_not_null(find_edge(s, 1, 9, "SIGTERM"), "both ends alive: kept");
	snapshot_free(s);
	cr_expect_not_null(model_proc_find(m, P(1)));
	cr_expect_null(model_proc_find(m, P(2)));
}

Test(fold, zero_retention_keeps_everything)
{
	struct snapshot *s;

	model_set_retention(m, 0);
	feed_ep(m, P(1), "w", MECH_PIPE, 0, 5, 3, 300, 0);
	feed_ep(m, P(2), "r", MECH_PIPE, 1, 5, 3, 300, 0);
	gone(P(1));
	gone(P(2));
	model_set_clock(m, 1000 * SEC);
	cr_assert_eq(model_fold(m), 0);
	s = snap(true);
	cr_expect_not_null(find_edge(s, 1, 2, "pipe:[5]"));
	snapshot_free(s);
}

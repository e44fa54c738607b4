// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * Futexes: an edge per (waker, wakee, word) wake-up entry, each end's own
 * calls on the word beside it, named by the file the word lives in; and
 * retention of what exited processes left.
 */
#include <criterion/criterion.h>
#include <stdio.h>
#include <string.h>
#include "output/render.h"
#include "unit/testutil.h"

#define SEC 1000000000ull

static struct model *m;

static void setup(void)
{
	m = model_new();
	cr_assert_not_null(m);
	model_set_clock(m, 1 * SEC);
}

static void teardown(void)
{
	model_free(m);
}

TestSuite(futex, .init = setup, .fini = teardown);

/* A word's key: obj_a = s_dev << 32 | offset, obj_b = inode */
#define WORD_A(dev, off) (((uint64_t)(dev) << 32) | (off))

static void calls(uint32_t pid, uint64_t a, uint64_t b, uint64_t waits, uint64_t wait_ns,
		  uint64_t wake_calls)
{
	struct futex_obs o = { .proc = P(pid), .obj_a = a, .obj_b = b, .waits = waits,
			       .wait_ns = wait_ns, .wake_calls = wake_calls };

	snprintf(o.comm, sizeof(o.comm), "p%u", pid);
	futex_update_calls(m, &o);
}

static void wake(uint32_t waker, uint32_t wakee, uint64_t a, uint64_t b, uint64_t wakes,
		 uint64_t blocked, uint64_t owner_died)
{
	struct wake_obs o = { .mech = MECH_FUTEX, .waker = P(waker), .wakee = P(wakee),
			      .obj_a = a, .obj_b = b, .wakes = wakes, .blocked_ns = blocked,
			      .owner_died = owner_died };

	snprintf(o.wakee_comm, sizeof(o.wakee_comm), "p%u", wakee);
	futex_update_wake(m, &o);
}

static struct snapshot *snap(void)
{
	struct snapshot *s = model_snapshot(m, false, true, 1.0, 1700000000, NULL);

	cr_assert_not_null(s);
	return s;
}

static const struct edge *futex_edge(const struct snapshot *s, uint32_t src, uint32_t dst,
				     const char *object)
{
	const struct edge *e = find_edge(s, src, dst, object);

	cr_assert_not_null(e, "no futex edge %u -> %u on %s", src, dst, object);
	cr_expect_eq(e->mech, MECH_FUTEX);
	return e;
}

/* futex_raw's ping-pong: each side's wakes, waits and wake calls, exactly. */
Test(futex, ping_pong)
{
	struct snapshot *s;
	const struct edge *e;

	model_set_object_name(m, MECH_FUTEX, WORD_A(0x1a, 0), 700, "memfd:ipctrace-futex");
	calls(101, WORD_A(0x1a, 0x40), 700, 10, 9000, 10);
	calls(102, WORD_A(0x1a, 0x40), 700, 10, 8000, 11);
	wake(101, 102, WORD_A(0x1a, 0x40), 700, 10, 7500, 0);
	wake(102, 101, WORD_A(0x1a, 0x40), 700, 9, 8500, 0);
	s = snap();
	cr_assert_eq(s->n_edges, 2);
	e = futex_edge(s, 101, 102, "futex:memfd:ipctrace-futex+0x40");
	cr_expect(e->exact);
	cr_expect_eq(e->msgs, 10);
	cr_expect_eq(e->bytes, 0);
	cr_expect_eq(e->wakes, 10);
	cr_expect_eq(e->wake_blocked_ns, 7500);
	cr_expect_eq(FUTX(s, e)->waits, 10);      /* 102's */
	cr_expect_eq(FUTX(s, e)->wake_calls, 10); /* 101's */
	cr_expect_eq(FUTX(s, e)->owner_died, 0);
	e = futex_edge(s, 102, 101, "futex:memfd:ipctrace-futex+0x40");
	cr_expect_eq(e->wakes, 9);
	cr_expect_eq(FUTX(s, e)->waits, 10);
	cr_expect_eq(FUTX(s, e)->wake_calls, 11);
	snapshot_free(s);
}

/* Waits and wake calls alone, with nobody released: no edge. */
Test(futex, no_wake_no_edge)
{
	struct snapshot *s;

	calls(101, WORD_A(0x1a, 0), 700, 3, 3000, 0); /* timed out */
	calls(102, WORD_A(0x1a, 0), 700, 0, 0, 5);    /* woke nobody */
	s = snap();
	cr_expect_eq(s->n_edges, 0);
	snapshot_free(s);
}

/* Each word of a file is its own object; the file's name is shared. */
Test(futex, words_of_one_file)
{
	struct snapshot *s;

	model_set_object_name(m, MECH_FUTEX, WORD_A(0x1a, 0), 900, "/dev/shm/x");
	/* named before its first wake-up is read, as the collector does */
	wake(101, 102, WORD_A(0x1a, 0x40), 900, 1, 10, 0);
	wake(101, 102, WORD_A(0x1a, 0x1000), 900, 2, 20, 0);
	wake(103, 102, WORD_A(0x1b, 0x8), 901, 3, 30, 0); /* a file with no name yet */
	s = snap();
	cr_assert_eq(s->n_edges, 3);
	cr_expect_eq(futex_edge(s, 101, 102, "futex:/dev/shm/x+0x40")->msgs, 1);
	cr_expect_eq(futex_edge(s, 101, 102, "futex:/dev/shm/x+0x1000")->msgs, 2);
	cr_expect_eq(futex_edge(s, 103, 102, "futex:[901]+0x8")->msgs, 3);
	snapshot_free(s);
}

/* The model forgets an unused name after a while; an edge keeps showing it. */
Test(futex, name_outlives_the_model_s)
{
	struct snapshot *s;

	model_set_object_name(m, MECH_FUTEX, WORD_A(0x1a, 0), 900, "shm:32769");
	wake(101, 102, WORD_A(0x1a, 0x40), 900, 1, 10, 0);
	model_set_object_name(m, MECH_FUTEX, WORD_A(0x1a, 0), 900, NULL);
	wake(101, 102, WORD_A(0x1a, 0x40), 900, 2, 20, 0);
	s = snap();
	futex_edge(s, 101, 102, "futex:shm:32769+0x40");
	snapshot_free(s);
}

/* A robust lock's owner died holding it: the wake says so. */
Test(futex, owner_died)
{
	struct snapshot *s;
	const struct edge *e;
	char *json, *table;

	model_set_object_name(m, MECH_FUTEX, WORD_A(0x1a, 0), 900, "/dev/shm/m");
	calls(102, WORD_A(0x1a, 0), 900, 1, 5000, 0);
	wake(101, 102, WORD_A(0x1a, 0), 900, 1, 5000, 1);
	s = snap();
	e = futex_edge(s, 101, 102, "futex:/dev/shm/m+0x0");
	cr_expect_eq(FUTX(s, e)->owner_died, 1);
	json = render_json_str(s);
	cr_expect(ndjson_valid(json));
	cr_expect(strstr(json, "\"mech\":\"futex\"") != NULL, "%s", json);
	cr_expect(strstr(json, "\"wakes\":1,\"wake_blocked_ns\":5000,\"waits\":1,"
			       "\"wake_calls\":0,\"owner_died\":1") != NULL, "%s", json);
	table = render_table_str(s, false);
	cr_expect(strstr(table, "owner died 1") != NULL, "%s", table);
	free(json);
	free(table);
	snapshot_free(s);
}

/* Gone and idle for the retention period: folded by name and kind of file. */
Test(futex, folds_by_name_and_file_kind)
{
	struct snapshot *s;
	bool found = false;

	model_set_retention(m, 10 * SEC);
	model_set_object_name(m, MECH_FUTEX, WORD_A(0x1a, 0), 900, "anon[900]");
	calls(101, WORD_A(0x1a, 0x40), 900, 4, 400, 4);
	calls(102, WORD_A(0x1a, 0x40), 900, 4, 400, 4);
	wake(101, 102, WORD_A(0x1a, 0x40), 900, 4, 400, 0);
	model_proc_exit(m, P(101), 0);
	model_mark_reaped(m, P(101));
	model_set_clock(m, 12 * SEC);
	cr_assert_eq(model_fold(m), 0);
	s = snap();
	for (size_t i = 0; i < s->n_edges; i++) {
		const struct edge *e = &s->edges[i];

		if (e->folded && !strcmp(e->object, "futex:anon") &&
		    !strcmp(e->src.comm, "p101") && !strcmp(e->dst.comm, "p102")) {
			cr_expect_eq(e->msgs, 4);
			found = true;
		}
	}
	cr_expect(found, "no folded futex:anon edge p101 -> p102");
	cr_expect_null(find_edge(s, 101, 102, "futex:anon[900]+0x40"));
	snapshot_free(s);
}

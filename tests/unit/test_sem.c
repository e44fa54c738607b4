// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* Semaphores: post -> wait edges with their wake-ups. */
#include <criterion/criterion.h>
#include <stdio.h>
#include <string.h>
#include "output/render.h"
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

TestSuite(sem, .init = setup, .fini = teardown);

#define IPCNS 4026531839ull
/* SysV: obj_b = semid << 16 | sem_num */
#define SYSV(semid, num) (((uint64_t)(semid) << 16) | (num))
/* POSIX: obj_a = s_dev << 32 | offset, obj_b = inode */
#define PSEM_A(dev, off) (((uint64_t)(dev) << 32) | (off))

static void sem_ep(uint32_t pid, int dir, uint64_t a, uint64_t b, uint64_t ops, uint64_t units,
		   uint64_t blocked)
{
	struct ep_obs o = { .proc = P(pid), .mech = MECH_SEM, .dir = dir, .obj_a = a, .obj_b = b,
			    .ops = ops, .bytes = units, .blocked_ns = blocked };

	snprintf(o.comm, sizeof(o.comm), "p%u", pid);
	model_update_endpoint(m, &o);
}

static void wake(uint32_t waker, uint32_t wakee, uint64_t a, uint64_t b, uint64_t wakes,
		 uint64_t blocked)
{
	struct wake_obs o = { .mech = MECH_SEM, .waker = P(waker), .wakee = P(wakee), .obj_a = a,
			      .obj_b = b, .wakes = wakes, .blocked_ns = blocked };

	snprintf(o.wakee_comm, sizeof(o.wakee_comm), "p%u", wakee);
	sem_update_wake(m, &o);
}

static struct snapshot *snap(void)
{
	struct snapshot *s = model_snapshot(m, false, true, 1.0, 1700000000, NULL);

	cr_assert_not_null(s);
	return s;
}

static const struct edge *sem_edge(const struct snapshot *s, uint32_t src, uint32_t dst,
				   const char *object)
{
	const struct edge *e = find_edge(s, src, dst, object);

	cr_assert_not_null(e, "no sem edge %u -> %u on %s", src, dst, object);
	cr_expect_eq(e->mech, MECH_SEM);
	return e;
}

/* The producer/consumer pair of examples/sysv_shm_sem.c, 10 items. */
Test(sem, one_poster_one_waiter)
{
	struct snapshot *s;
	const struct edge *e;

	sem_ep(101, 0, IPCNS, SYSV(5, 1), 10, 10, 50);   /* posts on items */
	sem_ep(102, 1, IPCNS, SYSV(5, 1), 10, 10, 9000); /* waits on items */
	wake(101, 102, IPCNS, SYSV(5, 1), 10, 8000);
	sem_ep(102, 0, IPCNS, SYSV(5, 0), 10, 10, 40);   /* posts on slots */
	sem_ep(101, 1, IPCNS, SYSV(5, 0), 10, 10, 7000); /* waits on slots */
	wake(102, 101, IPCNS, SYSV(5, 0), 9, 6500);
	s = snap();
	cr_assert_eq(s->n_edges, 2);
	e = sem_edge(s, 101, 102, "sem:5[1]");
	cr_expect(e->exact);
	cr_expect_eq(e->msgs, 10);
	cr_expect_eq(e->bytes, 10);
	cr_expect_eq(SEMX(s, e)->posts, 10);
	cr_expect_eq(SEMX(s, e)->waits, 10);
	cr_expect_eq(e->wakes, 10);
	cr_expect_eq(e->wake_blocked_ns, 8000);
	cr_expect_eq(e->blocked_src_ns, 50);
	cr_expect_eq(e->blocked_dst_ns, 9000);
	e = sem_edge(s, 102, 101, "sem:5[0]");
	cr_expect_eq(e->wakes, 9);
	cr_expect_eq(e->wake_blocked_ns, 6500);
	snapshot_free(s);
}

/* Posts that never had to wake anybody: an edge without wake-ups. */
Test(sem, uncontended)
{
	struct snapshot *s;
	const struct edge *e;

	sem_ep(101, 0, IPCNS, SYSV(7, 0), 3, 6, 10); /* op +2, three times */
	sem_ep(102, 1, IPCNS, SYSV(7, 0), 6, 6, 10);
	s = snap();
	e = sem_edge(s, 101, 102, "sem:7[0]");
	cr_expect_eq(e->msgs, 3);
	cr_expect_eq(e->bytes, 6);
	cr_expect_eq(SEMX(s, e)->waits, 6);
	cr_expect_eq(e->wakes, 0);
	snapshot_free(s);
}

/* semctl(SETVAL) woke a waiter: no post, still a wake-up edge. */
Test(sem, wake_without_post)
{
	struct snapshot *s;
	const struct edge *e;

	sem_ep(102, 1, IPCNS, SYSV(9, 2), 1, 1, 1000);
	wake(101, 102, IPCNS, SYSV(9, 2), 1, 900);
	s = snap();
	cr_assert_eq(s->n_edges, 1);
	e = sem_edge(s, 101, 102, "sem:9[2]");
	cr_expect(e->exact);
	cr_expect_eq(e->msgs, 0);
	cr_expect_eq(e->wakes, 1);
	cr_expect_eq(e->wake_blocked_ns, 900);
	cr_expect_str_eq(e->dst.comm, "p102");
	snapshot_free(s);
}

/* Two posters, two waiters: post counts are apportioned, wake-ups are exact per pair. */
Test(sem, many_to_many)
{
	struct snapshot *s;
	const struct edge *e;

	sem_ep(101, 0, IPCNS, SYSV(3, 0), 30, 30, 0);
	sem_ep(102, 0, IPCNS, SYSV(3, 0), 10, 10, 0);
	sem_ep(103, 1, IPCNS, SYSV(3, 0), 20, 20, 0);
	sem_ep(104, 1, IPCNS, SYSV(3, 0), 20, 20, 0);
	wake(101, 103, IPCNS, SYSV(3, 0), 7, 700);
	wake(102, 104, IPCNS, SYSV(3, 0), 2, 200);
	s = snap();
	cr_assert_eq(s->n_edges, 4);
	e = sem_edge(s, 101, 103, "sem:3[0]");
	cr_expect_not(e->exact);
	cr_expect_eq(e->msgs, 15);
	cr_expect_eq(e->wakes, 7);
	cr_expect_eq(sem_edge(s, 101, 104, "sem:3[0]")->wakes, 0);
	cr_expect_eq(sem_edge(s, 102, 104, "sem:3[0]")->wakes, 2);
	cr_expect_eq(sem_edge(s, 102, 103, "sem:3[0]")->wakes, 0);
	snapshot_free(s);
}

/* Wake-up counters are cumulative: the latest read replaces, deltas stay sane. */
Test(sem, cumulative_updates)
{
	struct snapshot *s;

	sem_ep(101, 0, IPCNS, SYSV(5, 1), 4, 4, 0);
	sem_ep(102, 1, IPCNS, SYSV(5, 1), 4, 4, 0);
	wake(101, 102, IPCNS, SYSV(5, 1), 4, 400);
	s = snap();
	cr_expect_eq(sem_edge(s, 101, 102, "sem:5[1]")->d_msgs, 4);
	snapshot_free(s);
	sem_ep(101, 0, IPCNS, SYSV(5, 1), 9, 9, 0);
	sem_ep(102, 1, IPCNS, SYSV(5, 1), 9, 9, 0);
	wake(101, 102, IPCNS, SYSV(5, 1), 8, 800);
	s = snap();
	cr_expect_eq(sem_edge(s, 101, 102, "sem:5[1]")->wakes, 8);
	cr_expect_eq(sem_edge(s, 101, 102, "sem:5[1]")->d_msgs, 5);
	snapshot_free(s);
}

/* POSIX: unnamed in shared memory by page key, named after sem_open's name. */
Test(sem, posix_names)
{
	struct snapshot *s;

	sem_ep(101, 0, PSEM_A(0x1a, 64), 555, 2, 2, 0);
	sem_ep(102, 1, PSEM_A(0x1a, 64), 555, 2, 2, 0);
	sem_ep(101, 0, PSEM_A(0x1a, 0), 556, 1, 1, 0);
	sem_ep(102, 1, PSEM_A(0x1a, 0), 556, 1, 1, 0);
	model_set_object_name(m, MECH_SEM, PSEM_A(0x1a, 0), 556, "psem:/items");
	wake(101, 102, PSEM_A(0x1a, 0), 556, 1, 10);
	s = snap();
	sem_edge(s, 101, 102, "psem:[555+64]");
	cr_expect_eq(sem_edge(s, 101, 102, "psem:/items")->wakes, 1);
	snapshot_free(s);
}

Test(sem, renderers)
{
	struct snapshot *s;
	char *json, *table, *dot;

	sem_ep(101, 0, IPCNS, SYSV(5, 1), 10, 10, 0);
	sem_ep(102, 1, IPCNS, SYSV(5, 1), 10, 10, 0);
	wake(101, 102, IPCNS, SYSV(5, 1), 3, 4000);
	s = snap();
	json = render_json_str(s);
	cr_expect(ndjson_valid(json));
	cr_expect(strstr(json, "\"wakes\":3,\"wake_blocked_ns\":4000,\"posts\":10,\"waits\":10") !=
		  NULL, "%s", json);
	table = render_table_str(s, false);
	cr_expect(strstr(table, "wake 3") != NULL, "%s", table);
	dot = render_dot_str(s);
	cr_expect(strstr(dot, "10 posts, 3 wakes") != NULL, "%s", dot);
	free(json);
	free(table);
	free(dot);
	snapshot_free(s);
}

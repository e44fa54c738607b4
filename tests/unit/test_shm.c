// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* Shared memory: attach periods joined into "attached together" edges. */
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

TestSuite(shm, .init = setup, .fini = teardown);

#define DEV 0x1a
#define INO 77

static void ev(int type, uint32_t pid, uint64_t ts)
{
	struct shm_obs o = { .type = type, .proc = P(pid), .ts_ns = ts, .dev = DEV, .ino = INO,
			     .shmid = -1, .key = -1 };

	snprintf(o.comm, sizeof(o.comm), "p%u", pid);
	shm_event(m, &o);
}

/* An attach of a POSIX shm file (path name) of 4096 bytes. */
static void attach(uint32_t pid, uint64_t ts)
{
	struct shm_obs o = { .type = SHM_OBS_ATTACH, .proc = P(pid), .ts_ns = ts, .dev = DEV,
			     .ino = INO, .size = 4096, .shmid = -1, .key = -1,
			     .name = "/dev/shm/ring" };

	snprintf(o.comm, sizeof(o.comm), "p%u", pid);
	shm_event(m, &o);
}

static void detach(uint32_t pid, uint64_t ts)
{
	ev(SHM_OBS_DETACH, pid, ts);
}

static void gone(uint32_t pid, uint64_t ts)
{
	ev(SHM_OBS_GONE, pid, ts);
}

static void fork_(uint32_t parent, uint32_t child, uint64_t ts)
{
	struct shm_obs o = { .type = SHM_OBS_FORK, .proc = P(parent), .child = P(child),
			     .ts_ns = ts, .shmid = -1, .key = -1 };

	shm_event(m, &o);
}

static struct snapshot *snap(void)
{
	struct snapshot *s = model_snapshot(m, false, true, 1.0, 1700000000, NULL);

	cr_assert_not_null(s);
	return s;
}

static size_t count_mech(const struct snapshot *s, int mech)
{
	size_t n = 0;

	for (size_t i = 0; i < s->n_edges; i++)
		n += s->edges[i].mech == mech;
	return n;
}

static const struct edge *shm_edge(const struct snapshot *s, uint32_t src, uint32_t dst,
				   const char *object)
{
	const struct edge *e = find_edge(s, src, dst, object);

	cr_assert_not_null(e, "no shm edge %u -> %u on %s", src, dst, object);
	cr_expect_eq(e->mech, MECH_SHM);
	cr_expect(e->exact);
	cr_expect_eq(e->msgs, 0);
	cr_expect_eq(e->bytes, 0);
	return e;
}

Test(shm, overlap_of_two_periods)
{
	struct snapshot *s;
	const struct edge *e;

	attach(101, 100);
	attach(102, 200);
	detach(101, 500);
	detach(102, 700);
	s = snap();
	cr_assert_eq(s->n_edges, 1);
	e = shm_edge(s, 101, 102, "/dev/shm/ring");
	cr_expect_eq(SHMX(s, e)->size, 4096);
	cr_expect_eq(SHMX(s, e)->together_ns, 300);
	cr_expect_eq(SHMX(s, e)->key, -1);
	snapshot_free(s);
}

Test(shm, one_after_the_other_is_no_edge)
{
	struct snapshot *s;

	attach(101, 100);
	detach(101, 200);
	attach(102, 300);
	gone(102, 400);
	s = snap();
	cr_expect_eq(s->n_edges, 0);
	snapshot_free(s);
}

Test(shm, fork_inherits_and_exit_detaches)
{
	struct snapshot *s;
	const struct edge *e;

	attach(101, 100);
	fork_(101, 102, 150);
	gone(102, 400);
	detach(101, 600);
	s = snap();
	cr_assert_eq(s->n_edges, 1);
	/* the parent attached first: it is the source */
	e = shm_edge(s, 101, 102, "/dev/shm/ring");
	cr_expect_eq(SHMX(s, e)->together_ns, 250);
	snapshot_free(s);
}

Test(shm, fork_of_a_detached_parent_inherits_nothing)
{
	struct snapshot *s;

	attach(101, 100);
	detach(101, 120);
	fork_(101, 102, 150);
	attach(103, 160);
	gone(103, 300);
	s = snap();
	cr_expect_eq(s->n_edges, 0);
	snapshot_free(s);
}

/* Two mappings of one segment: attached until the last is gone. */
Test(shm, several_mappings_count)
{
	struct snapshot *s;

	attach(101, 100);
	attach(101, 110);
	attach(102, 200);
	detach(101, 300);   /* one mapping left */
	detach(102, 400);
	detach(101, 900);
	s = snap();
	cr_expect_eq(SHMX(s, shm_edge(s, 101, 102, "/dev/shm/ring"))->together_ns, 200);
	snapshot_free(s);
}

/* A detach whose attach predates tracing changes nothing. */
Test(shm, unseen_attach_is_ignored)
{
	struct snapshot *s;

	detach(101, 50);
	attach(102, 100);
	gone(102, 200);
	s = snap();
	cr_expect_eq(s->n_edges, 0);
	snapshot_free(s);
}

/* Periods still open count up to the clock of the snapshot. */
Test(shm, open_periods_run_to_now)
{
	struct snapshot *s;

	attach(101, 100);
	attach(102, 250);
	model_set_clock(m, 1000);
	s = snap();
	cr_expect_eq(SHMX(s, shm_edge(s, 101, 102, "/dev/shm/ring"))->together_ns, 750);
	snapshot_free(s);
	model_set_clock(m, 2000);
	detach(102, 1500);
	s = snap();
	cr_expect_eq(SHMX(s, shm_edge(s, 101, 102, "/dev/shm/ring"))->together_ns, 1250);
	snapshot_free(s);
}

/* Exec drops every mapping; attaching again opens a second period. */
Test(shm, periods_add_up)
{
	struct snapshot *s;

	attach(101, 0);
	fork_(101, 102, 100);
	gone(102, 150);     /* the child execs */
	attach(102, 300);   /* and maps the segment again */
	detach(102, 400);
	gone(101, 1000);
	s = snap();
	cr_assert_eq(s->n_edges, 1);
	cr_expect_eq(SHMX(s, shm_edge(s, 101, 102, "/dev/shm/ring"))->together_ns, 150);
	snapshot_free(s);
}

/* Every pair attached together is an edge; the first attacher is the source. */
Test(shm, three_processes)
{
	struct snapshot *s;

	attach(103, 100);
	attach(101, 200);
	attach(102, 300);
	gone(101, 400);
	gone(102, 500);
	gone(103, 600);
	s = snap();
	cr_assert_eq(count_mech(s, MECH_SHM), 3);
	cr_expect_eq(SHMX(s, shm_edge(s, 103, 101, "/dev/shm/ring"))->together_ns, 200);
	cr_expect_eq(SHMX(s, shm_edge(s, 103, 102, "/dev/shm/ring"))->together_ns, 200);
	cr_expect_eq(SHMX(s, shm_edge(s, 101, 102, "/dev/shm/ring"))->together_ns, 100);
	snapshot_free(s);
}

/* Attached at the same instant: the lower pid is the source. */
Test(shm, same_instant_orders_by_pid)
{
	struct snapshot *s;

	attach(202, 100);
	attach(201, 100);
	gone(201, 300);
	gone(202, 300);
	s = snap();
	cr_expect_eq(SHMX(s, shm_edge(s, 201, 202, "/dev/shm/ring"))->together_ns, 200);
	snapshot_free(s);
}

/* Two records of two CPUs a little out of order never give a negative time. */
Test(shm, out_of_order_close)
{
	struct snapshot *s;

	attach(101, 100);
	attach(102, 300);
	detach(101, 290);
	s = snap();
	cr_expect_eq(SHMX(s, shm_edge(s, 101, 102, "/dev/shm/ring"))->together_ns, 0);
	snapshot_free(s);
}

static void attach_named(uint32_t pid, uint64_t ino, int shmid, int64_t key, bool internal,
			 const char *name, uint64_t ts)
{
	struct shm_obs o = { .type = SHM_OBS_ATTACH, .proc = P(pid), .ts_ns = ts, .dev = DEV,
			     .ino = ino, .size = 100, .shmid = shmid, .key = key,
			     .internal = internal };

	snprintf(o.name, sizeof(o.name), "%s", name);
	shm_event(m, &o);
}

Test(shm, object_names)
{
	struct snapshot *s;
	const struct edge *e;

	attach_named(101, 1, 32769, 0x1234, true, "SYSV00001234", 0);
	attach_named(102, 1, 32769, 0x1234, true, "SYSV00001234", 0);
	attach_named(101, 2, -1, -1, true, "memfd:ring", 0);
	attach_named(102, 2, -1, -1, true, "memfd:ring", 0);
	attach_named(101, 3, -1, -1, true, "dev/zero", 0);
	attach_named(102, 3, -1, -1, true, "dev/zero", 0);
	attach_named(101, 4, -1, -1, false, "/dev/shm/x", 0);
	attach_named(102, 4, -1, -1, false, "/dev/shm/x", 0);
	model_set_clock(m, 10);
	s = snap();
	cr_assert_eq(s->n_edges, 4);
	e = shm_edge(s, 101, 102, "shm:32769");
	cr_expect_eq(SHMX(s, e)->key, 0x1234);
	cr_expect_eq(SHMX(s, e)->size, 100);
	shm_edge(s, 101, 102, "memfd:ring");
	shm_edge(s, 101, 102, "shm:anon[3]");
	shm_edge(s, 101, 102, "/dev/shm/x");
	snapshot_free(s);
}

/* A SysV segment inherited at fork: JSON, table and DOT say what is shared. */
Test(shm, renderers)
{
	struct snapshot *s;
	char *json, *table, *dot;

	attach_named(101, 1, 32769, 0x1234, true, "SYSV00001234", 0);
	fork_(101, 102, 40);
	gone(102, 100);
	s = snap();
	json = render_json_str(s);
	cr_expect(ndjson_valid(json));
	cr_expect(strstr(json, "\"mech\":\"shm\",\"object\":\"shm:32769\"") != NULL, "%s", json);
	cr_expect(strstr(json, "\"size\":100,\"together_ns\":60,\"key\":\"0x00001234\"") != NULL,
		  "%s", json);
	table = render_table_str(s, false);
	cr_expect(strstr(table, "size 100") != NULL, "%s", table);
	dot = render_dot_str(s);
	cr_expect(strstr(dot, "100 B shared") != NULL, "%s", dot);
	cr_expect(strstr(dot, "dir=none") != NULL, "%s", dot);
	free(json);
	free(table);
	free(dot);
	snapshot_free(s);
}

static void attach_seg(uint32_t pid, uint64_t ino, uint64_t ts)
{
	struct shm_obs o = { .type = SHM_OBS_ATTACH, .proc = P(pid), .ts_ns = ts, .dev = DEV,
			     .ino = ino, .size = 8192, .shmid = -1, .key = -1, .internal = true,
			     .name = "memfd:m" };

	shm_event(m, &o);
}

/* A fork hands over every segment the parent has attached, and only those. */
Test(shm, fork_with_several_segments)
{
	struct snapshot *s;

	attach_seg(101, 1, 0);
	attach_seg(101, 2, 0);
	attach_seg(101, 3, 0);
	ev(SHM_OBS_DETACH, 101, 5); /* segment INO (77) was never attached: no effect */
	{
		struct shm_obs o = { .type = SHM_OBS_DETACH, .proc = P(101), .ts_ns = 10,
				     .dev = DEV, .ino = 3 };

		shm_event(m, &o);
	}
	fork_(101, 102, 20);
	gone(102, 50);
	gone(101, 100);
	s = snap();
	cr_assert_eq(s->n_edges, 2);
	for (size_t i = 0; i < s->n_edges; i++) {
		cr_expect_eq(s->edges[i].src.pid, 101);
		cr_expect_eq(s->edges[i].dst.pid, 102);
		cr_expect_eq(SHMX(s, &s->edges[i])->together_ns, 30);
		cr_expect_str_eq(s->edges[i].object, "memfd:m");
	}
	snapshot_free(s);
}

/*
 * A long-lived holder and 20000 processes attaching one after the other:
 * each event costs the processes attached now, not every one ever seen.
 */
Test(shm, many_short_lived_attachers, .timeout = 10)
{
	struct snapshot *s;

	attach(1, 0);
	for (uint32_t pid = 1000; pid < 21000; pid++) {
		attach(pid, 10ull * pid);
		gone(pid, 10ull * pid + 5);
	}
	s = snap();
	cr_expect_eq(count_mech(s, MECH_SHM), 20000);
	cr_expect_eq(SHMX(s, shm_edge(s, 1, 20999, "/dev/shm/ring"))->together_ns, 5);
	snapshot_free(s);
}

/* ---- mmap: regular files mapped MAP_SHARED ---- */

#define FDEV 0x800002
#define FINO 4242

static void mmap_obs(int type, uint32_t pid, uint64_t ts, uint64_t len, bool writable)
{
	struct shm_obs o = { .type = type, .proc = P(pid), .ts_ns = ts, .scan_ns = 10,
			     .dev = FDEV, .ino = FINO, .mech = MECH_MMAP, .writable = writable,
			     .size = len, .shmid = -1, .key = -1, .name = "/var/lib/x/data.bin" };

	snprintf(o.comm, sizeof(o.comm), "p%u", pid);
	shm_event(m, &o);
}

static void mmap_ev(int type, uint32_t pid, uint64_t ts)
{
	struct shm_obs o = { .type = type, .proc = P(pid), .ts_ns = ts, .dev = FDEV, .ino = FINO,
			     .shmid = -1, .key = -1 };

	shm_event(m, &o);
}

Test(shm, mmap_read_only_on_both_sides_is_no_edge)
{
	struct snapshot *s;

	mmap_obs(SHM_OBS_ATTACH, 101, 100, 8192, false);
	mmap_obs(SHM_OBS_ATTACH, 102, 200, 8192, false);
	s = snap();
	cr_expect_eq(count_mech(s, MECH_MMAP), 0);
	snapshot_free(s);
}

Test(shm, mmap_one_writer_is_an_edge_with_its_extras)
{
	struct snapshot *s;
	const struct edge *e;
	char *json;

	mmap_obs(SHM_OBS_ATTACH, 101, 100, 5000, false);
	mmap_obs(SHM_OBS_ATTACH, 102, 200, 70000, true);
	mmap_ev(SHM_OBS_MSYNC, 102, 250);
	mmap_ev(SHM_OBS_MSYNC, 102, 260);
	mmap_ev(SHM_OBS_DETACH, 102, 300);
	s = snap();
	cr_assert_eq(count_mech(s, MECH_MMAP), 1);
	e = find_edge(s, 101, 102, "mmap:/var/lib/x/data.bin");
	cr_assert_not_null(e);
	cr_expect_eq(e->mech, MECH_MMAP);
	/* the longer of the two mappings */
	cr_expect_eq(SHMX(s, e)->size, 70000);
	cr_expect_eq(SHMX(s, e)->together_ns, 100);
	cr_expect(!SHMX(s, e)->writable[0] && SHMX(s, e)->writable[1]);
	cr_expect_eq(SHMX(s, e)->msyncs[0], 0);
	cr_expect_eq(SHMX(s, e)->msyncs[1], 2);
	json = render_json_str(s);
	cr_expect(strstr(json, "\"mech\":\"mmap\",\"object\":\"mmap:/var/lib/x/data.bin\""), "%s",
		  json);
	cr_expect(strstr(json, "\"size\":70000,\"together_ns\":100,"
			       "\"writable\":{\"src\":false,\"dst\":true},"
			       "\"msyncs\":{\"src\":0,\"dst\":2}"), "%s", json);
	free(json);
	snapshot_free(s);
}

/*
 * Found in /proc at start (PRESENT, read at 50): an attach or detach the
 * kernel reported before that read is already in the count.
 */
Test(shm, found_at_start_masks_older_events)
{
	struct snapshot *s;
	const struct edge *e;

	mmap_obs(SHM_OBS_PRESENT, 101, 50, 8192, true);
	mmap_obs(SHM_OBS_PRESENT, 102, 60, 8192, false);
	/* drained after the scan, but made before 102's maps were read */
	mmap_obs(SHM_OBS_ATTACH, 102, 40, 8192, false);
	/* after: 102 maps it a second time, and unmaps once: still attached */
	mmap_obs(SHM_OBS_ATTACH, 102, 70, 8192, false);
	mmap_ev(SHM_OBS_DETACH, 102, 80);
	mmap_ev(SHM_OBS_DETACH, 101, 90);
	s = snap();
	e = find_edge(s, 101, 102, "mmap:/var/lib/x/data.bin");
	cr_assert_not_null(e);
	/* both attached since the scan began (10); together from 60 (102 read) to 90 */
	cr_expect_eq(SHMX(s, e)->together_ns, 30);
	snapshot_free(s);
	mmap_ev(SHM_OBS_DETACH, 102, 95);
	mmap_obs(SHM_OBS_ATTACH, 101, 100, 8192, true);
	s = snap();
	e = find_edge(s, 101, 102, "mmap:/var/lib/x/data.bin");
	cr_expect_eq(SHMX(s, e)->together_ns, 30, "102 detached at 95: no second period");
	snapshot_free(s);
}

Test(shm, path_like_bpf)
{
	char out[512];
	char longc[80];

	shm_path_like_bpf("/tmp/x/data", out, sizeof(out));
	cr_expect_str_eq(out, "/tmp/x/data");
	shm_path_like_bpf("/a/b/c/d/e/f/g/h/i/j", out, sizeof(out));
	cr_expect_str_eq(out, ".../c/d/e/f/g/h/i/j");
	shm_path_like_bpf("/a//b/", out, sizeof(out));
	cr_expect_str_eq(out, "/a/b");
	memset(longc, 'z', sizeof(longc) - 1);
	longc[sizeof(longc) - 1] = '\0';
	snprintf(out, sizeof(out), "/d/%s", longc);
	shm_path_like_bpf(out, out + 200, 300);
	cr_expect_eq(strlen(out + 200), 3 + 47);
}

/* Read-only on both sides until one maps the file writable too: together from then. */
Test(shm, mmap_becomes_writable_while_attached)
{
	struct snapshot *s;
	const struct edge *e;

	mmap_obs(SHM_OBS_ATTACH, 101, 100, 4096, false);
	mmap_obs(SHM_OBS_ATTACH, 102, 200, 4096, false);
	mmap_obs(SHM_OBS_ATTACH, 102, 300, 4096, true);
	fork_(101, 103, 350);
	mmap_ev(SHM_OBS_GONE, 101, 500);
	mmap_ev(SHM_OBS_GONE, 102, 500);
	mmap_ev(SHM_OBS_GONE, 103, 500);
	s = snap();
	cr_expect_eq(count_mech(s, MECH_MMAP), 2, "101-102 and 103-102; not 101-103");
	e = find_edge(s, 101, 102, "mmap:/var/lib/x/data.bin");
	cr_assert_not_null(e);
	cr_expect_eq(SHMX(s, e)->together_ns, 200);
	cr_expect(!SHMX(s, e)->writable[0] && SHMX(s, e)->writable[1]);
	e = find_edge(s, 102, 103, "mmap:/var/lib/x/data.bin");
	cr_assert_not_null(e);
	cr_expect_eq(SHMX(s, e)->together_ns, 150);
	snapshot_free(s);
}

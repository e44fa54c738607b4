// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* File hand-off: byte ranges of a file attributed to their last writer. */
#include <criterion/criterion.h>
#include <stdio.h>
#include <string.h>
#include "mech/file.h"
#include "unit/testutil.h"

static struct model *m;
static uint64_t size; /* the file's size, as the kernel would report it */
static uint64_t ts;

static void setup(void)
{
	m = model_new();
	cr_assert_not_null(m);
	size = 0;
	ts = 0;
}

static void teardown(void)
{
	model_free(m);
}

TestSuite(file, .init = setup, .fini = teardown);

#define DEV 0x800001
#define INO 4242

static uint32_t nlink = 1; /* the file's links, as the next record reports them */

static void rec(int type, bool traced, uint32_t pid, uint64_t off, uint64_t len, uint32_t gen)
{
	struct file_obs o = { .type = type, .traced = traced, .proc = P(pid), .ts_ns = ++ts,
			      .dev = DEV, .ino = INO, .gen = gen, .nlink = nlink, .off = off,
			      .len = len };

	if (type == FILE_OBS_WRITE && off + len > size)
		size = off + len;
	if (type == FILE_OBS_TRUNC)
		size = off;
	o.size = size;
	snprintf(o.comm, sizeof(o.comm), "p%u", pid);
	file_event(m, &o);
}

static void wr(uint32_t pid, uint64_t off, uint64_t len)
{
	rec(FILE_OBS_WRITE, true, pid, off, len, 7);
}

static void rd(uint32_t pid, uint64_t off, uint64_t len)
{
	rec(FILE_OBS_READ, true, pid, off, len, 7);
}

static void trunc_to(uint64_t to)
{
	rec(FILE_OBS_TRUNC, true, 900, to, 0, 7);
}

static struct snapshot *snap(void)
{
	struct snapshot *s = model_snapshot(m, false, true, 1.0, 1700000000, NULL);

	cr_assert_not_null(s);
	return s;
}

/* The edge src -> dst must carry msgs and bytes. */
static void expect_edge(const struct snapshot *s, uint32_t src, uint32_t dst, uint64_t msgs,
			uint64_t bytes)
{
	const struct edge *e = find_edge(s, src, dst, "file:[4242]");

	cr_assert_not_null(e, "no file edge %u -> %u", src, dst);
	cr_expect_eq(e->mech, MECH_FILE);
	cr_expect(e->exact);
	cr_expect_eq(e->msgs, msgs, "%u -> %u msgs %lu, want %lu", src, dst,
		     (unsigned long)e->msgs, (unsigned long)msgs);
	cr_expect_eq(e->bytes, bytes, "%u -> %u bytes %lu, want %lu", src, dst,
		     (unsigned long)e->bytes, (unsigned long)bytes);
}

Test(file, write_then_read)
{
	struct snapshot *s;

	wr(101, 0, 6);
	rd(102, 0, 6);
	s = snap();
	cr_assert_eq(s->n_edges, 1);
	expect_edge(s, 101, 102, 1, 6);
	snapshot_free(s);
}

Test(file, own_bytes_and_unwritten_bytes_are_no_edge)
{
	struct snapshot *s;

	wr(101, 100, 50);
	rd(101, 0, 150);  /* its own bytes */
	rd(102, 0, 100);  /* bytes nobody traced wrote */
	rd(102, 150, 10); /* past them */
	s = snap();
	cr_expect_eq(s->n_edges, 0);
	snapshot_free(s);
}

Test(file, partial_reads_count_each_call_once)
{
	struct snapshot *s;

	wr(101, 0, 1000);
	rd(102, 0, 300);
	rd(102, 300, 300);
	rd(102, 600, 1000); /* short: only 400 of it are the file's */
	s = snap();
	expect_edge(s, 101, 102, 3, 1000);
	cr_expect_eq(file_ranges(m, DEV, INO), 1);
	snapshot_free(s);
}

Test(file, overlapping_writers_split_a_read)
{
	struct snapshot *s;

	wr(101, 0, 100);
	wr(103, 40, 20); /* rewrites 40..60 of 101's */
	cr_expect_eq(file_ranges(m, DEV, INO), 3);
	rd(102, 0, 100);
	s = snap();
	expect_edge(s, 101, 102, 1, 80);
	expect_edge(s, 103, 102, 1, 20);
	snapshot_free(s);
}

Test(file, a_rewrite_by_another_writer_takes_the_bytes)
{
	struct snapshot *s;

	wr(101, 0, 10);
	wr(103, 0, 10);
	rd(102, 0, 10);
	s = snap();
	cr_expect_eq(s->n_edges, 1);
	expect_edge(s, 103, 102, 1, 10);
	snapshot_free(s);
}

Test(file, a_write_over_several_ranges)
{
	struct snapshot *s;

	wr(101, 0, 10);
	wr(103, 10, 10);
	wr(101, 20, 10);
	wr(103, 30, 10);
	wr(104, 5, 30); /* 101's 0..5 and 103's 35..40 remain */
	cr_expect_eq(file_ranges(m, DEV, INO), 3);
	rd(102, 0, 40);
	s = snap();
	expect_edge(s, 101, 102, 1, 5);
	expect_edge(s, 104, 102, 1, 30);
	expect_edge(s, 103, 102, 1, 5);
	snapshot_free(s);
}

Test(file, appends_of_one_writer_merge)
{
	struct snapshot *s;

	for (int i = 0; i < 100; i++)
		wr(101, (uint64_t)i * 64, 64);
	cr_expect_eq(file_ranges(m, DEV, INO), 1);
	rd(102, 0, 4096);
	rd(102, 4096, 4096);
	s = snap();
	expect_edge(s, 101, 102, 2, 6400);
	snapshot_free(s);
}

Test(file, interleaved_appends_of_two_writers)
{
	struct snapshot *s;
	uint64_t off = 0;

	for (int i = 0; i < 10; i++) {
		wr(101, off, 30);
		off += 30;
		wr(103, off, 50);
		off += 50;
	}
	cr_expect_eq(file_ranges(m, DEV, INO), 20);
	rd(102, 0, 400); /* 5 lines of each */
	rd(102, 400, 400);
	s = snap();
	expect_edge(s, 101, 102, 2, 300);
	expect_edge(s, 103, 102, 2, 500);
	snapshot_free(s);
}

Test(file, truncation_forgets_the_bytes_past_it)
{
	struct snapshot *s;

	wr(101, 0, 100);
	trunc_to(40);
	rd(102, 0, 100);
	s = snap();
	expect_edge(s, 101, 102, 1, 40);
	snapshot_free(s);
	trunc_to(0);
	cr_expect_eq(file_ranges(m, DEV, INO), 0);
	wr(103, 0, 10);
	rd(102, 0, 100);
	s = snap();
	expect_edge(s, 101, 102, 1, 40);
	expect_edge(s, 103, 102, 1, 10);
	snapshot_free(s);
}

/* A record's size says the file is shorter (truncate(2) by path, unseen). */
Test(file, a_smaller_size_cuts_ranges)
{
	struct snapshot *s;

	wr(101, 0, 100);
	size = 30;
	rd(102, 0, 100);
	s = snap();
	expect_edge(s, 101, 102, 1, 30);
	snapshot_free(s);
}

Test(file, an_untraced_writer_takes_the_bytes_from_the_traced_one)
{
	struct snapshot *s;

	wr(101, 0, 100);
	rec(FILE_OBS_WRITE, false, 555, 20, 60, 7);
	rd(102, 0, 100);
	s = snap();
	cr_expect_eq(s->n_edges, 1);
	expect_edge(s, 101, 102, 1, 40);
	cr_expect_null(find_edge(s, 555, 102, "file:[4242]"));
	snapshot_free(s);
}

/* The same inode number, another generation: a new file, the old bytes are gone. */
Test(file, a_reused_inode_is_a_new_file)
{
	struct snapshot *s;

	wr(101, 0, 100);
	rec(FILE_OBS_READ, true, 102, 0, 100, 8);
	s = snap();
	cr_expect_eq(s->n_edges, 0);
	cr_expect_eq(file_ranges(m, DEV, INO), 0);
	snapshot_free(s);
}

Test(file, the_per_file_cap_drops_the_oldest_and_counts_them)
{
	struct snapshot *s;

	file_set_caps(m, 8, 1000);
	/* alternating writers: no merging, one range per write */
	for (int i = 0; i < 9; i++)
		wr(i % 2 ? 103 : 101, (uint64_t)i * 10, 10);
	/* 9 > 8: the oldest 2 go, 7 stay (cap - cap / 8) */
	cr_expect_eq(file_ranges(m, DEV, INO), 7);
	rd(102, 0, 90);
	s = snap();
	expect_edge(s, 101, 102, 1, 40);
	expect_edge(s, 103, 102, 1, 30);
	cr_expect_eq(s->lost.map_full, 2);
	snapshot_free(s);
}

Test(file, the_total_cap_holds_across_files)
{
	struct file_obs o = { .type = FILE_OBS_WRITE, .traced = true, .proc = P(101), .dev = DEV,
			      .len = 10, .size = 10, .gen = 1 };
	struct snapshot *s;

	file_set_caps(m, 100, 16);
	for (uint64_t ino = 1; ino <= 17; ino++) {
		o.ino = ino;
		o.ts_ns = ino;
		file_event(m, &o);
	}
	/* 17 > 16: the oldest 3 go, 14 stay */
	cr_expect_eq(file_ranges(m, 0, 0), 14);
	cr_expect_eq(file_ranges(m, DEV, 1), 0);
	cr_expect_eq(file_ranges(m, DEV, 4), 1);
	s = snap();
	cr_expect_eq(s->lost.map_full, 3);
	snapshot_free(s);
}

Test(file, json_of_a_file_edge)
{
	struct snapshot *s;
	char *out;

	model_set_object_name(m, MECH_FILE, DEV, INO, "/tmp/handoff");
	wr(101, 0, 6);
	rd(102, 0, 6);
	s = snap();
	out = render_json_str(s);
	cr_expect(ndjson_valid(out));
	cr_expect(strstr(out, "\"mech\":\"file\",\"object\":\"/tmp/handoff\""), "%s", out);
	cr_expect(strstr(out, "\"msgs\":1,\"bytes\":6"), "%s", out);
	free(out);
	snapshot_free(s);
}

Test(file, opt_in_kind_is_not_in_the_default)
{
	cr_expect_eq(mech_all_mask() & (1u << MECH_FILE), 0);
	cr_expect_neq(mech_every_mask() & (1u << MECH_FILE), 0);
	cr_expect_eq(mech_opt_mask("file"), 1u << MECH_FILE);
}

/* Unlink ends the story of what was written before it, not of what is written after. */
Test(file, unlink_forgets_the_bytes_written_before_it)
{
	struct snapshot *s;

	wr(101, 0, 10);
	nlink = 0;              /* the file was unlinked; 102 still has it open */
	rd(102, 0, 10);
	wr(101, 10, 5);         /* written to the unlinked file: a new story */
	rd(103, 0, 15);
	s = snap();
	cr_expect_null(find_edge(s, 101, 102, "file:[4242]"), "bytes written before the unlink");
	expect_edge(s, 101, 103, 1, 5);
	snapshot_free(s);
	nlink = 1;
}

// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * cgroup v2 paths: the id -> path cache over a fake tree (ids are the
 * directories' inode numbers, as on cgroup2), the subtree match, the
 * --cgroup filter, and the path in JSON and DOT, hostile.
 */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include "core/cgroup.h"
#include "core/opts.h"
#include "output/render.h"
#include "unit/testutil.h"

#define SEC 1000000000ull

static char root[64];

static void mk(const char *rel)
{
	char p[256];

	snprintf(p, sizeof(p), "%s%s", root, rel);
	cr_assert_eq(mkdir(p, 0755), 0, "mkdir %s", p);
}

static uint64_t ino(const char *rel)
{
	char p[256];
	struct stat st;

	snprintf(p, sizeof(p), "%s%s", root, rel);
	cr_assert_eq(stat(p, &st), 0, "stat %s", p);
	return st.st_ino;
}

static void tree_setup(void)
{
	snprintf(root, sizeof(root), "/tmp/ipctrace-cgtest.XXXXXX");
	cr_assert_not_null(mkdtemp(root));
	mk("/system.slice");
	mk("/system.slice/ssh.service");
	mk("/user.slice");
	/* a file beside the directories, as cgroup.procs is: not a cgroup */
	fclose(fopen(strcat(strcpy((char[256]){ 0 }, root), "/cgroup.procs"), "w"));
}

static void tree_teardown(void)
{
	char cmd[128];

	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", root);
	cr_expect_eq(system(cmd), 0);
}

TestSuite(cgroup, .init = tree_setup, .fini = tree_teardown);

Test(cgroup, cache_resolves_by_inode)
{
	struct cgroup_cache *c = cgroup_cache_new(root, 100);
	char buf[CGROUP_PATH_MAX];

	cr_assert_not_null(c);
	cr_assert(cgroup_cache_path(c, ino("/system.slice/ssh.service"), 10 * SEC, buf, sizeof(buf)));
	cr_expect_str_eq(buf, "/system.slice/ssh.service");
	cr_assert(cgroup_cache_path(c, ino(""), 10 * SEC, buf, sizeof(buf)));
	cr_expect_str_eq(buf, "/", "the root");
	cr_assert(cgroup_cache_path(c, ino("/user.slice"), 10 * SEC, buf, sizeof(buf)));
	cr_expect_str_eq(buf, "/user.slice");
	cr_expect_eq(cgroup_cache_walks(c), 1, "one walk filled the cache");
	cr_expect_eq(cgroup_cache_size(c), 4);
	cr_expect_eq(cgroup_cache_id(c, "/system.slice"), ino("/system.slice"));
	cr_expect_eq(cgroup_cache_id(c, "/nothere"), 0);
	cr_expect_eq(cgroup_cache_id(c, "/cgroup.procs"), 0, "a file is no cgroup");
	/* too small a buffer: not found rather than cut */
	cr_expect_not(cgroup_cache_path(c, ino("/user.slice"), 10 * SEC, buf, 5));
	cgroup_cache_free(c);
}

/* A miss walks at most once a second: churn cannot make it spin. */
Test(cgroup, cache_walks_are_rate_limited)
{
	struct cgroup_cache *c = cgroup_cache_new(root, 100);
	char buf[CGROUP_PATH_MAX];

	cr_assert_not_null(c);
	cr_assert(cgroup_cache_path(c, ino("/user.slice"), 10 * SEC, buf, sizeof(buf)));
	mk("/user.slice/new.scope");
	for (int i = 0; i < 100; i++)
		cr_expect_not(cgroup_cache_path(c, ino("/user.slice/new.scope"),
						10 * SEC + i * (SEC / 200), buf, sizeof(buf)));
	cr_expect_not(cgroup_cache_path(c, 123456789, 10 * SEC + SEC / 2, buf, sizeof(buf)));
	cr_expect_eq(cgroup_cache_walks(c), 1, "misses within the second do not walk");
	cr_assert(cgroup_cache_path(c, ino("/user.slice/new.scope"), 11 * SEC, buf, sizeof(buf)));
	cr_expect_str_eq(buf, "/user.slice/new.scope");
	cr_expect_eq(cgroup_cache_walks(c), 2);
	cgroup_cache_free(c);
}

/* Bounded: a walk keeps at most max entries, and always the one asked for. */
Test(cgroup, cache_is_bounded)
{
	struct cgroup_cache *c = cgroup_cache_new(root, 2);
	char buf[CGROUP_PATH_MAX], name[64];

	cr_assert_not_null(c);
	for (int i = 0; i < 20; i++) {
		snprintf(name, sizeof(name), "/user.slice/s%d.scope", i);
		mk(name);
	}
	cr_assert(cgroup_cache_path(c, ino("/user.slice/s19.scope"), 10 * SEC, buf, sizeof(buf)));
	cr_expect_str_eq(buf, "/user.slice/s19.scope");
	cr_expect_leq(cgroup_cache_size(c), 3, "%zu entries", cgroup_cache_size(c));
	/* another, a second later: found by a new walk that dropped the old entries */
	cr_assert(cgroup_cache_path(c, ino("/user.slice/s3.scope"), 12 * SEC, buf, sizeof(buf)));
	cr_expect_str_eq(buf, "/user.slice/s3.scope");
	cr_expect_leq(cgroup_cache_size(c), 3);
	cgroup_cache_free(c);
}

Test(cgroup, subtree_match)
{
	cr_expect(cgroup_under("/system.slice", "/system.slice"));
	cr_expect(cgroup_under("/system.slice/x.service", "/system.slice"));
	cr_expect(cgroup_under("/system.slice/x.service", "/system.slice/"));
	cr_expect(cgroup_under("/a/b/c", "/a/b"));
	cr_expect_not(cgroup_under("/system.slicex", "/system.slice"));
	cr_expect_not(cgroup_under("/system", "/system.slice"));
	cr_expect_not(cgroup_under("/user.slice", "/system.slice"));
	cr_expect(cgroup_under("/", "/"));
	cr_expect(cgroup_under("/anything/below", "/"));
	cr_expect(cgroup_under("/anything", "//"));
	cr_expect_not(cgroup_under("/a", "/a/b"));
}

Test(cgroup, option_takes_a_list)
{
	struct opts o;
	char *argv[] = { "ipctrace", "--cgroup", "/a,/b/c", "--cgroup", "/odd,name", NULL };
	char *bad[] = { "ipctrace", "--cgroup", "system.slice", NULL };
	FILE *null = fopen("/dev/null", "w");

	cr_assert_eq(opts_parse(&o, 5, argv, false, null, null), 0);
	cr_assert_eq(o.n_cgroups, 3);
	cr_expect_str_eq(o.cgroups[0], "/a");
	cr_expect_str_eq(o.cgroups[1], "/b/c");
	cr_expect_str_eq(o.cgroups[2], "/odd,name", "a comma not before '/' is part of a name");
	opts_free(&o);
	cr_expect_neq(opts_parse(&o, 3, bad, false, null, null), 0, "a path starts with /");
	fclose(null);
}

static struct snapshot *two_pipes(struct model *m, const struct model_filter *f)
{
	struct snapshot *s;

	model_proc_fork(m, P(4001), 1, "sshd");
	model_proc_fork(m, P(4002), 1, "helper");
	model_proc_fork(m, P(4003), 1, "bash");
	model_proc_fork(m, P(4004), 1, "cat");
	model_proc_cgroup(m, P(4001), 77);
	model_name_cgroup(m, 77, "/system.slice/ssh.service");
	model_proc_cgroup(m, P(4003), 78);
	model_name_cgroup(m, 78, "/user.slice");
	feed_ep(m, P(4001), "sshd", MECH_PIPE, 0, 9, 2, 20, 0);
	feed_ep(m, P(4002), "helper", MECH_PIPE, 1, 9, 2, 20, 0);
	feed_ep(m, P(4003), "bash", MECH_PIPE, 0, 10, 1, 5, 0);
	feed_ep(m, P(4004), "cat", MECH_PIPE, 1, 10, 1, 5, 0);
	s = model_snapshot(m, true, true, 1.0, 1700000000, f);
	cr_assert_not_null(s);
	return s;
}

Test(cgroup, filter_keeps_edges_with_an_end_in_the_subtree)
{
	const char *sys[] = { "/system.slice" }, *near[] = { "/system.slic" },
		   *both[] = { "/nothing", "/user.slice" };
	const uint32_t pids[] = { 4004 };
	struct model_filter f = { .cgroups = sys, .n_cgroups = 1 };
	struct model *m = model_new();
	struct snapshot *s;

	s = two_pipes(m, &f);
	cr_assert_eq(s->n_edges, 1);
	cr_expect_eq(s->edges[0].src.pid, 4001);
	cr_expect_eq(s->edges[0].dst.pid, 4002, "the other end is kept with it");
	snapshot_free(s);
	f.cgroups = near;
	s = model_snapshot(m, true, true, 1.0, 1700000000, &f);
	cr_expect_eq(s->n_edges, 0, "/system.slic is not /system.slice");
	snapshot_free(s);
	f.cgroups = both;
	f.n_cgroups = 2;
	s = model_snapshot(m, true, true, 1.0, 1700000000, &f);
	cr_assert_eq(s->n_edges, 1);
	cr_expect_eq(s->edges[0].src.pid, 4003);
	snapshot_free(s);
	/* with -p, either filter keeps an edge */
	f.cgroups = sys;
	f.n_cgroups = 1;
	f.pids = pids;
	f.n_pids = 1;
	s = model_snapshot(m, true, true, 1.0, 1700000000, &f);
	cr_expect_eq(s->n_edges, 2);
	snapshot_free(s);
	model_free(m);
}

/* A process that moved: the last cgroup given is the one shown. */
Test(cgroup, last_cgroup_wins)
{
	struct model *m = model_new();
	struct snapshot *s;

	model_proc_cgroup(m, P(4001), 5);
	model_name_cgroup(m, 5, "/old");
	model_proc_cgroup(m, P(4001), 6);
	model_name_cgroup(m, 6, "/new");
	model_proc_cgroup(m, P(4001), 0);
	feed_ep(m, P(4001), "a", MECH_PIPE, 0, 9, 2, 20, 0);
	feed_ep(m, P(4002), "b", MECH_PIPE, 1, 9, 2, 20, 0);
	s = model_snapshot(m, true, true, 1.0, 1700000000, NULL);
	cr_assert_not_null(s);
	cr_assert_eq(s->n_procs, 2);
	cr_expect_str_eq(s->procs[0].cgroup, "/new");
	cr_expect_null(s->procs[1].cgroup, "unknown: none");
	snapshot_free(s);
	model_free(m);
}

#define HOSTILE_CG "/a\"b\nc\\d\x1b[m\xff"

Test(cgroup, hostile_path_in_json_and_dot)
{
	struct model *m = model_new();
	struct snapshot *s;
	const char *l;
	char *out;

	model_proc_fork(m, P(4001), 1, "a");
	model_proc_cgroup(m, P(4001), 9);
	model_name_cgroup(m, 9, HOSTILE_CG);
	feed_ep(m, P(4001), "a", MECH_PIPE, 0, 9, 2, 20, 0);
	feed_ep(m, P(4002), "b", MECH_PIPE, 1, 9, 2, 20, 0);
	s = model_snapshot(m, true, true, 1.0, 1700000000, NULL);
	cr_assert_not_null(s);

	out = render_json_str(s);
	cr_assert(ndjson_valid(out), "%s", out);
	cr_expect(strstr(out, "\"comm\":\"a\",\"cgroup\":\"/a\\\"b\\nc\\\\d\\u001b[m"), "%s", out);
	l = strstr(out, "\"pid\":4002,\"start_ns\"");
	cr_assert_not_null(l, "%s", out);
	cr_expect_null(memmem(l, strcspn(l, "\n"), "cgroup", 6), "no member when unknown:\n%s", out);
	free(out);

	out = render_dot_str(s);
	cr_expect(strstr(out, "\\npid 4001\\n/a\\\"b?c\\\\d?[m?\"];\n"), "%s", out);
	cr_expect(strstr(out, "\\npid 4002\"];\n"), "no cgroup line when unknown:\n%s", out);
	free(out);
	snapshot_free(s);
	model_free(m);
}

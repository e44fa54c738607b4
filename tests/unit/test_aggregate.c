// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * -a, --aggregate: processes with the same key (comm, exe, cgroup) fold
 * into one node; edges sum by (mechanism, kind of object, keys) and say
 * how many process pairs they hold.
 */
#include <criterion/criterion.h>
#include <stdlib.h>
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

TestSuite(aggregate, .init = setup, .fini = teardown);

static struct snapshot *snap(enum agg_key k, bool full)
{
	struct snapshot *s;

	model_set_aggregate(m, k);
	s = model_snapshot(m, false, full, 1.0, 1700000000, NULL);
	cr_assert_not_null(s);
	return s;
}

/* n `bash | cat` pairs, each on a pipe of its own, each writing 2 bytes once. */
static void bash_cat(int n, uint32_t pid0)
{
	for (int i = 0; i < n; i++) {
		struct proc_ref w = P(pid0 + 2 * i), r = P(pid0 + 2 * i + 1);

		model_proc_fork(m, w, 1, "bash");
		model_proc_fork(m, r, 1, "cat");
		model_proc_exe(m, w, "/usr/bin/bash");
		model_proc_exe(m, r, "/usr/bin/cat");
		feed_ep(m, w, "bash", MECH_PIPE, 0, 1000 + pid0 + i, 1, 2, 10);
		feed_ep(m, r, "cat", MECH_PIPE, 1, 1000 + pid0 + i, 1, 2, 20);
	}
}

static const struct edge *agg_edge(const struct snapshot *s, const char *src, const char *dst,
				   const char *object)
{
	for (size_t i = 0; i < s->n_edges; i++) {
		const struct edge *e = &s->edges[i];

		if (!strcmp(snapshot_end_name(&e->src), src) &&
		    !strcmp(snapshot_end_name(&e->dst), dst) &&
		    (!object || !strcmp(e->object, object)))
			return e;
	}
	return NULL;
}

static const struct agg_node *node(const struct snapshot *s, const char *name)
{
	for (size_t i = 0; i < s->n_nodes; i++)
		if (!strcmp(agg_node_name(&s->nodes[i]), name))
			return &s->nodes[i];
	return NULL;
}

Test(aggregate, fifty_pipes_by_comm_are_one_edge)
{
	struct snapshot *s;
	const struct edge *e;

	bash_cat(50, 100);
	s = snap(AGG_COMM, true);
	cr_assert_eq(s->agg, AGG_COMM);
	cr_assert_eq(s->n_edges, 1);
	e = &s->edges[0];
	cr_expect_str_eq(e->src.comm, "bash");
	cr_expect_str_eq(e->dst.comm, "cat");
	cr_expect_str_eq(e->object, "pipe", "the kind of object, as retention folds");
	cr_expect_eq(e->pairs, 50);
	cr_expect_eq(e->msgs, 50);
	cr_expect_eq(e->bytes, 100);
	cr_expect_eq(e->d_msgs, 50);
	cr_expect_eq(e->d_bytes, 100);
	cr_expect_eq(e->blocked_src_ns, 500);
	cr_expect_eq(e->blocked_dst_ns, 1000);
	cr_expect(e->exact);
	cr_expect_eq(e->ext_len, 0);
	cr_expect_eq(e->src.pid, 0);
	cr_assert_eq(s->n_nodes, 2);
	cr_expect_eq(node(s, "bash")->n_procs, 50);
	cr_expect_eq(node(s, "cat")->n_procs, 50);
	snapshot_free(s);
}

Test(aggregate, by_exe)
{
	struct snapshot *s;
	const struct edge *e;

	bash_cat(3, 100);
	model_proc_fork(m, P(300), 1, "cat2");
	model_proc_exe(m, P(300), "/usr/bin/cat"); /* another name, the same program */
	feed_ep(m, P(100), "bash", MECH_PIPE, 0, 5000, 1, 7, 0);
	feed_ep(m, P(300), "cat2", MECH_PIPE, 1, 5000, 1, 7, 0);
	s = snap(AGG_EXE, true);
	cr_assert_eq(s->n_edges, 1);
	e = &s->edges[0];
	cr_expect_str_eq(e->src.key, "/usr/bin/bash");
	cr_expect_str_eq(e->dst.key, "/usr/bin/cat");
	cr_expect_eq(e->pairs, 4);
	cr_expect_eq(e->bytes, 13);
	cr_expect_eq(node(s, "/usr/bin/cat")->n_procs, 4);
	snapshot_free(s);
}

Test(aggregate, a_child_runs_its_parents_exe_until_it_execs)
{
	struct snapshot *s;

	model_proc_fork(m, P(10), 1, "sh");
	model_proc_exe(m, P(10), "/usr/bin/dash");
	model_proc_fork(m, P(11), 10, "sh");   /* echo's side: no exec */
	model_proc_fork(m, P(12), 10, "sh");
	model_proc_exec(m, P(12), "cat");
	model_proc_exe(m, P(12), NULL);         /* gone before its path was read */
	feed_ep(m, P(11), "sh", MECH_PIPE, 0, 7, 1, 2, 0);
	feed_ep(m, P(12), "cat", MECH_PIPE, 1, 7, 1, 2, 0);
	s = snap(AGG_EXE, true);
	cr_assert_eq(s->n_edges, 1);
	cr_expect_str_eq(snapshot_end_name(&s->edges[0].src), "/usr/bin/dash");
	cr_expect_str_eq(snapshot_end_name(&s->edges[0].dst), "?");
	snapshot_free(s);
}

Test(aggregate, unknown_exe_is_a_question_mark)
{
	struct snapshot *s;

	feed_ep(m, P(1), "a", MECH_PIPE, 0, 7, 1, 1, 0);
	feed_ep(m, P(2), "b", MECH_PIPE, 1, 7, 1, 1, 0);
	s = snap(AGG_EXE, true);
	cr_assert_eq(s->n_edges, 1);
	cr_expect_str_eq(snapshot_end_name(&s->edges[0].src), "?");
	cr_expect_eq(s->edges[0].pairs, 1);
	cr_expect_str_eq(s->edges[0].object, "pipe:[7]", "a group of one keeps its object");
	snapshot_free(s);
}

Test(aggregate, by_cgroup_two_comms_in_one_cgroup_merge)
{
	struct snapshot *s;
	const struct edge *e;

	model_proc_fork(m, P(1), 1, "sshd");
	model_proc_fork(m, P(2), 1, "helper");
	model_proc_fork(m, P(3), 1, "sshd-session");
	model_proc_fork(m, P(4), 1, "logger");
	for (uint32_t i = 1; i <= 2; i++)
		model_proc_cgroup(m, P(i), 77);
	for (uint32_t i = 3; i <= 4; i++)
		model_proc_cgroup(m, P(i), i == 3 ? 77 : 78);
	model_name_cgroup(m, 77, "/system.slice/ssh.service");
	model_name_cgroup(m, 78, "/system.slice/log.service");
	feed_ep(m, P(1), "sshd", MECH_PIPE, 0, 9, 2, 20, 0);
	feed_ep(m, P(2), "helper", MECH_PIPE, 1, 9, 2, 20, 0);
	feed_ep(m, P(3), "sshd-session", MECH_PIPE, 0, 10, 1, 5, 0);
	feed_ep(m, P(4), "logger", MECH_PIPE, 1, 10, 1, 5, 0);
	feed_ep(m, P(2), "helper", MECH_PIPE, 0, 11, 3, 30, 0);
	feed_ep(m, P(3), "sshd-session", MECH_PIPE, 1, 11, 3, 30, 0);
	s = snap(AGG_CGROUP, true);
	cr_assert_eq(s->n_edges, 2);
	e = agg_edge(s, "/system.slice/ssh.service", "/system.slice/ssh.service", NULL);
	cr_assert_not_null(e);
	cr_expect_eq(e->pairs, 2, "sshd->helper and helper->sshd-session");
	cr_expect_eq(e->bytes, 50);
	cr_expect_eq(e->msgs, 5);
	e = agg_edge(s, "/system.slice/ssh.service", "/system.slice/log.service", "pipe:[10]");
	cr_assert_not_null(e);
	cr_expect_eq(e->pairs, 1);
	cr_expect_eq(node(s, "/system.slice/ssh.service")->n_procs, 3);
	cr_expect_eq(node(s, "/system.slice/log.service")->n_procs, 1);
	snapshot_free(s);
}

Test(aggregate, pid_leaves_everything_as_is)
{
	struct snapshot *s;

	bash_cat(5, 100);
	s = snap(AGG_PID, true);
	cr_expect_eq(s->agg, AGG_PID);
	cr_expect_eq(s->n_edges, 5);
	cr_expect_eq(s->n_nodes, 0);
	for (size_t i = 0; i < s->n_edges; i++) {
		cr_expect_eq(s->edges[i].pairs, 0);
		cr_expect_null(s->edges[i].src.key);
		cr_expect_neq(s->edges[i].src.pid, 0);
	}
	cr_expect_eq(snapshot_aggregate(s, AGG_PID), 0);
	cr_expect_eq(s->n_edges, 5);
	/* and the same snapshot aggregated afterwards */
	cr_assert_eq(snapshot_aggregate(s, AGG_COMM), 0);
	cr_expect_eq(s->n_edges, 1);
	cr_expect_eq(s->edges[0].pairs, 5);
	snapshot_free(s);
}

Test(aggregate, exact_is_the_and_of_the_parts)
{
	struct snapshot *s;
	const struct edge *e;

	/* pipe 7: two writers, two readers: inferred shares; pipe 8: one to one */
	feed_ep(m, P(1), "w", MECH_PIPE, 0, 7, 10, 100, 0);
	feed_ep(m, P(2), "w", MECH_PIPE, 0, 7, 10, 100, 0);
	feed_ep(m, P(3), "r", MECH_PIPE, 1, 7, 5, 50, 0);
	feed_ep(m, P(4), "r", MECH_PIPE, 1, 7, 15, 150, 0);
	s = snap(AGG_COMM, true);
	cr_assert_eq(s->n_edges, 1);
	cr_expect_not(s->edges[0].exact);
	cr_expect_eq(s->edges[0].pairs, 4);
	cr_expect_eq(s->edges[0].bytes, 200, "the shares add up to what was written");
	snapshot_free(s);

	model_free(m);
	m = model_new();
	feed_ep(m, P(1), "w", MECH_PIPE, 0, 8, 1, 1, 0);
	feed_ep(m, P(3), "r", MECH_PIPE, 1, 8, 1, 1, 0);
	feed_ep(m, P(2), "w", MECH_PIPE, 0, 9, 1, 1, 0);
	feed_ep(m, P(4), "r", MECH_PIPE, 1, 9, 1, 1, 0);
	s = snap(AGG_COMM, true);
	e = agg_edge(s, "w", "r", "pipe");
	cr_assert_not_null(e);
	cr_expect(e->exact);
	snapshot_free(s);
}

Test(aggregate, folded_edges_merge_with_their_counts)
{
	struct snapshot *s;
	const struct edge *e;

	model_set_retention(m, 10 * SEC);
	bash_cat(3, 100);
	snapshot_free(model_snapshot(m, false, true, 1.0, 1700000000, NULL)); /* seen once */
	for (uint32_t p = 100; p < 106; p++) {
		model_proc_exit(m, P(p), 0);
		model_mark_reaped(m, P(p));
	}
	model_set_clock(m, 11 * SEC);
	cr_assert_eq(model_fold(m), 0);
	bash_cat(2, 200); /* live ones, same names */
	s = snap(AGG_COMM, true);
	cr_assert_eq(s->n_edges, 1);
	e = &s->edges[0];
	cr_expect_eq(e->pairs, 5, "3 folded + 2 live");
	cr_expect_eq(e->bytes, 10);
	cr_expect_eq(e->folded, 0);
	cr_expect_eq(node(s, "bash")->n_procs, 2, "the folded ones are names, not processes");
	snapshot_free(s);
}

Test(aggregate, interval_reports_keep_groups_that_changed)
{
	struct snapshot *s;

	bash_cat(3, 100);
	feed_ep(m, P(500), "x", MECH_PIPE, 0, 77, 1, 1, 0);
	feed_ep(m, P(501), "y", MECH_PIPE, 1, 77, 1, 1, 0);
	s = snap(AGG_COMM, false);
	cr_expect_eq(s->n_edges, 2);
	snapshot_free(s);
	feed_ep(m, P(100), "bash", MECH_PIPE, 0, 1100, 2, 4, 10);
	feed_ep(m, P(101), "cat", MECH_PIPE, 1, 1100, 2, 4, 20);
	s = snap(AGG_COMM, false);
	cr_assert_eq(s->n_edges, 1, "x->y did not change");
	cr_expect_eq(s->edges[0].bytes, 8, "every part's counts");
	cr_expect_eq(s->edges[0].d_bytes, 2);
	cr_expect_eq(s->edges[0].pairs, 3);
	snapshot_free(s);
}

Test(aggregate, renderers_show_the_key)
{
	struct snapshot *s;
	char *json, *table, *dot;

	bash_cat(50, 100);
	for (uint32_t p = 100; p < 200; p++)
		model_proc_cgroup(m, P(p), 77);
	model_name_cgroup(m, 77, "/user.slice/a \"b\".scope");
	s = snap(AGG_CGROUP, true);
	json = render_json_str(s);
	cr_expect(ndjson_valid(json), "%s", json);
	cr_expect(strstr(json, "\"pairs\":50"), "%s", json);
	cr_expect(strstr(json, "\"src\":{\"cgroup\":\"/user.slice/a \\\"b\\\".scope\"}"), "%s", json);
	cr_expect(strstr(json, "{\"type\":\"process\",\"seq\":1,\"key\":\"cgroup\",\"cgroup\":"
			       "\"/user.slice/a \\\"b\\\".scope\",\"processes\":100}"), "%s", json);
	cr_expect_null(strstr(json, "\"pid\""), "%s", json);
	table = render_table_str(s, false);
	cr_expect(strstr(table, "a \"b\".scope"), "%s", table);
	cr_expect(strstr(table, "pairs 50"), "%s", table);
	dot = render_dot_str(s);
	cr_expect(strstr(dot, "100 processes"), "%s", dot);
	cr_expect(strstr(dot, "50 pairs"), "%s", dot);
	free(json);
	free(table);
	free(dot);
	snapshot_free(s);

	s = snap(AGG_COMM, true);
	json = render_json_str(s);
	cr_expect(ndjson_valid(json), "%s", json);
	cr_expect(strstr(json, "\"src\":{\"comm\":\"bash\"},\"dst\":{\"comm\":\"cat\"}"), "%s", json);
	cr_expect(strstr(json, "\"key\":\"comm\",\"comm\":\"cat\",\"processes\":50"), "%s", json);
	table = render_table_str(s, false);
	cr_expect(strstr(table, "\nbash "), "%s", table);
	free(json);
	free(table);
	snapshot_free(s);
}

Test(aggregate, prometheus_labels_are_the_key)
{
	struct snapshot *s;
	struct prom_state *st = prom_state_new(100);
	char *text = NULL;
	size_t len = 0;
	FILE *f;

	bash_cat(4, 100);
	s = snap(AGG_EXE, true);
	f = open_memstream(&text, &len);
	cr_assert_not_null(f);
	cr_assert_eq(render_prom(s, f, st, "t"), 0);
	fclose(f);
	cr_expect(strstr(text, "src=\"/usr/bin/bash\",dst=\"/usr/bin/cat\"} 8"), "%s", text);
	free(text);
	prom_state_free(st);
	snapshot_free(s);
}

Test(aggregate, key_words)
{
	cr_expect_eq(agg_key_parse("pid"), AGG_PID);
	cr_expect_eq(agg_key_parse("comm"), AGG_COMM);
	cr_expect_eq(agg_key_parse("exe"), AGG_EXE);
	cr_expect_eq(agg_key_parse("cgroup"), AGG_CGROUP);
	cr_expect_eq(agg_key_parse("name"), -1);
	cr_expect_str_eq(agg_key_name(AGG_EXE), "exe");
}

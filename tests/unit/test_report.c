// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * What long runs add to a report: decoded exits, namespace pids, losses by
 * cause, folded edges in every format, and the -p filter in a namespace.
 */
#include <criterion/criterion.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include "unit/testutil.h"
#include "output/render.h"

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

TestSuite(report, .init = setup, .fini = teardown);

static struct snapshot *snap(const struct model_filter *f)
{
	struct snapshot *s = model_snapshot(m, true, true, 1.0, 1700000000, f);

	cr_assert_not_null(s);
	return s;
}

/* The line of out that contains needle, as a malloc'd string (or NULL). */
static char *line_with(const char *out, const char *needle)
{
	const char *p = strstr(out, needle), *b, *e;

	if (!p)
		return NULL;
	for (b = p; b > out && b[-1] != '\n'; b--)
		;
	e = strchr(p, '\n');
	return strndup(b, e ? (size_t)(e - b) : strlen(b));
}

Test(report, exits_are_decoded)
{
	struct snapshot *s;
	char *out, *l;

	model_proc_fork(m, P(1), 100, "ok");
	model_proc_fork(m, P(2), 100, "killed");
	model_proc_fork(m, P(3), 100, "dumped");
	feed_ep(m, P(1), "ok", MECH_PIPE, 0, 7, 1, 1, 0);
	feed_ep(m, P(2), "killed", MECH_PIPE, 1, 7, 1, 1, 0);
	feed_ep(m, P(3), "dumped", MECH_PIPE, 1, 7, 1, 1, 0);
	model_proc_exit(m, P(1), 3 << 8);       /* exit(3) */
	model_proc_exit(m, P(2), SIGKILL);      /* killed */
	model_proc_exit(m, P(3), SIGSEGV | 0x80); /* killed, core dumped */
	s = snap(NULL);
	out = render_json_str(s);
	cr_assert(ndjson_valid(out));

	l = line_with(out, "\"comm\":\"ok\",\"exited\"");
	cr_assert_not_null(l, "%s", out);
	cr_expect(strstr(l, "\"exit_code\":3}"), "%s", l);
	cr_expect_null(strstr(l, "exit_status"), "the raw wait status is gone");
	cr_expect(strstr(l, "\"start_ns\":1000000,"), "%s", l);
	free(l);
	l = line_with(out, "\"comm\":\"killed\",\"exited\"");
	cr_assert_not_null(l);
	cr_expect(strstr(l, "\"signal\":\"SIGKILL\"}"), "%s", l);
	free(l);
	l = line_with(out, "\"comm\":\"dumped\",\"exited\"");
	cr_assert_not_null(l);
	cr_expect(strstr(l, "\"signal\":\"SIGSEGV\",\"core_dumped\":true}"), "%s", l);
	free(l);
	free(out);
	snapshot_free(s);
}

Test(report, namespace_pids_are_shown_where_they_differ)
{
	struct snapshot *s;
	char *out, *l;

	model_proc_fork(m, P(4001), 1, "inner");
	model_proc_ns(m, P(4001), 7, 4026532000ull);
	model_proc_fork(m, P(4002), 1, "host");
	model_proc_ns(m, P(4002), 4002, 4026531836ull);
	feed_ep(m, P(4001), "inner", MECH_PIPE, 0, 9, 2, 20, 0);
	feed_ep(m, P(4002), "host", MECH_PIPE, 1, 9, 2, 20, 0);
	s = snap(NULL);
	out = render_json_str(s);
	cr_assert(ndjson_valid(out));
	cr_expect(strstr(out, "\"src\":{\"pid\":4001,\"ns_pid\":7,\"comm\":\"inner\"}"), "%s", out);
	cr_expect(strstr(out, "\"dst\":{\"pid\":4002,\"comm\":\"host\"}"), "%s", out);
	l = line_with(out, "\"type\":\"process\",\"seq\":1,\"pid\":4001");
	cr_assert_not_null(l, "%s", out);
	cr_expect(strstr(l, "\"ns_pid\":7,\"pidns\":4026532000,"), "%s", l);
	free(l);
	l = line_with(out, "\"type\":\"process\",\"seq\":1,\"pid\":4002");
	cr_assert_not_null(l);
	cr_expect_null(strstr(l, "ns_pid"), "same pid: not repeated");
	free(l);
	free(out);
	snapshot_free(s);
}

/* Run from inside a pid namespace, -p takes the pids that namespace shows. */
Test(report, pid_filter_in_a_namespace)
{
	const uint32_t pids[] = { 7 };
	struct model_filter in_ns = { .pids = pids, .n_pids = 1, .pidns = 4026532000ull };
	struct model_filter host = { .pids = pids, .n_pids = 1 };
	struct snapshot *s;

	model_proc_fork(m, P(4001), 1, "inner");
	model_proc_ns(m, P(4001), 7, 4026532000ull);
	model_proc_fork(m, P(7), 1, "other");
	model_proc_fork(m, P(4003), 1, "peer");
	feed_ep(m, P(4001), "inner", MECH_PIPE, 0, 9, 2, 20, 0);
	feed_ep(m, P(4003), "peer", MECH_PIPE, 1, 9, 2, 20, 0);
	feed_ep(m, P(7), "other", MECH_PIPE, 0, 10, 1, 5, 0);
	feed_ep(m, P(4003), "peer", MECH_PIPE, 1, 10, 1, 5, 0);

	s = snap(&in_ns);
	cr_assert_eq(s->n_edges, 1);
	cr_expect_eq(s->edges[0].src.pid, 4001, "ns pid 7 is global 4001");
	snapshot_free(s);
	s = snap(&host);
	cr_assert_eq(s->n_edges, 1);
	cr_expect_eq(s->edges[0].src.pid, 7, "on the host, 7 is pid 7");
	snapshot_free(s);
}

Test(report, losses_by_cause)
{
	struct model_lost lost = { .events = 3, .map_full = 5, .n_causes = 2 };
	struct snapshot *s;
	char *out, *err = NULL;
	size_t len = 0;
	FILE *f;

	lost.cause[0].name = "proc_events_lost";
	lost.cause[0].n = 3;
	lost.cause[1].name = "endpoints_full";
	lost.cause[1].n = 5;
	model_set_lost(m, &lost);
	s = snap(NULL);
	out = render_json_str(s);
	cr_assert(ndjson_valid(out));
	cr_expect(strstr(out, "\"lost\":{\"events\":3,\"map_full\":5,\"causes\":"
			      "{\"proc_events_lost\":3,\"endpoints_full\":5}},"), "%s", out);
	f = open_memstream(&err, &len);
	render_lost_warning(s, f);
	fclose(f);
	cr_expect(strstr(err, "lost 3 event records and 5 operations (proc_events_lost 3, "
			      "endpoints_full 5)"), "%s", err);
	cr_expect_eq(strchr(err, '\n') - err + 1, (long)strlen(err), "one line");
	free(err);
	free(out);
	snapshot_free(s);

	model_set_lost(m, &(struct model_lost){ 0 });
	s = snap(NULL);
	f = open_memstream(&err, &len);
	render_lost_warning(s, f);
	fclose(f);
	cr_expect_str_eq(err, "", "nothing lost, nothing said");
	free(err);
	snapshot_free(s);
}

Test(report, folded_edges_in_every_format)
{
	struct snapshot *s;
	char *json, *table, *dot;

	model_set_retention(m, 1000);
	model_set_clock(m, 10);
	feed_ep(m, P(1), "echo", MECH_PIPE, 0, 5, 2, 12, 0);
	feed_ep(m, P(2), "cat", MECH_PIPE, 1, 5, 2, 12, 0);
	model_proc_exit(m, P(1), 0);
	model_proc_exit(m, P(2), 0);
	model_mark_reaped(m, P(1));
	model_mark_reaped(m, P(2));
	model_set_clock(m, 5000);
	cr_assert_eq(model_fold(m), 0);
	s = snap(NULL);
	cr_assert_eq(s->n_edges, 1);

	json = render_json_str(s);
	cr_assert(ndjson_valid(json));
	cr_expect(strstr(json, "\"mech\":\"pipe\",\"object\":\"pipe\",\"exact\":true,\"folded\":1,"
			       "\"src\":{\"comm\":\"echo\"},\"dst\":{\"comm\":\"cat\"},\"msgs\":2,"
			       "\"bytes\":12,\"interval\":{\"msgs\":0,\"bytes\":0}"), "%s", json);
	cr_expect_null(strstr(json, "\"type\":\"process\""), "no process behind a name");
	table = render_table_str(s, false);
	cr_expect(strstr(table, "echo"), "%s", table);
	cr_expect(strstr(table, "folded 1"), "%s", table);
	dot = render_dot_str(s);
	cr_expect(strstr(dot, "n_6563686f -> n_636174"), "%s", dot);
	cr_expect(strstr(dot, "n_6563686f [label=\"echo\\n(gone)\", style=dotted];"), "%s", dot);
	free(json);
	free(table);
	free(dot);
	snapshot_free(s);
}

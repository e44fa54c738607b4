// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* --hist: endpoints' histograms of blocked time onto edges, JSON and the table. */
#include <criterion/criterion.h>
#include <stdlib.h>
#include <string.h>
#include "core/model.h"
#include "core/opts.h"
#include "output/render.h"
#include "testutil.h"

#define INO 42

static void feed_hist(struct model *m, struct proc_ref p, int dir, uint64_t ino,
		      const uint64_t h[MODEL_HIST_SLOTS])
{
	model_update_hist(m, p, MECH_PIPE, dir, 0xc, ino, h);
}

/* producer (101) writes 5 times into pipe 42, consumer (102) reads them. */
static struct model *one_pipe(void)
{
	struct model *m = model_new();
	uint64_t hs[MODEL_HIST_SLOTS] = { [0] = 2, [10] = 3 };
	uint64_t hd[MODEL_HIST_SLOTS] = { [12] = 4, [13] = 1 };

	cr_assert_not_null(m);
	model_proc_fork(m, P(101), 1, "producer");
	model_proc_fork(m, P(102), 1, "consumer");
	feed_ep(m, P(101), "producer", MECH_PIPE, 0, INO, 5, 50, 3000);
	feed_ep(m, P(102), "consumer", MECH_PIPE, 1, INO, 5, 50, 50000);
	feed_hist(m, P(101), 0, INO, hs);
	feed_hist(m, P(102), 1, INO, hd);
	return m;
}

static char *hist_table_str(const struct snapshot *s)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);

	render_hist_table(s, f);
	fclose(f);
	return buf;
}

Test(hist, edge_gets_sender_and_receiver_histograms)
{
	struct model *m = one_pipe();
	struct snapshot *s = model_snapshot(m, true, true, 1.0, 0, NULL);
	const struct edge *e = find_edge(s, 101, 102, "pipe:[42]");
	const uint64_t *hs, *hd;

	cr_assert_not_null(e);
	hs = edge_hist(s, e, 0);
	hd = edge_hist(s, e, 1);
	cr_assert_not_null(hs);
	cr_assert_not_null(hd);
	for (int i = 0; i < MODEL_HIST_SLOTS; i++) {
		cr_expect_eq(hs[i], i == 0 ? 2 : i == 10 ? 3 : 0, "src slot %d", i);
		cr_expect_eq(hd[i], i == 12 ? 4 : i == 13 ? 1 : 0, "dst slot %d", i);
	}
	snapshot_free(s);
	model_free(m);
}

/* Cumulative: a later read replaces; a histogram of an unknown endpoint is not kept. */
Test(hist, update_replaces_and_needs_the_endpoint)
{
	struct model *m = one_pipe();
	uint64_t h2[MODEL_HIST_SLOTS] = { [5] = 7 };
	struct snapshot *s;
	const struct edge *e;

	feed_hist(m, P(101), 0, INO, h2);
	feed_hist(m, P(103), 1, INO, h2); /* no such endpoint */
	s = model_snapshot(m, true, true, 1.0, 0, NULL);
	e = find_edge(s, 101, 102, "pipe:[42]");
	cr_assert_not_null(e);
	cr_expect_eq(edge_hist(s, e, 0)[5], 7);
	cr_expect_eq(edge_hist(s, e, 0)[0], 0);
	cr_expect_eq(edge_hist(s, e, 0)[10], 0);
	cr_expect_null(find_edge(s, 101, 103, "pipe:[42]"));
	snapshot_free(s);
	model_free(m);
}

/* No histograms fed: none on the edge, and no "hist" in JSON nor lines in the table. */
Test(hist, none_without_hist)
{
	struct model *m = model_new();
	struct snapshot *s;
	const struct edge *e;
	char *json, *tab;

	feed_ep(m, P(101), "producer", MECH_PIPE, 0, INO, 5, 50, 3000);
	feed_ep(m, P(102), "consumer", MECH_PIPE, 1, INO, 5, 50, 50000);
	s = model_snapshot(m, true, true, 1.0, 0, NULL);
	e = find_edge(s, 101, 102, "pipe:[42]");
	cr_assert_not_null(e);
	cr_expect_null(edge_hist(s, e, 0));
	cr_expect_null(edge_hist(s, e, 1));
	json = render_json_str(s);
	cr_expect_null(strstr(json, "\"hist\""));
	tab = hist_table_str(s);
	cr_expect_str_eq(tab, "");
	free(json);
	free(tab);
	snapshot_free(s);
	model_free(m);
}

/* One sender, two receivers: each edge shows the sender's whole histogram. */
Test(hist, endpoint_level_with_several_peers)
{
	struct model *m = model_new();
	uint64_t hs[MODEL_HIST_SLOTS] = { [3] = 6 };
	uint64_t h2[MODEL_HIST_SLOTS] = { [4] = 2 }, h3[MODEL_HIST_SLOTS] = { [8] = 4 };
	struct snapshot *s;
	const struct edge *a, *b;

	feed_ep(m, P(101), "w", MECH_PIPE, 0, INO, 6, 60, 1);
	feed_ep(m, P(102), "r", MECH_PIPE, 1, INO, 2, 20, 1);
	feed_ep(m, P(103), "r", MECH_PIPE, 1, INO, 4, 40, 1);
	feed_hist(m, P(101), 0, INO, hs);
	feed_hist(m, P(102), 1, INO, h2);
	feed_hist(m, P(103), 1, INO, h3);
	s = model_snapshot(m, true, true, 1.0, 0, NULL);
	a = find_edge(s, 101, 102, "pipe:[42]");
	b = find_edge(s, 101, 103, "pipe:[42]");
	cr_assert(a && b);
	cr_expect_eq(edge_hist(s, a, 0)[3], 6);
	cr_expect_eq(edge_hist(s, b, 0)[3], 6);
	cr_expect_eq(edge_hist(s, a, 1)[4], 2);
	cr_expect_eq(edge_hist(s, b, 1)[8], 4);
	cr_expect_eq(edge_hist(s, b, 1)[4], 0);
	snapshot_free(s);
	model_free(m);
}

/* -a: a group of several edges has no histograms, a group of one keeps its own. */
Test(hist, aggregation_drops_merged_histograms)
{
	struct model *m = model_new();
	uint64_t h[MODEL_HIST_SLOTS] = { [3] = 1 };
	struct snapshot *s;
	size_t with = 0;

	model_proc_fork(m, P(101), 1, "w");
	model_proc_fork(m, P(102), 1, "r");
	model_proc_fork(m, P(103), 1, "r");
	model_proc_fork(m, P(201), 1, "solo");
	model_proc_fork(m, P(202), 1, "peer");
	feed_ep(m, P(101), "w", MECH_PIPE, 0, INO, 2, 20, 1);
	feed_ep(m, P(102), "r", MECH_PIPE, 1, INO, 1, 10, 1);
	feed_ep(m, P(103), "r", MECH_PIPE, 1, INO, 1, 10, 1);
	feed_ep(m, P(201), "solo", MECH_PIPE, 0, 43, 1, 1, 1);
	feed_ep(m, P(202), "peer", MECH_PIPE, 1, 43, 1, 1, 1);
	feed_hist(m, P(101), 0, INO, h);
	feed_hist(m, P(102), 1, INO, h);
	feed_hist(m, P(103), 1, INO, h);
	feed_hist(m, P(201), 0, 43, h);
	feed_hist(m, P(202), 1, 43, h);
	model_set_aggregate(m, AGG_COMM);
	s = model_snapshot(m, true, true, 1.0, 0, NULL);
	cr_assert_eq(s->n_edges, 2);
	for (size_t i = 0; i < s->n_edges; i++) {
		const struct edge *e = &s->edges[i];

		if (e->pairs > 1) {
			cr_expect_null(edge_hist(s, e, 0));
			cr_expect_null(edge_hist(s, e, 1));
		} else {
			with++;
			cr_expect_eq(edge_hist(s, e, 0)[3], 1);
			cr_expect_eq(edge_hist(s, e, 1)[3], 1);
		}
	}
	cr_expect_eq(with, 1);
	snapshot_free(s);
	model_free(m);
}

/* Edges a module makes (signals) have none, even if a field was set. */
Test(hist, module_edges_have_none)
{
	struct model *m = one_pipe();
	struct snapshot *s;
	const struct edge *e;

	feed_sig(m, P(101), "producer", P(102), 10, 0, 1);
	s = model_snapshot(m, true, true, 1.0, 0, NULL);
	e = find_edge(s, 101, 102, "SIGUSR1");
	cr_assert_not_null(e);
	cr_expect_null(edge_hist(s, e, 0));
	cr_expect_null(edge_hist(s, e, 1));
	snapshot_free(s);
	model_free(m);
}

Test(hist, json_buckets)
{
	struct model *m = one_pipe();
	struct snapshot *s = model_snapshot(m, true, true, 1.0, 0, NULL);
	char *json = render_json_str(s);
	const char *want =
		"{\"type\":\"edge\",\"seq\":1,\"final\":true,\"mech\":\"pipe\","
		"\"object\":\"pipe:[42]\",\"exact\":true,"
		"\"src\":{\"pid\":101,\"comm\":\"producer\"},"
		"\"dst\":{\"pid\":102,\"comm\":\"consumer\"},"
		"\"msgs\":5,\"bytes\":50,\"interval\":{\"msgs\":5,\"bytes\":50},"
		"\"blocked_ns\":{\"src\":3000,\"dst\":50000},"
		"\"hist\":{\"unit\":\"ns\",\"src\":[[0,1,2],[1024,2047,3]],"
		"\"dst\":[[4096,8191,4],[8192,16383,1]]}}\n";

	cr_expect(ndjson_valid(json), "%s", json);
	cr_expect_not_null(strstr(json, want), "want:\n%s\ngot:\n%s", want, json);
	free(json);
	snapshot_free(s);
	model_free(m);
}

Test(hist, table_bcc_style)
{
	struct model *m = one_pipe();
	struct snapshot *s = model_snapshot(m, true, true, 1.0, 0, NULL);
	char *tab = hist_table_str(s);
	const char *want =
		"\n"
		"101/producer -> 102/consumer pipe pipe:[42]\n"
		"  src 101/producer:\n"
		"     ns               : count    distribution\n"
		"      0 -> 1          : 2        |**************************              |\n"
		"      2 -> 3          : 0        |                                        |\n"
		"      4 -> 7          : 0        |                                        |\n"
		"      8 -> 15         : 0        |                                        |\n"
		"     16 -> 31         : 0        |                                        |\n"
		"     32 -> 63         : 0        |                                        |\n"
		"     64 -> 127        : 0        |                                        |\n"
		"    128 -> 255        : 0        |                                        |\n"
		"    256 -> 511        : 0        |                                        |\n"
		"    512 -> 1023       : 0        |                                        |\n"
		"   1024 -> 2047       : 3        |****************************************|\n"
		"  dst 102/consumer:\n"
		"     ns               : count    distribution\n"
		"   4096 -> 8191       : 4        |****************************************|\n"
		"   8192 -> 16383      : 1        |**********                              |\n";

	cr_expect_str_eq(tab, want, "got:\n%s", tab);
	free(tab);
	snapshot_free(s);
	model_free(m);
}

/* Long blocks widen the columns instead of breaking them. */
Test(hist, table_wide_values)
{
	struct model *m = model_new();
	uint64_t h[MODEL_HIST_SLOTS] = { [30] = 1, [31] = 1 };
	struct snapshot *s;
	char *tab;
	const char *want =
		"\n"
		"1/a -> 2/b pipe pipe:[42]\n"
		"  dst 2/b:\n"
		"        ns               : count    distribution\n"
		"1073741824 -> 2147483647 : 1        |****************************************|\n"
		"2147483648 -> 4294967295 : 1        |****************************************|\n";

	model_proc_fork(m, P(1), 0, "a");
	model_proc_fork(m, P(2), 0, "b");
	feed_ep(m, P(1), "a", MECH_PIPE, 0, INO, 1, 1, 1);
	feed_ep(m, P(2), "b", MECH_PIPE, 1, INO, 1, 1, 1);
	feed_hist(m, P(2), 1, INO, h);
	s = model_snapshot(m, true, true, 1.0, 0, NULL);
	tab = hist_table_str(s);
	cr_expect_str_eq(tab, want, "got:\n%s", tab);
	free(tab);
	snapshot_free(s);
	model_free(m);
}

Test(hist, opts_flag)
{
	char *argv_on[] = { "ipctrace", "-f", "json", "--hist", NULL };
	char *argv_off[] = { "ipctrace", "-f", "json", NULL };
	char *out = NULL, *errs = NULL;
	size_t ol, el;
	FILE *fo = open_memstream(&out, &ol), *fe = open_memstream(&errs, &el);
	struct opts o;

	cr_assert_eq(opts_parse(&o, 4, argv_on, false, fo, fe), 0);
	cr_expect(o.hist);
	opts_free(&o);
	cr_assert_eq(opts_parse(&o, 3, argv_off, false, fo, fe), 0);
	cr_expect(!o.hist);
	opts_free(&o);
	cr_assert_eq(opts_parse(&o, 2, (char *[]){ "ipctrace", "--help", NULL }, false, fo, fe), 1);
	fclose(fo);
	fclose(fe);
	cr_expect_not_null(strstr(out, "--hist"));
	free(out);
	free(errs);
}

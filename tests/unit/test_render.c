// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * Renderers, compared with golden files in tests/unit/golden/.
 *
 * After an intended change of the output, regenerate them with
 *   IPCTRACE_UPDATE_GOLDEN=1 .output/unit_tests --filter 'render/[a-z]*_golden'
 * and review the diff before committing: the golden files are the contract.
 * Tests run from the repository root (as `make unit` does), or set
 * IPCTRACE_GOLDEN_DIR.
 */
#include <criterion/criterion.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include "output/render.h"
#include "unit/testutil.h"

/* A comm with a quote, a backslash, a newline, ESC and a byte that is not UTF-8. */
#define HOSTILE_COMM "q\"b\\\n\x1b[m\xff"

/*
 * The scenario every golden file shows: a 1:1 pipe with deltas, a signal
 * with its deliveries, a FIFO between a hostile name and a hostile path,
 * and an N:M pipe whose edges are inferred.
 */
static struct model *scenario(void)
{
	struct model *m = model_new();
	struct model_lost lost = { .events = 2, .map_full = 1 };
	struct snapshot *s;

	cr_assert_not_null(m);
	model_proc_fork(m, P(101), 100, "producer");
	model_proc_fork(m, P(102), 100, "consumer");
	model_proc_fork(m, P(103), 100, HOSTILE_COMM);
	feed_ep(m, P(101), "producer", MECH_PIPE, 0, 8425, 400, 25600, 0);
	feed_ep(m, P(102), "consumer", MECH_PIPE, 1, 8425, 400, 25600, 100000);
	s = model_snapshot(m, false, true, 1.0, 1700000000, NULL);
	cr_assert_not_null(s);
	snapshot_free(s);

	feed_ep(m, P(101), "producer", MECH_PIPE, 0, 8425, 1000, 64000, 0);
	feed_ep(m, P(102), "consumer", MECH_PIPE, 1, 8425, 1000, 64000, 123456);
	model_proc_exit(m, P(101), 0);
	feed_sig(m, P(101), "producer", P(102), SIGUSR1, 0, 5);
	feed_sigdel(m, P(102), "consumer", SIGUSR1, 5, 5, 1234, 400);
	model_set_object_name(m, MECH_FIFO, 0xc, 77, "/tmp/a\"b\\c\n.fifo");
	feed_ep(m, P(103), "x", MECH_FIFO, 0, 77, 3, 3000, 2500000);
	feed_ep(m, P(102), "consumer", MECH_FIFO, 1, 77, 3, 3000, 0);
	feed_ep(m, P(104), "w1", MECH_PIPE, 0, 9000, 10, 1000, 0);
	feed_ep(m, P(105), "w2", MECH_PIPE, 0, 9000, 30, 3000, 0);
	feed_ep(m, P(106), "r1", MECH_PIPE, 1, 9000, 9, 1000, 0);
	feed_ep(m, P(107), "r2", MECH_PIPE, 1, 9000, 9, 3000, 0);
	model_set_lost(m, &lost);
	return m;
}

static struct snapshot *scenario_snapshot(struct model **mp, bool final)
{
	struct snapshot *s;

	*mp = scenario();
	s = model_snapshot(*mp, final, true, 3.0, 1700000002, NULL);
	cr_assert_not_null(s);
	return s;
}

static char *golden_path(const char *name)
{
	const char *dir = getenv("IPCTRACE_GOLDEN_DIR");
	size_t len;
	char *path;

	if (!dir)
		dir = "tests/unit/golden";
	len = strlen(dir) + strlen(name) + 2;
	path = malloc(len);
	cr_assert_not_null(path);
	snprintf(path, len, "%s/%s", dir, name);
	return path;
}

static char *read_all(const char *path)
{
	FILE *f = fopen(path, "rb");
	char *buf = NULL;
	size_t len = 0, n;
	char chunk[4096];
	FILE *out;

	if (!f)
		return NULL;
	out = open_memstream(&buf, &len);
	while ((n = fread(chunk, 1, sizeof(chunk), f)) > 0)
		fwrite(chunk, 1, n, out);
	fclose(out);
	fclose(f);
	return buf;
}

static void expect_golden(const char *got, const char *name)
{
	char *path = golden_path(name), *want;
	FILE *f;

	if (getenv("IPCTRACE_UPDATE_GOLDEN")) {
		f = fopen(path, "wb");
		cr_assert_not_null(f, "cannot write %s", path);
		fputs(got, f);
		fclose(f);
	}
	want = read_all(path);
	cr_assert_not_null(want, "cannot read %s (run from the repository root)", path);
	cr_expect_str_eq(got, want, "%s differs:\n--- got ---\n%s--- want ---\n%s", name, got, want);
	free(want);
	free(path);
}

/* Display width of one line: UTF-8 characters, not bytes. */
static size_t columns(const char *line, size_t len)
{
	size_t i, n = 0;

	for (i = 0; i < len; i++)
		n += ((unsigned char)line[i] & 0xc0) != 0x80;
	return n;
}

static void expect_clean_table(const char *text)
{
	const char *line = text, *nl;
	const unsigned char *p;

	for (p = (const unsigned char *)text; *p; p++)
		cr_expect(*p == '\n' || (*p >= 0x20 && *p != 0x7f),
			  "control byte 0x%02x at offset %zu", *p, (size_t)(p - (const unsigned char *)text));
	while ((nl = strchr(line, '\n'))) {
		cr_expect_leq(columns(line, nl - line), 120, "line over 120 columns: %.*s",
			      (int)(nl - line), line);
		line = nl + 1;
	}
}

Test(render, json_golden)
{
	struct model *m;
	struct snapshot *s = scenario_snapshot(&m, false);
	char *out = render_json_str(s);

	cr_expect(ndjson_valid(out), "invalid NDJSON:\n%s", out);
	expect_golden(out, "scenario.ndjson");
	free(out);
	snapshot_free(s);
	model_free(m);
}

Test(render, json_hostile_strings_exact)
{
	struct model *m;
	struct snapshot *s = scenario_snapshot(&m, true);
	char *out = render_json_str(s);

	cr_expect(ndjson_valid(out), "invalid NDJSON:\n%s", out);
	cr_expect_not_null(strstr(out, "\"comm\":\"q\\\"b\\\\\\n\\u001b[m\\u00ff\""), "%s", out);
	cr_expect_not_null(strstr(out, "\"object\":\"/tmp/a\\\"b\\\\c\\n.fifo\""), "%s", out);
	cr_expect_not_null(strstr(out, "{\"type\":\"report\",\"seq\":2,\"final\":true,"), "%s", out);
	free(out);
	snapshot_free(s);
	model_free(m);
}

Test(render, json_elapsed_and_empty)
{
	struct model *m = model_new();
	struct snapshot *s = model_snapshot(m, false, true, 12.3456, 0, NULL);
	char *out = render_json_str(s);

	cr_expect_str_eq(out, "{\"type\":\"report\",\"seq\":1,\"final\":false,\"full\":true,"
			      "\"ts\":\"1970-01-01T00:00:00Z\",\"elapsed_s\":12.346,"
			      "\"lost\":{\"events\":0,\"map_full\":0},\"edges\":0}\n");
	free(out);
	snapshot_free(s);
	model_free(m);
}

Test(render, table_golden)
{
	struct model *m;
	struct snapshot *s = scenario_snapshot(&m, false);
	char *out = render_table_str(s, false);

	expect_clean_table(out);
	expect_golden(out, "scenario.table");
	free(out);
	snapshot_free(s);
	model_free(m);
}

Test(render, table_final_ansi)
{
	struct model *m;
	struct snapshot *s = scenario_snapshot(&m, true);
	char *out = render_table_str(s, true);
	const char *clear = "\033[H\033[2J";

	/* A live terminal: the screen is cleared first, and that is the only escape. */
	cr_assert_eq(strncmp(out, clear, strlen(clear)), 0);
	expect_clean_table(out + strlen(clear));
	cr_expect_eq(strncmp(out + strlen(clear),
			     "ipctrace  elapsed 3.0s  edges 7  lost: events 2, map full 1 (final)\n", 68), 0,
		     "%s", out);
	/* No trailing blank line when the screen is redrawn. */
	cr_expect_neq(out[strlen(out) - 2], '\n');
	free(out);
	snapshot_free(s);
	model_free(m);
}

Test(render, table_without_inexact_has_no_legend)
{
	struct model *m = model_new();
	struct snapshot *s;
	char *out;

	feed_ep(m, P(1), "w", MECH_PIPE, 0, 7, 5, 50, 0);
	feed_ep(m, P(2), "r", MECH_PIPE, 1, 7, 5, 50, 0);
	s = model_snapshot(m, false, true, 0.0, 0, NULL);
	out = render_table_str(s, false);
	cr_expect_null(strstr(out, "inferred"), "%s", out);
	cr_expect_null(strstr(out, "~"), "%s", out);
	/* No interval yet: rates are unknown, not infinite. */
	cr_expect_not_null(strstr(out, " 5       50      -      -\n"), "%s", out);
	free(out);
	snapshot_free(s);
	model_free(m);
}

/* A signal and code too wide for the OBJECT column: the code loses its family prefix. */
Test(render, table_long_signal_code)
{
	struct model *m = model_new();
	struct snapshot *s;
	char *out;

	feed_sig(m, P(1), "parent", P(2), SIGCHLD, CLD_CONTINUED, 1);
	feed_sig(m, P(3), "a", P(4), SIGUSR1, SI_QUEUE, 1);
	s = model_snapshot(m, false, true, 0.0, 0, NULL);
	out = render_table_str(s, false);
	expect_clean_table(out);
	cr_expect_not_null(strstr(out, " SIGCHLD CONTINUED "), "%s", out);
	cr_expect_null(strstr(out, "CLD_CONTI"), "%s", out);
	/* one that fits keeps its whole name */
	cr_expect_not_null(strstr(out, " SIGUSR1 SI_QUEUE "), "%s", out);
	free(out);
	snapshot_free(s);
	model_free(m);
}

Test(render, dot_golden)
{
	struct model *m;
	struct snapshot *s = scenario_snapshot(&m, true);
	char *out = render_dot_str(s);

	expect_golden(out, "scenario.dot");
	free(out);
	snapshot_free(s);
	model_free(m);
}

Test(render, dot_kernel_sender)
{
	struct model *m = model_new();
	struct snapshot *s;
	char *out;

	feed_sig(m, P2(0, 0), "", P(7), SIGSEGV, 0x80, 1);
	feed_sigdel(m, P(7), "crash", SIGSEGV, 1, 1, 10, 10);
	s = model_snapshot(m, true, true, 1.0, 0, NULL);
	out = render_dot_str(s);
	cr_expect_str_eq(out,
		"digraph ipctrace {\n"
		"\trankdir=LR;\n"
		"\tnode [shape=box];\n"
		"\tp7_7000000 [label=\"crash\\npid 7\"];\n"
		"\tkernel [label=\"[kernel]\", shape=ellipse];\n"
		"\tkernel -> p7_7000000 [label=\"signal SIGSEGV SI_KERNEL\\n1 msgs, 0 B\", color=red, fontcolor=red];\n"
		"}\n");
	free(out);
	snapshot_free(s);
	model_free(m);
}

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
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include "core/waitfor.h"
#include "output/fmt.h"
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

/* ---- the OBJECT column: what identifies an object is never cut ---- */

static void expect_fit(const char *obj, size_t width, const char *want)
{
	char buf[400];
	size_t n = fmt_fit_object(obj, width, buf, sizeof(buf));

	cr_expect_str_eq(buf, want, "fmt_fit_object(\"%s\", %zu) = \"%s\"", obj, width, buf);
	cr_expect_eq(n, columns(want, strlen(want)), "fmt_fit_object(\"%s\", %zu) counted %zu",
		     obj, width, n);
}

Test(fit_object, fits_as_is)
{
	expect_fit("pipe:[8425]", 17, "pipe:[8425]");
	/* exactly as wide as the column */
	expect_fit("/tmp/abcdefghijkl", 17, "/tmp/abcdefghijkl");
	expect_fit("127.0.0.1:5000->127.0.0.1:41234", 31, "127.0.0.1:5000->127.0.0.1:41234");
	expect_fit("", 17, "");
	expect_fit("anything", SIZE_MAX, "anything");
}

Test(fit_object, path_keeps_last_component)
{
	expect_fit("/tmp/some/long/dir/fifo", 12, "/tmp.../fifo");
	expect_fit("fifo:/a/b/c", 8, "fif.../c");
	expect_fit("futex:/dev/shm/x+0x40", 17, "futex:/.../x+0x40");
	expect_fit("/run/user/1000/bus:[123456]", 17, "/.../bus:[123456]");
	expect_fit("mq:/queue-with-a-name", 17, "queue-with-a-name");
	/* no room for "/": the component behind "..." */
	expect_fit("/aaaa/bbbb/cccccccccccccc", 17, "...cccccccccccccc");
	/* no room for "...": the component alone */
	expect_fit("/aaaa/ccccccccccccccccc", 17, "ccccccccccccccccc");
	/* a component wider than the column keeps its tail */
	expect_fit("psem:/a-very-long-semaphore-name", 17, "...semaphore-name");
	expect_fit("/a/bcdef", 3, "def");
	expect_fit("/a/b", 0, "");
}

Test(fit_object, sockets_keep_their_ports)
{
	const char *v4 = "127.0.0.1:5000->127.0.0.1:41234";

	expect_fit(v4, 30, "lo:5000->lo:41234");
	expect_fit(v4, 17, "lo:5000->lo:41234");
	expect_fit(v4, 16, ":5000->:41234");
	expect_fit(v4, 13, ":5000->:41234");
	expect_fit(v4, 12, "5000->41234");
	expect_fit(v4, 11, "5000->41234");
	expect_fit(v4, 10, "...1:41234");
	expect_fit("[::1]:5000->[::1]:41234", 22, "lo:5000->lo:41234");
	expect_fit("[::1]:5000->[::1]:41234", 23, "[::1]:5000->[::1]:41234");
	/* other addresses keep their tails, the longer one takes what the shorter leaves */
	expect_fit("192.168.100.200:5000->10.1.2.3:41234", 30, "...00.200:5000->10.1.2.3:41234");
	expect_fit("192.168.100.200:5000->192.168.100.201:41234", 30,
		   "...0.200:5000->...00.201:41234");
	expect_fit("192.168.100.200:5000->192.168.100.201:41234", 32,
		   "...00.200:5000->...100.201:41234");
	/* UDP: one end */
	expect_fit("127.0.0.1:5000", 10, "lo:5000");
	expect_fit("[fe80::1:2:3]:5000", 12, "...2:3]:5000");
	/* not an address: a path that happens to hold an arrow */
	expect_fit("/tmp/a->b/c:1", 8, "/.../c:1");
}

Test(fit_object, other_names_keep_head_and_id)
{
	expect_fit("@some-abstract-name:[98765]", 17, "@some-a...[98765]");
	/* no room for the head and "...": the id alone */
	expect_fit("futex:[123456789]+0x40", 17, "[123456789]+0x40");
	expect_fit("msg:32768 key 0x0000abcd", 17, "msg:32768 key ...");
	expect_fit("SIGRTMIN+10 SI_TIMER", 17, "SIGRTMIN+10 SI...");
	expect_fit("abcdef", 3, "abc");
}

Test(fit_object, clean_and_counted_in_characters)
{
	/* what a terminal must not see is '?', and counts as one */
	expect_fit("/tmp/a\"b\\c\n.fifo", 17, "/tmp/a\"b\\c?.fifo");
	expect_fit("/d/\x1b[31m/x\xff\xfey", 12, "/d/?.../x??y");
	/* a character is a column, whatever its bytes */
	expect_fit("/tmp/\xc3\xa9t\xc3\xa9/\xc3\xbc.fifo", 10, ".../\xc3\xbc.fifo");
	expect_fit("/tmp/\xc3\xa9t\xc3\xa9/\xc3\xbc.fifo", 12, "/t.../\xc3\xbc.fifo");
}

/* ---- the live view: ranking, idle edges, the terminal's size ---- */

/*
 * n 1:1 pipes, i = 0..n-1 from pid 10+2i ("wI") to 11+2i ("rI") on pipe
 * 100+i, i+1 messages of 1000 bytes each: the snapshot's order is the
 * last first.  Tests then set the fields they are about by hand.
 */
static struct snapshot *pipes(struct model **mp, size_t n)
{
	struct model *m = model_new();
	struct snapshot *s;
	char w[8], r[8];

	cr_assert_not_null(m);
	for (size_t i = 0; i < n; i++) {
		snprintf(w, sizeof(w), "w%zu", i);
		snprintf(r, sizeof(r), "r%zu", i);
		feed_ep(m, P(10 + 2 * i), w, MECH_PIPE, 0, 100 + i, i + 1, 1000 * (i + 1), 0);
		feed_ep(m, P(11 + 2 * i), r, MECH_PIPE, 1, 100 + i, i + 1, 1000 * (i + 1), 0);
	}
	s = model_snapshot(m, false, true, 1.0, 0, NULL);
	cr_assert_not_null(s);
	cr_assert_eq(s->n_edges, n);
	*mp = m;
	return s;
}

/* The edge from pid src in s (writable: tests set its counters). */
static struct edge *edge_from(struct snapshot *s, uint32_t src)
{
	for (size_t i = 0; i < s->n_edges; i++)
		if (s->edges[i].src.pid == src)
			return &s->edges[i];
	cr_assert_fail("no edge from %u", src);
	return NULL;
}

/* The SRC column of the rows, space-separated: the order they are shown in. */
static char *row_order(const char *table)
{
	char *out = calloc(1, strlen(table) + 1);
	const char *line = table;

	cr_assert_not_null(out);
	for (; *line; line = strchr(line, '\n') + 1) {
		if (*line >= '0' && *line <= '9') {
			if (*out)
				strcat(out, " ");
			strncat(out, line, strcspn(line, " "));
		}
		if (!strchr(line, '\n'))
			break;
	}
	return out;
}

static void expect_order(const struct snapshot *s, bool ansi, const char *want)
{
	char *out = render_table_str(s, ansi), *order = row_order(out);

	cr_expect_str_eq(order, want, "%s", out);
	free(order);
	free(out);
}

static void no_activity(struct snapshot *s)
{
	for (size_t i = 0; i < s->n_edges; i++) {
		struct edge *e = &s->edges[i];

		e->d_msgs = e->d_bytes = e->d_blocked_src_ns = e->d_blocked_dst_ns = 0;
	}
}

Test(live, interval_ranks_by_the_interval)
{
	struct model *m;
	struct snapshot *s = pipes(&m, 5);

	no_activity(s);
	edge_from(s, 10)->d_bytes = 100;
	edge_from(s, 10)->d_msgs = 1;
	edge_from(s, 12)->d_bytes = 100;
	edge_from(s, 12)->d_msgs = 5;
	edge_from(s, 14)->d_blocked_dst_ns = 1000;
	/* 16 and 18 did nothing: the run's bytes decide */
	expect_order(s, false, "12/w1 10/w0 14/w2 18/w4 16/w3");
	expect_order(s, true, "12/w1 10/w0 14/w2 18/w4 16/w3");
	/* the same bytes: the run's messages */
	edge_from(s, 16)->bytes = edge_from(s, 18)->bytes;
	edge_from(s, 16)->msgs = 100;
	expect_order(s, false, "12/w1 10/w0 14/w2 16/w3 18/w4");
	/* blocked time sums both ends */
	edge_from(s, 18)->d_blocked_src_ns = 600;
	edge_from(s, 18)->d_blocked_dst_ns = 600;
	expect_order(s, false, "12/w1 10/w0 18/w4 14/w2 16/w3");
	snapshot_free(s);
	model_free(m);
}

Test(live, final_keeps_the_cumulative_order)
{
	struct model *m;
	struct snapshot *s = pipes(&m, 5);

	no_activity(s);
	edge_from(s, 10)->d_bytes = 100000;
	s->final = true;
	expect_order(s, false, "18/w4 16/w3 14/w2 12/w1 10/w0");
	expect_order(s, true, "18/w4 16/w3 14/w2 12/w1 10/w0");
	/* the snapshot is not reordered */
	cr_expect_eq(s->edges[0].src.pid, 18);
	cr_expect_eq(s->edges[4].src.pid, 10);
	snapshot_free(s);
	model_free(m);
}

/* Render as a live terminal of cols x lines (0: unknown), through COLUMNS and LINES. */
static char *live_table(const struct snapshot *s, int cols, int lines)
{
	char buf[16];

	unsetenv("COLUMNS");
	unsetenv("LINES");
	if (cols) {
		snprintf(buf, sizeof(buf), "%d", cols);
		setenv("COLUMNS", buf, 1);
	}
	if (lines) {
		snprintf(buf, sizeof(buf), "%d", lines);
		setenv("LINES", buf, 1);
	}
	return render_table_str(s, true);
}

#define CLEAR "\033[H\033[2J"
#define HEAD_ROW "SRC                  DST                  MECH       OBJECT                MSGS    BYTES  MSG/s    B/s  NOTE\n"

Test(live, idle_edges_hidden_and_counted)
{
	struct model *m;
	struct snapshot *s = pipes(&m, 4);
	char *out;

	edge_from(s, 10)->idle = 0;
	edge_from(s, 12)->idle = 3;
	edge_from(s, 14)->idle = 4;
	edge_from(s, 16)->idle = UINT32_MAX; /* what a folded aggregate has */
	out = live_table(s, 0, 0);
	cr_expect_str_eq(out, CLEAR
		"ipctrace  elapsed 1.0s  edges 4 (2 idle hidden)  lost: events 0, map full 0\n"
		HEAD_ROW
		"12/w1                13/r1                pipe       pipe:[101]               2     2.0K      2   2.0K\n"
		"10/w0                11/r0                pipe       pipe:[100]               1     1000      1   1000\n");
	free(out);
	/* to a file or a pipe every edge stays */
	expect_order(s, false, "16/w3 14/w2 12/w1 10/w0");
	/* and in the final report */
	s->final = true;
	out = live_table(s, 0, 0);
	cr_expect(strstr(out, "edges 4  lost"), "%s", out);
	cr_expect_null(strstr(out, "hidden"), "%s", out);
	free(out);
	expect_order(s, true, "16/w3 14/w2 12/w1 10/w0");
	snapshot_free(s);
	model_free(m);
}

Test(live, none_hidden_says_nothing)
{
	struct model *m;
	struct snapshot *s = pipes(&m, 1);
	char *out = live_table(s, 0, 0);

	cr_expect_str_eq(out, CLEAR
		"ipctrace  elapsed 1.0s  edges 1  lost: events 0, map full 0\n"
		HEAD_ROW
		"10/w0                11/r0                pipe       pipe:[100]               1     1000      1   1000\n");
	free(out);
	snapshot_free(s);
	model_free(m);
}

/*
 * A wide terminal: OBJECT grows to the widest object shown, NOTE takes
 * the rest; a narrow one keeps the fixed widths (and wraps).
 */
Test(live, fits_the_terminal_width)
{
	struct model *m;
	struct snapshot *s = pipes(&m, 2);
	struct edge *e = edge_from(s, 12);
	char *out;

	snprintf(e->object, sizeof(e->object), "/tmp/some/quite/long/directory/name.fifo");
	e->blocked_src_ns = 1500000;
	e->blocked_dst_ns = 2000;
	e->wakes = 3;
	/* 160 columns: OBJECT 40 (its widest), NOTE 160 - 87 - 40 = 33 */
	out = live_table(s, 160, 0);
	cr_expect_str_eq(out, CLEAR
		"ipctrace  elapsed 1.0s  edges 2  lost: events 0, map full 0\n"
		"SRC                  DST                  MECH       OBJECT                                       MSGS    BYTES  MSG/s    B/s  NOTE\n"
		"12/w1                13/r1                pipe       /tmp/some/quite/long/directory/name.fifo        2     2.0K      2   2.0K  blk 1.5ms/2.0us wake 3\n"
		"10/w0                11/r0                pipe       pipe:[100]                                      1     1000      1   1000\n");
	free(out);
	/* 130 columns: OBJECT leaves NOTE its 16: 130 - 87 - 16 = 27; a part of a note fits whole or goes */
	out = live_table(s, 130, 0);
	cr_expect(strstr(out, "  OBJECT                          MSGS "), "%s", out);
	cr_expect(strstr(out, "  /tmp/some/quit.../name.fifo        2 "), "%s", out);
	cr_expect(strstr(out, " 2.0K  blk 1.5ms/2.0us\n"), "%s", out);
	free(out);
	/* 80 columns: the fixed layout (the terminal wraps it) */
	out = live_table(s, 80, 0);
	cr_expect(strstr(out, "  OBJECT                MSGS "), "%s", out);
	cr_expect(strstr(out, "  /tmp.../name.fifo        2 "), "%s", out);
	free(out);
	/* not a terminal: the fixed layout, whatever COLUMNS says */
	setenv("COLUMNS", "200", 1);
	out = render_table_str(s, false);
	expect_clean_table(out);
	cr_expect(strstr(out, "  /tmp.../name.fifo        2 "), "%s", out);
	free(out);
	snapshot_free(s);
	model_free(m);
}

/* Rows beyond the terminal's height are counted, not shown. */
Test(live, fits_the_terminal_height)
{
	struct model *m;
	struct snapshot *s = pipes(&m, 5);
	char *out;

	no_activity(s);
	/* 8 lines: 4 for the frame, 3 rows and a line saying what is left out */
	out = live_table(s, 0, 8);
	cr_expect_str_eq(out, CLEAR
		"ipctrace  elapsed 1.0s  edges 5  lost: events 0, map full 0\n"
		HEAD_ROW
		"18/w4                19/r4                pipe       pipe:[104]               5     4.9K      0      0\n"
		"16/w3                17/r3                pipe       pipe:[103]               4     3.9K      0      0\n"
		"14/w2                15/r2                pipe       pipe:[102]               3     2.9K      0      0\n"
		"... 2 more edges\n");
	free(out);
	snapshot_free(s);
	model_free(m);
}

/* ---- NOTE: the common wake counts ---- */

Test(note, wakes_after_blocked_time)
{
	struct model *m;
	struct snapshot *s = pipes(&m, 4);
	char *out;

	no_activity(s);
	edge_from(s, 10)->wakes = 1000;
	edge_from(s, 10)->back_wakes = 12;
	edge_from(s, 12)->wakes = 5;
	/* only the other way: dst made room for src */
	edge_from(s, 14)->back_wakes = 3;
	/* a part that does not fit whole is left out, not cut */
	edge_from(s, 16)->blocked_src_ns = 1500000;
	edge_from(s, 16)->blocked_dst_ns = 2000;
	edge_from(s, 16)->wakes = 7;
	out = render_table_str(s, false);
	cr_expect_str_eq(out,
		"ipctrace  elapsed 1.0s  edges 4  lost: events 0, map full 0\n"
		HEAD_ROW
		"16/w3                17/r3                pipe       pipe:[103]               4     3.9K      0      0  blk 1.5ms/2.0us\n"
		"14/w2                15/r2                pipe       pipe:[102]               3     2.9K      0      0  wake 0/3\n"
		"12/w1                13/r1                pipe       pipe:[101]               2     2.0K      0      0  wake 5\n"
		"10/w0                11/r0                pipe       pipe:[100]               1     1000      0      0  wake 1.0K/12\n"
		"\n");
	free(out);
	/* with room, both */
	out = live_table(s, 140, 0);
	cr_expect(strstr(out, "  blk 1.5ms/2.0us wake 7\n"), "%s", out);
	free(out);
	snapshot_free(s);
	model_free(m);
}

/* A note the module makes whole (a signal's deliveries) gets no generic part. */
Test(note, whole_module_note_keeps_out_wakes)
{
	struct model *m = model_new();
	struct snapshot *s;
	char *out;

	feed_sig(m, P(1), "a", P(2), SIGUSR1, SI_USER, 3);
	feed_sigdel(m, P(2), "b", SIGUSR1, 3, 3, 30, 10);
	s = model_snapshot(m, false, true, 1.0, 0, NULL);
	cr_assert_eq(s->n_edges, 1);
	s->edges[0].wakes = 3;
	out = render_table_str(s, false);
	cr_expect(strstr(out, "  deliv 3\n"), "%s", out);
	cr_expect_null(strstr(out, "wake"), "%s", out);
	free(out);
	snapshot_free(s);
	model_free(m);
}

/* ---- bottleneck lines ---- */

static struct bottleneck verdict(const struct edge *e, bool src_waits, enum wait_kind kind,
				 double share)
{
	struct bottleneck b = {
		.who = src_waits ? e->dst : e->src,
		.worst = { .peer = src_waits ? e->src : e->dst, .edge = e, .ns = 1200000000,
			   .kind = kind, .exact = true },
		.worst_share = share,
		.group = 2,
	};

	b.waited_on_ns = b.worst.ns;
	return b;
}

Test(bottleneck, one_line_per_verdict)
{
	struct model *m;
	struct snapshot *s = pipes(&m, 2);
	struct bottleneck b[4] = {
		verdict(edge_from(s, 10), true, WAIT_BACKPRESSURE, 0.91),
		verdict(edge_from(s, 12), false, WAIT_STARVED, 0.5),
		verdict(edge_from(s, 12), false, WAIT_SYNC, 1.5),
		verdict(edge_from(s, 10), true, WAIT_SYNC, 0.0 / 0.0),
	};
	struct waitfor w = { .span_s = 1.0, .verdicts = b, .n_verdicts = 4 };
	char *out;

	no_activity(s);
	s->wait = &w;
	out = render_table_str(s, false);
	cr_expect_str_eq(out,
		"ipctrace  elapsed 1.0s  edges 2  lost: events 0, map full 0\n"
		HEAD_ROW
		"12/w1                13/r1                pipe       pipe:[101]               2     2.0K      0      0\n"
		"10/w0                11/r0                pipe       pipe:[100]               1     1000      0      0\n"
		"bottleneck: 11/r0 -- 10/w0 waited 91% of the time writing to it (pipe:[100] full)\n"
		"bottleneck: 12/w1 -- 13/r1 waited 50% of the time reading from it (pipe:[101] empty)\n"
		"bottleneck: 12/w1 -- 13/r1 waited 150% of the time on it (pipe:[101])\n"
		"bottleneck: 11/r0 -- 10/w0 waited 1.2s on it (pipe:[100])\n"
		"\n");
	free(out);
	/* none: no line */
	w.n_verdicts = 0;
	out = render_table_str(s, false);
	cr_expect_null(strstr(out, "bottleneck"), "%s", out);
	free(out);
	s->wait = NULL;
	snapshot_free(s);
	model_free(m);
}

/* After the "~ inferred" legend; hostile names are cleaned. */
Test(bottleneck, after_the_legend)
{
	struct model *m;
	struct snapshot *s = scenario_snapshot(&m, false);
	const struct edge *e = find_edge(s, 103, 102, "/tmp/a\"b\\c\n.fifo");
	struct bottleneck b;
	struct waitfor w = { .span_s = 3.0, .verdicts = &b, .n_verdicts = 1 };
	char *out;
	const char *tail = "each reader received\n"
		"bottleneck: 102/consumer -- 103/q\"b\\??[m? waited 25% of the time writing to it "
		"(/tmp/a\"b\\c?.fifo full)\n\n";

	cr_assert_not_null(e);
	b = verdict(e, true, WAIT_BACKPRESSURE, 0.25);
	s->wait = &w;
	out = render_table_str(s, false);
	cr_expect_str_eq(out + strlen(out) - strlen(tail), tail, "%s", out);
	free(out);
	s->wait = NULL;
	snapshot_free(s);
	model_free(m);
}

/* -a: the ends are keys. */
Test(bottleneck, aggregated_names_the_keys)
{
	struct model *m;
	struct snapshot *s = pipes(&m, 1);
	struct bottleneck b = verdict(&s->edges[0], true, WAIT_BACKPRESSURE, 0.4);
	struct waitfor w = { .span_s = 1.0, .verdicts = &b, .n_verdicts = 1 };
	char *out;

	b.who.key = "/usr/bin/slow";
	b.worst.peer.key = "/usr/bin/fast";
	s->agg = AGG_EXE;
	s->wait = &w;
	out = render_table_str(s, false);
	cr_expect(strstr(out, "\nbottleneck: /usr/bin/slow -- /usr/bin/fast waited 40% of the time "
			      "writing to it (pipe:[100] full)\n"), "%s", out);
	free(out);
	s->wait = NULL;
	snapshot_free(s);
	model_free(m);
}

/* On a live terminal the lines count in its height, and are cut to its width. */
Test(bottleneck, fits_the_terminal)
{
	struct model *m;
	struct snapshot *s = pipes(&m, 5);
	struct bottleneck b[3] = {
		verdict(edge_from(s, 10), true, WAIT_BACKPRESSURE, 0.91),
		verdict(edge_from(s, 12), true, WAIT_BACKPRESSURE, 0.5),
		verdict(edge_from(s, 14), true, WAIT_BACKPRESSURE, 0.2),
	};
	struct waitfor w = { .span_s = 1.0, .verdicts = b, .n_verdicts = 3 };
	char *out;

	no_activity(s);
	s->wait = &w;
	/* 8 lines, 4 of them the frame: 2 for the verdicts, 2 for the rows */
	out = live_table(s, 70, 8);
	cr_expect_str_eq(out, CLEAR
		"ipctrace  elapsed 1.0s  edges 5  lost: events 0, map full 0\n"
		HEAD_ROW
		"18/w4                19/r4                pipe       pipe:[104]               5     4.9K      0      0\n"
		"... 4 more edges\n"
		"bottleneck: 11/r0 -- 10/w0 waited 91% of the time writing to it (pipe:\n"
		"... 2 more bottlenecks\n");
	free(out);
	/* with room, all of them */
	out = live_table(s, 0, 20);
	cr_expect(strstr(out, "(pipe:[100] full)\nbottleneck: 13/r1 -- 12/w1 waited 50% of the time "
			      "writing to it (pipe:[101] full)\nbottleneck: 15/r2"), "%s", out);
	free(out);
	s->wait = NULL;
	snapshot_free(s);
	model_free(m);
}

/* ---- DOT: thickness, wake-ups, bottlenecks ---- */

Test(dot, penwidth_wakes_and_bottleneck)
{
	struct model *m;
	struct snapshot *s = pipes(&m, 3);
	struct edge *wake = edge_from(s, 12);
	struct bottleneck b = verdict(edge_from(s, 10), true, WAIT_BACKPRESSURE, 0.9);
	struct waitfor w = { .span_s = 1.0, .verdicts = &b, .n_verdicts = 1 };
	char *out;

	/* wake-ups alone: no message went that way */
	wake->msgs = wake->bytes = 0;
	wake->wakes = 4;
	edge_from(s, 14)->bytes = 2000000000;
	s->wait = &w;
	out = render_dot_str(s);
	cr_expect_str_eq(out,
		"digraph ipctrace {\n"
		"\trankdir=LR;\n"
		"\tnode [shape=box];\n"
		"\tp10_10000000 [label=\"w0\\npid 10\"];\n"
		"\tp11_11000000 [label=\"r0\\npid 11\\nbottleneck\", style=filled, fillcolor=\"#ffd0d0\", penwidth=2];\n"
		"\tp12_12000000 [label=\"w1\\npid 12\"];\n"
		"\tp13_13000000 [label=\"r1\\npid 13\"];\n"
		"\tp14_14000000 [label=\"w2\\npid 14\"];\n"
		"\tp15_15000000 [label=\"r2\\npid 15\"];\n"
		"\tp14_14000000 -> p15_15000000 [label=\"pipe pipe:[102]\\n3 msgs, 2000000000 B\", penwidth=6.0];\n"
		"\tp12_12000000 -> p13_13000000 [label=\"pipe pipe:[101]\\n0 msgs, 0 B\", style=dashed];\n"
		"\tp10_10000000 -> p11_11000000 [label=\"pipe pipe:[100]\\n1 msgs, 1000 B\", penwidth=3.0];\n"
		"}\n");
	free(out);
	s->wait = NULL;
	snapshot_free(s);
	model_free(m);
}

/* A bottleneck among -a nodes, and among the names of folded edges. */
Test(dot, bottleneck_key_and_name_nodes)
{
	struct model *m = model_new();
	struct snapshot *s;
	struct bottleneck b = { .who = { .comm = "cat" } };
	struct waitfor w = { .span_s = 1.0, .verdicts = &b, .n_verdicts = 1 };
	char *out;

	feed_ep(m, P(1), "bash", MECH_PIPE, 0, 7, 1, 10, 0);
	feed_ep(m, P(2), "cat", MECH_PIPE, 1, 7, 1, 10, 0);
	feed_ep(m, P(3), "cat", MECH_PIPE, 1, 8, 1, 10, 0);
	feed_ep(m, P(4), "bash", MECH_PIPE, 0, 8, 1, 10, 0);
	model_set_aggregate(m, AGG_COMM);
	s = model_snapshot(m, true, true, 1.0, 0, NULL);
	cr_assert_not_null(s);
	s->wait = &w;
	out = render_dot_str(s);
	cr_expect(strstr(out, "\tk_636174 [label=\"cat\\n2 processes\\nbottleneck\", style=filled, "
			      "fillcolor=\"#ffd0d0\", penwidth=2];\n"), "%s", out);
	cr_expect(strstr(out, "\tk_62617368 [label=\"bash\\n2 processes\"];\n"), "%s", out);
	s->wait = NULL;
	snapshot_free(s);
	free(out);
	model_free(m);

	m = model_new();
	feed_ep(m, P(1), "echo", MECH_PIPE, 0, 7, 1, 10, 0);
	feed_ep(m, P(2), "cat", MECH_PIPE, 1, 7, 1, 10, 0);
	s = model_snapshot(m, true, true, 1.0, 0, NULL);
	cr_assert_not_null(s);
	/* as retention leaves an edge: names, no pids */
	s->edges[0].folded = 1;
	s->edges[0].src.pid = s->edges[0].dst.pid = 0;
	s->wait = &w;
	out = render_dot_str(s);
	cr_expect(strstr(out, "\tn_636174 [label=\"cat\\n(gone)\\nbottleneck\", style=\"dotted,filled\", "
			      "fillcolor=\"#ffd0d0\", penwidth=2];\n"), "%s", out);
	cr_expect(strstr(out, "\tn_6563686f [label=\"echo\\n(gone)\", style=dotted];\n"), "%s", out);
	s->wait = NULL;
	snapshot_free(s);
	free(out);
	model_free(m);
}

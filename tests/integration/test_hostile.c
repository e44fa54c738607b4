// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * A process name made to break output (quote, backslash, newline, ESC, a
 * byte that is not UTF-8) must come out as valid JSON that decodes to the
 * documented spelling, and as DOT and table text without control bytes.
 */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "harness.h"

/*
 * What examples/hostile_name.c sets, as ipctrace's JSON decodes: a byte
 * that is not UTF-8 is written as \u00XX, i.e. the code point of its value
 * (0xff becomes U+00FF, "\xc3\xbf" in UTF-8).
 */
static const char hostile_decoded[] = "q\"b\\s\n\x1b[31m\xc3\xbf!x";

TestSuite(hostile, .timeout = 120);

Test(hostile, json_name_round_trips)
{
	struct traced *tr = harness_trace_example("hostile_name", NULL);
	const struct json_object *e = NULL;

	for (size_t i = 0; i < tr->edges.n && !e; i++) {
		const char *mech = json_get_str(tr->edges.v[i], "mech");

		if (mech && !strcmp(mech, "pipe"))
			e = tr->edges.v[i];
	}
	if (!e)
		harness_dump(tr, "no pipe edge");
	cr_assert_not_null(e);
	cr_expect_str_eq(json_get_str(json_get(e, "src"), "comm"), hostile_decoded);
	/* the raw text holds no control byte but the line ends */
	for (const char *p = tr->out_text; *p; p++)
		cr_assert(*p == '\n' || (unsigned char)*p >= 0x20, "raw byte 0x%02x in JSON output",
			  (unsigned char)*p);
	harness_traced_free(tr);
}

/* Run ipctrace -f FMT over the example; return its output. */
static char *render(const char *fmt)
{
	char dir[] = "/tmp/ipctrace-hostile.XXXXXX", out[128], err[128];
	char *argv[] = { IPCTRACE_BIN, "-f", (char *)fmt, "-o", out, "--",
			 EXAMPLES_DIR "/hostile_name", NULL };
	struct run_result res;
	char *text, *diag;

	harness_require_bpf();
	harness_require_binaries("hostile_name");
	cr_assert_not_null(mkdtemp(dir));
	snprintf(out, sizeof(out), "%s/out", dir);
	snprintf(err, sizeof(err), "%s/err", dir);
	cr_assert_eq(harness_run(argv, "/dev/null", err, 60, &res), 0);
	text = harness_slurp(out);
	diag = harness_slurp(err);
	cr_assert(!res.timed_out && WIFEXITED(res.status) && WEXITSTATUS(res.status) == 0,
		  "ipctrace -f %s failed:\n%s", fmt, diag);
	unlink(out);
	unlink(err);
	rmdir(dir);
	free(diag);
	return text;
}

/* No control byte but line ends and the tabs DOT indents with. */
static void expect_clean_text(const char *text, const char *fmt)
{
	for (const char *p = text; *p; p++)
		cr_assert(*p == '\n' || *p == '\t' || (unsigned char)*p >= 0x20,
			  "-f %s printed raw byte 0x%02x:\n%s", fmt, (unsigned char)*p, text);
}

Test(hostile, dot_is_clean)
{
	char *text = render("dot");
	int quotes = 0;

	expect_clean_text(text, "dot");
	cr_assert(strstr(text, "digraph"), "not DOT:\n%s", text);
	/* every line's string literals are closed: an even number of unescaped quotes */
	for (const char *p = text; *p; p++) {
		if (*p == '\\' && p[1]) {
			p++;
			continue;
		}
		if (*p == '"')
			quotes++;
		if (*p == '\n') {
			cr_assert(quotes % 2 == 0, "unbalanced quotes in DOT:\n%s", text);
			quotes = 0;
		}
	}
	free(text);
}

Test(hostile, table_is_clean)
{
	char *text = render("table");

	expect_clean_text(text, "table");
	cr_assert(strstr(text, "pipe"), "no pipe row:\n%s", text);
	free(text);
}

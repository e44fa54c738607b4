// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * -f svg on a real run: the pipeline example drawn by Graphviz's library,
 * to an -o file and to redirected standard output.  Needs root and BPF.
 */
#include <criterion/criterion.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "harness.h"

struct svg_run {
	char dir[64], svg[128], out[128], err[128];
	struct run_result res;
	char *svg_text, *out_text, *err_text;
};

/* ./ipctrace -f svg [-o DIR/ipc.svg] -- examples/bin/pipeline -n 500 -s 100 */
static void svg_run(struct svg_run *r, bool to_file)
{
	char *argv[16];
	int n = 0;
	char how[160];

	memset(r, 0, sizeof(*r));
	harness_require_bpf();
	harness_require_binaries("pipeline");
	strcpy(r->dir, "/tmp/ipctrace-svg.XXXXXX");
	cr_assert(mkdtemp(r->dir), "mkdtemp: %s", strerror(errno));
	snprintf(r->svg, sizeof(r->svg), "%s/ipc.svg", r->dir);
	snprintf(r->out, sizeof(r->out), "%s/stdout", r->dir);
	snprintf(r->err, sizeof(r->err), "%s/stderr", r->dir);
	argv[n++] = IPCTRACE_BIN;
	argv[n++] = "-f";
	argv[n++] = "svg";
	if (to_file) {
		argv[n++] = "-o";
		argv[n++] = r->svg;
	}
	argv[n++] = "--";
	argv[n++] = EXAMPLES_DIR "/pipeline";
	argv[n++] = "-n";
	argv[n++] = "500";
	argv[n++] = "-s";
	argv[n++] = "100";
	argv[n] = NULL;
	cr_assert(harness_run(argv, r->out, r->err, HARNESS_TIMEOUT_S, &r->res) == 0,
		  "cannot run ipctrace: %s", strerror(errno));
	r->svg_text = harness_slurp(r->svg);
	r->out_text = harness_slurp(r->out);
	r->err_text = harness_slurp(r->err);
	cr_assert(!r->res.timed_out && WIFEXITED(r->res.status) && WEXITSTATUS(r->res.status) == 0,
		  "ipctrace -f svg %s\n--- stderr:\n%s", harness_describe(&r->res, how, sizeof(how)),
		  r->err_text);
}

static void svg_free(struct svg_run *r)
{
	unlink(r->svg);
	unlink(r->out);
	unlink(r->err);
	rmdir(r->dir);
	free(r->svg_text);
	free(r->out_text);
	free(r->err_text);
}

/* One SVG document naming the pipeline's four processes, with its pipes and signals. */
static void expect_pipeline_svg(const char *svg)
{
	size_t len = strlen(svg);
	const char *comms[] = { "pipeline", "producer", "filter", "consumer" };

	cr_assert(!strncmp(svg, "<?xml", 5) || !strncmp(svg, "<svg", 4),
		  "not an SVG document:\n%.300s", svg);
	while (len && (svg[len - 1] == '\n' || svg[len - 1] == ' '))
		len--;
	cr_expect(len >= 6 && !strncmp(svg + len - 6, "</svg>", 6), "does not end with </svg>:\n%s",
		  svg);
	cr_expect(strstr(svg, "<svg") && !strstr(strstr(svg, "<svg") + 4, "<svg"),
		  "not exactly one <svg> element:\n%s", svg);
	for (size_t i = 0; i < sizeof(comms) / sizeof(*comms); i++) {
		char text[64];

		/* a node label's first line is the comm, a <text> of its own */
		snprintf(text, sizeof(text), ">%s</text>", comms[i]);
		cr_expect_not_null(strstr(svg, text), "no node for '%s':\n%s", comms[i], svg);
	}
	cr_expect_not_null(strstr(svg, ">pipe pipe:["), "no pipe edge:\n%s", svg);
	cr_expect_not_null(strstr(svg, ">500 msgs, 50000 B</text>"), "producer's pipe not counted:\n%s",
			   svg);
	cr_expect_not_null(strstr(svg, ">signal SIGCHLD CLD_EXITED</text>"), "no SIGCHLD edge:\n%s",
			   svg);
	cr_expect_not_null(strstr(svg, "stroke=\"red\""), "signals are not red:\n%s", svg);
}

TestSuite(svg, .timeout = 120);

Test(svg, pipeline_to_file)
{
	struct svg_run r;

	svg_run(&r, true);
	expect_pipeline_svg(r.svg_text);
	cr_expect_str_empty(r.out_text, "stdout should stay empty with -o:\n%s", r.out_text);
	cr_expect_null(strstr(r.err_text, "ipctrace:"), "ipctrace complained:\n%s", r.err_text);
	svg_free(&r);
}

/* Standard output that is not a terminal (here a file) takes the picture as -o does. */
Test(svg, pipeline_to_redirected_stdout)
{
	struct svg_run r;

	svg_run(&r, false);
	/* the pipeline's own stderr lines (its truth) go to the other file */
	expect_pipeline_svg(r.out_text);
	svg_free(&r);
}

// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * ipctrace run inside a pid namespace, as in a container: the kernel's
 * pids must be used for filtering and self-exclusion, the pids the user
 * sees must be shown (ns_pid) and accepted by -p.  Needs root, BPF and
 * unshare(1) from util-linux.
 */
#include <criterion/criterion.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "harness.h"

TestSuite(ns, .timeout = 120);

struct ns_run {
	char dir[64], out[128], err[128];
	struct run_result res;
	char *out_text, *err_text;
};

/* sh -c script, inside a new pid namespace with its own /proc; cwd is the repository. */
static void run_in_pid_ns(struct ns_run *r, const char *script)
{
	char *argv[] = { "/usr/bin/unshare", "-p", "-f", "--mount-proc", "sh", "-c", (char *)script, NULL };
	char buf[128];

	harness_require_bpf();
	harness_require_binaries("pipe");
	cr_assert(access("/usr/bin/unshare", X_OK) == 0, "unshare (util-linux) is needed");
	snprintf(r->dir, sizeof(r->dir), "/tmp/ipctrace-ns.XXXXXX");
	cr_assert_not_null(mkdtemp(r->dir));
	snprintf(r->out, sizeof(r->out), "%s/out", r->dir);
	snprintf(r->err, sizeof(r->err), "%s/err", r->dir);
	cr_assert_eq(harness_run(argv, r->out, r->err, HARNESS_TIMEOUT_S, &r->res), 0);
	r->out_text = harness_slurp(r->out);
	r->err_text = harness_slurp(r->err);
	cr_assert(WIFEXITED(r->res.status) && WEXITSTATUS(r->res.status) == 0,
		  "%s\n--- stdout ---\n%s--- stderr ---\n%s",
		  harness_describe(&r->res, buf, sizeof(buf)), r->out_text, r->err_text);
}

static void ns_run_free(struct ns_run *r)
{
	char cmd[160];

	free(r->out_text);
	free(r->err_text);
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", r->dir);
	cr_expect_eq(system(cmd), 0);
}

/* The first line of text holding needle, parsed; NULL if none. */
static struct json_object *line_with(const char *text, const char *needle, bool final_only)
{
	for (const char *p = text; p && *p; ) {
		const char *nl = strchr(p, '\n');
		size_t len = nl ? (size_t)(nl - p) : strlen(p);
		char *line = strndup(p, len);

		if (strstr(line, needle) && (!final_only || strstr(line, "\"final\":true"))) {
			struct json_object *j = json_parse(line, NULL, 0);

			free(line);
			return j;
		}
		free(line);
		p = nl ? nl + 1 : NULL;
	}
	return NULL;
}

static int64_t end_int(const struct json_object *edge, const char *end, const char *key)
{
	int64_t v = -1;

	json_get_int(json_get(edge, end), key, &v);
	return v;
}

Test(ns, command_traced_exactly_with_namespace_pids)
{
	struct ns_run r;
	struct json_object *truth, *edge;
	int64_t src, dst, msgs, bytes;

	run_in_pid_ns(&r, "exec ./ipctrace -f json -- examples/bin/pipe -n 1000 -s 64");
	truth = line_with(r.err_text, "\"type\":\"truth\",\"mech\":\"pipe\"", false);
	cr_assert_not_null(truth, "no truth line:\n%s", r.err_text);
	cr_assert(json_get_int(truth, "src", &src) && json_get_int(truth, "dst", &dst));
	edge = line_with(r.out_text, "\"mech\":\"pipe\"", true);
	cr_assert_not_null(edge, "no final pipe edge (namespace pids used for the kernel's?)\n%s",
			   r.out_text);
	cr_expect(json_get_int(edge, "msgs", &msgs) && msgs == 1000, "%s", r.out_text);
	cr_expect(json_get_int(edge, "bytes", &bytes) && bytes == 64000, "%s", r.out_text);
	/* the example's getpid() is its namespace pid: shown as ns_pid */
	cr_expect_eq(end_int(edge, "src", "ns_pid"), src, "%s", r.out_text);
	cr_expect_eq(end_int(edge, "dst", "ns_pid"), dst, "%s", r.out_text);
	cr_expect_neq(end_int(edge, "src", "pid"), src, "pid stays the kernel's");
	cr_expect_null(strstr(r.out_text, "\"comm\":\"ipctrace\""),
		       "ipctrace traced itself:\n%s", r.out_text);
	json_object_put(truth);
	json_object_put(edge);
	ns_run_free(&r);
}

/* -p takes the pid the namespace shows: sleep's SIGCHLD to its shell is kept. */
Test(ns, pid_filter_takes_namespace_pids)
{
	struct ns_run r;
	struct json_object *edge, *report;
	int64_t ns_src, n;

	/* sleep must outlive ipctrace's start-up, which waits for an earlier detach */
	harness_wait_detached();
	run_in_pid_ns(&r, "sleep 1.5 & S=$!; echo \"sleep=$S\" >&2; "
			  "./ipctrace -f json -d 3 -p $S; wait");
	report = line_with(r.out_text, "\"type\":\"report\"", true);
	cr_assert_not_null(report, "no final report:\n%s", r.out_text);
	cr_expect(json_get_int(report, "edges", &n) && n >= 1,
		  "-p with the namespace pid found nothing:\n%s\n%s", r.out_text, r.err_text);
	edge = line_with(r.out_text, "\"signal\":\"SIGCHLD\"", true);
	cr_assert_not_null(edge, "%s", r.out_text);
	ns_src = end_int(edge, "src", "ns_pid");
	cr_expect_str_eq(json_get_str(json_get(edge, "src"), "comm"), "sleep");
	cr_expect(strstr(r.err_text, "sleep=") &&
		  ns_src == strtoll(strstr(r.err_text, "sleep=") + 6, NULL, 10),
		  "ns_pid %" PRId64 ", stderr %s", ns_src, r.err_text);
	json_object_put(edge);
	json_object_put(report);
	ns_run_free(&r);
}

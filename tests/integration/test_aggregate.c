// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * -a, --aggregate: a shell loop of five `echo x | cat`, each pair on a
 * pipe of its own, is one sh -> cat pipe edge by comm, with the sums of
 * the five pairs.
 */
#include <criterion/criterion.h>
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "harness.h"

struct agg_run {
	char dir[64], out_path[128], err_path[128], json_path[128];
	struct run_result res;
	char *out, *err, *json;
};

static void agg_run(struct agg_run *r, char *const args[])
{
	char *argv[32];
	size_t n = 0;

	memset(r, 0, sizeof(*r));
	harness_require_binaries(NULL);
	strcpy(r->dir, "/tmp/ipctrace-agg.XXXXXX");
	cr_assert(mkdtemp(r->dir), "mkdtemp: %s", strerror(errno));
	snprintf(r->out_path, sizeof(r->out_path), "%s/stdout", r->dir);
	snprintf(r->err_path, sizeof(r->err_path), "%s/stderr", r->dir);
	snprintf(r->json_path, sizeof(r->json_path), "%s/out.json", r->dir);
	for (; args[n] && n < sizeof(argv) / sizeof(argv[0]) - 1; n++)
		argv[n] = strcmp(args[n], "@OUT@") ? args[n] : r->json_path;
	argv[n] = NULL;
	cr_assert(harness_run(argv, r->out_path, r->err_path, 60, &r->res) == 0,
		  "cannot run %s: %s", argv[0], strerror(errno));
	r->out = harness_slurp(r->out_path);
	r->err = harness_slurp(r->err_path);
	r->json = harness_slurp(r->json_path);
}

static void agg_free(struct agg_run *r)
{
	unlink(r->out_path);
	unlink(r->err_path);
	unlink(r->json_path);
	rmdir(r->dir);
	free(r->out);
	free(r->err);
	free(r->json);
}

TestSuite(aggregate, .timeout = 120);

Test(aggregate, unknown_key_is_a_usage_error)
{
	struct agg_run r;

	agg_run(&r, (char *[]){ IPCTRACE_BIN, "-a", "name", "-d", "1", NULL });
	cr_expect(WIFEXITED(r.res.status) && WEXITSTATUS(r.res.status) == 2, "stderr: %s", r.err);
	cr_expect(strstr(r.err, "invalid aggregate key 'name'"), "stderr: %s", r.err);
	cr_expect_eq(*r.out, '\0');
	agg_free(&r);
}

Test(aggregate, shell_loop_is_one_edge_by_comm)
{
	struct agg_run r;
	int n_edges = 0, found = 0, nodes = 0;
	char *line, *save = NULL;

	harness_require_bpf();
	agg_run(&r, (char *[]){ IPCTRACE_BIN, "-f", "json", "-a", "comm", "-o", "@OUT@", "--",
				"/bin/sh", "-c",
				"for i in 1 2 3 4 5; do echo x | cat >/dev/null; done", NULL });
	cr_assert(!r.res.timed_out && WIFEXITED(r.res.status) && WEXITSTATUS(r.res.status) == 0,
		  "ipctrace failed: %s", r.err);
	for (line = strtok_r(r.json, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
		char err[128];
		struct json_object *o = json_parse(line, err, sizeof(err));
		const char *type;
		int64_t pairs, bytes, msgs;

		cr_assert_not_null(o, "not JSON (%s): %s", err, line);
		type = json_get_str(o, "type");
		cr_assert_not_null(type, "%s", line);
		if (!strcmp(type, "process")) {
			cr_expect_str_eq(json_get_str(o, "key"), "comm", "%s", line);
			cr_expect_null(json_get(o, "pid"), "%s", line);
			nodes++;
		} else if (!strcmp(type, "edge")) {
			const char *mech = json_get_str(o, "mech");
			const char *src = json_get_str(json_get(o, "src"), "comm");
			const char *dst = json_get_str(json_get(o, "dst"), "comm");

			n_edges++;
			cr_expect_null(json_get(json_get(o, "src"), "pid"), "%s", line);
			cr_expect(json_get_int(o, "pairs", &pairs), "%s", line);
			if (mech && src && dst && !strcmp(mech, "pipe") && !strcmp(src, "sh") &&
			    !strcmp(dst, "cat")) {
				found++;
				cr_expect(json_get_int(o, "bytes", &bytes) && bytes == 10, "%s", line);
				cr_expect(json_get_int(o, "msgs", &msgs) && msgs == 5, "%s", line);
				cr_expect_eq(pairs, 5, "%s", line);
				cr_expect_str_eq(json_get_str(o, "object"), "pipe", "%s", line);
				cr_expect(json_is_true(o, "exact"), "%s", line);
			}
		}
		json_object_put(o);
	}
	cr_expect_eq(found, 1, "one sh -> cat pipe edge (of %d edges)", n_edges);
	cr_expect_geq(nodes, 2, "the sh and cat nodes");
	agg_free(&r);
}

/*
 * By exe: the echo side is a forked shell, which runs the shell's
 * executable; the cat side is /usr/bin/cat, or "?" when it was gone before
 * its path could be read.  Either way the sums hold.
 */
Test(aggregate, shell_loop_by_exe)
{
	struct agg_run r;
	char sh[PATH_MAX];
	int64_t pairs = 0, bytes = 0, v;
	char *line, *save = NULL;

	harness_require_bpf();
	cr_assert_not_null(realpath("/bin/sh", sh));
	agg_run(&r, (char *[]){ IPCTRACE_BIN, "-f", "json", "-a", "exe", "-o", "@OUT@", "--",
				"/bin/sh", "-c",
				"for i in 1 2 3 4 5; do echo x | cat >/dev/null; done", NULL });
	cr_assert(!r.res.timed_out && WIFEXITED(r.res.status) && WEXITSTATUS(r.res.status) == 0,
		  "ipctrace failed: %s", r.err);
	for (line = strtok_r(r.json, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
		char err[128];
		struct json_object *o = json_parse(line, err, sizeof(err));
		const char *type, *mech, *src, *dst;

		cr_assert_not_null(o, "not JSON (%s): %s", err, line);
		type = json_get_str(o, "type");
		mech = json_get_str(o, "mech");
		src = json_get_str(json_get(o, "src"), "exe");
		dst = json_get_str(json_get(o, "dst"), "exe");
		if (type && !strcmp(type, "edge") && mech && !strcmp(mech, "pipe") && src &&
		    !strcmp(src, sh) && dst && (!strcmp(dst, "?") || strstr(dst, "cat"))) {
			cr_expect(json_get_int(o, "pairs", &v), "%s", line);
			pairs += v;
			cr_expect(json_get_int(o, "bytes", &v), "%s", line);
			bytes += v;
		}
		json_object_put(o);
	}
	cr_expect_eq(pairs, 5, "pipe pairs from %s to cat:\n%s", sh, r.json);
	cr_expect_eq(bytes, 10);
	agg_free(&r);
}

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


TestSuite(aggregate, .timeout = 120);

Test(aggregate, unknown_key_is_a_usage_error)
{
	struct cli_run r;

	cli_run_for(&r, (char *[]){ IPCTRACE_BIN, "-a", "name", "-d", "1", NULL }, 60);
	cr_expect(WIFEXITED(r.res.status) && WEXITSTATUS(r.res.status) == 2, "stderr: %s", r.err);
	cr_expect(strstr(r.err, "invalid aggregate key 'name'"), "stderr: %s", r.err);
	cr_expect_eq(*r.out, '\0');
	cli_free(&r);
}

Test(aggregate, shell_loop_is_one_edge_by_comm)
{
	struct cli_run r;
	int n_edges = 0, found = 0, nodes = 0;
	char *line, *save = NULL;

	harness_require_bpf();
	cli_run_for(&r, (char *[]){ IPCTRACE_BIN, "-f", "json", "-a", "comm", "-o", OUT_FILE, "--",
				"/bin/sh", "-c",
				"for i in 1 2 3 4 5; do echo x | cat >/dev/null; done", NULL }, 60);
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
	cli_free(&r);
}

/*
 * By exe: the echo side is a forked shell, which runs the shell's
 * executable; the cat side is /usr/bin/cat, or "?" when it was gone before
 * its path could be read.  Either way the sums hold.
 */
Test(aggregate, shell_loop_by_exe)
{
	struct cli_run r;
	char sh[PATH_MAX];
	int64_t pairs = 0, bytes = 0, v;
	char *line, *save = NULL;

	harness_require_bpf();
	cr_assert_not_null(realpath("/bin/sh", sh));
	cli_run_for(&r, (char *[]){ IPCTRACE_BIN, "-f", "json", "-a", "exe", "-o", OUT_FILE, "--",
				"/bin/sh", "-c",
				"for i in 1 2 3 4 5; do echo x | cat >/dev/null; done", NULL }, 60);
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
	cli_free(&r);
}

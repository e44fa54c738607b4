// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * File hand-off (-m file): the bytes a reader read that a writer had
 * written, per writer -> reader, equal to what the examples know; no file
 * edge without -m file, and none for bytes nobody traced wrote.
 */
#include <criterion/criterion.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "harness.h"

#define ARGS(...) ((const char *const[]){ __VA_ARGS__, NULL })
#define WITH_FILE ARGS("-m", "all,file")

TestSuite(file, .timeout = 180);

static void check(const char *example, const char *const args[])
{
	harness_traced_free(harness_trace_example_opts(example, WITH_FILE, args));
}

/* echo "hello" > f; cat < f */
Test(file, handoff_through_the_shell)
{
	check("file_handoff", NULL);
}

Test(file, handoff_longer_text)
{
	check("file_handoff", ARGS("-t", "the quick brown fox jumps over the lazy dog, twice."));
}

Test(file, handoff_fallback_path)
{
	setenv("IPCTRACE_SLOW_PATH", "1", 1);
	check("file_handoff", NULL);
}

/* Two appenders at once, one reader after them: exact bytes and read calls per writer. */
Test(file, log_of_two_appenders)
{
	check("file_log", ARGS("-n", "2000"));
}

Test(file, log_read_in_small_calls)
{
	check("file_log", ARGS("-n", "500", "-a", "33", "-b", "101", "-r", "100"));
}

Test(file, log_read_in_one_call)
{
	check("file_log", ARGS("-n", "100", "-r", "1048576"));
}

Test(file, log_fallback_path)
{
	setenv("IPCTRACE_SLOW_PATH", "1", 1);
	check("file_log", ARGS("-n", "1000"));
}

static size_t file_edges(const struct traced *tr)
{
	size_t n = 0;

	for (size_t i = 0; i < tr->edges.n; i++) {
		const char *mech = json_get_str(tr->edges.v[i], "mech");

		n += mech && !strcmp(mech, "file");
	}
	return n;
}

/* Not in the default set: the same hand-off shows no file edge. */
Test(file, no_file_edge_without_m_file)
{
	char path[64];
	struct cli_run r;

	harness_require_bpf();
	harness_require_binaries("file_handoff");
	snprintf(path, sizeof(path), "/tmp/ipctrace-nofile.%d", (int)getpid());
	cli_run_for(&r, (char *[]){ IPCTRACE_BIN, "-f", "json", "-o", OUT_FILE, "--",
				    EXAMPLES_DIR "/file_handoff", "-p", path, NULL }, 60);
	cr_expect(WIFEXITED(r.res.status) && WEXITSTATUS(r.res.status) == 0,
		  "ipctrace failed:\n%s\n%s", r.out, r.err);
	cr_expect(strstr(r.json, "\"final\":true"), "no final report:\n%s", r.json);
	cr_expect(!strstr(r.json, "\"mech\":\"file\""), "a file edge without -m file:\n%s", r.json);
	cli_free(&r);
}

/*
 * The file was written before tracing began, by this (untraced) test: the
 * traced cat reads bytes nobody traced wrote, which is no edge.
 */
Test(file, bytes_of_an_untraced_writer_are_no_edge)
{
	char path[64];
	struct traced *tr;
	int fd;

	snprintf(path, sizeof(path), "/tmp/ipctrace-untraced.%d", (int)getpid());
	fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0644);
	cr_assert(fd >= 0 && write(fd, "hello\n", 6) == 6, "cannot write %s", path);
	close(fd);
	tr = harness_trace_example_opts("file_handoff", WITH_FILE, ARGS("-r", "-p", path));
	unlink(path);
	if (file_edges(tr)) {
		harness_dump(tr, "  - a file edge from bytes nobody traced wrote\n");
		cr_assert_fail("%zu file edges, want 0", file_edges(tr));
	}
	harness_traced_free(tr);
}

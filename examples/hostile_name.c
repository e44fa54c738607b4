// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * hostile_name: a process whose name is built to break naive output.  The
 * parent renames itself (prctl PR_SET_NAME) to a name holding a quote, a
 * backslash, a newline, an ESC and a byte that is not UTF-8, then writes
 * -n messages of -s bytes into a pipe read by its child.
 *
 * Truth (stderr): the pipe edge and the child's SIGCHLD.  The name itself
 * is known to the test (tests/integration/test_hostile.c).
 */
#include <getopt.h>
#include <sys/prctl.h>
#include "truth.h"

static const char usage[] = "[-n MSGS] [-s SIZE]";

/* 15 bytes, the most a comm holds; keep in step with test_hostile.c */
static const char hostile[] = "q\"b\\s\n\x1b[31m\xff!x";

int main(int argc, char **argv)
{
	uint64_t n = 100, size = 32, msgs = 0, bytes = 0, got = 0;
	int fds[2], opt, status;
	pid_t child;
	char *buf;

	while ((opt = getopt(argc, argv, "n:s:h")) != -1) {
		switch (opt) {
		case 'n': n = ex_parse_u64(optarg, 'n', 1, UINT32_MAX, usage); break;
		case 's': size = ex_parse_u64(optarg, 's', 1, 4096, usage); break;
		default: ex_die_usage(usage, NULL);
		}
	}
	if (optind != argc)
		ex_die_usage(usage, "unexpected argument '%s'", argv[optind]);
	ex_setup();

	buf = malloc(size);
	if (!buf || pipe(fds)) {
		perror("pipe");
		return 1;
	}
	memset(buf, 'h', size);
	/* renamed before the first byte moves, so every report names it so */
	if (prctl(PR_SET_NAME, hostile, 0, 0, 0)) {
		perror("prctl");
		return 1;
	}

	child = fork();
	if (child < 0) {
		perror("fork");
		return 1;
	}
	if (child == 0) {
		close(fds[1]);
		if (ex_drain(fds[0], 65536, &got) || got != n * size)
			_exit(1);
		_exit(0);
	}
	close(fds[0]);
	for (uint64_t i = 0; i < n; i++) {
		if (ex_write_all(fds[1], buf, size, &msgs, &bytes)) {
			perror("write");
			return 1;
		}
	}
	close(fds[1]);
	status = ex_wait(child);
	if (ex_child_ok("hostile_name reader", status))
		return 1;

	truth_pipe(getpid(), child, msgs, bytes);
	truth_sigchld(child, getpid(), status);
	free(buf);
	return 0;
}

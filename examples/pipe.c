// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * pipe: the parent writes -n messages of -s bytes into an anonymous pipe,
 * its child reads until EOF.
 *
 * Truth (stderr): the pipe edge parent -> child, and the child's SIGCHLD.
 * The child exits 1 unless it read exactly the bytes the parent means to
 * send, so "bytes" is both what was written and what was read.
 */
#include <getopt.h>
#include "truth.h"

static const char usage[] = "[-n MSGS] [-s SIZE]";

int main(int argc, char **argv)
{
	uint64_t n = 1000, size = 64, msgs = 0, bytes = 0;
	int fds[2], opt, err = 0, status;
	pid_t child;
	char *buf;

	while ((opt = getopt(argc, argv, "n:s:h")) != -1) {
		switch (opt) {
		case 'n': n = ex_parse_u64(optarg, 'n', 0, UINT32_MAX, usage); break;
		case 's': size = ex_parse_u64(optarg, 's', 1, EX_MAX_SIZE, usage); break;
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
	memset(buf, 'a', size);

	child = fork();
	if (child < 0) {
		perror("fork");
		return 1;
	}
	if (child == 0) {
		uint64_t got = 0;

		close(fds[1]);
		if (ex_drain(fds[0], 65536, &got)) {
			perror("read");
			_exit(1);
		}
		if (got != n * size) {
			fprintf(stderr, "pipe: child read %" PRIu64 " bytes, expected %" PRIu64 "\n",
				got, n * size);
			_exit(1);
		}
		_exit(0);
	}

	close(fds[0]);
	for (uint64_t i = 0; i < n; i++) {
		if (ex_write_all(fds[1], buf, size, &msgs, &bytes)) {
			perror("write");
			err = 1;
			break;
		}
	}
	close(fds[1]);
	status = ex_wait(child);
	err |= ex_child_ok("reader", status);

	truth_pipe(getpid(), child, msgs, bytes);
	truth_sigchld(child, getpid(), status);
	free(buf);
	return err;
}

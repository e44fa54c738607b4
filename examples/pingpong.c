// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * pingpong: the benchmark workload.  Parent and child exchange -n round
 * trips of -s bytes over two pipes: the parent writes, the child reads the
 * whole message and writes it back.  -C CPU pins both to one CPU (the
 * affinity is set before fork and inherited), so every hand-off is a
 * context switch on that CPU.
 *
 * Besides the truth lines (one per pipe, the child's SIGCHLD) the parent
 * prints {"type":"bench","round_trips":N,"size":S,"elapsed_ns":T}: the time
 * of the exchange alone, from the first write to the last read, so a
 * tracer's start-up and the fork are not part of it.
 */
#include <getopt.h>
#include <sched.h>
#include "truth.h"

static const char usage[] = "[-n ROUND_TRIPS] [-s SIZE] [-C CPU]";

int main(int argc, char **argv)
{
	uint64_t n = 100000, size = 1, msgs = 0, bytes = 0, got = 0, trips = 0, t0, t1;
	int ping[2], pong[2], opt, cpu = -1, err = 0, status;
	struct truth_buf b = { .len = 0 };
	pid_t child;
	char *buf;

	while ((opt = getopt(argc, argv, "n:s:C:h")) != -1) {
		switch (opt) {
		case 'n': n = ex_parse_u64(optarg, 'n', 0, UINT32_MAX, usage); break;
		case 's': size = ex_parse_u64(optarg, 's', 1, EX_MAX_SIZE, usage); break;
		case 'C': cpu = ex_parse_u64(optarg, 'C', 0, CPU_SETSIZE - 1, usage); break;
		default: ex_die_usage(usage, NULL);
		}
	}
	if (optind != argc)
		ex_die_usage(usage, "unexpected argument '%s'", argv[optind]);
	ex_setup();

	if (ex_pin_cpu(cpu))
		return 1;
	buf = malloc(size);
	if (!buf || pipe(ping) || pipe(pong)) {
		perror("pipe");
		return 1;
	}
	memset(buf, 'p', size);

	child = fork();
	if (child < 0) {
		perror("fork");
		return 1;
	}
	if (child == 0) {
		close(ping[1]);
		close(pong[0]);
		for (;;) {
			ssize_t r = ex_read_full(ping[0], buf, size, &got);

			if (r == 0)
				break;
			if (r < 0) {
				perror("pingpong: child read");
				err = 1;
				break;
			}
			if (ex_write_all(pong[1], buf, size, &msgs, &bytes)) {
				perror("pingpong: child write");
				err = 1;
				break;
			}
		}
		close(pong[1]);
		truth_pipe(getpid(), getppid(), msgs, bytes);
		if (!err && got != n * size) {
			fprintf(stderr, "pingpong: child read %" PRIu64 " bytes, expected %" PRIu64 "\n",
				got, n * size);
			err = 1;
		}
		_exit(err);
	}

	close(ping[0]);
	close(pong[1]);
	t0 = ex_now_ns();
	for (uint64_t i = 0; i < n; i++) {
		if (ex_write_all(ping[1], buf, size, &msgs, &bytes)) {
			perror("pingpong: write");
			err = 1;
			break;
		}
		if (ex_read_full(pong[0], buf, size, &got) <= 0) {
			perror("pingpong: read");
			err = 1;
			break;
		}
		trips++;
	}
	t1 = ex_now_ns();
	close(ping[1]);
	/* The child's echo bytes must all have come back. */
	if (!err && got != n * size) {
		fprintf(stderr, "pingpong: parent read %" PRIu64 " bytes\n", got);
		err = 1;
	}
	close(pong[0]);
	status = ex_wait(child);
	err |= ex_child_ok("child", status);

	truth_pipe(getpid(), child, msgs, bytes);
	truth_sigchld(child, getpid(), status);
	tb_printf(&b, "{\"type\":\"bench\",\"round_trips\":%" PRIu64 ",\"size\":%" PRIu64
		  ",\"elapsed_ns\":%" PRIu64 "}", trips, size, t1 - t0);
	tb_emit(&b);
	free(buf);
	return err;
}

// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * slow_consumer: backpressure.  A producer writes -n messages of -s bytes
 * as fast as it can into a pipe; the consumer reads -r bytes at a time and
 * sleeps between reads, spending at most -d milliseconds asleep in total.
 * The pipe (64 KiB) fills quickly, so the producer spends most of the run
 * blocked in write(): ipctrace should show the time blocked on the
 * producer's side.
 *
 * Truth (stderr): the pipe edge producer -> consumer and the consumer's
 * SIGCHLD.  The consumer exits 1 unless it read every byte.
 */
#include <getopt.h>
#include <sys/prctl.h>
#include "truth.h"

static const char usage[] = "[-n MSGS] [-s SIZE] [-r READ_SIZE] [-d DELAY_MS]";

static int consumer(int in, uint64_t expect, uint64_t rsize, uint64_t delay_ms)
{
	uint64_t got = 0, budget = delay_ms * 1000000, nap;
	char *buf = malloc(rsize);

	if (!buf)
		return 1;
	/* Spread the sleep budget evenly over the reads a full pipe would need. */
	nap = budget / (expect / rsize + 1);
	for (;;) {
		ssize_t n = read(in, buf, rsize);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			perror("consumer: read");
			return 1;
		}
		if (n == 0)
			break;
		got += n;
		if (budget) {
			uint64_t t = nap < budget ? nap : budget;

			ex_sleep_ns(t);
			budget -= t;
		}
	}
	free(buf);
	if (got != expect) {
		fprintf(stderr, "slow_consumer: read %" PRIu64 " bytes, expected %" PRIu64 "\n", got,
			expect);
		return 1;
	}
	return 0;
}

int main(int argc, char **argv)
{
	uint64_t n = 256, size = 4096, rsize = 16384, delay_ms = 1500, msgs = 0, bytes = 0;
	uint64_t t0, blocked_ms;
	int fds[2], opt, err = 0, status;
	pid_t child;
	char *buf;

	while ((opt = getopt(argc, argv, "n:s:r:d:h")) != -1) {
		switch (opt) {
		case 'n': n = ex_parse_u64(optarg, 'n', 0, UINT32_MAX, usage); break;
		case 's': size = ex_parse_u64(optarg, 's', 1, EX_MAX_SIZE, usage); break;
		case 'r': rsize = ex_parse_u64(optarg, 'r', 1, EX_MAX_SIZE, usage); break;
		case 'd': delay_ms = ex_parse_u64(optarg, 'd', 0, 60000, usage); break;
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
	memset(buf, 's', size);

	child = fork();
	if (child < 0) {
		perror("fork");
		return 1;
	}
	if (child == 0) {
		prctl(PR_SET_NAME, "slow-consumer");
		close(fds[1]);
		_exit(consumer(fds[0], n * size, rsize, delay_ms));
	}

	prctl(PR_SET_NAME, "producer");
	close(fds[0]);
	t0 = ex_now_ns();
	for (uint64_t i = 0; i < n; i++) {
		if (ex_write_all(fds[1], buf, size, &msgs, &bytes)) {
			perror("producer: write");
			err = 1;
			break;
		}
	}
	blocked_ms = (ex_now_ns() - t0) / 1000000;
	close(fds[1]);
	status = ex_wait(child);
	err |= ex_child_ok("consumer", status);

	truth_pipe(getpid(), child, msgs, bytes);
	truth_sigchld(child, getpid(), status);
	fprintf(stderr, "slow_consumer: producer spent %" PRIu64 " ms writing %" PRIu64
		" bytes\n", blocked_ms, bytes);
	free(buf);
	return err;
}

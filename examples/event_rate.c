// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * event_rate: the --events benchmark's workload.  The parent writes 1-byte
 * messages into a pipe at -r writes per second for -d seconds (paced
 * against the clock, in bursts of a millisecond's worth); the child reads
 * them one byte per read().  Every write and every read is one operation,
 * so a run offers 2 * r operations a second to a tracer.
 *
 * Truth (stderr): the pipe edge parent -> child and the child's SIGCHLD;
 * then {"type":"bench","writes":N,"elapsed_ns":T}.
 */
#include <getopt.h>
#include <time.h>
#include "truth.h"

static const char usage[] = "[-r WRITES_PER_S] [-d SECONDS]";

int main(int argc, char **argv)
{
	uint64_t rate = 100000, secs = 1, msgs = 0, bytes = 0, total, t0, t1, done = 0;
	int fds[2], opt, err = 0, status;
	struct truth_buf b = { .len = 0 };
	pid_t child;
	char c = 'x';

	while ((opt = getopt(argc, argv, "r:d:h")) != -1) {
		switch (opt) {
		case 'r': rate = ex_parse_u64(optarg, 'r', 1, 100000000, usage); break;
		case 'd': secs = ex_parse_u64(optarg, 'd', 1, 3600, usage); break;
		default: ex_die_usage(usage, NULL);
		}
	}
	if (optind != argc)
		ex_die_usage(usage, "unexpected argument '%s'", argv[optind]);
	ex_setup();
	if (pipe(fds)) {
		perror("pipe");
		return 1;
	}
	child = fork();
	if (child < 0) {
		perror("fork");
		return 1;
	}
	if (child == 0) {
		uint64_t got = 0;

		close(fds[1]);
		/* one byte per read: one read per write */
		if (ex_drain(fds[0], 1, &got)) {
			perror("read");
			_exit(1);
		}
		_exit(0);
	}
	close(fds[0]);
	total = rate * secs;
	t0 = ex_now_ns();
	while (done < total) {
		/* the writes due by now, at most a millisecond's worth at once */
		uint64_t due = (ex_now_ns() - t0) * rate / 1000000000ull + 1;

		if (due > total)
			due = total;
		for (; done < due; done++) {
			if (ex_write_all(fds[1], &c, 1, &msgs, &bytes)) {
				perror("write");
				err = 1;
				goto out;
			}
		}
		if (done < total) {
			struct timespec ts = { 0, 1000000000ull / rate < 1000000 ?
						  1000000000ull / rate : 999999 };

			nanosleep(&ts, NULL);
		}
	}
out:
	t1 = ex_now_ns();
	close(fds[1]);
	status = ex_wait(child);
	err |= ex_child_ok("reader", status);
	truth_pipe(getpid(), child, msgs, bytes);
	truth_sigchld(child, getpid(), status);
	tb_printf(&b, "{\"type\":\"bench\",\"writes\":%" PRIu64 ",\"elapsed_ns\":%" PRIu64 "}",
		  msgs, t1 - t0);
	tb_emit(&b);
	return err;
}

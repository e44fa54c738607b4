// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * slow_stage: a bottleneck in the middle of a pipeline.  producer -> middle
 * -> consumer, three children of one parent joined by two anonymous pipes
 * shrunk to -p bytes (default 4096: one page, so the first pipe is full
 * after a few messages).  The producer writes -n messages of -s bytes as
 * fast as it can; the middle reads one message, sleeps -d microseconds and
 * forwards it in one write; the consumer reads until EOF.  The run lasts
 * about n * d (1 s by default).
 *
 * So the producer spends nearly the whole run blocked writing into a full
 * pipe (backpressure) and the consumer blocked reading from an empty one
 * (starvation), both waiting on the middle, which itself never waits on
 * IPC after the first message: it is the bottleneck of the group.
 *
 * Truth (stderr): each writer prints the pipe edge it wrote into (producer
 * -> middle, middle -> consumer); the parent prints one SIGCHLD per stage
 * and then the verdict
 *
 *   {"type":"truth","mech":"bottleneck","pid":MIDDLE,"comm":"middle",
 *    "waiters":[{"pid":PRODUCER,"kind":"backpressure"},
 *               {"pid":CONSUMER,"kind":"starvation"}],
 *    "members":[PRODUCER,MIDDLE,CONSUMER],"edges":0}
 *
 * "waiters" are the processes that wait on it and how: whichever waited
 * longer may be the verdict's "waiter".  The line is printed only when the
 * verdict is not in doubt: -d 1000 or more (a millisecond per message is a
 * hundred times what the producer and the consumer spend on one), a run of
 * n * d >= 0.1 s (the waits outweigh start-up), and at least twice the
 * first pipe's capacity to send (the producer surely blocks).
 * "members" and "edges":0 make the
 * integration harness read the line as a group with no edge of the mech
 * "bottleneck" (there is none), so it is not taken for a missing edge.
 *
 * Every byte is the stream offset's pattern; the middle and the consumer
 * check each one and exit 1 unless they got exactly n * s bytes, so each
 * edge's bytes were both written and read.
 */
#include <fcntl.h>
#include <getopt.h>
#include <sys/prctl.h>
#include "truth.h"

static const char usage[] = "[-n MSGS] [-s SIZE] [-d DELAY_US] [-p PIPE_SIZE (0: default)]";

/* The byte at stream offset off: 251 is prime, so it lines up with no size. */
static inline char pattern(uint64_t off)
{
	return (char)(off % 251);
}

/* Check len bytes at stream offset off; 0 or -1 (said on stderr). */
static int verify(const char *who, const char *buf, size_t len, uint64_t off)
{
	for (size_t i = 0; i < len; i++) {
		if (buf[i] != pattern(off + i)) {
			fprintf(stderr, "slow_stage: %s: wrong byte at offset %" PRIu64 "\n", who,
				off + i);
			return -1;
		}
	}
	return 0;
}

struct ctx {
	int p1[2], p2[2]; /* producer -> middle, middle -> consumer */
	pid_t middle_pid, consumer_pid;
	uint64_t n, size, delay_us;
};

static int producer(struct ctx *c)
{
	uint64_t msgs = 0, bytes = 0;
	int err = 0;
	char *buf = malloc(c->size);

	if (!buf) {
		perror("producer: malloc");
		return 1;
	}
	for (uint64_t i = 0; i < c->n; i++) {
		for (uint64_t j = 0; j < c->size; j++)
			buf[j] = pattern(i * c->size + j);
		if (ex_write_all(c->p1[1], buf, c->size, &msgs, &bytes)) {
			perror("producer: write");
			err = 1;
			break;
		}
	}
	if (close(c->p1[1])) {
		perror("producer: close");
		err = 1;
	}
	truth_pipe(getpid(), c->middle_pid, msgs, bytes);
	free(buf);
	return err;
}

/* One message in, -d microseconds of "work", the same message out. */
static int middle(struct ctx *c)
{
	uint64_t msgs = 0, bytes = 0, got = 0, n = 0;
	int err = 0;
	char *buf = malloc(c->size);

	if (!buf) {
		perror("middle: malloc");
		return 1;
	}
	for (;;) {
		uint64_t off = got;
		ssize_t r = ex_read_full(c->p1[0], buf, c->size, &got);

		if (r == 0)
			break;
		if (r < 0) {
			perror("middle: read");
			err = 1;
			break;
		}
		if (verify("middle", buf, c->size, off)) {
			err = 1;
			break;
		}
		n++;
		ex_sleep_ns(c->delay_us * 1000);
		if (ex_write_all(c->p2[1], buf, c->size, &msgs, &bytes)) {
			perror("middle: write");
			err = 1;
			break;
		}
	}
	if (close(c->p2[1])) {
		perror("middle: close");
		err = 1;
	}
	truth_pipe(getpid(), c->consumer_pid, msgs, bytes);
	if (!err && (n != c->n || got != c->n * c->size)) {
		fprintf(stderr, "slow_stage: middle read %" PRIu64 " messages (%" PRIu64
			" bytes), expected %" PRIu64 "\n", n, got, c->n);
		err = 1;
	}
	free(buf);
	return err;
}

static int consumer(struct ctx *c)
{
	uint64_t got = 0;
	char buf[65536];

	for (;;) {
		ssize_t r = read(c->p2[0], buf, sizeof(buf));

		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0) {
			perror("consumer: read");
			return 1;
		}
		if (r == 0)
			break;
		if (verify("consumer", buf, r, got))
			return 1;
		got += r;
	}
	if (got != c->n * c->size) {
		fprintf(stderr, "slow_stage: consumer read %" PRIu64 " bytes, expected %" PRIu64
			"\n", got, c->n * c->size);
		return 1;
	}
	return 0;
}

/* fork() a stage named name; the child closes the fds it does not use and runs. */
static pid_t stage(const char *name, int (*run)(struct ctx *), struct ctx *c,
		   const int *close_fds, int nclose)
{
	pid_t pid = fork();

	if (pid < 0) {
		perror("fork");
		exit(1);
	}
	if (pid > 0)
		return pid;
	if (prctl(PR_SET_NAME, name))
		perror("prctl");
	for (int i = 0; i < nclose; i++) {
		if (close(close_fds[i])) {
			perror("close");
			_exit(1);
		}
	}
	_exit(run(c));
}

int main(int argc, char **argv)
{
	struct ctx c = { .n = 200, .size = 1024, .delay_us = 5000 };
	static const char *const names[] = { "producer", "middle", "consumer" };
	uint64_t pipe_size = 4096, capacity;
	struct truth_buf b = { .len = 0 };
	int opt, err = 0, status[3], n;
	pid_t pids[3];

	while ((opt = getopt(argc, argv, "n:s:d:p:h")) != -1) {
		switch (opt) {
		case 'n': c.n = ex_parse_u64(optarg, 'n', 1, UINT32_MAX, usage); break;
		case 's': c.size = ex_parse_u64(optarg, 's', 1, EX_MAX_SIZE, usage); break;
		case 'd': c.delay_us = ex_parse_u64(optarg, 'd', 0, 1000000, usage); break;
		case 'p': pipe_size = ex_parse_u64(optarg, 'p', 0, 1 << 20, usage); break;
		default: ex_die_usage(usage, NULL);
		}
	}
	if (optind != argc)
		ex_die_usage(usage, "unexpected argument '%s'", argv[optind]);
	ex_setup();

	if (pipe(c.p1) || pipe(c.p2)) {
		perror("pipe");
		return 1;
	}
	/* Small pipes: the producer is blocked on a full one within a few messages. */
	if (pipe_size && (fcntl(c.p1[1], F_SETPIPE_SZ, (int)pipe_size) < 0 ||
			  fcntl(c.p2[1], F_SETPIPE_SZ, (int)pipe_size) < 0)) {
		perror("fcntl(F_SETPIPE_SZ)");
		return 1;
	}
	n = fcntl(c.p1[1], F_GETPIPE_SZ);
	if (n < 0) {
		perror("fcntl(F_GETPIPE_SZ)");
		return 1;
	}
	capacity = n;

	/* Downstream first, so each stage knows the pid it writes to. */
	c.consumer_pid = pids[2] =
		stage("consumer", consumer, &c, (int[]){ c.p1[0], c.p1[1], c.p2[1] }, 3);
	c.middle_pid = pids[1] = stage("middle", middle, &c, (int[]){ c.p1[1], c.p2[0] }, 2);
	pids[0] = stage("producer", producer, &c, (int[]){ c.p1[0], c.p2[0], c.p2[1] }, 3);
	if (close(c.p1[0]) || close(c.p1[1]) || close(c.p2[0]) || close(c.p2[1])) {
		perror("close");
		err = 1;
	}

	for (int i = 0; i < 3; i++) {
		status[i] = ex_wait(pids[i]);
		err |= ex_child_ok(names[i], status[i]);
	}
	for (int i = 0; i < 3; i++)
		truth_sigchld(pids[i], getpid(), status[i]);

	if (c.delay_us < 1000 || c.n * c.delay_us < 100000 || c.n * c.size < 2 * capacity)
		return err;
	tb_printf(&b, "{\"type\":\"truth\",\"mech\":\"bottleneck\",\"pid\":%d,\"comm\":\"middle\","
		  "\"waiters\":[{\"pid\":%d,\"kind\":\"backpressure\"},"
		  "{\"pid\":%d,\"kind\":\"starvation\"}],\"members\":[%d,%d,%d],\"edges\":0}",
		  (int)pids[1], (int)pids[0], (int)pids[2], (int)pids[0], (int)pids[1],
		  (int)pids[2]);
	tb_emit(&b);
	return err;
}

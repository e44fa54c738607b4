// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * pipeline: producer | filter | consumer, three children of one parent
 * joined by two anonymous pipes.  The producer writes -n messages of -s
 * bytes; the filter uppercases whatever it reads and forwards it as one
 * write per read; the consumer reads until EOF.
 *
 * Truth (stderr): each stage prints the pipe edge it wrote into (producer
 * -> filter, filter -> consumer); the parent prints one SIGCHLD per stage.
 * The filter and consumer exit 1 unless they read every byte, so each
 * edge's bytes were both written and read.
 */
#include <ctype.h>
#include <getopt.h>
#include <sys/prctl.h>
#include "truth.h"

static const char usage[] = "[-n MSGS] [-s SIZE]";

static int producer(int out, pid_t next, uint64_t n, uint64_t size)
{
	uint64_t msgs = 0, bytes = 0;
	int err = 0;
	char *buf = malloc(size);

	if (!buf)
		return 1;
	for (uint64_t i = 0; i < size; i++)
		buf[i] = 'a' + i % 26;
	for (uint64_t i = 0; i < n; i++) {
		if (ex_write_all(out, buf, size, &msgs, &bytes)) {
			perror("producer: write");
			err = 1;
			break;
		}
	}
	close(out);
	truth_pipe(getpid(), next, msgs, bytes);
	free(buf);
	return err;
}

static int filter(int in, int out, pid_t next, uint64_t expect)
{
	uint64_t msgs = 0, bytes = 0, got = 0;
	char buf[4096];
	int err = 0;

	for (;;) {
		ssize_t n = read(in, buf, sizeof(buf));

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			perror("filter: read");
			err = 1;
			break;
		}
		if (n == 0)
			break;
		got += n;
		for (ssize_t i = 0; i < n; i++)
			buf[i] = toupper((unsigned char)buf[i]);
		if (ex_write_all(out, buf, n, &msgs, &bytes)) {
			perror("filter: write");
			err = 1;
			break;
		}
	}
	close(out);
	truth_pipe(getpid(), next, msgs, bytes);
	if (!err && got != expect) {
		fprintf(stderr, "pipeline: filter read %" PRIu64 " bytes, expected %" PRIu64 "\n",
			got, expect);
		err = 1;
	}
	return err;
}

static int consumer(int in, uint64_t expect)
{
	uint64_t got = 0;
	char buf[4096];

	for (;;) {
		ssize_t n = read(in, buf, sizeof(buf));

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			perror("consumer: read");
			return 1;
		}
		if (n == 0)
			break;
		for (ssize_t i = 0; i < n; i++) {
			if (islower((unsigned char)buf[i])) {
				fprintf(stderr, "pipeline: consumer got an unfiltered byte\n");
				return 1;
			}
		}
		got += n;
	}
	if (got != expect) {
		fprintf(stderr, "pipeline: consumer read %" PRIu64 " bytes, expected %" PRIu64 "\n",
			got, expect);
		return 1;
	}
	return 0;
}

/* fork() a stage named name; the child runs to completion and exits. */
static pid_t stage(const char *name, int (*run)(void *), void *arg, int *close_fds, int nclose)
{
	pid_t pid = fork();

	if (pid < 0) {
		perror("fork");
		exit(1);
	}
	if (pid > 0)
		return pid;
	prctl(PR_SET_NAME, name);
	for (int i = 0; i < nclose; i++)
		close(close_fds[i]);
	_exit(run(arg));
}

struct ctx {
	int p1[2], p2[2]; /* producer -> filter, filter -> consumer */
	pid_t filter_pid, consumer_pid;
	uint64_t n, size;
};

static int run_consumer(void *arg)
{
	struct ctx *c = arg;

	return consumer(c->p2[0], c->n * c->size);
}

static int run_filter(void *arg)
{
	struct ctx *c = arg;

	return filter(c->p1[0], c->p2[1], c->consumer_pid, c->n * c->size);
}

static int run_producer(void *arg)
{
	struct ctx *c = arg;

	return producer(c->p1[1], c->filter_pid, c->n, c->size);
}

int main(int argc, char **argv)
{
	struct ctx c = { .n = 1000, .size = 64 };
	int opt, err = 0, status[3];
	pid_t pids[3];

	while ((opt = getopt(argc, argv, "n:s:h")) != -1) {
		switch (opt) {
		case 'n': c.n = ex_parse_u64(optarg, 'n', 0, UINT32_MAX, usage); break;
		case 's': c.size = ex_parse_u64(optarg, 's', 1, EX_MAX_SIZE, usage); break;
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

	/*
	 * Downstream first, so each stage knows the pid it writes to.  Each
	 * stage closes the pipe ends it does not use: a stray write end held
	 * open would keep its reader from ever seeing EOF.
	 */
	c.consumer_pid = pids[2] = stage("consumer", run_consumer, &c,
					 (int[]){ c.p1[0], c.p1[1], c.p2[1] }, 3);
	c.filter_pid = pids[1] = stage("filter", run_filter, &c,
				       (int[]){ c.p1[1], c.p2[0] }, 2);
	pids[0] = stage("producer", run_producer, &c, (int[]){ c.p1[0], c.p2[0], c.p2[1] }, 3);
	close(c.p1[0]);
	close(c.p1[1]);
	close(c.p2[0]);
	close(c.p2[1]);

	for (int i = 0; i < 3; i++) {
		static const char *const names[] = { "producer", "filter", "consumer" };

		status[i] = ex_wait(pids[i]);
		err |= ex_child_ok(names[i], status[i]);
	}
	for (int i = 0; i < 3; i++)
		truth_sigchld(pids[i], getpid(), status[i]);
	return err;
}

// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * churn: process churn for the soak test.  The parent forks -r children per
 * second for -d seconds (rate * seconds children in all, started on a
 * fixed schedule; when it falls behind it starts the next at once, so the
 * totals never depend on the machine's speed).  Each child, with -k
 * KINDS (default pipe,unix,signal):
 *
 *   unix    reads the -s bytes the parent sent it on a fresh socketpair
 *           and sends them back in one write (two unix_stream edges, one
 *           per direction);
 *   pipe    writes -s bytes into a fresh pipe the parent drains to EOF
 *           (one pipe edge, child -> parent);
 *   signal  kill(parent, SIGUSR1) (SI_USER); the parent's handler counts it;
 *
 * then exits 0; its SIGCHLD (CLD_EXITED) is one more signal edge.  At most
 * -j children are in flight (default 2, so that starting one overlaps the
 * previous one's run): before it starts another the parent finishes the
 * oldest, reading what it sent and reaping it.  Children never exec, so
 * both ends of every edge are named "churn".
 *
 * At the end the parent prints one ground-truth line of totals on stderr
 * (a per-child line would be millions of lines), then a bench line:
 *
 *   {"type":"truth","totals":true,"procs":N,
 *    "pipe":{"msgs":N,"bytes":B},"unix_stream":{"msgs":M,"bytes":B2},
 *    "signal":{"SIGUSR1":{"msgs":N,"delivered":D},"SIGCHLD":{"msgs":N}}}
 *   {"type":"bench","procs":N,"elapsed_ns":T,"rate":R,"max_lag_ns":L}
 *
 * "delivered" counts handler runs: two children's SIGUSR1s can merge into
 * one pending signal.  A mechanism not in -k is left out of the truth line.
 * It exits 1 if a child failed or anything read differs from what was sent.
 */
#include <getopt.h>
#include <sys/socket.h>
#include "truth.h"

static const char usage[] =
	"[-r PROCS_PER_SEC] [-d SECONDS] [-s SIZE] [-k pipe,unix,signal] [-j IN_FLIGHT]";

enum { K_PIPE = 1, K_UNIX = 2, K_SIGNAL = 4, K_ALL = 7 };

#define MAX_MSG 4096
#define MAX_DEPTH 64

static volatile sig_atomic_t usr1_seen;

static void on_usr1(int sig)
{
	(void)sig;
	usr1_seen++;
}

static unsigned parse_kinds(const char *list)
{
	char *copy = strdup(list), *save = NULL, *w;
	unsigned kinds = 0;

	if (!copy)
		ex_die_usage(usage, "out of memory");
	for (w = strtok_r(copy, ",", &save); w; w = strtok_r(NULL, ",", &save)) {
		if (!strcmp(w, "pipe"))
			kinds |= K_PIPE;
		else if (!strcmp(w, "unix"))
			kinds |= K_UNIX;
		else if (!strcmp(w, "signal"))
			kinds |= K_SIGNAL;
		else if (!strcmp(w, "all"))
			kinds |= K_ALL;
		else
			ex_die_usage(usage, "-k: unknown kind '%s'", w);
	}
	free(copy);
	if (!kinds)
		ex_die_usage(usage, "-k: no kind given");
	return kinds;
}

/* A child in flight: its pid and the parent's ends of its pipe and socketpair. */
struct kid {
	pid_t pid;
	int pfd, sfd;
};

static struct kid ring[MAX_DEPTH];
static unsigned ring_head, ring_len;

struct totals {
	uint64_t procs, pipe_msgs, pipe_bytes, unix_msgs, unix_bytes, usr1, chld;
};

/* The child's side; never returns. */
static void child_run(unsigned kinds, int pfd, int sfd, size_t size)
{
	char buf[MAX_MSG];
	uint64_t msgs = 0, bytes = 0;

	/* the other children's ends, inherited: not ours to hold */
	for (unsigned i = 0; i < ring_len; i++) {
		struct kid *k = &ring[(ring_head + i) % MAX_DEPTH];

		if (k->pfd >= 0)
			close(k->pfd);
		if (k->sfd >= 0)
			close(k->sfd);
	}
	if (kinds & K_UNIX) {
		if (ex_read_full(sfd, buf, size, &bytes) != (ssize_t)size)
			_exit(1);
		if (ex_write_all(sfd, buf, size, &msgs, &bytes) || msgs != 1)
			_exit(1); /* the parent counts the echo as one message */
	}
	if (kinds & K_PIPE) {
		memset(buf, 'c', size);
		if (ex_write_all(pfd, buf, size, &msgs, &bytes))
			_exit(1);
	}
	if ((kinds & K_SIGNAL) && kill(getppid(), SIGUSR1))
		_exit(1);
	_exit(0);
}

/*
 * Start a child: a fresh pipe and socketpair, fork, and (unix) send it its
 * message.  Returns 0, or -1 on an error (a child already forked is in the
 * ring, for finish_kid()).
 */
static int start_kid(unsigned kinds, const char *buf, size_t size, struct totals *t)
{
	int pfds[2] = { -1, -1 }, sfds[2] = { -1, -1 };
	struct kid *k = &ring[(ring_head + ring_len) % MAX_DEPTH];
	pid_t child;

	if ((kinds & K_PIPE) && pipe(pfds)) {
		perror("churn: pipe");
		return -1;
	}
	if ((kinds & K_UNIX) && socketpair(AF_UNIX, SOCK_STREAM, 0, sfds)) {
		perror("churn: socketpair");
		return -1;
	}
	child = fork();
	if (child < 0) {
		perror("churn: fork");
		return -1;
	}
	if (child == 0) {
		if (kinds & K_PIPE)
			close(pfds[0]);
		if (kinds & K_UNIX)
			close(sfds[0]);
		child_run(kinds, pfds[1], sfds[1], size);
	}
	t->procs++;
	*k = (struct kid){ .pid = child, .pfd = pfds[0], .sfd = sfds[0] };
	ring_len++;
	if (kinds & K_PIPE)
		close(pfds[1]);
	if (kinds & K_UNIX) {
		close(sfds[1]);
		/* fits the socket buffer: never blocks on the child */
		if (ex_write_all(sfds[0], buf, size, &t->unix_msgs, &t->unix_bytes)) {
			perror("churn: write to socketpair");
			shutdown(sfds[0], SHUT_WR); /* its read ends, it exits 1 */
			return -1;
		}
	}
	return 0;
}

/* Finish the oldest child: read its echo and its pipe, reap it.  0 or 1. */
static int finish_kid(unsigned kinds, const char *buf, size_t size, struct totals *t)
{
	struct kid *k = &ring[ring_head];
	char echo[MAX_MSG];
	uint64_t got;
	int status, err = 0;

	ring_head = (ring_head + 1) % MAX_DEPTH;
	ring_len--;
	if (kinds & K_UNIX) {
		got = 0;
		if (ex_read_full(k->sfd, echo, size, &got) != (ssize_t)size ||
		    memcmp(buf, echo, size)) {
			fprintf(stderr, "churn: socketpair exchange with %d failed\n", (int)k->pid);
			err = 1;
		}
		t->unix_msgs++; /* the child's echo, one write */
		t->unix_bytes += got;
		close(k->sfd);
	}
	if (kinds & K_PIPE) {
		got = 0;
		if (ex_drain(k->pfd, sizeof(echo), &got) || got != size) {
			fprintf(stderr, "churn: read %" PRIu64 " bytes from %d, expected %zu\n", got,
				(int)k->pid, size);
			err = 1;
		}
		t->pipe_msgs++;
		t->pipe_bytes += got;
		close(k->pfd);
	}
	status = ex_wait(k->pid);
	if (ex_child_ok("child", status))
		err = 1;
	if (status != -1) {
		t->chld++;
		if (kinds & K_SIGNAL)
			t->usr1 += WIFEXITED(status) && WEXITSTATUS(status) == 0;
	}
	return err;
}

int main(int argc, char **argv)
{
	uint64_t rate = 2000, secs = 10, size = 32, depth = 2, n, t0, lag, max_lag = 0, elapsed;
	struct totals t = { 0 };
	unsigned kinds = K_ALL;
	char buf[MAX_MSG];
	struct truth_buf b = { .len = 0 };
	struct sigaction sa;
	int opt, err = 0;

	while ((opt = getopt(argc, argv, "r:d:s:k:j:h")) != -1) {
		switch (opt) {
		case 'r': rate = ex_parse_u64(optarg, 'r', 1, 1000000, usage); break;
		case 'd': secs = ex_parse_u64(optarg, 'd', 0, 86400 * 7, usage); break;
		case 's': size = ex_parse_u64(optarg, 's', 1, MAX_MSG, usage); break;
		case 'k': kinds = parse_kinds(optarg); break;
		case 'j': depth = ex_parse_u64(optarg, 'j', 1, MAX_DEPTH, usage); break;
		default: ex_die_usage(usage, NULL);
		}
	}
	if (optind != argc)
		ex_die_usage(usage, "unexpected argument '%s'", argv[optind]);
	ex_setup();

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_usr1;
	sa.sa_flags = SA_RESTART;
	sigaction(SIGUSR1, &sa, NULL);
	memset(buf, 'p', size);

	n = rate * secs;
	t0 = ex_now_ns();
	for (uint64_t i = 0; i < n && !err; i++) {
		uint64_t due = t0 + i * 1000000000ull / rate, now = ex_now_ns();

		if (now < due)
			ex_sleep_ns(due - now);
		else if ((lag = now - due) > max_lag)
			max_lag = lag;
		if (ring_len == depth)
			err |= finish_kid(kinds, buf, size, &t);
		if (start_kid(kinds, buf, size, &t))
			err = 1;
	}
	while (ring_len)
		err |= finish_kid(kinds, buf, size, &t);
	elapsed = ex_now_ns() - t0;

	tb_printf(&b, "{\"type\":\"truth\",\"totals\":true,\"procs\":%" PRIu64, t.procs);
	if (kinds & K_PIPE)
		tb_printf(&b, ",\"pipe\":{\"msgs\":%" PRIu64 ",\"bytes\":%" PRIu64 "}", t.pipe_msgs,
			  t.pipe_bytes);
	if (kinds & K_UNIX)
		tb_printf(&b, ",\"unix_stream\":{\"msgs\":%" PRIu64 ",\"bytes\":%" PRIu64 "}",
			  t.unix_msgs, t.unix_bytes);
	tb_printf(&b, ",\"signal\":{");
	if (kinds & K_SIGNAL)
		tb_printf(&b, "\"SIGUSR1\":{\"msgs\":%" PRIu64 ",\"delivered\":%d},", t.usr1,
			  (int)usr1_seen);
	tb_printf(&b, "\"SIGCHLD\":{\"msgs\":%" PRIu64 "}}}", t.chld);
	tb_emit(&b);

	b.len = 0;
	tb_printf(&b, "{\"type\":\"bench\",\"procs\":%" PRIu64 ",\"elapsed_ns\":%" PRIu64
		  ",\"rate\":%.1f,\"max_lag_ns\":%" PRIu64 "}", t.procs, elapsed,
		  elapsed ? t.procs * 1e9 / elapsed : 0.0, max_lag);
	tb_emit(&b);
	return err;
}

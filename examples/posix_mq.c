// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * posix_mq: a producer child sends -n messages on a POSIX message queue
 * that holds -q of them; the parent consumes them and answers with one
 * message on a second queue.
 *
 * Message i has priority prios[i % P] (-P of them) and size S, S/2, S/4
 * or 0 bytes in turn (-s S).  Before forking, the parent registers for
 * mq_notify() (SIGUSR1, kept blocked): the first message into the empty
 * queue makes the kernel signal the parent, from the producer's context.
 * The parent takes that signal with sigwaitinfo(), then waits until the
 * queue is full and the producer is asleep in mq_timedsend() (or, if -n is
 * at most -q, until every message is queued) before it drains the queue:
 * so the deepest the queue ever is, min(n, q), is known exactly.
 * Both queues are unlinked at the end.
 *
 * Truth (stderr): the two queue edges (messages, bytes, priorities, sizes,
 * queue facts), the SI_MESGQ notification, the child's SIGCHLD.  The parent
 * checks that it received exactly what the producer sends (it computes the
 * same sequence); the child checks the answer.  Either exits 1 otherwise.
 */
#include <fcntl.h>
#include <getopt.h>
#include <mqueue.h>
#include <sys/syscall.h>
#include "qtruth.h"

#define REPLY_SIZE 16
#define REPLY_PRIO 7
#define MAX_MSGSIZE 8192 /* /proc/sys/fs/mqueue/msgsize_max by default */
#define MAX_QUEUE 10     /* /proc/sys/fs/mqueue/msg_max by default */

static const char usage[] = "[-n MSGS] [-s SIZE] [-q MAXMSG] [-P PRIORITIES]";
static const unsigned int prio_set[] = { 0, 1, 5, 31, 1000, 32767 };
#define N_PRIOS (sizeof(prio_set) / sizeof(prio_set[0]))

static size_t msg_size(uint64_t i, size_t s)
{
	switch (i % 4) {
	case 0: return s;
	case 1: return s / 2;
	case 2: return s / 4;
	default: return 0;
	}
}

/* What the producer sends: the truth the parent compares its receipts with. */
static void expected(uint64_t n, size_t s, unsigned int P, struct qt_hist *prios,
		     struct qt_hist *sizes, uint64_t *bytes)
{
	for (uint64_t i = 0; i < n; i++) {
		qt_add(prios, prio_set[i % P]);
		qt_add(sizes, qt_size_floor(msg_size(i, s)));
		*bytes += msg_size(i, s);
	}
}

static int producer(mqd_t q, mqd_t r, uint64_t n, size_t s, unsigned int P)
{
	char *buf = calloc(1, s + 1), reply[REPLY_SIZE + 1];
	unsigned int prio;
	ssize_t got;

	if (!buf)
		return 1;
	memset(buf, 'm', s);
	for (uint64_t i = 0; i < n; i++) {
		while (mq_send(q, buf, msg_size(i, s), prio_set[i % P])) {
			if (errno != EINTR) {
				perror("mq_send");
				return 1;
			}
		}
	}
	while ((got = mq_receive(r, reply, sizeof(reply), &prio)) < 0 && errno == EINTR)
		;
	if (got != REPLY_SIZE || prio != REPLY_PRIO) {
		fprintf(stderr, "posix_mq: producer got a bad answer (%zd bytes, prio %u)\n", got,
			prio);
		return 1;
	}
	free(buf);
	return 0;
}

/*
 * Until the queue holds `want` messages and, when the producer has more to
 * send, it sleeps in mq_timedsend() on the full queue.  0, or -1 after 30 s.
 */
static int wait_full(mqd_t q, pid_t child, long want, bool more)
{
	uint64_t deadline = ex_now_ns() + 30ull * 1000000000ull;
	struct mq_attr a;

	while (ex_now_ns() < deadline) {
		if (mq_getattr(q, &a)) {
			perror("mq_getattr");
			return -1;
		}
		if (a.mq_curmsgs >= want && (!more || ex_in_syscall(child, SYS_mq_timedsend)))
			return 0;
		ex_sleep_ns(200 * 1000);
	}
	fprintf(stderr, "posix_mq: the queue never filled up\n");
	return -1;
}

int main(int argc, char **argv)
{
	uint64_t n = 1000, s = 64, qmax = 8, P = 4, bytes = 0, want_bytes = 0;
	struct qt_hist prios = { .n = 0 }, sizes = { .n = 0 }, want_prios = { .n = 0 };
	struct qt_hist want_sizes = { .n = 0 }, rprios = { .n = 0 }, rsizes = { .n = 0 };
	char qname[64], rname[64], qobj[80], robj[80], queue[256], *buf;
	struct mq_attr qa = { 0 }, ra = { 0 };
	struct sigevent sev = { 0 };
	int opt, err = 0, status = -1;
	unsigned int prio;
	sigset_t usr1;
	siginfo_t si;
	pid_t child = -1;
	mqd_t q, r;

	while ((opt = getopt(argc, argv, "n:s:q:P:h")) != -1) {
		switch (opt) {
		case 'n': n = ex_parse_u64(optarg, 'n', 1, UINT32_MAX, usage); break;
		case 's': s = ex_parse_u64(optarg, 's', 1, MAX_MSGSIZE, usage); break;
		case 'q': qmax = ex_parse_u64(optarg, 'q', 1, MAX_QUEUE, usage); break;
		case 'P': P = ex_parse_u64(optarg, 'P', 1, N_PRIOS, usage); break;
		default: ex_die_usage(usage, NULL);
		}
	}
	if (optind != argc)
		ex_die_usage(usage, "unexpected argument '%s'", argv[optind]);
	ex_setup();

	snprintf(qname, sizeof(qname), "/ipctrace-mq-%d", (int)getpid());
	snprintf(rname, sizeof(rname), "/ipctrace-mq-%d-r", (int)getpid());
	/* ipctrace shows a queue as "mq:" and the name mq_open() was given */
	snprintf(qobj, sizeof(qobj), "mq:%s", qname);
	snprintf(robj, sizeof(robj), "mq:%s", rname);
	qa.mq_maxmsg = qmax;
	qa.mq_msgsize = s;
	ra.mq_maxmsg = 1;
	ra.mq_msgsize = REPLY_SIZE;
	q = mq_open(qname, O_CREAT | O_EXCL | O_RDWR, 0600, &qa);
	r = q == (mqd_t)-1 ? q : mq_open(rname, O_CREAT | O_EXCL | O_RDWR, 0600, &ra);
	buf = malloc(s);
	if (q == (mqd_t)-1 || r == (mqd_t)-1 || !buf) {
		perror("mq_open");
		if (q != (mqd_t)-1)
			mq_unlink(qname);
		return 1;
	}

	/* The notification is a signal we collect with sigwaitinfo(): keep it blocked. */
	sigemptyset(&usr1);
	sigaddset(&usr1, SIGUSR1);
	sigprocmask(SIG_BLOCK, &usr1, NULL);
	sev.sigev_notify = SIGEV_SIGNAL;
	sev.sigev_signo = SIGUSR1;
	if (mq_notify(q, &sev)) {
		perror("mq_notify");
		err = 1;
		goto out;
	}

	child = fork();
	if (child < 0) {
		perror("fork");
		err = 1;
		goto out;
	}
	if (child == 0)
		_exit(producer(q, r, n, s, P));

	while (sigwaitinfo(&usr1, &si) < 0 && errno == EINTR)
		;
	if (si.si_code != SI_MESGQ || si.si_pid != child) {
		fprintf(stderr, "posix_mq: SIGUSR1 not from the queue (code %d, pid %d)\n",
			si.si_code, (int)si.si_pid);
		err = 1;
	}
	if (wait_full(q, child, n < qmax ? (long)n : (long)qmax, n > qmax)) {
		kill(child, SIGKILL);
		err = 1;
	}
	for (uint64_t i = 0; i < n && !err; i++) {
		ssize_t got = mq_receive(q, buf, s, &prio);

		if (got < 0 && errno == EINTR) {
			i--;
			continue;
		}
		if (got < 0) {
			perror("mq_receive");
			err = 1;
			break;
		}
		qt_add(&prios, prio);
		qt_add(&sizes, qt_size_floor(got));
		bytes += got;
	}
	if (!err) {
		char reply[REPLY_SIZE] = "done";

		if (mq_send(r, reply, REPLY_SIZE, REPLY_PRIO)) {
			perror("mq_send");
			err = 1;
		}
	}
	status = ex_wait(child);
	err |= ex_child_ok("producer", status);

	expected(n, s, P, &want_prios, &want_sizes, &want_bytes);
	if (!err && (bytes != want_bytes || !qt_equal(&prios, &want_prios) ||
		     !qt_equal(&sizes, &want_sizes))) {
		fprintf(stderr, "posix_mq: received %" PRIu64 " bytes, expected %" PRIu64
			", or other priorities/sizes\n", bytes, want_bytes);
		err = 1;
	}
out:
	mq_close(q);
	mq_close(r);
	if (mq_unlink(qname) || mq_unlink(rname)) {
		perror("mq_unlink");
		err = 1;
	}
	free(buf);
	if (err)
		return 1;

	snprintf(queue, sizeof(queue), "\"maxmsg\":%" PRIu64 ",\"msgsize\":%" PRIu64
		 ",\"depth_max\":%" PRIu64 ",\"notifies\":1,\"unlinks\":1",
		 qmax, s, n < qmax ? n : qmax);
	truth_queue("mq", qobj, child, getpid(), n, bytes, &prios, &sizes, queue);
	qt_add(&rprios, REPLY_PRIO);
	qt_add(&rsizes, qt_size_floor(REPLY_SIZE));
	snprintf(queue, sizeof(queue), "\"maxmsg\":1,\"msgsize\":%d,\"notifies\":0,\"unlinks\":1",
		 REPLY_SIZE);
	truth_queue("mq", robj, getpid(), child, 1, REPLY_SIZE, &rprios, &rsizes, queue);
	truth_signal(SIGUSR1, SI_MESGQ, child, getpid(), 1, -1);
	truth_sigchld(child, getpid(), status);
	return 0;
}

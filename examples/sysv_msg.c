// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * sysv_msg: a producer child sends -n messages of -s bytes on a private
 * SysV message queue, with mtypes 1, 2, ... -t in turn; the parent
 * receives them in order (msgtyp 0) and answers with one message of mtype
 * 99 on a second queue, made with a key so that it shows one.
 *
 * The parent starts receiving only once the queue is full (q_qbytes
 * reached) and the producer is asleep in msgsnd(), or, if everything fits,
 * once all -n messages are queued: with equal sizes the queue then never
 * holds more, so its deepest state (messages and bytes) is known exactly.
 * Both queues are removed with IPC_RMID at the end.
 *
 * Truth (stderr): the two queue edges (messages, bytes, mtypes, sizes,
 * queue facts) and the child's SIGCHLD.  bytes count the mtext only, not
 * the long mtype in front of it, like msgsnd()'s msgsz.
 */
#include <getopt.h>
#include <sys/ipc.h>
#include <sys/msg.h>
#include <sys/syscall.h>
#include "qtruth.h"

#define REPLY_TYPE 99
#define REPLY_SIZE 24
#define MAX_SIZE 8192 /* /proc/sys/kernel/msgmax by default */

static const char usage[] = "[-n MSGS] [-s SIZE] [-t MTYPES]";

struct msg {
	long mtype;
	char mtext[MAX_SIZE];
};

static int producer(int q, int r, uint64_t n, size_t s, uint64_t T)
{
	struct msg m;
	ssize_t got;

	memset(m.mtext, 'm', s);
	for (uint64_t i = 0; i < n; i++) {
		m.mtype = 1 + (long)(i % T);
		while (msgsnd(q, &m, s, 0)) {
			if (errno != EINTR) {
				perror("msgsnd");
				return 1;
			}
		}
	}
	while ((got = msgrcv(r, &m, sizeof(m.mtext), REPLY_TYPE, 0)) < 0 && errno == EINTR)
		;
	if (got != REPLY_SIZE) {
		fprintf(stderr, "sysv_msg: producer got a bad answer (%zd bytes)\n", got);
		return 1;
	}
	return 0;
}

/* Until `want` messages are queued and, if more are to come, the producer sleeps in msgsnd(). */
static int wait_full(int q, pid_t child, uint64_t want, bool more, struct msqid_ds *ds)
{
	uint64_t deadline = ex_now_ns() + 30ull * 1000000000ull;

	while (ex_now_ns() < deadline) {
		if (msgctl(q, IPC_STAT, ds)) {
			perror("msgctl");
			return -1;
		}
		if (ds->msg_qnum >= want && (!more || ex_in_syscall(child, SYS_msgsnd)))
			return 0;
		ex_sleep_ns(200 * 1000);
	}
	fprintf(stderr, "sysv_msg: the queue never filled up\n");
	return -1;
}

int main(int argc, char **argv)
{
	uint64_t n = 1000, s = 64, T = 3, bytes = 0, cap, want;
	struct qt_hist types = { .n = 0 }, sizes = { .n = 0 }, rtypes = { .n = 0 };
	struct qt_hist rsizes = { .n = 0 };
	char qobj[64], robj[64], queue[256];
	struct msqid_ds ds, rds;
	int opt, err = 0, status = -1, q, r = -1;
	key_t rkey = 0;
	pid_t child = -1;
	struct msg m;

	while ((opt = getopt(argc, argv, "n:s:t:h")) != -1) {
		switch (opt) {
		case 'n': n = ex_parse_u64(optarg, 'n', 1, UINT32_MAX, usage); break;
		case 's': s = ex_parse_u64(optarg, 's', 1, MAX_SIZE, usage); break;
		case 't': T = ex_parse_u64(optarg, 't', 1, 64, usage); break;
		default: ex_die_usage(usage, NULL);
		}
	}
	if (optind != argc)
		ex_die_usage(usage, "unexpected argument '%s'", argv[optind]);
	ex_setup();

	q = msgget(IPC_PRIVATE, IPC_CREAT | 0600);
	/* A key of our own; another run (or program) may hold one: try a few. */
	for (int i = 0; q >= 0 && r < 0 && i < 64; i++) {
		rkey = (key_t)(0x69700000u + ((uint32_t)i << 16) + ((uint32_t)getpid() & 0xffff));
		r = msgget(rkey, IPC_CREAT | IPC_EXCL | 0600);
		if (r < 0 && errno != EEXIST)
			break;
	}
	if (q < 0 || r < 0 || msgctl(q, IPC_STAT, &ds) || msgctl(r, IPC_STAT, &rds)) {
		perror("msgget");
		if (q >= 0)
			msgctl(q, IPC_RMID, NULL);
		if (r >= 0)
			msgctl(r, IPC_RMID, NULL);
		return 1;
	}
	/* ipc/msg.c: a message fits while bytes and count both stay within q_qbytes */
	cap = ds.msg_qbytes / s;
	want = n < cap ? n : cap;

	child = fork();
	if (child < 0) {
		perror("fork");
		err = 1;
		goto out;
	}
	if (child == 0)
		_exit(producer(q, r, n, s, T));

	if (wait_full(q, child, want, n > cap, &ds)) {
		kill(child, SIGKILL);
		err = 1;
	}
	for (uint64_t i = 0; i < n && !err; i++) {
		ssize_t got = msgrcv(q, &m, sizeof(m.mtext), 0, 0);

		if (got < 0 && errno == EINTR) {
			i--;
			continue;
		}
		if (got < 0) {
			perror("msgrcv");
			err = 1;
			break;
		}
		if (m.mtype != 1 + (long)(i % T) || (uint64_t)got != s) {
			fprintf(stderr, "sysv_msg: message %" PRIu64 " has mtype %ld and %zd bytes\n",
				i, m.mtype, got);
			err = 1;
		}
		qt_add(&types, m.mtype);
		qt_add(&sizes, qt_size_floor(got));
		bytes += got;
	}
	if (!err) {
		m.mtype = REPLY_TYPE;
		memset(m.mtext, 'r', REPLY_SIZE);
		if (msgsnd(r, &m, REPLY_SIZE, 0)) {
			perror("msgsnd");
			err = 1;
		}
	}
	status = ex_wait(child);
	err |= ex_child_ok("producer", status);
out:
	if (msgctl(q, IPC_RMID, NULL) || msgctl(r, IPC_RMID, NULL)) {
		perror("msgctl(IPC_RMID)");
		err = 1;
	}
	if (err)
		return 1;

	/* ipctrace names a queue by its id and key, as ipcs shows them */
	snprintf(qobj, sizeof(qobj), "msg:%d key 0x%08x", q, (unsigned int)IPC_PRIVATE);
	snprintf(robj, sizeof(robj), "msg:%d key 0x%08x", r, (unsigned int)rkey);
	snprintf(queue, sizeof(queue), "\"qbytes\":%lu,\"depth_max\":%" PRIu64
		 ",\"bytes_max\":%" PRIu64 ",\"removes\":1",
		 (unsigned long)ds.msg_qbytes, want, want * s);
	truth_queue("msg", qobj, child, getpid(), n, bytes, &types, &sizes, queue);
	qt_add(&rtypes, REPLY_TYPE);
	qt_add(&rsizes, qt_size_floor(REPLY_SIZE));
	snprintf(queue, sizeof(queue), "\"qbytes\":%lu,\"removes\":1", (unsigned long)rds.msg_qbytes);
	truth_queue("msg", robj, getpid(), child, 1, REPLY_SIZE, &rtypes, &rsizes, queue);
	truth_sigchld(child, getpid(), status);
	return 0;
}

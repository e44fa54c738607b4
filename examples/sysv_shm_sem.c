// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * sysv_shm_sem: a producer (the parent) hands -n items of -s bytes to a
 * consumer (its child) through a one-slot ring in a SysV shared memory
 * segment, guarded by two SysV semaphores of one set: sem 0 "slots" (free
 * slots, starts at 1) and sem 1 "items" (filled slots, starts at 0).
 *
 *   producer: P(slots) write  V(items)      consumer: P(items) read  V(slots)
 *
 * Hand-offs are made certain: before each V the poster waits until the
 * other side is queued on the semaphore (semctl GETNCNT == 1), so every
 * consumer P(items) and every producer P(slots) but the first (slots
 * starts at 1) blocks and is woken by the other's V.  The consumer's last
 * V(slots) finds nobody waiting.
 *
 * Truth (stderr): the shm edge parent -> child (the parent attached first,
 * the child inherited the attachment at fork), SIGCHLD and the sem edge
 * child -> parent on "slots" from the parent; the sem edge parent -> child
 * on "items" from the child, which measured its own waits.
 */
#include <getopt.h>
#include <stdbool.h>
#include <sys/syscall.h>
#include <sys/ipc.h>
#include <sys/sem.h>
#include <sys/shm.h>
#include "truth_sync.h"

static const char usage[] = "[-n ITEMS] [-s SIZE]";

enum { SEM_SLOTS = 0, SEM_ITEMS = 1 };

struct ring {
	uint64_t seq;
	char data[];
};

/*
 * glibc's semop() is the semtimedop system call; the consumer calls the
 * semop system call itself, so that both are exercised.
 */
static int sem_change(int semid, int num, int op, bool raw)
{
	struct sembuf b = { .sem_num = num, .sem_op = op, .sem_flg = 0 };

	while (raw ? syscall(SYS_semop, semid, &b, 1) : semop(semid, &b, 1)) {
		if (errno != EINTR)
			return -1;
	}
	return 0;
}

/* Until a process is queued waiting for sem num to grow. */
static int wait_for_waiter(int semid, int num)
{
	int n;

	while ((n = semctl(semid, num, GETNCNT)) == 0)
		ex_sleep_ns(20000);
	return n < 0 ? -1 : 0;
}

/* P(items) read V(slots), n times; *blocked: time measured around the waits. */
static int consume(int semid, struct ring *r, uint64_t n, uint64_t size, uint64_t *blocked)
{
	for (uint64_t i = 0; i < n; i++) {
		uint64_t t0 = ex_now_ns();

		if (sem_change(semid, SEM_ITEMS, -1, true))
			return -1;
		*blocked += ex_now_ns() - t0;
		if (r->seq != i || r->data[0] != (char)('a' + i % 26) ||
		    r->data[size - 1] != (char)('a' + i % 26)) {
			fprintf(stderr, "sysv_shm_sem: item %" PRIu64 " is wrong\n", i);
			return -1;
		}
		/* the producer waits for this post only if it has another item */
		if (i + 1 < n && wait_for_waiter(semid, SEM_SLOTS))
			return -1;
		if (sem_change(semid, SEM_SLOTS, 1, true))
			return -1;
	}
	return 0;
}

int main(int argc, char **argv)
{
	uint64_t n = 1000, size = 64, blocked_c = 0, blocked_p = 0;
	unsigned short init[2] = { [SEM_SLOTS] = 1, [SEM_ITEMS] = 0 };
	int opt, shmid, semid, status, err = 0;
	char object[64];
	struct ring *r;
	pid_t child;

	while ((opt = getopt(argc, argv, "n:s:h")) != -1) {
		switch (opt) {
		case 'n': n = ex_parse_u64(optarg, 'n', 1, 1000000, usage); break;
		case 's': size = ex_parse_u64(optarg, 's', 1, EX_MAX_SIZE, usage); break;
		default: ex_die_usage(usage, NULL);
		}
	}
	if (optind != argc)
		ex_die_usage(usage, "unexpected argument '%s'", argv[optind]);
	ex_setup();

	shmid = shmget(IPC_PRIVATE, sizeof(*r) + size, IPC_CREAT | 0600);
	semid = semget(IPC_PRIVATE, 2, IPC_CREAT | 0600);
	if (shmid < 0 || semid < 0) {
		perror("shmget/semget");
		return 1;
	}
	r = shmat(shmid, NULL, 0);
	if (r == (void *)-1 || semctl(semid, 0, SETALL, init)) {
		perror("shmat/semctl");
		err = 1;
		goto out;
	}

	child = fork();
	if (child < 0) {
		perror("fork");
		err = 1;
		goto out;
	}
	if (child == 0) {
		if (consume(semid, r, n, size, &blocked_c)) {
			perror("consumer");
			_exit(1);
		}
		shmdt(r);
		/* Only the consumer knows how long it waited: it reports this edge. */
		snprintf(object, sizeof(object), "sem:%d[%d]", semid, SEM_ITEMS);
		truth_sem(object, getppid(), getpid(), n, n, n, n, blocked_c);
		_exit(0);
	}

	for (uint64_t i = 0; i < n && !err; i++) {
		uint64_t t0 = ex_now_ns();

		if (sem_change(semid, SEM_SLOTS, -1, false)) {
			err = 1;
			break;
		}
		if (i)
			blocked_p += ex_now_ns() - t0;
		r->seq = i;
		memset(r->data, 'a' + i % 26, size);
		if (wait_for_waiter(semid, SEM_ITEMS) || sem_change(semid, SEM_ITEMS, 1, false))
			err = 1;
	}
	if (err)
		perror("producer");
	status = ex_wait(child);
	err |= ex_child_ok("consumer", status);

	snprintf(object, sizeof(object), "shm:%d", shmid);
	truth_shm(object, getpid(), child, sizeof(*r) + size);
	snprintf(object, sizeof(object), "sem:%d[%d]", semid, SEM_SLOTS);
	truth_sem(object, child, getpid(), n, n, n, n - 1, blocked_p);
	truth_sigchld(child, getpid(), status);
out:
	if (r != (void *)-1)
		shmdt(r);
	shmctl(shmid, IPC_RMID, NULL);
	semctl(semid, 0, IPC_RMID);
	return err;
}

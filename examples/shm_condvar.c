// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * shm_condvar: the bounded buffer of the lecture notes, between processes.
 * One producer (the parent) puts -n items (0, 1, ...) into a ring of -s
 * slots; -c consumers (forked children) take them.  The ring, one mutex
 * and two condition variables, not_full and not_empty, all process-shared
 * (pthread_mutexattr_setpshared, pthread_condattr_setpshared), live in a
 * shared anonymous mapping the children inherit at fork.
 *
 *   producer: lock; while full: wait(not_full); put; signal(not_empty); unlock
 *   consumer: lock; while empty and not done: wait(not_empty);
 *             take; signal(not_full); unlock
 *
 * Once all are in, the producer sets done and broadcasts not_empty, which
 * releases every consumer still waiting.  Consumers check that the items
 * they get grow, count them and add them up in the mapping (no other IPC),
 * and the parent checks that every item was taken exactly once.
 *
 * glibc's futex words are internal: a condition variable's waiters sleep
 * on its __g_signals[], and its own bookkeeping uses more of its words
 * (__g_refs[], __g1_orig_size as an internal lock); the mutex's waiters
 * sleep on its __lock.  All are in the one mapping, so the truth names no
 * word: every futex edge on any word of the mapping is between members.
 *
 * Truth (stderr, from the parent): the members of "futex:anon[INODE]+"
 * (producer and consumers) with "items", "signals" (pthread_cond_signal
 * calls of all), "broadcasts" and "consumed" (items per consumer pid);
 * the shm edges (parent -> each consumer, each consumer -> those forked
 * after it: all stay attached until done) and one SIGCHLD per consumer.
 *
 * Only the parent has a watchdog: it kills the consumers when it gives up,
 * and a consumer can only wait for the producer.
 */
#include <getopt.h>
#include <pthread.h>
#include "truth_futex.h"

#define MAX_CONSUMERS 32
#define MAX_SLOTS 64

static const char usage[] = "[-c CONSUMERS] [-n ITEMS] [-s SLOTS]";

struct buffer {
	uint32_t head, count, slots, done;
	uint64_t broadcasts;
	uint64_t signals[MAX_CONSUMERS + 1];	/* [0] the producer's */
	uint64_t taken[MAX_CONSUMERS], sum[MAX_CONSUMERS];
	pthread_mutex_t lock __attribute__((aligned(64)));
	pthread_cond_t not_full, not_empty;
	uint64_t slot[MAX_SLOTS];
};

/* The producer; returns 0 or a pthread error number. */
static int produce(struct buffer *b, uint64_t n)
{
	int e = 0;

	for (uint64_t i = 0; i < n && !e; i++) {
		e = pthread_mutex_lock(&b->lock);
		while (!e && b->count == b->slots)
			e = pthread_cond_wait(&b->not_full, &b->lock);
		if (e)
			break;
		b->slot[(b->head + b->count++) % b->slots] = i;
		e = pthread_cond_signal(&b->not_empty);
		b->signals[0]++;
		e = pthread_mutex_unlock(&b->lock) ?: e;
		if (i % 256 == 0)
			ex_watchdog_pet();
	}
	if (e || (e = pthread_mutex_lock(&b->lock)))
		return e;
	b->done = 1;
	e = pthread_cond_broadcast(&b->not_empty);
	b->broadcasts++;
	return pthread_mutex_unlock(&b->lock) ?: e;
}

/* Consumer k: its counts go to the mapping, its exit status says if all went well. */
static int consume(struct buffer *b, int k)
{
	int64_t last = -1;
	uint64_t v;
	int e;

	for (;;) {
		e = pthread_mutex_lock(&b->lock);
		while (!e && !b->count && !b->done)
			e = pthread_cond_wait(&b->not_empty, &b->lock);
		if (e)
			break;
		if (!b->count) {
			/* done, and nothing left */
			e = pthread_mutex_unlock(&b->lock);
			break;
		}
		v = b->slot[b->head];
		b->head = (b->head + 1) % b->slots;
		b->count--;
		e = pthread_cond_signal(&b->not_full);
		b->signals[k + 1]++;
		e = pthread_mutex_unlock(&b->lock) ?: e;
		if (e)
			break;
		if ((int64_t)v <= last) {
			fprintf(stderr, "shm_condvar: consumer %d got %" PRIu64 " after %" PRId64 "\n",
				k, v, last);
			return 1;
		}
		last = v;
		b->taken[k]++;
		b->sum[k] += v;
	}
	if (e)
		fprintf(stderr, "shm_condvar: consumer %d: %s\n", k, strerror(e));
	return !!e;
}

static int init_sync(struct buffer *b)
{
	pthread_mutexattr_t ma;
	pthread_condattr_t ca;
	int e;

	e = pthread_mutexattr_init(&ma);
	if (!e)
		e = pthread_mutexattr_setpshared(&ma, PTHREAD_PROCESS_SHARED);
	if (!e)
		e = pthread_mutex_init(&b->lock, &ma);
	if (!e)
		e = pthread_condattr_init(&ca);
	if (!e)
		e = pthread_condattr_setpshared(&ca, PTHREAD_PROCESS_SHARED);
	if (!e)
		e = pthread_cond_init(&b->not_full, &ca) ?: pthread_cond_init(&b->not_empty, &ca);
	pthread_mutexattr_destroy(&ma);
	pthread_condattr_destroy(&ca);
	return e;
}

int main(int argc, char **argv)
{
	struct futex_home home = { .kind = FUTEX_HOME_ANON, .fd = -1 };
	uint64_t n = 10000, nc = 2, slots = 4, items = 0, sum = 0, signals = 0;
	size_t page = sysconf(_SC_PAGESIZE);
	pid_t pids[MAX_CONSUMERS + 1], self = getpid();
	int opt, e, err = 0, st[MAX_CONSUMERS + 1];
	char prefix[PATH_MAX + 64], seg[PATH_MAX + 64], *plus;
	struct truth_buf extra = { .len = 0 };
	size_t started = 0;
	struct buffer *b;

	while ((opt = getopt(argc, argv, "c:n:s:h")) != -1) {
		switch (opt) {
		case 'c': nc = ex_parse_u64(optarg, 'c', 1, MAX_CONSUMERS, usage); break;
		case 'n': n = ex_parse_u64(optarg, 'n', 1, 100000000, usage); break;
		case 's': slots = ex_parse_u64(optarg, 's', 1, MAX_SLOTS, usage); break;
		default: ex_die_usage(usage, NULL);
		}
	}
	if (optind != argc)
		ex_die_usage(usage, "unexpected argument '%s'", argv[optind]);
	ex_setup();
	ex_watchdog(NULL);

	/* shmem_zero_setup() makes the file as large as the mapping: whole pages */
	home.len = (sizeof(*b) + page - 1) / page * page;
	b = futex_home_create(&home, "ipctrace-condvar");
	if (b == MAP_FAILED) {
		perror("mmap");
		return 1;
	}
	e = init_sync(b);
	if (e || futex_object_name(&b->lock, &home, prefix, sizeof(prefix))) {
		fprintf(stderr, "shm_condvar: the mutex and condition variables: %s\n",
			e ? strerror(e) : "the mapping is not in /proc/self/maps");
		return 1;
	}
	/* "futex:anon[INODE]+0x340" -> "futex:anon[INODE]+": any word of the mapping */
	plus = strrchr(prefix, '+');
	plus[1] = '\0';
	b->slots = slots;

	pids[0] = self;
	for (size_t k = 0; k < nc; k++) {
		pid_t pid = fork();

		if (pid < 0) {
			perror("fork");
			err = 1;
			break;
		}
		if (pid == 0)
			_exit(consume(b, k));
		ex_watchdog_child(pid);
		pids[++started] = pid;
	}
	e = err ? 0 : produce(b, n);
	if (e) {
		fprintf(stderr, "shm_condvar: producer: %s\n", strerror(e));
		err = 1;
	}
	for (size_t k = 0; k < started; k++) {
		/* after a failure a consumer may wait for good */
		if (err)
			kill(pids[k + 1], SIGKILL);
		st[k + 1] = ex_wait(pids[k + 1]);
		err |= ex_child_ok("consumer", st[k + 1]);
	}
	if (err)
		return 1;

	signals = b->signals[0];
	for (size_t k = 0; k < nc; k++) {
		items += b->taken[k];
		sum += b->sum[k];
		signals += b->signals[k + 1];
	}
	/* every item once: n of them, adding up to 0 + 1 + ... + n - 1 */
	if (items != n || sum != n * (n - 1) / 2) {
		fprintf(stderr, "shm_condvar: %" PRIu64 " items taken, sum %" PRIu64
			"; expected %" PRIu64 ", %" PRIu64 "\n", items, sum, n, n * (n - 1) / 2);
		err = 1;
	}

	tb_printf(&extra, ",\"items\":%" PRIu64 ",\"signals\":%" PRIu64 ",\"broadcasts\":%"
		  PRIu64 ",\"consumed\":{", items, signals, b->broadcasts);
	for (size_t k = 0; k < nc; k++)
		tb_printf(&extra, "%s\"%d\":%" PRIu64, k ? "," : "", (int)pids[k + 1], b->taken[k]);
	tb_printf(&extra, "}");
	truth_futex_members(prefix, true, pids, nc + 1, extra.s);
	futex_home_segment(&home, b, seg, sizeof(seg));
	for (size_t i = 0; i <= nc; i++)
		for (size_t j = i + 1; j <= nc; j++)
			truth_shm(seg, pids[i], pids[j], home.len);
	for (size_t k = 1; k <= nc; k++)
		truth_sigchld(pids[k], self, st[k]);
	munmap(b, home.len);
	return err;
}

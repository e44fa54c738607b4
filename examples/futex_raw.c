// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * futex_raw: two processes, the parent and its forked child, play
 * ping-pong -n times on futex words in two shared pages, calling
 * syscall(SYS_futex) themselves and counting what their own calls return.
 *
 * -k KIND is what the pages are: anon (mmap MAP_SHARED | MAP_ANONYMOUS),
 * memfd, shm (shm_open), sysv (shmget) or file (under $TMPDIR or /tmp).
 * The child inherits the mapping at fork; unless anon, it then maps the
 * object again by itself (fd, name, shmid, path) and drops the inherited
 * mapping, so the two use the words at different addresses, and it checks
 * that it names word A as the parent does.  Word A is at -o OFFSET in the
 * mapping, word B one page further on (modulo the two pages).
 *
 * -w is how a side sleeps until its turn and how the other wakes it:
 *
 *   wake     A says whose turn it is (0 parent, 1 child): FUTEX_WAIT on A,
 *            FUTEX_WAKE on A
 *   bitset   the same with FUTEX_WAIT_BITSET (deadline 10 s ahead) and
 *            FUTEX_WAKE_BITSET, bitset FUTEX_BITSET_MATCH_ANY
 *   wakeop   A is the child's go flag, B the parent's; each FUTEX_WAITs for
 *            its flag to be 1, and both wake with FUTEX_WAKE_OP(A, 1, B, 1,
 *            op).  The parent sets A = 1 itself, and its op "B = 0 if B
 *            was 1" re-arms its own flag (nobody sleeps on B then): it
 *            wakes the child on A.  The child clears A itself, and its op
 *            "B = 1 if B was 0" wakes the parent on B.
 *   requeue  A says whose turn it is, waiters FUTEX_WAIT on A; the waker
 *            moves the waiter to B (FUTEX_CMP_REQUEUE, nr_wake 0,
 *            nr_requeue 1) and wakes it there (FUTEX_WAKE on B)
 *   pi       A is a PI lock (the owner's TID, FUTEX_WAITERS set by the
 *            kernel); the parent takes it in userspace first; then the
 *            holder waits until the other sleeps in FUTEX_LOCK_PI and
 *            hands it over with FUTEX_UNLOCK_PI
 *
 * Hand-offs are made certain: before each wake the waker waits until the
 * other side sleeps in the kernel (/proc/.../wchan), so each wait blocks
 * and each wake call wakes exactly one; but what is printed is what the
 * calls returned, and the example fails if that is not the plan.
 *
 * The two do no IPC but the futexes: their counters live in the shared
 * pages too, and the parent reads the child's once it has exited.
 *
 * -t makes the two sides threads of one process (-P: private futexes):
 * then there is no futex edge at all.
 *
 * -b is the benchmark workload (make bench): no waiting for the other to
 * sleep, so a wake may find nobody asleep and a wait return EAGAIN (the
 * truth lines still say what the calls returned, and the plan is not
 * checked); the parent times its loop and adds {"type":"bench",
 * "round_trips":N,"elapsed_ns":T}.  -C CPU pins both sides to one CPU.
 *
 * Truth (stderr, all from the parent): a futex edge per direction, on the
 * word the waiter was woken on (A; wakeop: B for child -> parent; requeue:
 * B), the shm edge parent -> child (for a file on a disk filesystem, the
 * mmap edge) and SIGCHLD.  -t: "no edge" lines for the words used, nothing else.
 */
#include <getopt.h>
#include <linux/futex.h>
#include <linux/magic.h>
#include <pthread.h>
#include <sys/statfs.h>
#include <sys/syscall.h>
#include "truth_futex.h"

static const char usage[] = "[-n ROUNDS] [-k anon|memfd|shm|sysv|file] [-o OFFSET] "
			    "[-w wake|bitset|wakeop|requeue|pi] [-t [-P]] [-b [-C CPU]]";

enum mode { W_WAKE, W_BITSET, W_WAKEOP, W_REQUEUE, W_PI };

static const char *const mode_names[] = { "wake", "bitset", "wakeop", "requeue", "pi" };
/* in the order of enum futex_kind */
static const char *const kind_names[] = { "anon", "memfd", "shm", "sysv", "file" };

/* What one side's own calls returned; each side writes only its own. */
struct side {
	uint64_t wake_calls, woken, requeued;
	uint64_t waits, eagain, failed;
	int32_t tid;		/* 0 until the side runs, -1 if it gave up */
} __attribute__((aligned(64)));

struct counters {
	struct side side[2];	/* 0: parent (main thread), 1: child (thread) */
};

struct ctx {
	uint32_t *a, *b;
	struct counters *cnt;
	enum mode mode;
	int priv;		/* FUTEX_PRIVATE_FLAG or 0 */
	bool threads;
	bool bench;		/* -b: no hand-off made certain; the parent times its loop */
	uint64_t n;
	uint64_t elapsed_ns;	/* -b: the parent's loop */
};

static long sys_futex(uint32_t *uaddr, int op, uint32_t val, unsigned long val2,
		      uint32_t *uaddr2, uint32_t val3)
{
	return syscall(SYS_futex, uaddr, op, val, val2, uaddr2, val3);
}

static int pick(const char *arg, const char *const *names, int n, char opt)
{
	for (int i = 0; i < n; i++)
		if (!strcmp(arg, names[i]))
			return i;
	ex_die_usage(usage, "-%c: unknown '%s'", opt, arg);
}

/* A wait call's return, counted.  0 to go on (EAGAIN included), -1 to fail. */
static int count_wait(struct side *s, long r)
{
	if (r == 0) {
		s->waits++;
		return 0;
	}
	if (errno == EAGAIN) {
		s->eagain++;
		return 0;
	}
	/* it blocked, but nothing here sends signals or lets a deadline pass */
	if (errno == EINTR || errno == ETIMEDOUT)
		s->waits++;
	s->failed++;
	perror("futex wait");
	return -1;
}

/* Sleep until it is side me's turn again. */
static int wait_turn(struct ctx *c, int me)
{
	struct side *s = &c->cnt->side[me];
	uint32_t *flag = me ? c->a : c->b;
	struct timespec t;
	long r;

	switch (c->mode) {
	case W_PI:
		return count_wait(s, sys_futex(c->a, FUTEX_LOCK_PI | c->priv, 0, 0, NULL, 0));
	case W_WAKEOP:
		while (!__atomic_load_n(flag, __ATOMIC_ACQUIRE))
			if (count_wait(s, sys_futex(flag, FUTEX_WAIT | c->priv, 0, 0, NULL, 0)))
				return -1;
		return 0;
	default:
		/* A == the other side's number while it is the other's turn */
		while (__atomic_load_n(c->a, __ATOMIC_ACQUIRE) != (uint32_t)me) {
			if (c->mode == W_BITSET) {
				clock_gettime(CLOCK_MONOTONIC, &t);
				t.tv_sec += EX_WATCHDOG_SECS;
				r = sys_futex(c->a, FUTEX_WAIT_BITSET | c->priv, !me,
					      (unsigned long)&t, NULL, FUTEX_BITSET_MATCH_ANY);
			} else {
				r = sys_futex(c->a, FUTEX_WAIT | c->priv, !me, 0, NULL, 0);
			}
			if (count_wait(s, r))
				return -1;
		}
		return 0;
	}
}

/* Hand the turn to the other side, asleep in the kernel by now. */
static int give_turn(struct ctx *c, int me)
{
	struct side *s = &c->cnt->side[me];
	uint32_t other = !me;
	long r;

	/* wake, bitset, requeue: A = whose turn; wakeop: A = the child's flag */
	if (c->mode != W_PI)
		__atomic_store_n(c->a, other, __ATOMIC_RELEASE);
	if (c->mode == W_WAKE) {
		r = sys_futex(c->a, FUTEX_WAKE | c->priv, 1, 0, NULL, 0);
	} else if (c->mode == W_BITSET) {
		r = sys_futex(c->a, FUTEX_WAKE_BITSET | c->priv, 1, 0, NULL,
			      FUTEX_BITSET_MATCH_ANY);
	} else if (c->mode == W_WAKEOP) {
		r = sys_futex(c->a, FUTEX_WAKE_OP | c->priv, 1, 1, c->b,
			      me ? FUTEX_OP(FUTEX_OP_SET, 1, FUTEX_OP_CMP_EQ, 0) :
				   FUTEX_OP(FUTEX_OP_SET, 0, FUTEX_OP_CMP_EQ, 1));
	} else if (c->mode == W_REQUEUE) {
		r = sys_futex(c->a, FUTEX_CMP_REQUEUE | c->priv, 0, 1, c->b, other);
		if (r >= 0) {
			s->requeued += r;
			r = sys_futex(c->b, FUTEX_WAKE | c->priv, 1, 0, NULL, 0);
		}
	} else {
		/* UNLOCK_PI says nothing; the lock word says who owns it now */
		r = sys_futex(c->a, FUTEX_UNLOCK_PI | c->priv, 0, 0, NULL, 0);
		if (r == 0)
			r = (__atomic_load_n(c->a, __ATOMIC_ACQUIRE) & FUTEX_TID_MASK) ==
			    (uint32_t)c->cnt->side[other].tid;
	}
	s->wake_calls++;
	if (r < 0) {
		perror("futex wake");
		s->failed++;
		return -1;
	}
	s->woken += r;
	return 0;
}

static int play(struct ctx *c, int me)
{
	const char *wchan = c->mode == W_PI ? "rt_mutex" : "futex";
	int32_t peer;
	uint64_t t0;

	while (!(peer = __atomic_load_n(&c->cnt->side[!me].tid, __ATOMIC_ACQUIRE)))
		ex_sleep_ns(20000);
	if (peer < 0)
		return -1;
	t0 = ex_now_ns();
	for (uint64_t i = 0; i < c->n; i++) {
		if (me && wait_turn(c, me))
			return -1;
		if (c->bench)
			;
		else if (c->threads ? ex_wait_thread_asleep_in(peer, wchan) :
				      ex_wait_asleep_in(peer, wchan)) {
			perror("wchan");
			return -1;
		}
		if (give_turn(c, me) || (!me && wait_turn(c, me)))
			return -1;
		if (!c->bench || i % 1024 == 0)
			ex_watchdog_pet();
	}
	if (!me)
		c->elapsed_ns = ex_now_ns() - t0;
	return 0;
}

static void *thread_main(void *arg)
{
	struct ctx *c = arg;

	__atomic_store_n(&c->cnt->side[1].tid, gettid(), __ATOMIC_RELEASE);
	return (void *)(long)play(c, 1);
}

/* What the watchdog removes if the parent gives up. */
static struct futex_home home = { .fd = -1 };

static void remove_home(void)
{
	futex_home_remove(&home);
}

/* The child: its own mapping first, then its side of the game. */
static int child_main(struct ctx *c, char *inherited, const char *obj_a)
{
	char name[PATH_MAX + 64] = "";
	char *base;

	ex_watchdog(NULL);
	if (home.kind != FUTEX_HOME_ANON) {
		base = futex_home_map(&home);
		if (base == MAP_FAILED || futex_home_unmap(&home, inherited)) {
			perror("child: map the object again");
			goto fail;
		}
		c->a = (uint32_t *)(base + ((char *)c->a - inherited));
		c->b = (uint32_t *)(base + ((char *)c->b - inherited));
		c->cnt = (struct counters *)(base + ((char *)c->cnt - inherited));
	}
	if (futex_object_name(c->a, &home, name, sizeof(name)) || strcmp(name, obj_a)) {
		fprintf(stderr, "futex_raw: the child names word A '%s', not '%s'\n", name, obj_a);
		goto fail;
	}
	__atomic_store_n(&c->cnt->side[1].tid, getpid(), __ATOMIC_RELEASE);
	return play(c, 1) ? 1 : 0;
fail:
	/* so that the parent does not wait for a partner */
	__atomic_store_n(&c->cnt->side[1].tid, -1, __ATOMIC_RELEASE);
	return 1;
}

/* Did it go as planned: every wait blocked, every wake call woke one? */
static int check(const struct ctx *c)
{
	int err = 0;

	for (int s = 0; s < 2; s++) {
		const struct side *src = &c->cnt->side[s], *dst = &c->cnt->side[!s];

		if (src->wake_calls == c->n && src->woken == c->n && dst->waits == c->n &&
		    !dst->eagain && !src->failed && !dst->failed &&
		    (c->mode != W_REQUEUE || src->requeued == c->n))
			continue;
		fprintf(stderr, "futex_raw: side %d -> %d: %" PRIu64 " wake calls woke %" PRIu64
			" (%" PRIu64 " requeued), %" PRIu64 " waits blocked, %" PRIu64
			" EAGAIN, in %" PRIu64 " rounds\n", s, !s, src->wake_calls, src->woken,
			src->requeued, dst->waits, dst->eagain, c->n);
		err = 1;
	}
	return err;
}

int main(int argc, char **argv)
{
	struct ctx c = { .mode = W_WAKE, .n = 1000 };
	size_t page = sysconf(_SC_PAGESIZE), off = 64, offb, slot;
	char *base = NULL, obj_a[PATH_MAX + 64], obj_b[PATH_MAX + 64], seg[PATH_MAX + 64];
	int opt, status = -1, err = 0;
	pid_t child = 0, self = getpid();
	uint32_t unlocked = 0;
	struct statfs sfs;
	bool priv = false;
	void *ret = NULL;
	int cpu = -1;
	pthread_t th;

	while ((opt = getopt(argc, argv, "n:k:o:w:tPbC:h")) != -1) {
		switch (opt) {
		case 'n': c.n = ex_parse_u64(optarg, 'n', 1, 1000000, usage); break;
		case 'k': home.kind = pick(optarg, kind_names, 5, 'k'); break;
		case 'o': off = ex_parse_u64(optarg, 'o', 0, 2 * page - 4, usage); break;
		case 'w': c.mode = pick(optarg, mode_names, 5, 'w'); break;
		case 't': c.threads = true; break;
		case 'P': priv = true; break;
		case 'b': c.bench = true; break;
		case 'C': cpu = ex_parse_u64(optarg, 'C', 0, CPU_SETSIZE - 1, usage); break;
		default: ex_die_usage(usage, NULL);
		}
	}
	if (optind != argc)
		ex_die_usage(usage, "unexpected argument '%s'", argv[optind]);
	if (off % 4)
		ex_die_usage(usage, "-o: %zu is not a multiple of 4", off);
	if (priv && !c.threads)
		ex_die_usage(usage, "-P: private futexes are for threads (-t) only");
	if (cpu >= 0 && !c.bench)
		ex_die_usage(usage, "-C: pinning is for the benchmark (-b) only");
	if (ex_pin_cpu(cpu))
		return 1;
	c.priv = priv ? FUTEX_PRIVATE_FLAG : 0;
	ex_setup();
	ex_watchdog(remove_home);

	home.len = 2 * page;
	base = futex_home_create(&home, "ipctrace-futex");
	if (base == MAP_FAILED) {
		perror(kind_names[home.kind]);
		base = NULL;
		err = 1;
		goto out;
	}
	offb = (off + page) % home.len;
	/* the counters go in the first 64-byte slot holding neither word */
	for (slot = 0;; slot += 64)
		if ((off < slot || off >= slot + sizeof(struct counters)) &&
		    (offb < slot || offb >= slot + sizeof(struct counters)))
			break;
	c.a = (uint32_t *)(base + off);
	c.b = (uint32_t *)(base + offb);
	c.cnt = (struct counters *)(base + slot);
	if (futex_object_name(c.a, &home, obj_a, sizeof(obj_a)) ||
	    futex_object_name(c.b, &home, obj_b, sizeof(obj_b))) {
		fprintf(stderr, "futex_raw: no mapping in /proc/self/maps holds the words\n");
		err = 1;
		goto out;
	}
	/* pi: the parent takes the lock as glibc would, with no system call */
	if (c.mode == W_PI &&
	    !__atomic_compare_exchange_n(c.a, &unlocked, self, false, __ATOMIC_ACQUIRE,
					 __ATOMIC_RELAXED)) {
		err = 1;
		goto out;
	}
	c.cnt->side[0].tid = self;

	if (c.threads) {
		if (pthread_create(&th, NULL, thread_main, &c)) {
			fprintf(stderr, "futex_raw: pthread_create failed\n");
			err = 1;
			goto out;
		}
		/* on failure the other thread may be asleep for good: just exit */
		if (play(&c, 0) || pthread_join(th, &ret) || ret) {
			futex_home_remove(&home);
			return 1;
		}
	} else {
		child = fork();
		if (child < 0) {
			perror("fork");
			err = 1;
			goto out;
		}
		if (child == 0)
			_exit(child_main(&c, base, obj_a));
		ex_watchdog_child(child);
		if (play(&c, 0)) {
			err = 1;
			kill(child, SIGKILL);
		}
		status = ex_wait(child);
		err |= ex_child_ok("child", status);
	}
	if (!c.bench)
		err |= check(&c);

	if (c.threads) {
		truth_futex_no_edge(obj_a, self);
		if (c.mode == W_WAKEOP || c.mode == W_REQUEUE)
			truth_futex_no_edge(obj_b, self);
		goto out;
	}
	truth_futex(c.mode == W_REQUEUE ? obj_b : obj_a, self, child, c.cnt->side[0].woken,
		    c.cnt->side[1].waits, c.cnt->side[0].wake_calls, 0);
	truth_futex(c.mode == W_WAKEOP || c.mode == W_REQUEUE ? obj_b : obj_a, child, self,
		    c.cnt->side[1].woken, c.cnt->side[0].waits, c.cnt->side[1].wake_calls, 0);
	/* shm edges are about shmem files; a file on a disk is an mmap edge */
	if (home.kind != FUTEX_HOME_FILE ||
	    (!statfs(home.name, &sfs) && sfs.f_type == TMPFS_MAGIC)) {
		futex_home_segment(&home, base, seg, sizeof(seg));
		truth_shm(seg, self, child, home.len);
	} else {
		/* the child inherits the parent's writable mapping */
		truth_mmap(home.name, self, child, home.len, true, true, 0, 0, 0);
	}
	truth_sigchld(child, self, status);
	if (c.bench && !err) {
		struct truth_buf tb = { .len = 0 };

		tb_printf(&tb, "{\"type\":\"bench\",\"round_trips\":%" PRIu64
			  ",\"elapsed_ns\":%" PRIu64 "}", c.n, c.elapsed_ns);
		tb_emit(&tb);
	}
out:
	if (base)
		futex_home_unmap(&home, base);
	futex_home_remove(&home);
	return err;
}

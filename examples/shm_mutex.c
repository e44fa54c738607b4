// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * shm_mutex: -p worker processes each add 1 to a counter -n times under
 * one process-shared mutex (pthread_mutexattr_setpshared), both in a POSIX
 * shm object, /ipctrace-mutex-PID; the mutex is at offset 64, and glibc's
 * futex word (__data.__lock) is its first field.  At the end the parent
 * checks that the counter is p * n.
 *
 * The workers are the parent's children re-executed (-C): each maps the
 * object by name, at an address of its own.  The parent forks them one at
 * a time, each once the one before has mapped the object, and lets them
 * all start (a flag in the object) once all have: so all were attached
 * together, in a known order.
 *
 * Who wakes whom is up to the scheduler: the truth gives the members, the
 * processes every futex edge on the mutex's word is between.  At least one
 * hand-off is made certain: the first worker (the gate, -G) takes the
 * mutex before it starts, and lets it go only once the parent has seen
 * every other worker asleep on it in the kernel (/proc/PID/wchan).
 *
 * -r makes the mutex robust (PTHREAD_MUTEX_ROBUST) and adds a victim,
 * forked first: it takes the mutex and keeps it.  Once every other worker
 * sleeps on it in the kernel (/proc/PID/wchan), the parent kills the
 * victim (SIGKILL).  The kernel finds the mutex on the dead owner's robust
 * list: the word has FUTEX_WAITERS (glibc sets it before it sleeps), so
 * the kernel marks it FUTEX_OWNER_DIED and wakes one waiter, the heir,
 * whose pthread_mutex_lock returns EOWNERDEAD.  Since all the others are
 * asleep, nobody can take the mutex before the heir.  The heir makes it
 * consistent and writes its pid into the object.
 *
 * Truth (stderr, all from the parent): the members of the mutex's word
 * with "increments" = p * n; with -r the owner_died edge victim -> heir and
 * the parent's SIGKILL; the shm edges (parent -> each worker, and each
 * worker -> those forked after it) and one SIGCHLD per worker.
 */
#include <getopt.h>
#include <pthread.h>
#include <stddef.h>
#include "truth_futex.h"

#define MAX_WORKERS 64

static const char usage[] = "[-p WORKERS] [-n INCREMENTS] [-r]";

struct area {
	uint64_t counter;
	uint32_t attached;	/* workers that have mapped the object */
	uint32_t go;
	int32_t heir;		/* -r: who got EOWNERDEAD */
	uint32_t release;	/* the gate may unlock */
	pthread_mutex_t mutex __attribute__((aligned(64)));
};

_Static_assert(offsetof(struct area, mutex) == 64, "the mutex is at 0x40");

static struct futex_home home = { .kind = FUTEX_HOME_SHM, .fd = -1 };

static void remove_home(void)
{
	futex_home_remove(&home);
}

static int lock(struct area *a)
{
	int e = pthread_mutex_lock(&a->mutex);

	if (e == EOWNERDEAD) {
		/* the victim died holding it: the counter is fine, say so */
		__atomic_store_n(&a->heir, getpid(), __ATOMIC_RELEASE);
		e = pthread_mutex_consistent(&a->mutex);
	}
	if (e)
		fprintf(stderr, "shm_mutex: pthread_mutex_lock: %s\n", strerror(e));
	return e;
}

enum role { ROLE_WORKER, ROLE_VICTIM, ROLE_GATE };

/* A worker, after exec: maps the object by name, adds n once told to go. */
static int worker(pid_t owner, uint64_t n, enum role role)
{
	struct area *a;
	uint64_t i = 0;

	ex_watchdog(NULL);
	snprintf(home.name, sizeof(home.name), "/ipctrace-mutex-%d", (int)owner);
	home.len = sysconf(_SC_PAGESIZE);
	a = futex_home_map(&home);
	if (a == MAP_FAILED) {
		perror("worker: map the object");
		return 1;
	}
	if (role == ROLE_VICTIM) {
		/* take it before the parent hears from us: nobody can beat us to it */
		if (lock(a))
			return 1;
		__atomic_add_fetch(&a->attached, 1, __ATOMIC_ACQ_REL);
		for (;;)
			pause();	/* until SIGKILL (or the watchdog) */
	}
	if (role == ROLE_GATE) {
		/* the first increment, under a lock held until the others sleep on it */
		if (lock(a))
			return 1;
		__atomic_add_fetch(&a->attached, 1, __ATOMIC_ACQ_REL);
		while (!__atomic_load_n(&a->release, __ATOMIC_ACQUIRE))
			ex_sleep_ns(20000);
		a->counter++;
		if (pthread_mutex_unlock(&a->mutex))
			return 1;
		i = 1;
	} else {
		__atomic_add_fetch(&a->attached, 1, __ATOMIC_ACQ_REL);
	}
	while (!__atomic_load_n(&a->go, __ATOMIC_ACQUIRE))
		ex_sleep_ns(20000);
	for (; i < n; i++) {
		if (lock(a))
			return 1;
		a->counter++;
		if (pthread_mutex_unlock(&a->mutex))
			return 1;
		if (i % 256 == 0)
			ex_watchdog_pet();
	}
	munmap(a, home.len);
	return 0;
}

static int init_mutex(pthread_mutex_t *m, bool robust)
{
	pthread_mutexattr_t attr;
	int e;

	e = pthread_mutexattr_init(&attr);
	if (!e)
		e = pthread_mutexattr_setpshared(&attr, PTHREAD_PROCESS_SHARED);
	if (!e && robust)
		e = pthread_mutexattr_setrobust(&attr, PTHREAD_MUTEX_ROBUST);
	if (!e)
		e = pthread_mutex_init(m, &attr);
	pthread_mutexattr_destroy(&attr);
	return e;
}

/* Fork and re-execute a worker; wait until it has mapped the object. */
static pid_t spawn(const char *argv0, struct area *a, const char *nbuf, enum role role)
{
	uint32_t before = __atomic_load_n(&a->attached, __ATOMIC_ACQUIRE);
	char self[4096], pbuf[24];
	ssize_t len;
	pid_t pid;
	int st;

	snprintf(pbuf, sizeof(pbuf), "%d", (int)getpid());
	pid = fork();
	if (pid < 0) {
		perror("fork");
		return -1;
	}
	if (pid == 0) {
		/* the real path, so that the worker's comm is ours, not "exe" */
		len = readlink("/proc/self/exe", self, sizeof(self) - 1);
		if (len > 0) {
			self[len] = '\0';
			execl(self, argv0, "-C", pbuf, "-n", nbuf,
			      role == ROLE_VICTIM ? "-V" : role == ROLE_GATE ? "-G" : (char *)NULL,
			      (char *)NULL);
		}
		perror("exec");
		_exit(127);
	}
	ex_watchdog_child(pid);
	while (__atomic_load_n(&a->attached, __ATOMIC_ACQUIRE) == before) {
		if (waitpid(pid, &st, WNOHANG) == pid) {
			ex_child_ok("worker", st);
			return -1;
		}
		ex_sleep_ns(20000);
	}
	return pid;
}

int main(int argc, char **argv)
{
	uint64_t n = 10000, p = 4;
	int opt, err = 0, st[MAX_WORKERS + 1];
	pid_t pids[MAX_WORKERS + 1], owner = 0, self = getpid(), victim = 0;
	bool is_worker = false, robust = false;
	enum role role = ROLE_WORKER;
	char nbuf[24], obj[PATH_MAX + 64], seg[PATH_MAX + 64], extra[64];
	size_t nw = 0, first = 0;
	struct area *a;

	while ((opt = getopt(argc, argv, "p:n:rC:VGh")) != -1) {
		switch (opt) {
		case 'p': p = ex_parse_u64(optarg, 'p', 1, MAX_WORKERS, usage); break;
		case 'n': n = ex_parse_u64(optarg, 'n', 1, 100000000, usage); break;
		case 'r': robust = true; break;
		case 'C':
			is_worker = true;
			owner = ex_parse_u64(optarg, 'C', 1, INT32_MAX, usage);
			break;
		case 'V': role = ROLE_VICTIM; break;
		case 'G': role = ROLE_GATE; break;
		default: ex_die_usage(usage, NULL);
		}
	}
	if (optind != argc)
		ex_die_usage(usage, "unexpected argument '%s'", argv[optind]);
	if (is_worker)
		return worker(owner, n, role);
	ex_setup();
	ex_watchdog(remove_home);

	home.len = sysconf(_SC_PAGESIZE);
	a = futex_home_create(&home, "ipctrace-mutex");
	if (a == MAP_FAILED || init_mutex(&a->mutex, robust) ||
	    futex_object_name(&a->mutex, &home, obj, sizeof(obj))) {
		perror("shm_open / the mutex");
		futex_home_remove(&home);
		return 1;
	}

	snprintf(nbuf, sizeof(nbuf), "%" PRIu64, n);
	if (robust) {
		victim = pids[nw++] = spawn(argv[0], a, nbuf, ROLE_VICTIM);
		first = 1;
		err |= victim < 0;
	}
	while (!err && nw < first + p) {
		/* without -r, the first worker is the gate (with another to hand off to) */
		pids[nw] = spawn(argv[0], a, nbuf,
				 !robust && nw == first && p > 1 ? ROLE_GATE : ROLE_WORKER);
		err |= pids[nw++] < 0;
	}
	if (!err)
		__atomic_store_n(&a->go, 1, __ATOMIC_RELEASE);

	/* the gate lets go once every other worker sleeps on the mutex */
	for (size_t i = first + 1; !err && !robust && p > 1 && i < nw; i++) {
		if (ex_wait_asleep_in(pids[i], "futex")) {
			perror("wchan");
			err = 1;
		}
	}
	if (!robust)
		__atomic_store_n(&a->release, 1, __ATOMIC_RELEASE);

	/* -r: kill the holder only once every other worker sleeps on the mutex */
	for (size_t i = first; !err && robust && i < nw; i++) {
		if (ex_wait_asleep_in(pids[i], "futex")) {
			perror("wchan");
			err = 1;
		}
	}
	if (robust && victim > 0 && kill(victim, SIGKILL)) {
		perror("kill");
		err = 1;
	}

	/* each worker has its own watchdog: waiting for them cannot hang */
	alarm(0);
	for (size_t i = 0; i < nw; i++) {
		if (pids[i] < 0)
			continue;
		if (err)
			kill(pids[i], SIGKILL);
		st[i] = ex_wait(pids[i]);
		if (pids[i] != victim)
			err |= ex_child_ok("worker", st[i]);
		else if (!WIFSIGNALED(st[i]) || WTERMSIG(st[i]) != SIGKILL)
			err |= ex_child_ok("victim", st[i]);
	}
	if (err) {
		futex_home_remove(&home);
		return 1;
	}
	if (a->counter != p * n) {
		fprintf(stderr, "shm_mutex: counter %" PRIu64 ", expected %" PRIu64 "\n",
			a->counter, p * n);
		err = 1;
	}
	if (robust && (a->heir <= 0 || a->heir == victim)) {
		fprintf(stderr, "shm_mutex: no worker got EOWNERDEAD\n");
		err = 1;
	}

	/* one worker alone has nobody to hand off to */
	snprintf(extra, sizeof(extra), ",\"increments\":%" PRIu64 "%s", a->counter,
		 nw > 1 ? "" : ",\"edges\":0");
	truth_futex_members(obj, false, pids, nw, extra);
	if (robust) {
		truth_futex_owner_died(obj, victim, a->heir);
		truth_signal(SIGKILL, SI_USER, self, victim, 1, -1);
	}
	futex_home_segment(&home, a, seg, sizeof(seg));
	for (size_t i = 0; i < nw; i++) {
		truth_shm(seg, self, pids[i], home.len);
		for (size_t j = i + 1; j < nw; j++)
			truth_shm(seg, pids[i], pids[j], home.len);
	}
	for (size_t i = 0; i < nw; i++)
		truth_sigchld(pids[i], self, st[i]);
	munmap(a, home.len);
	futex_home_remove(&home);
	return err;
}

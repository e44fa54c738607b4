/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * Ground truth of the futex examples (examples/futex_raw.c, shm_mutex.c,
 * shm_condvar.c), one JSON object per line on stderr:
 *
 *   {"type":"truth","mech":"futex","object":"futex:memfd:x+0x40","src":A,"dst":B,
 *    "wakes":N,"waits":N,"wake_calls":N,"owner_died":0}
 *   {"type":"truth","mech":"futex","object":"...","src":A,"dst":B,"owner_died":1}
 *   {"type":"truth","mech":"futex","object":"...","members":[A,B,C],...}
 *   {"type":"truth","mech":"futex","object_prefix":"futex:anon[1234]+","members":[..],...}
 *   {"type":"truth","mech":"futex","object":"...","members":[A],"edges":0}
 *
 * An edge: A's wake-ups released B's blocked waits on the futex word
 * "object".  wakes = how many of B's blocked waits A's wake calls ended,
 * waits = B's waits on the word that blocked (returned 0, ETIMEDOUT or
 * EINTR; EAGAIN is no wait), wake_calls = A's wake calls on the word,
 * whether they woke anybody or not.  What is a wait and what a wake call:
 *
 *   FUTEX_WAIT, FUTEX_WAIT_BITSET, FUTEX_LOCK_PI      a wait on uaddr
 *   FUTEX_WAKE, FUTEX_WAKE_BITSET, FUTEX_UNLOCK_PI    a wake call on uaddr
 *   FUTEX_WAKE_OP                                     a wake call on uaddr and
 *                                                     one on uaddr2
 *   FUTEX_CMP_REQUEUE                                 neither: a waiter it moves
 *                                                     from uaddr to uaddr2 counts,
 *                                                     once woken, as a wait on
 *                                                     uaddr2, the word woken on
 *
 * The "owner_died" form: A died holding the robust mutex whose lock word
 * is object, and the kernel (exit_robust_list) woke B, which got
 * EOWNERDEAD.  A made no wake call: the line has no other counter.
 *
 * The "members" form is for examples that cannot know who woke whom (a
 * mutex or condition variable several processes contend for): every futex
 * edge on the object, or on every object whose name starts with
 * object_prefix, is between two of the members.  Extra fields (counts the
 * example is sure of: "increments", "items", ...) describe the workload,
 * not edges.  With "edges":0 there is no futex edge on the object at all:
 * its waiters and wakers are threads of one process (or the futex is
 * private).
 *
 * A futex word is named by where it lives, the same in every process
 * whatever the address it is mapped at:
 *
 *   shm_open("/NAME")                      futex:/dev/shm/NAME+0x40
 *   memfd_create("NAME")                   futex:memfd:NAME+0x40
 *   mmap(MAP_SHARED | MAP_ANONYMOUS)       futex:anon[INODE]+0x40
 *   shmget() / shmat()                     futex:shm:SHMID+0x40
 *   a regular file, mmap(MAP_SHARED)       futex:/abs/path/of/file+0x40
 *
 * INODE is what /proc/self/maps shows for the mapping ("/dev/zero
 * (deleted)", a shmem file of the kernel's), and the offset is the word's
 * byte offset in the file: the mapping's file offset plus the word's
 * offset in the mapping, in lowercase hex.
 *
 * Helpers: futex_object_name() names a word of this process;
 * futex_home_create() and futex_home_map() make and map each kind of
 * shared memory above, futex_home_segment() gives its name as an shm edge
 * (truth_sync.h); ex_watchdog() makes a process that stops making
 * progress fail loudly instead of hanging.
 */
#ifndef IPCTRACE_EXAMPLES_TRUTH_FUTEX_H
#define IPCTRACE_EXAMPLES_TRUTH_FUTEX_H

#include <fcntl.h>
#include <limits.h>
#include <stdbool.h>
#include <sys/mman.h>
#include <sys/shm.h>
#include "truth_sync.h"

enum futex_kind {
	FUTEX_HOME_ANON,
	FUTEX_HOME_MEMFD,
	FUTEX_HOME_SHM,
	FUTEX_HOME_SYSV,
	FUTEX_HOME_FILE,
};

/* What futex words live in; the example knows all but an anon inode. */
struct futex_home {
	enum futex_kind kind;
	char name[PATH_MAX + 32];	/* memfd name, shm_open name ("/x"), absolute path */
	int shmid;			/* FUTEX_HOME_SYSV */
	int fd;				/* the memfd, else -1 */
	bool created;			/* by us: a name or an id to remove */
	size_t len;
};

/*
 * The object name of the futex word at addr, which lives in home.  The
 * mapping's file offset and (for anon) inode come from /proc/self/maps.
 * Returns 0, or -1 if no mapping of this process holds addr.
 */
static inline int futex_object_name(const void *addr, const struct futex_home *home,
				    char *buf, size_t len)
{
	unsigned long a = (unsigned long)addr, off = 0, ino = 0;
	FILE *f = fopen("/proc/self/maps", "re");
	char line[PATH_MAX + 128];
	bool found = false;

	while (f && !found && fgets(line, sizeof(line), f)) {
		unsigned long s, e, pgoff, i;

		if (sscanf(line, "%lx-%lx %*s %lx %*s %lu", &s, &e, &pgoff, &i) == 4 &&
		    a >= s && a < e) {
			off = pgoff + (a - s);
			ino = i;
			found = true;
		}
	}
	if (f)
		fclose(f);
	if (!found)
		return -1;

	switch (home->kind) {
	case FUTEX_HOME_ANON:
		snprintf(buf, len, "futex:anon[%lu]+0x%lx", ino, off);
		break;
	case FUTEX_HOME_MEMFD:
		snprintf(buf, len, "futex:memfd:%s+0x%lx", home->name, off);
		break;
	case FUTEX_HOME_SHM:
		snprintf(buf, len, "futex:/dev/shm%s+0x%lx", home->name, off);
		break;
	case FUTEX_HOME_SYSV:
		snprintf(buf, len, "futex:shm:%d+0x%lx", home->shmid, off);
		break;
	case FUTEX_HOME_FILE:
		snprintf(buf, len, "futex:%s+0x%lx", home->name, off);
		break;
	}
	return 0;
}

/*
 * Map h (kind, name or shmid and len filled in).  A forked child calls it
 * too, to map a named object at an address of its own (an anon mapping
 * has no name: it can only be inherited).  Returns MAP_FAILED on failure,
 * shmat's failure included.
 */
static inline void *futex_home_map(const struct futex_home *h)
{
	int fd = h->fd;
	void *p;

	if (h->kind == FUTEX_HOME_ANON)
		return mmap(NULL, h->len, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	if (h->kind == FUTEX_HOME_SYSV)
		return shmat(h->shmid, NULL, 0);
	if (h->kind == FUTEX_HOME_SHM)
		fd = shm_open(h->name, O_RDWR, 0);
	else if (h->kind == FUTEX_HOME_FILE)
		fd = open(h->name, O_RDWR | O_CLOEXEC);
	if (fd < 0)
		return MAP_FAILED;
	p = mmap(NULL, h->len, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	if (fd != h->fd)
		close(fd);
	return p;
}

/*
 * Create an object of h->kind and h->len bytes, named after stem: memfd
 * "STEM", shm "/STEM-PID", file "$TMPDIR/STEM-PID" (or /tmp; absolute),
 * and map it.  Returns the mapping or MAP_FAILED; futex_home_remove()
 * undoes what was done either way.
 */
static inline void *futex_home_create(struct futex_home *h, const char *stem)
{
	const char *tmp = getenv("TMPDIR");
	char dir[PATH_MAX];
	int fd = -1;

	h->fd = -1;
	if (h->kind == FUTEX_HOME_SYSV) {
		h->shmid = shmget(IPC_PRIVATE, h->len, IPC_CREAT | 0600);
		if (h->shmid < 0)
			return MAP_FAILED;
		h->created = true;
	} else if (h->kind != FUTEX_HOME_ANON) {
		if (h->kind == FUTEX_HOME_MEMFD) {
			snprintf(h->name, sizeof(h->name), "%s", stem);
			fd = h->fd = memfd_create(h->name, MFD_CLOEXEC);
		} else if (h->kind == FUTEX_HOME_SHM) {
			snprintf(h->name, sizeof(h->name), "/%s-%d", stem, (int)getpid());
			fd = shm_open(h->name, O_RDWR | O_CREAT | O_EXCL, 0600);
		} else if (realpath(tmp && *tmp ? tmp : "/tmp", dir)) {
			snprintf(h->name, sizeof(h->name), "%.*s/%s-%d", PATH_MAX - 1, dir, stem,
				 (int)getpid());
			fd = open(h->name, O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
		}
		if (fd < 0)
			return MAP_FAILED;
		h->created = h->kind != FUTEX_HOME_MEMFD;
		if (ftruncate(fd, h->len))
			return MAP_FAILED;
		/* the memfd stays open for a child to map; the others have names */
		if (fd != h->fd)
			close(fd);
	}
	return futex_home_map(h);
}

static inline int futex_home_unmap(const struct futex_home *h, void *base)
{
	return h->kind == FUTEX_HOME_SYSV ? shmdt(base) : munmap(base, h->len);
}

/* Close the memfd, remove the name or the SysV segment, if ours. */
static inline void futex_home_remove(struct futex_home *h)
{
	if (h->fd >= 0)
		close(h->fd);
	h->fd = -1;
	if (!h->created)
		return;
	h->created = false;
	if (h->kind == FUTEX_HOME_SHM)
		shm_unlink(h->name);
	else if (h->kind == FUTEX_HOME_FILE)
		unlink(h->name);
	else if (h->kind == FUTEX_HOME_SYSV)
		shmctl(h->shmid, IPC_RMID, NULL);
}

/*
 * The shm segment h is, as truth_sync.h names it ("shm:anon[INODE]",
 * "memfd:NAME", the /dev/shm path, "shm:SHMID", the file's path), from
 * the futex object name of base, an address in it.
 */
static inline void futex_home_segment(const struct futex_home *h, const void *base, char *buf,
				      size_t len)
{
	char obj[PATH_MAX + 64] = "futex:?", *plus;

	futex_object_name(base, h, obj, sizeof(obj));
	plus = strrchr(obj, '+');
	if (plus)
		*plus = '\0';
	snprintf(buf, len, "%s%s", h->kind == FUTEX_HOME_ANON ? "shm:" : "",
		 obj + strlen("futex:"));
}

/* A line's opening: the type, the mech, and the object (or its prefix). */
static inline void tb_futex_head(struct truth_buf *b, const char *key, const char *object)
{
	tb_printf(b, "{\"type\":\"truth\",\"mech\":\"futex\",\"%s\":", key);
	tb_str(b, object);
}

static inline void truth_futex(const char *object, pid_t src, pid_t dst, uint64_t wakes,
			       uint64_t waits, uint64_t wake_calls, uint64_t owner_died)
{
	struct truth_buf b = { .len = 0 };

	tb_futex_head(&b, "object", object);
	tb_printf(&b, ",\"src\":%d,\"dst\":%d,\"wakes\":%" PRIu64 ",\"waits\":%" PRIu64
		  ",\"wake_calls\":%" PRIu64 ",\"owner_died\":%" PRIu64 "}",
		  (int)src, (int)dst, wakes, waits, wake_calls, owner_died);
	tb_emit(&b);
}

static inline void truth_futex_owner_died(const char *object, pid_t src, pid_t dst)
{
	struct truth_buf b = { .len = 0 };

	tb_futex_head(&b, "object", object);
	tb_printf(&b, ",\"src\":%d,\"dst\":%d,\"owner_died\":1}", (int)src, (int)dst);
	tb_emit(&b);
}

/*
 * The members form.  With prefix, object is a prefix of object names
 * ("futex:anon[1234]+").  extra is NULL or more fields, each starting
 * with a comma: ",\"items\":100".
 */
static inline void truth_futex_members(const char *object, bool prefix, const pid_t *pids,
				       size_t n, const char *extra)
{
	struct truth_buf b = { .len = 0 };

	tb_futex_head(&b, prefix ? "object_prefix" : "object", object);
	tb_printf(&b, ",\"members\":[");
	for (size_t i = 0; i < n; i++)
		tb_printf(&b, "%s%d", i ? "," : "", (int)pids[i]);
	tb_printf(&b, "]%s}", extra ? extra : "");
	tb_emit(&b);
}

/* No futex edge on object: only the threads of pid use it. */
static inline void truth_futex_no_edge(const char *object, pid_t pid)
{
	truth_futex_members(object, false, &pid, 1, ",\"edges\":0");
}

/*
 * ex_wait_asleep_in() for one thread of this process: until thread tid
 * sleeps in a kernel function whose name starts with wchan.
 */
static inline int ex_wait_thread_asleep_in(pid_t tid, const char *wchan)
{
	char path[64];

	snprintf(path, sizeof(path), "/proc/self/task/%d/wchan", (int)tid);
	return ex_wait_wchan(path, wchan);
}

/*
 * The examples' watchdog: a process that makes no progress for 10 s (each
 * re-arms the alarm as it goes) says so, kills the children it registered,
 * runs its cleanup (names to unlink) and exits 1, rather than hang a test.
 * A forked child calls ex_watchdog() again: the list is its parent's.
 */
#define EX_WATCHDOG_SECS 10
#define EX_WATCHDOG_KIDS 256
#define EX_STR_(x) #x
#define EX_STR(x) EX_STR_(x)

static pid_t ex_watchdog_kids[EX_WATCHDOG_KIDS];
static unsigned int ex_watchdog_nkids;
static void (*ex_watchdog_cleanup)(void);

static inline void ex_watchdog_fired(int sig)
{
	static const char msg[] = ": no progress for " EX_STR(EX_WATCHDOG_SECS) " s, giving up\n";
	const char *name = program_invocation_short_name;

	for (unsigned int i = 0; i < ex_watchdog_nkids; i++)
		kill(ex_watchdog_kids[i], SIGKILL);
	if (ex_watchdog_cleanup)
		ex_watchdog_cleanup();
	if (write(STDERR_FILENO, name, strlen(name)) < 0 ||
	    write(STDERR_FILENO, msg, sizeof(msg) - 1) < 0)
		_exit(1);
	_exit(1);
}

static inline void ex_watchdog(void (*cleanup)(void))
{
	ex_watchdog_nkids = 0;
	ex_watchdog_cleanup = cleanup;
	signal(SIGALRM, ex_watchdog_fired);
	alarm(EX_WATCHDOG_SECS);
}

static inline void ex_watchdog_child(pid_t pid)
{
	if (ex_watchdog_nkids < EX_WATCHDOG_KIDS)
		ex_watchdog_kids[ex_watchdog_nkids++] = pid;
}

static inline void ex_watchdog_pet(void)
{
	alarm(EX_WATCHDOG_SECS);
}

#endif /* IPCTRACE_EXAMPLES_TRUTH_FUTEX_H */

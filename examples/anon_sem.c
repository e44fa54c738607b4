// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * anon_sem: examples/posix_shm_sem.c with nothing named.  A producer (the
 * parent) hands -n items of -s bytes to its forked child through a shared
 * anonymous mapping (mmap(MAP_SHARED | MAP_ANONYMOUS)), which also holds
 * two unnamed process-shared semaphores (sem_init(pshared = 1)): "slots"
 * at offset 0 (starts at 1) and "items" at offset 64 (starts at 0).
 *
 * The producer waits with sem_wait; the consumer alternates sem_timedwait
 * and sem_clockwait (with a deadline far away), so all three are
 * exercised.  Before each post the poster waits until the other process
 * sleeps in the kernel's futex wait (/proc/PID/wchan): every consumer wait
 * and every producer wait but the first blocks and is woken by a post.
 *
 * The kernel backs the mapping with a shmem file as large as the mapping
 * (whole pages), whose inode number /proc/self/maps shows; ipctrace names
 * the segment "shm:anon[INODE]" and the semaphores "psem:[INODE+OFFSET]".
 *
 * Truth (stderr): the shm edge parent -> child (inherited at fork), the sem
 * edge child -> parent on slots and SIGCHLD from the parent; the sem edge
 * parent -> child on items from the child.
 */
#include <getopt.h>
#include <semaphore.h>
#include <sys/mman.h>
#include "truth_sync.h"

#define OFF_SLOTS 0
#define OFF_ITEMS 64
#define OFF_DATA 128

static const char usage[] = "[-n ITEMS] [-s SIZE]";

/* The inode number /proc/self/maps shows for the mapping at addr. */
static unsigned long mapping_inode(void *addr)
{
	FILE *f = fopen("/proc/self/maps", "re");
	unsigned long ino = 0;
	char line[512];

	while (f && fgets(line, sizeof(line), f)) {
		unsigned long s, e, off, i;
		char dev[16];

		if (sscanf(line, "%lx-%lx %*s %lx %15s %lu", &s, &e, &off, dev, &i) == 5 &&
		    s == (unsigned long)addr) {
			ino = i;
			break;
		}
	}
	if (f)
		fclose(f);
	return ino;
}

static int take(sem_t *s, int how)
{
	struct timespec far;
	int r;

	do {
		if (how == 0) {
			r = sem_wait(s);
		} else if (how == 1) {
			clock_gettime(CLOCK_REALTIME, &far);
			far.tv_sec += 3600;
			r = sem_timedwait(s, &far);
		} else {
			clock_gettime(CLOCK_MONOTONIC, &far);
			far.tv_sec += 3600;
			r = sem_clockwait(s, CLOCK_MONOTONIC, &far);
		}
	} while (r && errno == EINTR);
	return r;
}

int main(int argc, char **argv)
{
	uint64_t n = 1000, size = 64, blocked = 0, len, page = sysconf(_SC_PAGESIZE);
	sem_t *slots, *items;
	unsigned long ino;
	int opt, status, err = 0;
	char object[80], *p, *data;
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

	len = OFF_DATA + sizeof(uint64_t) + size;
	p = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	if (p == MAP_FAILED) {
		perror("mmap");
		return 1;
	}
	slots = (sem_t *)(p + OFF_SLOTS);
	items = (sem_t *)(p + OFF_ITEMS);
	data = p + OFF_DATA + sizeof(uint64_t);
	ino = mapping_inode(p);
	if (!ino || sem_init(slots, 1, 1) || sem_init(items, 1, 0)) {
		perror("sem_init / the mapping's inode");
		return 1;
	}

	child = fork();
	if (child < 0) {
		perror("fork");
		return 1;
	}
	if (child == 0) {
		for (uint64_t i = 0; i < n; i++) {
			uint64_t t0 = ex_now_ns();

			if (take(items, 1 + i % 2))
				_exit(1);
			blocked += ex_now_ns() - t0;
			if (*(uint64_t *)(p + OFF_DATA) != i || data[0] != (char)('a' + i % 26) ||
			    data[size - 1] != (char)('a' + i % 26)) {
				fprintf(stderr, "anon_sem: item %" PRIu64 " is wrong\n", i);
				_exit(1);
			}
			if (i + 1 < n && ex_wait_asleep_in(getppid(), "futex"))
				_exit(1);
			if (sem_post(slots))
				_exit(1);
		}
		snprintf(object, sizeof(object), "psem:[%lu+%d]", ino, OFF_ITEMS);
		truth_sem(object, getppid(), getpid(), n, n, n, n, blocked);
		_exit(0);
	}

	for (uint64_t i = 0; i < n && !err; i++) {
		uint64_t t0 = ex_now_ns();

		if (take(slots, 0)) {
			err = 1;
			break;
		}
		if (i)
			blocked += ex_now_ns() - t0;
		*(uint64_t *)(p + OFF_DATA) = i;
		memset(data, 'a' + i % 26, size);
		if (ex_wait_asleep_in(child, "futex") || sem_post(items))
			err = 1;
	}
	if (err)
		perror("producer");
	status = ex_wait(child);
	err |= ex_child_ok("consumer", status);

	/* shmem_zero_setup() makes the file as large as the mapping: whole pages */
	snprintf(object, sizeof(object), "shm:anon[%lu]", ino);
	truth_shm(object, getpid(), child, (len + page - 1) / page * page);
	snprintf(object, sizeof(object), "psem:[%lu+%d]", ino, OFF_SLOTS);
	truth_sem(object, child, getpid(), n, n, n, n - 1, blocked);
	truth_sigchld(child, getpid(), status);
	munmap(p, len);
	return err;
}

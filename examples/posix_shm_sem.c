// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * posix_shm_sem: examples/sysv_shm_sem.c with POSIX objects.  A producer
 * (the parent) hands -n items of -s bytes to a consumer through a one-slot
 * ring in a POSIX shm object (shm_open), guarded by two named semaphores
 * (sem_open): "slots" (starts at 1) and "items" (starts at 0).
 *
 * The consumer is the parent's child, re-executed (-C): after exec it maps
 * the ring and the semaphores by name, at addresses of its own, so the
 * two processes meet only through the files behind the mappings.
 *
 * Hand-offs are made certain: before each post the poster waits until the
 * other process sleeps in the kernel's futex wait (/proc/PID/wchan), so
 * every consumer wait and every producer wait but the first (slots starts
 * at 1) blocks and is woken by the other's post.
 *
 * Truth (stderr): the shm edge parent -> child (the parent mapped the ring
 * first), the sem edge child -> parent on slots, SIGCHLD, all from the
 * parent; the sem edge parent -> child on items from the child, which
 * measured its own waits.
 */
#include <fcntl.h>
#include <getopt.h>
#include <semaphore.h>
#include <stdbool.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include "truth_sync.h"

static const char usage[] = "[-n ITEMS] [-s SIZE]";

struct ring {
	uint64_t seq;
	char data[];
};

struct names {
	char ring[64], items[64], slots[64];
};

static void make_names(struct names *nm, pid_t owner)
{
	snprintf(nm->ring, sizeof(nm->ring), "/ipctrace-ring-%d", (int)owner);
	snprintf(nm->items, sizeof(nm->items), "/ipctrace-items-%d", (int)owner);
	snprintf(nm->slots, sizeof(nm->slots), "/ipctrace-slots-%d", (int)owner);
}

static struct ring *map_ring(const char *name, int flags, size_t len)
{
	int fd = shm_open(name, flags | O_RDWR, 0600);
	void *p;

	if (fd < 0)
		return NULL;
	if ((flags & O_CREAT) && ftruncate(fd, len)) {
		close(fd);
		return NULL;
	}
	p = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	close(fd);
	return p == MAP_FAILED ? NULL : p;
}

static int sem_take(sem_t *s)
{
	while (sem_wait(s)) {
		if (errno != EINTR)
			return -1;
	}
	return 0;
}

/* The consumer, after exec: everything it uses it opens by name. */
static int consumer(pid_t owner, uint64_t n, uint64_t size)
{
	uint64_t blocked = 0;
	struct names nm;
	struct ring *r;
	sem_t *items, *slots;
	char object[80];

	make_names(&nm, owner);
	r = map_ring(nm.ring, 0, sizeof(*r) + size);
	items = sem_open(nm.items, 0);
	slots = sem_open(nm.slots, 0);
	if (!r || items == SEM_FAILED || slots == SEM_FAILED) {
		perror("consumer: open");
		return 1;
	}
	for (uint64_t i = 0; i < n; i++) {
		uint64_t t0 = ex_now_ns();

		if (sem_take(items))
			return 1;
		blocked += ex_now_ns() - t0;
		if (r->seq != i || r->data[0] != (char)('a' + i % 26) ||
		    r->data[size - 1] != (char)('a' + i % 26)) {
			fprintf(stderr, "posix_shm_sem: item %" PRIu64 " is wrong\n", i);
			return 1;
		}
		/* the producer waits for this post only if it has another item */
		if (i + 1 < n && ex_wait_asleep_in(owner, "futex"))
			return 1;
		if (sem_post(slots))
			return 1;
	}
	munmap(r, sizeof(*r) + size);
	snprintf(object, sizeof(object), "psem:%s", nm.items);
	truth_sem(object, owner, getpid(), n, n, n, n, blocked);
	return 0;
}

int main(int argc, char **argv)
{
	uint64_t n = 1000, size = 64, blocked = 0;
	int opt, status, err = 0;
	bool is_consumer = false;
	char nbuf[24], sbuf[24], pbuf[24], object[80];
	sem_t *items = SEM_FAILED, *slots = SEM_FAILED;
	struct ring *r;
	struct names nm;
	pid_t child, owner = 0;

	while ((opt = getopt(argc, argv, "n:s:C:h")) != -1) {
		switch (opt) {
		case 'n': n = ex_parse_u64(optarg, 'n', 1, 1000000, usage); break;
		case 's': size = ex_parse_u64(optarg, 's', 1, EX_MAX_SIZE, usage); break;
		case 'C':
			is_consumer = true;
			owner = ex_parse_u64(optarg, 'C', 1, INT32_MAX, usage);
			break;
		default: ex_die_usage(usage, NULL);
		}
	}
	if (optind != argc)
		ex_die_usage(usage, "unexpected argument '%s'", argv[optind]);
	if (is_consumer)
		return consumer(owner, n, size);
	ex_setup();

	make_names(&nm, getpid());
	r = map_ring(nm.ring, O_CREAT | O_EXCL, sizeof(*r) + size);
	items = sem_open(nm.items, O_CREAT | O_EXCL, 0600, 0);
	slots = sem_open(nm.slots, O_CREAT | O_EXCL, 0600, 1);
	if (!r || items == SEM_FAILED || slots == SEM_FAILED) {
		perror("shm_open/sem_open");
		err = 1;
		goto out;
	}

	snprintf(nbuf, sizeof(nbuf), "%" PRIu64, n);
	snprintf(sbuf, sizeof(sbuf), "%" PRIu64, size);
	snprintf(pbuf, sizeof(pbuf), "%d", (int)getpid());
	child = fork();
	if (child < 0) {
		perror("fork");
		err = 1;
		goto out;
	}
	if (child == 0) {
		char self[4096];
		ssize_t len = readlink("/proc/self/exe", self, sizeof(self) - 1);

		/* the real path, so that the consumer's comm is ours, not "exe" */
		if (len > 0) {
			self[len] = '\0';
			execl(self, argv[0], "-C", pbuf, "-n", nbuf, "-s", sbuf, (char *)NULL);
		}
		perror("exec");
		_exit(127);
	}

	for (uint64_t i = 0; i < n && !err; i++) {
		uint64_t t0 = ex_now_ns();

		if (sem_take(slots)) {
			err = 1;
			break;
		}
		if (i)
			blocked += ex_now_ns() - t0;
		r->seq = i;
		memset(r->data, 'a' + i % 26, size);
		if (ex_wait_asleep_in(child, "futex") || sem_post(items))
			err = 1;
	}
	if (err)
		perror("producer");
	status = ex_wait(child);
	err |= ex_child_ok("consumer", status);

	snprintf(object, sizeof(object), "/dev/shm%s", nm.ring);
	truth_shm(object, getpid(), child, sizeof(*r) + size);
	snprintf(object, sizeof(object), "psem:%s", nm.slots);
	truth_sem(object, child, getpid(), n, n, n, n - 1, blocked);
	truth_sigchld(child, getpid(), status);
out:
	if (r)
		munmap(r, sizeof(*r) + size);
	if (items != SEM_FAILED)
		sem_close(items);
	if (slots != SEM_FAILED)
		sem_close(slots);
	shm_unlink(nm.ring);
	sem_unlink(nm.items);
	sem_unlink(nm.slots);
	return err;
}

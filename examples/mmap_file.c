// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * mmap_file: two processes map one regular file (in a fresh directory under
 * /tmp, removed at the end), each with its own mmap (not inherited):
 *
 *   P (the parent) creates the file of -s bytes, forks C, maps the file,
 *   and tells C to map it too (pipe P -> C).  C maps it, says so (pipe
 *   C -> P); told to write (P -> C), C fills it with a known pattern,
 *   msyncs it once and says done (C -> P).  P checks the pattern through
 *   its own mapping, tells C to finish (P -> C); C unmaps and exits, then
 *   P unmaps, and removes the file.
 *
 * -m selects how they map it:
 *   rw       both PROT_READ|PROT_WRITE, MAP_SHARED   -> mmap edge P -> C
 *   ro       P read-only (file opened O_RDONLY), C writable
 *                                                    -> mmap edge P -> C
 *   roro     both read-only; P wrote the pattern with pwrite() before
 *            forking, C checks it and writes nothing -> no mmap edge
 *   private  both MAP_PRIVATE, C writes its private copy; P checks that the
 *            file still holds zeros                  -> no mmap edge
 * P maps first, so P is the edge's src.
 *
 * -r: P, once it has mapped the file and before C maps it, moves its
 * mapping with mremap(MREMAP_MAYMOVE|MREMAP_FIXED) onto an address it
 * reserved with an anonymous PROT_NONE mmap of the same length; it uses the
 * moved mapping from then on (in rw mode it writes the pattern through it
 * first, without msync) and unmaps it at the end.  A move leaves one
 * mapping: the truth is the same as without -r.
 *
 * -w FILE: once both have mapped, P creates FILE and waits for SIGUSR1
 * before it lets C write: a tracer started meanwhile finds the mappings
 * already there.  The pipe truth then counts only the messages after the
 * signal (what a tracer started before it can see).
 *
 * Truth (stderr): the mmap edge (object "mmap:<path>", size, who mapped
 * writable, msyncs, the writer's pid), the pipe edges, C's SIGCHLD.
 */
#include <fcntl.h>
#include <getopt.h>
#include <stdbool.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include "truth_sync.h"

static const char usage[] = "[-s SIZE] [-m rw|ro|roro|private] [-r] [-w READY_FILE]";

enum mode { M_RW, M_RO, M_RORO, M_PRIVATE };

static unsigned char pattern_at(size_t i)
{
	return (unsigned char)(i * 7 + 3);
}

static bool holds_pattern(const unsigned char *p, size_t len)
{
	for (size_t i = 0; i < len; i++)
		if (p[i] != pattern_at(i))
			return false;
	return true;
}

static bool holds_zeros(const unsigned char *p, size_t len)
{
	for (size_t i = 0; i < len; i++)
		if (p[i])
			return false;
	return true;
}

/* One byte on fd, counted. */
static int say(int fd, uint64_t *msgs, uint64_t *bytes)
{
	return ex_write_all(fd, "x", 1, msgs, bytes);
}

static int hear(int fd)
{
	char c;
	uint64_t n = 0;

	return ex_read_full(fd, &c, 1, &n) == 1 ? 0 : -1;
}

static unsigned char *map_file(const char *path, size_t size, bool writable, bool shared)
{
	int fd = open(path, writable ? O_RDWR : O_RDONLY);
	void *p;

	if (fd < 0)
		return NULL;
	p = mmap(NULL, size, PROT_READ | (writable ? PROT_WRITE : 0),
		 shared ? MAP_SHARED : MAP_PRIVATE, fd, 0);
	close(fd);
	return p == MAP_FAILED ? NULL : p;
}

/* Move the mapping p of size bytes onto a fresh reserved address; NULL on error. */
static unsigned char *move_mapping(unsigned char *p, size_t size)
{
	void *q = mmap(NULL, size, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

	if (q == MAP_FAILED)
		return NULL;
	q = mremap(p, size, size, MREMAP_MAYMOVE | MREMAP_FIXED, q);
	return q == MAP_FAILED || q == p ? NULL : q;
}

/*
 * C: map, say so, wait for the word, write (or check), msync, say done,
 * wait, unmap.  Its messages and msyncs are fixed: the parent knows them.
 */
static int child(const char *path, size_t size, enum mode mode, int in, int out)
{
	bool writable = mode != M_RORO;
	uint64_t msgs = 0, bytes = 0;
	unsigned char *p;

	if (hear(in) || !(p = map_file(path, size, writable, mode != M_PRIVATE)))
		return 1;
	if (say(out, &msgs, &bytes) || hear(in))
		return 1;
	if (mode == M_RORO) {
		if (!holds_pattern(p, size)) {
			fprintf(stderr, "mmap_file: C does not see the pattern\n");
			return 1;
		}
	} else {
		for (size_t i = 0; i < size; i++)
			p[i] = pattern_at(i);
		if (mode != M_PRIVATE) {
			if (msync(p, size, MS_SYNC))
				return 1;
		}
	}
	if (say(out, &msgs, &bytes) || hear(in))
		return 1;
	return munmap(p, size) ? 1 : 0;
}

static void wait_usr1(void)
{
	sigset_t set;

	sigemptyset(&set);
	sigaddset(&set, SIGUSR1);
	while (sigwaitinfo(&set, NULL) < 0 && errno == EINTR)
		;
}

int main(int argc, char **argv)
{
	uint64_t size = 65536, msgs = 0, bytes = 0, cmsgs, cmsyncs;
	const char *ready = NULL;
	enum mode mode = M_RW;
	bool remap = false;
	int opt, down[2], up[2], err = 0, st, fd;
	char dir[] = "/tmp/ipctrace-mmap.XXXXXX", path[64];
	unsigned char *p;
	sigset_t usr1;
	pid_t c;
	FILE *f;

	while ((opt = getopt(argc, argv, "s:m:rw:h")) != -1) {
		switch (opt) {
		case 's': size = ex_parse_u64(optarg, 's', 1, EX_MAX_SIZE, usage); break;
		case 'm':
			if (!strcmp(optarg, "rw"))
				mode = M_RW;
			else if (!strcmp(optarg, "ro"))
				mode = M_RO;
			else if (!strcmp(optarg, "roro"))
				mode = M_RORO;
			else if (!strcmp(optarg, "private"))
				mode = M_PRIVATE;
			else
				ex_die_usage(usage, "-m: unknown mode '%s'", optarg);
			break;
		case 'r': remap = true; break;
		case 'w': ready = optarg; break;
		default: ex_die_usage(usage, NULL);
		}
	}
	if (optind != argc)
		ex_die_usage(usage, "unexpected argument '%s'", argv[optind]);
	ex_setup();
	/* blocked before the fork: a SIGUSR1 sent early waits for sigwaitinfo */
	sigemptyset(&usr1);
	sigaddset(&usr1, SIGUSR1);
	sigprocmask(SIG_BLOCK, &usr1, NULL);

	if (!mkdtemp(dir)) {
		perror("mkdtemp");
		return 1;
	}
	snprintf(path, sizeof(path), "%s/data", dir);
	fd = open(path, O_RDWR | O_CREAT | O_EXCL, 0600);
	if (fd < 0 || ftruncate(fd, size)) {
		perror("create the file");
		return 1;
	}
	if (mode == M_RORO) {
		unsigned char *buf = malloc(size);

		for (size_t i = 0; buf && i < size; i++)
			buf[i] = pattern_at(i);
		if (!buf || pwrite(fd, buf, size, 0) != (ssize_t)size) {
			perror("pwrite");
			return 1;
		}
		free(buf);
	}
	close(fd);
	if (pipe(down) || pipe(up)) {
		perror("pipe");
		return 1;
	}
	c = fork();
	if (c < 0) {
		perror("fork");
		return 1;
	}
	if (c == 0) {
		close(down[1]);
		close(up[0]);
		_exit(child(path, size, mode, down[0], up[1]));
	}
	close(down[0]);
	close(up[1]);

	p = map_file(path, size, mode != M_RO && mode != M_RORO, mode != M_PRIVATE);
	if (!p) {
		perror("mmap");
		return 1;
	}
	if (remap) {
		p = move_mapping(p, size);
		if (!p) {
			perror("mremap");
			return 1;
		}
		if (mode == M_RW)
			for (size_t i = 0; i < size; i++)
				p[i] = pattern_at(i);
	}
	if (say(down[1], &msgs, &bytes) || hear(up[0])) {
		fprintf(stderr, "mmap_file: C did not map the file\n");
		return 1;
	}
	if (ready) {
		f = fopen(ready, "w");
		if (!f || fclose(f)) {
			perror(ready);
			return 1;
		}
		wait_usr1();
		/* count what a tracer started meanwhile sees */
		msgs = bytes = 0;
	}
	if (say(down[1], &msgs, &bytes) || hear(up[0])) {
		fprintf(stderr, "mmap_file: C did not write\n");
		return 1;
	}
	if (mode == M_PRIVATE ? !holds_zeros(p, size) : !holds_pattern(p, size)) {
		fprintf(stderr, "mmap_file: P sees the wrong bytes\n");
		err = 1;
	}
	if (say(down[1], &msgs, &bytes)) {
		perror("write");
		return 1;
	}
	close(down[1]);
	st = ex_wait(c);
	err |= ex_child_ok("C", st);
	munmap(p, size);
	unlink(path);
	rmdir(dir);
	/* C said "mapped" (before the signal in -w mode) and "done" */
	cmsgs = ready ? 1 : 2;
	cmsyncs = mode == M_RW || mode == M_RO;
	if (mode == M_RW || mode == M_RO)
		truth_mmap(path, getpid(), c, size, mode == M_RW, true, 0, cmsyncs, c);
	truth_pipe(getpid(), c, msgs, bytes);
	truth_pipe(c, getpid(), cmsgs, cmsgs);
	truth_sigchld(c, getpid(), st);
	return err;
}

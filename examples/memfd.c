// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * memfd: one memfd of -s bytes, shared three ways, with the memfd passed by
 * fork inheritance (a unix socket would do too, see sockets):
 *
 *   A  forked while the parent has the memfd mapped: inherits the mapping,
 *      fills it with 'A', exits.                    -> shm edge parent -> A
 *   B  forked after the parent unmapped it: maps the inherited fd itself,
 *      checks 'A', fills 'B', unmaps, exits.  Nobody else is attached
 *      meanwhile, so there is no edge (what B read was written by A, which
 *      had exited: shm edges mean "attached at the same time").
 *   C  forked while the parent has nothing mapped; the parent maps the
 *      memfd again, then tells C (1 byte on a pipe) to map it, check 'B'
 *      and fill 'C'.                                -> shm edge parent -> C
 *                                                   -> pipe edge parent -> C
 * The parent checks what A and C wrote.  Every edge's source is the parent,
 * which mapped the memfd first.
 *
 * Truth (stderr): the two shm edges, the pipe edge, three SIGCHLDs.
 */
#include <getopt.h>
#include <stdbool.h>
#include <sys/mman.h>
#include "truth_sync.h"

#define MEMFD_NAME "ipctrace-demo"

static const char usage[] = "[-s SIZE]";

static bool filled(const char *p, size_t len, char c)
{
	for (size_t i = 0; i < len; i++)
		if (p[i] != c)
			return false;
	return true;
}

/* Map fd, check it holds `expect`, fill it with `fill`, unmap. */
static int map_check_fill(int fd, size_t size, char expect, char fill)
{
	char *p = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);

	if (p == MAP_FAILED)
		return -1;
	if (!filled(p, size, expect)) {
		fprintf(stderr, "memfd: expected '%c' in the memfd\n", expect);
		munmap(p, size);
		return -1;
	}
	memset(p, fill, size);
	return munmap(p, size);
}

int main(int argc, char **argv)
{
	uint64_t size = 65536, msgs = 0, bytes = 0;
	int opt, fd, go[2], err = 0, st_a, st_b, st_c;
	pid_t a, b, c;
	char *p, byte;

	while ((opt = getopt(argc, argv, "s:h")) != -1) {
		switch (opt) {
		case 's': size = ex_parse_u64(optarg, 's', 1, EX_MAX_SIZE, usage); break;
		default: ex_die_usage(usage, NULL);
		}
	}
	if (optind != argc)
		ex_die_usage(usage, "unexpected argument '%s'", argv[optind]);
	ex_setup();

	fd = memfd_create(MEMFD_NAME, MFD_CLOEXEC);
	if (fd < 0 || ftruncate(fd, size)) {
		perror("memfd_create");
		return 1;
	}
	p = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	if (p == MAP_FAILED) {
		perror("mmap");
		return 1;
	}

	a = fork();
	if (a < 0) {
		perror("fork");
		return 1;
	}
	if (a == 0) {
		memset(p, 'A', size);
		_exit(0);
	}
	st_a = ex_wait(a);
	err |= ex_child_ok("A", st_a);
	if (!filled(p, size, 'A')) {
		fprintf(stderr, "memfd: A's bytes are not in the parent's mapping\n");
		err = 1;
	}
	munmap(p, size);

	b = fork();
	if (b < 0) {
		perror("fork");
		return 1;
	}
	if (b == 0)
		_exit(map_check_fill(fd, size, 'A', 'B') ? 1 : 0);
	st_b = ex_wait(b);
	err |= ex_child_ok("B", st_b);

	if (pipe(go)) {
		perror("pipe");
		return 1;
	}
	c = fork();
	if (c < 0) {
		perror("fork");
		return 1;
	}
	if (c == 0) {
		close(go[1]);
		if (read(go[0], &byte, 1) != 1)
			_exit(1);
		_exit(map_check_fill(fd, size, 'B', 'C') ? 1 : 0);
	}
	close(go[0]);
	p = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	if (p == MAP_FAILED || ex_write_all(go[1], "g", 1, &msgs, &bytes)) {
		perror("mmap/write");
		err = 1;
	}
	close(go[1]);
	st_c = ex_wait(c);
	err |= ex_child_ok("C", st_c);
	if (p != MAP_FAILED && !filled(p, size, 'C')) {
		fprintf(stderr, "memfd: C's bytes are not in the parent's mapping\n");
		err = 1;
	}

	truth_shm("memfd:" MEMFD_NAME, getpid(), a, size);
	truth_shm("memfd:" MEMFD_NAME, getpid(), c, size);
	truth_pipe(getpid(), c, msgs, bytes);
	truth_sigchld(a, getpid(), st_a);
	truth_sigchld(b, getpid(), st_b);
	truth_sigchld(c, getpid(), st_c);
	if (p != MAP_FAILED)
		munmap(p, size);
	close(fd);
	return err;
}

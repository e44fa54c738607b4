// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * file_loop: -n round trips through a regular file in one process, for the
 * benchmark's "file" group: what -m file costs a process that reads and
 * writes a file.  -c p (default): pwrite() 64 bytes at slot i % 1024, then
 * pread() them back (file.bpf.c's hooks).  -c rw: write() 64 bytes at the
 * end through one descriptor, read() them through another that follows
 * (pipe.bpf.c's read and write hooks).  -s changes the 64.  The file is a
 * temporary one in /tmp, removed at once.  One process: it reads only its
 * own bytes, so there is no edge and no truth; prints
 * {"type":"bench","calls":N,"elapsed_ns":T} to stderr.
 */
#include <fcntl.h>
#include <getopt.h>
#include <stdbool.h>
#include "truth.h"

static const char usage[] = "[-n ROUNDS] [-s SIZE] [-c p|rw]";

int main(int argc, char **argv)
{
	uint64_t n = 100000, size = 64, t0, t1;
	struct truth_buf b = { .len = 0 };
	char path[] = "/tmp/ipctrace-file-loop.XXXXXX", *buf;
	const char *call = "p";
	int opt, wfd, rfd;

	while ((opt = getopt(argc, argv, "n:s:c:h")) != -1) {
		switch (opt) {
		case 'n': n = ex_parse_u64(optarg, 'n', 0, UINT32_MAX, usage); break;
		case 's': size = ex_parse_u64(optarg, 's', 1, 65536, usage); break;
		case 'c': call = optarg; break;
		default: ex_die_usage(usage, NULL);
		}
	}
	if (optind != argc)
		ex_die_usage(usage, "unexpected argument '%s'", argv[optind]);
	if (strcmp(call, "p") && strcmp(call, "rw"))
		ex_die_usage(usage, "-c: p or rw, not '%s'", call);
	buf = malloc(size);
	wfd = mkstemp(path);
	if (!buf || wfd < 0) {
		perror(path);
		return 1;
	}
	rfd = open(path, O_RDONLY);
	unlink(path);
	if (rfd < 0) {
		perror(path);
		return 1;
	}
	memset(buf, 'l', size);

	t0 = ex_now_ns();
	for (uint64_t i = 0; i < n; i++) {
		off_t off = (off_t)(i % 1024) * (off_t)size;
		bool ok;

		if (call[0] == 'p')
			ok = pwrite(wfd, buf, size, off) == (ssize_t)size &&
			     pread(wfd, buf, size, off) == (ssize_t)size;
		else
			ok = write(wfd, buf, size) == (ssize_t)size &&
			     read(rfd, buf, size) == (ssize_t)size;
		if (!ok) {
			perror("file_loop");
			return 1;
		}
	}
	t1 = ex_now_ns();

	tb_printf(&b, "{\"type\":\"bench\",\"calls\":%" PRIu64 ",\"elapsed_ns\":%" PRIu64 "}",
		  2 * n, t1 - t0);
	tb_emit(&b);
	free(buf);
	return 0;
}

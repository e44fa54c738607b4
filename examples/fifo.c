// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * fifo: two processes that share nothing but a path.  The parent creates
 * the FIFO (default /tmp/ipctrace-fifo.<pid>) and forks a reader that
 * starts a session of its own and opens the path by name; the parent opens
 * it for writing, writes -n messages of -s bytes, and unlinks it at the end.
 *
 * Truth (stderr): the FIFO edge writer -> reader with "object" = the path,
 * and the reader's SIGCHLD.  The reader exits 1 unless it read every byte.
 */
#include <fcntl.h>
#include <getopt.h>
#include <limits.h>
#include <sys/stat.h>
#include "truth.h"

static const char usage[] = "[-n MSGS] [-s SIZE] [-p PATH]";

static int reader(const char *path, uint64_t expect)
{
	uint64_t got = 0;
	int fd;

	if (setsid() < 0)
		perror("setsid");
	fd = open(path, O_RDONLY);
	if (fd < 0) {
		perror(path);
		return 1;
	}
	if (ex_drain(fd, 65536, &got)) {
		perror("read");
		return 1;
	}
	close(fd);
	if (got != expect) {
		fprintf(stderr, "fifo: reader got %" PRIu64 " bytes, expected %" PRIu64 "\n", got,
			expect);
		return 1;
	}
	return 0;
}

int main(int argc, char **argv)
{
	uint64_t n = 1000, size = 64, msgs = 0, bytes = 0;
	char defpath[PATH_MAX];
	const char *path = NULL;
	int opt, fd, err = 0, status;
	pid_t child;
	char *buf;

	while ((opt = getopt(argc, argv, "n:s:p:h")) != -1) {
		switch (opt) {
		case 'n': n = ex_parse_u64(optarg, 'n', 0, UINT32_MAX, usage); break;
		case 's': size = ex_parse_u64(optarg, 's', 1, EX_MAX_SIZE, usage); break;
		case 'p': path = optarg; break;
		default: ex_die_usage(usage, NULL);
		}
	}
	if (optind != argc)
		ex_die_usage(usage, "unexpected argument '%s'", argv[optind]);
	ex_setup();

	if (!path) {
		snprintf(defpath, sizeof(defpath), "/tmp/ipctrace-fifo.%d", (int)getpid());
		path = defpath;
	}

	buf = malloc(size);
	if (!buf)
		return 1;
	memset(buf, 'f', size);
	if (mkfifo(path, 0600)) {
		perror(path);
		return 1;
	}

	child = fork();
	if (child < 0) {
		perror("fork");
		unlink(path);
		return 1;
	}
	if (child == 0)
		_exit(reader(path, n * size));

	/* Blocks until the reader has opened its end. */
	fd = open(path, O_WRONLY);
	if (fd < 0) {
		perror(path);
		kill(child, SIGKILL); /* it would wait in open() forever */
		err = 1;
	} else {
		for (uint64_t i = 0; i < n; i++) {
			if (ex_write_all(fd, buf, size, &msgs, &bytes)) {
				perror("write");
				err = 1;
				break;
			}
		}
		close(fd);
	}
	status = ex_wait(child);
	err |= ex_child_ok("reader", status);
	unlink(path);

	truth_stream("fifo", path, getpid(), child, msgs, bytes);
	truth_sigchld(child, getpid(), status);
	free(buf);
	return err;
}

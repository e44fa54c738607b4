// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * pipe_calls: every way bytes move through a pipe, one per run (-c CALL).
 * The parent is the writer, a child the reader, over one anonymous pipe:
 *   writev    writev() of -s bytes in two iovecs   / readv()
 *   vmsplice  vmsplice() of user pages            / read()
 *   splice    splice() from a temp file into it   / splice() out into /dev/null
 *   sendfile  sendfile() from a temp file into it / read()
 *   tee       the parent write()s pipe A; child 1 tee()s A into pipe B and
 *             then read()s A dry; child 2 read()s B
 * -n operations of -s bytes (<= 4096, so each moves whole).
 *
 * Truth (stderr): each pipe edge (msgs = the writer's successful calls,
 * bytes = what the reader got, which the reader checks equals what was
 * written) and each child's SIGCHLD.
 */
#include <fcntl.h>
#include <getopt.h>
#include <sys/sendfile.h>
#include <sys/uio.h>
#include "truth.h"

static const char usage[] = "-c writev|vmsplice|splice|sendfile|tee [-n OPS] [-s SIZE]";

/* A temp file of size bytes to splice and sendfile from. */
static int temp_file(size_t size)
{
	char path[] = "/tmp/ipctrace-calls.XXXXXX", *buf = malloc(size);
	int fd = mkstemp(path);

	if (fd < 0 || !buf || write(fd, memset(buf, 'f', size), size) != (ssize_t)size)
		return -1;
	unlink(path);
	free(buf);
	return fd;
}

/* One write-side operation of size bytes with the chosen call; bytes moved or -1. */
static ssize_t put(const char *call, int fd, char *buf, size_t size, int file)
{
	if (!strcmp(call, "writev")) {
		struct iovec iov[2] = { { buf, size / 2 }, { buf + size / 2, size - size / 2 } };

		return writev(fd, iov, 2);
	}
	if (!strcmp(call, "vmsplice")) {
		struct iovec iov = { buf, size };

		return vmsplice(fd, &iov, 1, 0);
	}
	if (!strcmp(call, "splice")) {
		loff_t off = 0;

		return splice(file, &off, fd, NULL, size, 0);
	}
	if (!strcmp(call, "sendfile")) {
		off_t off = 0;

		return sendfile(fd, file, &off, size);
	}
	return write(fd, buf, size);
}

/* Reader side: drain fd with the call matching the writer's; total bytes or -1. */
static int64_t take(const char *call, int fd, size_t size)
{
	int64_t total = 0;
	char *buf = malloc(size);
	int null = open("/dev/null", O_WRONLY);
	ssize_t n;

	if (!buf || null < 0)
		return -1;
	for (;;) {
		if (!strcmp(call, "writev")) {
			struct iovec iov[2] = { { buf, size / 2 }, { buf + size / 2, size - size / 2 } };

			n = readv(fd, iov, 2);
		} else if (!strcmp(call, "splice")) {
			n = splice(fd, NULL, null, NULL, size, 0);
		} else {
			n = read(fd, buf, size);
		}
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			break;
		total += n;
	}
	free(buf);
	close(null);
	return n < 0 ? -1 : total;
}

static pid_t spawn_reader(const char *call, int fd, int *close_fds, size_t size, int64_t want)
{
	pid_t pid = fork();

	if (pid != 0)
		return pid;
	for (int *c = close_fds; *c >= 0; c++)
		close(*c);
	_exit(take(call, fd, size) == want ? 0 : 1);
}

int main(int argc, char **argv)
{
	uint64_t n = 100, size = 512, msgs = 0, bytes = 0;
	const char *call = NULL;
	int a[2], b[2], opt, file = -1, st1, st2 = -1;
	pid_t r1, r2 = -1;
	char *buf;

	while ((opt = getopt(argc, argv, "c:n:s:h")) != -1) {
		switch (opt) {
		case 'c': call = optarg; break;
		case 'n': n = ex_parse_u64(optarg, 'n', 1, 1000000, usage); break;
		case 's': size = ex_parse_u64(optarg, 's', 2, 4096, usage); break;
		default: ex_die_usage(usage, NULL);
		}
	}
	if (!call || optind != argc ||
	    (strcmp(call, "writev") && strcmp(call, "vmsplice") && strcmp(call, "splice") &&
	     strcmp(call, "sendfile") && strcmp(call, "tee")))
		ex_die_usage(usage, "-c needs one of the calls");
	ex_setup();
	buf = malloc(size);
	if (!buf || pipe(a) || pipe(b)) {
		perror("pipe");
		return 1;
	}
	memset(buf, 'p', size);
	if ((!strcmp(call, "splice") || !strcmp(call, "sendfile")) && (file = temp_file(size)) < 0) {
		perror("temp file");
		return 1;
	}

	if (strcmp(call, "tee")) {
		r1 = spawn_reader(call, a[0], (int[]){ a[1], b[0], b[1], -1 }, size,
				  (int64_t)(n * size));
		close(a[0]);
		close(b[0]);
		close(b[1]);
		for (uint64_t i = 0; i < n; i++) {
			ssize_t got = put(call, a[1], buf, size, file);

			if (got != (ssize_t)size) {
				fprintf(stderr, "pipe_calls: %s moved %zd of %" PRIu64 "\n", call, got, size);
				return 1;
			}
			msgs++;
			bytes += got;
		}
		close(a[1]);
		st1 = ex_wait(r1);
		if (ex_child_ok("pipe_calls reader", st1))
			return 1;
		truth_pipe(getpid(), r1, msgs, bytes);
		truth_sigchld(r1, getpid(), st1);
		return 0;
	}

	/*
	 * tee: child 1 copies what is in A into B with tee(), then consumes
	 * exactly those bytes of A with read(); child 2 reads B.  Child 1
	 * knows how many tee() calls it made: it prints B's truth line.
	 */
	r2 = spawn_reader("read", b[0], (int[]){ a[0], a[1], b[1], -1 }, size, (int64_t)(n * size));
	r1 = fork();
	if (r1 == 0) {
		uint64_t copied = 0, tees = 0;

		close(a[1]);
		close(b[0]);
		while (copied < n * size) {
			ssize_t t = tee(a[0], b[1], size, 0), got;

			if (t < 0 && errno == EINTR)
				continue;
			if (t <= 0)
				_exit(2);
			tees++;
			copied += t;
			for (ssize_t left = t; left > 0; left -= got) {
				got = read(a[0], buf, left);
				if (got <= 0)
					_exit(3);
			}
		}
		truth_pipe(getpid(), r2, tees, copied);
		_exit(0);
	}
	close(a[0]);
	close(b[0]);
	close(b[1]);
	for (uint64_t i = 0; i < n; i++) {
		if (ex_write_all(a[1], buf, size, &msgs, &bytes)) {
			perror("write");
			return 1;
		}
	}
	close(a[1]);
	st1 = ex_wait(r1);
	st2 = ex_wait(r2);
	if (ex_child_ok("pipe_calls tee", st1) || ex_child_ok("pipe_calls reader", st2))
		return 1;
	truth_pipe(getpid(), r1, msgs, bytes);
	truth_sigchld(r1, getpid(), st1);
	truth_sigchld(r2, getpid(), st2);
	return 0;
}

// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * file_log: a log file appended to by two writers at once and read by a
 * third after both finished.  Writer A appends -n lines of -a bytes, writer
 * B -n lines of -b bytes, each line one write() on an O_APPEND descriptor
 * (so lines never mix, whatever the interleaving), both starting at the
 * same moment.  Then a reader reads the
 * whole file in read() calls of -r bytes.  The file is -p PATH (default
 * /tmp/ipctrace-log.<pid>), removed at the end.
 *
 * Truth (stderr), computed by the reader from what it read (each line
 * begins with its writer's letter): per writer, bytes = its lines' bytes,
 * msgs = the reader's read calls that returned at least one byte of them;
 * and the children's SIGCHLD.  The reader exits 1 unless it read exactly
 * every line.
 */
#include <fcntl.h>
#include <getopt.h>
#include <limits.h>
#include <stdbool.h>
#include "truth.h"

static const char usage[] = "[-n LINES] [-a SIZE] [-b SIZE] [-r SIZE] [-p PATH]";

/* Both writers start at start_ns (CLOCK_MONOTONIC), so that their lines interleave. */
static int writer(const char *path, char letter, uint64_t n, uint64_t size, uint64_t start_ns)
{
	char *line = malloc(size);
	int fd = open(path, O_WRONLY | O_APPEND);

	if (!line || fd < 0) {
		perror(path);
		return 1;
	}
	memset(line, letter == 'A' ? 'a' : 'b', size);
	line[0] = letter;
	line[size - 1] = '\n';
	if (start_ns > ex_now_ns())
		ex_sleep_ns(start_ns - ex_now_ns());
	for (uint64_t i = 0; i < n; i++) {
		ssize_t w = write(fd, line, size);

		/* a short append would split a line between writers' calls */
		if (w != (ssize_t)size) {
			perror("write");
			return 1;
		}
	}
	close(fd);
	free(line);
	return 0;
}

static int reader(const char *path, uint64_t rsize, pid_t a, pid_t b, uint64_t want_a,
		  uint64_t want_b)
{
	char *buf = malloc(rsize);
	uint64_t bytes[2] = { 0, 0 }, msgs[2] = { 0, 0 };
	int fd = open(path, O_RDONLY), owner = -1;
	bool line_start = true;
	ssize_t got;

	if (!buf || fd < 0) {
		perror(path);
		return 1;
	}
	while ((got = read(fd, buf, rsize)) != 0) {
		bool in[2] = { false, false };

		if (got < 0) {
			if (errno == EINTR)
				continue;
			perror("read");
			return 1;
		}
		for (ssize_t i = 0; i < got; i++) {
			if (line_start) {
				if (buf[i] != 'A' && buf[i] != 'B') {
					fprintf(stderr, "file_log: a line starts with %#x\n",
						(unsigned char)buf[i]);
					return 1;
				}
				owner = buf[i] == 'B';
			}
			bytes[owner]++;
			in[owner] = true;
			line_start = buf[i] == '\n';
		}
		msgs[0] += in[0];
		msgs[1] += in[1];
	}
	close(fd);
	if (bytes[0] != want_a || bytes[1] != want_b) {
		fprintf(stderr, "file_log: read %" PRIu64 " + %" PRIu64 " bytes, want %" PRIu64
			" + %" PRIu64 "\n", bytes[0], bytes[1], want_a, want_b);
		return 1;
	}
	truth_stream("file", path, a, getpid(), msgs[0], bytes[0]);
	truth_stream("file", path, b, getpid(), msgs[1], bytes[1]);
	free(buf);
	return 0;
}

int main(int argc, char **argv)
{
	uint64_t n = 200, sa = 40, sb = 70, rsize = 4096, start;
	char defpath[PATH_MAX];
	const char *path = NULL;
	int opt, fd, err = 0, sta, stb, str;
	pid_t a, b, r;

	while ((opt = getopt(argc, argv, "n:a:b:r:p:h")) != -1) {
		switch (opt) {
		case 'n': n = ex_parse_u64(optarg, 'n', 1, 1000000, usage); break;
		case 'a': sa = ex_parse_u64(optarg, 'a', 2, 65536, usage); break;
		case 'b': sb = ex_parse_u64(optarg, 'b', 2, 65536, usage); break;
		case 'r': rsize = ex_parse_u64(optarg, 'r', 1, EX_MAX_SIZE, usage); break;
		case 'p': path = optarg; break;
		default: ex_die_usage(usage, NULL);
		}
	}
	if (optind != argc)
		ex_die_usage(usage, "unexpected argument '%s'", argv[optind]);
	ex_setup();
	if (!path) {
		snprintf(defpath, sizeof(defpath), "/tmp/ipctrace-log.%d", (int)getpid());
		path = defpath;
	}
	fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0600);
	if (fd < 0) {
		perror(path);
		return 1;
	}
	close(fd);

	start = ex_now_ns() + 50 * 1000 * 1000;
	a = fork();
	if (a == 0)
		_exit(writer(path, 'A', n, sa, start));
	b = fork();
	if (b == 0)
		_exit(writer(path, 'B', n, sb, start));
	if (a < 0 || b < 0) {
		perror("fork");
		return 1;
	}
	sta = ex_wait(a);
	stb = ex_wait(b);
	err |= ex_child_ok("writer A", sta) | ex_child_ok("writer B", stb);
	r = fork();
	if (r == 0)
		_exit(err ? 1 : reader(path, rsize, a, b, n * sa, n * sb));
	if (r < 0) {
		perror("fork");
		return 1;
	}
	str = ex_wait(r);
	err |= ex_child_ok("reader", str);
	unlink(path);

	truth_sigchld(a, getpid(), sta);
	truth_sigchld(b, getpid(), stb);
	truth_sigchld(r, getpid(), str);
	return err;
}

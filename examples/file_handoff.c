// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * file_handoff: the hand-off through a file that a shell does with
 *
 *     echo "hello" > f; cat < f
 *
 * as two processes: a child runs /bin/sh -c 'echo "$1" > "$2"' (the shell
 * itself writes: echo is a builtin), then, once it has exited, another runs
 * /bin/sh -c 'exec cat < "$1" > /dev/null' (exec: cat keeps the child's
 * pid).  The file is -p PATH (default /tmp/ipctrace-file.<pid>), removed at
 * the end.
 *
 * Truth (stderr): the file edge writer -> reader with "object" = the path,
 * bytes = the text and its newline, msgs 1 (a regular file gives a read as
 * many bytes as it has: cat's one read returns them all), and the
 * children's SIGCHLD.  -r: no writer; the reader reads the file as it is
 * (written by someone else), and the truth has no file edge.
 */
#include <fcntl.h>
#include <getopt.h>
#include <limits.h>
#include <stdbool.h>
#include <sys/stat.h>
#include "truth.h"

static const char usage[] = "[-t TEXT] [-p PATH] [-r]";

/* Run /bin/sh -c script with two arguments; the child's pid, or -1. */
static pid_t run_sh(const char *script, const char *a1, const char *a2)
{
	pid_t pid = fork();

	if (pid == 0) {
		execl("/bin/sh", "sh", "-c", script, "sh", a1, a2, (char *)NULL);
		perror("/bin/sh");
		_exit(127);
	}
	if (pid < 0)
		perror("fork");
	return pid;
}

int main(int argc, char **argv)
{
	const char *text = "hello", *path = NULL;
	char defpath[PATH_MAX];
	bool read_only = false;
	pid_t writer = -1, reader;
	int opt, err = 0, wstatus = -1, rstatus;
	struct stat st;

	while ((opt = getopt(argc, argv, "t:p:rh")) != -1) {
		switch (opt) {
		case 't': text = optarg; break;
		case 'p': path = optarg; break;
		case 'r': read_only = true; break;
		default: ex_die_usage(usage, NULL);
		}
	}
	if (optind != argc)
		ex_die_usage(usage, "unexpected argument '%s'", argv[optind]);
	/* echo must print it as it is, and one read must get it all */
	if (strlen(text) > 4000 || strspn(text, "abcdefghijklmnopqrstuvwxyz"
				  "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789 .,") != strlen(text))
		ex_die_usage(usage, "-t: at most 4000 letters, digits, spaces, dots, commas");
	ex_setup();
	if (!path) {
		snprintf(defpath, sizeof(defpath), "/tmp/ipctrace-file.%d", (int)getpid());
		path = defpath;
	}

	if (!read_only) {
		writer = run_sh("echo \"$1\" > \"$2\"", text, path);
		if (writer < 0)
			return 1;
		wstatus = ex_wait(writer);
		err |= ex_child_ok("writer", wstatus);
		/* the size, not the bytes: reading them here would be a hand-off too */
		if (!err && (stat(path, &st) || (size_t)st.st_size != strlen(text) + 1)) {
			fprintf(stderr, "file_handoff: %s is not the %zu bytes written\n", path,
				strlen(text) + 1);
			err = 1;
		}
	}
	reader = run_sh("exec cat < \"$1\" > /dev/null", path, "");
	if (reader < 0)
		return 1;
	rstatus = ex_wait(reader);
	err |= ex_child_ok("reader", rstatus);
	if (!read_only)
		unlink(path);

	if (!read_only)
		truth_stream("file", path, writer, reader, 1, strlen(text) + 1);
	if (writer > 0)
		truth_sigchld(writer, getpid(), wstatus);
	truth_sigchld(reader, getpid(), rstatus);
	return err;
}

/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * The report output sink: standard output or the -o file, opened so that
 * nothing is lost silently.  Every write is checked; the first error is
 * kept for the lifecycle to act on (EPIPE ends the run quietly, anything
 * else with a one-line error and exit 1).
 */
#ifndef IPCTRACE_OUT_H
#define IPCTRACE_OUT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

struct out {
	FILE *f;           /* what the renderers write to, after out_commit() */
	int fd;
	const char *name;  /* "standard output" or the -o path, for messages */
	bool truncate;     /* an -o regular file: emptied at out_commit() */
	int err;           /* errno of the first failed write or close, else 0 */
};

/*
 * Whether file descriptor fd is closed (fcntl() says EBADF).  A closed 0, 1
 * or 2 would be handed to the next open(), a BPF map's for instance, and
 * a report written "to stdout" would land in it.
 */
bool out_fd_closed(int fd);

/*
 * Put /dev/null on fd if it is closed, so that no later open() lands
 * there.  Returns 0, or -1 with errno set.
 */
int out_fd_fill(int fd);

/*
 * Open the sink, before loading: path NULL is standard output, else the
 * -o file, created with mode 0600 if missing, never through a symbolic
 * link at its last component, and refused unless it is a regular file, a
 * character device (/dev/null, a terminal) or a FIFO.  An existing file is
 * not truncated yet: a run that fails to load leaves it as it was.
 * Returns 0, or an errno with a one-line reason that names the fix in msg
 * (EINTR: a signal interrupted the open of a FIFO no one reads).
 */
int out_open(struct out *o, const char *path, char *msg, size_t len);

/*
 * Once loading succeeded: truncate an -o regular file and set up o->f.
 * Returns 0, or -1 with a one-line reason in msg.
 */
int out_commit(struct out *o, char *msg, size_t len);

/*
 * After a report: flush what the renderer left buffered and return the
 * errno of the first write that failed or came up short since the sink was
 * committed (EPIPE when the reader went away), or 0.  Once this is
 * non-zero the sink writes nothing more.
 */
int out_check(struct out *o);

/*
 * Flush and close the sink (fd 1 gets /dev/null in its place, so it
 * stays taken).  Returns o->err as out_check() does, including an error
 * reported by close().  Safe on a sink never opened or committed.
 */
int out_close(struct out *o);

#endif /* IPCTRACE_OUT_H */

// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * The report output sink.  The renderers write to a FILE *; here that
 * stream sits on a write function of our own (fopencookie) rather than on
 * fdopen(), for two reasons: stdio forgets the errno of a failed write by
 * the time anyone asks ferror(), and the lifecycle's signal handlers are
 * installed without SA_RESTART, so a write blocked on a full pipe returns
 * EINTR, which stdio would turn into a lost report.
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include "core/out.h"

/* One write per report for all but the largest: a reader sees it whole. */
#define OUT_BUF (64 * 1024)

bool out_fd_closed(int fd)
{
	return fcntl(fd, F_GETFD) < 0 && errno == EBADF;
}

int out_fd_fill(int fd)
{
	int nfd;

	if (!out_fd_closed(fd))
		return 0;
	/* not O_CLOEXEC: COMMAND inherits 0, 1 and 2 */
	nfd = open("/dev/null", O_RDWR);
	if (nfd < 0)
		return -1;
	if (nfd != fd) {
		if (dup2(nfd, fd) < 0) {
			close(nfd);
			return -1;
		}
		close(nfd);
	}
	return 0;
}

/* Wait until a non-blocking fd (an inherited O_NONBLOCK pipe) takes data again. */
static void wait_writable(int fd)
{
	struct pollfd p = { .fd = fd, .events = POLLOUT };

	while (poll(&p, 1, -1) < 0 && errno == EINTR)
		;
}

/*
 * stdio's write callback: all of buf or an error.  The return value must
 * not be negative (fopencookie(3)); anything short of size marks the
 * stream in error, and o->err says why.
 */
static ssize_t sink_write(void *cookie, const char *buf, size_t size)
{
	struct out *o = cookie;
	size_t done = 0;

	if (o->err)
		return 0;
	while (done < size) {
		ssize_t n = write(o->fd, buf + done, size - done);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
			wait_writable(o->fd);
			continue;
		}
		if (n <= 0) {
			/* write() returning 0 for a non-empty buffer: the device took nothing */
			o->err = n < 0 ? errno : EIO;
			return 0;
		}
		done += n;
	}
	return size;
}

int out_open(struct out *o, const char *path, char *msg, size_t len)
{
	struct stat st;
	int e;

	memset(o, 0, sizeof(*o));
	o->fd = -1;
	if (!path) {
		o->fd = STDOUT_FILENO;
		o->name = "standard output";
		return 0;
	}
	/*
	 * O_NOFOLLOW: a link planted where root writes its report would point
	 * the write anywhere.  No O_TRUNC: the old content goes only once
	 * loading succeeded (out_commit).
	 */
	o->fd = open(path, O_WRONLY | O_CREAT | O_NOFOLLOW | O_CLOEXEC, 0600);
	if (o->fd < 0) {
		e = errno;
		if (e == ELOOP && lstat(path, &st) == 0 && S_ISLNK(st.st_mode))
			snprintf(msg, len, "-o %s is a symbolic link; refusing to follow it", path);
		else if (e == EINTR)
			snprintf(msg, len, "opening -o %s was interrupted (a FIFO no one reads?)",
				 path);
		else
			snprintf(msg, len, "cannot write '%s': %s", path, strerror(e));
		return e;
	}
	o->name = path;
	if (fstat(o->fd, &st)) {
		e = errno;
		snprintf(msg, len, "cannot write '%s': %s", path, strerror(e));
		close(o->fd);
		o->fd = -1;
		o->name = NULL;
		return e;
	}
	/* a block device or the like: a mistyped -o must not overwrite a disk */
	if (!S_ISREG(st.st_mode) && !S_ISCHR(st.st_mode) && !S_ISFIFO(st.st_mode)) {
		snprintf(msg, len, "-o %s is not a regular file, a character device or a FIFO; "
			 "refusing to write to it", path);
		close(o->fd);
		o->fd = -1;
		o->name = NULL;
		return EINVAL;
	}
	o->truncate = S_ISREG(st.st_mode);
	return 0;
}

int out_commit(struct out *o, char *msg, size_t len)
{
	static const cookie_io_functions_t io = { .write = sink_write };

	if (o->truncate && ftruncate(o->fd, 0)) {
		snprintf(msg, len, "cannot truncate '%s': %s", o->name, strerror(errno));
		return -1;
	}
	o->f = fopencookie(o, "w", io);
	if (!o->f || setvbuf(o->f, NULL, _IOFBF, OUT_BUF)) {
		snprintf(msg, len, "cannot set up writing to %s: %s", o->name, strerror(errno));
		return -1;
	}
	return 0;
}

int out_check(struct out *o)
{
	if (!o->f)
		return o->err;
	if (fflush(o->f) && !o->err)
		o->err = EIO;
	if (ferror(o->f) && !o->err)
		o->err = EIO;
	return o->err;
}

int out_close(struct out *o)
{
	if (!o->name)
		return 0;
	if (o->f) {
		if (fclose(o->f) && !o->err)
			o->err = EIO;
		o->f = NULL;
	}
	if (o->fd >= 0) {
		/* some filesystems (NFS) only say at close that the data did not make it */
		if (close(o->fd) && errno != EINTR && !o->err)
			o->err = errno;
		if (o->fd == STDOUT_FILENO)
			out_fd_fill(STDOUT_FILENO);
		o->fd = -1;
	}
	return o->err;
}

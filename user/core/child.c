// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * The `-- COMMAND` child.  Between fork and exec it runs only what is
 * safe there: restoring signal dispositions, waiting on a pipe, dropping
 * privileges, asking for a parent-death signal.
 */
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <pwd.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>
#include "core/child.h"
#include "kernel/features.h"

void child_init(struct child *ch, char **cmd, const sigset_t *ignored, bool drop, uint32_t uid,
		uint32_t gid)
{
	memset(ch, 0, sizeof(*ch));
	ch->pid = -1;
	ch->go_fd = ch->err_fd = -1;
	ch->name = cmd[0];
	ch->ignored = *ignored;
	ch->drop = drop;
	ch->uid = uid;
	ch->gid = gid;
}

/* Under sudo, COMMAND runs as the user who ran sudo, with that user's groups. */
static int drop_privileges(const struct child *ch)
{
	struct passwd *pw = getpwuid(ch->uid);

	if (pw ? initgroups(pw->pw_name, ch->gid) : setgroups(0, NULL))
		return -1;
	if (setgid(ch->gid) || setuid(ch->uid))
		return -1;
	return 0;
}

/* Tell ipctrace why the exec did not happen, and give up. */
static void child_fail(int err_fd)
{
	int e = errno;

	if (write(err_fd, &e, sizeof(e)) < 0)
		_exit(127);
	_exit(127);
}

static void child_run(const struct child *ch, char **cmd, int go_fd, int err_fd, int id_fd)
{
	uint32_t kernel_pid = 0;
	ssize_t n;
	char b;

	/*
	 * Inside a pid namespace fork() gave ipctrace our namespace pid; the
	 * traced set needs the kernel's, which only we can ask for (0: failed).
	 */
	if (kernel_global_tgid(&kernel_pid))
		kernel_pid = 0;
	if (write(id_fd, &kernel_pid, sizeof(kernel_pid)) != sizeof(kernel_pid))
		_exit(127);
	close(id_fd);

	/*
	 * A handler becomes the default at exec, but ipctrace's own choices
	 * must not leak into COMMAND: SIGPIPE ignored here would turn
	 * `COMMAND | head` into EPIPE loops, and what the caller ignored
	 * (a script's `ipctrace ... &` ignores SIGINT) stays ignored.
	 */
	signal(SIGPIPE, SIG_DFL);
	for (int sig = 1; sig < NSIG; sig++)
		if (sigismember(&ch->ignored, sig) == 1)
			signal(sig, SIG_IGN);

	do {
		n = read(go_fd, &b, 1);
	} while (n < 0 && errno == EINTR);
	if (n != 1)
		_exit(127); /* ipctrace gave up on us, or died */
	if (ch->drop && drop_privileges(ch))
		child_fail(err_fd);
	/*
	 * After the credential change, which clears the parent-death signal.
	 * If ipctrace died before it was set, nothing will ever send it: the
	 * parent is no longer the one that forked us, so do not run at all.
	 */
	if (prctl(PR_SET_PDEATHSIG, SIGTERM))
		child_fail(err_fd);
	if (getppid() != ch->parent)
		_exit(127);
	/*
	 * Capabilities a user granted ipctrace (setpriv --ambient-caps) are
	 * for tracing: COMMAND runs as that user without them, as it runs as
	 * the sudo user without root's.  Root keeps all: it is root's command.
	 */
	if (geteuid() != 0 && prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_CLEAR_ALL, 0, 0, 0) &&
	    errno != EINVAL)
		child_fail(err_fd);
	execvp(cmd[0], cmd);
	child_fail(err_fd);
}

int child_fork(struct child *ch, char **cmd)
{
	int go[2], err[2], id[2];
	uint32_t kernel_pid = 0;
	ssize_t n;

	if (pipe2(go, O_CLOEXEC))
		return -1;
	if (pipe2(err, O_CLOEXEC)) {
		close(go[0]);
		close(go[1]);
		return -1;
	}
	if (pipe2(id, O_CLOEXEC)) {
		close(go[0]);
		close(go[1]);
		close(err[0]);
		close(err[1]);
		return -1;
	}
	ch->parent = getpid();
	ch->pid = fork();
	if (ch->pid < 0) {
		int e = errno;

		close(go[0]);
		close(go[1]);
		close(err[0]);
		close(err[1]);
		close(id[0]);
		close(id[1]);
		errno = e;
		return -1;
	}
	if (ch->pid == 0) {
		close(go[1]);
		close(err[0]);
		close(id[0]);
		child_run(ch, cmd, go[0], err[1], id[1]);
		_exit(127);
	}
	close(go[0]);
	close(err[1]);
	close(id[1]);
	do {
		n = read(id[0], &kernel_pid, sizeof(kernel_pid));
	} while (n < 0 && errno == EINTR);
	close(id[0]);
	ch->kernel_pid = n == sizeof(kernel_pid) && kernel_pid ? kernel_pid : (uint32_t)ch->pid;
	ch->go_fd = go[1];
	ch->err_fd = err[0];
	return 0;
}

int child_release(struct child *ch)
{
	ssize_t n;
	int e = 0;

	do {
		n = write(ch->go_fd, "g", 1);
	} while (n < 0 && errno == EINTR);
	if (n != 1)
		e = errno ? errno : EIO;
	close(ch->go_fd);
	ch->go_fd = -1;
	if (n != 1) {
		/* EPIPE: the child is gone before it read the release */
		close(ch->err_fd);
		ch->err_fd = -1;
		return e;
	}
	do {
		n = read(ch->err_fd, &e, sizeof(e));
	} while (n < 0 && errno == EINTR);
	close(ch->err_fd);
	ch->err_fd = -1;
	return n == sizeof(e) ? e : 0;
}

bool child_reap(struct child *ch, int *status, bool block)
{
	pid_t r;

	if (ch->pid <= 0)
		return false;
	do {
		r = waitpid(ch->pid, status, block ? 0 : WNOHANG);
	} while (r < 0 && errno == EINTR);
	if (r != ch->pid)
		return false;
	ch->pid = -1;
	return true;
}

int child_exit_code(int status)
{
	if (WIFEXITED(status))
		return WEXITSTATUS(status);
	if (WIFSIGNALED(status))
		return 128 + WTERMSIG(status);
	return 1;
}

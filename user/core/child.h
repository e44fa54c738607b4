/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * The `-- COMMAND` child: forked and held before exec until it is traced,
 * run as the sudo user, stopped with ipctrace, and waited for.
 */
#ifndef IPCTRACE_CHILD_H
#define IPCTRACE_CHILD_H

#include <signal.h>
#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

struct child {
	pid_t pid;           /* -1 when there is no command, or it was reaped */
	uint32_t kernel_pid; /* its pid as the kernel (BPF) numbers it; pid outside pid namespaces */
	const char *name;    /* argv[0], for messages */
	bool drop;           /* become uid/gid before exec (under sudo) */
	uint32_t uid, gid;
	sigset_t ignored;    /* ignored when ipctrace started: ignored in COMMAND too */
	pid_t parent;        /* ipctrace, to notice it died before the exec */
	int go_fd;           /* write end: one byte releases the child into exec */
	int err_fd;          /* read end: errno of a failed exec, EOF on success */
};

/*
 * Prepare ch for cmd.  ignored is the set of signals that were ignored
 * when ipctrace started (COMMAND gets them ignored, as without ipctrace);
 * when drop is set, COMMAND runs as uid/gid with that user's groups.
 */
void child_init(struct child *ch, char **cmd, const sigset_t *ignored, bool drop, uint32_t uid,
		uint32_t gid);

/*
 * Fork COMMAND but hold it before exec until child_release(), so that it
 * can be put in the traced set first.  The child asks for SIGTERM should
 * ipctrace die (PR_SET_PDEATHSIG), so that it is never left running
 * unseen.  Returns 0, or -1 with errno set.
 */
int child_fork(struct child *ch, char **cmd);

/* Release the held child into exec: 0 once it has exec'd, else the exec's errno. */
int child_release(struct child *ch);

/*
 * Reap the child once it has exited: at once if it has not (block false),
 * or after waiting for it.  true with its wait status in *status, and
 * ch->pid set to -1, once it is reaped.
 */
bool child_reap(struct child *ch, int *status, bool block);

/* The exit code that passes on a wait status: its exit status, or 128+signal. */
int child_exit_code(int status);

#endif /* IPCTRACE_CHILD_H */

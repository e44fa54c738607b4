// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * signals: the parent sends its child -n rounds of
 *   kill(SIGUSR1)                          si_code SI_USER
 *   sigqueue(SIGRTMIN, value = round)      si_code SI_QUEUE
 *   tgkill(SIGUSR2)                        si_code SI_TKILL
 * and then one pidfd_send_signal(SIGRTMIN+1) (SI_USER), which ends the
 * child.  The child's handler acknowledges every signal with
 * kill(parent, SIGUSR2) (SI_USER).
 *
 * No signal is ever merged into an already pending one: every signal is
 * blocked except inside sigsuspend(), and the parent waits for the ack of
 * one signal before it sends the next, so at most one signal is in flight
 * in each direction.  Signals are consumed by handlers, never by
 * sigwaitinfo()/signalfd, so each one passes the kernel's signal_deliver
 * tracepoint.
 *
 * Truth (stderr): the parent prints one line per kind it sent, with
 * "delivered" = acks received for that kind (the child acks from inside the
 * handler, so an ack is a handler run); the child prints its ack line (the
 * parent's deliveries of those are equal by construction, but the child
 * does not count them, so no "delivered"); the parent prints the SIGCHLD.
 * Either process exits 1 if a handler saw an unexpected si_code or sender.
 */
#include <getopt.h>
#include <sys/syscall.h>
#include "truth.h"

#ifndef SYS_pidfd_open
#define SYS_pidfd_open 434
#endif
#ifndef SYS_pidfd_send_signal
#define SYS_pidfd_send_signal 424
#endif

static const char usage[] = "[-n ROUNDS]";

enum kind { K_KILL, K_QUEUE, K_TGKILL, K_PIDFD, K_MAX };

static int kind_sig[K_MAX]; /* filled in main(): SIGRTMIN is not a constant */
static const int kind_code[K_MAX] = { SI_USER, SI_QUEUE, SI_TKILL, SI_USER };

static pid_t peer;             /* the other process */
static sigset_t waitmask;      /* our mask with the four signals unblocked */
static volatile sig_atomic_t is_child;
static volatile sig_atomic_t bad;
/* child */
static volatile sig_atomic_t handled[K_MAX], acks_sent, done;
/* parent */
static volatile sig_atomic_t acks;

static void on_signal(int sig, siginfo_t *si, void *uc)
{
	int k, saved = errno;

	if (!is_child) {
		if (sig == SIGUSR2 && si->si_code == SI_USER && si->si_pid == peer)
			acks++;
		else
			bad = 1;
		return;
	}

	for (k = 0; k < K_MAX && kind_sig[k] != sig; k++)
		;
	if (k == K_MAX)
		return;
	if (si->si_code != kind_code[k] || si->si_pid != peer)
		bad = 1;
	if (k == K_QUEUE && si->si_value.sival_int != handled[k])
		bad = 1;
	handled[k]++;
	if (kill(peer, SIGUSR2) == 0)
		acks_sent++;
	else
		bad = 1;
	if (k == K_PIDFD)
		done = 1;
	errno = saved;
}

static int send_kind(int k, pid_t child, int round, int pidfd)
{
	switch (k) {
	case K_KILL:
		return kill(child, kind_sig[k]);
	case K_QUEUE:
		return sigqueue(child, kind_sig[k], (union sigval){ .sival_int = round });
	case K_TGKILL:
		return syscall(SYS_tgkill, child, child, kind_sig[k]);
	case K_PIDFD:
		/* Without pidfds (before 5.3) a plain kill() gives the same si_code. */
		if (pidfd < 0)
			return kill(child, kind_sig[k]);
		return syscall(SYS_pidfd_send_signal, pidfd, kind_sig[k], NULL, 0);
	}
	return -1;
}

/* Send one signal of kind k and sleep until its ack has been handled. */
static int send_and_wait(int k, pid_t child, int round, int pidfd, uint64_t *sent,
			 uint64_t *acked)
{
	sig_atomic_t before = acks;

	if (send_kind(k, child, round, pidfd)) {
		fprintf(stderr, "signals: sending signal %d: %s\n", kind_sig[k], strerror(errno));
		return 1;
	}
	sent[k]++;
	while (acks == before)
		sigsuspend(&waitmask);
	acked[k]++;
	return 0;
}

int main(int argc, char **argv)
{
	uint64_t n = 100, sent[K_MAX] = { 0 }, acked[K_MAX] = { 0 };
	sigset_t block;
	struct sigaction sa;
	int opt, k, pidfd, err = 0, status;
	pid_t child;

	while ((opt = getopt(argc, argv, "n:h")) != -1) {
		switch (opt) {
		case 'n': n = ex_parse_u64(optarg, 'n', 0, INT32_MAX, usage); break;
		default: ex_die_usage(usage, NULL);
		}
	}
	if (optind != argc)
		ex_die_usage(usage, "unexpected argument '%s'", argv[optind]);
	ex_setup();

	kind_sig[K_KILL] = SIGUSR1;
	kind_sig[K_QUEUE] = SIGRTMIN;
	kind_sig[K_TGKILL] = SIGUSR2;
	kind_sig[K_PIDFD] = SIGRTMIN + 1;

	sigemptyset(&block);
	for (k = 0; k < K_MAX; k++)
		sigaddset(&block, kind_sig[k]);
	sigprocmask(SIG_BLOCK, &block, &waitmask);
	for (k = 0; k < K_MAX; k++)
		sigdelset(&waitmask, kind_sig[k]);

	memset(&sa, 0, sizeof(sa));
	sa.sa_sigaction = on_signal;
	sa.sa_flags = SA_SIGINFO | SA_RESTART;
	sa.sa_mask = block; /* handlers never nest */
	for (k = 0; k < K_MAX; k++)
		sigaction(kind_sig[k], &sa, NULL);

	child = fork();
	if (child < 0) {
		perror("fork");
		return 1;
	}
	if (child == 0) {
		is_child = 1;
		peer = getppid();
		alarm(30 + n / 1000); /* a lost signal must not hang the test */
		while (!done)
			sigsuspend(&waitmask);
		truth_signal(SIGUSR2, SI_USER, getpid(), peer, acks_sent, -1);
		if (bad)
			fprintf(stderr, "signals: child saw an unexpected signal\n");
		_exit(bad ? 1 : 0);
	}

	peer = child;
	alarm(30 + n / 1000);
	pidfd = syscall(SYS_pidfd_open, child, 0);
	for (uint64_t i = 0; i < n && !err; i++)
		for (k = K_KILL; k <= K_TGKILL && !err; k++)
			err = send_and_wait(k, child, i, pidfd, sent, acked);
	if (!err)
		err = send_and_wait(K_PIDFD, child, 0, pidfd, sent, acked);
	if (err)
		kill(child, SIGKILL); /* it waits for a signal that will not come */
	if (pidfd >= 0)
		close(pidfd);
	status = ex_wait(child);
	alarm(0);
	err |= ex_child_ok("child", status);
	if (bad) {
		fprintf(stderr, "signals: parent saw an unexpected signal\n");
		err = 1;
	}

	for (k = 0; k < K_MAX; k++)
		truth_signal(kind_sig[k], kind_code[k], getpid(), child, sent[k], acked[k]);
	truth_sigchld(child, getpid(), status);
	return err;
}

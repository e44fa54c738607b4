// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * wake_pingpong: a ping-pong whose wake-ups are known exactly.  Parent and
 * child exchange -n round trips of -s bytes (at most 4096, PIPE_BUF, so a
 * message is one write and one read) over two pipes (-m pipe, default) or
 * two socketpair(AF_UNIX, SOCK_STREAM)s (-m unix), one channel each way: the
 * parent sends pings, the child reads each whole and sends it back as a
 * pong.  Each side reads exactly n messages and never waits for EOF, so
 * the only blocked reads are ended by messages.
 *
 * Why a socketpair each way: a receive that frees a unix socket's sent
 * data wakes whoever sleeps on the sender's socket (its write space).  On
 * one socketpair, the parent asleep reading its end would be woken by the
 * child's read of the ping, not by the pong; the pong could then find it
 * awake.  With one channel per direction nobody sleeps on a sending end.
 *
 * With -W each side, before every send, waits until its peer is asleep in
 * read() of the fd the message goes to: /proc/PEER/syscall names the
 * syscall and its arguments only once the kernel has seen the task off the
 * CPU in a sleeping state (wait_task_inactive()), and the peer, single
 * threaded, cannot leave that read before the message arrives.  So every
 * message finds its reader blocked and ends exactly that wait: one
 * wake-up per message.  A message is at most 4096 bytes and there is
 * never more than one in flight, so no writer ever blocks (no wake-up the
 * other way).  Without -W, nobody knows how many messages found the peer
 * asleep, and the truth says nothing about wake-ups.
 *
 * Truth (stderr): one edge each way, printed by its writer; with -W it
 * carries "wakes" (messages sent to a peer seen asleep in read: n) and
 * "back_wakes":0:
 *   {"type":"truth","mech":"pipe","src":..,"dst":..,"msgs":N,"bytes":B,
 *    "wakes":N,"back_wakes":0}
 *   {"type":"truth","mech":"unix_stream","object":"socketpair:[INODE]",...}
 * (the object: the socket the messages arrive at, the reading end)
 * and the child's SIGCHLD.  Both sides check every byte of what they read.
 *
 * -m signal: the same ping-pong with signals instead of bytes (-s is
 * refused).  Both processes block SIGUSR1 and SIGUSR2 (sigprocmask, before
 * the fork), so only sigwaitinfo() takes them: the parent kill()s SIGUSR1
 * to the child, asleep in sigwaitinfo(), which answers kill(parent,
 * SIGUSR2) while the parent waits in sigwaitinfo().  At most one signal is
 * ever pending in a direction (the next one is sent only after the answer
 * to the last), so none is merged into a pending one, and each waiter
 * checks what it got: the signal, SI_USER, the peer's pid.  With -W the
 * sender waits until its peer sleeps in rt_sigtimedwait (what sigwaitinfo
 * calls) before every kill(), so every signal ends exactly one blocked
 * sigwaitinfo: "wakes" = msgs per direction.  Nothing blocks in kill(), so
 * there are no back wake-ups (and no "back_wakes" member).  The signals
 * never reach a handler: no "delivered".  A lost signal would leave a side
 * waiting forever, so both sides set alarm(30 + n/1000) (SIGALRM kills).
 * Truth: one line each way, printed by its sender,
 *   {"type":"truth","mech":"signal","signal":"SIGUSR1","signo":10,
 *    "code":"SI_USER","src":..,"dst":..,"msgs":N[,"wakes":N]}
 * (SIGUSR2 from the child) and the child's SIGCHLD, with no "wakes": the
 * parent waits for its child in waitpid(), not in a signal wait.
 *
 * Reading another process's /proc/PID/syscall needs ptrace access to it:
 * the parent lets its child in with PR_SET_PTRACER (Yama), root needs
 * nothing.
 */
#include <fcntl.h>
#include <getopt.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include "sock_common.h"

static const char usage[] =
	"[-n ROUND_TRIPS] [-s SIZE (not with -m signal)] [-m pipe|unix|signal] [-W]";

/* How long one side waits for its peer to fall asleep before giving up. */
#define ASLEEP_TIMEOUT_NS (5ull * 1000000000ull)

/* Byte j of message i, ping (0) or pong (1). */
static inline char msg_byte(uint64_t i, int pong, uint64_t j)
{
	return (char)((i * 7 + j + (pong ? 101 : 0)) % 251);
}

static void fill(char *buf, uint64_t size, uint64_t i, int pong)
{
	for (uint64_t j = 0; j < size; j++)
		buf[j] = msg_byte(i, pong, j);
}

static int check(const char *who, const char *buf, uint64_t size, uint64_t i, int pong)
{
	for (uint64_t j = 0; j < size; j++) {
		if (buf[j] != msg_byte(i, pong, j)) {
			fprintf(stderr, "wake_pingpong: %s: wrong byte %" PRIu64 " in message %" PRIu64
				"\n", who, j, i);
			return -1;
		}
	}
	return 0;
}

/*
 * Is pid asleep in syscall nr, with first argument arg (any if arg < 0)?
 * /proc/PID/syscall reads "running" for a task on a CPU or runnable, else
 * "NR ARG1 ..." of the syscall it sleeps in.  1 yes, 0 not (yet), -1 the
 * file cannot be read (said on stderr).
 */
static int asleep_in(pid_t pid, long want_nr, long want_arg)
{
	char path[64], line[256];
	long nr, arg;
	char *end;
	ssize_t n;
	int f;

	snprintf(path, sizeof(path), "/proc/%d/syscall", (int)pid);
	f = open(path, O_RDONLY | O_CLOEXEC);
	if (f < 0) {
		fprintf(stderr, "wake_pingpong: %s: %s\n", path, strerror(errno));
		return -1;
	}
	do
		n = read(f, line, sizeof(line) - 1);
	while (n < 0 && errno == EINTR);
	if (n < 0) {
		fprintf(stderr, "wake_pingpong: %s: %s\n", path, strerror(errno));
		close(f);
		return -1;
	}
	close(f);
	line[n] = '\0';
	if (line[0] < '0' || line[0] > '9')
		return 0; /* "running", or "-1 ..." (not in a syscall) */
	nr = strtol(line, &end, 10);
	if (*end != ' ')
		return 0;
	arg = strtol(end + 1, &end, 16);
	return nr == want_nr && (want_arg < 0 || arg == want_arg);
}

/*
 * Wait until pid sleeps in syscall nr (named what) with first argument arg
 * (any if arg < 0); 0, or -1 (said on stderr).
 */
static int wait_asleep_in(pid_t pid, long nr, long arg, const char *what)
{
	uint64_t deadline = ex_now_ns() + ASLEEP_TIMEOUT_NS;

	for (;;) {
		int r = asleep_in(pid, nr, arg);

		if (r)
			return r > 0 ? 0 : -1;
		if (ex_now_ns() > deadline) {
			fprintf(stderr, "wake_pingpong: pid %d not asleep in %s after %llu s\n",
				(int)pid, what, ASLEEP_TIMEOUT_NS / 1000000000ull);
			return -1;
		}
		ex_sleep_ns(20000);
	}
}

/* Wait until pid sleeps in read(fd); 0, or -1 (said on stderr). */
static int wait_asleep(pid_t pid, int fd)
{
	char what[32];

	snprintf(what, sizeof(what), "read(%d)", fd);
	return wait_asleep_in(pid, SYS_read, fd, what);
}

/* The edge this side sent on; wakes < 0: unknown (no -W). */
static void truth_edge(const char *mech, const char *object, pid_t src, pid_t dst, uint64_t msgs,
		       uint64_t bytes, int64_t wakes)
{
	char extra[96];
	int n = 0;

	extra[0] = '\0';
	if (object)
		n = snprintf(extra, sizeof(extra), ",\"fds_passed\":0,\"creds\":0");
	if (wakes >= 0)
		snprintf(extra + n, sizeof(extra) - n, ",\"wakes\":%" PRId64 ",\"back_wakes\":0", wakes);
	truth_stream_ex(mech, object, src, dst, msgs, bytes, extra);
}

struct side {
	const char *who;
	int rfd, wfd;      /* reads its messages from rfd, sends on wfd */
	int peer_rfd;      /* the fd the peer reads this side's messages from */
	pid_t peer;
	int pong;          /* 0: sends pings (parent), 1: sends pongs (child) */
	uint64_t msgs, bytes, got, asleep;
};

/* Send message i to the peer, after it fell asleep when wait is set. */
static int send_one(struct side *s, char *buf, uint64_t size, uint64_t i, bool wait)
{
	if (wait) {
		if (wait_asleep(s->peer, s->peer_rfd))
			return -1;
		s->asleep++;
	}
	fill(buf, size, i, s->pong);
	if (ex_write_all(s->wfd, buf, size, &s->msgs, &s->bytes)) {
		fprintf(stderr, "wake_pingpong: %s: write: %s\n", s->who, strerror(errno));
		return -1;
	}
	return 0;
}

static int recv_one(struct side *s, char *buf, uint64_t size, uint64_t i)
{
	errno = 0;
	if (ex_read_full(s->rfd, buf, size, &s->got) != (ssize_t)size) {
		fprintf(stderr, "wake_pingpong: %s: read %" PRIu64 ": %s\n", s->who, i,
			errno ? strerror(errno) : "EOF");
		return -1;
	}
	return check(s->who, buf, size, i, !s->pong);
}

/* A channel one way: [0] read by one side, [1] written by the other. */
static int channel(bool unix_sock, int fds[2], char *obj, size_t len)
{
	int sv[2];

	if (!unix_sock)
		return pipe(fds);
	if (socketpair(AF_UNIX, SOCK_STREAM, 0, sv))
		return -1;
	fds[0] = sv[0];
	fds[1] = sv[1];
	sock_unix_object(obj, len, "socketpair", sock_inode(fds[0]));
	return 0;
}

/* --- -m signal ------------------------------------------------------------ */

/* The SI_USER signal edge this side sent; wakes < 0: unknown (no -W). */
static void truth_sig_edge(int sig, pid_t src, pid_t dst, uint64_t msgs, int64_t wakes)
{
	char extra[48] = "";

	if (wakes >= 0)
		snprintf(extra, sizeof(extra), ",\"wakes\":%" PRId64, wakes);
	truth_signal_ex(sig, SI_USER, src, dst, msgs, -1, extra);
}

struct sig_side {
	const char *who;
	pid_t peer;
	int send_sig, recv_sig; /* kill()s the peer with send_sig, waits for recv_sig */
	uint64_t msgs, asleep;
};

/* Signal i to the peer, after it fell asleep in sigwaitinfo() when wait is set. */
static int sig_send(struct sig_side *s, uint64_t i, bool wait)
{
	if (wait) {
		if (wait_asleep_in(s->peer, SYS_rt_sigtimedwait, -1, "rt_sigtimedwait"))
			return -1;
		s->asleep++;
	}
	if (kill(s->peer, s->send_sig)) {
		fprintf(stderr, "wake_pingpong: %s: kill %" PRIu64 ": %s\n", s->who, i,
			strerror(errno));
		return -1;
	}
	s->msgs++;
	return 0;
}

/* Take the peer's signal i with sigwaitinfo(); it must be recv_sig, SI_USER, from the peer. */
static int sig_recv(struct sig_side *s, uint64_t i)
{
	siginfo_t si;
	sigset_t set;
	int r;

	sigemptyset(&set);
	sigaddset(&set, s->recv_sig);
	do
		r = sigwaitinfo(&set, &si);
	while (r < 0 && errno == EINTR);
	if (r < 0) {
		fprintf(stderr, "wake_pingpong: %s: sigwaitinfo %" PRIu64 ": %s\n", s->who, i,
			strerror(errno));
		return -1;
	}
	if (r != s->recv_sig || si.si_code != SI_USER || si.si_pid != s->peer) {
		fprintf(stderr, "wake_pingpong: %s: signal %" PRIu64 " is %d, si_code %d, from pid %d"
			"\n", s->who, i, r, si.si_code, (int)si.si_pid);
		return -1;
	}
	return 0;
}

/* The ping-pong with SIGUSR1 (pings) and SIGUSR2 (pongs); the exit status. */
static int run_signals(uint64_t n, bool wait)
{
	unsigned int watchdog = 30 + n / 1000;
	int err = 0, status;
	struct sig_side s;
	sigset_t both;
	pid_t child;

	/* Blocked in both processes before the fork: only sigwaitinfo() takes them. */
	sigemptyset(&both);
	sigaddset(&both, SIGUSR1);
	sigaddset(&both, SIGUSR2);
	if (sigprocmask(SIG_BLOCK, &both, NULL)) {
		perror("sigprocmask");
		return 1;
	}
	child = fork();
	if (child < 0) {
		perror("fork");
		return 1;
	}
	if (child == 0) {
		if (prctl(PR_SET_NAME, "wake-pong"))
			perror("prctl");
		alarm(watchdog); /* a lost signal must not hang us */
		s = (struct sig_side){ .who = "child", .peer = getppid(), .send_sig = SIGUSR2,
				       .recv_sig = SIGUSR1 };
		for (uint64_t i = 0; i < n && !err; i++)
			err = sig_recv(&s, i) || sig_send(&s, i, wait);
		truth_sig_edge(SIGUSR2, getpid(), s.peer, s.msgs,
			       wait && !err ? (int64_t)s.asleep : -1);
		_exit(err ? 1 : 0);
	}

	if (prctl(PR_SET_NAME, "wake-ping"))
		perror("prctl");
	/* Yama: let the child read our /proc/PID/syscall (EINVAL: no Yama). */
	if (wait && prctl(PR_SET_PTRACER, child, 0, 0, 0) && errno != EINVAL)
		perror("prctl(PR_SET_PTRACER)");
	alarm(watchdog);
	s = (struct sig_side){ .who = "parent", .peer = child, .send_sig = SIGUSR1,
			       .recv_sig = SIGUSR2 };
	for (uint64_t i = 0; i < n && !err; i++)
		err = sig_send(&s, i, wait) || sig_recv(&s, i);
	if (err)
		kill(child, SIGKILL); /* it may wait for a signal that will not come */
	status = ex_wait(child);
	alarm(0);
	err |= ex_child_ok("child", status);
	if (!err && s.msgs != n) {
		fprintf(stderr, "wake_pingpong: parent sent %" PRIu64 " signals\n", s.msgs);
		err = 1;
	}

	truth_sig_edge(SIGUSR1, getpid(), child, s.msgs, wait && !err ? (int64_t)s.asleep : -1);
	truth_sigchld(child, getpid(), status);
	return err;
}

int main(int argc, char **argv)
{
	uint64_t n = 1000, size = 64;
	int ping[2], pong[2], opt, err = 0, status;
	bool unix_sock = false, sig = false, size_set = false, wait = false;
	char obj_ping[64], obj_pong[64];
	const char *mech = "pipe";
	struct side s;
	pid_t child;
	char *buf;

	while ((opt = getopt(argc, argv, "n:s:m:Wh")) != -1) {
		switch (opt) {
		case 'n': n = ex_parse_u64(optarg, 'n', 1, UINT32_MAX, usage); break;
		case 's':
			size = ex_parse_u64(optarg, 's', 1, 4096, usage);
			size_set = true;
			break;
		case 'm':
			if (!strcmp(optarg, "unix"))
				unix_sock = true, sig = false, mech = "unix_stream";
			else if (!strcmp(optarg, "signal"))
				sig = true, unix_sock = false;
			else if (!strcmp(optarg, "pipe"))
				sig = false, unix_sock = false, mech = "pipe";
			else
				ex_die_usage(usage, "-m: unknown channel '%s'", optarg);
			break;
		case 'W': wait = true; break;
		default: ex_die_usage(usage, NULL);
		}
	}
	if (optind != argc)
		ex_die_usage(usage, "unexpected argument '%s'", argv[optind]);
	if (sig && size_set)
		ex_die_usage(usage, "-s: signals carry no bytes");
	ex_setup();
	if (sig)
		return run_signals(n, wait);

	buf = malloc(size);
	if (!buf) {
		perror("malloc");
		return 1;
	}
	/* ping: the parent writes [1], the child reads [0]; pong the other way */
	if (channel(unix_sock, ping, obj_ping, sizeof(obj_ping)) ||
	    channel(unix_sock, pong, obj_pong, sizeof(obj_pong))) {
		perror(unix_sock ? "socketpair" : "pipe");
		return 1;
	}

	child = fork();
	if (child < 0) {
		perror("fork");
		return 1;
	}
	if (child == 0) {
		if (prctl(PR_SET_NAME, "wake-pong"))
			perror("prctl");
		s = (struct side){ .who = "child", .peer = getppid(), .pong = 1, .rfd = ping[0],
				   .wfd = pong[1], .peer_rfd = pong[0] };
		if (close(ping[1]) || close(pong[0])) {
			perror("child: close");
			err = 1;
		}
		for (uint64_t i = 0; i < n && !err; i++)
			err = recv_one(&s, buf, size, i) || send_one(&s, buf, size, i, wait);
		if (close(s.wfd) || close(s.rfd)) {
			perror("child: close");
			err = 1;
		}
		if (!err && s.msgs != n) {
			fprintf(stderr, "wake_pingpong: child sent %" PRIu64 " writes\n", s.msgs);
			err = 1;
		}
		truth_edge(mech, unix_sock ? obj_pong : NULL, getpid(), s.peer, s.msgs, s.bytes,
			   wait && !err ? (int64_t)s.asleep : -1);
		_exit(err ? 1 : 0);
	}

	if (prctl(PR_SET_NAME, "wake-ping"))
		perror("prctl");
	/* Yama: let the child read our /proc/PID/syscall (EINVAL: no Yama). */
	if (wait && prctl(PR_SET_PTRACER, child, 0, 0, 0) && errno != EINVAL)
		perror("prctl(PR_SET_PTRACER)");
	s = (struct side){ .who = "parent", .peer = child, .pong = 0, .rfd = pong[0],
			   .wfd = ping[1], .peer_rfd = ping[0] };
	if (close(ping[0]) || close(pong[1])) {
		perror("close");
		err = 1;
	}
	for (uint64_t i = 0; i < n && !err; i++)
		err = send_one(&s, buf, size, i, wait) || recv_one(&s, buf, size, i);
	if (close(s.wfd) || close(s.rfd)) {
		perror("close");
		err = 1;
	}
	status = ex_wait(child);
	err |= ex_child_ok("child", status);
	if (!err && (s.got != n * size || s.msgs != n)) {
		fprintf(stderr, "wake_pingpong: parent read %" PRIu64 " bytes, sent %" PRIu64
			" writes\n", s.got, s.msgs);
		err = 1;
	}

	truth_edge(mech, unix_sock ? obj_ping : NULL, getpid(), child, s.msgs, s.bytes,
		   wait && !err ? (int64_t)s.asleep : -1);
	truth_sigchld(child, getpid(), status);
	free(buf);
	return err;
}

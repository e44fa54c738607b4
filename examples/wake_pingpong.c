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
 * Reading another process's /proc/PID/syscall needs ptrace access to it:
 * the parent lets its child in with PR_SET_PTRACER (Yama), root needs
 * nothing.
 */
#include <fcntl.h>
#include <getopt.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include "sock_common.h"

static const char usage[] = "[-n ROUND_TRIPS] [-s SIZE] [-m pipe|unix] [-W]";

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
 * Is pid asleep in read(fd)?  /proc/PID/syscall reads "running" for a task
 * on a CPU or runnable, else "NR ARG1 ..." of the syscall it sleeps in.
 * 1 yes, 0 not (yet), -1 the file cannot be read (said on stderr).
 */
static int asleep_in_read(pid_t pid, int fd)
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
	return nr == SYS_read && arg == fd;
}

/* Wait until pid sleeps in read(fd); 0, or -1 (said on stderr). */
static int wait_asleep(pid_t pid, int fd)
{
	uint64_t deadline = ex_now_ns() + ASLEEP_TIMEOUT_NS;

	for (;;) {
		int r = asleep_in_read(pid, fd);

		if (r)
			return r > 0 ? 0 : -1;
		if (ex_now_ns() > deadline) {
			fprintf(stderr, "wake_pingpong: pid %d not asleep in read(%d) after %llu s\n",
				(int)pid, fd, ASLEEP_TIMEOUT_NS / 1000000000ull);
			return -1;
		}
		ex_sleep_ns(20000);
	}
}

/* The edge this side sent on; wakes < 0: unknown (no -W). */
static void truth_edge(const char *mech, const char *object, pid_t src, pid_t dst, uint64_t msgs,
		       uint64_t bytes, int64_t wakes)
{
	struct truth_buf b = { .len = 0 };

	if (!msgs)
		return;
	tb_printf(&b, "{\"type\":\"truth\",\"mech\":\"%s\"", mech);
	if (object) {
		tb_printf(&b, ",\"object\":");
		tb_str(&b, object);
	}
	tb_printf(&b, ",\"src\":%d,\"dst\":%d,\"msgs\":%" PRIu64 ",\"bytes\":%" PRIu64, (int)src,
		  (int)dst, msgs, bytes);
	if (object)
		tb_printf(&b, ",\"fds_passed\":0,\"creds\":0");
	if (wakes >= 0)
		tb_printf(&b, ",\"wakes\":%" PRId64 ",\"back_wakes\":0", wakes);
	tb_printf(&b, "}");
	tb_emit(&b);
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

int main(int argc, char **argv)
{
	uint64_t n = 1000, size = 64;
	int ping[2], pong[2], opt, err = 0, status;
	bool unix_sock = false, wait = false;
	char obj_ping[64], obj_pong[64];
	const char *mech = "pipe";
	struct side s;
	pid_t child;
	char *buf;

	while ((opt = getopt(argc, argv, "n:s:m:Wh")) != -1) {
		switch (opt) {
		case 'n': n = ex_parse_u64(optarg, 'n', 1, UINT32_MAX, usage); break;
		case 's': size = ex_parse_u64(optarg, 's', 1, 4096, usage); break;
		case 'm':
			if (!strcmp(optarg, "unix"))
				unix_sock = true, mech = "unix_stream";
			else if (strcmp(optarg, "pipe"))
				ex_die_usage(usage, "-m: unknown channel '%s'", optarg);
			break;
		case 'W': wait = true; break;
		default: ex_die_usage(usage, NULL);
		}
	}
	if (optind != argc)
		ex_die_usage(usage, "unexpected argument '%s'", argv[optind]);
	ex_setup();

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

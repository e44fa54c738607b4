// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * sock_pingpong: the socket benchmark workload, pingpong over a socket.
 * Parent and child exchange -n round trips of -s bytes: the parent sends,
 * the child reads the whole message and sends it back.  -t unix (default)
 * uses a socketpair(AF_UNIX, SOCK_STREAM), -t tcp a loopback TCP
 * connection (TCP_NODELAY).  -C CPU pins both to one CPU.  write() and
 * read(), like pingpong, so the same syscalls are hooked; -m sendfile or
 * -m splice makes the parent send with sendfile() from a file, or with
 * splice() from a pipe it has filled (each call is a message; -s at most
 * 4096, one page, so that the kernel moves it in one socket send).
 *
 * Truth (stderr): one edge each way on the receiving socket, the child's
 * SIGCHLD, and {"type":"bench","round_trips":N,"size":S,"elapsed_ns":T}
 * for the exchange alone.
 */
#include <getopt.h>
#include <netinet/tcp.h>
#include <fcntl.h>
#include <sched.h>
#include <sys/sendfile.h>
#include "sock_common.h"

static const char usage[] =
	"[-n ROUND_TRIPS] [-s SIZE] [-C CPU] [-t unix|tcp] [-m write|sendfile|splice]";

enum mode { M_WRITE, M_SENDFILE, M_SPLICE };

/*
 * Send size bytes from the parent with the chosen call; counts the calls
 * that moved bytes.  fd is the file (sendfile) or the pipe (splice).
 */
static int parent_send(enum mode mode, int sock, int fd[2], char *buf, size_t size,
		       uint64_t *msgs, uint64_t *bytes)
{
	size_t left = size;
	off_t off = 0;
	ssize_t n;

	if (mode == M_WRITE)
		return ex_write_all(sock, buf, size, msgs, bytes);
	if (mode == M_SPLICE && write(fd[1], buf, size) != (ssize_t)size)
		return -1;
	while (left) {
		if (mode == M_SENDFILE)
			n = sendfile(sock, fd[0], &off, left);
		else
			n = splice(fd[0], NULL, sock, NULL, left, 0);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return -1;
		*msgs += 1;
		*bytes += n;
		left -= n;
	}
	return 0;
}

/* A connected loopback TCP pair: sv[0] the client, sv[1] the accepted socket. */
static int tcp_pair(int sv[2])
{
	struct sockaddr_in sa = { .sin_family = AF_INET };
	socklen_t len = sizeof(sa);
	int lfd = socket(AF_INET, SOCK_STREAM, 0), one = 1;

	sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if (lfd < 0 || bind(lfd, (struct sockaddr *)&sa, len) || listen(lfd, 1) ||
	    getsockname(lfd, (struct sockaddr *)&sa, &len))
		return -1;
	sv[0] = socket(AF_INET, SOCK_STREAM, 0);
	if (sv[0] < 0 || connect(sv[0], (struct sockaddr *)&sa, len))
		return -1;
	sv[1] = accept(lfd, NULL, NULL);
	close(lfd);
	if (sv[1] < 0)
		return -1;
	setsockopt(sv[0], IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
	setsockopt(sv[1], IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
	return 0;
}

/* What ipctrace calls the socket fd receives on. */
static void object_of(int fd, bool tcp, char *buf, size_t len)
{
	struct sockaddr_storage me, peer;
	socklen_t ml = sizeof(me), pl = sizeof(peer);
	char a[64], b[64];

	if (!tcp) {
		sock_unix_object(buf, len, "socketpair", sock_inode(fd));
		return;
	}
	getsockname(fd, (struct sockaddr *)&me, &ml);
	getpeername(fd, (struct sockaddr *)&peer, &pl);
	sock_inet_name(a, sizeof(a), &peer);
	sock_inet_name(b, sizeof(b), &me);
	snprintf(buf, len, "%s->%s", a, b);
}

int main(int argc, char **argv)
{
	uint64_t n = 100000, size = 1, msgs = 0, bytes = 0, got = 0, trips = 0, t0, t1;
	int sv[2], fd[2] = { -1, -1 }, opt, cpu = -1, err = 0, status;
	enum mode mode = M_WRITE;
	struct truth_buf b = { .len = 0 };
	char obj_parent[160], obj_child[160];
	const char *mech = "unix_stream";
	bool tcp = false;
	pid_t child;
	char *buf;

	while ((opt = getopt(argc, argv, "n:s:C:t:m:h")) != -1) {
		switch (opt) {
		case 'n': n = ex_parse_u64(optarg, 'n', 0, UINT32_MAX, usage); break;
		case 's': size = ex_parse_u64(optarg, 's', 1, 65536, usage); break;
		case 'C': cpu = ex_parse_u64(optarg, 'C', 0, CPU_SETSIZE - 1, usage); break;
		case 't':
			if (!strcmp(optarg, "tcp"))
				tcp = true, mech = "tcp";
			else if (strcmp(optarg, "unix"))
				ex_die_usage(usage, "-t: unknown transport '%s'", optarg);
			break;
		case 'm':
			if (!strcmp(optarg, "sendfile"))
				mode = M_SENDFILE;
			else if (!strcmp(optarg, "splice"))
				mode = M_SPLICE;
			else if (strcmp(optarg, "write"))
				ex_die_usage(usage, "-m: unknown call '%s'", optarg);
			break;
		default: ex_die_usage(usage, NULL);
		}
	}
	if (optind != argc)
		ex_die_usage(usage, "unexpected argument '%s'", argv[optind]);
	if (mode != M_WRITE && size > 4096)
		ex_die_usage(usage, "-s: at most 4096 with -m sendfile or splice");
	ex_setup();

	if (ex_pin_cpu(cpu))
		return 1;
	buf = malloc(size);
	if (!buf || (tcp ? tcp_pair(sv) : socketpair(AF_UNIX, SOCK_STREAM, 0, sv))) {
		perror("sock_pingpong: socket");
		return 1;
	}
	memset(buf, 'p', size);
	object_of(sv[0], tcp, obj_parent, sizeof(obj_parent));
	object_of(sv[1], tcp, obj_child, sizeof(obj_child));

	child = fork();
	if (child < 0) {
		perror("fork");
		return 1;
	}
	if (child == 0) {
		close(sv[0]);
		for (;;) {
			ssize_t r = ex_read_full(sv[1], buf, size, &got);

			if (r == 0)
				break;
			if (r < 0 || ex_write_all(sv[1], buf, size, &msgs, &bytes)) {
				perror("sock_pingpong: child");
				err = 1;
				break;
			}
		}
		close(sv[1]);
		truth_sock(mech, obj_parent, getpid(), getppid(), msgs, bytes, tcp ? -1 : 0,
			   tcp ? -1 : 0);
		if (!err && got != n * size) {
			fprintf(stderr, "sock_pingpong: child read %" PRIu64 " bytes\n", got);
			err = 1;
		}
		_exit(err);
	}

	close(sv[1]);
	/* the parent's own file or pipe: no IPC with the child */
	if (mode == M_SENDFILE) {
		char path[] = "/tmp/ipct-spp-XXXXXX";

		fd[0] = mkstemp(path);
		if (fd[0] < 0 || unlink(path) || write(fd[0], buf, size) != (ssize_t)size) {
			perror("sock_pingpong: file");
			return 1;
		}
	} else if (mode == M_SPLICE && pipe(fd)) {
		perror("sock_pingpong: pipe");
		return 1;
	}
	t0 = ex_now_ns();
	for (uint64_t i = 0; i < n; i++) {
		if (parent_send(mode, sv[0], fd, buf, size, &msgs, &bytes) ||
		    ex_read_full(sv[0], buf, size, &got) <= 0) {
			perror("sock_pingpong: parent");
			err = 1;
			break;
		}
		trips++;
	}
	t1 = ex_now_ns();
	shutdown(sv[0], SHUT_WR);
	if (!err && got != n * size) {
		fprintf(stderr, "sock_pingpong: parent read %" PRIu64 " bytes\n", got);
		err = 1;
	}
	close(sv[0]);
	status = ex_wait(child);
	err |= ex_child_ok("child", status);

	truth_sock(mech, obj_child, getpid(), child, msgs, bytes, tcp ? -1 : 0, tcp ? -1 : 0);
	truth_sigchld(child, getpid(), status);
	tb_printf(&b, "{\"type\":\"bench\",\"round_trips\":%" PRIu64 ",\"size\":%" PRIu64
		  ",\"elapsed_ns\":%" PRIu64 "}", trips, size, t1 - t0);
	tb_emit(&b);
	free(buf);
	return err;
}

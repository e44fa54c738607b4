// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * tcp_loopback: a TCP server on 127.0.0.1 (-6: ::1) and -c clients, each
 * making -n requests of -s bytes, each answered with a response of the
 * same size.  The server (the parent) serves the connections one after the
 * other; waiting clients send their first request before accept().
 *
 * Every request and response is one send() that moves the whole message
 * (the side that sends checks it), so msgs = -n both ways; the server
 * exits 1 unless it got -n * -s bytes on every connection.
 *
 * Truth (stderr, printed by each client, which knows its 4-tuple): client
 * -> server on "CLIENT:PORT->SERVER:PORT" and server -> client on
 * "SERVER:PORT->CLIENT:PORT", plus each client's SIGCHLD.
 */
#include <getopt.h>
#include <netinet/tcp.h>
#include "sock_common.h"

static const char usage[] = "[-n REQUESTS] [-s SIZE] [-c CLIENTS] [-6]";

static int run_client(const struct sockaddr_storage *srv, socklen_t slen, uint64_t n,
		      size_t size)
{
	uint64_t msgs = 0, bytes = 0, got = 0;
	struct sockaddr_storage me;
	socklen_t mlen = sizeof(me);
	char *buf = malloc(size), c[64], s[64], up[160], down[160];
	int fd = socket(srv->ss_family, SOCK_STREAM, 0), one = 1;

	if (!buf || fd < 0 || connect(fd, (const struct sockaddr *)srv, slen) ||
	    getsockname(fd, (struct sockaddr *)&me, &mlen)) {
		perror("tcp_loopback: client connect");
		return 1;
	}
	setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
	memset(buf, 't', size);
	for (uint64_t i = 0; i < n; i++) {
		if (sock_send_msg(fd, buf, size, &msgs, &bytes)) {
			perror("tcp_loopback: client send");
			return 1;
		}
		if (ex_read_full(fd, buf, size, &got) != (ssize_t)size) {
			perror("tcp_loopback: client recv");
			return 1;
		}
	}
	close(fd);
	sock_inet_name(c, sizeof(c), &me);
	sock_inet_name(s, sizeof(s), srv);
	snprintf(up, sizeof(up), "%s->%s", c, s);
	snprintf(down, sizeof(down), "%s->%s", s, c);
	/* the server checks it received all our bytes and sent n responses */
	truth_sock("tcp", up, getpid(), getppid(), msgs, bytes, -1, -1);
	truth_sock("tcp", down, getppid(), getpid(), n, got, -1, -1);
	free(buf);
	return got == n * size ? 0 : 1;
}

static int serve(int fd, uint64_t n, size_t size)
{
	uint64_t msgs = 0, bytes = 0, got = 0;
	char *buf = malloc(size);
	int one = 1;
	ssize_t r;

	if (!buf)
		return 1;
	setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
	while ((r = ex_read_full(fd, buf, size, &got)) == (ssize_t)size) {
		if (sock_send_msg(fd, buf, size, &msgs, &bytes)) {
			perror("tcp_loopback: server send");
			return 1;
		}
	}
	free(buf);
	if (r < 0 || got != n * size || msgs != n) {
		fprintf(stderr, "tcp_loopback: server got %" PRIu64 " bytes, sent %" PRIu64
			" responses\n", got, msgs);
		return 1;
	}
	return 0;
}

int main(int argc, char **argv)
{
	uint64_t n = 100, size = 64, clients = 3;
	struct sockaddr_storage srv = { 0 };
	socklen_t slen;
	int opt, v6 = 0, lfd, err = 0, one = 1;
	pid_t *pids;

	while ((opt = getopt(argc, argv, "n:s:c:6h")) != -1) {
		switch (opt) {
		case 'n': n = ex_parse_u64(optarg, 'n', 1, UINT32_MAX, usage); break;
		case 's': size = ex_parse_u64(optarg, 's', 1, 65536, usage); break;
		case 'c': clients = ex_parse_u64(optarg, 'c', 1, 64, usage); break;
		case '6': v6 = 1; break;
		default: ex_die_usage(usage, NULL);
		}
	}
	if (optind != argc)
		ex_die_usage(usage, "unexpected argument '%s'", argv[optind]);
	ex_setup();

	if (v6) {
		struct sockaddr_in6 *s6 = (void *)&srv;

		s6->sin6_family = AF_INET6;
		s6->sin6_addr = in6addr_loopback;
		slen = sizeof(*s6);
	} else {
		struct sockaddr_in *s4 = (void *)&srv;

		s4->sin_family = AF_INET;
		s4->sin_addr.s_addr = htonl(INADDR_LOOPBACK);
		slen = sizeof(*s4);
	}
	lfd = socket(srv.ss_family, SOCK_STREAM, 0);
	setsockopt(lfd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	if (lfd < 0 || bind(lfd, (struct sockaddr *)&srv, slen) || listen(lfd, (int)clients) ||
	    getsockname(lfd, (struct sockaddr *)&srv, &slen)) {
		perror("tcp_loopback: listen");
		return 1;
	}
	pids = calloc(clients, sizeof(*pids));
	for (uint64_t i = 0; i < clients; i++) {
		pids[i] = fork();
		if (pids[i] < 0) {
			perror("fork");
			return 1;
		}
		if (pids[i] == 0) {
			close(lfd);
			_exit(run_client(&srv, slen, n, size));
		}
	}
	for (uint64_t i = 0; i < clients; i++) {
		int fd = accept(lfd, NULL, NULL);

		if (fd < 0) {
			perror("tcp_loopback: accept");
			err = 1;
			break;
		}
		err |= serve(fd, n, size);
		close(fd);
	}
	close(lfd);
	for (uint64_t i = 0; i < clients; i++) {
		int status = ex_wait(pids[i]);

		err |= ex_child_ok("client", status);
		truth_sigchld(pids[i], getpid(), status);
	}
	free(pids);
	return err;
}

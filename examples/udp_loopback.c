// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * udp_loopback: a UDP server on 127.0.0.1 (-6: ::1; -w: bound to the
 * wildcard address instead) and two clients making -n requests of -s bytes,
 * each answered with a datagram of the same size sent to its source:
 *   client 1 is not connected: sendto(server) and recvfrom();
 *   client 2 connect()s to the server: send() and recv().
 * A receive times out after 10 s, so a lost datagram fails the run instead
 * of hanging it.
 *
 * Truth (stderr, printed by each client): client -> server on the server's
 * socket "ADDR:PORT" and server -> client on the client's socket
 * "ADDR:PORT" (an unconnected client is bound to the wildcard address:
 * "0.0.0.0:PORT"), plus the SIGCHLDs.  The server exits 1 unless it got -n
 * requests of -s bytes from each client.
 */
#include <getopt.h>
#include <sys/time.h>
#include "sock_common.h"

static const char usage[] = "[-n REQUESTS] [-s SIZE] [-6] [-w]";

static void set_timeout(int fd)
{
	struct timeval tv = { .tv_sec = 10 };

	setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
}

/* The loopback address of the family, port kept. */
static void to_loopback(struct sockaddr_storage *ss)
{
	if (ss->ss_family == AF_INET6)
		((struct sockaddr_in6 *)ss)->sin6_addr = in6addr_loopback;
	else
		((struct sockaddr_in *)ss)->sin_addr.s_addr = htonl(INADDR_LOOPBACK);
}

static int run_client(const struct sockaddr_storage *srv, socklen_t slen, const char *srv_name,
		      bool connected, uint64_t n, size_t size)
{
	uint64_t msgs = 0, bytes = 0, got = 0;
	struct sockaddr_storage me, from;
	socklen_t mlen = sizeof(me), flen;
	char *buf = malloc(size + 1), name[64];
	int fd = socket(srv->ss_family, SOCK_DGRAM, 0);

	if (!buf || fd < 0 || (connected && connect(fd, (const struct sockaddr *)srv, slen))) {
		perror("udp_loopback: client socket");
		return 1;
	}
	set_timeout(fd);
	memset(buf, 'u', size);
	for (uint64_t i = 0; i < n; i++) {
		ssize_t r;

		if (connected) {
			if (sock_send_msg(fd, buf, size, &msgs, &bytes))
				goto fail;
			r = recv(fd, buf, size + 1, 0);
		} else {
			if (sendto(fd, buf, size, 0, (const struct sockaddr *)srv, slen) != (ssize_t)size)
				goto fail;
			msgs++;
			bytes += size;
			flen = sizeof(from);
			/* the source address is what lets ipctrace count a wildcard socket */
			r = recvfrom(fd, buf, size + 1, 0, (struct sockaddr *)&from, &flen);
		}
		if (r != (ssize_t)size)
			goto fail;
		got += r;
	}
	if (getsockname(fd, (struct sockaddr *)&me, &mlen))
		goto fail;
	close(fd);
	sock_inet_name(name, sizeof(name), &me);
	truth_sock("udp", srv_name, getpid(), getppid(), msgs, bytes, -1, -1);
	truth_sock("udp", name, getppid(), getpid(), n, got, -1, -1);
	free(buf);
	return 0;
fail:
	perror("udp_loopback: client");
	return 1;
}

int main(int argc, char **argv)
{
	uint64_t n = 100, size = 64, got[2] = { 0, 0 };
	struct sockaddr_storage srv = { 0 }, dst;
	socklen_t slen;
	int opt, v6 = 0, wildcard = 0, fd, err = 0;
	in_port_t ports[2] = { 0, 0 };
	char srv_name[64], *buf;
	pid_t pids[2];

	while ((opt = getopt(argc, argv, "n:s:6wh")) != -1) {
		switch (opt) {
		case 'n': n = ex_parse_u64(optarg, 'n', 1, UINT32_MAX, usage); break;
		case 's': size = ex_parse_u64(optarg, 's', 1, 65507, usage); break;
		case '6': v6 = 1; break;
		case 'w': wildcard = 1; break;
		default: ex_die_usage(usage, NULL);
		}
	}
	if (optind != argc)
		ex_die_usage(usage, "unexpected argument '%s'", argv[optind]);
	ex_setup();

	srv.ss_family = v6 ? AF_INET6 : AF_INET;
	slen = v6 ? sizeof(struct sockaddr_in6) : sizeof(struct sockaddr_in);
	if (!wildcard)
		to_loopback(&srv);
	fd = socket(srv.ss_family, SOCK_DGRAM, 0);
	buf = malloc(size + 1);
	if (!buf || fd < 0 || bind(fd, (struct sockaddr *)&srv, slen) ||
	    getsockname(fd, (struct sockaddr *)&srv, &slen)) {
		perror("udp_loopback: bind");
		return 1;
	}
	set_timeout(fd);
	sock_inet_name(srv_name, sizeof(srv_name), &srv);
	/* the clients send to the loopback address even when we are bound to the wildcard */
	dst = srv;
	to_loopback(&dst);

	for (int i = 0; i < 2; i++) {
		pids[i] = fork();
		if (pids[i] < 0) {
			perror("fork");
			return 1;
		}
		if (pids[i] == 0) {
			close(fd);
			_exit(run_client(&dst, slen, srv_name, i == 1, n, size));
		}
	}
	for (uint64_t i = 0; i < 2 * n; i++) {
		struct sockaddr_storage from;
		socklen_t flen = sizeof(from);
		ssize_t r = recvfrom(fd, buf, size + 1, 0, (struct sockaddr *)&from, &flen);
		in_port_t port = from.ss_family == AF_INET6 ? ((struct sockaddr_in6 *)&from)->sin6_port :
			((struct sockaddr_in *)&from)->sin_port;
		int k;

		if (r != (ssize_t)size) {
			perror("udp_loopback: server recvfrom");
			err = 1;
			break;
		}
		for (k = 0; k < 2 && ports[k] && ports[k] != port; k++)
			;
		if (k == 2) {
			fprintf(stderr, "udp_loopback: a third source port\n");
			err = 1;
			break;
		}
		ports[k] = port;
		got[k] += r;
		if (sendto(fd, buf, size, 0, (struct sockaddr *)&from, flen) != (ssize_t)size) {
			perror("udp_loopback: server sendto");
			err = 1;
			break;
		}
	}
	close(fd);
	if (got[0] != n * size || got[1] != n * size) {
		fprintf(stderr, "udp_loopback: server got %" PRIu64 " and %" PRIu64 " bytes\n", got[0],
			got[1]);
		err = 1;
	}
	for (int i = 0; i < 2; i++) {
		int status = ex_wait(pids[i]);

		err |= ex_child_ok("client", status);
		truth_sigchld(pids[i], getpid(), status);
	}
	free(buf);
	return err;
}

// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * unix_dgram: datagram sockets, unconnected and connected, path and
 * abstract names.  The server (the parent) has two sockets: one bound to a
 * path, one to an abstract name.
 *   client 1 binds a path of its own and sends -n requests with
 *            sendto(server path), unconnected;
 *   client 2 binds an abstract name and connect()s to the server's
 *            abstract socket, then uses send().
 * The server answers every request with sendto(the client's address).
 * Each datagram is -s bytes and one call.
 *
 * Truth (stderr): four edges, each on the receiving socket "NAME:[INO]"
 * and printed by the receiver (it knows its inode and what it received;
 * the sender's msgs = -n, checked by the sender, which fails otherwise),
 * plus the clients' SIGCHLDs.
 */
#include <getopt.h>
#include "sock_common.h"

static const char usage[] = "[-n REQUESTS] [-s SIZE]";

struct names {
	char srv_path[64], srv_abs[64], c1_path[64], c2_abs[64];
};

static int bound_socket(const char *name)
{
	struct sockaddr_un sa;
	int fd = socket(AF_UNIX, SOCK_DGRAM, 0);

	if (name[0] != '@')
		unlink(name);
	if (fd < 0 || bind(fd, (struct sockaddr *)&sa, sock_unix_addr(&sa, name))) {
		fprintf(stderr, "unix_dgram: bind %s: %s\n", name, strerror(errno));
		return -1;
	}
	return fd;
}

/* Client: -n requests to `to` (connected if connect_first), one reply each. */
static int run_client(const char *me, const char *to, bool connect_first, uint64_t n,
		      size_t size)
{
	uint64_t msgs = 0, bytes = 0, got = 0;
	struct sockaddr_un sa;
	socklen_t salen = sock_unix_addr(&sa, to);
	char *buf = malloc(size + 1), object[128];
	int fd = bound_socket(me);

	if (!buf || fd < 0)
		return 1;
	if (connect_first && connect(fd, (struct sockaddr *)&sa, salen)) {
		perror("unix_dgram: connect");
		return 1;
	}
	memset(buf, 'd', size);
	for (uint64_t i = 0; i < n; i++) {
		ssize_t r;

		if (connect_first) {
			if (sock_send_msg(fd, buf, size, &msgs, &bytes))
				goto fail;
		} else {
			r = sendto(fd, buf, size, 0, (struct sockaddr *)&sa, salen);
			if (r != (ssize_t)size)
				goto fail;
			msgs++;
		}
		r = recv(fd, buf, size + 1, 0);
		if (r != (ssize_t)size)
			goto fail;
		got += r;
	}
	sock_unix_object(object, sizeof(object), me, sock_inode(fd));
	close(fd);
	if (me[0] != '@')
		unlink(me);
	truth_sock("unix_dgram", object, getppid(), getpid(), n, got, -1, -1);
	free(buf);
	return 0;
fail:
	perror("unix_dgram: client");
	return 1;
}

/* Serve n requests on fd, answering each sender; print the client -> server truth. */
static int serve(int fd, const char *name, pid_t client, uint64_t n, size_t size)
{
	uint64_t got = 0;
	char *buf = malloc(size + 1), object[128];

	for (uint64_t i = 0; buf && i < n; i++) {
		struct sockaddr_un from;
		socklen_t flen = sizeof(from);
		ssize_t r = recvfrom(fd, buf, size + 1, 0, (struct sockaddr *)&from, &flen);

		if (r != (ssize_t)size || flen <= offsetof(struct sockaddr_un, sun_path)) {
			fprintf(stderr, "unix_dgram: server recvfrom on %s: %zd bytes\n", name, r);
			return 1;
		}
		got += r;
		if (sendto(fd, buf, size, 0, (struct sockaddr *)&from, flen) != (ssize_t)size) {
			perror("unix_dgram: server sendto");
			return 1;
		}
	}
	sock_unix_object(object, sizeof(object), name, sock_inode(fd));
	truth_sock("unix_dgram", object, client, getpid(), n, got, -1, -1);
	free(buf);
	return 0;
}

int main(int argc, char **argv)
{
	uint64_t n = 100, size = 64;
	int opt, err = 0, fd_path, fd_abs;
	struct names nm;
	pid_t c1, c2;

	while ((opt = getopt(argc, argv, "n:s:h")) != -1) {
		switch (opt) {
		case 'n': n = ex_parse_u64(optarg, 'n', 1, UINT32_MAX, usage); break;
		case 's': size = ex_parse_u64(optarg, 's', 1, 65536, usage); break;
		default: ex_die_usage(usage, NULL);
		}
	}
	if (optind != argc)
		ex_die_usage(usage, "unexpected argument '%s'", argv[optind]);
	ex_setup();

	snprintf(nm.srv_path, sizeof(nm.srv_path), "/tmp/ipct-ud-%d.srv", (int)getpid());
	snprintf(nm.srv_abs, sizeof(nm.srv_abs), "@ipct-ud-%d-srv", (int)getpid());
	snprintf(nm.c1_path, sizeof(nm.c1_path), "/tmp/ipct-ud-%d.c1", (int)getpid());
	snprintf(nm.c2_abs, sizeof(nm.c2_abs), "@ipct-ud-%d-c2", (int)getpid());
	fd_path = bound_socket(nm.srv_path);
	fd_abs = bound_socket(nm.srv_abs);
	if (fd_path < 0 || fd_abs < 0)
		return 1;

	c1 = fork();
	if (c1 == 0) {
		close(fd_path);
		close(fd_abs);
		_exit(run_client(nm.c1_path, nm.srv_path, false, n, size));
	}
	c2 = fork();
	if (c2 == 0) {
		close(fd_path);
		close(fd_abs);
		_exit(run_client(nm.c2_abs, nm.srv_abs, true, n, size));
	}
	if (c1 < 0 || c2 < 0) {
		perror("fork");
		return 1;
	}
	err |= serve(fd_path, nm.srv_path, c1, n, size);
	err |= serve(fd_abs, nm.srv_abs, c2, n, size);
	close(fd_path);
	close(fd_abs);
	unlink(nm.srv_path);

	for (int i = 0; i < 2; i++) {
		pid_t c = i ? c2 : c1;
		int status = ex_wait(c);

		err |= ex_child_ok("client", status);
		truth_sigchld(c, getpid(), status);
	}
	return err;
}

// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * unix_stream: a server and -c clients over a unix socket bound to a path.
 * Each client connects and makes -n requests of -s bytes, each answered by
 * a response of the same size.  The server (the parent) accepts the
 * connections one after the other, so the clients that wait in the backlog
 * send their first request before accept(): ipctrace must still count it.
 * -t seqpacket uses SOCK_SEQPACKET instead of SOCK_STREAM.
 *
 * Every request and response is one send() that must move the whole
 * message, so msgs = -n both ways.  Truth (stderr), per client:
 *   client -> server on the server's accepted socket "PATH:[INO]" (printed
 *   by the server, which knows that inode and, by SO_PEERCRED, the client),
 *   server -> client on the client's socket "PATH:[INO]" (an unbound client
 *   socket is named after its peer's path; printed by the client),
 * and each client's SIGCHLD.  A side exits 1 unless it received exactly
 * the bytes the other meant to send.
 */
#include <getopt.h>
#include "sock_common.h"

static const char usage[] = "[-n REQUESTS] [-s SIZE] [-c CLIENTS] [-t stream|seqpacket]";

static int run_client(const char *path, int type, uint64_t n, size_t size)
{
	uint64_t msgs = 0, bytes = 0, got = 0;
	struct sockaddr_un sa;
	socklen_t salen = sock_unix_addr(&sa, path);
	char *buf = malloc(size), object[128];
	int fd = socket(AF_UNIX, type, 0);

	if (!buf || fd < 0 || connect(fd, (struct sockaddr *)&sa, salen)) {
		perror("unix_stream: client connect");
		return 1;
	}
	memset(buf, 'q', size);
	for (uint64_t i = 0; i < n; i++) {
		if (sock_send_msg(fd, buf, size, &msgs, &bytes)) {
			perror("unix_stream: client send");
			return 1;
		}
		if (ex_read_full(fd, buf, size, &got) != (ssize_t)size) {
			perror("unix_stream: client recv");
			return 1;
		}
	}
	sock_unix_object(object, sizeof(object), path, sock_inode(fd));
	close(fd);
	truth_sock(type == SOCK_STREAM ? "unix_stream" : "unix_seqpacket", object, getppid(),
		   getpid(), n, got, -1, -1);
	free(buf);
	return got == n * size ? 0 : 1;
}

/* Serve one connection until the client closes; print its client->server truth. */
static int serve(int fd, const char *path, int type, uint64_t n, size_t size)
{
	uint64_t msgs = 0, bytes = 0, got = 0;
	struct ucred cred;
	socklen_t clen = sizeof(cred);
	char *buf = malloc(size), object[128];
	ssize_t r;

	if (!buf || getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &cred, &clen)) {
		perror("unix_stream: SO_PEERCRED");
		return 1;
	}
	while ((r = ex_read_full(fd, buf, size, &got)) == (ssize_t)size) {
		if (sock_send_msg(fd, buf, size, &msgs, &bytes)) {
			perror("unix_stream: server send");
			return 1;
		}
	}
	if (r < 0) {
		perror("unix_stream: server recv");
		return 1;
	}
	sock_unix_object(object, sizeof(object), path, sock_inode(fd));
	/* the client sent one message per request */
	truth_sock(type == SOCK_STREAM ? "unix_stream" : "unix_seqpacket", object, cred.pid,
		   getpid(), got / size, got, -1, -1);
	free(buf);
	return got == n * size && msgs == n ? 0 : 1;
}

int main(int argc, char **argv)
{
	uint64_t n = 100, size = 64, clients = 3;
	int opt, type = SOCK_STREAM, lfd, err = 0;
	struct sockaddr_un sa;
	char path[64];
	pid_t *pids;

	while ((opt = getopt(argc, argv, "n:s:c:t:h")) != -1) {
		switch (opt) {
		case 'n': n = ex_parse_u64(optarg, 'n', 1, UINT32_MAX, usage); break;
		case 's': size = ex_parse_u64(optarg, 's', 1, 65536, usage); break;
		case 'c': clients = ex_parse_u64(optarg, 'c', 1, 64, usage); break;
		case 't':
			if (!strcmp(optarg, "stream"))
				type = SOCK_STREAM;
			else if (!strcmp(optarg, "seqpacket"))
				type = SOCK_SEQPACKET;
			else
				ex_die_usage(usage, "-t: unknown socket type '%s'", optarg);
			break;
		default: ex_die_usage(usage, NULL);
		}
	}
	if (optind != argc)
		ex_die_usage(usage, "unexpected argument '%s'", argv[optind]);
	ex_setup();

	snprintf(path, sizeof(path), "/tmp/ipct-us-%d.sock", (int)getpid());
	unlink(path);
	lfd = socket(AF_UNIX, type, 0);
	if (lfd < 0 || bind(lfd, (struct sockaddr *)&sa, sock_unix_addr(&sa, path)) ||
	    listen(lfd, (int)clients)) {
		perror("unix_stream: listen");
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
			_exit(run_client(path, type, n, size));
		}
	}
	for (uint64_t i = 0; i < clients; i++) {
		int fd = accept(lfd, NULL, NULL);

		if (fd < 0) {
			perror("unix_stream: accept");
			err = 1;
			break;
		}
		err |= serve(fd, path, type, n, size);
		close(fd);
	}
	close(lfd);
	unlink(path);
	for (uint64_t i = 0; i < clients; i++) {
		int status = ex_wait(pids[i]);

		err |= ex_child_ok("client", status);
		truth_sigchld(pids[i], getpid(), status);
	}
	free(pids);
	return err;
}

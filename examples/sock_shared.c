// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * sock_shared: one socketpair shared after fork, both ways.  The parent
 * keeps end B; -w children share end A.
 *   many to one  every child sends -n messages of -s bytes into A; the
 *                parent reads them all from B;
 *   one to many  then the parent sends -w * -n messages into B and the
 *                children read them from A, each as many as it happens to
 *                get, until the parent shuts its end (stream) or sends each
 *                child an empty datagram (dgram; empty messages move no
 *                bytes and are counted by neither side).
 * -t stream|dgram picks the socket type.
 *
 * Truth (stderr): child -> parent on "socketpair:[B]", msgs -n and bytes
 * -n * -s each (printed by the parent; each child checks its sends were
 * whole); parent -> child on "socketpair:[A]", msgs = the child's reads that
 * returned data and bytes = what it got (printed by the child: with one
 * sender and several readers the readers' counts are the exact ones); and
 * the children's SIGCHLDs.
 */
#include <getopt.h>
#include "sock_common.h"

static const char usage[] = "[-n MSGS] [-s SIZE] [-w CHILDREN] [-t stream|dgram]";

int main(int argc, char **argv)
{
	uint64_t n = 200, size = 64, children = 3, got = 0;
	int opt, type = SOCK_STREAM, sv[2], err = 0;
	const char *mech = "unix_stream";
	char obj_a[64], obj_b[64], *buf;
	pid_t *pids;

	while ((opt = getopt(argc, argv, "n:s:w:t:h")) != -1) {
		switch (opt) {
		case 'n': n = ex_parse_u64(optarg, 'n', 1, UINT32_MAX, usage); break;
		case 's': size = ex_parse_u64(optarg, 's', 1, 65536, usage); break;
		case 'w': children = ex_parse_u64(optarg, 'w', 2, 16, usage); break;
		case 't':
			if (!strcmp(optarg, "stream"))
				type = SOCK_STREAM, mech = "unix_stream";
			else if (!strcmp(optarg, "dgram"))
				type = SOCK_DGRAM, mech = "unix_dgram";
			else
				ex_die_usage(usage, "-t: unknown socket type '%s'", optarg);
			break;
		default: ex_die_usage(usage, NULL);
		}
	}
	if (optind != argc)
		ex_die_usage(usage, "unexpected argument '%s'", argv[optind]);
	ex_setup();

	buf = malloc(size);
	pids = calloc(children, sizeof(*pids));
	if (!buf || !pids || socketpair(AF_UNIX, type, 0, sv)) {
		perror("socketpair");
		return 1;
	}
	memset(buf, 'h', size);
	sock_unix_object(obj_a, sizeof(obj_a), "socketpair", sock_inode(sv[0]));
	sock_unix_object(obj_b, sizeof(obj_b), "socketpair", sock_inode(sv[1]));

	for (uint64_t c = 0; c < children; c++) {
		pids[c] = fork();
		if (pids[c] < 0) {
			perror("fork");
			return 1;
		}
		if (pids[c] == 0) {
			uint64_t msgs = 0, bytes = 0, reads = 0;
			ssize_t r;

			close(sv[1]);
			for (uint64_t i = 0; i < n; i++) {
				if (sock_send_msg(sv[0], buf, size, &msgs, &bytes)) {
					perror("sock_shared: child send");
					_exit(1);
				}
			}
			/* what the parent sends next, as much as this child gets of it */
			while ((r = read(sv[0], buf, size)) > 0 || (r < 0 && errno == EINTR)) {
				if (r > 0) {
					reads++;
					got += r;
				}
			}
			if (r < 0) {
				perror("sock_shared: child read");
				_exit(1);
			}
			truth_sock(mech, obj_a, getppid(), getpid(), reads, got, -1, -1);
			_exit(0);
		}
	}
	close(sv[0]);

	while (got < children * n * size) {
		ssize_t r = read(sv[1], buf, size);

		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0) {
			perror("sock_shared: parent read");
			err = 1;
			break;
		}
		got += r;
	}
	for (uint64_t i = 0; !err && i < children * n; i++) {
		uint64_t msgs = 0, bytes = 0;

		if (sock_send_msg(sv[1], buf, size, &msgs, &bytes)) {
			perror("sock_shared: parent send");
			err = 1;
		}
	}
	/* the end of the data: EOF for a stream, one empty datagram per child */
	if (type == SOCK_STREAM) {
		shutdown(sv[1], SHUT_WR);
	} else {
		for (uint64_t c = 0; c < children; c++)
			if (send(sv[1], buf, 0, 0) != 0)
				err = 1;
	}
	for (uint64_t c = 0; c < children; c++) {
		int status = ex_wait(pids[c]);

		err |= ex_child_ok("child", status);
		truth_sock(mech, obj_b, pids[c], getpid(), n, n * size, -1, -1);
		truth_sigchld(pids[c], getpid(), status);
	}
	close(sv[1]);
	free(pids);
	free(buf);
	return err;
}

// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * fanin_server: one slow client holds up a server and, through it, every
 * other client.  The server (the parent) has -c clients (its children),
 * each on a socketpair(AF_UNIX, SOCK_STREAM).  Each client sends -n
 * requests of -s bytes, one at a time, and reads the server's reply (-s
 * bytes) to each before it "thinks" and sends the next.  The server serves
 * strictly round-robin with blocking reads: request of client 0, its reply,
 * request of client 1, its reply, ... then client 0 again.
 *
 * Client -S (default the last) thinks -d microseconds before each request
 * (default 10000, so the run lasts about n * d = 1 s); the others think -f
 * microseconds, less than d (default d - d / (2 (c - 1)): 7500 for 3
 * clients).  So, every round (about d long, set by the slow client):
 *   - the server waits about d for the slow client's request: it is
 *     blocked reading that socket nearly all the run (starvation);
 *   - a fast client's request is there when the server comes to it, but
 *     its reply waits for the server's wait on the slow one: it is blocked
 *     reading (d - f) / d of the run (a quarter by default), on the server;
 *   - the slow client waits on nobody: the server is already blocked on its
 *     socket when its request arrives, and replies at once.
 * The slow client is what the group waits on most (the server's wait on it,
 * nearly the whole run, is twice what all fast clients together wait on the
 * server: (c - 1) (d - f) / d = 1/2 by default), and it hardly waits
 * itself.  The server waits on it more than any client waits on the server:
 * whatever weight a rule gives to chains, the verdict is the slow client.
 *
 * Truth (stderr): per client, its request edge (printed by the client) and
 * the reply edge (printed by the server), each on the socket at which the
 * bytes arrive, "socketpair:[INODE]"; one SIGCHLD per client; and, when
 * d >= 1000, d - f >= 1000 (a fast request is surely there in time) and
 * 2 (c - 1) (d - f) <= d (the fast clients' waits add up to at most half
 * the server's), the verdict
 *
 *   {"type":"truth","mech":"bottleneck","pid":SLOW,"comm":"clientS",
 *    "waiter":SERVER,"kind":"starvation","object":"socketpair:[INODE]",
 *    "members":[SERVER,CLIENT0,...],"edges":0}
 *
 * object: the server's end of the slow client's socketpair, where the
 * server waited.  "members" and "edges":0 make the integration harness
 * read the line as a group with no edge of the mech "bottleneck" (there is
 * none), not as a missing edge.
 *
 * Requests and replies are patterns of (client, round, byte); the server
 * and the clients check every byte and exit 1 on any difference.
 */
#include <getopt.h>
#include <sys/prctl.h>
#include "sock_common.h"

static const char usage[] =
	"[-c CLIENTS] [-S SLOW_INDEX] [-n ROUNDS] [-s SIZE] [-d SLOW_US] [-f FAST_US]";

#define MAX_CLIENTS 16

/* Byte j of round r's request from client i; a reply is its complement. */
static inline char req_byte(uint64_t i, uint64_t r, uint64_t j)
{
	return (char)((i * 73 + r * 31 + j) % 251);
}

static void fill(char *buf, uint64_t size, uint64_t i, uint64_t r, bool reply)
{
	for (uint64_t j = 0; j < size; j++)
		buf[j] = reply ? ~req_byte(i, r, j) : req_byte(i, r, j);
}

static int check(const char *who, const char *buf, uint64_t size, uint64_t i, uint64_t r,
		 bool reply)
{
	for (uint64_t j = 0; j < size; j++) {
		char want = reply ? ~req_byte(i, r, j) : req_byte(i, r, j);

		if (buf[j] != want) {
			fprintf(stderr, "fanin_server: %s: wrong byte %" PRIu64 " in round %" PRIu64
				" of client %" PRIu64 "\n", who, j, r, i);
			return -1;
		}
	}
	return 0;
}

struct cfg {
	uint64_t clients, slow, n, size, slow_us, fast_us;
};

/* Client i on socket fd: n requests, each after a think, each reply awaited. */
static int client(const struct cfg *c, uint64_t i, int fd, const char *server_obj)
{
	uint64_t msgs = 0, bytes = 0, got = 0, think = i == c->slow ? c->slow_us : c->fast_us;
	char *buf = malloc(c->size);
	int err = 0;

	if (!buf) {
		perror("client: malloc");
		return 1;
	}
	for (uint64_t r = 0; r < c->n; r++) {
		ex_sleep_ns(think * 1000);
		fill(buf, c->size, i, r, false);
		if (sock_send_msg(fd, buf, c->size, &msgs, &bytes)) {
			perror("client: send");
			err = 1;
			break;
		}
		errno = 0;
		if (ex_read_full(fd, buf, c->size, &got) != (ssize_t)c->size) {
			fprintf(stderr, "fanin_server: client %" PRIu64 ": reply %" PRIu64 ": %s\n",
				i, r, errno ? strerror(errno) : "EOF");
			err = 1;
			break;
		}
		if (check("client", buf, c->size, i, r, true)) {
			err = 1;
			break;
		}
	}
	if (close(fd)) {
		perror("client: close");
		err = 1;
	}
	truth_sock("unix_stream", server_obj, getpid(), getppid(), msgs, bytes, 0, 0);
	free(buf);
	return err;
}

int main(int argc, char **argv)
{
	struct cfg c = { .clients = 3, .slow = UINT64_MAX, .n = 100, .size = 64,
			 .slow_us = 10000, .fast_us = UINT64_MAX };
	char server_obj[MAX_CLIENTS][64], client_obj[MAX_CLIENTS][64], name[16];
	uint64_t msgs[MAX_CLIENTS] = { 0 }, bytes[MAX_CLIENTS] = { 0 }, got = 0;
	int sv[MAX_CLIENTS][2], opt, err = 0, status[MAX_CLIENTS];
	pid_t pids[MAX_CLIENTS];
	struct truth_buf b = { .len = 0 };
	char *buf;

	while ((opt = getopt(argc, argv, "c:S:n:s:d:f:h")) != -1) {
		switch (opt) {
		case 'c': c.clients = ex_parse_u64(optarg, 'c', 2, MAX_CLIENTS, usage); break;
		case 'S': c.slow = ex_parse_u64(optarg, 'S', 0, MAX_CLIENTS - 1, usage); break;
		case 'n': c.n = ex_parse_u64(optarg, 'n', 1, UINT32_MAX, usage); break;
		case 's': c.size = ex_parse_u64(optarg, 's', 1, 65536, usage); break;
		case 'd': c.slow_us = ex_parse_u64(optarg, 'd', 0, 1000000, usage); break;
		case 'f': c.fast_us = ex_parse_u64(optarg, 'f', 0, 1000000, usage); break;
		default: ex_die_usage(usage, NULL);
		}
	}
	if (optind != argc)
		ex_die_usage(usage, "unexpected argument '%s'", argv[optind]);
	if (c.slow == UINT64_MAX)
		c.slow = c.clients - 1;
	if (c.slow >= c.clients)
		ex_die_usage(usage, "-S: %" PRIu64 " is not a client (0..%" PRIu64 ")", c.slow,
			     c.clients - 1);
	if (c.fast_us == UINT64_MAX)
		c.fast_us = c.slow_us - c.slow_us / (2 * (c.clients - 1));
	ex_setup();
	if (prctl(PR_SET_NAME, "fanin-server"))
		perror("prctl");

	buf = malloc(c.size);
	if (!buf) {
		perror("malloc");
		return 1;
	}
	for (uint64_t i = 0; i < c.clients; i++) {
		if (socketpair(AF_UNIX, SOCK_STREAM, 0, sv[i])) {
			perror("socketpair");
			return 1;
		}
		/* sv[i][0] the server's end, sv[i][1] the client's */
		sock_unix_object(server_obj[i], sizeof(server_obj[i]), "socketpair",
				 sock_inode(sv[i][0]));
		sock_unix_object(client_obj[i], sizeof(client_obj[i]), "socketpair",
				 sock_inode(sv[i][1]));
	}
	for (uint64_t i = 0; i < c.clients; i++) {
		pids[i] = fork();
		if (pids[i] < 0) {
			perror("fork");
			return 1;
		}
		if (pids[i] == 0) {
			snprintf(name, sizeof(name), "client%" PRIu64, i);
			if (prctl(PR_SET_NAME, name))
				perror("prctl");
			/* only its own end: no other client's socket stays open here */
			for (uint64_t k = 0; k < c.clients; k++) {
				if (close(sv[k][0]) || (k != i && close(sv[k][1]))) {
					perror("client: close");
					_exit(1);
				}
			}
			_exit(client(&c, i, sv[i][1], server_obj[i]));
		}
	}
	for (uint64_t i = 0; i < c.clients; i++) {
		if (close(sv[i][1])) {
			perror("close");
			return 1;
		}
	}

	/* Strict round-robin, blocking: nobody is served out of turn. */
	for (uint64_t r = 0; r < c.n && !err; r++) {
		for (uint64_t i = 0; i < c.clients; i++) {
			errno = 0;
			if (ex_read_full(sv[i][0], buf, c.size, &got) != (ssize_t)c.size) {
				fprintf(stderr, "fanin_server: request %" PRIu64 " of client %" PRIu64
					": %s\n", r, i, errno ? strerror(errno) : "EOF");
				err = 1;
				break;
			}
			if (check("server", buf, c.size, i, r, false)) {
				err = 1;
				break;
			}
			fill(buf, c.size, i, r, true);
			if (sock_send_msg(sv[i][0], buf, c.size, &msgs[i], &bytes[i])) {
				perror("fanin_server: send");
				err = 1;
				break;
			}
		}
	}
	for (uint64_t i = 0; i < c.clients; i++) {
		if (close(sv[i][0])) {
			perror("close");
			err = 1;
		}
	}
	for (uint64_t i = 0; i < c.clients; i++) {
		snprintf(name, sizeof(name), "client %" PRIu64, i);
		status[i] = ex_wait(pids[i]);
		err |= ex_child_ok(name, status[i]);
	}
	if (!err && got != c.n * c.size * c.clients) {
		fprintf(stderr, "fanin_server: server read %" PRIu64 " bytes\n", got);
		err = 1;
	}

	for (uint64_t i = 0; i < c.clients; i++) {
		truth_sock("unix_stream", client_obj[i], getpid(), pids[i], msgs[i], bytes[i], 0, 0);
		truth_sigchld(pids[i], getpid(), status[i]);
	}
	free(buf);
	/* the verdict is certain only with these margins (see the top) */
	if (c.slow_us < 1000 || c.fast_us + 1000 > c.slow_us ||
	    2 * (c.clients - 1) * (c.slow_us - c.fast_us) > c.slow_us)
		return err;
	tb_printf(&b, "{\"type\":\"truth\",\"mech\":\"bottleneck\",\"pid\":%d,"
		  "\"comm\":\"client%" PRIu64 "\",\"waiter\":%d,\"kind\":\"starvation\","
		  "\"object\":", (int)pids[c.slow], c.slow, (int)getpid());
	tb_str(&b, server_obj[c.slow]);
	tb_printf(&b, ",\"members\":[%d", (int)getpid());
	for (uint64_t i = 0; i < c.clients; i++)
		tb_printf(&b, ",%d", (int)pids[i]);
	tb_printf(&b, "],\"edges\":0}");
	tb_emit(&b);
	return err;
}

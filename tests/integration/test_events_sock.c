// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * --events over the socket examples: for every edge the example knows,
 * the sender's send records that moved bytes are its messages and add up
 * to its bytes, the receiver's receive records add up to the bytes of
 * every edge into its socket (one, but for a UDP server's),
 * and the fds and credentials a unix sender passed are its truth's; each
 * record on the receiving socket's object, named as the final report names
 * it.  The kernel state every record carries is in range, and the final
 * report that follows stays exact (the harness compares it).
 */
#include <criterion/criterion.h>
#include <inttypes.h>
#include <linux/types.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "harness.h"
#include "ipctrace.h"

#define ARGS(...) ((const char *const[]){ __VA_ARGS__, NULL })

TestSuite(events_sock, .timeout = 180);

static const char *const send_ops[] = { "write", "writev", "sendto", "sendmsg", "sendmmsg",
					"splice", "sendfile", NULL };
static const char *const recv_ops[] = { "read", "readv", "recvfrom", "recvmsg", "recvmmsg",
					"splice", NULL };

static bool one_of(const char *const list[], const char *s)
{
	for (int i = 0; s && list[i]; i++)
		if (!strcmp(list[i], s))
			return true;
	return false;
}

static bool str_is(const char *a, const char *b)
{
	return a && b && !strcmp(a, b);
}

static int64_t st_int(const struct json_object *e, const char *key, int64_t dflt)
{
	int64_t v;

	return json_get_int(json_get(e, "state"), key, &v) ? v : dflt;
}

/*
 * The name the core gives truth object `object` of mech while the
 * collector has not read the name yet ("mech:[obj_b]", model_object_name()):
 * the same key.  A record drained in the tick that reads its object's
 * first name can have it; the key it shows must still be the truth's.
 */
static void default_name(const char *mech, const char *object, char *buf, size_t len)
{
	const char *br = strrchr(object, '['), *arrow = strstr(object, "->"), *colon;
	unsigned long long b = 0;
	unsigned from = 0, to = 0;

	buf[0] = '\0';
	if (!strncmp(mech, "unix", 4) && br) {
		snprintf(buf, len, "%s:%s", mech, br);
		return;
	}
	colon = strrchr(object, ':');
	if (!colon)
		return;
	to = strtoul(colon + 1, NULL, 10);
	if (!strcmp(mech, "udp")) {
		b = SOCK_OBJ_INET | SOCK_OBJ_UDP | to;
	} else if (!strcmp(mech, "tcp") && arrow) {
		for (const char *p = arrow; p > object; p--)
			if (p[-1] == ':') {
				from = strtoul(p, NULL, 10);
				break;
			}
		b = SOCK_OBJ_INET | (strstr(object, "[::1]") ? SOCK_OBJ_V6 : 0) |
		    (unsigned long long)to << 16 | from;
	}
	if (b)
		snprintf(buf, len, "%s:[%llu]", mech, b);
}

/* Truth lines of mech whose src is pid. */
static size_t edges_from(const struct traced *tr, const char *mech, int64_t pid)
{
	size_t n = 0;
	int64_t src;

	for (size_t i = 0; i < tr->truth.n; i++)
		n += str_is(json_get_str(tr->truth.v[i], "mech"), mech) &&
		     json_get_int(tr->truth.v[i], "src", &src) && src == pid;
	return n;
}

struct sock_sum {
	uint64_t n, msgs, bytes, fds, creds;
};

/*
 * pid's records on mech in direction dir ("send", "recv") on truth object
 * `object`: a *mmsg record counts its messages and the bytes they moved
 * (its result is a message count), any other its result when > 0.
 * pending: also a send to a socket not yet accepted (no object yet).
 */
static struct sock_sum sum_of(const struct traced *tr, int64_t pid, const char *mech,
			      const char *dir, const char *object, bool pending)
{
	struct sock_sum s = {};
	char dflt[128], notyet[64];

	default_name(mech, object, dflt, sizeof(dflt));
	snprintf(notyet, sizeof(notyet), "%s:(not accepted yet)", mech);
	for (size_t i = 0; i < tr->events.n; i++) {
		const struct json_object *e = tr->events.v[i];
		const char *op = json_get_str(e, "op"), *obj = json_get_str(e, "object");
		int64_t p, ret;

		if (!json_get_int(e, "pid", &p) || p != pid || !str_is(json_get_str(e, "mech"), mech) ||
		    !str_is(json_get_str(json_get(e, "state"), "dir"), dir))
			continue;
		if (!str_is(obj, object) && !str_is(obj, dflt) && !(pending && str_is(obj, notyet)))
			continue;
		cr_expect(one_of(!strcmp(dir, "send") ? send_ops : recv_ops, op), "op: %s",
			  tr->events.raw[i]);
		cr_assert(json_get_int(e, "ret", &ret));
		s.n++;
		s.fds += st_int(e, "fds", 0);
		s.creds += st_int(e, "creds", 0);
		if (str_is(op, "sendmmsg") || str_is(op, "recvmmsg")) {
			s.msgs += st_int(e, "msgs", 0);
			s.bytes += st_int(e, "moved", 0);
		} else if (ret > 0) {
			s.msgs++;
			s.bytes += ret;
			cr_expect_eq(st_int(e, "moved", -1), ret, "moved is not the result: %s",
				     tr->events.raw[i]);
		}
	}
	return s;
}

/*
 * The bytes of every truth edge of mech into dst on object: a receiver
 * cannot tell its senders apart (a UDP server's socket), its records add
 * up to all of them.
 */
static int64_t bytes_into(const struct traced *tr, const char *mech, int64_t dst, const char *object)
{
	int64_t sum = 0, d, b;

	for (size_t i = 0; i < tr->truth.n; i++) {
		const struct json_object *t = tr->truth.v[i];

		if (str_is(json_get_str(t, "mech"), mech) && str_is(json_get_str(t, "object"), object) &&
		    json_get_int(t, "dst", &d) && d == dst && json_get_int(t, "bytes", &b))
			sum += b;
	}
	return sum;
}

/* Every socket edge of the truth against the records of both of its ends. */
static void expect_sock_truth(struct traced *tr)
{
	size_t checked = 0;

	for (size_t i = 0; i < tr->truth.n; i++) {
		const struct json_object *t = tr->truth.v[i];
		const char *mech = json_get_str(t, "mech"), *obj = json_get_str(t, "object");
		int64_t src, dst, msgs, bytes, fds, creds, into;
		struct sock_sum tx, rx;
		bool ok;

		if (!mech || (strncmp(mech, "unix", 4) && strcmp(mech, "tcp") && strcmp(mech, "udp")))
			continue;
		cr_assert(obj && json_get_int(t, "src", &src) && json_get_int(t, "dst", &dst) &&
			  json_get_int(t, "msgs", &msgs) && json_get_int(t, "bytes", &bytes));
		/* a send before accept() has no object: it is the sender's only edge's */
		tx = sum_of(tr, src, mech, "send", obj, edges_from(tr, mech, src) == 1);
		rx = sum_of(tr, dst, mech, "recv", obj, false);
		into = bytes_into(tr, mech, dst, obj);
		ok = tx.msgs == (uint64_t)msgs && tx.bytes == (uint64_t)bytes &&
		     rx.bytes == (uint64_t)into;
		if (json_get_int(t, "fds_passed", &fds))
			ok &= tx.fds == (uint64_t)fds;
		if (json_get_int(t, "creds", &creds))
			ok &= tx.creds == (uint64_t)creds;
		if (!ok)
			harness_dump(tr, "socket event sums differ from the truth");
		cr_expect_eq(tx.msgs, (uint64_t)msgs, "%s %s: %" PRId64 " -> %" PRId64 ": %" PRIu64
			     " messages sent, truth %" PRId64, mech, obj, src, dst, tx.msgs, msgs);
		cr_expect_eq(tx.bytes, (uint64_t)bytes, "%s %s: sent %" PRIu64 ", truth %" PRId64,
			     mech, obj, tx.bytes, bytes);
		cr_expect_eq(rx.bytes, (uint64_t)into, "%s %s: received %" PRIu64 ", truth %" PRId64,
			     mech, obj, rx.bytes, into);
		if (json_get_int(t, "fds_passed", &fds))
			cr_expect_eq(tx.fds, (uint64_t)fds, "%s %s: %" PRIu64 " fds passed, truth %"
				     PRId64, mech, obj, tx.fds, fds);
		if (json_get_int(t, "creds", &creds))
			cr_expect_eq(tx.creds, (uint64_t)creds, "%s %s: %" PRIu64 " credentials, truth %"
				     PRId64, mech, obj, tx.creds, creds);
		checked++;
	}
	cr_expect(checked > 0, "no socket truth to check");
}

/*
 * Every socket record's state in range.  The examples' messages are small
 * next to the buffers: no queue is near its limit.
 */
static void expect_sock_state(const struct traced *tr)
{
	size_t n = 0;

	for (size_t i = 0; i < tr->events.n; i++) {
		const struct json_object *e = tr->events.v[i], *st = json_get(e, "state");
		const char *mech = json_get_str(e, "mech"), *raw = tr->events.raw[i];
		const char *dir = json_get_str(st, "dir");
		int64_t ret, bytes, blocked, qlen = 0, unread, maxq, rmem, rcvbuf, wmem, sndbuf;
		int64_t msgs, moved;

		if (!mech || (strncmp(mech, "unix", 4) && strcmp(mech, "tcp") && strcmp(mech, "udp")))
			continue;
		n++;
		cr_assert(str_is(dir, "send") || str_is(dir, "recv"), "dir: %s", raw);
		cr_assert(json_get_int(e, "ret", &ret) && json_get_int(e, "bytes", &bytes) &&
			  json_get_int(e, "blocked_ns", &blocked), "%s", raw);
		cr_assert(json_get_int(st, "msgs", &msgs) && json_get_int(st, "moved", &moved) &&
			  json_get_int(st, "wmem", &wmem) && json_get_int(st, "sndbuf", &sndbuf),
			  "state missing: %s", raw);
		cr_expect(blocked >= 0 && msgs >= 0 && moved >= 0 && moved <= bytes,
			  "moved more than asked: %s", raw);
		cr_expect(sndbuf > 0 && wmem >= 0 && wmem <= sndbuf, "wmem out of range: %s", raw);
		if (strcmp(json_get_str(e, "op") ?: "", "sendmmsg") &&
		    strcmp(json_get_str(e, "op") ?: "", "recvmmsg"))
			cr_expect(ret <= bytes && (ret <= 0 || msgs >= 1), "%s", raw);
		/* a receive knows its own socket; a unix send its peer's */
		if (str_is(dir, "recv") || !strncmp(mech, "unix", 4))
			cr_expect(json_get(st, "rcv_qlen"), "no receiver state: %s", raw);
		if (json_get_int(st, "rcv_qlen", &qlen))
			cr_expect(qlen >= 0 && qlen <= 64, "queue length: %s", raw);
		if (json_get_int(st, "rcv_bytes", &unread))
			cr_expect(unread >= 0 && unread <= sndbuf, "unread bytes: %s", raw);
		if (json_get_int(st, "max_qlen", &maxq))
			cr_expect(maxq > 0 && qlen <= maxq + 1, "datagram queue over its limit: %s", raw);
		if (!strcmp(mech, "tcp") || !strcmp(mech, "udp")) {
			cr_expect(!json_get(st, "fds"), "%s", raw);
			if (json_get_int(st, "rmem", &rmem) && json_get_int(st, "rcvbuf", &rcvbuf))
				cr_expect(rcvbuf > 0 && rmem >= 0 && rmem <= rcvbuf, "rmem: %s", raw);
			else
				cr_expect(!json_get(st, "rcv_qlen"), "receiver half known: %s", raw);
		}
	}
	cr_expect(n > 0, "no socket events");
}

static void run(const char *example, const char *const args[])
{
	struct traced *tr = harness_trace_example_opts(example, ARGS("--events"), args);

	expect_sock_truth(tr);
	expect_sock_state(tr);
	harness_traced_free(tr);
}

/* Clients by path; the waiting ones send before accept(), to a socket with no inode yet. */
Test(events_sock, unix_stream)
{
	run("unix_stream", ARGS("-n", "100", "-s", "100", "-c", "3"));
}

Test(events_sock, unix_seqpacket)
{
	run("unix_stream", ARGS("-t", "seqpacket", "-n", "100", "-s", "64", "-c", "2"));
}

/* sendto(path), send() connected, abstract names, recvfrom. */
Test(events_sock, unix_dgram)
{
	run("unix_dgram", ARGS("-n", "100", "-s", "128"));
}

/* sendmsg/recvmsg with SCM_RIGHTS every 7th message and SCM_CREDENTIALS once. */
Test(events_sock, socketpair_fds)
{
	run("socketpair", ARGS("-n", "100", "-s", "64", "-f", "3", "-e", "7"));
}

/* sendmmsg/recvmmsg of 4: one record a call, its messages in the state. */
Test(events_sock, socketpair_mmsg)
{
	run("socketpair", ARGS("-t", "dgram", "-b", "4", "-n", "100", "-s", "200", "-f", "2",
			       "-e", "5"));
}

Test(events_sock, tcp_loopback)
{
	run("tcp_loopback", ARGS("-n", "100", "-s", "100", "-c", "2"));
}

Test(events_sock, tcp_loopback_v6)
{
	run("tcp_loopback", ARGS("-6", "-n", "50", "-s", "3000", "-c", "2"));
}

/* Connected and not, and a wildcard-bound client: counted once recvfrom names a loopback source. */
Test(events_sock, udp_loopback)
{
	run("udp_loopback", ARGS("-n", "100", "-s", "200"));
}

Test(events_sock, udp_wildcard_v6)
{
	run("udp_loopback", ARGS("-w", "-6", "-n", "50", "-s", "64"));
}

/* write() and read() on a socketpair, as pipe.bpf.c stashes them. */
Test(events_sock, pingpong_unix)
{
	run("sock_pingpong", ARGS("-n", "200", "-s", "64"));
}

Test(events_sock, pingpong_tcp_sendfile)
{
	run("sock_pingpong", ARGS("-t", "tcp", "-m", "sendfile", "-n", "200", "-s", "512"));
}

/* splice() from a pipe into the socket: a pipe record and a socket record of one call. */
Test(events_sock, pingpong_tcp_splice)
{
	run("sock_pingpong", ARGS("-t", "tcp", "-m", "splice", "-n", "200", "-s", "512"));
}

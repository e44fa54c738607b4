// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * Sockets: the object keys both ends compute (4-tuple mirroring, loopback
 * classification) and the join of socket endpoints fed as the collector
 * feeds them, the object being the socket at which the bytes arrive.
 */
#include <criterion/criterion.h>
#include <arpa/inet.h>
#include <linux/types.h>
#include <stdlib.h>
#include <string.h>
#include "sock_key.h"
#include "unit/testutil.h"

static struct model *m;

static void setup(void)
{
	m = model_new();
	cr_assert_not_null(m);
}

static void teardown(void)
{
	model_free(m);
}

TestSuite(sock, .init = setup, .fini = teardown);

static struct snapshot *snap(void)
{
	struct snapshot *s = model_snapshot(m, true, true, 1.0, 1700000000, NULL);

	cr_assert_not_null(s);
	return s;
}

/* One endpoint as collect.c hands it over: cumulative counters of (proc, mech, dir, key). */
static void feed(struct proc_ref p, int mech, int dir, uint64_t a, uint64_t b, uint64_t ops,
		 uint64_t bytes, uint64_t fds, uint64_t creds)
{
	struct ep_obs o = {
		.proc = p, .mech = mech, .dir = dir, .obj_a = a, .obj_b = b,
		.ops = ops, .bytes = bytes, .blocked_ns = 10, .aux = { fds, creds },
	};

	snprintf(o.comm, sizeof(o.comm), "p%u", p.pid);
	model_update_endpoint(m, &o);
}

/* A unix socket endpoint on the receiving socket's inode, named as the BPF side names it. */
static void feed_unix(struct proc_ref p, int mech, int dir, uint64_t ino, uint64_t ops,
		      uint64_t bytes, uint64_t fds, uint64_t creds, const char *name)
{
	__u64 a, b;

	sk_unix_key(ino, &a, &b);
	feed(p, mech, dir, a, b, ops, bytes, fds, creds);
	if (name)
		model_set_object_name(m, mech, a, b, name);
}

static const struct edge *must_edge(const struct snapshot *s, uint32_t src, uint32_t dst,
				    const char *object)
{
	const struct edge *e = find_edge(s, src, dst, object);

	cr_assert_not_null(e, "no edge %u -> %u on %s", src, dst, object);
	return e;
}

static void expect(const struct edge *e, uint64_t msgs, uint64_t bytes, bool exact)
{
	cr_expect_eq(e->msgs, msgs, "%u->%u msgs %lu, want %lu", e->src.pid, e->dst.pid,
		     (unsigned long)e->msgs, (unsigned long)msgs);
	cr_expect_eq(e->bytes, bytes, "%u->%u bytes %lu, want %lu", e->src.pid, e->dst.pid,
		     (unsigned long)e->bytes, (unsigned long)bytes);
	cr_expect_eq(e->exact, exact, "%u->%u exact", e->src.pid, e->dst.pid);
}

static __u32 ip4(const char *s)
{
	struct in_addr a;

	cr_assert_eq(inet_pton(AF_INET, s, &a), 1, "bad test address %s", s);
	return a.s_addr;
}

static void v6(const char *s, __u32 w[4])
{
	cr_assert_eq(inet_pton(AF_INET6, s, w), 1, "bad test address %s", s);
}

static struct lo_addr end4(const char *addr, __u16 port)
{
	struct lo_addr la;

	sk_lo_from_v4(ip4(addr), port, &la);
	return la;
}

static struct lo_addr end6(const char *addr, __u16 port)
{
	struct lo_addr la;
	__u32 w[4];

	v6(addr, w);
	sk_lo_from_v6(w, port, &la);
	return la;
}

Test(sock, loopback_classification)
{
	struct lo_addr la;

	cr_expect(end4("127.0.0.1", 1).ok);
	cr_expect(end4("127.255.1.2", 1).ok);
	cr_expect(!end4("10.0.0.1", 1).ok);
	cr_expect(!end4("128.0.0.1", 1).ok);
	la = end4("0.0.0.0", 1);
	cr_expect(!la.ok && la.any);
	la = end6("::1", 1);
	cr_expect(la.ok && la.v6 && !la.any);
	la = end6("::ffff:127.0.0.2", 1);
	cr_expect(la.ok && !la.v6 && la.addr == ip4("127.0.0.2"), "v4-mapped is its IPv4 address");
	cr_expect(!end6("::ffff:10.1.1.1", 1).ok);
	la = end6("fe80::1", 1);
	cr_expect(!la.ok && !la.any, "a link-local address is neither loopback nor the wildcard");
	la = end6("::", 1);
	cr_expect(!la.ok && la.any);
	la = end6("::2", 1);
	cr_expect(!la.ok && !la.any);
}

/* A connection counts only when both ends are loopback, of one kind. */
Test(sock, tcp_local_only)
{
	struct lo_addr lo = end4("127.0.0.1", 5000), far = end4("192.168.1.5", 40000),
		       lo6 = end6("::1", 40000);

	cr_expect(sk_tcp_local(&lo, &lo));
	cr_expect(!sk_tcp_local(&lo, &far));
	cr_expect(!sk_tcp_local(&far, &lo));
	cr_expect(!sk_tcp_local(&lo, &lo6));
	cr_expect(sk_tcp_local(&lo6, &lo6));
}

/* The sender mirrors its 4-tuple; the receiver uses its own: the same key. */
Test(sock, tcp_mirrored_tuples)
{
	struct lo_addr cl = end4("127.0.0.1", 40000), cr = end4("127.0.0.2", 5000);
	struct lo_addr sl = end4("127.0.0.2", 5000), sr = end4("127.0.0.1", 40000);
	__u64 tx_a, tx_b, rx_a, rx_b, back_a, back_b;

	/* client -> server: the client sends, the server's accepted socket receives */
	sk_tcp_key(&cr, &cl, &tx_a, &tx_b);
	sk_tcp_key(&sl, &sr, &rx_a, &rx_b);
	cr_expect_eq(tx_a, rx_a);
	cr_expect_eq(tx_b, rx_b);
	/* server -> client is another object */
	sk_tcp_key(&cl, &cr, &back_a, &back_b);
	cr_expect(back_a != tx_a || back_b != tx_b);
	cr_expect_eq(tx_b & 0xffffffffu, (5000u << 16) | 40000u);
	cr_expect_eq(tx_b & ~0xffffffffull, SOCK_OBJ_INET);
}

/* A dual-stack socket talking over ::ffff:127.0.0.1 pairs with a plain IPv4 one. */
Test(sock, tcp_v4_mapped_pairs_with_v4)
{
	struct lo_addr cl = end6("::ffff:127.0.0.1", 40000), cr = end6("::ffff:127.0.0.1", 5000);
	struct lo_addr sl = end4("127.0.0.1", 5000), sr = end4("127.0.0.1", 40000);
	__u64 tx_a, tx_b, rx_a, rx_b;

	cr_assert(sk_tcp_local(&cl, &cr) && sk_tcp_local(&sl, &sr));
	sk_tcp_key(&cr, &cl, &tx_a, &tx_b);
	sk_tcp_key(&sl, &sr, &rx_a, &rx_b);
	cr_expect_eq(tx_a, rx_a);
	cr_expect_eq(tx_b, rx_b);
}

Test(sock, tcp_v6_loopback_key)
{
	struct lo_addr cl = end6("::1", 40000), cr = end6("::1", 5000);
	__u64 a6, b6, a4, b4;
	struct lo_addr l4 = end4("0.0.0.0", 5000), r4 = end4("0.0.0.0", 40000);

	sk_tcp_key(&cr, &cl, &a6, &b6);
	sk_tcp_key(&l4, &r4, &a4, &b4);
	cr_expect_eq(a6, 0);
	cr_expect(b6 & SOCK_OBJ_V6);
	cr_expect(b6 != b4, "::1 and IPv4 keys with the same ports differ");
}

/* The edge of a TCP connection, fed with the keys each end computes. */
Test(sock, tcp_join)
{
	struct lo_addr cl = end4("127.0.0.1", 40000), cr = end4("127.0.0.1", 5000);
	__u64 up_a, up_b, down_a, down_b;
	struct snapshot *s;

	sk_tcp_key(&cr, &cl, &up_a, &up_b);     /* client sends: mirrored */
	sk_tcp_key(&cl, &cr, &down_a, &down_b); /* client receives: its own view */
	feed(P(10), MECH_TCP, 0, up_a, up_b, 100, 6400, 0, 0);
	feed(P(20), MECH_TCP, 1, up_a, up_b, 130, 6400, 0, 0);
	feed(P(20), MECH_TCP, 0, down_a, down_b, 100, 6400, 0, 0);
	feed(P(10), MECH_TCP, 1, down_a, down_b, 100, 6400, 0, 0);
	model_set_object_name(m, MECH_TCP, up_a, up_b, "127.0.0.1:40000->127.0.0.1:5000");
	model_set_object_name(m, MECH_TCP, down_a, down_b, "127.0.0.1:5000->127.0.0.1:40000");
	s = snap();
	cr_assert_eq(s->n_edges, 2);
	expect(must_edge(s, 10, 20, "127.0.0.1:40000->127.0.0.1:5000"), 100, 6400, true);
	expect(must_edge(s, 20, 10, "127.0.0.1:5000->127.0.0.1:40000"), 100, 6400, true);
	cr_expect(!SOCKX(s, &s->edges[0]), "TCP edges carry no fd counts");
	snapshot_free(s);
}

/* Request and response: one object per receiving socket. */
Test(sock, unix_stream_both_directions)
{
	struct snapshot *s;
	const struct edge *e;

	/* client 10 writes to the server's accepted socket 101, reads its own 100 */
	feed_unix(P(10), MECH_UNIX_STREAM, 0, 101, 5, 500, 0, 0, "/tmp/s:[101]");
	feed_unix(P(20), MECH_UNIX_STREAM, 1, 101, 7, 480, 0, 0, NULL);
	feed_unix(P(20), MECH_UNIX_STREAM, 0, 100, 5, 500, 2, 1, "/tmp/s:[100]");
	feed_unix(P(10), MECH_UNIX_STREAM, 1, 100, 5, 500, 0, 0, NULL);
	s = snap();
	cr_assert_eq(s->n_edges, 2);
	/* 1:1: msgs are the sender's sends, bytes what the receiver got so far */
	e = must_edge(s, 10, 20, "/tmp/s:[101]");
	expect(e, 5, 480, true);
	cr_expect(SOCKX(s, e) && SOCKX(s, e)->fds_passed == 0 && SOCKX(s, e)->creds == 0);
	e = must_edge(s, 20, 10, "/tmp/s:[100]");
	expect(e, 5, 500, true);
	cr_expect(SOCKX(s, e) && SOCKX(s, e)->fds_passed == 2 && SOCKX(s, e)->creds == 1);
	snapshot_free(s);
}

/* Without a recorded name the object shows as the mechanism and inode. */
Test(sock, unix_default_name)
{
	struct snapshot *s;

	feed_unix(P(1), MECH_UNIX_SEQPACKET, 0, 77, 1, 10, 0, 0, NULL);
	feed_unix(P(2), MECH_UNIX_SEQPACKET, 1, 77, 1, 10, 0, 0, NULL);
	s = snap();
	expect(must_edge(s, 1, 2, "unix_seqpacket:[77]"), 1, 10, true);
	snapshot_free(s);
}

/* Several unconnected senders to one bound datagram socket: N:1, exact. */
Test(sock, unix_dgram_many_to_one)
{
	struct snapshot *s;
	const struct edge *e;

	feed_unix(P(1), MECH_UNIX_DGRAM, 0, 200, 10, 100, 0, 0, "@srv:[200]");
	feed_unix(P(2), MECH_UNIX_DGRAM, 0, 200, 20, 200, 4, 0, NULL);
	feed_unix(P(3), MECH_UNIX_DGRAM, 0, 200, 30, 300, 0, 2, NULL);
	feed_unix(P(9), MECH_UNIX_DGRAM, 1, 200, 60, 600, 0, 0, NULL);
	s = snap();
	cr_assert_eq(s->n_edges, 3);
	expect(must_edge(s, 1, 9, "@srv:[200]"), 10, 100, true);
	e = must_edge(s, 2, 9, "@srv:[200]");
	expect(e, 20, 200, true);
	cr_expect(SOCKX(s, e) && SOCKX(s, e)->fds_passed == 4, "every fd went to the only receiver");
	e = must_edge(s, 3, 9, "@srv:[200]");
	expect(e, 30, 300, true);
	cr_expect(SOCKX(s, e)->creds == 2);
	snapshot_free(s);
}

/*
 * An accepted socket shared by two forked workers, one client: 1:N, still
 * exact for bytes, but nobody knows which worker got the fds.
 */
Test(sock, one_sender_shared_receiver)
{
	struct snapshot *s;
	const struct edge *e;

	feed_unix(P(1), MECH_UNIX_STREAM, 0, 300, 10, 1000, 3, 0, "/run/x:[300]");
	feed_unix(P(5), MECH_UNIX_STREAM, 1, 300, 4, 400, 0, 0, NULL);
	feed_unix(P(6), MECH_UNIX_STREAM, 1, 300, 6, 600, 0, 0, NULL);
	s = snap();
	cr_assert_eq(s->n_edges, 2);
	e = must_edge(s, 1, 5, "/run/x:[300]");
	expect(e, 4, 400, true);
	cr_expect(!SOCKX(s, e));
	e = must_edge(s, 1, 6, "/run/x:[300]");
	expect(e, 6, 600, true);
	cr_expect(!SOCKX(s, e));
	snapshot_free(s);
}

/* Both ends shared after fork: N:M, apportioned by what each reader got, inexact. */
Test(sock, shared_after_fork_n_to_m)
{
	struct snapshot *s;
	const struct edge *e;

	feed_unix(P(1), MECH_UNIX_STREAM, 0, 400, 10, 1000, 0, 0, "socketpair:[400]");
	feed_unix(P(2), MECH_UNIX_STREAM, 0, 400, 30, 3000, 0, 0, NULL);
	feed_unix(P(3), MECH_UNIX_STREAM, 1, 400, 5, 1000, 0, 0, NULL);
	feed_unix(P(4), MECH_UNIX_STREAM, 1, 400, 9, 3000, 0, 0, NULL);
	s = snap();
	cr_assert_eq(s->n_edges, 4);
	e = must_edge(s, 1, 3, "socketpair:[400]");
	expect(e, 2, 250, false);
	cr_expect(!SOCKX(s, e));
	expect(must_edge(s, 1, 4, "socketpair:[400]"), 7, 750, false);
	expect(must_edge(s, 2, 3, "socketpair:[400]"), 7, 750, false);
	expect(must_edge(s, 2, 4, "socketpair:[400]"), 22, 2250, false);
	snapshot_free(s);
}

/* A process reading what it wrote to its own socketpair end is no edge. */
Test(sock, no_self_edge)
{
	struct snapshot *s;

	feed_unix(P(1), MECH_UNIX_STREAM, 0, 500, 3, 30, 0, 0, NULL);
	feed_unix(P(1), MECH_UNIX_STREAM, 1, 500, 3, 30, 0, 0, NULL);
	s = snap();
	cr_expect_eq(s->n_edges, 0);
	snapshot_free(s);
}

/* UDP: every sender to a port computes the receiver's key from the port alone. */
Test(sock, udp_join)
{
	__u64 a, b;
	struct snapshot *s;

	sk_udp_key(5353, &a, &b);
	cr_expect_eq(b, SOCK_OBJ_INET | SOCK_OBJ_UDP | 5353);
	feed(P(1), MECH_UDP, 0, a, b, 10, 640, 0, 0);
	feed(P(2), MECH_UDP, 0, a, b, 5, 320, 0, 0);
	feed(P(3), MECH_UDP, 1, a, b, 15, 960, 0, 0);
	model_set_object_name(m, MECH_UDP, a, b, "127.0.0.1:5353");
	s = snap();
	cr_assert_eq(s->n_edges, 2);
	expect(must_edge(s, 1, 3, "127.0.0.1:5353"), 10, 640, true);
	expect(must_edge(s, 2, 3, "127.0.0.1:5353"), 5, 320, true);
	snapshot_free(s);
}

/* The keys of different mechanisms and of pipes never collide in "objnames". */
Test(sock, key_spaces_apart)
{
	__u64 ua, ub, da, db, ta, tb;
	struct lo_addr l6 = end6("::1", 0), r6 = end6("::1", 53);

	sk_unix_key(53, &ua, &ub);
	sk_udp_key(53, &da, &db);
	sk_tcp_key(&l6, &r6, &ta, &tb);
	cr_expect(ua != 0xc && ua > 0xffffffffull, "not a kernel s_dev");
	cr_expect(da != ta || db != tb);
	cr_expect(ua != da || ub != db);
}

Test(sock, json_fds_and_creds)
{
	struct snapshot *s;
	char *out;

	feed_unix(P(10), MECH_UNIX_STREAM, 0, 101, 5, 500, 6, 1, "socketpair:[101]");
	feed_unix(P(20), MECH_UNIX_STREAM, 1, 101, 5, 500, 0, 0, NULL);
	feed_ep(m, P(10), "w", MECH_PIPE, 0, 9, 1, 1, 0);
	feed_ep(m, P(20), "r", MECH_PIPE, 1, 9, 1, 1, 0);
	s = snap();
	out = render_json_str(s);
	cr_expect(ndjson_valid(out), "%s", out);
	cr_expect_not_null(strstr(out, "\"object\":\"socketpair:[101]\""), "%s", out);
	cr_expect_not_null(strstr(out, "\"fds_passed\":6,\"creds\":1"), "%s", out);
	/* only unix edges say anything about fds */
	cr_expect_null(strstr(strstr(out, "\"mech\":\"pipe\""), "fds_passed"), "%s", out);
	free(out);
	out = render_table_str(s, false);
	cr_expect_not_null(strstr(out, "fds 6"), "%s", out);
	free(out);
	out = render_dot_str(s);
	cr_expect_not_null(strstr(out, "6 fds"), "%s", out);
	free(out);
	snapshot_free(s);
}

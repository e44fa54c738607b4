// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * Unix sockets (stream, datagram, seqpacket), loopback TCP and UDP.  The
 * object is the socket at which the bytes arrive (bpf/ipctrace.h, "Socket
 * objects"), so each direction is an edge of its own and the generic join
 * applies.  Theirs: the file descriptors and credentials a unix sender
 * passed, counted per sending endpoint (aux[0], aux[1]).
 */
#include <inttypes.h>
#include <string.h>
#include "kernel/abi.h"
#include "kernel/kif.h"
#include "core/event.h"
#include "mech/sock.h"
#include "output/fmt.h"

static void sock_configure(struct kif *k, bool fast)
{
	kif_map_shrink(k, fast ? "sock_scratch" : "sock_tscratch");
}

static bool is_unix(int mech)
{
	return mech == MECH_UNIX_STREAM || mech == MECH_UNIX_DGRAM || mech == MECH_UNIX_SEQPACKET;
}

/* Passed fds travel with some message; with one receiver they all reached it. */
static int sock_join(void *st, const struct join_info *ji, struct edge *e, struct edge_sink *out)
{
	struct sock_ext x;

	if (ji->n_receivers != 1 || !is_unix(e->mech))
		return 0;
	x.fds_passed = ji->src->aux[0];
	x.creds = ji->src->aux[1];
	return edge_sink_ext(out, e, &x, sizeof(x));
}

static void sock_json(const struct edge *e, const void *ext, FILE *f)
{
	const struct sock_ext *x = ext;

	if (x)
		fprintf(f, ",\"fds_passed\":%" PRIu64 ",\"creds\":%" PRIu64, x->fds_passed, x->creds);
}

/* Passed fds are rare and worth seeing first. */
static enum note_kind sock_note(const struct edge *e, const void *ext, size_t width,
				char *buf, size_t len)
{
	const struct sock_ext *x = ext;
	char a[24];

	if (x && x->fds_passed)
		snprintf(buf, len, "fds %s ", fmt_human(x->fds_passed, 1000, a, sizeof(a)));
	return NOTE_PREFIX;
}

static void sock_dot(const struct edge *e, const void *ext, FILE *f)
{
	const struct sock_ext *x = ext;

	fprintf(f, "\\n%" PRIu64 " msgs, %" PRIu64 " B", e->msgs, e->bytes);
	if (x && x->fds_passed)
		fprintf(f, ", %" PRIu64 " fds", x->fds_passed);
}

/*
 * Folded TCP and UDP edges go by protocol alone: a connection's ports are
 * mostly ephemeral, so its 4-tuple would make an aggregate per connection.
 * Unix sockets by the core's rule (the path without the inode).
 */
static void sock_fold_kind(const struct edge *e, char *buf, size_t len)
{
	const char *br;
	size_t n;

	if (e->mech == MECH_TCP || e->mech == MECH_UDP) {
		snprintf(buf, len, "%s", e->mech == MECH_TCP ? "tcp" : "udp");
		return;
	}
	br = strrchr(e->object, '[');
	n = br && br > e->object && br[-1] == ':' ? (size_t)(br - 1 - e->object) : strlen(e->object);
	snprintf(buf, len, "%.*s", (int)n, e->object);
}

/*
 * --events: state[] as bpf/sock_event.bpf.h fills it.  R is the receiving
 * socket (the call's own for a receive, the other end's for a send, when
 * known), S the socket the call used.
 */
static void sock_event(const struct ipc_event *e, struct ev_view *v)
{
	bool tx = e->dir == DIR_TX, rk = e->state[0] >= 0;
	int64_t msgs = e->state[6] & 0xffffffff, creds = e->state[6] >> 32;

	/* a unix send with no key: to a socket not accepted yet, or an address nobody got */
	if (is_unix(e->mech) && !e->obj_b)
		snprintf(v->object, sizeof(v->object), "%s:(%s)", mech_name(e->mech) ?: "unix",
			 rk ? "not accepted yet" : "receiver unknown");
	ev_field_str(v, "dir", tx ? "send" : "recv");
	if (rk) {
		ev_field_int(v, "rcv_qlen", e->state[0]);
		if (e->state[1] >= 0)
			ev_field_int(v, "rcv_bytes", e->state[1]);
	}
	if (is_unix(e->mech)) {
		if (rk && e->state[2] >= 0)
			ev_field_int(v, "max_qlen", e->state[2]);
		if (tx) {
			ev_field_int(v, "fds", e->state[3]);
			ev_field_int(v, "creds", creds);
		}
	} else if (rk) {
		ev_field_int(v, "rmem", e->state[2]);
		ev_field_int(v, "rcvbuf", e->state[3]);
	}
	if (e->state[5] >= 0) {
		ev_field_int(v, "wmem", e->state[4]);
		ev_field_int(v, "sndbuf", e->state[5]);
	}
	ev_field_int(v, "msgs", msgs);
	ev_field_int(v, "moved", e->state[7]);

	/* the line: the receiving queue, the send buffer, what a call of several messages did */
	if (rk && e->state[1] >= 0)
		ev_state_add(v, "rq %lldB", (long long)e->state[1]);
	else if (rk && e->state[2] >= 0 && is_unix(e->mech))
		ev_state_add(v, "rq %lld/%lld", (long long)e->state[0], (long long)e->state[2]);
	else if (rk)
		ev_state_add(v, "rq %lld", (long long)e->state[0]);
	if (rk && !is_unix(e->mech))
		ev_state_add(v, "rmem %lld/%lld", (long long)e->state[2], (long long)e->state[3]);
	if (e->state[5] >= 0)
		ev_state_add(v, "wmem %lld/%lld", (long long)e->state[4], (long long)e->state[5]);
	if (tx && is_unix(e->mech) && e->state[3])
		ev_state_add(v, "fds %lld", (long long)e->state[3]);
	if (e->op == EV_OP_SENDMMSG || e->op == EV_OP_RECVMMSG)
		ev_state_add(v, "%lld msgs %lldB", (long long)msgs, (long long)e->state[7]);
}

/* Every kind also needs the pipe_ programs: they mark sockets in the shared stash. */
static const struct mech_kind sock_kinds[] = {
	{ .id = MECH_UNIX_STREAM, .name = "unix_stream", .label = "unix/strm", .opt = "unix",
	  .progs = "sock_ pipe_ ipc_waking" },
	{ .id = MECH_UNIX_DGRAM, .name = "unix_dgram", .label = "unix/dgram", .opt = "unix",
	  .progs = "sock_ pipe_ ipc_waking" },
	{ .id = MECH_UNIX_SEQPACKET, .name = "unix_seqpacket", .label = "unix/seqp", .opt = "unix",
	  .progs = "sock_ pipe_ ipc_waking" },
	{ .id = MECH_TCP, .name = "tcp", .label = "tcp", .opt = "tcp",
	  .progs = "sock_ pipe_ ipc_waking" },
	{ .id = MECH_UDP, .name = "udp", .label = "udp", .opt = "udp",
	  .progs = "sock_ pipe_ ipc_waking" },
	{ 0 },
};

const struct mech_ops mech_sock = {
	.name = "sockets",
	.kinds = sock_kinds,
	.prefixes = "sock_",
	.configure = sock_configure,
	.join = sock_join,
	.json = sock_json,
	.table_note = sock_note,
	.dot_label = sock_dot,
	.fold_kind = sock_fold_kind,
	.event = sock_event,
};

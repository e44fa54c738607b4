/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * --events for sockets: one record per traced socket call, at its
 * sys_exit (pipe.bpf.c's for read/write/splice/sendfile, sock.bpf.c's for
 * send*()/recv*()).  sock.bpf.c notes in struct pipe_ev, per message, the
 * object (keyed as the endpoints: the receiving socket), the socket the
 * call used and the receiving one, and what moved; here the kernel state
 * of both is read, as it is at the return.  Without --events nothing of it
 * is reached (want_events).
 *
 * state[] (user/mech/sock.c names them):
 *  0  R's receive queue: skbs (datagrams) queued;  -1: R not known
 *  1  R's unread bytes: unix stream inq_len, TCP rcv_nxt - copied_seq; -1: not kept
 *  2  unix dgram: R's sk_max_ack_backlog (its queue's limit); TCP, UDP: R's
 *     sk_rmem_alloc; -1 otherwise
 *  3  unix: SCM_RIGHTS fds the call sent; TCP, UDP: R's sk_rcvbuf
 *  4  S's send buffer in use: TCP sk_wmem_queued, else sk_wmem_alloc - 1
 *  5  S's sk_sndbuf
 *  6  messages that moved bytes | SCM_CREDENTIALS messages sent << 32
 *  7  bytes the messages moved
 * R is the receiving socket (the call's own for a receive; for a send the
 * unix peer or destination, or the TCP/UDP socket whose sk_data_ready fired
 * inside the call), S the socket the call used.
 */
#ifndef IPCTRACE_SOCK_EVENT_BPF_H
#define IPCTRACE_SOCK_EVENT_BPF_H

#include "stash.bpf.h"
#include <bpf/bpf_endian.h>

/* S's send buffer in use */
static __always_inline __s64 sock_ev_wmem(struct sock *s, __u8 mech)
{
	int v = 0;

	if (mech == MECH_TCP)
		return BPF_CORE_READ(s, sk_wmem_queued);
	/* refcount_t (atomic_t before 4.13): an int either way, 1 for none */
	if (bpf_core_read(&v, sizeof(v), &s->sk_wmem_alloc))
		return -1;
	return v - 1;
}

/* Is TCP sock r the other end of s's connection?  Each one's local port is the other's remote. */
static __always_inline bool sock_ev_tcp_pair(struct sock *s, struct sock *r)
{
	return BPF_CORE_READ(r, __sk_common.skc_num) ==
		       bpf_ntohs(BPF_CORE_READ(s, __sk_common.skc_dport)) &&
	       BPF_CORE_READ(s, __sk_common.skc_num) ==
		       bpf_ntohs(BPF_CORE_READ(r, __sk_common.skc_dport));
}

/* R's state into state[0..3] (see above); fds: what the call sent (unix) */
static __always_inline void sock_ev_rcv(struct ipc_event *e, struct sock *r, __u8 mech, __u32 fds)
{
	struct unix_sock *u = (struct unix_sock *)r;
	struct tcp_sock *tp = (struct tcp_sock *)r;
	int rmem = -1;

	e->state[1] = -1;
	e->state[2] = -1;
	e->state[3] = fds;
	if (!r) {
		e->state[0] = -1;
		return;
	}
	e->state[0] = BPF_CORE_READ(r, sk_receive_queue.qlen);
	switch (mech) {
	case MECH_UNIX_STREAM:
		/* 6.17 keeps the stream bytes queued (SO_INQ) */
		if (bpf_core_field_exists(u->inq_len))
			e->state[1] = BPF_CORE_READ(u, inq_len);
		break;
	case MECH_UNIX_DGRAM:
		/* u16 before 5.6, u32 since */
		e->state[2] = BPF_CORE_READ_BITFIELD_PROBED(r, sk_max_ack_backlog);
		break;
	case MECH_TCP:
		e->state[1] = (__u32)(BPF_CORE_READ(tp, rcv_nxt) - BPF_CORE_READ(tp, copied_seq));
		/* fall through */
	case MECH_UDP:
		if (bpf_core_field_exists(r->sk_backlog.rmem_alloc))
			bpf_core_read(&rmem, sizeof(rmem), &r->sk_backlog.rmem_alloc);
		e->state[2] = rmem;
		e->state[3] = BPF_CORE_READ(r, sk_rcvbuf);
		break;
	}
}

/* The record of the socket call st (ev: what it noted), which returned ret; none if it met no IPC object. */
static __always_inline void sock_ev_emit(const struct pipe_stash *st, const struct pipe_ev *ev,
					 long ret)
{
	struct sock *s = (struct sock *)ev->ev_sk, *r = (struct sock *)ev->ev_rsk;
	__u8 mech = ev->ev_mech;
	struct ipc_event *e;

	if (!mech)
		return;
	e = ev_reserve(mech, ev->ev_op, st->start_ns);
	if (!e)
		return;
	e->obj_a = ev->ev_obj.obj_a;
	e->obj_b = ev->ev_obj.obj_b;
	e->dir = ev->ev_dir;
	e->ret = ret;
	e->bytes = ev->ev_req;
	ev_blocked(e, st->ts, slept_since(st->nvcsw));
	/* a TCP or UDP send: the receiver is the socket whose sk_data_ready fired in it */
	if (!r && ev->ev_dir == DIR_TX && st->wake_sk && s &&
	    (mech == MECH_UDP || (mech == MECH_TCP && sock_ev_tcp_pair(s, (struct sock *)st->wake_sk))))
		r = (struct sock *)st->wake_sk;
	sock_ev_rcv(e, r, mech, ev->ev_fds);
	if (s) {
		e->state[4] = sock_ev_wmem(s, mech);
		e->state[5] = BPF_CORE_READ(s, sk_sndbuf);
	} else {
		e->state[4] = e->state[5] = -1;
	}
	e->state[6] = ev->ev_msgs | (__s64)ev->ev_creds << 32;
	e->state[7] = ev->ev_moved;
	ev_submit(e);
}

#endif /* IPCTRACE_SOCK_EVENT_BPF_H */

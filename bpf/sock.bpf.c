// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * Unix sockets and loopback TCP/UDP.
 *
 * Bytes are counted where every path meets: sock_send_length and
 * sock_recv_length fire once per sendmsg/recvmsg of any flavour (write,
 * send, sendto, sendmsg, each message of sendmmsg, splice and sendfile into
 * a socket, read, recv*, io_uring), in the caller's context, with the return
 * value.  Nothing is stashed for the bytes; the shared stash (stash.bpf.h)
 * only gives the call's entry time and its user pointers.
 *
 * The object of both ends is the socket at which the bytes arrive: a sender
 * on S counts tx on the receiving socket R, a reader of R counts rx on R,
 * and the generic writer->reader join of the model pairs them.
 *  unix  R is peer(S); a datagram sent to an address goes to the socket that
 *        sk_data_ready names inside the sender's sendmsg.  R is identified
 *        by its inode.  An accepted stream socket has no inode before
 *        accept(): bytes sent to it earlier wait in sock_pending and move to
 *        its inode when accept() returns it.
 *  tcp   R's 4-tuple as R sees it; the sender mirrors its own.
 *  udp   R's local port; the sender takes it from its connected peer or
 *        from the destination of sendto/sendmsg/sendmmsg.
 * TCP and UDP count only when both ends are loopback (127/8, ::1, or
 * v4-mapped 127/8); other traffic is no IPC and is ignored.
 */
#include "common.bpf.h"
#include "stash.bpf.h"
#include <bpf/bpf_endian.h>
#include "sock_key.h"
#include "sock_event.bpf.h"

#define AF_UNIX 1
#define AF_INET 2
#define AF_INET6 10
#define MSG_PEEK 2
#define SOL_SOCKET 1
#define SCM_RIGHTS 1
#define SCM_CREDENTIALS 2
#define SCM_MAX_CMSG 8       /* control messages looked at per sendmsg */
#define PENDING_SLOTS 4      /* senders per not-yet-accepted socket */
#define UNIX_PATH_MAX 108

/* Bytes sent to an accepted unix socket before accept(), per sender. */
struct pend_key {
	__u64 sk;   /* the receiving struct sock */
	__u32 slot;
	__u32 pad;
};

struct pend_val {
	__u32 tgid;
	__u32 pad;
	__u64 start_ns;
	struct ep_val v;
};

struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, 4096);
	__type(key, struct pend_key);
	__type(value, struct pend_val);
} sock_pending SEC(".maps");

/* Where names are built (accept()'s exit program among them): see scratch_get(). */
struct name_buf {
	struct obj_name n;
	char path[128];
	__be32 addr[2];
};

struct {
	__uint(type, BPF_MAP_TYPE_TASK_STORAGE);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__type(key, int);
	__type(value, struct name_buf);
} sock_tscratch SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct name_buf);
} sock_scratch SEC(".maps");

static __always_inline struct name_buf *name_scratch(void)
{
	return scratch_get(&sock_tscratch, &sock_scratch);
}

static __always_inline __u8 unix_mech(__u16 type)
{
	switch (type) {
	case SOCK_STREAM: return MECH_UNIX_STREAM;
	case SOCK_DGRAM: return MECH_UNIX_DGRAM;
	case SOCK_SEQPACKET: return MECH_UNIX_SEQPACKET;
	}
	return 0;
}

/*
 * The socket's inode number; 0 while it has none (an accepted socket
 * before accept(), or one whose file is closed).  sk_ino (6.18) saves the
 * walk through sk_socket.
 */
static __always_inline __u64 sk_inode(struct sock *sk)
{
	struct socket *sock;

	if (bpf_core_field_exists(sk->sk_ino))
		return BPF_CORE_READ(sk, sk_ino);
	sock = BPF_CORE_READ(sk, sk_socket);
	if (!sock)
		return 0;
	return BPF_CORE_READ((struct socket_alloc *)((void *)sock -
			     bpf_core_field_offset(struct socket_alloc, socket)), vfs_inode.i_ino);
}

/*
 * Count one operation on an endpoint, like ep_account(), plus passed fds and
 * credentials.  Returns true when this call created the endpoint: the
 * moment to record the object's name.
 */
static __always_inline bool sock_account(const struct ep_key *key, __u64 bytes, __u64 dt,
					 __u32 fds, __u32 creds)
{
	struct ep_val *v = bpf_map_lookup_elem(&endpoints, key);
	bool created = false;

	if (!v) {
		struct ep_val init = {};

		bpf_get_current_comm(init.comm, sizeof(init.comm));
		created = !bpf_map_update_elem(&endpoints, key, &init, BPF_NOEXIST);
		v = bpf_map_lookup_elem(&endpoints, key);
		if (!v) {
			stat_inc(STAT_EP_FULL);
			return false;
		}
	}
	__sync_fetch_and_add(&v->ops, 1);
	__sync_fetch_and_add(&v->bytes, bytes);
	__sync_fetch_and_add(&v->blocked_ns, dt);
	if (want_hist)
		blk_hist_account(key, dt);
	if (fds)
		__sync_fetch_and_add(&v->fds, fds);
	if (creds)
		__sync_fetch_and_add(&v->creds, creds);
	return created;
}

/*
 * --events: a message of the current call reached object key (its
 * receiving sock rsk, when known): the call's first such object is its
 * record's, and what each moved adds up.
 */
static __always_inline void sock_ev_note(struct pipe_stash *st, const struct ep_key *key, __u64 rsk,
					 __u64 bytes, __u32 fds, __u32 creds)
{
	struct pipe_ev *ev;

	if (!want_events || !st || !(ev = pipe_ev_get(false)))
		return;
	if (!ev->ev_mech) {
		ev->ev_mech = key->mech;
		ev->ev_dir = key->dir;
		ev->ev_obj.obj_a = key->obj_a;
		ev->ev_obj.obj_b = key->obj_b;
		ev->ev_rsk = rsk;
	}
	if (bytes) {
		ev->ev_msgs++;
		ev->ev_moved += bytes;
	}
	ev->ev_fds += fds;
	ev->ev_creds += creds;
}

/* --events: the socket the current call used, the first time a message names it. */
static __always_inline void sock_ev_sk(struct sock *sk)
{
	struct pipe_ev *ev = pipe_ev_get(false);

	if (ev && !ev->ev_sk)
		ev->ev_sk = (__u64)sk;
}

static __always_inline void name_store(const struct obj_key *ok, struct obj_name *n, __u8 mech)
{
	n->depth = 1;
	n->truncated = 0;
	n->mech = mech;
	n->raw = 1;
	if (bpf_map_update_elem(&objnames, ok, n, BPF_NOEXIST) && !bpf_map_lookup_elem(&objnames, ok))
		stat_inc(STAT_OBJ_FULL);
}

/* An abstract name's NUL bytes, shown as '@' (one bpf_loop() step per byte). */
struct at_walk {
	char *path;
};

static long abstract_at_step(__u64 i, struct at_walk *w)
{
	char *c = w->path + ((i + 1) & 127);

	if (!*c)
		*c = '@';
	return 0;
}

/*
 * "PATH:[INO]", "@abstract:[INO]" or "socketpair:[INO]": R's own bound
 * name, else its peer's (a client's socket is unbound: the server's path),
 * else a socketpair.  The inode tells apart the accepted sockets of one
 * listening path.  A name too long keeps its tail.
 */
static __always_inline void unix_record_name(struct sock *r, __u64 ino, __u8 mech)
{
	struct unix_address *addr = BPF_CORE_READ((struct unix_sock *)r, addr);
	struct obj_key ok = { .obj_a = SOCK_OBJ_UNIX, .obj_b = ino };
	__u32 blen = 0, avail, skip = 0;
	struct sock *peer;
	struct name_buf *b;
	const char *src;
	int len;

	if (!addr) {
		peer = BPF_CORE_READ((struct unix_sock *)r, peer);
		if (peer)
			addr = BPF_CORE_READ((struct unix_sock *)peer, addr);
	}
	b = name_scratch();
	if (!b)
		return;
	len = addr ? BPF_CORE_READ(addr, len) - (int)sizeof(__kernel_sa_family_t) : 0;
	if (len <= 0) {
		BPF_SNPRINTF(b->n.comp[0], IPC_NAME_LEN, "socketpair:[%llu]", ino);
		name_store(&ok, &b->n, mech);
		return;
	}
	if (len > UNIX_PATH_MAX)
		len = UNIX_PATH_MAX;
	src = (const char *)addr + bpf_core_field_offset(struct unix_address, name) +
	      sizeof(__kernel_sa_family_t);
	b->path[0] = 0;
	bpf_probe_read_kernel(b->path, 1, src);
	if (b->path[0]) {
		/* a path: NUL-terminated within len */
		int n = bpf_probe_read_kernel_str(b->path, UNIX_PATH_MAX + 1, src);

		blen = n > 0 ? n - 1 : 0;
	} else {
		/* abstract: len bytes after the leading NUL, any byte allowed */
		struct at_walk w = { .path = b->path };
		__u32 n = len;

		barrier_var(n);
		n &= 127;
		bpf_probe_read_kernel(b->path, n, src);
		b->path[0] = '@';
		bpf_loop(n - 1, abstract_at_step, &w, 0);
		b->path[n] = 0;
		blen = n;
	}
	/* room for the name in comp[0] besides ":[INO]" and the NUL (the length of which
	 * bpf_snprintf() returns: a helper call instead of a loop to verify) */
	len = BPF_SNPRINTF(b->n.comp[0], IPC_NAME_LEN, ":[%llu]", ino);
	avail = IPC_NAME_LEN - (len > 0 ? len : 24);
	if (blen > avail) {
		skip = blen - (avail - 3);
		BPF_SNPRINTF(b->n.comp[0], IPC_NAME_LEN, "...%s:[%llu]", b->path + (skip & 127), ino);
	} else {
		BPF_SNPRINTF(b->n.comp[0], IPC_NAME_LEN, "%s:[%llu]", b->path, ino);
	}
	name_store(&ok, &b->n, mech);
}

/*
 * SCM_RIGHTS fds and SCM_CREDENTIALS in the control data of the message
 * being sent.  The kernel has already validated it when the send succeeds.
 */
static __always_inline void scm_count(struct pipe_stash *st, __u32 *fds, __u32 *creds)
{
	struct user_msghdr mh;
	const char *ctl;
	__u64 clen, off = 0;
	const void *umh;

	if (st->call == SOCK_CALL_SENDMSG)
		umh = (const void *)st->uptr;
	else if (st->call == SOCK_CALL_SENDMMSG)
		umh = (const void *)(st->uptr + (__u64)st->nmsg * sizeof(struct mmsghdr));
	else
		return;
	if (bpf_probe_read_user(&mh, sizeof(mh), umh))
		return;
	ctl = mh.msg_control;
	clen = mh.msg_controllen;
	if (!ctl || clen < sizeof(struct cmsghdr))
		return;
	for (int i = 0; i < SCM_MAX_CMSG; i++) {
		struct cmsghdr c;

		if (off + sizeof(c) > clen || bpf_probe_read_user(&c, sizeof(c), ctl + off))
			break;
		if (c.cmsg_len < sizeof(c) || c.cmsg_len > clen - off)
			break;
		if (c.cmsg_level == SOL_SOCKET && c.cmsg_type == SCM_RIGHTS)
			*fds += (c.cmsg_len - sizeof(c)) / sizeof(int);
		else if (c.cmsg_level == SOL_SOCKET && c.cmsg_type == SCM_CREDENTIALS)
			*creds += 1;
		off += (c.cmsg_len + 7) & ~7ull; /* CMSG_ALIGN */
	}
}

/*
 * Bytes for a receiving socket that has no inode yet (accepted, not yet
 * returned by accept()).  One slot per sending process; sock_accept_exit()
 * moves them to the endpoint once the inode exists.  Returns the slot.
 */
static __always_inline struct pend_val *pending_add(struct sock *r, const struct ep_key *key,
						    __u64 bytes, __u64 dt, __u32 fds, __u32 creds)
{
	struct pend_key pk = { .sk = (__u64)r };
	struct pend_val *p;

	for (__u32 slot = 0; slot < PENDING_SLOTS; slot++) {
		pk.slot = slot;
		p = bpf_map_lookup_elem(&sock_pending, &pk);
		if (!p) {
			struct pend_val init = { .tgid = key->tgid, .start_ns = key->start_ns };

			bpf_get_current_comm(init.v.comm, sizeof(init.v.comm));
			bpf_map_update_elem(&sock_pending, &pk, &init, BPF_NOEXIST);
			p = bpf_map_lookup_elem(&sock_pending, &pk);
			if (!p)
				break;
		}
		if (p->tgid != key->tgid || p->start_ns != key->start_ns)
			continue;
		/* ops first: pending_take() reads it first */
		__sync_fetch_and_add(&p->v.ops, 1);
		__sync_fetch_and_add(&p->v.bytes, bytes);
		__sync_fetch_and_add(&p->v.blocked_ns, dt);
		__sync_fetch_and_add(&p->v.fds, fds);
		__sync_fetch_and_add(&p->v.creds, creds);
		return p;
	}
	stat_inc(STAT_EP_FULL);
	return NULL;
}

/*
 * Move what slot p holds now to its sender's tx endpoint on inode ino: each
 * counter is taken by subtracting the value seen, so that a sender adding
 * at the same moment (on another CPU) keeps its share, which that sender
 * then takes itself (see unix_send()).  key has mech and dir.
 */
static __always_inline void pending_take(struct pend_val *p, struct ep_key *key, struct sock *sk,
					 __u64 ino)
{
	struct ep_val v = {}, *e;

	v.ops = p->v.ops;
	if (!v.ops)
		return;
	__sync_fetch_and_add(&p->v.ops, -v.ops);
	v.bytes = p->v.bytes;
	__sync_fetch_and_add(&p->v.bytes, -v.bytes);
	v.blocked_ns = p->v.blocked_ns;
	__sync_fetch_and_add(&p->v.blocked_ns, -v.blocked_ns);
	v.fds = p->v.fds;
	__sync_fetch_and_add(&p->v.fds, -v.fds);
	v.creds = p->v.creds;
	__sync_fetch_and_add(&p->v.creds, -v.creds);
	__builtin_memcpy(v.comm, p->v.comm, sizeof(v.comm));
	key->tgid = p->tgid;
	key->start_ns = p->start_ns;
	sk_unix_key(ino, &key->obj_a, &key->obj_b);
	if (!bpf_map_update_elem(&endpoints, key, &v, BPF_NOEXIST)) {
		unix_record_name(sk, ino, key->mech);
	} else if ((e = bpf_map_lookup_elem(&endpoints, key))) {
		__sync_fetch_and_add(&e->ops, v.ops);
		__sync_fetch_and_add(&e->bytes, v.bytes);
		__sync_fetch_and_add(&e->blocked_ns, v.blocked_ns);
		__sync_fetch_and_add(&e->fds, v.fds);
		__sync_fetch_and_add(&e->creds, v.creds);
	} else {
		stat_inc(STAT_EP_FULL);
	}
}

/* A unix send on sk: find the receiving socket, count tx on it. */
static __always_inline void unix_send(struct sock *sk, struct ep_key *key, struct pipe_stash *st,
				      __u64 bytes, __u64 dt)
{
	__u32 fds = 0, creds = 0;
	struct sock *r = NULL;
	__u16 type;
	__u64 ino;

	/* a connected stream read at sys_enter (pipe.bpf.c): no probe reads */
	if (st && st->sk == (__u64)sk && st->peer_ino) {
		key->mech = unix_mech(st->sk_type);
		if (!mech_wanted(key->mech))
			return;
		r = (struct sock *)st->peer;
		ino = st->peer_ino;
		scm_count(st, &fds, &creds);
		key->dir = DIR_TX;
		goto count;
	}
	type = BPF_CORE_READ(sk, sk_type);
	key->mech = unix_mech(type);
	if (!key->mech || !mech_wanted(key->mech))
		return;
	/* a datagram goes where sk_data_ready said, which may not be the peer */
	if (st && st->dest_sk) {
		r = (struct sock *)st->dest_sk;
		st->dest_sk = 0;
	}
	if (!r)
		r = BPF_CORE_READ((struct unix_sock *)sk, peer);
	if (!r)
		return;
	if (st)
		scm_count(st, &fds, &creds);
	key->dir = DIR_TX;
	ino = sk_inode(r);
	if (!ino) {
		struct pend_val *p;

		if (type == SOCK_DGRAM)
			return;
		p = pending_add(r, key, bytes, dt, fds, creds);
		/*
		 * accept() may have given r its inode, and flushed the slots,
		 * since ino was read: then whatever is left in the slot,
		 * this send's share at least, is taken here.
		 */
		ino = p ? sk_inode(r) : 0;
		if (ino)
			pending_take(p, key, r, ino);
		/* --events: no inode yet, no key (0) unless pending_take() just made one */
		sock_ev_note(st, key, (__u64)r, bytes, fds, creds);
		return;
	}
count:
	sk_unix_key(ino, &key->obj_a, &key->obj_b);
	if (sock_account(key, bytes, dt, fds, creds))
		unix_record_name(r, ino, key->mech);
	sock_ev_note(st, key, (__u64)r, bytes, fds, creds);
}

#define SK_SPAN_WORDS 12 /* __u64 words read from sk_type on */

/*
 * sk's type and inode number: with sk_ino (6.18) both lie within 96 bytes
 * of each other and take one probe read; else a read each.
 */
static __always_inline void unix_type_ino(struct sock *sk, __u16 *type, __u64 *ino)
{
	__u64 buf[SK_SPAN_WORDS];
	__u32 o_type, o_ino, base;

	if (bpf_core_field_exists(sk->sk_ino)) {
		o_type = bpf_core_field_offset(struct sock, sk_type);
		o_ino = bpf_core_field_offset(struct sock, sk_ino);
		base = o_type & ~7u; /* loads from the stack must be aligned */
		if (o_ino > base && o_ino - base + 8 <= sizeof(buf) && !((o_ino - base) & 7) &&
		    !((o_type - base) & 1)) {
			if (bpf_probe_read_kernel(buf, sizeof(buf), (void *)sk + base)) {
				*type = 0;
				*ino = 0;
				return;
			}
			o_type -= base;
			o_ino -= base;
			barrier_var(o_type); /* else clang ORs the offset into the pointer */
			*type = *(__u16 *)((void *)buf + o_type);
			*ino = *(__u64 *)((void *)buf + o_ino);
			return;
		}
	}
	*type = BPF_CORE_READ(sk, sk_type);
	*ino = sk_inode(sk);
}

static __always_inline void unix_recv(struct sock *sk, struct ep_key *key,
				      struct pipe_stash *st, __u64 bytes, __u64 dt)
{
	__u16 type;
	__u64 ino;

	if (st && st->sk == (__u64)sk) {
		/* read at sys_enter (pipe.bpf.c) */
		type = st->sk_type;
		ino = st->sk_ino;
	} else {
		unix_type_ino(sk, &type, &ino);
	}
	key->mech = unix_mech(type);
	if (!key->mech || !mech_wanted(key->mech))
		return;
	if (!ino)
		return;
	key->dir = DIR_RX;
	sk_unix_key(ino, &key->obj_a, &key->obj_b);
	if (sock_account(key, bytes, dt, 0, 0))
		unix_record_name(sk, ino, key->mech);
	sock_ev_note(st, key, (__u64)sk, bytes, 0, 0);
}

/* sk's own local and remote address, a field at a time (the fallback). */
static __always_inline void inet_ends_fields(struct sock *sk, __u16 family, struct lo_addr *l,
					     struct lo_addr *r)
{
	__u16 lport = BPF_CORE_READ(sk, __sk_common.skc_num);
	__u16 rport = bpf_ntohs(BPF_CORE_READ(sk, __sk_common.skc_dport));
	struct in6_addr a;

	if (family == AF_INET6) {
		a = BPF_CORE_READ(sk, __sk_common.skc_v6_rcv_saddr);
		sk_lo_from_v6(a.in6_u.u6_addr32, lport, l);
		a = BPF_CORE_READ(sk, __sk_common.skc_v6_daddr);
		sk_lo_from_v6(a.in6_u.u6_addr32, rport, r);
		return;
	}
	sk_lo_from_v4(BPF_CORE_READ(sk, __sk_common.skc_rcv_saddr), lport, l);
	sk_lo_from_v4(BPF_CORE_READ(sk, __sk_common.skc_daddr), rport, r);
}

#define SKC_WORDS 12 /* __u64 words of struct sock_common read at once */

/*
 * sk's own local and remote address (remote port 0: not connected), in one
 * probe read of the head of struct sock_common, where every field it needs
 * lives (the first 88 bytes on 6.x), instead of four to six; should a
 * kernel move them further, the CO-RE offsets say so and
 * inet_ends_fields() is used.
 */
static __always_inline void inet_ends(struct sock *sk, __u16 family, struct lo_addr *l,
				      struct lo_addr *r)
{
	__u32 o_num = bpf_core_field_offset(struct sock, __sk_common.skc_num);
	__u32 o_dport = bpf_core_field_offset(struct sock, __sk_common.skc_dport);
	__u32 o_saddr = bpf_core_field_offset(struct sock, __sk_common.skc_rcv_saddr);
	__u32 o_daddr = bpf_core_field_offset(struct sock, __sk_common.skc_daddr);
	__u32 o_v6s = bpf_core_field_offset(struct sock, __sk_common.skc_v6_rcv_saddr);
	__u32 o_v6d = bpf_core_field_offset(struct sock, __sk_common.skc_v6_daddr);
	__u64 buf[SKC_WORDS];
	__u16 lport, rport;

	if (o_num + 2 > sizeof(buf) || o_dport + 2 > sizeof(buf) || o_saddr + 4 > sizeof(buf) ||
	    o_daddr + 4 > sizeof(buf) || o_v6s + 16 > sizeof(buf) || o_v6d + 16 > sizeof(buf)) {
		inet_ends_fields(sk, family, l, r);
		return;
	}
	if (bpf_probe_read_kernel(buf, sizeof(buf), sk))
		__builtin_memset(buf, 0, sizeof(buf));
	lport = *(__u16 *)((void *)buf + o_num);
	rport = bpf_ntohs(*(__u16 *)((void *)buf + o_dport));
	if (family == AF_INET6) {
		sk_lo_from_v6((__u32 *)((void *)buf + o_v6s), lport, l);
		sk_lo_from_v6((__u32 *)((void *)buf + o_v6d), rport, r);
		return;
	}
	sk_lo_from_v4(*(__u32 *)((void *)buf + o_saddr), lport, l);
	sk_lo_from_v4(*(__u32 *)((void *)buf + o_daddr), rport, r);
}

/* "127.0.0.1:40000->127.0.0.1:5000": from the sender to the receiver R. */
static __always_inline void tcp_record_name(const struct obj_key *ok, const struct lo_addr *from,
					    const struct lo_addr *to)
{
	struct name_buf *b = name_scratch();

	if (!b)
		return;
	if (to->v6) {
		BPF_SNPRINTF(b->n.comp[0], IPC_NAME_LEN, "[::1]:%u->[::1]:%u", from->port, to->port);
	} else {
		b->addr[0] = from->addr;
		b->addr[1] = to->addr;
		BPF_SNPRINTF(b->n.comp[0], IPC_NAME_LEN, "%pI4:%u->%pI4:%u", &b->addr[0], from->port,
			     &b->addr[1], to->port);
	}
	name_store(ok, &b->n, MECH_TCP);
}

static __always_inline void tcp_io(struct sock *sk, __u16 family, struct ep_key *key, bool tx,
				   __u64 bytes, __u64 dt)
{
	struct lo_addr l, r;
	struct obj_key ok;

	if (!mech_wanted(MECH_TCP))
		return;
	inet_ends(sk, family, &l, &r);
	if (!sk_tcp_local(&l, &r))
		return;
	key->mech = MECH_TCP;
	key->dir = tx ? DIR_TX : DIR_RX;
	/* the sender's remote end is the receiver's local one */
	if (tx)
		sk_tcp_key(&r, &l, &key->obj_a, &key->obj_b);
	else
		sk_tcp_key(&l, &r, &key->obj_a, &key->obj_b);
	if (!sock_account(key, bytes, dt, 0, 0))
		return;
	ok.obj_a = key->obj_a;
	ok.obj_b = key->obj_b;
	if (tx)
		tcp_record_name(&ok, &l, &r);
	else
		tcp_record_name(&ok, &r, &l);
}

static __always_inline void udp_key(struct ep_key *key, __u16 port)
{
	key->mech = MECH_UDP;
	sk_udp_key(port, &key->obj_a, &key->obj_b);
}

/* "127.0.0.1:5000", "0.0.0.0:5000", "[::1]:5000", "[::]:5000": R's bound address. */
static __always_inline void udp_record_name(const struct ep_key *key, struct sock *sk, __u16 family)
{
	struct obj_key ok = { .obj_a = key->obj_a, .obj_b = key->obj_b };
	struct name_buf *b;
	__u16 port = key->obj_b & 0xffff;
	struct lo_addr l, r;

	if (bpf_map_lookup_elem(&objnames, &ok))
		return;
	b = name_scratch();
	if (!b)
		return;
	inet_ends(sk, family, &l, &r);
	if (family == AF_INET6 && l.any && !l.addr)
		BPF_SNPRINTF(b->n.comp[0], IPC_NAME_LEN, "[::]:%u", port);
	else if (l.v6)
		BPF_SNPRINTF(b->n.comp[0], IPC_NAME_LEN, "[::1]:%u", port);
	else {
		b->addr[0] = l.addr;
		BPF_SNPRINTF(b->n.comp[0], IPC_NAME_LEN, "%pI4:%u", &b->addr[0], port);
	}
	name_store(&ok, &b->n, MECH_UDP);
}

/* A user sockaddr (sockaddr_in or sockaddr_in6) as a loopback address, or ok = 0. */
static __always_inline void lo_from_user(const void *uaddr, struct lo_addr *la)
{
	struct sockaddr_in6 sa = {};

	__builtin_memset(la, 0, sizeof(*la));
	if (!uaddr || bpf_probe_read_user(&sa, sizeof(sa), uaddr))
		return;
	if (sa.sin6_family == AF_INET)
		sk_lo_from_v4(((struct sockaddr_in *)&sa)->sin_addr.s_addr, bpf_ntohs(sa.sin6_port), la);
	else if (sa.sin6_family == AF_INET6)
		sk_lo_from_v6(sa.sin6_addr.in6_u.u6_addr32, bpf_ntohs(sa.sin6_port), la);
}

/* The destination address of the datagram being sent, from the user's call. */
static __always_inline const void *udp_msg_name(struct pipe_stash *st)
{
	struct user_msghdr mh;
	const void *umh;

	if (st->call == SOCK_CALL_SENDTO)
		return (const void *)st->uptr;
	if (st->call == SOCK_CALL_SENDMSG)
		umh = (const void *)st->uptr;
	else if (st->call == SOCK_CALL_SENDMMSG)
		umh = (const void *)(st->uptr + (__u64)st->nmsg * sizeof(struct mmsghdr));
	else
		return NULL;
	if (bpf_probe_read_user(&mh, sizeof(mh), umh))
		return NULL;
	return mh.msg_name;
}

static __always_inline void udp_send(struct sock *sk, __u16 family, struct ep_key *key,
				     struct pipe_stash *st, __u64 bytes, __u64 dt)
{
	struct lo_addr l, r, to = {};
	const void *uaddr = st ? udp_msg_name(st) : NULL;

	if (!mech_wanted(MECH_UDP))
		return;
	/* an explicit destination wins over the connected peer */
	if (uaddr) {
		lo_from_user(uaddr, &to);
	} else {
		inet_ends(sk, family, &l, &r);
		if (!r.port)
			return;
		to = r;
	}
	if (!to.ok || !to.port)
		return;
	key->dir = DIR_TX;
	udp_key(key, to.port);
	sock_account(key, bytes, dt, 0, 0);
}

/*
 * A datagram is IPC when it surely came from loopback: R is bound to a
 * loopback address, or connected to one.  R bound to the wildcard and not
 * connected may also receive from other hosts: then the source address the
 * caller asked for decides, at sys_exit (recvfrom/recvmsg only).
 */
static __always_inline void udp_recv(struct sock *sk, __u16 family, struct ep_key *key,
				     struct pipe_stash *st, __u64 bytes, __u64 dt)
{
	struct lo_addr l, r;

	if (!mech_wanted(MECH_UDP))
		return;
	inet_ends(sk, family, &l, &r);
	key->dir = DIR_RX;
	udp_key(key, l.port);
	if (r.port ? r.ok : l.ok) {
		if (sock_account(key, bytes, dt, 0, 0))
			udp_record_name(key, sk, family);
		sock_ev_note(st, key, (__u64)sk, bytes, 0, 0);
		return;
	}
	if (r.port || !st)
		return;
	if (!l.any)
		return;
	if ((st->call == SOCK_CALL_RECVFROM && st->uptr) || st->call == SOCK_CALL_RECVMSG) {
		st->udp_bytes += bytes;
		st->udp_dt += dt;
		st->udp_port = l.port;
		udp_record_name(key, sk, family);
		if (want_events) {
			struct pipe_ev *ev = pipe_ev_get(false);

			sock_ev_note(st, key, (__u64)sk, bytes, 0, 0);
			if (ev)
				ev->ev_defer = 1;
		}
	}
}

/*
 * Is rsk the other end of sk's connection?  unix: sk's peer; TCP: the key
 * rsk would count under (as a receiver, or as a sender when rsk_sends) is
 * key, the one sk's call was counted under.
 */
static __always_inline bool sock_is_peer(struct pipe_stash *st, struct sock *sk, __u16 family,
					 __u64 rsk, const struct ep_key *key, bool rsk_sends)
{
	struct lo_addr l, r;
	__u64 a, b;

	if (family == AF_UNIX)
		return (st->sk == (__u64)sk ? st->peer
					    : (__u64)BPF_CORE_READ((struct unix_sock *)sk, peer)) == rsk;
	inet_ends((struct sock *)rsk, family, &l, &r);
	if (rsk_sends)
		sk_tcp_key(&r, &l, &a, &b);
	else
		sk_tcp_key(&l, &r, &a, &b);
	return a == key->obj_a && b == key->obj_b;
}

/*
 * A receive that slept: released by a traced sender whose data reached sk
 * (sk_data_ready named it in the sender's call).  key: the receiving
 * object, as counted.  A connected socket's one sender is its peer, and
 * the peer's own receive can wake it first: a stream socket's reader and
 * writer sleep on one wait queue, and the room the peer's read makes wakes
 * both; the data the receive then returns is the peer's all the same.
 */
static __always_inline void sock_woken_data(struct pipe_stash *st, struct sock *sk, __u16 family,
					    __u16 proto, const struct ep_key *key)
{
	const struct ipc_woken *r;

	if (!slept_since(st->nvcsw))
		return;
	r = woken_since(st->ts);
	if (!r)
		return;
	if (r->data_sk != (__u64)sk &&
	    !(r->room_sk && (family == AF_UNIX || proto == IPPROTO_TCP) &&
	      sock_is_peer(st, sk, family, r->room_sk, key, true)))
		return;
	st->woke = 1;
	wake_count(r, key->tgid, key->start_ns, key->mech, key->obj_a, key->obj_b, false, st->ts);
}

/*
 * A send that slept: released by a traced receiver of the other end
 * reading from it (it made room).  key: the object the send was counted on.
 */
static __always_inline void sock_woken_room(struct pipe_stash *st, struct sock *sk, __u16 family,
					    const struct ep_key *key)
{
	const struct ipc_woken *r;

	if (!slept_since(st->nvcsw))
		return;
	r = woken_since(st->ts);
	if (!r || !r->room_sk || !sock_is_peer(st, sk, family, r->room_sk, key, false))
		return;
	st->woke = 1;
	wake_count(r, key->tgid, key->start_ns, key->mech, key->obj_a, key->obj_b, true, st->ts);
}

/*
 * The common head of both tracepoints: filters, process identity, blocked
 * time since the call's entry (or since the previous message of the same
 * call, for sendmmsg/recvmmsg).
 */
static __always_inline struct pipe_stash *sock_begin(__u64 id, struct ep_key *key, __u64 *dt,
						     bool *wanted)
{
	struct pipe_stash *st = stash_get(id);
	__u64 now;

	key->tgid = id >> 32;
	*dt = 0;
	/* every stash writer filtered: a call in progress is a wanted one */
	if (st && st->sock) {
		*wanted = true;
		now = bpf_ktime_get_ns();
		*dt = now - st->sock_ts;
		st->sock_ts = now;
		key->start_ns = st->start_ns;
		return st;
	}
	*wanted = tgid_wanted(id >> 32);
	if (*wanted)
		key->start_ns = current_start_ns();
	return NULL;
}

/*
 * --events: a message that moved nothing (an error, EOF, a peek) still
 * names the call's object, found as the counting paths above find it;
 * a unix datagram sent to an address that did not arrive has no known
 * receiver (key 0).  Only when no message of the call named one yet.
 */
static __always_inline void sock_ev_key(struct pipe_stash *st, struct sock *sk, __u16 family,
					__u16 proto, bool tx)
{
	struct ep_key key = { .dir = tx ? DIR_TX : DIR_RX };
	struct lo_addr l, r, to = {};
	const void *uaddr;
	struct sock *p;
	__u64 rsk = 0, ino;
	__u16 type;
	struct pipe_ev *ev = pipe_ev_get(false);

	if (!ev || ev->ev_mech)
		return;
	if (family == AF_UNIX) {
		if (tx) {
			p = (struct sock *)st->dest_sk;
			if (!p)
				p = (struct sock *)(st->sk == (__u64)sk
						    ? st->peer
						    : (__u64)BPF_CORE_READ((struct unix_sock *)sk, peer));
			type = BPF_CORE_READ(sk, sk_type);
			ino = p ? sk_inode(p) : 0;
			rsk = (__u64)p;
		} else {
			unix_type_ino(sk, &type, &ino);
			rsk = (__u64)sk;
		}
		key.mech = unix_mech(type);
		if (!key.mech || !mech_wanted(key.mech))
			return;
		if (ino)
			sk_unix_key(ino, &key.obj_a, &key.obj_b);
	} else if (proto == IPPROTO_TCP) {
		if (!mech_wanted(MECH_TCP))
			return;
		inet_ends(sk, family, &l, &r);
		if (!sk_tcp_local(&l, &r))
			return;
		key.mech = MECH_TCP;
		if (tx) {
			sk_tcp_key(&r, &l, &key.obj_a, &key.obj_b);
		} else {
			sk_tcp_key(&l, &r, &key.obj_a, &key.obj_b);
			rsk = (__u64)sk;
		}
	} else if (proto == IPPROTO_UDP) {
		if (!mech_wanted(MECH_UDP))
			return;
		uaddr = tx ? udp_msg_name(st) : NULL;
		if (uaddr)
			lo_from_user(uaddr, &to);
		else
			inet_ends(sk, family, &l, &r);
		if (tx) {
			if (!uaddr)
				to = r;
			if (!to.ok || !to.port)
				return;
			udp_key(&key, to.port);
		} else {
			/* a wildcard socket not connected: its source is not known, let it be */
			if (r.port ? !r.ok : !(l.ok || l.any))
				return;
			udp_key(&key, l.port);
			rsk = (__u64)sk;
		}
	} else {
		return;
	}
	sock_ev_note(st, &key, rsk, 0, 0, 0);
}

SEC("tracepoint/sock/sock_send_length")
int sock_send(struct trace_event_raw_sock_msg_length *ctx)
{
	struct sock *sk = ctx->sk;
	__u16 family = ctx->family, proto = ctx->protocol;
	int ret = ctx->ret;
	__u64 id = bpf_get_current_pid_tgid(), dt;
	struct ep_key key = {};
	struct pipe_stash *st;
	bool wanted;

	if (bench_noop || (family != AF_UNIX && family != AF_INET && family != AF_INET6))
		return 0;
	st = sock_begin(id, &key, &dt, &wanted);
	if (!wanted)
		return 0;
	if (ret > 0) {
		if (family == AF_UNIX)
			unix_send(sk, &key, st, ret, dt);
		else if (proto == IPPROTO_TCP)
			tcp_io(sk, family, &key, true, ret, dt);
		else if (proto == IPPROTO_UDP)
			udp_send(sk, family, &key, st, ret, dt);
		/* --events: TCP and UDP keyed the message iff they counted it (unix noted itself) */
		if (want_events && family != AF_UNIX && key.obj_b)
			sock_ev_note(st, &key, 0, ret, 0, 0);
		/* UDP does not block a sender for its receiver */
		if (st && !st->woke && key.obj_b && (family == AF_UNIX || proto == IPPROTO_TCP))
			sock_woken_room(st, sk, family, &key);
	} else if (want_events && st) {
		sock_ev_key(st, sk, family, proto, true);
	}
	if (want_events && st)
		sock_ev_sk(sk);
	if (st) {
		st->nmsg++;
		st->dest_sk = 0;
	}
	return 0;
}

SEC("tracepoint/sock/sock_recv_length")
int sock_recv(struct trace_event_raw_sock_msg_length *ctx)
{
	struct sock *sk = ctx->sk;
	__u16 family = ctx->family, proto = ctx->protocol;
	int ret = ctx->ret, flags = ctx->flags;
	__u64 id = bpf_get_current_pid_tgid(), dt;
	struct ep_key key = {};
	struct pipe_stash *st;
	bool wanted;

	if (bench_noop || (family != AF_UNIX && family != AF_INET && family != AF_INET6))
		return 0;
	st = sock_begin(id, &key, &dt, &wanted);
	if (!wanted)
		return 0;
	if (st)
		st->nmsg++;
	if (want_events && st)
		sock_ev_sk(sk);
	/* a peek leaves the bytes for the next read, which counts them */
	if (ret <= 0 || (flags & MSG_PEEK)) {
		if (want_events && st)
			sock_ev_key(st, sk, family, proto, false);
		return 0;
	}
	if (family == AF_UNIX)
		unix_recv(sk, &key, st, ret, dt);
	else if (proto == IPPROTO_TCP)
		tcp_io(sk, family, &key, false, ret, dt);
	else if (proto == IPPROTO_UDP)
		udp_recv(sk, family, &key, st, ret, dt);
	/* --events: TCP keyed the message iff it counted it (unix and UDP noted themselves) */
	if (want_events && proto == IPPROTO_TCP && family != AF_UNIX && key.obj_b)
		sock_ev_note(st, &key, (__u64)sk, ret, 0, 0);
	if (st && !st->woke && key.obj_b)
		sock_woken_data(st, sk, family, proto, &key);
	return 0;
}

/*
 * Is R, whose sk_data_ready fired inside the current UDP send, the
 * receiver of that send?  Loopback datagrams are delivered from a softirq,
 * which runs in whatever task is current: the datagram's destination port
 * must be R's.  Probe reads, once per delivered datagram of a traced sender.
 * (TCP is checked at the wake-up itself, pipe_waking().)
 */
static __always_inline bool udp_sent_to(struct pipe_stash *st, struct sock *rsk, __u16 family)
{
	struct sock *s = (struct sock *)(st->sk ? st->sk : fd_sock(st->fd));
	struct lo_addr l, r, rl, rr, to = {};
	const void *uaddr;

	if (!s || st->sock_rx)
		return false;
	inet_ends(rsk, family, &rl, &rr);
	uaddr = udp_msg_name(st);
	if (uaddr) {
		lo_from_user(uaddr, &to);
	} else {
		inet_ends(s, family, &l, &r);
		to = r;
	}
	return to.port && to.port == rl.port;
}

/*
 * Inside a send, sk_data_ready names the receiving socket.  Remember it:
 * for the sock_send_length that follows in the same call (a unix datagram
 * sent with sendto(path) has no peer), and for a wake-up of a receiver
 * blocked on that socket (wake.bpf.h), which sched_waking sees next.
 */
SEC("tracepoint/sock/sk_data_ready")
int sock_data_ready(struct trace_event_raw_sk_data_ready *ctx)
{
	struct sock *sk = (struct sock *)ctx->skaddr;
	__u16 family = ctx->family, proto = ctx->protocol;
	struct pipe_stash *st;

	if (bench_noop || (family != AF_UNIX && family != AF_INET && family != AF_INET6))
		return 0;
	/* only a traced thread inside a socket call has one */
	st = stash_get(bpf_get_current_pid_tgid());
	if (!st || !st->sock)
		return 0;
	if (proto == IPPROTO_TCP && family != AF_UNIX) {
		/* checked against the sending sock at the wake-up (pipe_waking()) */
		st->wake_tcp = 1;
	} else if (family != AF_UNIX) {
		if (proto != IPPROTO_UDP || !udp_sent_to(st, sk, family))
			return 0;
	} else if (mech_wanted(MECH_UNIX_DGRAM) && BPF_CORE_READ(sk, sk_type) == SOCK_DGRAM) {
		st->dest_sk = (__u64)sk;
	}
	st->wake_sk = (__u64)sk;
	return 0;
}

#define EV_IOV_MAX 16  /* iovecs summed per message */
#define EV_MMSG_MAX 8  /* messages summed per sendmmsg/recvmmsg */

/* --events: the bytes a user msghdr's first iovecs ask for. */
static __always_inline __u64 msg_asked(__u64 umh)
{
	struct user_msghdr mh;
	struct iovec v;
	__u64 sum = 0;

	if (bpf_probe_read_user(&mh, sizeof(mh), (const void *)umh))
		return 0;
	for (int i = 0; i < EV_IOV_MAX; i++) {
		if (i >= mh.msg_iovlen ||
		    bpf_probe_read_user(&v, sizeof(v), (const void *)mh.msg_iov + i * sizeof(v)))
			break;
		sum += v.iov_len;
	}
	return sum;
}

/* What call asks for: arg is sendto/recvfrom's length, or the message count of *mmsg. */
static __always_inline __u64 sock_asked(__u8 call, __u64 uptr, __u64 arg)
{
	__u64 sum = 0;

	switch (call) {
	case SOCK_CALL_SENDTO:
	case SOCK_CALL_RECVFROM:
		return arg;
	case SOCK_CALL_SENDMSG:
	case SOCK_CALL_RECVMSG:
		return msg_asked(uptr);
	}
	for (int j = 0; j < EV_MMSG_MAX; j++) {
		if (j >= arg)
			break;
		sum += msg_asked(uptr + j * sizeof(struct mmsghdr));
	}
	return sum;
}

#define SOCK_EV_OP(c) \
	((c) == SOCK_CALL_SENDTO ? EV_OP_SENDTO : (c) == SOCK_CALL_RECVFROM ? EV_OP_RECVFROM : \
	 (c) == SOCK_CALL_SENDMSG ? EV_OP_SENDMSG : (c) == SOCK_CALL_RECVMSG ? EV_OP_RECVMSG : \
	 (c) == SOCK_CALL_SENDMMSG ? EV_OP_SENDMMSG : EV_OP_RECVMMSG)

/*
 * Stash a socket syscall: its entry time and the user pointer of `call`.
 * arg: the length (sendto, recvfrom) or message count (*mmsg), for --events.
 */
static __always_inline int sock_enter(__u8 call, int fd, __u64 uptr, __u64 arg)
{
	__u64 id = bpf_get_current_pid_tgid();
	struct pipe_stash st = {};

	if (bench_noop || !tgid_wanted(id >> 32))
		return 0;
	st.nvcsw = current_nvcsw();
	st.fd = fd;
	st.sock_rx = call == SOCK_CALL_RECVFROM || call == SOCK_CALL_RECVMSG ||
		     call == SOCK_CALL_RECVMMSG;
	st.ts = bpf_ktime_get_ns();
	st.sock_ts = st.ts;
	st.start_ns = current_start_ns();
	st.sock = 1;
	st.call = call;
	st.uptr = uptr;
	if (want_events) {
		struct pipe_ev *ev = pipe_ev_get(true);

		if (ev) {
			ev->ev_op = SOCK_EV_OP(call);
			ev->ev_req = sock_asked(call, uptr, arg);
		}
		ev_begin(st.ts);
	}
	stash_put(id, &st);
	return 0;
}

/* A datagram deferred by udp_recv(): count it if its source is loopback (true). */
static __always_inline bool udp_deferred(__u64 id, struct pipe_stash *st)
{
	struct ep_key key = { .tgid = id >> 32, .start_ns = st->start_ns, .dir = DIR_RX };
	struct user_msghdr mh;
	const void *uaddr = (const void *)st->uptr;
	struct lo_addr from;

	if (st->call == SOCK_CALL_RECVMSG) {
		if (bpf_probe_read_user(&mh, sizeof(mh), uaddr))
			return false;
		uaddr = mh.msg_name;
	}
	lo_from_user(uaddr, &from);
	if (!from.ok)
		return false;
	udp_key(&key, st->udp_port);
	sock_account(&key, st->udp_bytes, st->udp_dt, 0, 0);
	return true;
}

static __always_inline int sock_exit(long ret)
{
	__u64 id = bpf_get_current_pid_tgid();
	struct pipe_stash *st;
	bool local = false;

	if (bench_noop)
		return 0;
	st = stash_get(id);
	if (!st || !st->call)
		return 0;
	if (st->udp_bytes && ret > 0)
		local = udp_deferred(id, st);
	/* --events: a wildcard socket's datagram from elsewhere is no IPC */
	if (want_events) {
		struct pipe_ev *ev = pipe_ev_get(false);

		if (ev && (!ev->ev_defer || local))
			sock_ev_emit(st, ev, ret);
	}
	stash_done(id, st);
	return 0;
}

/* sendto(fd, buf, len, flags, dest_addr, addrlen); send() is sendto(..., NULL, 0) */
SEC("tracepoint/syscalls/sys_enter_sendto")
int sock_enter_sendto(struct trace_event_raw_sys_enter *ctx)
{
	return sock_enter(SOCK_CALL_SENDTO, ctx->args[0], ctx->args[4], ctx->args[2]);
}

/* recvfrom(fd, buf, len, flags, src_addr, addrlen); recv() is recvfrom(..., NULL, NULL) */
SEC("tracepoint/syscalls/sys_enter_recvfrom")
int sock_enter_recvfrom(struct trace_event_raw_sys_enter *ctx)
{
	return sock_enter(SOCK_CALL_RECVFROM, ctx->args[0], ctx->args[4], ctx->args[2]);
}

SEC("tracepoint/syscalls/sys_enter_sendmsg")
int sock_enter_sendmsg(struct trace_event_raw_sys_enter *ctx)
{
	return sock_enter(SOCK_CALL_SENDMSG, ctx->args[0], ctx->args[1], 0);
}

SEC("tracepoint/syscalls/sys_enter_recvmsg")
int sock_enter_recvmsg(struct trace_event_raw_sys_enter *ctx)
{
	return sock_enter(SOCK_CALL_RECVMSG, ctx->args[0], ctx->args[1], 0);
}

SEC("tracepoint/syscalls/sys_enter_sendmmsg")
int sock_enter_sendmmsg(struct trace_event_raw_sys_enter *ctx)
{
	return sock_enter(SOCK_CALL_SENDMMSG, ctx->args[0], ctx->args[1], ctx->args[2]);
}

SEC("tracepoint/syscalls/sys_enter_recvmmsg")
int sock_enter_recvmmsg(struct trace_event_raw_sys_enter *ctx)
{
	return sock_enter(SOCK_CALL_RECVMMSG, ctx->args[0], ctx->args[1], ctx->args[2]);
}

SEC("tracepoint/syscalls/sys_exit_sendto")
int sock_exit_sendto(struct trace_event_raw_sys_exit *ctx)
{
	return sock_exit(ctx->ret);
}

SEC("tracepoint/syscalls/sys_exit_recvfrom")
int sock_exit_recvfrom(struct trace_event_raw_sys_exit *ctx)
{
	return sock_exit(ctx->ret);
}

SEC("tracepoint/syscalls/sys_exit_sendmsg")
int sock_exit_sendmsg(struct trace_event_raw_sys_exit *ctx)
{
	return sock_exit(ctx->ret);
}

SEC("tracepoint/syscalls/sys_exit_recvmsg")
int sock_exit_recvmsg(struct trace_event_raw_sys_exit *ctx)
{
	return sock_exit(ctx->ret);
}

SEC("tracepoint/syscalls/sys_exit_sendmmsg")
int sock_exit_sendmmsg(struct trace_event_raw_sys_exit *ctx)
{
	return sock_exit(ctx->ret);
}

SEC("tracepoint/syscalls/sys_exit_recvmmsg")
int sock_exit_recvmmsg(struct trace_event_raw_sys_exit *ctx)
{
	return sock_exit(ctx->ret);
}

/*
 * accept() gave the accepted unix socket its inode: bytes its peer sent
 * before now (sock_pending) become tx on that inode, for each sender.
 */
static __always_inline int sock_accept_exit(long fd)
{
	__u64 id = bpf_get_current_pid_tgid();
	struct pend_key pk = {};
	struct ep_key key = {};
	struct pend_val *p;
	struct socket *sock;
	struct file *file;
	struct sock *sk;
	__u64 ino;

	if (bench_noop || fd < 0 || !tgid_wanted(id >> 32))
		return 0;
	file = current_fd_file(fd);
	if (!file)
		return 0;
	sock = BPF_CORE_READ(file, private_data);
	sk = BPF_CORE_READ(sock, sk);
	if (!sk || BPF_CORE_READ(sk, __sk_common.skc_family) != AF_UNIX)
		return 0;
	key.mech = unix_mech(BPF_CORE_READ(sk, sk_type));
	ino = sk_inode(sk);
	if (!key.mech || !ino)
		return 0;
	key.dir = DIR_TX;
	pk.sk = (__u64)sk;
	for (__u32 slot = 0; slot < PENDING_SLOTS; slot++) {
		pk.slot = slot;
		p = bpf_map_lookup_elem(&sock_pending, &pk);
		if (!p)
			break;
		pending_take(p, &key, sk, ino);
		/*
		 * A sender that read "no inode" just before accept() may still
		 * add to this slot: its element stays readable after the delete
		 * (preallocated), and that sender takes its own share at once.
		 */
		bpf_map_delete_elem(&sock_pending, &pk);
	}
	return 0;
}

SEC("tracepoint/syscalls/sys_exit_accept")
int sock_exit_accept(struct trace_event_raw_sys_exit *ctx)
{
	return sock_accept_exit(ctx->ret);
}

SEC("tracepoint/syscalls/sys_exit_accept4")
int sock_exit_accept4(struct trace_event_raw_sys_exit *ctx)
{
	return sock_accept_exit(ctx->ret);
}

char LICENSE[] SEC("license") = "Dual BSD/GPL";

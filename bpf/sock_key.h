/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * Socket object keys, as pure functions: used by bpf/sock.bpf.c and by
 * the unit tests (tests/unit/test_sock.c), which check that both ends of
 * a connection compute the same key.  Needs only the __u types (vmlinux.h
 * or <linux/types.h>) and ipctrace.h.
 *
 * Addresses are IPv4 in network byte order, as the kernel and sockaddr_in
 * hold them; ports in host order.
 */
#ifndef IPCTRACE_SOCK_KEY_H
#define IPCTRACE_SOCK_KEY_H

#include "ipctrace.h"

#if __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
#define SK_NTOHL(x) __builtin_bswap32(x)
#else
#define SK_NTOHL(x) (x)
#endif
#define SK_HTONL(x) SK_NTOHL(x)

/* One end of an inet socket, reduced to what a loopback edge needs. */
struct lo_addr {
	__u32 addr;  /* IPv4, network order; 0 for ::1 and :: */
	__u16 port;  /* host order */
	__u8 v6;     /* ::1 */
	__u8 ok;     /* a loopback address: 127/8, ::1, ::ffff:127/8 */
	__u8 any;    /* the wildcard address, 0.0.0.0, :: or ::ffff:0.0.0.0 */
	__u8 pad[3];
};

static inline int sk_is_lo4(__u32 addr)
{
	return (SK_NTOHL(addr) >> 24) == 127;
}

static inline void sk_lo_from_v4(__u32 addr, __u16 port, struct lo_addr *la)
{
	__builtin_memset(la, 0, sizeof(*la));
	la->addr = addr;
	la->port = port;
	la->ok = sk_is_lo4(addr);
	la->any = !addr;
}

/*
 * An IPv6 address (four 32-bit words, network order): v4-mapped becomes
 * its IPv4 address, so a dual-stack socket and a plain IPv4 one agree.
 */
static inline void sk_lo_from_v6(const __u32 *w, __u16 port, struct lo_addr *la)
{
	__builtin_memset(la, 0, sizeof(*la));
	la->port = port;
	if (w[0] || w[1])
		return;
	if (w[2] == SK_HTONL(0xffff)) {
		la->addr = w[3];
		la->ok = sk_is_lo4(w[3]);
		la->any = !w[3];
	} else if (!w[2] && !w[3]) {
		la->any = 1;
	} else if (!w[2] && w[3] == SK_HTONL(1)) {
		la->v6 = 1;
		la->ok = 1;
	}
}

/* Is (local, remote) a connection between two loopback addresses? */
static inline int sk_tcp_local(const struct lo_addr *local, const struct lo_addr *remote)
{
	return local->ok && remote->ok && local->v6 == remote->v6;
}

/*
 * The TCP object: the receiving socket's (local, remote) as it sees them.
 * The receiver passes its own ends; the sender passes its own ends swapped
 * (its remote end is the receiver's local one).
 */
static inline void sk_tcp_key(const struct lo_addr *rcv_local, const struct lo_addr *rcv_remote,
			      __u64 *obj_a, __u64 *obj_b)
{
	*obj_a = (__u64)SK_NTOHL(rcv_local->addr) << 32 | SK_NTOHL(rcv_remote->addr);
	*obj_b = SOCK_OBJ_INET | (rcv_local->v6 ? SOCK_OBJ_V6 : 0) |
		 (__u64)rcv_local->port << 16 | rcv_remote->port;
}

/* The UDP object: the receiving port on loopback. */
static inline void sk_udp_key(__u16 port, __u64 *obj_a, __u64 *obj_b)
{
	*obj_a = 0;
	*obj_b = SOCK_OBJ_INET | SOCK_OBJ_UDP | port;
}

/* A unix socket object: its inode. */
static inline void sk_unix_key(__u64 ino, __u64 *obj_a, __u64 *obj_b)
{
	*obj_a = SOCK_OBJ_UNIX;
	*obj_b = ino;
}

#endif /* IPCTRACE_SOCK_KEY_H */

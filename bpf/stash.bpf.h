/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * The per-thread syscall stash, shared by pipe.bpf.c and sock.bpf.c: one
 * entry from sys_enter to sys_exit.
 *
 * read/write/readv/writev/splice/sendfile are hooked once, in pipe.bpf.c,
 * which resolves the fds anyway: it stashes pipes and FIFOs (accounted at
 * its sys_exit) and marks sockets (`sock`), whose bytes sock.bpf.c counts in
 * the sock_send_length/sock_recv_length tracepoints, inside the syscall.
 * The socket-only syscalls (sendto, recvmsg, ...) are stashed by
 * sock.bpf.c itself.  The maps are __weak, like common.bpf.h's, so that
 * both files link to the same ones.
 */
#ifndef IPCTRACE_STASH_BPF_H
#define IPCTRACE_STASH_BPF_H

#include "common.bpf.h"
#include "wake.bpf.h"
#include "event.bpf.h"

#define S_IFSOCK 0140000

/* What pipe_stash.uptr points to, for the socket syscalls. */
enum sock_call {
	SOCK_CALL_NONE = 0,   /* read, write, splice, ...: nothing */
	SOCK_CALL_SENDTO,     /* the destination sockaddr (may be NULL) */
	SOCK_CALL_RECVFROM,   /* the source address buffer (may be NULL) */
	SOCK_CALL_SENDMSG,    /* struct user_msghdr */
	SOCK_CALL_RECVMSG,    /* struct user_msghdr */
	SOCK_CALL_SENDMMSG,   /* struct mmsghdr[] */
	SOCK_CALL_RECVMMSG,   /* struct mmsghdr[] */
};

/*
 * In three parts, so that a pipe's call stores only the first: the call's
 * own facts (every call), a socket call's (valid while sock != 0: stale
 * from an earlier call otherwise, and every reader tests sock first), and
 * -m file's (valid while file != 0).  stash_set() copies what is valid.
 */
struct pipe_stash {
	/* ---- every call ---- */
	__u64 ts;           /* sys_enter; 0 = no call in progress */
	__u64 start_ns;
	struct obj_key in;  /* object read from (rx), mech_in != 0 */
	struct obj_key out; /* object written to (tx), mech_out != 0 */
	__u8 mech_in;
	__u8 mech_out;
	__u8 sock;          /* a socket is involved: sock.bpf.c counts it */
	/* file_in or file_out is set (file.bpf.h), tested instead of them */
	__u8 file;
	/*
	 * fast_task: this thread's process is in the traced set (a cache of the
	 * `traced` lookup: a traced process stays traced until it exits, and the
	 * storage goes with the thread).  Kept across calls.
	 */
	__u8 wanted;
	__u8 pad[3];
	__u64 nvcsw;        /* fast_task: voluntary context switches at sys_enter (wake-ups) */

	/* ---- a socket call (sock != 0) ---- */
	__u8 call;          /* enum sock_call */
	__u8 sock_rx;       /* a socket call that receives: it can make room for a sender */
	__u8 woke;          /* a wake-up of this call was counted (recvmmsg: once) */
	__u8 wake_tcp;      /* wake_sk is a TCP sock not yet checked against this call's */
	__u32 nmsg;         /* socket messages so far in this call (sendmmsg's index) */
	__u64 sock_ts;      /* end of the previous socket message, at first ts */
	__u64 uptr;         /* user pointer, see enum sock_call */
	__u64 dest_sk;      /* unix datagram: the receiving sock named by sk_data_ready */
	/* a datagram that reached a wildcard UDP socket: counted at sys_exit if local */
	__u64 udp_bytes;
	__u64 udp_dt;
	__u32 udp_port;
	__s32 fd;           /* the socket fd this call receives from (sock_rx) or sends on */
	/*
	 * fast_task: a connected unix stream or seqpacket socket that this
	 * read/write/splice/sendfile moves bytes on, read with plain loads at
	 * sys_enter so that sock.bpf.c needs no probe reads for it.  sk 0:
	 * none; peer_ino 0: no peer, or one without an inode yet.  For a TCP
	 * or UDP socket only sk is set (sk_type 0): its wake-ups need it.
	 */
	__u16 sk_type;
	__u16 sk_pad[3];
	__u64 sk;
	__u64 sk_ino;
	__u64 peer;
	__u64 peer_ino;
	__u64 wake_sk;      /* the receiving sock this call's data reached (sk_data_ready) */

	/* ---- -m file (file != 0) ---- */
	/* a write by a process outside the traced set to a file a traced one wrote; only file_out */
	__u8 file_untraced;
	__u8 file_pad[7];
	/* the regular files read from and written to (struct file *), 0: none */
	__u64 file_in;
	__u64 file_out;
	__u64 off_in;       /* their offset arguments (splice, sendfile), or FILE_OFF_CUR */
	__u64 off_out;
};

#define STASH_SOCK_OFF __builtin_offsetof(struct pipe_stash, call)
#define STASH_FILE_OFF __builtin_offsetof(struct pipe_stash, file_untraced)
_Static_assert(STASH_SOCK_OFF % 8 == 0 && STASH_FILE_OFF % 8 == 0 &&
	       sizeof(struct pipe_stash) % 8 == 0, "pipe_stash parts are copied in 8-byte words");

/*
 * --events (event.bpf.h): what a pipe or socket call's record needs, per
 * thread, apart from the stash: the stash is built on the stack and
 * copied into its slot at every traced call, and without --events none of
 * this is touched.
 */
struct pipe_ev {
	__u64 ev_req;       /* what the call asked for: bytes (a count, a length, iovecs' sum) */
	__u64 ev_pipe_in;   /* struct pipe_inode_info * of the pipe or FIFO read from, 0: none */
	__u64 ev_pipe_out;  /* ... written to */
	__u32 ev_used_in;   /* their buffers in use at entry */
	__u32 ev_used_out;
	__u16 ev_op;        /* enum ipc_ev_op */
	/* --events on a socket (sock.bpf.c notes them per message, sock_event.bpf.h emits) */
	__u8 ev_mech;       /* the object's mech; 0: no loopback or unix object seen */
	__u8 ev_dir;        /* DIR_TX or DIR_RX */
	__u8 ev_defer;      /* the object is a wildcard UDP socket's: loopback if the source is */
	__u8 ev_pad;
	__u16 ev_creds;     /* SCM_CREDENTIALS messages sent */
	struct obj_key ev_obj; /* keyed as the endpoints: the receiving socket */
	__u64 ev_sk;        /* struct sock * the call used */
	__u64 ev_rsk;       /* the receiving struct sock *, 0: not known (yet) */
	__u64 ev_moved;     /* bytes its messages moved */
	__u32 ev_msgs;      /* messages that moved bytes */
	__u32 ev_fds;       /* SCM_RIGHTS fds sent */
};

struct {
	__uint(type, BPF_MAP_TYPE_TASK_STORAGE);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__type(key, int);
	__type(value, struct pipe_ev);
} pipe_evtstash SEC(".maps") __weak;

/* Without task storage: by tid; a page without --events (the loader shrinks the unused one). */
struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, 16384);
	__type(key, __u32);
	__type(value, struct pipe_ev);
} pipe_evstash SEC(".maps") __weak;

/* The current thread's record facts; create: a new call's, zeroed.  NULL without --events. */
static __always_inline struct pipe_ev *pipe_ev_get(bool create)
{
	struct pipe_ev *ev;
	__u32 tid;

	if (!want_events)
		return NULL;
	if (fast_task) {
		ev = bpf_task_storage_get(&pipe_evtstash, bpf_get_current_task_btf(), 0,
					  create ? BPF_LOCAL_STORAGE_GET_F_CREATE : 0);
	} else {
		tid = (__u32)bpf_get_current_pid_tgid();
		ev = bpf_map_lookup_elem(&pipe_evstash, &tid);
		if (!ev && create) {
			struct pipe_ev zero = {};

			bpf_map_update_elem(&pipe_evstash, &tid, &zero, BPF_ANY);
			ev = bpf_map_lookup_elem(&pipe_evstash, &tid);
		}
	}
	if (ev && create)
		__builtin_memset(ev, 0, sizeof(*ev));
	return ev;
}

/*
 * The syscall in progress, per thread: in task storage when the kernel
 * allows it from tracepoints (freed with the task, no hashing), else in an
 * LRU hash (a thread killed mid-syscall never reaches sys_exit: LRU keeps
 * that bounded).  The loader turns the unused one into a 1-entry array.
 */
struct {
	__uint(type, BPF_MAP_TYPE_TASK_STORAGE);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__type(key, int);
	__type(value, struct pipe_stash);
} pipe_tstash SEC(".maps") __weak;

struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, 16384);
	__type(key, __u64);
	__type(value, struct pipe_stash);
} pipe_stash SEC(".maps") __weak;

/*
 * Store st (built on the stack) into slot, the part of it that is valid:
 * a pipe's read or write copies 64 bytes, not the whole stash.
 */
static __always_inline void stash_copy(struct pipe_stash *slot, const struct pipe_stash *st,
				       unsigned int from, unsigned int to)
{
	/* in 8-byte words: the verifier wants the pointers in it stored whole */
	__u64 *d = (__u64 *)slot;
	const __u64 *s = (const __u64 *)st;

	for (unsigned int i = from / 8; i < to / 8; i++)
		d[i] = s[i];
}

static __always_inline void stash_set(struct pipe_stash *slot, const struct pipe_stash *st)
{
	stash_copy(slot, st, 0, STASH_SOCK_OFF);
	if (st->sock)
		stash_copy(slot, st, STASH_SOCK_OFF, STASH_FILE_OFF);
	if (mech_wanted(MECH_FILE) && st->file)
		stash_copy(slot, st, STASH_FILE_OFF, sizeof(*st));
}

/* Store st as the current thread's call in progress. */
static __always_inline void stash_put(__u64 id, const struct pipe_stash *st)
{
	struct pipe_stash *slot;

	if (fast_task) {
		slot = bpf_task_storage_get(&pipe_tstash, bpf_get_current_task_btf(), 0,
					    BPF_LOCAL_STORAGE_GET_F_CREATE);
		if (slot) {
			__u8 wanted = slot->wanted;

			*slot = *st;
			slot->wanted = wanted;
		} else
			stat_inc(STAT_STASH_FULL);
	} else if (bpf_map_update_elem(&pipe_stash, &id, st, BPF_ANY)) {
		stat_inc(STAT_STASH_FULL);
	}
}

/* The current thread's call in progress, or NULL. */
static __always_inline struct pipe_stash *stash_get(__u64 id)
{
	struct pipe_stash *st;

	if (fast_task)
		st = bpf_task_storage_get(&pipe_tstash, bpf_get_current_task_btf(), 0, 0);
	else
		st = bpf_map_lookup_elem(&pipe_stash, &id);
	return st && st->ts ? st : NULL;
}

/* The call is over. */
static __always_inline void stash_done(__u64 id, struct pipe_stash *st)
{
	if (fast_task)
		st->ts = 0; /* the storage itself lives as long as the thread */
	else
		bpf_map_delete_elem(&pipe_stash, &id);
}

/* The sock a socket fd refers to, by probe reads (only when a wake-up needs it). */
static __always_inline __u64 fd_sock(int fd)
{
	struct file *file = fd >= 0 ? current_fd_file(fd) : NULL;
	struct socket *sock;

	if (!file)
		return 0;
	sock = BPF_CORE_READ(file, private_data);
	return (__u64)BPF_CORE_READ(sock, sk);
}

#define SOCK_MECH_MASK (MECH_BIT(MECH_UNIX_STREAM) | MECH_BIT(MECH_UNIX_DGRAM) | \
			MECH_BIT(MECH_UNIX_SEQPACKET) | MECH_BIT(MECH_TCP) | MECH_BIT(MECH_UDP))

/* Is any socket mechanism selected?  A constant once the loader set mech_mask. */
static __always_inline bool sock_wanted(void)
{
	return mech_mask & SOCK_MECH_MASK;
}

#endif /* IPCTRACE_STASH_BPF_H */

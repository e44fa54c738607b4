// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * Pipes and FIFOs.  At sys_enter the fd is resolved once to its inode; only
 * when it is a pipe (anonymous: pipefs) or a FIFO (any other fs) is the
 * syscall stashed.  At sys_exit the return value is what actually moved, and
 * exit - enter is the time spent (blocked on an empty or full pipe).
 * A socket fd is only marked in the stash, for sock.bpf.c (see stash.bpf.h).
 */
#include "common.bpf.h"
#include <bpf/bpf_endian.h>

/* struct pipe_stash and its maps are in stash.bpf.h, shared with sock.bpf.c */
#include "stash.bpf.h"
#include "path.bpf.h"
#include "file.bpf.h"
#include "sock_event.bpf.h"

/* A FIFO's path: recorded once, at the first operation ipctrace sees on it. */
static __always_inline void fifo_record_name(struct file *file, const struct obj_key *ok)
{
	path_record_name(file, ok, MECH_FIFO);
}

/*
 * bpf_rdonly_cast() gives a pointer a BTF type for the verifier and compiles
 * to a register move: with it the fd table's slot, and everything behind it,
 * is read with plain loads (which fault safely) instead of one probe-read
 * helper call each.  Declared here and in no other .bpf.c: libbpf 1.1's
 * static linker fails on a kfunc extern that two objects declare ("failed
 * to resolve size of underlying type").  The loader uses the fast path only
 * when the kernel has it (probe_fast_task()).
 */
extern void *bpf_rdonly_cast(void *obj, __u32 btf_id) __ksym __weak;

/*
 * fast_task: task->files->fdt->fd[fd] with plain loads only.  The slot is
 * typed through struct kiocb, whose first member has been a struct file *
 * (ki_filp) on every kernel; should that ever move, the probe read is used.
 */
static __always_inline struct file *fast_fd_file(struct task_struct *task, int fd)
{
	struct fdtable *fdt = task->files->fdt;
	struct kiocb *slot;
	void *fds;

	/* a NULL files (exiting task) reads as 0: max_fds 0 */
	if ((__u32)fd >= fdt->max_fds)
		return NULL;
	if (bpf_core_field_offset(struct kiocb, ki_filp) != 0)
		return task_btf_fd_file(task, fd);
	fds = (void *)fdt->fd;
	slot = bpf_rdonly_cast(fds + (__u64)(__u32)fd * sizeof(struct file *),
			       bpf_core_type_id_kernel(struct kiocb));
	return slot->ki_filp;
}

#define AF_UNIX 1
#define AF_INET 2
#define AF_INET6 10

/*
 * fast_task: the facts sock.bpf.c needs of a unix stream or seqpacket
 * socket's file, into st (see struct pipe_stash): the struct socket is the
 * file's private_data, the peer unix_sk(sk)->peer, ino the file's inode.
 */
static __always_inline void unix_facts(struct file *file, __u64 ino, struct pipe_stash *st)
{
	struct socket *sock;
	struct unix_sock *u;
	struct sock *sk = NULL, *peer;
	__u16 type, family;

	sock = bpf_rdonly_cast(file->private_data, bpf_core_type_id_kernel(struct socket));
	sk = sock->sk;
	if (!sk)
		return;
	family = sk->__sk_common.skc_family;
	/* TCP, UDP: the sock itself, for wake-ups (pipe_waking()) */
	if (family == AF_INET || family == AF_INET6) {
		st->sk = (__u64)sk;
		return;
	}
	if (!(mech_mask & (MECH_BIT(MECH_UNIX_STREAM) | MECH_BIT(MECH_UNIX_SEQPACKET))) ||
	    !bpf_core_field_exists(sk->sk_ino) || family != AF_UNIX)
		return;
	type = sk->sk_type;
	if (type != SOCK_STREAM && type != SOCK_SEQPACKET)
		return;
	u = bpf_rdonly_cast(sk, bpf_core_type_id_kernel(struct unix_sock));
	peer = u->peer;
	st->sk = (__u64)sk;
	st->sk_type = type;
	st->sk_ino = ino;
	st->peer = (__u64)peer;
	st->peer_ino = peer ? peer->sk_ino : 0;
}

/*
 * Is this fd a pipe or FIFO we want?  Fills the object key, returns the mech.
 * A socket, when a socket mechanism is wanted, sets st->sock (and its unix facts) instead;
 * a regular file, when -m file is, goes into *freg (file.bpf.h).
 */
static __always_inline __u8 pipe_resolve(struct file *file, struct obj_key *ok,
					  struct pipe_stash *st, __u64 *freg, __u64 *evp)
{
	struct inode_facts in;
	__u64 magic;
	__u32 dev;
	__u8 mech;

	if (!file)
		return 0;
	if (fast_task) {
		/* plain loads through the BTF pointer fast_fd_file() returned */
		struct inode *inode = file->f_inode;

		in.mode = inode->i_mode;
		in.ino = inode->i_ino;
		in.sb = inode->i_sb;
	} else if (inode_facts(BPF_CORE_READ(file, f_inode), &in)) {
		return 0;
	}
	if ((in.mode & S_IFMT) == S_IFSOCK && sock_wanted()) {
		st->sock = 1;
		if (fast_task && !st->sk)
			unix_facts(file, in.ino, st);
		return 0;
	}
	/* without -m file the verifier drops this test: mech_mask is a constant */
	if (mech_wanted(MECH_FILE) && (in.mode & S_IFMT) == S_IFREG) {
		*freg = (__u64)file;
		st->file = 1;
		return 0;
	}
	if ((in.mode & S_IFMT) != S_IFIFO)
		return 0;
	if (fast_task) {
		dev = in.sb->s_dev;
		magic = in.sb->s_magic;
	} else if (sb_facts(in.sb, &dev, &magic)) {
		return 0;
	}
	mech = magic == PIPEFS_MAGIC ? MECH_PIPE : MECH_FIFO;
	if (!mech_wanted(mech))
		return 0;
	ok->obj_a = dev;
	ok->obj_b = in.ino;
	if (mech == MECH_FIFO)
		fifo_record_name(file, ok);
	/* --events: the pipe itself (a pipe's and a FIFO's file's private_data), for its state */
	if (want_events)
		*evp = fast_task ? (__u64)file->private_data : (__u64)BPF_CORE_READ(file, private_data);
	return mech;
}

/* -m file: anything for file.bpf.h in st?  (Always false without -m file.) */
static __always_inline bool file_any(const struct pipe_stash *st)
{
	return mech_wanted(MECH_FILE) && st->file;
}

/*
 * -m file, a process outside the traced set: only its write to a file a
 * traced process wrote matters (it replaces those bytes); keep that alone.
 */
static __always_inline bool file_keep_untraced(struct pipe_stash *st)
{
	if (!mech_wanted(MECH_FILE) || !filter_traced || !st->file_out ||
	    !file_known((struct file *)st->file_out))
		return false;
	st->mech_in = st->mech_out = st->sock = 0;
	st->sk = 0;
	st->file_in = 0;
	st->file_untraced = 1;
	return true;
}

/* -m file: the offsets of splice and sendfile, read before the call moves them. */
static __always_inline void file_offsets(struct pipe_stash *st, __u64 offp_in, __u64 offp_out)
{
	if (!mech_wanted(MECH_FILE))
		return;
	st->off_in = st->file_in ? file_off_arg(offp_in) : 0;
	st->off_out = st->file_out ? file_off_arg(offp_out) : 0;
}

/* ---- --events (event.bpf.h): the pipe's state, read where the kernel keeps it ---- */

/* Buffers in use (head - tail) of a struct pipe_inode_info *; 0 for none. */
static __always_inline __u32 pipe_used(__u64 pp)
{
	struct pipe_inode_info *pipe = (struct pipe_inode_info *)pp;

	if (!pp)
		return 0;
	return BPF_CORE_READ(pipe, head) - BPF_CORE_READ(pipe, tail);
}

/* Bytes in the first EV_BUFS_MAX buffers in use (all of them, but for a pipe grown larger). */
#define EV_BUFS_MAX 16
static __always_inline __u64 pipe_bytes(struct pipe_inode_info *pipe)
{
	__u32 head = BPF_CORE_READ(pipe, head), tail = BPF_CORE_READ(pipe, tail);
	__u32 mask = BPF_CORE_READ(pipe, ring_size) - 1;
	struct pipe_buffer *bufs = BPF_CORE_READ(pipe, bufs);
	__u64 sum = 0;

	for (int i = 0; i < EV_BUFS_MAX; i++) {
		if (tail + i == head)
			break;
		sum += BPF_CORE_READ(&bufs[(tail + i) & mask], len);
	}
	return sum;
}

/* The sum of the first iovecs' lengths of readv/writev/vmsplice (what the call asks for). */
#define EV_IOV_MAX 16
static __always_inline __u64 iov_sum(__u64 uiov, __u64 cnt)
{
	struct iovec v;
	__u64 sum = 0;

	for (int i = 0; i < EV_IOV_MAX; i++) {
		if (i >= cnt)
			break;
		if (bpf_probe_read_user(&v, sizeof(v), (void *)(uiov + i * sizeof(v))))
			break;
		sum += v.iov_len;
	}
	return sum;
}

/* Entry of a call that is stashed: what it asks, the pipes' state, and arm the woke list. */
static __always_inline void pipe_ev_enter(const struct pipe_stash *st, __u16 op, __u64 req,
					  __u64 pp_in, __u64 pp_out)
{
	struct pipe_ev *ev = pipe_ev_get(true);

	if (!ev)
		return;
	ev->ev_op = op;
	ev->ev_req = req;
	ev->ev_pipe_in = pp_in;
	ev->ev_pipe_out = pp_out;
	ev->ev_used_in = pipe_used(pp_in);
	ev->ev_used_out = pipe_used(pp_out);
	ev_begin(st->ts);
}

/*
 * One record for one end of the call (a splice between two pipes has two):
 * state[] = buffers in use at entry, at return, max_usage, ring_size,
 * readers, writers, bytes in the buffers at return (the first 16 of them).
 */
static __always_inline void pipe_ev_emit(const struct pipe_stash *st, const struct pipe_ev *ev,
					 long ret, __u8 mech, const struct obj_key *ok, __u8 dir,
					 __u64 pp, __u32 used0)
{
	struct pipe_inode_info *pipe = (struct pipe_inode_info *)pp;
	struct ipc_event *e = ev_reserve(mech, ev->ev_op, st->start_ns);

	if (!e)
		return;
	e->obj_a = ok->obj_a;
	e->obj_b = ok->obj_b;
	e->dir = dir;
	e->ret = ret;
	e->bytes = ev->ev_req;
	ev_blocked(e, st->ts, slept_since(st->nvcsw));
	if (pp) {
		e->state[0] = used0;
		e->state[1] = pipe_used(pp);
		e->state[2] = BPF_CORE_READ(pipe, max_usage);
		e->state[3] = BPF_CORE_READ(pipe, ring_size);
		e->state[4] = BPF_CORE_READ(pipe, readers);
		e->state[5] = BPF_CORE_READ(pipe, writers);
		e->state[6] = pipe_bytes(pipe);
	}
	ev_submit(e);
}

/* A stashed call's records at its exit: each pipe end's, or the socket's. */
static __always_inline void pipe_ev_exit(const struct pipe_stash *st, long ret)
{
	struct pipe_ev *ev = pipe_ev_get(false);

	if (!ev)
		return;
	if (st->mech_in)
		pipe_ev_emit(st, ev, ret, st->mech_in, &st->in, DIR_RX, ev->ev_pipe_in,
			     ev->ev_used_in);
	if (st->mech_out)
		pipe_ev_emit(st, ev, ret, st->mech_out, &st->out, DIR_TX, ev->ev_pipe_out,
			     ev->ev_used_out);
	/* a socket's: its object and messages noted by sock.bpf.c during the call */
	if (st->sock)
		sock_ev_emit(st, ev, ret);
}

/*
 * The fast path (fast_task): the fds are resolved first, with plain loads,
 * so that a thread's reads and writes of anything but a pipe, FIFO or
 * socket cost no map access at all.  The traced-set lookup of `-- COMMAND`
 * mode is then done once per thread and remembered in its stash.
 */
static __always_inline int pipe_enter_fast(int fd_in, int fd_out, bool by_mode,
					   __u64 offp_in, __u64 offp_out, __u16 op, __u64 req)
{
	struct task_struct *task = bpf_get_current_task_btf();
	struct task_struct *t = bpf_rdonly_cast(task, bpf_core_type_id_kernel(struct task_struct));
	struct pipe_stash st = {}, *slot;
	__u64 pp_in = 0, pp_out = 0; /* --events: the pipes' pipe_inode_info */
	__u32 tgid = t->tgid;
	struct file *file;

	if (tgid == self_tgid)
		return 0;
	if (by_mode) {
		/* vmsplice: fd_in, whose direction is its open mode */
		file = fast_fd_file(t, fd_in);
		if (file && (file->f_mode & FMODE_WRITE))
			st.mech_out = pipe_resolve(file, &st.out, &st, &st.file_out, &pp_out);
		else
			st.mech_in = pipe_resolve(file, &st.in, &st, &st.file_in, &pp_in);
	} else {
		if (fd_in >= 0) {
			st.mech_in = pipe_resolve(fast_fd_file(t, fd_in), &st.in, &st, &st.file_in,
						  &pp_in);
			/* reading a socket can make room for its peer's blocked sender */
			st.sock_rx = st.sock;
		}
		if (fd_out >= 0)
			st.mech_out = pipe_resolve(fast_fd_file(t, fd_out), &st.out, &st,
						   &st.file_out, &pp_out);
	}
	if (!st.mech_in && !st.mech_out && !st.sock && !file_any(&st))
		return 0;
	slot = bpf_task_storage_get(&pipe_tstash, task, 0, 0);
	/* not known to be traced (yet): ask; the yes is kept in the slot below */
	if (filter_traced && !(slot && slot->wanted) && !bpf_map_lookup_elem(&traced, &tgid) &&
	    !file_keep_untraced(&st))
		return 0;
	file_offsets(&st, offp_in, offp_out);
	if (!slot)
		slot = bpf_task_storage_get(&pipe_tstash, task, 0, BPF_LOCAL_STORAGE_GET_F_CREATE);
	if (!slot) {
		stat_inc(STAT_STASH_FULL);
		return 0;
	}
	st.wanted = !st.file_untraced;
	st.fd = st.sock_rx ? fd_in : fd_out;
	st.nvcsw = t->nvcsw;
	st.start_ns = t->group_leader->start_boottime;
	st.ts = bpf_ktime_get_ns();
	st.sock_ts = st.ts;
	if (want_events)
		pipe_ev_enter(&st, op, req, pp_in, pp_out);
	stash_set(slot, &st);
	return 0;
}

/* The fallback: a hash-map stash and probe reads.  in is read from, out written to. */
static __always_inline int pipe_enter_slow(__u64 id, struct file *in, struct file *out,
					   int fd_in, int fd_out, __u64 offp_in, __u64 offp_out,
					   __u16 op, __u64 req)
{
	struct pipe_stash st = {};
	__u64 pp_in = 0, pp_out = 0;

	st.mech_in = pipe_resolve(in, &st.in, &st, &st.file_in, &pp_in);
	st.sock_rx = st.sock;
	st.mech_out = pipe_resolve(out, &st.out, &st, &st.file_out, &pp_out);
	st.fd = st.sock_rx ? fd_in : fd_out;
	if (!st.mech_in && !st.mech_out && !st.sock && !file_any(&st))
		return 0;
	file_offsets(&st, offp_in, offp_out);
	st.ts = bpf_ktime_get_ns();
	st.sock_ts = st.ts;
	st.start_ns = current_start_ns();
	if (want_events)
		pipe_ev_enter(&st, op, req, pp_in, pp_out);
	if (bpf_map_update_elem(&pipe_stash, &id, &st, BPF_ANY))
		stat_inc(STAT_STASH_FULL);
	return 0;
}

/*
 * The fallback path for a process outside the traced set, -m file only: its
 * write to a file a traced process wrote.
 */
static __always_inline int pipe_enter_slow_untraced(__u64 id, int fd_out, __u64 offp_out)
{
	struct pipe_stash st = {};
	struct file *out;

	if (!mech_wanted(MECH_FILE) || !filter_traced || (id >> 32) == self_tgid || fd_out < 0)
		return 0;
	out = current_fd_file(fd_out);
	if (!file_regular(out))
		return 0;
	st.file_out = (__u64)out;
	st.file = 1;
	if (!file_keep_untraced(&st))
		return 0;
	file_offsets(&st, 0, offp_out);
	st.ts = bpf_ktime_get_ns();
	st.start_ns = current_start_ns();
	if (bpf_map_update_elem(&pipe_stash, &id, &st, BPF_ANY))
		stat_inc(STAT_STASH_FULL);
	return 0;
}

/* offp_in, offp_out: user pointers to the calls' offsets (splice, sendfile), or 0. */
static __always_inline int pipe_enter_off(int fd_in, int fd_out, __u64 offp_in, __u64 offp_out,
					  __u16 op, __u64 req)
{
	__u64 id;

	if (bench_noop)
		return 0;
	if (fast_task)
		return pipe_enter_fast(fd_in, fd_out, false, offp_in, offp_out, op, req);
	id = bpf_get_current_pid_tgid();
	if (!tgid_wanted(id >> 32))
		return pipe_enter_slow_untraced(id, fd_out, offp_out);
	return pipe_enter_slow(id, fd_in >= 0 ? current_fd_file(fd_in) : NULL,
			       fd_out >= 0 ? current_fd_file(fd_out) : NULL, fd_in, fd_out,
			       offp_in, offp_out, op, req);
}

static __always_inline int pipe_enter(int fd_in, int fd_out, __u16 op, __u64 req)
{
	return pipe_enter_off(fd_in, fd_out, 0, 0, op, req);
}

/*
 * A read or write of a pipe or FIFO that slept: was it released by a
 * traced writer (data) or reader (room) through the same object?
 */
static __always_inline void pipe_woken(const struct pipe_stash *st, __u32 tgid, __u32 tid)
{
	const struct ipc_woken *r;

	if (!slept_since(st->nvcsw))
		return;
	r = tid_woken_since(tid, st->ts);
	if (!r)
		return;
	if (st->mech_in && r->data_mech == st->mech_in && r->data.obj_a == st->in.obj_a &&
	    r->data.obj_b == st->in.obj_b)
		wake_count(r, tgid, st->start_ns, st->mech_in, st->in.obj_a, st->in.obj_b, false,
			   st->ts);
	else if (st->mech_out && r->room_mech == st->mech_out && r->room.obj_a == st->out.obj_a &&
		 r->room.obj_b == st->out.obj_b)
		wake_count(r, tgid, st->start_ns, st->mech_out, st->out.obj_a, st->out.obj_b, true,
			   st->ts);
}

static __always_inline int pipe_exit(long ret)
{
	struct task_struct *task = NULL;
	struct pipe_stash *st;
	struct ep_key key = {};
	__u64 id = 0, dt;

	if (bench_noop)
		return 0;
	if (fast_task) {
		task = bpf_get_current_task_btf();
		st = bpf_task_storage_get(&pipe_tstash, task, 0, 0);
	} else {
		id = bpf_get_current_pid_tgid();
		st = bpf_map_lookup_elem(&pipe_stash, &id);
	}
	if (!st || !st->ts)
		return 0;
	if (file_any(st)) {
		__u32 tgid = fast_task ? task->tgid : id >> 32;

		if (st->file_in)
			file_emit(FILE_EV_READ, (struct file *)st->file_in, st->off_in, ret, true,
				  tgid, st->start_ns);
		if (st->file_out)
			file_emit(FILE_EV_WRITE, (struct file *)st->file_out, st->off_out, ret,
				  !st->file_untraced, tgid, st->start_ns);
	}
	/* a socket's bytes were counted by sock.bpf.c: nothing to do here */
	if (ret > 0 && (st->mech_in || st->mech_out)) {
		dt = bpf_ktime_get_ns() - st->ts;
		key.tgid = fast_task ? task->tgid : id >> 32;
		key.start_ns = st->start_ns;
		if (st->mech_in) {
			key.mech = st->mech_in;
			key.dir = DIR_RX;
			key.obj_a = st->in.obj_a;
			key.obj_b = st->in.obj_b;
			ep_account(&key, ret, dt);
		}
		if (st->mech_out) {
			key.mech = st->mech_out;
			key.dir = DIR_TX;
			key.obj_a = st->out.obj_a;
			key.obj_b = st->out.obj_b;
			ep_account(&key, ret, dt);
		}
	}
	if (st->mech_in || st->mech_out)
		pipe_woken(st, fast_task ? task->tgid : id >> 32, fast_task ? task->pid : (__u32)id);
	if (want_events)
		pipe_ev_exit(st, ret);
	if (fast_task)
		st->ts = 0; /* consumed; the storage itself lives as long as the thread */
	else
		bpf_map_delete_elem(&pipe_stash, &id);
	return 0;
}

/* Only the arguments each syscall has are read: reading past the arity fails to attach. */
SEC("tracepoint/syscalls/sys_enter_read")
int pipe_enter_read(struct trace_event_raw_sys_enter *ctx)
{
	return pipe_enter(ctx->args[0], -1, EV_OP_READ, ctx->args[2]);
}

SEC("tracepoint/syscalls/sys_enter_readv")
int pipe_enter_readv(struct trace_event_raw_sys_enter *ctx)
{
	return pipe_enter(ctx->args[0], -1, EV_OP_READV,
			  want_events ? iov_sum(ctx->args[1], ctx->args[2]) : 0);
}

SEC("tracepoint/syscalls/sys_enter_write")
int pipe_enter_write(struct trace_event_raw_sys_enter *ctx)
{
	return pipe_enter(-1, ctx->args[0], EV_OP_WRITE, ctx->args[2]);
}

SEC("tracepoint/syscalls/sys_enter_writev")
int pipe_enter_writev(struct trace_event_raw_sys_enter *ctx)
{
	return pipe_enter(-1, ctx->args[0], EV_OP_WRITEV,
			  want_events ? iov_sum(ctx->args[1], ctx->args[2]) : 0);
}

/* splice(fd_in, off_in, fd_out, off_out, len, flags) */
SEC("tracepoint/syscalls/sys_enter_splice")
int pipe_enter_splice(struct trace_event_raw_sys_enter *ctx)
{
	int fd_in = ctx->args[0], fd_out = ctx->args[2];

	return pipe_enter_off(fd_in, fd_out, ctx->args[1], ctx->args[3], EV_OP_SPLICE, ctx->args[4]);
}

/* tee(fd_in, fd_out, len, flags): fd_in's data is copied, counted as read. */
/*
 * tee(fd_in, fd_out, len, flags) duplicates fd_in's bytes into fd_out
 * without consuming them: counted as written into fd_out only.  Counting it
 * as a read of fd_in too (DESIGN.md's first rule) would deliver the same
 * bytes twice once the reader drains fd_in; docs/semantics.md says so.
 */
SEC("tracepoint/syscalls/sys_enter_tee")
int pipe_enter_tee(struct trace_event_raw_sys_enter *ctx)
{
	return pipe_enter(-1, ctx->args[1], EV_OP_TEE, ctx->args[2]);
}

/* sendfile(out_fd, in_fd, offset, count) */
SEC("tracepoint/syscalls/sys_enter_sendfile64")
int pipe_enter_sendfile(struct trace_event_raw_sys_enter *ctx)
{
	int fd_out = ctx->args[0], fd_in = ctx->args[1];

	return pipe_enter_off(fd_in, fd_out, ctx->args[2], 0, EV_OP_SENDFILE, ctx->args[3]);
}

/*
 * vmsplice(fd, iov, nr, flags): user pages go into the pipe when it is open
 * for writing, come out of it when open for reading (fs/splice.c).
 */
SEC("tracepoint/syscalls/sys_enter_vmsplice")
int pipe_enter_vmsplice(struct trace_event_raw_sys_enter *ctx)
{
	int fd = ctx->args[0];
	struct file *file;
	__u64 id, req;

	if (bench_noop)
		return 0;
	if (fast_task)
		return pipe_enter_fast(fd, -1, true, 0, 0, EV_OP_VMSPLICE,
				       want_events ? iov_sum(ctx->args[1], ctx->args[2]) : 0);
	id = bpf_get_current_pid_tgid();
	if (!tgid_wanted(id >> 32))
		return 0;
	file = current_fd_file(fd);
	if (!file)
		return 0;
	req = want_events ? iov_sum(ctx->args[1], ctx->args[2]) : 0;
	if (BPF_CORE_READ(file, f_mode) & FMODE_WRITE)
		return pipe_enter_slow(id, NULL, file, -1, fd, 0, 0, EV_OP_VMSPLICE, req);
	return pipe_enter_slow(id, file, NULL, fd, -1, 0, 0, EV_OP_VMSPLICE, req);
}

SEC("tracepoint/syscalls/sys_exit_read")
int pipe_exit_read(struct trace_event_raw_sys_exit *ctx)
{
	return pipe_exit(ctx->ret);
}

SEC("tracepoint/syscalls/sys_exit_readv")
int pipe_exit_readv(struct trace_event_raw_sys_exit *ctx)
{
	return pipe_exit(ctx->ret);
}

SEC("tracepoint/syscalls/sys_exit_write")
int pipe_exit_write(struct trace_event_raw_sys_exit *ctx)
{
	return pipe_exit(ctx->ret);
}

SEC("tracepoint/syscalls/sys_exit_writev")
int pipe_exit_writev(struct trace_event_raw_sys_exit *ctx)
{
	return pipe_exit(ctx->ret);
}

SEC("tracepoint/syscalls/sys_exit_splice")
int pipe_exit_splice(struct trace_event_raw_sys_exit *ctx)
{
	return pipe_exit(ctx->ret);
}

SEC("tracepoint/syscalls/sys_exit_tee")
int pipe_exit_tee(struct trace_event_raw_sys_exit *ctx)
{
	return pipe_exit(ctx->ret);
}

SEC("tracepoint/syscalls/sys_exit_sendfile64")
int pipe_exit_sendfile(struct trace_event_raw_sys_exit *ctx)
{
	return pipe_exit(ctx->ret);
}

SEC("tracepoint/syscalls/sys_exit_vmsplice")
int pipe_exit_vmsplice(struct trace_event_raw_sys_exit *ctx)
{
	return pipe_exit(ctx->ret);
}

/* The one sched_waking program, of every mechanism: here for bpf_rdonly_cast(). */
#include "waking.bpf.h"

char LICENSE[] SEC("license") = "Dual BSD/GPL";

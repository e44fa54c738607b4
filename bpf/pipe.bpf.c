// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * Pipes and FIFOs.  At sys_enter the fd is resolved once to its inode; only
 * when it is a pipe (anonymous: pipefs) or a FIFO (any other fs) is the
 * syscall stashed.  At sys_exit the return value is what actually moved, and
 * exit - enter is the time spent (blocked on an empty or full pipe).
 */
#include "common.bpf.h"

struct pipe_stash {
	__u64 ts;
	__u64 start_ns;
	struct obj_key in;  /* object read from (rx), mech_in != 0 */
	struct obj_key out; /* object written to (tx), mech_out != 0 */
	__u8 mech_in;
	__u8 mech_out;
	__u8 pad[6];
};

/* A thread killed mid-syscall never reaches sys_exit: LRU keeps this bounded. */
struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, 16384);
	__type(key, __u64);
	__type(value, struct pipe_stash);
} pipe_stash SEC(".maps");

/* Per-CPU scratch for a FIFO's path: too large for the BPF stack. */
struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct obj_name);
} name_scratch SEC(".maps");

/*
 * Record a FIFO's path once, leaf first, crossing mount points up to the
 * root of the mount tree.  Done at the first operation ipctrace sees on the
 * FIFO (the open may predate ipctrace), so the name survives its processes.
 */
static __always_inline void fifo_record_name(struct file *file, const struct obj_key *ok)
{
	struct dentry *d, *parent, *root;
	struct mount *mnt, *pmnt;
	struct obj_name *n;
	__u32 zero = 0;

	if (bpf_map_lookup_elem(&objnames, ok))
		return;
	n = bpf_map_lookup_elem(&name_scratch, &zero);
	if (!n)
		return;
	n->depth = 0;
	n->truncated = 1;
	n->mech = MECH_FIFO;
	n->raw = 0;
	d = BPF_CORE_READ(file, f_path.dentry);
	mnt = (void *)BPF_CORE_READ(file, f_path.mnt) - bpf_core_field_offset(struct mount, mnt);

	for (int i = 0; i < IPC_PATH_DEPTH + 4; i++) {
		root = BPF_CORE_READ(mnt, mnt.mnt_root);
		parent = BPF_CORE_READ(d, d_parent);
		if (d == root || d == parent) {
			pmnt = BPF_CORE_READ(mnt, mnt_parent);
			if (pmnt == mnt) {
				n->truncated = 0;
				break;
			}
			d = BPF_CORE_READ(mnt, mnt_mountpoint);
			mnt = pmnt;
			continue;
		}
		if (n->depth >= IPC_PATH_DEPTH)
			break;
		bpf_probe_read_kernel_str(n->comp[n->depth & (IPC_PATH_DEPTH - 1)], IPC_NAME_LEN,
					  BPF_CORE_READ(d, d_name.name));
		n->depth++;
		d = parent;
	}
	if (bpf_map_update_elem(&objnames, ok, n, BPF_NOEXIST) && !bpf_map_lookup_elem(&objnames, ok))
		stat_inc(STAT_OBJ_FULL);
}

/* Is this fd a pipe or FIFO we want?  Fills the object key, returns the mech. */
static __always_inline __u8 pipe_resolve(struct task_struct *task, __u32 fd, struct obj_key *ok)
{
	struct file *file = task_fd_file(task, fd);
	struct inode *inode;
	__u8 mech;

	if (!file)
		return 0;
	inode = BPF_CORE_READ(file, f_inode);
	if ((BPF_CORE_READ(inode, i_mode) & S_IFMT) != S_IFIFO)
		return 0;
	mech = BPF_CORE_READ(inode, i_sb, s_magic) == PIPEFS_MAGIC ? MECH_PIPE : MECH_FIFO;
	if (!mech_wanted(mech))
		return 0;
	ok->obj_a = BPF_CORE_READ(inode, i_sb, s_dev);
	ok->obj_b = BPF_CORE_READ(inode, i_ino);
	if (mech == MECH_FIFO)
		fifo_record_name(file, ok);
	return mech;
}

/* fd_in is read from, fd_out written to; -1 for none.  Caller filtered. */
static __always_inline int pipe_stash_fds(struct task_struct *task, __u64 id, int fd_in, int fd_out)
{
	struct pipe_stash st = {};

	if (fd_in >= 0)
		st.mech_in = pipe_resolve(task, fd_in, &st.in);
	if (fd_out >= 0)
		st.mech_out = pipe_resolve(task, fd_out, &st.out);
	if (!st.mech_in && !st.mech_out)
		return 0;
	st.start_ns = task_start_ns(task);
	st.ts = bpf_ktime_get_ns();
	if (bpf_map_update_elem(&pipe_stash, &id, &st, BPF_ANY))
		stat_inc(STAT_STASH_FULL);
	return 0;
}

static __always_inline int pipe_enter(int fd_in, int fd_out)
{
	__u64 id = bpf_get_current_pid_tgid();

	if (bench_noop || !tgid_wanted(id >> 32))
		return 0;
	return pipe_stash_fds((struct task_struct *)bpf_get_current_task(), id, fd_in, fd_out);
}

static __always_inline int pipe_exit(long ret)
{
	__u64 id = bpf_get_current_pid_tgid();
	struct pipe_stash *st;
	struct ep_key key = {};
	__u64 dt;

	if (bench_noop)
		return 0;
	st = bpf_map_lookup_elem(&pipe_stash, &id);
	if (!st)
		return 0;
	if (ret > 0) {
		dt = bpf_ktime_get_ns() - st->ts;
		key.tgid = id >> 32;
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
	bpf_map_delete_elem(&pipe_stash, &id);
	return 0;
}

/* Only the arguments each syscall has are read: reading past the arity fails to attach. */
SEC("tracepoint/syscalls/sys_enter_read")
int pipe_enter_read(struct trace_event_raw_sys_enter *ctx)
{
	return pipe_enter(ctx->args[0], -1);
}

SEC("tracepoint/syscalls/sys_enter_readv")
int pipe_enter_readv(struct trace_event_raw_sys_enter *ctx)
{
	return pipe_enter(ctx->args[0], -1);
}

SEC("tracepoint/syscalls/sys_enter_write")
int pipe_enter_write(struct trace_event_raw_sys_enter *ctx)
{
	return pipe_enter(-1, ctx->args[0]);
}

SEC("tracepoint/syscalls/sys_enter_writev")
int pipe_enter_writev(struct trace_event_raw_sys_enter *ctx)
{
	return pipe_enter(-1, ctx->args[0]);
}

/* splice(fd_in, off_in, fd_out, off_out, len, flags) */
SEC("tracepoint/syscalls/sys_enter_splice")
int pipe_enter_splice(struct trace_event_raw_sys_enter *ctx)
{
	int fd_in = ctx->args[0], fd_out = ctx->args[2];

	return pipe_enter(fd_in, fd_out);
}

/* tee(fd_in, fd_out, len, flags): fd_in's data is copied, counted as read. */
SEC("tracepoint/syscalls/sys_enter_tee")
int pipe_enter_tee(struct trace_event_raw_sys_enter *ctx)
{
	int fd_in = ctx->args[0], fd_out = ctx->args[1];

	return pipe_enter(fd_in, fd_out);
}

/* sendfile(out_fd, in_fd, offset, count) */
SEC("tracepoint/syscalls/sys_enter_sendfile64")
int pipe_enter_sendfile(struct trace_event_raw_sys_enter *ctx)
{
	int fd_out = ctx->args[0], fd_in = ctx->args[1];

	return pipe_enter(fd_in, fd_out);
}

/*
 * vmsplice(fd, iov, nr, flags): user pages go into the pipe when it is open
 * for writing, come out of it when open for reading (fs/splice.c).
 */
SEC("tracepoint/syscalls/sys_enter_vmsplice")
int pipe_enter_vmsplice(struct trace_event_raw_sys_enter *ctx)
{
	struct task_struct *task = (struct task_struct *)bpf_get_current_task();
	__u64 id = bpf_get_current_pid_tgid();
	int fd = ctx->args[0];
	struct file *file;

	if (bench_noop || !tgid_wanted(id >> 32))
		return 0;
	file = task_fd_file(task, fd);
	if (!file)
		return 0;
	if (BPF_CORE_READ(file, f_mode) & FMODE_WRITE)
		return pipe_stash_fds(task, id, -1, fd);
	return pipe_stash_fds(task, id, fd, -1);
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

char LICENSE[] SEC("license") = "Dual BSD/GPL";

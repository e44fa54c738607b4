// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * Pipes and FIFOs.  At sys_enter the fd is resolved once to its inode; only
 * when it is a pipe (anonymous: pipefs) or a FIFO (any other fs) is the
 * syscall stashed.  At sys_exit the return value is what actually moved, and
 * exit - enter is the time spent (blocked on an empty or full pipe).
 * A socket fd is only marked in the stash, for sock.bpf.c (see stash.bpf.h).
 */
#include "common.bpf.h"

/* struct pipe_stash and its maps are in stash.bpf.h, shared with sock.bpf.c */
#include "stash.bpf.h"

/*
 * A FIFO's path is built in place in its objnames entry, inserted empty
 * from this template: too large for the BPF stack, and a per-CPU scratch
 * is not safe now that syscall tracepoint programs can be preempted.
 */
static const struct obj_name empty_name = { .truncated = 1, .mech = MECH_FIFO };

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
	__u32 depth = 0;

	if (bpf_map_lookup_elem(&objnames, ok))
		return;
	/*
	 * Only the user whose insert created the entry fills it in: two walkers
	 * appending to one entry would write the path twice.  The entry reads
	 * "truncated" until the walk is done, so the collector keeps it till then.
	 */
	if (bpf_map_update_elem(&objnames, ok, &empty_name, BPF_NOEXIST)) {
		if (!bpf_map_lookup_elem(&objnames, ok))
			stat_inc(STAT_OBJ_FULL);
		return;
	}
	n = bpf_map_lookup_elem(&objnames, ok);
	if (!n)
		return;
	d = BPF_CORE_READ(file, f_path.dentry);
	mnt = (void *)BPF_CORE_READ(file, f_path.mnt) - bpf_core_field_offset(struct mount, mnt);

	for (int i = 0; i < IPC_PATH_DEPTH + 4; i++) {
		root = BPF_CORE_READ(mnt, mnt.mnt_root);
		parent = BPF_CORE_READ(d, d_parent);
		if (d == root || d == parent) {
			pmnt = BPF_CORE_READ(mnt, mnt_parent);
			if (pmnt == mnt) {
				n->depth = depth;
				n->truncated = 0;
				return;
			}
			d = BPF_CORE_READ(mnt, mnt_mountpoint);
			mnt = pmnt;
			continue;
		}
		if (depth >= IPC_PATH_DEPTH)
			break;
		bpf_probe_read_kernel_str(n->comp[depth & (IPC_PATH_DEPTH - 1)], IPC_NAME_LEN,
					  BPF_CORE_READ(d, d_name.name));
		depth++;
		d = parent;
	}
	n->depth = depth; /* cut short: stays "truncated" */
}

/*
 * Is this fd a pipe or FIFO we want?  Fills the object key, returns the mech.
 * A socket, when a socket mechanism is wanted, sets *sock instead.
 */
static __always_inline __u8 pipe_resolve(struct file *file, struct obj_key *ok, __u8 *sock)
{
	struct inode_facts in;
	__u64 magic;
	__u32 dev;
	__u8 mech;

	if (!file || inode_facts(BPF_CORE_READ(file, f_inode), &in))
		return 0;
	if ((in.mode & S_IFMT) == S_IFSOCK && sock_wanted())
		*sock = 1;
	if ((in.mode & S_IFMT) != S_IFIFO || sb_facts(in.sb, &dev, &magic))
		return 0;
	mech = magic == PIPEFS_MAGIC ? MECH_PIPE : MECH_FIFO;
	if (!mech_wanted(mech))
		return 0;
	ok->obj_a = dev;
	ok->obj_b = in.ino;
	if (mech == MECH_FIFO)
		fifo_record_name(file, ok);
	return mech;
}

/*
 * in is read from, out written to; NULL for none.  Caller filtered.  task
 * is the current task as a BTF pointer with fast_task, else NULL.
 */
static __always_inline int pipe_stash_files(struct task_struct *task, __u64 id, struct file *in,
					    struct file *out)
{
	struct pipe_stash st = {}, *slot;

	st.mech_in = pipe_resolve(in, &st.in, &st.sock);
	st.mech_out = pipe_resolve(out, &st.out, &st.sock);
	if (!st.mech_in && !st.mech_out && !st.sock)
		return 0;
	st.ts = bpf_ktime_get_ns();
	st.sock_ts = st.ts;
	if (fast_task) {
		st.start_ns = task->group_leader->start_boottime;
		slot = bpf_task_storage_get(&pipe_tstash, task, 0, BPF_LOCAL_STORAGE_GET_F_CREATE);
		if (slot)
			*slot = st;
		else
			stat_inc(STAT_STASH_FULL);
	} else {
		st.start_ns = current_start_ns();
		if (bpf_map_update_elem(&pipe_stash, &id, &st, BPF_ANY))
			stat_inc(STAT_STASH_FULL);
	}
	return 0;
}

static __always_inline int pipe_enter(int fd_in, int fd_out)
{
	struct task_struct *task;
	__u64 id;

	if (bench_noop)
		return 0;
	if (fast_task) {
		/* one helper call; pid/tgid and the fd table are plain loads */
		task = bpf_get_current_task_btf();
		if (!tgid_wanted(task->tgid))
			return 0;
		return pipe_stash_files(task, 0, fd_in >= 0 ? task_btf_fd_file(task, fd_in) : NULL,
					fd_out >= 0 ? task_btf_fd_file(task, fd_out) : NULL);
	}
	id = bpf_get_current_pid_tgid();
	if (!tgid_wanted(id >> 32))
		return 0;
	return pipe_stash_files(NULL, id, fd_in >= 0 ? current_fd_file(fd_in) : NULL,
				fd_out >= 0 ? current_fd_file(fd_out) : NULL);
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
	if (ret > 0) {
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
/*
 * tee(fd_in, fd_out, len, flags) duplicates fd_in's bytes into fd_out
 * without consuming them: counted as written into fd_out only.  Counting it
 * as a read of fd_in too (DESIGN.md's first rule) would deliver the same
 * bytes twice once the reader drains fd_in; docs/semantics.md says so.
 */
SEC("tracepoint/syscalls/sys_enter_tee")
int pipe_enter_tee(struct trace_event_raw_sys_enter *ctx)
{
	return pipe_enter(-1, ctx->args[1]);
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
	struct task_struct *task = fast_task ? bpf_get_current_task_btf() : NULL;
	__u64 id = bpf_get_current_pid_tgid();
	struct file *file;

	if (bench_noop || !tgid_wanted(id >> 32))
		return 0;
	file = current_fd_file(ctx->args[0]);
	if (!file)
		return 0;
	if (BPF_CORE_READ(file, f_mode) & FMODE_WRITE)
		return pipe_stash_files(task, id, NULL, file);
	return pipe_stash_files(task, id, file, NULL);
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

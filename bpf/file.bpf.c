// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * File hand-off (-m file): the calls only regular files have.  pread64,
 * pwrite64, preadv(2), pwritev(2) name their offset; copy_file_range reads
 * one file and writes another; ftruncate and open(O_TRUNC) cut a file
 * short.  read, write and the calls that also move pipe and socket bytes
 * are pipe.bpf.c's.  Records and their rules: file.bpf.h.
 *
 * Not seen: truncate(2) by path (a tracepoint cannot look a path up; the
 * next record of the file carries its size, and userspace cuts the ranges
 * past it then), fallocate's hole punching and range collapsing, writes
 * through a shared mapping (-m mmap), io_uring.
 */
#include "common.bpf.h"
#include "file.bpf.h"

#define O_RDONLY 0
#define O_ACCMODE 3

enum file_call {
	FILE_CALL_RW = 1,    /* file_in read, file_out written */
	FILE_CALL_TRUNC = 2, /* ftruncate(file_out) */
	FILE_CALL_OPEN = 3,  /* open with O_TRUNC: the file is the returned fd's */
};

struct file_stash {
	__u64 start_ns;
	__u64 file_in;  /* struct file * read from, 0: none */
	__u64 file_out; /* written to or truncated */
	__u64 off_in;   /* offset, or FILE_OFF_CUR / FILE_OFF_END */
	__u64 off_out;
	__u8 call;      /* enum file_call */
	__u8 traced;
	__u8 pad[6];
};

/* The call in progress, per thread (an LRU: a thread killed mid-call leaks nothing). */
struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, 16384);
	__type(key, __u64);
	__type(value, struct file_stash);
} file_stash SEC(".maps");

/*
 * Whether the current process's call matters: a traced process's always
 * (*traced set), another's (not ipctrace's) only when it writes or cuts a
 * file a traced process wrote, which the caller checks.
 */
static __always_inline bool file_who(__u64 id, __u8 *traced)
{
	__u32 tgid = id >> 32;

	if (bench_noop || tgid == self_tgid)
		return false;
	*traced = tgid_wanted(tgid);
	return *traced || filter_traced;
}

static __always_inline void file_stash_put(__u64 id, struct file_stash *st)
{
	st->start_ns = current_start_ns();
	if (bpf_map_update_elem(&file_stash, &id, st, BPF_ANY))
		stat_inc(STAT_STASH_FULL);
}

/*
 * A call that reads fd_in at off_in and writes fd_out at off_out (-1: no
 * such fd; offsets as in file.bpf.h).  Only regular files count.
 */
static __always_inline int file_enter_rw(int fd_in, __u64 off_in, int fd_out, __u64 off_out)
{
	__u64 id = bpf_get_current_pid_tgid();
	struct file_stash st = {};
	struct file *f;

	if (!file_who(id, &st.traced))
		return 0;
	if (st.traced && fd_in >= 0 && file_regular(f = current_fd_file(fd_in))) {
		st.file_in = (__u64)f;
		st.off_in = off_in;
	}
	if (fd_out >= 0 && file_regular(f = current_fd_file(fd_out)) &&
	    (st.traced || file_known(f))) {
		st.file_out = (__u64)f;
		/* the kernel appends whatever pwrite's offset says (pwrite(2), BUGS) */
		st.off_out = BPF_CORE_READ(f, f_flags) & O_APPEND ? FILE_OFF_END : off_out;
	}
	if (!st.file_in && !st.file_out)
		return 0;
	st.call = FILE_CALL_RW;
	file_stash_put(id, &st);
	return 0;
}

static __always_inline int file_exit(long ret)
{
	__u64 id = bpf_get_current_pid_tgid();
	struct file_stash *st = bpf_map_lookup_elem(&file_stash, &id);
	struct file *f;

	if (!st)
		return 0;
	switch (st->call) {
	case FILE_CALL_RW:
		if (st->file_in)
			file_emit(FILE_EV_READ, (struct file *)st->file_in, st->off_in, ret, true,
				  id >> 32, st->start_ns);
		if (st->file_out)
			file_emit(FILE_EV_WRITE, (struct file *)st->file_out, st->off_out, ret,
				  st->traced, id >> 32, st->start_ns);
		break;
	case FILE_CALL_TRUNC:
		if (ret == 0)
			file_emit(FILE_EV_TRUNC, (struct file *)st->file_out, 0, 0, st->traced,
				  id >> 32, st->start_ns);
		break;
	case FILE_CALL_OPEN:
		/* ret is the new fd: the file is known only now */
		if (ret >= 0 && file_regular(f = current_fd_file(ret)))
			file_emit(FILE_EV_TRUNC, f, 0, 0, st->traced, id >> 32, st->start_ns);
		break;
	}
	bpf_map_delete_elem(&file_stash, &id);
	return 0;
}

/* pread64(fd, buf, count, pos) */
SEC("tracepoint/syscalls/sys_enter_pread64")
int file_enter_pread64(struct trace_event_raw_sys_enter *ctx)
{
	int fd = ctx->args[0];
	__u64 pos = ctx->args[3];

	return file_enter_rw(fd, pos, -1, 0);
}

/* pwrite64(fd, buf, count, pos) */
SEC("tracepoint/syscalls/sys_enter_pwrite64")
int file_enter_pwrite64(struct trace_event_raw_sys_enter *ctx)
{
	int fd = ctx->args[0];
	__u64 pos = ctx->args[3];

	return file_enter_rw(-1, 0, fd, pos);
}

/* preadv(fd, vec, vlen, pos_l, pos_h): on 64-bit, pos_l is the whole offset. */
SEC("tracepoint/syscalls/sys_enter_preadv")
int file_enter_preadv(struct trace_event_raw_sys_enter *ctx)
{
	int fd = ctx->args[0];
	__u64 pos = ctx->args[3];

	return file_enter_rw(fd, pos, -1, 0);
}

SEC("tracepoint/syscalls/sys_enter_pwritev")
int file_enter_pwritev(struct trace_event_raw_sys_enter *ctx)
{
	int fd = ctx->args[0];
	__u64 pos = ctx->args[3];

	return file_enter_rw(-1, 0, fd, pos);
}

/* preadv2(fd, vec, vlen, pos_l, pos_h, flags): offset -1 is the file position. */
SEC("tracepoint/syscalls/sys_enter_preadv2")
int file_enter_preadv2(struct trace_event_raw_sys_enter *ctx)
{
	int fd = ctx->args[0];
	__s64 pos = ctx->args[3];

	return file_enter_rw(fd, pos == -1 ? FILE_OFF_CUR : (__u64)pos, -1, 0);
}

/* pwritev2: also RWF_APPEND, which appends whatever the offset says. */
SEC("tracepoint/syscalls/sys_enter_pwritev2")
int file_enter_pwritev2(struct trace_event_raw_sys_enter *ctx)
{
	int fd = ctx->args[0];
	__s64 pos = ctx->args[3];
	__u64 flags = ctx->args[5];

	return file_enter_rw(-1, 0, fd, flags & RWF_APPEND ? FILE_OFF_END :
				     pos == -1 ? FILE_OFF_CUR : (__u64)pos);
}

/* copy_file_range(fd_in, off_in, fd_out, off_out, len, flags): offsets by pointer. */
SEC("tracepoint/syscalls/sys_enter_copy_file_range")
int file_enter_copy_file_range(struct trace_event_raw_sys_enter *ctx)
{
	int fd_in = ctx->args[0], fd_out = ctx->args[2];
	__u64 offp_in = ctx->args[1], offp_out = ctx->args[3];

	return file_enter_rw(fd_in, file_off_arg(offp_in), fd_out, file_off_arg(offp_out));
}

/* ftruncate(fd, length) */
SEC("tracepoint/syscalls/sys_enter_ftruncate")
int file_enter_ftruncate(struct trace_event_raw_sys_enter *ctx)
{
	int fd = ctx->args[0];
	__u64 id = bpf_get_current_pid_tgid();
	struct file_stash st = {};
	struct file *f;

	if (!file_who(id, &st.traced) || !file_regular(f = current_fd_file(fd)) ||
	    !file_known(f))
		return 0;
	st.file_out = (__u64)f;
	st.call = FILE_CALL_TRUNC;
	file_stash_put(id, &st);
	return 0;
}

/* An open that may truncate: which file is known at sys_exit. */
static __always_inline int file_enter_open(__u64 flags)
{
	__u64 id = bpf_get_current_pid_tgid();
	struct file_stash st = {};

	if (!(flags & O_TRUNC) || !file_who(id, &st.traced))
		return 0;
	st.call = FILE_CALL_OPEN;
	file_stash_put(id, &st);
	return 0;
}

/* openat(dfd, filename, flags, mode) */
SEC("tracepoint/syscalls/sys_enter_openat")
int file_enter_openat(struct trace_event_raw_sys_enter *ctx)
{
	__u64 flags = ctx->args[2];

	return file_enter_open(flags);
}

/* open(filename, flags, mode) */
SEC("tracepoint/syscalls/sys_enter_open")
int file_enter_open_(struct trace_event_raw_sys_enter *ctx)
{
	__u64 flags = ctx->args[1];

	return file_enter_open(flags);
}

/* creat(pathname, mode) is open(O_CREAT | O_WRONLY | O_TRUNC) */
SEC("tracepoint/syscalls/sys_enter_creat")
int file_enter_creat(struct trace_event_raw_sys_enter *ctx)
{
	return file_enter_open(O_TRUNC);
}

/* openat2(dfd, filename, how, size): the flags are how->flags, the first member. */
SEC("tracepoint/syscalls/sys_enter_openat2")
int file_enter_openat2(struct trace_event_raw_sys_enter *ctx)
{
	__u64 how = ctx->args[2], flags = 0;

	if (bpf_probe_read_user(&flags, sizeof(flags), (void *)how))
		return 0;
	return file_enter_open(flags);
}

#define FILE_EXIT(call)                                                \
	SEC("tracepoint/syscalls/sys_exit_" #call)                     \
	int file_exit_##call(struct trace_event_raw_sys_exit *ctx)     \
	{                                                              \
		return file_exit(ctx->ret);                            \
	}

FILE_EXIT(pread64)
FILE_EXIT(pwrite64)
FILE_EXIT(preadv)
FILE_EXIT(pwritev)
FILE_EXIT(preadv2)
FILE_EXIT(pwritev2)
FILE_EXIT(copy_file_range)
FILE_EXIT(ftruncate)
FILE_EXIT(openat)
FILE_EXIT(open)
FILE_EXIT(creat)
FILE_EXIT(openat2)

char LICENSE[] SEC("license") = "Dual BSD/GPL";

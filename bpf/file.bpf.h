/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * File hand-off (-m file): the byte ranges of regular files that processes
 * write and read, one record per call on the file_events ring buffer.
 * read/write/readv/writev/splice/sendfile are hooked in pipe.bpf.c, which
 * resolves their fds anyway (pipe_resolve() keeps a regular file's struct
 * file in the stash); the calls only files have (pread64, pwritev,
 * copy_file_range, ftruncate, open with O_TRUNC...) in file.bpf.c.  Both
 * send their records through file_emit() at sys_exit.
 *
 * Which bytes: at sys_exit a call moved ret bytes ending at the file's
 * position (f_pos, which read and write advance, O_APPEND too: the kernel
 * moves the position to the end first), or starting at the offset the
 * p-variants name.  Userspace keeps who wrote each byte last.
 *
 * Only what can make an edge goes to userspace: file_inodes holds the files
 * a traced process wrote, and a read (or a write or truncation by a process
 * outside the traced set) of any other file is dropped here.
 */
#ifndef IPCTRACE_FILE_BPF_H
#define IPCTRACE_FILE_BPF_H

#include "common.bpf.h"
#include "path.bpf.h"

#define S_IFREG 0100000
#define O_APPEND 02000
#define O_TRUNC 01000
#define RWF_APPEND 0x10

/* A stash offset: not an argument, but f_pos after the call minus ret. */
#define FILE_OFF_CUR (~0ull)
/* The call appended (pwrite on an O_APPEND file): i_size after it minus ret. */
#define FILE_OFF_END (~1ull)

/* Pseudo filesystems: what is read there is the kernel's, not a writer's. */
#define PROC_SUPER_MAGIC 0x9fa0
#define SYSFS_MAGIC 0x62656572
#define CGROUP_SUPER_MAGIC 0x27e0eb
#define CGROUP2_SUPER_MAGIC 0x63677270
#define DEBUGFS_MAGIC 0x64626720
#define TRACEFS_MAGIC 0x74726163
#define SECURITYFS_MAGIC 0x73636673
#define BPF_FS_MAGIC 0xcafe4a11

/* Sized by the loader (user/mech/file.c): large with -m file, a page without. */
struct {
	__uint(type, BPF_MAP_TYPE_RINGBUF);
	__uint(max_entries, 4096);
} file_events SEC(".maps") __weak;

/*
 * Files a traced process wrote, (s_dev, i_ino) -> 1, for the run: a read of
 * any other file cannot be of a traced writer's bytes.  A failed insert is
 * counted (file_inodes_full): that file's reads are not seen.
 */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 65536);
	__type(key, struct obj_key);
	__type(value, __u8);
} file_inodes SEC(".maps") __weak;

static __always_inline bool file_pseudo_fs(__u64 magic)
{
	return magic == PROC_SUPER_MAGIC || magic == SYSFS_MAGIC ||
	       magic == CGROUP_SUPER_MAGIC || magic == CGROUP2_SUPER_MAGIC ||
	       magic == DEBUGFS_MAGIC || magic == TRACEFS_MAGIC ||
	       magic == SECURITYFS_MAGIC || magic == BPF_FS_MAGIC;
}

/* Is this file a regular file?  (Probe reads: only the -m file paths use it.) */
static __always_inline bool file_regular(struct file *file)
{
	return file && (BPF_CORE_READ(file, f_inode, i_mode) & S_IFMT) == S_IFREG;
}

/* Is (dev, ino) of file one that a traced process wrote? */
static __always_inline bool file_known(struct file *file)
{
	struct obj_key ok;

	ok.obj_a = BPF_CORE_READ(file, f_inode, i_sb, s_dev);
	ok.obj_b = BPF_CORE_READ(file, f_inode, i_ino);
	return bpf_map_lookup_elem(&file_inodes, &ok) != NULL;
}

/* An offset argument read at sys_enter: *uptr (loff_t), or FILE_OFF_CUR without one. */
static __always_inline __u64 file_off_arg(__u64 uptr)
{
	__u64 off = FILE_OFF_CUR;

	if (uptr && bpf_probe_read_user(&off, sizeof(off), (void *)uptr))
		off = FILE_OFF_CUR;
	return off;
}

/*
 * The record of one call at sys_exit: type FILE_EV_WRITE or READ of ret
 * bytes at off (or FILE_OFF_CUR/END, see above), or FILE_EV_TRUNC.  traced:
 * the process is in the traced set; else only a write or truncation of a
 * file in file_inodes is sent, with the writer unknown.
 */
static __always_inline void file_emit(__u8 type, struct file *file, __u64 off, long ret,
				      bool traced, __u32 tgid, __u64 start_ns)
{
	struct inode *inode = BPF_CORE_READ(file, f_inode);
	struct ipc_file_event *e;
	struct obj_key ok;
	__u8 one = 1;

	if (type != FILE_EV_TRUNC && ret <= 0)
		return;
	if (file_pseudo_fs(BPF_CORE_READ(inode, i_sb, s_magic)))
		return;
	ok.obj_a = BPF_CORE_READ(inode, i_sb, s_dev);
	ok.obj_b = BPF_CORE_READ(inode, i_ino);
	if (type == FILE_EV_WRITE && traced) {
		if (!bpf_map_lookup_elem(&file_inodes, &ok) &&
		    bpf_map_update_elem(&file_inodes, &ok, &one, BPF_NOEXIST) &&
		    !bpf_map_lookup_elem(&file_inodes, &ok))
			stat_inc(STAT_FILE_INODES_FULL);
		path_record_name(file, &ok, MECH_FILE);
	} else if (!bpf_map_lookup_elem(&file_inodes, &ok)) {
		return;
	}
	e = bpf_ringbuf_reserve(&file_events, sizeof(*e), 0);
	if (!e) {
		stat_inc(STAT_FILE_EV_LOST);
		return;
	}
	e->type = type;
	e->traced = traced;
	e->pad = 0;
	e->tgid = tgid;
	e->start_ns = start_ns;
	e->dev = ok.obj_a;
	e->ino = ok.obj_b;
	e->gen = BPF_CORE_READ(inode, i_generation);
	e->nlink = BPF_CORE_READ(inode, i_nlink);
	/*
	 * After the reserve: a write that grew the file and reserved before us
	 * is within this size, so userspace never cuts a range it has not seen
	 * a truncation of.
	 */
	e->size = BPF_CORE_READ(inode, i_size);
	e->ts = bpf_ktime_get_ns();
	if (type == FILE_EV_TRUNC) {
		e->off = e->size;
		e->len = 0;
	} else {
		if (off == FILE_OFF_CUR)
			off = BPF_CORE_READ(file, f_pos) - ret;
		else if (off == FILE_OFF_END)
			off = e->size - ret;
		e->off = off;
		e->len = ret;
	}
	bpf_get_current_comm(e->comm, sizeof(e->comm));
	/* Drained on a timer, like proc_events: no wake-up per record. */
	bpf_ringbuf_submit(e, BPF_RB_NO_WAKEUP);
}

#endif /* IPCTRACE_FILE_BPF_H */

// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * Shared memory: who is attached to which segment, and when.  Every kind of
 * shared memory is backed by an inode of the kernel's shmem (tmpfs) or
 * hugetlbfs: a SysV segment (shmat), a POSIX shm file in /dev/shm, a memfd,
 * a shared anonymous mapping (mmap(MAP_SHARED|MAP_ANONYMOUS), which the
 * kernel backs with a "dev/zero" shmem file).  So a segment is that inode,
 * read from the mapping itself (bpf_find_vma at the syscall's exit).
 *
 * Attach and detach are rare compared with messages, and what matters is
 * the period both ends were attached together: each change goes to
 * userspace on the shm_events ring buffer with its time.  A process that
 * attached something while traced is in shm_procs; only those have their
 * munmaps inspected, and their fork, exec and exit reported (a child
 * inherits every mapping; exec and exit drop them all).
 *
 * A shared mapping of a regular file on any other filesystem is the "mmap"
 * mechanism (SHM_KIND_MMAP): the same attach periods, plus whether it was
 * mapped writable, its length, and the process's msyncs on it.  mremap
 * keeps a mapping one mapping, except when it duplicates one (old_size 0,
 * MREMAP_DONTUNMAP): then it is one more attach.
 */
#include "common.bpf.h"
#include "event.bpf.h"
#include "ipc_ids.bpf.h"

/* MAP_SHARED; VM_SHARED (0x08) is cleared for a read-only file, this one is not */
#define VM_MAYSHARE 0x80
#define MAP_TYPE 0x0f
#define MAP_SHARED 0x01
#define MAP_SHARED_VALIDATE 0x03
#define MAP_ANONYMOUS 0x20
#define TMPFS_MAGIC 0x01021994
#define HUGETLBFS_MAGIC 0x958458f6
#define MAX_ERRNO 4095
#define PAGE_SIZE 4096
#define S_IFREG 0100000
#define VM_WRITE 0x02
#define PROT_WRITE 0x2
#define MREMAP_DONTUNMAP 4

enum shm_call {
	SHMC_SHMAT = 1,
	SHMC_MMAP = 2,
	SHMC_DETACH = 3, /* shmdt, munmap: the segment was found at enter */
	SHMC_MSYNC = 4,  /* msync: the file was found at enter */
	SHMC_MREMAP = 5, /* mremap that leaves the old mapping: one more attach */
};

struct shm_stash {
	__u64 dev;
	__u64 ino;
	struct file *file; /* mmap of an fd: the file, known at enter */
	__u64 len;         /* mmap, mremap: the length asked for */
	__s32 shmid;
	__u8 call;
	__u8 kind;         /* mmap of an fd: enum shm_kind */
	__u8 writable;     /* mmap: PROT_WRITE */
	__u8 pad;
	/* --events: a detach's mapping, as found at enter */
	__u64 ev_addr;
	__u64 ev_len;       /* its length (vm_end - vm_start) */
	__u64 ev_ns;        /* SysV: struct ipc_namespace * of the segment, 0: not SysV */
	__u64 ev_inode;     /* SysV: its struct inode *, held by the segment while it exists */
	__s32 ev_shmid;
	__u8 ev_kind;       /* enum shm_kind */
	__u8 ev_writable;   /* VM_WRITE */
	__u8 ev_pad[2];
};

struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, 16384);
	__type(key, __u64);
	__type(value, struct shm_stash);
} shm_stash SEC(".maps");

/* tgids that attached a segment while traced (value unused). */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 65536);
	__type(key, __u32);
	__type(value, __u8);
} shm_procs SEC(".maps");

/*
 * 2 MiB: an event is ~480 bytes with its path, and a process that shares a
 * mapping sends one at each fork and exit of its descendants: at thousands
 * of processes a second, a collector late by a few hundred milliseconds
 * (a 2-vCPU machine under load) must not lose them.
 */
struct {
	__uint(type, BPF_MAP_TYPE_RINGBUF);
	__uint(max_entries, 1 << 21);
} shm_events SEC(".maps");

/*
 * Mappings that predate ipctrace (read from /proc/PID/maps at start):
 * ipctrace asks for a process's identity by opening a pidfd to it; the
 * answer, its global tgid and start_ns, is left here (one question at a
 * time).
 */
struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct shm_ident);
} shm_ident SEC(".maps");

/* What bpf_find_vma saw at an address. */
struct shm_vma {
	__u64 addr;
	__u64 start, end;
	struct file *file;
	bool shared;
	bool writable;
};

static long shm_vma_cb(struct task_struct *task, struct vm_area_struct *vma, void *data)
{
	struct shm_vma *v = data;

	v->start = BPF_CORE_READ(vma, vm_start);
	v->end = BPF_CORE_READ(vma, vm_end);
	v->shared = BPF_CORE_READ(vma, vm_flags) & VM_MAYSHARE;
	v->writable = BPF_CORE_READ(vma, vm_flags) & VM_WRITE;
	v->file = BPF_CORE_READ(vma, vm_file);
	return 0;
}

#define EBUSY 16

/*
 * Which kind a shared mapping of file is, 0 for none (or not selected by
 * -m): shmem or hugetlbfs is shared memory, any other regular file "mmap".
 */
static __always_inline __u8 file_kind(struct file *file)
{
	struct inode *inode = BPF_CORE_READ(file, f_inode);
	__u64 magic = BPF_CORE_READ(inode, i_sb, s_magic);

	if (magic == TMPFS_MAGIC || magic == HUGETLBFS_MAGIC)
		return mech_wanted(MECH_SHM) ? SHM_KIND_FILE : 0;
	if ((BPF_CORE_READ(inode, i_mode) & S_IFMT) == S_IFREG && mech_wanted(MECH_MMAP))
		return SHM_KIND_MMAP;
	return 0;
}

/*
 * The file shared-mapped at addr that is one of ours, or NULL; its kind in
 * *kind.  bpf_find_vma() only try-locks the memory map: while another task
 * holds it for writing (a tracer registering uprobes on a library the
 * process maps, khugepaged) the change cannot be seen, and is counted as a
 * lost event.
 */
static __always_inline struct file *shm_file_at(__u64 addr, struct shm_vma *v, __u8 *kind)
{
	struct file *file;
	long err;

	__builtin_memset(v, 0, sizeof(*v));
	v->addr = addr;
	err = bpf_find_vma(bpf_get_current_task_btf(), addr, shm_vma_cb, v, 0);
	if (err == -EBUSY)
		stat_inc(STAT_SHM_EV_LOST);
	if (err)
		return NULL;
	file = v->file;
	if (!file || !v->shared)
		return NULL;
	*kind = file_kind(file);
	return *kind ? file : NULL;
}

/*
 * A POSIX semaphore file (/dev/shm/sem.NAME) is reported as a semaphore.
 * Only a shmem file can be one: a file on a disk named sem.x is a file.
 */
static __always_inline bool is_psem_file(struct file *file, __u8 kind)
{
	char pfx[4] = {};

	if (kind != SHM_KIND_FILE)
		return false;
	bpf_probe_read_kernel(pfx, sizeof(pfx), BPF_CORE_READ(file, f_path.dentry, d_name.name));
	return pfx[0] == 's' && pfx[1] == 'e' && pfx[2] == 'm' && pfx[3] == '.';
}

static __always_inline struct ipc_shm_event *shm_reserve(__u32 type, __u32 tgid, __u64 start_ns)
{
	struct ipc_shm_event *e = bpf_ringbuf_reserve(&shm_events, sizeof(*e), 0);

	if (!e) {
		stat_inc(STAT_SHM_EV_LOST);
		return NULL;
	}
	__builtin_memset(e, 0, sizeof(*e));
	e->type = type;
	e->tgid = tgid;
	e->start_ns = start_ns;
	e->ts = bpf_ktime_get_ns();
	e->shmid = -1;
	bpf_get_current_comm(e->comm, sizeof(e->comm));
	return e;
}

static __always_inline void shm_submit(struct ipc_shm_event *e)
{
	/* Drained on a timer, like proc_events: no wake-up per record. */
	bpf_ringbuf_submit(e, BPF_RB_NO_WAKEUP);
}

/*
 * The file's path, leaf first, up to SHM_NAME_DEPTH components, crossing
 * mounts.  A file on a mount that is in no namespace (the kernel's own shm
 * mount: memfd, SysV, anonymous) has just its name.
 */
static __always_inline void shm_name(struct file *file, struct ipc_shm_event *e)
{
	struct dentry *d = BPF_CORE_READ(file, f_path.dentry), *parent, *root;
	struct mount *mnt, *pmnt;
	unsigned long ns;

	mnt = (void *)BPF_CORE_READ(file, f_path.mnt) - bpf_core_field_offset(struct mount, mnt);
	e->truncated = 1;
	/* a mount crossing may come before each component, and at the top */
	for (int i = 0; i < 2 * SHM_NAME_DEPTH + 4; i++) {
		root = BPF_CORE_READ(mnt, mnt.mnt_root);
		parent = BPF_CORE_READ(d, d_parent);
		if (d == root) {
			pmnt = BPF_CORE_READ(mnt, mnt_parent);
			if (pmnt == mnt) {
				e->truncated = 0;
				break;
			}
			d = BPF_CORE_READ(mnt, mnt_mountpoint);
			mnt = pmnt;
			continue;
		}
		if (e->depth >= SHM_NAME_DEPTH)
			break;
		bpf_probe_read_kernel_str(e->comp[e->depth & (SHM_NAME_DEPTH - 1)], IPC_NAME_LEN,
					  BPF_CORE_READ(d, d_name.name));
		e->depth++;
		/* A pseudo file's dentry (memfd, SysV, anonymous) is its own parent. */
		if (d == parent) {
			e->truncated = 0;
			break;
		}
		d = parent;
	}
	/* The top mount of a path a process can open has a namespace. */
	ns = (unsigned long)BPF_CORE_READ(mnt, mnt_ns);
	/* NULL, or MNT_NS_INTERNAL (an error pointer) for kern_mount()ed ones */
	if (!ns || ns >= (unsigned long)-MAX_ERRNO) {
		e->internal = 1;
		e->truncated = 0;
		e->depth = e->depth ? 1 : 0;
	}
}

/* ---- --events (event.bpf.h): attach, detach and msync records ---- */

/* A SysV segment's shm_nattch; -1 unless the id's entry is that very segment (its shmem inode). */
static __always_inline __s64 sysv_nattch(struct ipc_namespace *ns, int id, struct inode *inode)
{
	struct kern_ipc_perm *perm;
	struct shmid_kernel *shp;

	if (!ns)
		return -1;
	perm = ipc_find(&ns->ids[IPC_SHM_IDS], id);
	if (!perm)
		return -1;
	shp = (void *)perm - bpf_core_field_offset(struct shmid_kernel, shm_perm);
	if (BPF_CORE_READ(shp, shm_file, f_inode) != inode)
		return -1;
	return BPF_CORE_READ(shp, shm_nattch);
}

/* A SysV segment's mapping (its file "SYSV<key>" on the kernel's shm mount): the segment's id. */
static __always_inline bool sysv_file(struct file *file, __u8 kind, __s32 *id,
				      struct ipc_namespace **ns)
{
	struct shm_file_data *sfd;
	char pfx[4] = {};

	if (kind != SHM_KIND_FILE)
		return false;
	bpf_probe_read_kernel(pfx, sizeof(pfx), BPF_CORE_READ(file, f_path.dentry, d_name.name));
	if (pfx[0] != 'S' || pfx[1] != 'Y' || pfx[2] != 'S' || pfx[3] != 'V')
		return false;
	/* a shm_file_data, if the name is no lie: sysv_nattch() checks what it finds */
	sfd = BPF_CORE_READ(file, private_data);
	*id = BPF_CORE_READ(sfd, id);
	*ns = BPF_CORE_READ(sfd, ns);
	return true;
}

static __always_inline __u8 shm_ev_mech(__u8 kind)
{
	return kind == SHM_KIND_MMAP ? MECH_MMAP : MECH_SHM;
}

/*
 * An attach, at the call's exit: state[] = the size shared (i_size; mmap:
 * the length mapped), writable, the kind (enum shm_kind), the SysV id (-1),
 * shm_nattch after it (SysV; -1), the inode's writable shared mappings
 * (address_space.i_mmap_writable) after it, the address, the call (enum
 * shm_call).
 */
static __always_inline void shm_ev_attach(const struct shm_stash *st, __u64 addr, struct inode *inode,
					  __u8 kind, __u8 writable, __u64 size)
{
	struct ipc_event *e = ev_reserve(shm_ev_mech(kind), EV_OP_ATTACH, current_start_ns());

	if (!e)
		return;
	e->obj_a = BPF_CORE_READ(inode, i_sb, s_dev);
	e->obj_b = BPF_CORE_READ(inode, i_ino);
	e->bytes = st->call == SHMC_SHMAT ? size : st->len;
	e->state[0] = size;
	e->state[1] = writable;
	e->state[2] = kind;
	e->state[3] = st->shmid;
	e->state[4] = kind == SHM_KIND_SYSV ?
		sysv_nattch(BPF_CORE_READ((struct task_struct *)bpf_get_current_task(), nsproxy, ipc_ns),
			    st->shmid, inode) : -1;
	e->state[5] = BPF_CORE_READ(inode, i_mapping, i_mmap_writable.counter);
	e->state[6] = addr;
	e->state[7] = st->call;
	ev_submit(e);
}

/*
 * st->file: the one mapped, if known from the fd (its kind and writability
 * in st too); else looked up at addr.
 */
static __always_inline void shm_attach(__u64 id, __u64 addr, const struct shm_stash *st)
{
	struct file *file = st->file;
	__u8 kind = st->kind, writable = st->writable;
	struct ipc_shm_event *e;
	struct inode *inode;
	struct shm_vma v;
	__u32 tgid = id >> 32;
	__u8 one = 1;

	if (!file) {
		file = shm_file_at(addr, &v, &kind);
		writable = v.writable;
	}
	if (!file || is_psem_file(file, kind))
		return;
	if (st->call == SHMC_SHMAT)
		kind = SHM_KIND_SYSV;
	if (bpf_map_update_elem(&shm_procs, &tgid, &one, BPF_ANY))
		stat_inc(STAT_TRACED_FULL);
	inode = BPF_CORE_READ(file, f_inode);
	e = shm_reserve(SHM_EV_ATTACH, tgid, current_start_ns());
	if (e) {
		e->kind = kind;
		e->writable = writable;
		e->shmid = st->shmid;
		e->dev = BPF_CORE_READ(inode, i_sb, s_dev);
		e->ino = BPF_CORE_READ(inode, i_ino);
		/* a file is shared by the part each maps; a segment is shared whole */
		e->size = kind == SHM_KIND_MMAP ? st->len : BPF_CORE_READ(inode, i_size);
		shm_name(file, e);
		shm_submit(e);
	}
	/* after the attach's own record: the collector names the segment first */
	if (want_events)
		shm_ev_attach(st, addr, inode, kind, writable,
			      kind == SHM_KIND_MMAP ? st->len : BPF_CORE_READ(inode, i_size));
}

static __always_inline int shm_stash_put(__u64 id, struct shm_stash *st)
{
	if (bpf_map_update_elem(&shm_stash, &id, st, BPF_ANY))
		stat_inc(STAT_STASH_FULL);
	return 0;
}

/* shmat(shmid, shmaddr, shmflg) */
SEC("tracepoint/syscalls/sys_enter_shmat")
int shm_enter_shmat(struct trace_event_raw_sys_enter *ctx)
{
	__u64 id = bpf_get_current_pid_tgid();
	struct shm_stash st = { .call = SHMC_SHMAT, .shmid = ctx->args[0] };

	if (bench_noop || !mech_wanted(MECH_SHM) || !tgid_wanted(id >> 32))
		return 0;
	return shm_stash_put(id, &st);
}

/* mmap(addr, len, prot, flags, fd, off): only shared mappings of shmem or regular files */
SEC("tracepoint/syscalls/sys_enter_mmap")
int shm_enter_mmap(struct trace_event_raw_sys_enter *ctx)
{
	__u64 id = bpf_get_current_pid_tgid();
	unsigned long flags = ctx->args[3];
	int fd = ctx->args[4];
	struct shm_stash st = { .call = SHMC_MMAP, .shmid = -1, .len = ctx->args[1] };
	struct file *file;

	if (bench_noop)
		return 0;
	if ((flags & MAP_TYPE) != MAP_SHARED && (flags & MAP_TYPE) != MAP_SHARED_VALIDATE)
		return 0;
	if (!tgid_wanted(id >> 32))
		return 0;
	st.writable = (ctx->args[2] & PROT_WRITE) != 0;
	if (!(flags & MAP_ANONYMOUS)) {
		file = current_fd_file(fd);
		if (!file || !(st.kind = file_kind(file)))
			return 0;
		/* the mapping will hold this very file: no need to look it up after */
		st.file = file;
	} else if (!mech_wanted(MECH_SHM)) {
		return 0;
	}
	return shm_stash_put(id, &st);
}

static __always_inline int shm_attach_exit(long ret)
{
	__u64 id = bpf_get_current_pid_tgid();
	struct shm_stash *st = bpf_map_lookup_elem(&shm_stash, &id);

	if (!st)
		return 0;
	/* All three return an address, or -errno. */
	if ((unsigned long)ret < (unsigned long)-MAX_ERRNO &&
	    (st->call == SHMC_SHMAT || st->call == SHMC_MMAP || st->call == SHMC_MREMAP))
		shm_attach(id, ret, st);
	bpf_map_delete_elem(&shm_stash, &id);
	return 0;
}

SEC("tracepoint/syscalls/sys_exit_shmat")
int shm_exit_shmat(struct trace_event_raw_sys_exit *ctx)
{
	return shm_attach_exit(ctx->ret);
}

SEC("tracepoint/syscalls/sys_exit_mmap")
int shm_exit_mmap(struct trace_event_raw_sys_exit *ctx)
{
	return shm_attach_exit(ctx->ret);
}

/*
 * The segment a detach at addr would drop, found before the call (after it
 * the mapping is gone).  munmap counts only when it covers the mapping
 * that starts at addr whole; a partial unmap leaves the process attached.
 */
static __always_inline int shm_detach_enter(__u64 addr, __u64 len, bool whole, __u8 call)
{
	__u64 id = bpf_get_current_pid_tgid();
	__u32 tgid = id >> 32;
	struct shm_stash st = { .call = call };
	struct inode *inode;
	struct shm_vma v;
	struct file *file;
	__u8 kind;

	if (bench_noop || !bpf_map_lookup_elem(&shm_procs, &tgid))
		return 0;
	file = shm_file_at(addr, &v, &kind);
	if (!file || is_psem_file(file, kind))
		return 0;
	/* munmap rounds the length up to whole pages */
	len = (len + PAGE_SIZE - 1) & ~(__u64)(PAGE_SIZE - 1);
	if (whole && (v.start != addr || addr + len < v.end))
		return 0;
	inode = BPF_CORE_READ(file, f_inode);
	st.dev = BPF_CORE_READ(inode, i_sb, s_dev);
	st.ino = BPF_CORE_READ(inode, i_ino);
	if (want_events) {
		struct ipc_namespace *ns = NULL;

		st.ev_addr = addr;
		st.ev_len = v.end - v.start;
		st.ev_kind = kind;
		st.ev_writable = v.writable;
		st.ev_shmid = -1;
		if (sysv_file(file, kind, &st.ev_shmid, &ns)) {
			st.ev_kind = SHM_KIND_SYSV;
			st.ev_ns = (__u64)ns;
			st.ev_inode = (__u64)inode;
		}
	}
	return shm_stash_put(id, &st);
}

/*
 * A detach (shmdt, munmap) or an msync, at the call's exit: state[] = the
 * length of the mapping, writable, the kind, the SysV id (-1), shm_nattch
 * after it (SysV; -1: not found, or the segment is gone), the address.
 */
static __always_inline void shm_ev_detach(const struct shm_stash *st, long ret)
{
	struct ipc_event *e = ev_reserve(shm_ev_mech(st->ev_kind),
					 st->call == SHMC_DETACH ? EV_OP_DETACH : EV_OP_MSYNC,
					 current_start_ns());

	if (!e)
		return;
	e->obj_a = st->dev;
	e->obj_b = st->ino;
	e->ret = ret;
	e->bytes = st->ev_len;
	e->state[0] = st->ev_len;
	e->state[1] = st->ev_writable;
	e->state[2] = st->ev_kind;
	e->state[3] = st->ev_shmid;
	e->state[4] = st->ev_ns ? sysv_nattch((struct ipc_namespace *)st->ev_ns, st->ev_shmid,
					      (struct inode *)st->ev_inode) : -1;
	e->state[5] = st->ev_addr;
	ev_submit(e);
}

static __always_inline int shm_detach_exit(long ret)
{
	__u64 id = bpf_get_current_pid_tgid();
	struct shm_stash *st = bpf_map_lookup_elem(&shm_stash, &id);
	struct ipc_shm_event *e;

	if (!st)
		return 0;
	if (ret == 0 && (st->call == SHMC_DETACH || st->call == SHMC_MSYNC)) {
		e = shm_reserve(st->call == SHMC_DETACH ? SHM_EV_DETACH : SHM_EV_MSYNC, id >> 32,
				current_start_ns());
		if (e) {
			e->dev = st->dev;
			e->ino = st->ino;
			shm_submit(e);
		}
	}
	if (want_events && (st->call == SHMC_DETACH || st->call == SHMC_MSYNC))
		shm_ev_detach(st, ret);
	bpf_map_delete_elem(&shm_stash, &id);
	return 0;
}

/* shmdt(shmaddr) */
SEC("tracepoint/syscalls/sys_enter_shmdt")
int shm_enter_shmdt(struct trace_event_raw_sys_enter *ctx)
{
	return shm_detach_enter(ctx->args[0], 0, false, SHMC_DETACH);
}

SEC("tracepoint/syscalls/sys_exit_shmdt")
int shm_exit_shmdt(struct trace_event_raw_sys_exit *ctx)
{
	return shm_detach_exit(ctx->ret);
}

/* munmap(addr, len) */
SEC("tracepoint/syscalls/sys_enter_munmap")
int shm_enter_munmap(struct trace_event_raw_sys_enter *ctx)
{
	return shm_detach_enter(ctx->args[0], ctx->args[1], true, SHMC_DETACH);
}

SEC("tracepoint/syscalls/sys_exit_munmap")
int shm_exit_munmap(struct trace_event_raw_sys_exit *ctx)
{
	return shm_detach_exit(ctx->ret);
}

/* msync(addr, len, flags): counted on the file mapped at addr */
SEC("tracepoint/syscalls/sys_enter_msync")
int shm_enter_msync(struct trace_event_raw_sys_enter *ctx)
{
	return shm_detach_enter(ctx->args[0], 0, false, SHMC_MSYNC);
}

SEC("tracepoint/syscalls/sys_exit_msync")
int shm_exit_msync(struct trace_event_raw_sys_exit *ctx)
{
	return shm_detach_exit(ctx->ret);
}

/*
 * mremap(addr, old_len, new_len, flags, new_addr).  Moving or resizing a
 * mapping leaves it one mapping: nothing to count.  old_len 0 (a second
 * mapping of a shared one) and MREMAP_DONTUNMAP leave the old one in place
 * and add the new one: an attach, found at the returned address.
 */
SEC("tracepoint/syscalls/sys_enter_mremap")
int shm_enter_mremap(struct trace_event_raw_sys_enter *ctx)
{
	__u64 id = bpf_get_current_pid_tgid();
	__u32 tgid = id >> 32;
	__u64 old_len = ctx->args[1], flags = ctx->args[3];
	struct shm_stash st = { .call = SHMC_MREMAP, .shmid = -1, .len = ctx->args[2] };

	if (bench_noop || (old_len && !(flags & MREMAP_DONTUNMAP)))
		return 0;
	if (!bpf_map_lookup_elem(&shm_procs, &tgid))
		return 0;
	return shm_stash_put(id, &st);
}

SEC("tracepoint/syscalls/sys_exit_mremap")
int shm_exit_mremap(struct trace_event_raw_sys_exit *ctx)
{
	return shm_attach_exit(ctx->ret);
}

/*
 * A forked child inherits its parent's mappings.  A CLONE_VM child (vfork,
 * posix_spawn) shares the parent's memory only until it execs: not counted
 * as attached.
 */
SEC("raw_tracepoint/sched_process_fork")
int shm_fork(struct bpf_raw_tracepoint_args *ctx)
{
	struct task_struct *parent = (struct task_struct *)ctx->args[0];
	struct task_struct *child = (struct task_struct *)ctx->args[1];
	struct ipc_shm_event *e;
	__u32 ptgid, ctgid;
	__u8 one = 1;

	if (bench_noop)
		return 0;
	ctgid = BPF_CORE_READ(child, tgid);
	if (BPF_CORE_READ(child, pid) != ctgid)
		return 0;
	ptgid = BPF_CORE_READ(parent, tgid);
	if (!bpf_map_lookup_elem(&shm_procs, &ptgid))
		return 0;
	if (BPF_CORE_READ(child, mm) == BPF_CORE_READ(parent, mm))
		return 0;
	if (bpf_map_update_elem(&shm_procs, &ctgid, &one, BPF_ANY))
		stat_inc(STAT_TRACED_FULL);
	e = shm_reserve(SHM_EV_FORK, ptgid, task_start_ns(parent));
	if (!e)
		return 0;
	e->other_tgid = ctgid;
	e->other_start_ns = BPF_CORE_READ(child, start_boottime);
	shm_submit(e);
	return 0;
}

static __always_inline void shm_gone(struct task_struct *task, __u32 tgid)
{
	struct ipc_shm_event *e;

	if (!bpf_map_lookup_elem(&shm_procs, &tgid))
		return;
	bpf_map_delete_elem(&shm_procs, &tgid);
	e = shm_reserve(SHM_EV_GONE, tgid, task_start_ns(task));
	if (e)
		shm_submit(e);
}

SEC("tracepoint/sched/sched_process_exec")
int shm_exec(void *ctx)
{
	if (bench_noop)
		return 0;
	shm_gone((struct task_struct *)bpf_get_current_task(), bpf_get_current_pid_tgid() >> 32);
	return 0;
}

SEC("tracepoint/sched/sched_process_exit")
int shm_exit(void *ctx)
{
	struct task_struct *task = (struct task_struct *)bpf_get_current_task();

	if (bench_noop)
		return 0;
	/* do_exit() drops signal->live before this tracepoint: 0 means the last thread. */
	if (BPF_CORE_READ(task, signal, live.counter) != 0)
		return 0;
	shm_gone(task, bpf_get_current_pid_tgid() >> 32);
	return 0;
}

/*
 * ipctrace's own pidfd_open(pid): the process it names had shared mappings
 * before ipctrace started.  /proc gives its start time in clock ticks only;
 * the pidfd's struct pid (pidfs keeps it in i_private) leads to the task
 * and its exact start_ns.  From now on its munmaps, fork, exec and exit
 * are followed like those of a process seen attaching.
 */
SEC("tracepoint/syscalls/sys_exit_pidfd_open")
int shm_exit_pidfd_open(struct trace_event_raw_sys_exit *ctx)
{
	__u64 id = bpf_get_current_pid_tgid();
	struct shm_ident *ans;
	struct hlist_node *first;
	struct task_struct *task;
	struct file *file;
	struct pid *pid;
	long ret = ctx->ret;
	__u32 tgid, zero = 0;
	__u8 one = 1;

	if (bench_noop || (__u32)(id >> 32) != self_tgid || ret < 0)
		return 0;
	file = current_fd_file(ret);
	if (!file)
		return 0;
	pid = BPF_CORE_READ(file, f_inode, i_private);
	first = BPF_CORE_READ(pid, tasks[PIDTYPE_TGID].first);
	if (!first)
		return 0;
	task = (void *)first - bpf_core_field_offset(struct task_struct, pid_links) -
	       PIDTYPE_TGID * sizeof(struct hlist_node);
	tgid = BPF_CORE_READ(task, tgid);
	if (bpf_map_update_elem(&shm_procs, &tgid, &one, BPF_ANY))
		stat_inc(STAT_TRACED_FULL);
	ans = bpf_map_lookup_elem(&shm_ident, &zero);
	if (ans) {
		ans->tgid = tgid;
		ans->start_ns = task_start_ns(task);
	}
	return 0;
}

char LICENSE[] SEC("license") = "Dual BSD/GPL";

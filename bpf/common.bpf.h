/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * What every ipctrace BPF file shares: configuration, maps and the small
 * helpers of the hot path.  Maps and rodata are defined __weak here so that
 * each .bpf.c can include this header and `bpftool gen object` merges the
 * identical definitions into one.
 */
#ifndef IPCTRACE_COMMON_BPF_H
#define IPCTRACE_COMMON_BPF_H

#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_core_read.h>
#include <bpf/bpf_tracing.h>
#include "ipctrace.h"

#define S_IFMT 00170000
#define S_IFIFO 0010000
#define PIPEFS_MAGIC 0x50495045
#define FMODE_WRITE 0x2

/* Set by the loader before load; the verifier prunes what they switch off. */
const volatile __u32 self_tgid __weak = 0;     /* ipctrace itself: never traced */
const volatile bool filter_traced __weak = 0;  /* only tgids in the traced map */
const volatile __u32 mech_mask __weak = ~0u;   /* MECH_BIT() of wanted mechanisms */
const volatile bool bench_noop __weak = 0;     /* benchmark floor: do nothing */
const volatile bool want_hist __weak = 0;      /* --hist: fill blk_hist */
/*
 * Probed at start-up: tracepoint programs may use task storage and the BTF
 * task pointer (plain loads instead of one helper call per field).  Kernels
 * without them take the map-and-probe-read path.
 */
const volatile bool fast_task __weak = 0;

/* tgids traced in `-- COMMAND` mode: the command and its descendants. */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 65536);
	__type(key, __u32);
	__type(value, __u8);
} traced SEC(".maps") __weak;

/*
 * Entries of processes gone a second ago and of endpoints idle for a second
 * leave it (user/core/collect.c): at 2000 exits a second it holds 20-40k,
 * more while the collector is starved of CPU.
 */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 131072);
	__type(key, struct ep_key);
	__type(value, struct ep_val);
} endpoints SEC(".maps") __weak;

/* --hist: log2 histograms of blocked time per endpoint; 1 entry without it. */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 131072);
	__type(key, struct ep_key);
	__type(value, struct blk_hist_val);
} blk_hist SEC(".maps") __weak;

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 16384);
	__type(key, struct obj_key);
	__type(value, struct obj_name);
} objnames SEC(".maps") __weak;

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, STAT_MAX);
	__type(key, __u32);
	__type(value, __u64);
} stats SEC(".maps") __weak;

struct {
	__uint(type, BPF_MAP_TYPE_RINGBUF);
	__uint(max_entries, 1 << 20);
} proc_events SEC(".maps") __weak;

static __always_inline void stat_inc(__u32 idx)
{
	__u64 *v = bpf_map_lookup_elem(&stats, &idx);

	if (v)
		__sync_fetch_and_add(v, 1); /* programs can be preempted on their CPU */
}

/*
 * The cheap early filter: ipctrace's own I/O (its report on a pipe, its
 * signals to the command) is never traced, and in `-- COMMAND` mode only
 * the command's process tree is.
 */
static __always_inline bool tgid_wanted(__u32 tgid)
{
	if (tgid == self_tgid)
		return false;
	if (!filter_traced)
		return true;
	return bpf_map_lookup_elem(&traced, &tgid) != NULL;
}

static __always_inline bool mech_wanted(__u32 mech)
{
	return mech_mask & MECH_BIT(mech);
}

/* start_boottime of the thread group leader: half of a process identity. */
static __always_inline __u64 task_start_ns(struct task_struct *task)
{
	return BPF_CORE_READ(task, group_leader, start_boottime);
}

static __always_inline __u64 current_start_ns(void)
{
	if (fast_task)
		return bpf_get_current_task_btf()->group_leader->start_boottime;
	return task_start_ns((struct task_struct *)bpf_get_current_task());
}

/* task->files->fdt->fd[fd], or NULL when fd is out of range. */
static __always_inline struct file *task_fd_file(struct task_struct *task, __u32 fd)
{
	struct fdtable *fdt = BPF_CORE_READ(task, files, fdt);
	struct file **fds;
	struct file *file = NULL;

	if (!fdt || fd >= BPF_CORE_READ(fdt, max_fds))
		return NULL;
	fds = BPF_CORE_READ(fdt, fd);
	bpf_probe_read_kernel(&file, sizeof(file), &fds[fd]);
	return file;
}

/*
 * fast_task only: fd's file in a BTF task's table.  Everything up to the
 * table is a plain load; the slot itself is not typed for the verifier, so
 * it takes one probe read.  (bpf_rdonly_cast() would type it, but libbpf
 * 1.1's static linker cannot link kfunc externs.)
 */
static __always_inline struct file *task_btf_fd_file(struct task_struct *task, __u32 fd)
{
	struct fdtable *fdt = task->files->fdt;
	struct file **fds;
	struct file *file = NULL;

	/* a NULL files (exiting task) reads as 0 here: max_fds 0 */
	if (fd >= fdt->max_fds)
		return NULL;
	fds = fdt->fd;
	bpf_probe_read_kernel(&file, sizeof(file), &fds[fd]);
	return file;
}

/*
 * What the hot path needs of an inode and of its superblock, one probe
 * read each instead of one per field: i_mode, i_sb and i_ino sit in the
 * first 72 bytes of struct inode, s_dev and s_magic in the first 104 of
 * struct super_block (6.x).  Should a kernel move them further, the CO-RE
 * offsets say so and the field-by-field reads are used.
 */
#define FACTS_WORDS 16 /* __u64 words read from each struct */

struct inode_facts {
	__u64 ino;
	struct super_block *sb;
	__u16 mode;
};

static __always_inline int inode_facts(struct inode *inode, struct inode_facts *f)
{
	__u32 o_mode = bpf_core_field_offset(struct inode, i_mode);
	__u32 o_sb = bpf_core_field_offset(struct inode, i_sb);
	__u32 o_ino = bpf_core_field_offset(struct inode, i_ino);
	__u64 buf[FACTS_WORDS];

	if (o_mode + 2 > sizeof(buf) || o_sb + 8 > sizeof(buf) || o_ino + 8 > sizeof(buf)) {
		f->mode = BPF_CORE_READ(inode, i_mode);
		f->ino = BPF_CORE_READ(inode, i_ino);
		f->sb = BPF_CORE_READ(inode, i_sb);
		return 0;
	}
	if (bpf_probe_read_kernel(buf, sizeof(buf), inode))
		return -1;
	f->mode = *(__u16 *)((void *)buf + o_mode);
	f->ino = *(__u64 *)((void *)buf + o_ino);
	f->sb = *(struct super_block **)((void *)buf + o_sb);
	return 0;
}

static __always_inline int sb_facts(struct super_block *sb, __u32 *s_dev, __u64 *s_magic)
{
	__u32 o_dev = bpf_core_field_offset(struct super_block, s_dev);
	__u32 o_magic = bpf_core_field_offset(struct super_block, s_magic);
	__u64 buf[FACTS_WORDS];

	if (o_dev + 4 > sizeof(buf) || o_magic + 8 > sizeof(buf)) {
		*s_dev = BPF_CORE_READ(sb, s_dev);
		*s_magic = BPF_CORE_READ(sb, s_magic);
		return 0;
	}
	if (bpf_probe_read_kernel(buf, sizeof(buf), sb))
		return -1;
	*s_dev = *(__u32 *)((void *)buf + o_dev);
	*s_magic = *(__u64 *)((void *)buf + o_magic);
	return 0;
}

/* The current task's file for fd: task_fd_file() with plain loads where possible. */
static __always_inline struct file *current_fd_file(__u32 fd)
{
	if (fast_task)
		return task_btf_fd_file(bpf_get_current_task_btf(), fd);
	return task_fd_file((struct task_struct *)bpf_get_current_task(), fd);
}

/*
 * A buffer too large for the BPF stack: the current thread's entry of the
 * task storage tmap on the fast path (programs on syscall tracepoints are
 * preemptible, and another program on the same CPU would overwrite a
 * per-CPU buffer half-way), the per-CPU array cpu_map on the fallback path,
 * which kernels take that predate preemptible syscall tracepoints.
 */
static __always_inline void *scratch_get(void *tmap, void *cpu_map)
{
	__u32 zero = 0;

	if (fast_task)
		return bpf_task_storage_get(tmap, bpf_get_current_task_btf(), 0,
					    BPF_LOCAL_STORAGE_GET_F_CREATE);
	return bpf_map_lookup_elem(cpu_map, &zero);
}

/*
 * Count one operation of `bytes` on an endpoint: a lookup and atomic adds;
 * the entry is created (with the comm of its first user) only when missing.
 */
/* floor(log2(v)), 0 for v 0 (BPF has no count-leading-zeros instruction). */
static __always_inline __u32 blk_hist_log2(__u64 v)
{
	__u32 r = 0, shift;

	shift = (v > 0xffffffffull) << 5;
	v >>= shift;
	r |= shift;
	shift = (v > 0xffff) << 4;
	v >>= shift;
	r |= shift;
	shift = (v > 0xff) << 3;
	v >>= shift;
	r |= shift;
	shift = (v > 0xf) << 2;
	v >>= shift;
	r |= shift;
	shift = (v > 0x3) << 1;
	v >>= shift;
	r |= shift;
	r |= (v >> 1);
	return r;
}

static const struct blk_hist_val blk_hist_zero;

/*
 * --hist: one call of the endpoint key blocked dt ns.  Callers test
 * want_hist first, so that without --hist the verifier drops the call.
 */
static __always_inline void blk_hist_account(const struct ep_key *key, __u64 dt)
{
	struct blk_hist_val *h = bpf_map_lookup_elem(&blk_hist, key);
	__u32 slot = blk_hist_log2(dt);

	if (!h) {
		bpf_map_update_elem(&blk_hist, key, &blk_hist_zero, BPF_NOEXIST);
		h = bpf_map_lookup_elem(&blk_hist, key);
		if (!h) {
			stat_inc(STAT_EP_FULL);
			return;
		}
	}
	if (slot > IPC_HIST_SLOTS - 1)
		slot = IPC_HIST_SLOTS - 1;
	__sync_fetch_and_add(&h->slot[slot & (IPC_HIST_SLOTS - 1)], 1);
}

static __always_inline void ep_account(const struct ep_key *key, __u64 bytes, __u64 dt)
{
	struct ep_val *v = bpf_map_lookup_elem(&endpoints, key);

	if (!v) {
		struct ep_val init = {};

		bpf_get_current_comm(init.comm, sizeof(init.comm));
		bpf_map_update_elem(&endpoints, key, &init, BPF_NOEXIST);
		v = bpf_map_lookup_elem(&endpoints, key);
		if (!v) {
			stat_inc(STAT_EP_FULL);
			return;
		}
	}
	__sync_fetch_and_add(&v->ops, 1);
	__sync_fetch_and_add(&v->bytes, bytes);
	__sync_fetch_and_add(&v->blocked_ns, dt);
	if (want_hist)
		blk_hist_account(key, dt);
}

#endif /* IPCTRACE_COMMON_BPF_H */

/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * Where a user address lives, as the kernel's futex code sees it: for a
 * shared mapping, the backing inode and the offset in it, so that two
 * processes mapping the same word at different addresses meet.  Private
 * memory (anonymous, or a file mapped MAP_PRIVATE) is one process's only.
 * Shared by sem.bpf.c (POSIX semaphores) and futex.bpf.c; the cache map
 * is __weak like common.bpf.h's, so both link to the same one.
 *
 * The key: obj_a = s_dev << 32 | offset (low 32 bits), obj_b = i_ino.
 */
#ifndef IPCTRACE_WORD_BPF_H
#define IPCTRACE_WORD_BPF_H

#include "common.bpf.h"

/* MAP_SHARED; VM_SHARED (0x08) is cleared for a read-only file, this one is not */
#define VM_MAYSHARE 0x80
#define EBUSY 16

struct word_key {
	__u64 addr;
	__u64 obj_a;
	__u64 obj_b;
	struct file *file; /* the mapped file, for naming */
	bool found;
};

/*
 * bpf_find_vma() hands the callback a BTF pointer: the fields are plain
 * loads (that fault safely), not a probe-read helper call each, on a path
 * every shared futex call and POSIX semaphore operation takes.
 */
static long word_vma_cb(struct task_struct *task, struct vm_area_struct *vma, void *data)
{
	struct word_key *k = data;
	struct file *file = vma->vm_file;
	struct inode *inode;
	__u64 off;

	if (!file || !(vma->vm_flags & VM_MAYSHARE))
		return 0;
	inode = file->f_inode;
	off = k->addr - vma->vm_start + (vma->vm_pgoff << 12);
	k->obj_a = (__u64)inode->i_sb->s_dev << 32 | (__u32)off;
	k->obj_b = inode->i_ino;
	k->file = file;
	k->found = true;
	return 0;
}

/*
 * The key an address of a process resolved to last time.  bpf_find_vma()
 * only try-locks the memory map and fails while someone holds it for
 * writing (a tracer registering uprobes on the C library write-locks every
 * process that maps it; khugepaged); then the last key stands in.  A
 * private address caches "not shared" (found = 0).
 */
struct word_addr {
	__u32 tgid;
	__u32 pad;
	__u64 start_ns; /* a reused pid is another process */
	__u64 addr;
};

struct word_cached {
	__u64 obj_a;
	__u64 obj_b;
	__u64 found;
};

struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, 16384);
	__type(key, struct word_addr);
	__type(value, struct word_cached);
} word_cache SEC(".maps") __weak;

/*
 * The shared key of the word at addr in the current process; false for
 * private memory, or when it cannot be known (counted in STAT_VMA_BUSY).
 * k->file is left set only when this address of this process is new (or
 * now maps something else): what the caller records once per address.
 */
static __always_inline bool word_key_of(__u64 addr, __u64 start_ns, struct word_key *k)
{
	struct word_addr ck = {
		.tgid = bpf_get_current_pid_tgid() >> 32,
		.start_ns = start_ns,
		.addr = addr,
	};
	struct word_cached cv, *c;
	long err;

	k->addr = addr;
	k->found = false;
	k->file = NULL;
	k->obj_a = k->obj_b = 0;
	err = bpf_find_vma(bpf_get_current_task_btf(), addr, word_vma_cb, k, 0);
	if (err == -EBUSY) {
		c = bpf_map_lookup_elem(&word_cache, &ck);
		if (!c) {
			stat_inc(STAT_VMA_BUSY);
			return false;
		}
		k->obj_a = c->obj_a;
		k->obj_b = c->obj_b;
		return c->found;
	}
	if (err)
		return false;
	c = bpf_map_lookup_elem(&word_cache, &ck);
	if (!c || c->obj_a != k->obj_a || c->obj_b != k->obj_b || c->found != k->found) {
		cv.obj_a = k->obj_a;
		cv.obj_b = k->obj_b;
		cv.found = k->found;
		bpf_map_update_elem(&word_cache, &ck, &cv, BPF_ANY);
	} else {
		k->file = NULL; /* known: nothing to record */
	}
	return k->found;
}

#endif /* IPCTRACE_WORD_BPF_H */

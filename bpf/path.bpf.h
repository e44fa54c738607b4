/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * A file's path into its objnames entry (FIFOs, the files futex words live
 * in, the files of -m file): leaf first, crossing mount points up to the
 * root of the mount tree.
 */
#ifndef IPCTRACE_PATH_BPF_H
#define IPCTRACE_PATH_BPF_H

#include "common.bpf.h"

/*
 * The path is built in place in its objnames entry, inserted empty from
 * this template: too large for the BPF stack, and a per-CPU scratch is not
 * safe now that syscall tracepoint programs can be preempted.
 */
static const struct obj_name path_empty_fifo = { .truncated = 1, .mech = MECH_FIFO };
static const struct obj_name path_empty_futex = { .truncated = 1, .mech = MECH_FUTEX };
static const struct obj_name path_empty_file = { .truncated = 1, .mech = MECH_FILE };

/* The walk up a path, one bpf_loop() step per dentry. */
struct path_walk {
	struct dentry *d;
	struct mount *mnt;
	struct obj_name *n;
	__u32 depth;
};

/*
 * One step: cross a mount point, or record one component and go to the
 * parent.  As a bpf_loop() callback its body is verified once per depth, not
 * once per path through an unrolled loop (which cost 27,000 verified
 * instructions, ~18 ms of every read/write program's load).
 */
static long path_walk_step(__u64 i, struct path_walk *w)
{
	/* locals: BPF_CORE_READ would relocate w-> itself, a type of ours */
	struct dentry *d = w->d;
	struct mount *mnt = w->mnt;
	struct dentry *root = BPF_CORE_READ(mnt, mnt.mnt_root);
	struct dentry *parent = BPF_CORE_READ(d, d_parent);
	struct mount *pmnt;

	if (d == root || d == parent) {
		pmnt = BPF_CORE_READ(mnt, mnt_parent);
		if (pmnt == mnt) {
			w->n->depth = w->depth;
			w->n->truncated = 0;
			return 1;
		}
		w->d = BPF_CORE_READ(mnt, mnt_mountpoint);
		w->mnt = pmnt;
		return 0;
	}
	if (w->depth >= IPC_PATH_DEPTH) {
		w->n->depth = w->depth; /* cut short: stays "truncated" */
		return 1;
	}
	bpf_probe_read_kernel_str(w->n->comp[w->depth & (IPC_PATH_DEPTH - 1)], IPC_NAME_LEN,
				  BPF_CORE_READ(d, d_name.name));
	w->depth++;
	w->d = parent;
	return 0;
}

/*
 * Record file's path under ok, once: the collector deletes what it has
 * read, so a name is recorded again while its object is in use.  Only the
 * user whose insert created the entry fills it in (two walkers appending to
 * one entry would write the path twice); it reads "truncated" until the
 * walk is done, so the collector keeps it till then.
 */
static __always_inline void path_record_name(struct file *file, const struct obj_key *ok,
					     __u8 mech)
{
	struct path_walk w = {};

	if (bpf_map_lookup_elem(&objnames, ok))
		return;
	/* the entry has its mech from the start: the collector may read it at once */
	if (bpf_map_update_elem(&objnames, ok,
				mech == MECH_FIFO ? &path_empty_fifo :
				mech == MECH_FUTEX ? &path_empty_futex : &path_empty_file,
				BPF_NOEXIST)) {
		if (!bpf_map_lookup_elem(&objnames, ok))
			stat_inc(STAT_OBJ_FULL);
		return;
	}
	w.n = bpf_map_lookup_elem(&objnames, ok);
	if (!w.n)
		return;
	w.d = BPF_CORE_READ(file, f_path.dentry);
	w.mnt = (void *)BPF_CORE_READ(file, f_path.mnt) - bpf_core_field_offset(struct mount, mnt);
	/* a path longer than the steps stays "truncated" with the depth filled */
	w.n->depth = IPC_PATH_DEPTH;
	bpf_loop(IPC_PATH_DEPTH + 4, path_walk_step, &w, 0);
}

#endif /* IPCTRACE_PATH_BPF_H */

/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * The message queue calls in progress, per thread (mq.bpf.c).  Shared with
 * the sched_waking program (waking.bpf.h, in pipe.bpf.c): maps and the
 * counter are __weak, like common.bpf.h's, so that both files link to the
 * same ones.
 */
#ifndef IPCTRACE_MQ_STASH_BPF_H
#define IPCTRACE_MQ_STASH_BPF_H

#include "common.bpf.h"

enum mq_op {
	OP_SEND = 1,
	OP_RECV,
	OP_NOTIFY,
	OP_UNLINK,
	OP_RMID,
};

struct mq_stash {
	__u64 ts;
	__u64 start_ns;
	__u64 obj_a, obj_b;
	__u64 size;      /* send: the message size */
	__u64 uptr;      /* receive: where the kernel writes the priority / the msgbuf */
	__s64 tag;       /* send: priority or mtype */
	__u64 depth;     /* messages queued at enter */
	__u64 cbytes;    /* msg: bytes queued at enter (q_cbytes) */
	__u64 limit;     /* mq_maxmsg or q_qbytes */
	__u64 msgsize;   /* mq_msgsize */
	__s64 key;       /* msg: SysV key */
	__u64 file;      /* mq: for the name, recorded when the object is first counted */
	__u64 inode;
	__u8 op;
	__u8 mech;
	__u8 has_depth;  /* depth, cbytes, limit were read */
	__u8 full;
	__u8 empty;
	__u8 has_key;
	__u8 waking;     /* a send or receive: counted in mq_active */
	__u8 unreg;      /* mq_notify(fd, NULL), stashed with --events only */
	__u64 nvcsw;     /* fast_task: voluntary context switches at sys_enter */
};

/*
 * Threads inside a traced send or receive, machine-wide: while 0, mq's
 * sched_waking program costs one load.  A thread killed mid-call (or an
 * LRU eviction) leaves it too high, which only costs the lookup it saves.
 */
__u64 mq_active __weak = 0;

/*
 * The call in progress, per thread: task storage where tracepoints may use
 * it (fast_task), else an LRU hash (a thread killed mid-syscall never
 * reaches sys_exit: LRU keeps that bounded).  The loader shrinks the other.
 */
struct {
	__uint(type, BPF_MAP_TYPE_TASK_STORAGE);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__type(key, int);
	__type(value, struct mq_stash);
} mq_tstash SEC(".maps") __weak;

struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, 16384);
	__type(key, __u64);
	__type(value, struct mq_stash);
} mq_stash SEC(".maps") __weak;

/* The current thread's call in progress, or NULL. */
static __always_inline struct mq_stash *mq_current(__u64 id)
{
	struct mq_stash *st;

	if (fast_task)
		st = bpf_task_storage_get(&mq_tstash, bpf_get_current_task_btf(), 0, 0);
	else
		st = bpf_map_lookup_elem(&mq_stash, &id);
	return st && st->ts ? st : NULL;
}

#endif /* IPCTRACE_MQ_STASH_BPF_H */

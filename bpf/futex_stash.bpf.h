/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * The futex calls in progress, per thread, and the wake-up records they
 * leave (futex.bpf.c).  Shared with the sched_waking program (waking.bpf.h,
 * in pipe.bpf.c): maps and counters are __weak, like common.bpf.h's, so
 * that both files link to the same ones.
 */
#ifndef IPCTRACE_FUTEX_STASH_BPF_H
#define IPCTRACE_FUTEX_STASH_BPF_H

#include "common.bpf.h"

#define PF_EXITING 0x4

#define FX_KEYS 4                /* words per call: 2, or futex_waitv's first 4 shared */

enum fx_call {
	FX_WAIT = 1,     /* WAIT, WAIT_BITSET, futex_wait, futex_waitv */
	FX_LOCK_PI = 2,  /* LOCK_PI, LOCK_PI2, WAIT_REQUEUE_PI: ret 0 is "acquired" */
	FX_WAKE = 3,     /* every call that can wake a waiter */
};

struct futex_stash {
	__u64 ts;              /* the call's start; 0: no call in progress */
	__u64 start_ns;
	__u64 a[FX_KEYS];
	__u64 b[FX_KEYS];
	__u64 uaddr;           /* a wait's word, read back at its end (robust) */
	__u32 tgid;
	__u8 call;             /* enum fx_call */
	__u8 nkeys;            /* a[]/b[] filled */
	__u8 wake_keys;        /* the first wake_keys of them had a wake call */
	__u8 pad;
	/* --events (event.bpf.h) only */
	__u64 ev_nvcsw;        /* voluntary context switches at entry */
	__u64 ev_val;          /* val: a wait's expected value, a wake's nr_wake */
	__u64 ev_val2;         /* a requeue's nr_requeue */
	__u16 ev_op;           /* enum ipc_ev_op */
	__u8 ev_cmd;           /* FUTEX_* command, or FX2_* */
	__u8 ev_pad[5];
};

/*
 * The futex call in progress, per thread: task storage (fast_task), else an
 * LRU hash by tid (a thread killed mid-call never reaches its exit).  The
 * loader turns the unused one into a 1-entry array.
 */
struct {
	__uint(type, BPF_MAP_TYPE_TASK_STORAGE);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__type(key, int);
	__type(value, struct futex_stash);
} futex_tstash SEC(".maps") __weak;

struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, 16384);
	__type(key, __u32);
	__type(value, struct futex_stash);
} futex_stash SEC(".maps") __weak;

/* Who woke a thread of another process, from inside which call: by the wakee's tid. */
struct futex_woken {
	__u64 ts;              /* when: a record older than the wait is stale */
	__u64 waker_start_ns;
	__u64 a[2];
	__u64 b[2];
	__u32 waker_tgid;
	__u8 nkeys;
	__u8 dying;            /* the waker was exiting: a robust lock's owner */
	__u8 pad[2];
};

struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, 16384);
	__type(key, __u32);
	__type(value, struct futex_woken);
} futex_woken SEC(".maps") __weak;

/*
 * Threads inside a wake call, and inside a wait, machine-wide: sched_waking
 * runs for every wake-up of the machine, and while both are 0 it costs two
 * loads.  A thread that never reaches its exit (killed mid-call, LRU
 * eviction) leaves one too high, which only costs the lookups it saves.
 */
__u64 futex_posting __weak = 0;
__u64 futex_waiting __weak = 0;

/* The current thread's call in progress, or NULL. */
static __always_inline struct futex_stash *futex_current(__u32 tid)
{
	struct futex_stash *st;

	if (fast_task)
		st = bpf_task_storage_get(&futex_tstash, bpf_get_current_task_btf(), 0, 0);
	else
		st = bpf_map_lookup_elem(&futex_stash, &tid);
	return st && st->ts ? st : NULL;
}

#endif /* IPCTRACE_FUTEX_STASH_BPF_H */

/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * The semaphore calls in progress, per thread (sem.bpf.c).  Shared with
 * futex.bpf.c, which leaves alone the futex calls a traced sem_post or
 * sem_wait makes: that semaphore is one sem edge, not a futex edge too,
 * and with the sched_waking program (waking.bpf.h, in pipe.bpf.c).  The
 * map and counters are __weak like common.bpf.h's, so all link to the
 * same ones.
 */
#ifndef IPCTRACE_SEM_STASH_BPF_H
#define IPCTRACE_SEM_STASH_BPF_H

#include "common.bpf.h"

#define SEM_SOPS_MAX 32      /* sembufs read per semop; more is counted in a stat */

enum sem_call {
	SEMC_SEMOP = 1,  /* semop, semtimedop */
	SEMC_SEMCTL = 2, /* SETVAL, SETALL: may wake waiters, is not a post */
	SEMC_PPOST = 3,  /* sem_post */
	SEMC_PWAIT = 4,  /* sem_wait, sem_timedwait, sem_clockwait, sem_trywait */
};

struct sembuf_u {
	__u16 sem_num;
	__s16 sem_op;
	__s16 sem_flg;
};

/*
 * One thread's call in progress, keyed by tid: sched_waking names the wakee
 * by its task, whose pid is the tid.  match_a/match_b is what a waker and a
 * wakee must share: (ipc ns, semid) for SysV, the sem_t's page key for POSIX.
 */
struct sem_stash {
	__u64 ts;
	__u64 start_ns;
	__u64 match_a;
	__u64 match_b;
	__u64 waker_start_ns;
	__u32 waker_tgid;    /* 0 until a waker is seen */
	__u32 tgid;
	__u16 wait_num;      /* SysV: sem_num of the wait, the edge's object */
	__u16 nsops;         /* sembufs in sops */
	__u8 call;
	__u8 posting;        /* this call can wake waiters */
	__u8 waiting;        /* this call can block */
	__u8 depth;          /* POSIX: nested uprobe entries on this thread */
	__u8 charge;         /* index of the sembuf that gets the blocked time */
	__u8 pad[7];
	struct sembuf_u sops[SEM_SOPS_MAX];
	/* --events (event.bpf.h) only */
	__u64 ev_uaddr;      /* POSIX: the sem_t, read back at return */
	__u64 ev_nvcsw;      /* voluntary context switches at entry */
	__u32 ev_nsops;      /* SysV: the nsops asked, before the cut to SEM_SOPS_MAX */
	__u16 ev_cmd;        /* semctl: SETVAL or SETALL */
	__u16 ev_errno;      /* POSIX wait: the failure its futex call returned */
};

/* LRU: a thread killed (or longjmp'd) inside a call never reaches its exit. */
struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, 16384);
	__type(key, __u32);
	__type(value, struct sem_stash);
} sem_stash SEC(".maps") __weak;

/*
 * Threads inside a call that can wake a waiter, machine-wide.  sched_waking
 * runs for every wake-up of the machine: while this is 0 it costs one load.
 * A poster that never reaches its exit (killed mid-call, LRU eviction)
 * leaves it too high, which only costs the lookup it saves.
 */
__u64 sem_posting __weak = 0;

/*
 * Threads inside a traced sem_post/sem_wait, machine-wide: while 0, the
 * futex programs need not look at sem_stash at all.  An entry the LRU
 * evicts leaves it one too high, which only costs the lookup it saves.
 */
__u64 psem_active __weak = 0;

#endif /* IPCTRACE_SEM_STASH_BPF_H */

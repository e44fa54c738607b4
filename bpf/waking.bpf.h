/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * The one sched_waking program, for every mechanism that names wakers:
 * pipes, FIFOs and sockets, POSIX mq and SysV msg, semaphores, futexes.
 *
 * sched_waking(struct task_struct *p) runs in the waker's context for every
 * wake-up of the machine, traced or not.  One program instead of one per
 * mechanism: the tracepoint's dispatch (and, with bpf_stats, its clock
 * reads) is paid once, and the current task is fetched once.  The common
 * path, a waker in no traced call, is the machine-wide gates (a load each:
 * mq_active, sem_posting, futex_posting, futex_waiting) and, on the fast
 * path, one load of the waker's task-storage pointer: a thread that never
 * made a traced pipe, socket, mq or futex call has no task storage at all,
 * and leaves without a lookup.  Otherwise the pipe stash is one per-thread
 * lookup; mq's and futex's only while their gate is open.  A mechanism -m
 * left out is a constant false (mech_mask is rodata): the verifier drops
 * its part.
 *
 * What each part leaves is what the four programs left: the wakee checks
 * it when its call returns (pipe_woken(), sock.bpf.c, mq_woken(),
 * futex_exit(), sem.bpf.c).
 *
 * Included by pipe.bpf.c only: it uses bpf_rdonly_cast(), which only that
 * file may declare (see there).
 */
#ifndef IPCTRACE_WAKING_BPF_H
#define IPCTRACE_WAKING_BPF_H

#include "common.bpf.h"
#include "stash.bpf.h"
#include "wake.bpf.h"
#include "mq_stash.bpf.h"
#include "sem_stash.bpf.h"
#include "futex_stash.bpf.h"

/* The kinds whose calls leave wake-up records in ipc_woken (pipe_stash / mq_stash). */
#define PIPE_WAKE_MASK (MECH_BIT(MECH_PIPE) | MECH_BIT(MECH_FIFO) | SOCK_MECH_MASK)
#define MQ_WAKE_MASK (MECH_BIT(MECH_MQ) | MECH_BIT(MECH_MSG))

/* The waker, current: its BTF task on the fast path, else its pid_tgid. */
struct waker {
	struct task_struct *task;
	__u64 id;
	__u32 tgid;
	__u32 tid;
};

/* The wakee's (tgid, tid): plain loads on the fast path. */
static __always_inline void wakee_ids(struct task_struct *p, __u32 *tgid, __u32 *tid)
{
	struct task_struct *t;

	if (fast_task) {
		t = bpf_rdonly_cast(p, bpf_core_type_id_kernel(struct task_struct));
		*tgid = t->tgid;
		*tid = t->pid;
	} else {
		*tgid = BPF_CORE_READ(p, tgid);
		*tid = BPF_CORE_READ(p, pid);
	}
}

/*
 * Is TCP sock r the receiving end of sock s's connection?  sk_data_ready
 * names r from a softirq, which runs in whatever task is current: checked
 * here, at a wake-up, with plain loads.  Ports and IPv4 addresses, each
 * end's local the other's remote (IPv6 sockets keep placeholders in the
 * IPv4 fields, the same on both ends: their ports decide).
 */
static __always_inline bool tcp_sent_to(__u64 s, __u64 r)
{
	struct sock_common *a, *b;

	if (!s || !r)
		return false;
	a = bpf_rdonly_cast((void *)s, bpf_core_type_id_kernel(struct sock_common));
	b = bpf_rdonly_cast((void *)r, bpf_core_type_id_kernel(struct sock_common));
	return a->skc_num == bpf_ntohs(b->skc_dport) && b->skc_num == bpf_ntohs(a->skc_dport) &&
	       a->skc_daddr == b->skc_rcv_saddr && a->skc_rcv_saddr == b->skc_daddr;
}

/* Pipes, FIFOs, sockets: a waker inside a traced call leaves what it can release through. */
static __always_inline void pipe_waking(struct task_struct *p, const struct waker *w)
{
	struct ipc_woken r = {};
	struct pipe_stash *st;
	__u32 wtgid, wtid;

	if (fast_task)
		st = bpf_task_storage_get(&pipe_tstash, w->task, 0, 0);
	else
		st = bpf_map_lookup_elem(&pipe_stash, &w->id);
	if (!st || !st->ts)
		return;
	r.waker_start_ns = st->start_ns;
	r.data_mech = st->mech_out;
	r.data = st->out;
	r.room_mech = st->mech_in;
	r.room = st->in;
	if (st->sock) {
		/* fast_task knows the sock of a read or write; a send*() or recv*() does not */
		__u64 self = st->sk ? st->sk : fd_sock(st->fd);

		r.data_sk = st->wake_sk;
		if (st->wake_tcp && !tcp_sent_to(self, st->wake_sk))
			r.data_sk = 0;
		if (st->sock_rx)
			r.room_sk = self;
	}
	if (!r.data_mech && !r.room_mech && !r.data_sk && !r.room_sk)
		return;
	wakee_ids(p, &wtgid, &wtid);
	woken_leave(wtgid, wtid, &r, w->tgid);
}

/* POSIX mq, SysV msg: a send leaves its queue as data, a receive as room. */
static __always_inline void mq_waking(struct task_struct *p, const struct waker *w)
{
	struct ipc_woken r = {};
	struct mq_stash *st;
	__u32 wtgid, wtid;

	if (fast_task)
		st = bpf_task_storage_get(&mq_tstash, w->task, 0, 0);
	else
		st = bpf_map_lookup_elem(&mq_stash, &w->id);
	if (!st || !st->ts || !st->waking)
		return;
	r.waker_start_ns = st->start_ns;
	if (st->op == OP_SEND) {
		r.data_mech = st->mech;
		r.data.obj_a = st->obj_a;
		r.data.obj_b = st->obj_b;
	} else {
		r.room_mech = st->mech;
		r.room.obj_a = st->obj_a;
		r.room.obj_b = st->obj_b;
	}
	wakee_ids(p, &wtgid, &wtid);
	woken_leave(wtgid, wtid, &r, w->tgid);
}

/*
 * Semaphores: a poster waking a waiter of another process on the same
 * semaphore names itself in the waiter's stash.
 */
static __always_inline void sem_waking(struct task_struct *p, const struct waker *w)
{
	struct sem_stash *ws, *s;
	__u32 wtgid, wtid;

	ws = bpf_map_lookup_elem(&sem_stash, &w->tid);
	if (!ws || !ws->posting)
		return;
	wakee_ids(p, &wtgid, &wtid);
	s = bpf_map_lookup_elem(&sem_stash, &wtid);
	/* A thread of the same process is not IPC. */
	if (!s || !s->waiting || s->tgid == ws->tgid || s->match_a != ws->match_a ||
	    s->match_b != ws->match_b)
		return;
	s->waker_tgid = ws->tgid;
	s->waker_start_ns = ws->start_ns;
}

/*
 * Futexes: a wake call leaves its words under the wakee's tid; a waker that
 * is exiting (a robust lock's owner dying wakes a waiter from do_exit())
 * leaves itself as dying.  stored: the waker may have a task-storage stash.
 */
static __always_inline void futex_waking(struct task_struct *p, const struct waker *w,
					 bool stored)
{
	struct futex_woken r = {};
	struct futex_stash *ws = NULL;
	__u32 wtgid, wtid, flags;

	if (futex_posting && stored) {
		if (fast_task)
			ws = bpf_task_storage_get(&futex_tstash, w->task, 0, 0);
		else
			ws = bpf_map_lookup_elem(&futex_stash, &w->tid);
		if (ws && (!ws->ts || ws->call != FX_WAKE))
			ws = NULL;
	}
	if (!ws) {
		if (!futex_waiting)
			return;
		if (fast_task)
			flags = w->task->flags;
		else
			flags = BPF_CORE_READ((struct task_struct *)bpf_get_current_task(), flags);
		if (!(flags & PF_EXITING))
			return;
		r.dying = 1;
		r.waker_start_ns = fast_task ? w->task->group_leader->start_boottime
					     : current_start_ns();
	} else {
		r.waker_start_ns = ws->start_ns;
		r.a[0] = ws->a[0];
		r.b[0] = ws->b[0];
		r.a[1] = ws->a[1];
		r.b[1] = ws->b[1];
		r.nkeys = ws->nkeys < 2 ? ws->nkeys : 2;
	}
	wakee_ids(p, &wtgid, &wtid);
	/* a thread of the same process is not IPC */
	if (wtgid == w->tgid)
		return;
	r.waker_tgid = w->tgid;
	r.ts = bpf_ktime_get_ns();
	bpf_map_update_elem(&futex_woken, &wtid, &r, BPF_ANY);
}

/*
 * The machine-wide gates: a load each, and a constant false for a kind -m
 * left out.  Read where they are used rather than kept in registers, so that
 * the verifier's states along the way stay few.
 */
static __always_inline bool mq_gate(void)
{
	return (mech_mask & MQ_WAKE_MASK) && mq_active;
}

static __always_inline bool sem_gate(void)
{
	return mech_wanted(MECH_SEM) && sem_posting;
}

static __always_inline bool futex_gate(void)
{
	return mech_wanted(MECH_FUTEX) && (futex_posting || futex_waiting);
}

SEC("raw_tracepoint/sched_waking")
int ipc_waking(struct bpf_raw_tracepoint_args *ctx)
{
	struct task_struct *p = (struct task_struct *)ctx->args[0];
	struct waker w = {};
	bool stored = true;

	if (bench_noop)
		return 0;
	if (!(mech_mask & PIPE_WAKE_MASK) && !mq_gate() && !sem_gate() && !futex_gate())
		return 0;
	if (fast_task) {
		w.task = bpf_get_current_task_btf();
		/*
		 * Every stash on this path is task storage the thread created for
		 * itself at a traced call: with none at all, it is in no call.
		 */
		if (bpf_core_field_exists(w.task->bpf_storage))
			stored = w.task->bpf_storage != NULL;
		w.tgid = w.task->tgid;
		w.tid = w.task->pid;
	} else {
		w.id = bpf_get_current_pid_tgid();
		w.tgid = w.id >> 32;
		w.tid = (__u32)w.id;
	}
	/* in the order the four programs ran: a waker is in one call at a time */
	if (futex_gate())
		futex_waking(p, &w, stored);
	if (stored) {
		if (mq_gate())
			mq_waking(p, &w);
		if (mech_mask & PIPE_WAKE_MASK)
			pipe_waking(p, &w);
	}
	if (sem_gate())
		sem_waking(p, &w);
	return 0;
}

#endif /* IPCTRACE_WAKING_BPF_H */

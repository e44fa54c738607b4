/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * --events: one record per IPC operation on one ring buffer.
 *
 * Without --events `want_events` is false and the verifier drops every
 * branch that tests it: the aggregate hot path does not change.  With it,
 * a mechanism's entry hook calls ev_begin() (which arms the per-thread
 * list of tasks the call wakes, filled by ev_waking on sched_waking), and
 * its exit hook takes a record with ev_reserve(), fills the object, the
 * result and its kernel state, and ev_submit()s it.  Records are committed
 * without a wake-up (BPF_RB_NO_WAKEUP): the collector consumes the ring on
 * its 100 ms tick.  A record the ring has no room for is counted in
 * ev_lost, per mechanism.
 */
#ifndef IPCTRACE_EVENT_BPF_H
#define IPCTRACE_EVENT_BPF_H

#include "common.bpf.h"

const volatile bool want_events __weak = 0;

/* The loader sizes it (--ring-mb); a page without --events. */
struct {
	__uint(type, BPF_MAP_TYPE_RINGBUF);
	__uint(max_entries, 4096);
} ipc_events SEC(".maps") __weak;

/* Records the ring had no room for, by enum ipc_mech. */
struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, MECH_MAX);
	__type(key, __u32);
	__type(value, __u64);
} ev_lost SEC(".maps") __weak;

/* The tasks a thread's current call woke. */
struct ev_thread {
	__u64 since;        /* the call's entry; 0: no call armed */
	__u32 n_woke;
	__u32 woke_pid[IPC_EV_WOKE];
	char woke_comm[IPC_EV_WOKE][IPC_COMM_LEN];
};

/* Per thread; fast_task: task storage, else an LRU hash by tid (the loader shrinks the other). */
struct {
	__uint(type, BPF_MAP_TYPE_TASK_STORAGE);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__type(key, int);
	__type(value, struct ev_thread);
} ev_tstash SEC(".maps") __weak;

struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, 16384);
	__type(key, __u32);
	__type(value, struct ev_thread);
} ev_stash SEC(".maps") __weak;

static __always_inline struct ev_thread *ev_thread_get(bool create)
{
	__u32 tid;

	if (fast_task)
		return bpf_task_storage_get(&ev_tstash, bpf_get_current_task_btf(), 0,
					    create ? BPF_LOCAL_STORAGE_GET_F_CREATE : 0);
	tid = (__u32)bpf_get_current_pid_tgid();
	if (create) {
		struct ev_thread *t = bpf_map_lookup_elem(&ev_stash, &tid);
		struct ev_thread zero = {};

		if (t)
			return t;
		bpf_map_update_elem(&ev_stash, &tid, &zero, BPF_NOEXIST);
	}
	return bpf_map_lookup_elem(&ev_stash, &tid);
}

/* A traced call begins at ts: name what it wakes from now on. */
static __always_inline void ev_begin(__u64 ts)
{
	struct ev_thread *t;

	if (!want_events)
		return;
	t = ev_thread_get(true);
	if (!t)
		return;
	t->n_woke = 0;
	t->since = ts;
}

/*
 * A record for the current thread's operation op on mech, its common part
 * filled (time, process, the tasks its call woke); NULL when --events is
 * off or the ring is full (counted).  The caller fills the rest and calls
 * ev_submit().
 */
static __always_inline struct ipc_event *ev_reserve(__u8 mech, __u16 op, __u64 start_ns)
{
	struct ipc_event *e;
	struct ev_thread *t;
	__u64 id;

	if (!want_events)
		return NULL;
	e = bpf_ringbuf_reserve(&ipc_events, sizeof(*e), 0);
	if (!e) {
		__u32 k = mech;
		__u64 *n = bpf_map_lookup_elem(&ev_lost, &k);

		if (n)
			__sync_fetch_and_add(n, 1);
		return NULL;
	}
	__builtin_memset(e, 0, sizeof(*e));
	id = bpf_get_current_pid_tgid();
	e->ts_ns = bpf_ktime_get_ns();
	e->pid = id >> 32;
	e->tid = (__u32)id;
	e->start_ns = start_ns;
	e->mech = mech;
	e->op = op;
	bpf_get_current_comm(e->comm, sizeof(e->comm));
	t = ev_thread_get(false);
	if (t && t->since) {
		__u32 n = t->n_woke;

		e->n_woke = n > 255 ? 255 : n;
		for (int i = 0; i < IPC_EV_WOKE; i++) {
			if (i >= n)
				break;
			e->woke_pid[i] = t->woke_pid[i];
			__builtin_memcpy(e->woke_comm[i], t->woke_comm[i], IPC_COMM_LEN);
		}
		t->since = 0;
	}
	return e;
}

/*
 * The call took from since to now; it slept when slept (nvcsw moved,
 * wake.bpf.h).  Without fast_task whether it slept is not known: no time
 * is given rather than a guess.
 */
static __always_inline void ev_blocked(struct ipc_event *e, __u64 since, bool slept)
{
	if (fast_task && slept && since && e->ts_ns > since) {
		e->flags |= EV_F_SLEPT;
		e->blocked_ns = e->ts_ns - since;
	}
}

static __always_inline void ev_submit(struct ipc_event *e)
{
	bpf_ringbuf_submit(e, BPF_RB_NO_WAKEUP);
}

/*
 * sched_waking(struct task_struct *p), in the waker's context, loaded only
 * with --events: a task woken while the current thread is in an armed call
 * is named on that call's record (a softirq's wake-up in its context too:
 * that is how loopback delivery wakes a receiver).
 */
static __always_inline int ev_woke(struct task_struct *p)
{
	struct ev_thread *t;
	__u32 n, pid;

	if (!want_events)
		return 0;
	t = ev_thread_get(false);
	if (!t || !t->since)
		return 0;
	pid = BPF_CORE_READ(p, tgid);
	n = t->n_woke;
	/* the same task twice in one call (a loop of small writes) is named once */
	for (int i = 0; i < IPC_EV_WOKE; i++) {
		if (i >= n)
			break;
		if (t->woke_pid[i] == pid)
			return 0;
	}
	if (n < IPC_EV_WOKE) {
		t->woke_pid[n] = pid;
		BPF_CORE_READ_STR_INTO(&t->woke_comm[n], p, comm);
	}
	t->n_woke = n + 1;
	return 0;
}

#endif /* IPCTRACE_EVENT_BPF_H */

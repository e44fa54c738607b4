/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * Wake-ups through pipes, FIFOs, sockets and message queues: who released
 * whom.  Shared by pipe.bpf.c, sock.bpf.c and mq.bpf.c (maps __weak, like
 * common.bpf.h's).
 *
 * sched_waking runs in the waker's context and names the wakee.  When the
 * waker is inside a traced call on an object, its *_waking program leaves
 * a record under the wakee's tid: when, who, and what the call could
 * release a waiter through (the object it put data into, the object it
 * took data from).  The wakee, when its own call returns after it slept
 * (its voluntary context switch count moved), takes the record if it is
 * newer than its call and names the object it was blocked on: the waker
 * gave it what it waited for (a read, a receive) or made room for it (a
 * write into a full object).  One wake-up is counted per blocked call: the
 * last release before it returned.
 */
#ifndef IPCTRACE_WAKE_BPF_H
#define IPCTRACE_WAKE_BPF_H

#include "common.bpf.h"

/* What a waker's call can release a waiter through; left under the wakee's tid. */
struct ipc_woken {
	__u64 ts;              /* the wake-up */
	__u64 waker_start_ns;
	__u32 waker_tgid;
	__u8 data_mech;        /* pipe, FIFO, mq, msg: the object it put data into */
	__u8 room_mech;        /* ... and the one it took data from */
	__u8 pad[2];
	struct obj_key data, room;
	__u64 data_sk;         /* sockets: the receiving sock its data reached (sk_data_ready) */
	__u64 room_sk;         /* sockets: its own sock, when its call receives */
};

/* tid -> the latest wake-up of that thread by a traced call.  LRU: wakees that never look. */
struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, 16384);
	__type(key, __u32);
	__type(value, struct ipc_woken);
} ipc_woken SEC(".maps") __weak;

/* (waker, wakee, object, back) -> wake-ups and the time the wakee had been blocked. */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 16384);
	__type(key, struct wake_key);
	__type(value, struct wake_val);
} ipc_wakes SEC(".maps") __weak;

/*
 * Leave r (its waker and objects filled) for the task sched_waking named
 * (wakee_tgid, wakee_tid).
 */
static __always_inline void woken_leave(__u32 wakee_tgid, __u32 wakee_tid, struct ipc_woken *r,
					__u32 waker_tgid)
{
	struct ipc_woken *cur;

	/* a thread of the same process is not IPC */
	if (wakee_tgid == waker_tgid)
		return;
	r->waker_tgid = waker_tgid;
	r->ts = bpf_ktime_get_ns();
	/*
	 * In place when the wakee has a record already (the common case): an
	 * LRU update allocates and frees a node, several times the cost.  The
	 * wakee reads it only after this wake-up, which it cannot have seen
	 * yet; a second waker racing for the same wakee loses in the kernel.
	 */
	cur = bpf_map_lookup_elem(&ipc_woken, &wakee_tid);
	if (cur)
		*cur = *r;
	else
		bpf_map_update_elem(&ipc_woken, &wakee_tid, r, BPF_ANY);
}

/* Thread tid's latest wake-up, if it happened after since (its call's entry). */
static __always_inline const struct ipc_woken *tid_woken_since(__u32 tid, __u64 since)
{
	const struct ipc_woken *r = bpf_map_lookup_elem(&ipc_woken, &tid);

	return r && r->ts >= since ? r : NULL;
}

/* The current thread's. */
static __always_inline const struct ipc_woken *woken_since(__u64 since)
{
	return tid_woken_since((__u32)bpf_get_current_pid_tgid(), since);
}

/* Did the current thread sleep since its call's entry, when it had made nvcsw voluntary switches? */
static __always_inline bool slept_since(__u64 nvcsw)
{
	if (!fast_task)
		return true; /* not known cheaply: the record's time decides */
	return bpf_get_current_task_btf()->nvcsw != nvcsw;
}

/* The current task's voluntary context switches (0 when not known cheaply). */
static __always_inline __u64 current_nvcsw(void)
{
	return fast_task ? bpf_get_current_task_btf()->nvcsw : 0;
}

/*
 * Count r's waker releasing the current thread (wakee_tgid, wakee_start_ns)
 * through object (mech, a, b), blocked since `since`.
 */
static __always_inline void wake_count(const struct ipc_woken *r, __u32 wakee_tgid,
				       __u64 wakee_start_ns, __u8 mech, __u64 a, __u64 b, bool back,
				       __u64 since)
{
	struct wake_key k = {
		.waker_tgid = r->waker_tgid,
		.wakee_tgid = wakee_tgid,
		.waker_start_ns = r->waker_start_ns,
		.wakee_start_ns = wakee_start_ns,
		.obj_a = a,
		.obj_b = b,
		.mech = mech,
		.back = back,
	};
	struct wake_val *v = bpf_map_lookup_elem(&ipc_wakes, &k);

	if (!v) {
		struct wake_val init = {};

		bpf_get_current_comm(init.wakee_comm, sizeof(init.wakee_comm));
		bpf_map_update_elem(&ipc_wakes, &k, &init, BPF_NOEXIST);
		v = bpf_map_lookup_elem(&ipc_wakes, &k);
		if (!v) {
			stat_inc(STAT_WAKES_FULL);
			return;
		}
	}
	__sync_fetch_and_add(&v->wakes, 1);
	__sync_fetch_and_add(&v->blocked_ns, r->ts - since);
}

#endif /* IPCTRACE_WAKE_BPF_H */

// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * Signals.  signal_generate runs in the sender's context and names the
 * target task, so (sender, target, signal, si_code) is counted exactly there,
 * with the kernel's verdict (queued, ignored, already pending, ...).
 * signal_deliver runs in the receiver when the signal is dequeued for its
 * handler or default action; the time since generation is the latency.
 *
 * Raw tracepoints, because the classic ones carry neither the target's task
 * pointer (for its tgid and start time) nor the siginfo.
 */
#include "common.bpf.h"
#include "wake.bpf.h"
#include "event.bpf.h"

#define SI_USER 0
#define SI_KERNEL 0x80
#define SI_TIMER (-2)
#define CLD_EXITED 1
#define CLD_CONTINUED 6
#define SIGCHLD 17
/* Special siginfo pointers, include/linux/sched/signal.h */
#define SEND_SIG_NOINFO ((struct kernel_siginfo *)0)
#define SEND_SIG_PRIV ((struct kernel_siginfo *)1)

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 65536);
	__type(key, struct sig_key);
	__type(value, struct sig_val);
} sigs SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 65536);
	__type(key, struct sigdel_key);
	__type(value, struct sigdel_val);
} sigdels SEC(".maps");

/* Oldest queued-but-undelivered generation time per (tgid, sig). */
struct sigpend_key {
	__u32 tgid;
	__s32 sig;
};

struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, 65536);
	__type(key, struct sigpend_key);
	__type(value, __u64);
} sigpend SEC(".maps");

/*
 * Wake-ups by signals: a thread inside a traced sigwaitinfo/sigtimedwait,
 * sigsuspend or pause, keyed by tid.  The first signal generated for it
 * while it waits, by a process (not the kernel), is its waker: the sender
 * writes itself here (signal_generate runs in its context).  The wait's
 * end counts the wake-up if the thread slept and the signal that ended the
 * wait is that one (sigtimedwait's return; sigsuspend and pause: the
 * signal delivered as they return).
 */
enum sigwait_call {
	SW_TIMEDWAIT = 1, /* rt_sigtimedwait: returns the signal */
	SW_SUSPEND = 2,   /* rt_sigsuspend, pause: -EINTR, then the handler's signal_deliver */
	SW_PAUSE = 3,     /* pause: as SW_SUSPEND; told apart for --events only */
};

struct sigwait {
	__u64 ts;          /* the call's entry */
	__u64 nvcsw;
	__u64 start_ns;
	__u64 gen_ts;      /* the first generation while waiting; 0: none yet */
	__u64 waker_start_ns;
	__u64 exit_ts;     /* SW_SUSPEND: returned after sleeping, awaiting signal_deliver */
	__u32 waker_tgid;
	__s32 sig;
	__s32 code;
	__u8 call;
	__u8 slept;        /* exit_ts set: the call slept */
	__u8 pad[2];
	/* --events */
	__s64 ev_ret;      /* SW_SUSPEND: the result, for the record made at signal_deliver */
	char waker_comm[IPC_COMM_LEN];
};

struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, 4096);
	__type(key, __u32);
	__type(value, struct sigwait);
} sigwaits SEC(".maps");

/* Threads inside a traced signal wait: while 0, signal_generate does no lookup. */
__u64 sig_waiting = 0;

static __always_inline int siginfo_code(struct kernel_siginfo *info)
{
	if (info == SEND_SIG_NOINFO)
		return SI_USER;
	if (info == SEND_SIG_PRIV)
		return SI_KERNEL;
	return BPF_CORE_READ(info, si_code);
}

/* A signal queued for target: its first while target waits in a traced signal wait. */
static __always_inline void sigwait_woken(struct task_struct *target, const struct sig_key *key,
					  __u64 now)
{
	__u32 tid = BPF_CORE_READ(target, pid);
	struct sigwait *w = bpf_map_lookup_elem(&sigwaits, &tid);

	if (!w || w->gen_ts || w->exit_ts || key->src_tgid == key->dst_tgid)
		return;
	w->waker_tgid = key->src_tgid;
	w->waker_start_ns = key->src_start_ns;
	w->sig = key->sig;
	w->code = key->code;
	w->gen_ts = now;
	if (want_events)
		bpf_get_current_comm(w->waker_comm, sizeof(w->waker_comm));
}

/* Count w's waker releasing the current thread, its wait ended by signal sig. */
static __always_inline void sigwait_count(const struct sigwait *w, int sig)
{
	struct ipc_woken r = {};

	if (!w->gen_ts || w->sig != sig)
		return;
	r.ts = w->gen_ts;
	r.waker_tgid = w->waker_tgid;
	r.waker_start_ns = w->waker_start_ns;
	wake_count(&r, bpf_get_current_pid_tgid() >> 32, w->start_ns, MECH_SIGNAL,
		   (__u64)(__s64)w->sig, (__u64)(__s64)w->code, false, w->ts);
}

/* ---- --events (event.bpf.h) ---- */

/*
 * A record made inside another traced call (SIGPIPE in a pipe write,
 * SIGCHLD in an exit): that call's list of woken tasks stays armed for
 * its own record, and this one names none.
 */
static __always_inline struct ipc_event *sig_ev_reserve(__u16 op, __u64 start_ns)
{
	struct ev_thread *t = ev_thread_get(false);
	__u64 since = t ? t->since : 0;
	struct ipc_event *e = ev_reserve(MECH_SIGNAL, op, start_ns);

	if (t)
		t->since = since;
	if (e)
		e->n_woke = 0;
	return e;
}

/*
 * The end of a signal wait: state[] = the signal that ended it (0: none),
 * the call (enum sigwait_call), the time from that signal's generation to
 * the end (-1: not known); the sender of that signal is the peer.
 */
static __always_inline void sig_ev_wait(const struct sigwait *w, long ret, int sig, bool slept,
					__u64 end_ts)
{
	struct ipc_event *e = sig_ev_reserve(EV_OP_SIGWAIT, w->start_ns);
	bool by_waker = w->gen_ts && w->sig == sig && sig > 0;

	if (!e)
		return;
	e->ts_ns = end_ts;
	e->ret = ret;
	e->obj_a = sig;
	e->obj_b = by_waker ? (__u32)w->code : 0;
	ev_blocked(e, w->ts, slept);
	e->state[0] = sig;
	e->state[1] = w->call;
	e->state[2] = by_waker && end_ts > w->gen_ts ? end_ts - w->gen_ts : -1;
	e->state[3] = by_waker ? w->code : 0;
	if (by_waker) {
		e->flags |= EV_F_PEER;
		e->peer_pid = w->waker_tgid;
		e->peer_start_ns = w->waker_start_ns;
		__builtin_memcpy(e->peer_comm, w->waker_comm, IPC_COMM_LEN);
	}
	ev_submit(e);
}

static __always_inline int sigwait_enter(__u8 call)
{
	__u64 id = bpf_get_current_pid_tgid();
	__u32 tid = (__u32)id;
	struct sigwait w = {};

	if (bench_noop || !mech_wanted(MECH_SIGNAL) || !tgid_wanted(id >> 32))
		return 0;
	w.call = call;
	w.nvcsw = current_nvcsw();
	w.start_ns = current_start_ns();
	w.ts = bpf_ktime_get_ns();
	if (bpf_map_update_elem(&sigwaits, &tid, &w, BPF_ANY)) {
		stat_inc(STAT_STASH_FULL);
		return 0;
	}
	__sync_fetch_and_add(&sig_waiting, 1);
	return 0;
}

static __always_inline void sigwait_drop(__u32 tid)
{
	if (sig_waiting)
		__sync_fetch_and_add(&sig_waiting, -1);
	bpf_map_delete_elem(&sigwaits, &tid);
}

static __always_inline int sigwait_exit(long ret)
{
	__u32 tid = (__u32)bpf_get_current_pid_tgid();
	struct sigwait *w = bpf_map_lookup_elem(&sigwaits, &tid);

	bool slept;

	if (!w)
		return 0;
	slept = slept_since(w->nvcsw);
	if (want_events) {
		__u64 now = bpf_ktime_get_ns();

		if (w->call != SW_TIMEDWAIT) {
			/* --events: its record waits for the signal delivered as it returns */
			w->slept = slept;
			w->ev_ret = ret;
			w->exit_ts = now;
			return 0;
		}
		sig_ev_wait(w, ret, ret > 0 ? ret : 0, slept, now);
	}
	if (!slept || !w->gen_ts) {
		sigwait_drop(tid);
		return 0;
	}
	if (w->call == SW_TIMEDWAIT) {
		if (ret > 0)
			sigwait_count(w, ret);
		sigwait_drop(tid);
		return 0;
	}
	/* sigsuspend, pause: the handler's signal_deliver names the signal next */
	w->slept = 1;
	w->exit_ts = bpf_ktime_get_ns();
	return 0;
}

/* rt_sigtimedwait(set, info, timeout, sigsetsize): sigwait, sigwaitinfo, sigtimedwait */
SEC("tracepoint/syscalls/sys_enter_rt_sigtimedwait")
int sig_enter_sigtimedwait(struct trace_event_raw_sys_enter *ctx)
{
	return sigwait_enter(SW_TIMEDWAIT);
}

SEC("tracepoint/syscalls/sys_exit_rt_sigtimedwait")
int sig_exit_sigtimedwait(struct trace_event_raw_sys_exit *ctx)
{
	return sigwait_exit(ctx->ret);
}

SEC("tracepoint/syscalls/sys_enter_rt_sigsuspend")
int sig_enter_sigsuspend(struct trace_event_raw_sys_enter *ctx)
{
	return sigwait_enter(SW_SUSPEND);
}

SEC("tracepoint/syscalls/sys_exit_rt_sigsuspend")
int sig_exit_sigsuspend(struct trace_event_raw_sys_exit *ctx)
{
	return sigwait_exit(ctx->ret);
}

SEC("tracepoint/syscalls/sys_enter_pause")
int sig_enter_pause(struct trace_event_raw_sys_enter *ctx)
{
	return sigwait_enter(SW_PAUSE);
}

SEC("tracepoint/syscalls/sys_exit_pause")
int sig_exit_pause(struct trace_event_raw_sys_exit *ctx)
{
	return sigwait_exit(ctx->ret);
}

/*
 * signal_generate's record, in the sender's context (the kernel's signals,
 * SI_KERNEL and timers, name no sender: pid 0, "kernel"): the target is the
 * peer; state[] = signo, si_code, the tracepoint's result (enum
 * sig_result), SIGCHLD's si_status (the child's exit status or signal; 0
 * otherwise), the target thread, whether sent to the whole process.
 */
static __always_inline void sig_ev_generate(struct task_struct *target,
					    struct kernel_siginfo *info, const struct sig_key *key,
					    __u32 result, bool group, bool from_kernel)
{
	struct ipc_event *e = sig_ev_reserve(EV_OP_SIGNAL, key->src_start_ns);

	if (!e)
		return;
	if (from_kernel) {
		e->pid = e->tid = 0;
		__builtin_memset(e->comm, 0, sizeof(e->comm));
		__builtin_memcpy(e->comm, "kernel", 6);
	}
	e->obj_a = key->sig;
	e->obj_b = (__u32)key->code;
	e->flags |= EV_F_PEER;
	e->peer_pid = key->dst_tgid;
	e->peer_start_ns = key->dst_start_ns;
	BPF_CORE_READ_STR_INTO(&e->peer_comm, target, group_leader, comm);
	e->state[0] = key->sig;
	e->state[1] = key->code;
	e->state[2] = result;
	if (key->sig == SIGCHLD && key->code >= CLD_EXITED && key->code <= CLD_CONTINUED &&
	    info > SEND_SIG_PRIV)
		e->state[3] = BPF_CORE_READ(info, _sifields._sigchld._status);
	e->state[4] = BPF_CORE_READ(target, pid);
	e->state[5] = group;
	ev_submit(e);
}

/* signal_generate(int sig, struct kernel_siginfo *info, struct task_struct *task, int group, int result) */
SEC("raw_tracepoint/signal_generate")
int sig_generate(struct bpf_raw_tracepoint_args *ctx)
{
	struct task_struct *target = (struct task_struct *)ctx->args[2];
	struct kernel_siginfo *info = (struct kernel_siginfo *)ctx->args[1];
	int sig = ctx->args[0];
	__u32 result = ctx->args[4];
	__u32 self = bpf_get_current_pid_tgid() >> 32;
	struct sig_key key = {};
	struct sig_val *v;
	bool from_kernel;

	if (bench_noop)
		return 0;
	key.dst_tgid = BPF_CORE_READ(target, tgid);
	key.code = siginfo_code(info);
	/*
	 * SI_KERNEL and timer signals come from the kernel itself, often in
	 * interrupt context where current is whoever was running.  Every other
	 * code (SI_USER, SI_QUEUE, SI_TKILL, SIGCHLD's CLD_*, faults, SIGPIPE)
	 * is raised in the context of the task that caused it.
	 */
	from_kernel = key.code == SI_KERNEL || key.code == SI_TIMER;
	if (!from_kernel)
		key.src_tgid = self;
	if (key.dst_tgid == self_tgid || key.src_tgid == self_tgid)
		return 0;
	if (filter_traced && !tgid_wanted(key.dst_tgid) && (from_kernel || !tgid_wanted(key.src_tgid)))
		return 0;

	key.sig = sig;
	key.dst_start_ns = task_start_ns(target);
	if (!from_kernel)
		key.src_start_ns = task_start_ns((struct task_struct *)bpf_get_current_task());

	v = bpf_map_lookup_elem(&sigs, &key);
	if (!v) {
		struct sig_val init = {};

		if (!from_kernel)
			bpf_get_current_comm(init.src_comm, sizeof(init.src_comm));
		bpf_map_update_elem(&sigs, &key, &init, BPF_NOEXIST);
		v = bpf_map_lookup_elem(&sigs, &key);
		if (!v) {
			stat_inc(STAT_SIG_FULL);
			return 0;
		}
	}
	__sync_fetch_and_add(&v->generated, 1);
	if (result < SIGRES_MAX)
		__sync_fetch_and_add(&v->result[result], 1);

	if (result == SIGRES_DELIVERED) {
		struct sigpend_key pk = { .tgid = key.dst_tgid, .sig = sig };
		__u64 now = bpf_ktime_get_ns();

		bpf_map_update_elem(&sigpend, &pk, &now, BPF_NOEXIST);
		if (sig_waiting && !from_kernel)
			sigwait_woken(target, &key, now);
	}
	if (want_events)
		sig_ev_generate(target, info, &key, result, ctx->args[3], from_kernel);
	return 0;
}

/*
 * signal_deliver's record, in the target as it dequeues the signal:
 * state[] = signo, si_code, the latency since its generation (-1: not
 * known), the disposition (0 default, 1 ignore, 2 a handler), sa_flags.
 */
static __always_inline void sig_ev_deliver(struct bpf_raw_tracepoint_args *ctx, __u64 start_ns,
					   __s64 lat)
{
	struct kernel_siginfo *info = (struct kernel_siginfo *)ctx->args[1];
	struct k_sigaction *ka = (struct k_sigaction *)ctx->args[2];
	struct ipc_event *e = sig_ev_reserve(EV_OP_DELIVER, start_ns);
	unsigned long handler;
	int sig = ctx->args[0];

	if (!e)
		return;
	handler = (unsigned long)BPF_CORE_READ(ka, sa.sa_handler);
	e->obj_a = sig;
	e->obj_b = (__u32)siginfo_code(info);
	e->state[0] = sig;
	e->state[1] = siginfo_code(info);
	e->state[2] = lat;
	e->state[3] = handler > 1 ? 2 : handler; /* SIG_DFL 0, SIG_IGN 1 */
	e->state[4] = BPF_CORE_READ(ka, sa.sa_flags);
	ev_submit(e);
}

/* signal_deliver(int sig, struct kernel_siginfo *info, struct k_sigaction *ka) */
SEC("raw_tracepoint/signal_deliver")
int sig_deliver(struct bpf_raw_tracepoint_args *ctx)
{
	__u32 tgid = bpf_get_current_pid_tgid() >> 32;
	struct sigpend_key pk = { .tgid = tgid, .sig = ctx->args[0] };
	struct sigdel_key key = {};
	struct sigdel_val *v;
	__u64 *gen_ts, lat = 0;

	if (bench_noop || !tgid_wanted(tgid))
		return 0;
	if (sig_waiting) {
		__u32 tid = (__u32)bpf_get_current_pid_tgid();
		struct sigwait *w = bpf_map_lookup_elem(&sigwaits, &tid);

		/* the signal that ended a sigsuspend or pause, delivered as it returns */
		if (w && w->exit_ts) {
			if (w->slept)
				sigwait_count(w, pk.sig);
			if (want_events)
				sig_ev_wait(w, w->ev_ret, pk.sig, w->slept, w->exit_ts);
			sigwait_drop(tid);
		}
	}
	key.tgid = tgid;
	key.sig = pk.sig;
	key.start_ns = task_start_ns((struct task_struct *)bpf_get_current_task());

	gen_ts = bpf_map_lookup_elem(&sigpend, &pk);
	if (gen_ts) {
		lat = bpf_ktime_get_ns() - *gen_ts;
		bpf_map_delete_elem(&sigpend, &pk);
	}
	if (want_events)
		sig_ev_deliver(ctx, key.start_ns, gen_ts ? (__s64)lat : -1);

	v = bpf_map_lookup_elem(&sigdels, &key);
	if (!v) {
		struct sigdel_val init = {};

		bpf_get_current_comm(init.comm, sizeof(init.comm));
		bpf_map_update_elem(&sigdels, &key, &init, BPF_NOEXIST);
		v = bpf_map_lookup_elem(&sigdels, &key);
		if (!v) {
			stat_inc(STAT_SIG_FULL);
			return 0;
		}
	}
	__sync_fetch_and_add(&v->delivered, 1);
	if (gen_ts) {
		__sync_fetch_and_add(&v->lat_count, 1);
		__sync_fetch_and_add(&v->lat_sum_ns, lat);
		/* racy max, but both racers are this process's threads: good enough */
		if (lat > v->lat_max_ns)
			v->lat_max_ns = lat;
	}
	return 0;
}

char LICENSE[] SEC("license") = "Dual BSD/GPL";

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

#define SI_USER 0
#define SI_KERNEL 0x80
#define SI_TIMER (-2)
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

static __always_inline int siginfo_code(struct kernel_siginfo *info)
{
	if (info == SEND_SIG_NOINFO)
		return SI_USER;
	if (info == SEND_SIG_PRIV)
		return SI_KERNEL;
	return BPF_CORE_READ(info, si_code);
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
	}
	return 0;
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
	key.tgid = tgid;
	key.sig = pk.sig;
	key.start_ns = task_start_ns((struct task_struct *)bpf_get_current_task());

	gen_ts = bpf_map_lookup_elem(&sigpend, &pk);
	if (gen_ts) {
		lat = bpf_ktime_get_ns() - *gen_ts;
		bpf_map_delete_elem(&sigpend, &pk);
	}

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

// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * Process lifecycle: fork, exec, exit and comm changes go to userspace on
 * the proc_events ring buffer (low rate), so the model knows each process's
 * parent and current name, and when its map entries can be reaped.  In
 * `-- COMMAND` mode fork also grows the traced set, in the kernel, before
 * the child can run.
 */
#include "common.bpf.h"
#include "event.bpf.h"

/*
 * The process's pid as its own pid namespace numbers it (a container's
 * view), from the leader's struct pid: numbers[level] is the innermost.
 */
static __always_inline void proc_ns_pid(struct task_struct *task, struct ipc_proc_event *e)
{
	struct pid *pid = BPF_CORE_READ(task, group_leader, thread_pid);
	unsigned int level = BPF_CORE_READ(pid, level);
	struct upid upid;

	e->ns_pid = 0;
	e->pidns = 0;
	if (!pid || level > 31 ||
	    bpf_probe_read_kernel(&upid, sizeof(upid), &pid->numbers[level]))
		return;
	e->ns_pid = upid.nr;
	e->pidns = BPF_CORE_READ(upid.ns, ns.inum);
}

/*
 * The task's cgroup v2 id, read from the task rather than with
 * bpf_get_current_cgroup_id(): fork runs in the parent, and a child cloned
 * with CLONE_INTO_CGROUP starts elsewhere; for the current task both agree.
 */
static __always_inline __u64 proc_cgroup_id(struct task_struct *task)
{
	return BPF_CORE_READ(task, cgroups, dfl_cgrp, kn, id);
}

static __always_inline void proc_emit(struct task_struct *task, __u32 type, __u32 tgid, __u32 ppid,
				      __u64 start_ns, int exit_code, const char *comm_kernel)
{
	struct ipc_proc_event *e = bpf_ringbuf_reserve(&proc_events, sizeof(*e), 0);

	if (!e) {
		stat_inc(STAT_PROC_EV_LOST);
		return;
	}
	e->type = type;
	e->tgid = tgid;
	e->ppid = ppid;
	e->exit_code = exit_code;
	e->start_ns = start_ns;
	e->ts = bpf_ktime_get_ns();
	if (comm_kernel)
		bpf_probe_read_kernel_str(e->comm, sizeof(e->comm), comm_kernel);
	else
		bpf_get_current_comm(e->comm, sizeof(e->comm));
	proc_ns_pid(task, e);
	e->cgroup_id = proc_cgroup_id(task);
	/* Userspace drains on a timer: no wake-up per process event. */
	bpf_ringbuf_submit(e, BPF_RB_NO_WAKEUP);
}

/*
 * --events (event.bpf.h): fork, exec and exit records.  Process lifecycle
 * has no mechanism of its own: they travel as MECH_SIGNAL (an exit is where
 * a SIGCHLD comes from), and user/mech/proc.c formats them as "process".
 * state[]: fork: -; exec: the thread that called it (old_pid);
 * exit: task->exit_code (a wait status), the parent's tgid.  Only when
 * signals are traced (-m): `-m pipe --events` shows the pipes alone.
 */
static __always_inline struct ipc_event *proc_ev_reserve(__u16 op, __u64 start_ns)
{
	if (!mech_wanted(MECH_SIGNAL))
		return NULL;
	return ev_reserve(MECH_SIGNAL, op, start_ns);
}

/* sched_process_fork(struct task_struct *parent, struct task_struct *child) */
SEC("raw_tracepoint/sched_process_fork")
int proc_fork(struct bpf_raw_tracepoint_args *ctx)
{
	struct task_struct *parent = (struct task_struct *)ctx->args[0];
	struct task_struct *child = (struct task_struct *)ctx->args[1];
	__u32 ptgid, ctgid;
	__u8 one = 1;

	if (bench_noop)
		return 0;
	ctgid = BPF_CORE_READ(child, tgid);
	if (BPF_CORE_READ(child, pid) != ctgid)
		return 0; /* a new thread, not a new process */
	ptgid = BPF_CORE_READ(parent, tgid);
	/*
	 * ipctrace's own child is the command: reported (so its parent is
	 * known) but added to the traced set by ipctrace once it is ready.
	 */
	if (ptgid != self_tgid) {
		if (!tgid_wanted(ptgid))
			return 0;
		if (filter_traced && bpf_map_update_elem(&traced, &ctgid, &one, BPF_ANY))
			stat_inc(STAT_TRACED_FULL);
	}
	proc_emit(child, PROC_FORK, ctgid, ptgid, BPF_CORE_READ(child, start_boottime), 0, NULL);
	/* in the parent's context; ipctrace's own fork of the command is not shown */
	if (want_events && ptgid != self_tgid) {
		struct ipc_event *e = proc_ev_reserve(EV_OP_FORK, task_start_ns(parent));

		if (e) {
			e->ret = ctgid;
			e->obj_a = ctgid;
			e->flags |= EV_F_PEER;
			e->peer_pid = ctgid;
			e->peer_start_ns = BPF_CORE_READ(child, start_boottime);
			BPF_CORE_READ_STR_INTO(&e->peer_comm, child, comm);
			ev_submit(e);
		}
	}
	return 0;
}

SEC("tracepoint/sched/sched_process_exec")
int proc_exec(struct trace_event_raw_sched_process_exec *ctx)
{
	struct task_struct *task = (struct task_struct *)bpf_get_current_task();
	__u32 tgid = bpf_get_current_pid_tgid() >> 32;

	if (bench_noop || !tgid_wanted(tgid))
		return 0;
	proc_emit(task, PROC_EXEC, tgid, 0, task_start_ns(task), 0, NULL);
	if (want_events) {
		struct ipc_event *e = proc_ev_reserve(EV_OP_EXEC, task_start_ns(task));

		if (e) {
			e->obj_a = tgid;
			e->state[0] = ctx->old_pid;
			ev_submit(e);
		}
	}
	return 0;
}

SEC("tracepoint/sched/sched_process_exit")
int proc_exit(void *ctx)
{
	struct task_struct *task = (struct task_struct *)bpf_get_current_task();
	__u32 tgid = bpf_get_current_pid_tgid() >> 32;

	if (bench_noop || !tgid_wanted(tgid))
		return 0;
	/* do_exit() drops signal->live before this tracepoint: 0 means the last thread. */
	if (BPF_CORE_READ(task, signal, live.counter) != 0)
		return 0;
	/*
	 * The parent and the name too: a process that predates ipctrace may be
	 * seen first here, and has nothing else to be known by.
	 */
	proc_emit(task, PROC_EXIT, tgid, BPF_CORE_READ(task, group_leader, real_parent, tgid),
		  task_start_ns(task), BPF_CORE_READ(task, exit_code), NULL);
	if (want_events) {
		struct ipc_event *e = proc_ev_reserve(EV_OP_EXIT, task_start_ns(task));

		if (e) {
			e->obj_a = tgid;
			e->ret = BPF_CORE_READ(task, exit_code);
			e->state[0] = e->ret;
			e->state[1] = BPF_CORE_READ(task, group_leader, real_parent, tgid);
			ev_submit(e);
		}
	}
	if (filter_traced)
		bpf_map_delete_elem(&traced, &tgid);
	return 0;
}

/* task_rename(struct task_struct *task, const char *comm): prctl(PR_SET_NAME) and friends */
SEC("raw_tracepoint/task_rename")
int proc_rename(struct bpf_raw_tracepoint_args *ctx)
{
	struct task_struct *task = (struct task_struct *)ctx->args[0];
	__u32 tgid;

	if (bench_noop)
		return 0;
	tgid = BPF_CORE_READ(task, tgid);
	/* A process's name is its leader's; a thread's own name is not tracked. */
	if (BPF_CORE_READ(task, pid) != tgid || !tgid_wanted(tgid))
		return 0;
	proc_emit(task, PROC_COMM, tgid, 0, task_start_ns(task), 0, (const char *)ctx->args[1]);
	return 0;
}

char LICENSE[] SEC("license") = "Dual BSD/GPL";

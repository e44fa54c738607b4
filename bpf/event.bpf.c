// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * --events' own program: the tasks each traced call wakes (event.bpf.h).
 * The loader leaves it out without --events.
 */
#include "event.bpf.h"

#define PF_KTHREAD 0x00200000

/*
 * sched_waking(struct task_struct *p), in the waker's context.  Waking a
 * kernel thread (rcu, a worker) is not IPC.  (A hard interrupt in the
 * call, a timer expiring for another task, cannot be told apart here: this
 * kernel's kallsyms has no address for the preempt count.)
 */
SEC("raw_tracepoint/sched_waking")
int ev_waking(struct bpf_raw_tracepoint_args *ctx)
{
	struct task_struct *p = (struct task_struct *)ctx->args[0];

	if (!want_events)
		return 0;
	if (BPF_CORE_READ(p, flags) & PF_KTHREAD)
		return 0;
	return ev_woke(p);
}

char LICENSE[] SEC("license") = "Dual BSD/GPL";

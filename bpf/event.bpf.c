// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * --events' own program: the tasks each traced call wakes (event.bpf.h).
 * The loader leaves it out without --events.
 */
#include "event.bpf.h"

/* sched_waking(struct task_struct *p), in the waker's context */
SEC("raw_tracepoint/sched_waking")
int ev_waking(struct bpf_raw_tracepoint_args *ctx)
{
	return ev_woke((struct task_struct *)ctx->args[0]);
}

char LICENSE[] SEC("license") = "Dual BSD/GPL";

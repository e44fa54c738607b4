/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * Signals (bpf/signal.bpf.c): counted when generated, in the sender's
 * context, with the kernel's verdict; deliveries counted in the receiver.
 */
#ifndef IPCTRACE_MECH_SIGNAL_H
#define IPCTRACE_MECH_SIGNAL_H

#include <stdbool.h>
#include <stdint.h>
#include "core/mech.h"
#include "core/model.h"

extern const struct mech_ops mech_signal;

#define SIGNAL_RESULTS 5 /* queued, ignored, already pending, overflow, lose_info */

/* Cumulative counters of signals from one sender to one target. */
struct sig_obs {
	struct proc_ref src;   /* pid 0: the kernel */
	struct proc_ref dst;
	int sig;
	int code;              /* si_code */
	uint64_t generated;
	uint64_t result[SIGNAL_RESULTS];
	char src_comm[MODEL_COMM_LEN + 1];
};

/* Cumulative deliveries of one signal number to one process. */
struct sigdel_obs {
	struct proc_ref proc;
	int sig;
	uint64_t delivered;
	uint64_t lat_count, lat_sum_ns, lat_max_ns;
	char comm[MODEL_COMM_LEN + 1];
};

/* Replace the previous values for the same key, like model_update_endpoint(). */
void signal_update(struct model *m, const struct sig_obs *o);
void signal_update_delivery(struct model *m, const struct sigdel_obs *o);

/* A signal edge's extension: one (sender, target, signal, si_code). */
struct sig_ext {
	int sig;
	int code;
	uint64_t result[SIGNAL_RESULTS];
	bool has_delivery;     /* the target had a single sender of this signal */
	uint64_t delivered, lat_count, lat_sum_ns, lat_max_ns;
};

#endif

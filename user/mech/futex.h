/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * Futexes shared between processes (bpf/futex.bpf.c): an edge from the
 * process whose wake call released a waiter to that waiter, per futex word,
 * named by where the word lives ("futex:/dev/shm/x+0x40").
 */
#ifndef IPCTRACE_MECH_FUTEX_H
#define IPCTRACE_MECH_FUTEX_H

#include <stdint.h>
#include "core/mech.h"
#include "core/model.h"

extern const struct mech_ops mech_futex;

/* One process's own calls on one word, cumulative (the futex_eps map). */
struct futex_obs {
	struct proc_ref proc;
	uint64_t obj_a, obj_b;
	uint64_t waits, wait_ns, wake_calls;
	char comm[MODEL_COMM_LEN + 1];
};
/* Replace the previous values for the same process and word. */
void futex_update_calls(struct model *m, const struct futex_obs *o);
/* Wake-ups (struct wake_obs, mech/wake.h, mech MECH_FUTEX): the futex_wakes map. */
struct wake_obs;
void futex_update_wake(struct model *m, const struct wake_obs *o);

/* A futex edge's extension. */
struct futex_ext {
	/* the wake-ups are the edge's own (struct edge's wakes, wake_blocked_ns) */
	uint64_t waits;           /* dst's waits on the word that blocked, whoever ended them */
	uint64_t wake_calls;      /* src's wake calls on the word, woken or not */
	uint64_t owner_died;      /* of the wakes: src died holding a robust lock */
};

#endif /* IPCTRACE_MECH_FUTEX_H */

/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * Semaphores, SysV and POSIX (bpf/sem.bpf.c).  Posts and waits are the
 * generic endpoints (src posted, dst waited); wake-ups are counted per
 * (waker, wakee, semaphore): how many of the wakee's blocked waits the
 * waker's operation ended, and how long the wakee was blocked in them.
 * POSIX semaphores live in libc: uprobes on sem_post, sem_wait & co.
 */
#ifndef IPCTRACE_MECH_SEM_H
#define IPCTRACE_MECH_SEM_H

#include <stdint.h>
#include "core/mech.h"
#include "core/model.h"

extern const struct mech_ops mech_sem;

/* Replace the previous values for the same key (struct wake_obs: mech/wake.h). */
struct wake_obs;
void sem_update_wake(struct model *m, const struct wake_obs *o);

/* A sem edge's extension. */
struct sem_ext {
	uint64_t posts;            /* src's posts */
	uint64_t waits;            /* dst's successful waits */
	/* the wake-ups are the edge's own (struct edge's wakes, wake_blocked_ns) */
};

#endif /* IPCTRACE_MECH_SEM_H */

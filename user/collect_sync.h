/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * The collector's part for shared memory and semaphores: the shm_events
 * ring buffer (attach periods) and the sem_wakes map (wake-ups).
 */
#ifndef IPCTRACE_COLLECT_SYNC_H
#define IPCTRACE_COLLECT_SYNC_H

#include <stddef.h>
#include <bpf/libbpf.h>
#include "model.h"

/* Consume shm_events with rb (0, or -errno). */
int collect_sync_ring(struct ring_buffer *rb, int shm_events_fd, struct model *m);
/* Wake-up counters into the model, and "now" for attach periods still open. */
void collect_sync_read(int sem_wakes_fd, struct model *m);
/* Delete sem_wakes entries of reaped wakees; set sorted by pid, then start. */
/* collect_reap_map() match for the sem_wakes map (keys: struct wake_key). */
bool collect_sync_wake_reaped(const void *key, const struct proc_ref *set, size_t n);

#endif

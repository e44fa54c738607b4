/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * Moves what the BPF side counted into the model: drains the process
 * lifecycle ring buffer, reads the cumulative counters (maps are read, never
 * "read then deleted"), and deletes entries of processes already reported
 * after their exit.
 */
#ifndef IPCTRACE_COLLECT_H
#define IPCTRACE_COLLECT_H

#include "loader.h"
#include "model.h"

struct collector;

struct collector *collector_new(const struct loader_maps *maps, struct model *m);
void collector_free(struct collector *c);
/* Process events into the model; cheap, call often. */
void collector_drain(struct collector *c);
/* Drain, then read every counter into the model.  0 or -errno. */
int collector_read(struct collector *c);
/* After a report: drop map entries of processes reported since they exited. */
void collector_reap(struct collector *c);

/*
 * For the per-mechanism collectors: whether (pid, start_ns) is in a set of
 * reaped processes sorted by pid then start; and deleting every key of a
 * map that match() says belongs to one of them.
 */
bool collect_is_reaped(const struct proc_ref *set, size_t n, uint32_t pid, uint64_t start_ns);
void collect_reap_map(int fd, size_t key_size, const struct proc_ref *set, size_t n,
		      bool (*match)(const void *key, const struct proc_ref *set, size_t n));

#endif

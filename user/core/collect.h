/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * Moves what the BPF side counted into the model: drains the ring buffers,
 * reads the cumulative counters of the shared maps (endpoints, object
 * names, loss statistics) and asks every mechanism module to read its own,
 * and deletes map entries of processes already reported after their exit.
 * Names no mechanism.
 */
#ifndef IPCTRACE_COLLECT_H
#define IPCTRACE_COLLECT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "core/model.h"

struct collector;
struct kif;

struct collector *collector_new(struct kif *k, struct model *m);
void collector_free(struct collector *c);
/*
 * The collector's tick (every 100 ms): drain, and when processes exited
 * long enough ago, read every counter into the model and delete their map
 * entries, so the maps follow the live processes whether or not reports
 * are written.
 */
void collector_tick(struct collector *c);
/*
 * Tracing system-wide: once, before the first tick, let every module put
 * into the model what predates ipctrace (mech_mask: the kinds selected).
 */
void collector_predate(struct collector *c, uint32_t mech_mask);
/* Drain, then read every counter into the model.  0 or -errno. */
int collector_read(struct collector *c);

/* ---- for the mechanism modules ---- */

/*
 * Consume the ring buffer map fd with fn (ctx its first argument) on every
 * drain.  fn must not return a negative value: that stops the drain.
 * 0 or -errno.
 */
int collector_add_ring(struct collector *c, int fd, int (*fn)(void *ctx, void *data, size_t size),
		       void *ctx);
/*
 * --events: records the ring had no room for so far, n[id] per mechanism
 * id (n has MECH_MAX entries).  0, or -1 when the map is not there.
 */
int collector_events_lost(struct collector *c, uint64_t *n);
/* Read the object names the BPF side recorded since the last read (FIFO paths, sockets). */
void collector_read_names(struct collector *c);
/* The sum over CPUs of a per-CPU array map's value at idx (0 if it cannot be read). */
uint64_t collector_percpu_sum(struct collector *c, int fd, uint32_t idx);
/* Possible CPUs, for per-CPU values. */
int collector_ncpus(const struct collector *c);
/* During reap(): whether (pid, start_ns) is being reaped. */
bool collector_is_reaped(const struct collector *c, uint32_t pid, uint64_t start_ns);
/* A process the model has never heard of predates ipctrace: ask /proc, else use comm. */
void collector_hint(struct collector *c, uint32_t pid, uint64_t start_ns, const char *comm);

#endif

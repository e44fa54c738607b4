/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/* --events: the ring's records, written as they come (core/events.c). */
#ifndef IPCTRACE_EVENTS_H
#define IPCTRACE_EVENTS_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include "core/event.h"
#include "core/model.h"

struct collector;
struct kif;
struct events;
struct ipc_event;

/*
 * Consume the ipc_events ring on every drain of c, writing each record the
 * filter keeps to f (JSON lines if json); times are since t0_ns
 * (CLOCK_MONOTONIC).  NULL with errno set on failure.
 */
struct events *events_start(struct collector *c, struct kif *k, struct model *m,
			    const struct model_filter *filter, FILE *f, bool json, uint64_t t0_ns);
/* After a drain: when records were lost since the last note, write one (total, by mechanism). */
void events_tick(struct events *ev, uint64_t now_ns);
void events_free(struct events *ev);
/*
 * Show nothing done on the object (obj_a, obj_b) as the BPF side keys it:
 * the pipe on which ipctrace releases COMMAND into its exec, which COMMAND
 * reads before it is itself.
 */
void events_hide(struct events *ev, uint64_t obj_a, uint64_t obj_b);

/* The view of one record (m: recorded object names, a FIFO's path; may be NULL). */
void events_view(const struct ipc_event *e, const struct model *m, struct ev_view *v);
/* The name of an enum ipc_ev_op ("write"), "op?" for an unknown one. */
const char *events_op_name(unsigned op);

#endif /* IPCTRACE_EVENTS_H */

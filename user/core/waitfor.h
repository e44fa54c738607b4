/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * Who waits on whom: the wait-for graph of a snapshot, each process's time
 * blocked in IPC as a share of the report's span ("ipc_wait"), and the
 * bottleneck verdicts drawn from them.  Pure snapshot post-processing: no
 * mechanism is named; the rules are in docs/semantics.md ("Bottlenecks").
 *
 * The span is the interval an interval report covers (its d_ counters), or
 * the whole run for a final report (the cumulative counters).
 */
#ifndef IPCTRACE_WAITFOR_H
#define IPCTRACE_WAITFOR_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "core/model.h"

enum wait_kind {
	WAIT_STARVED = 1,  /* blocked receiving from an empty object: its sender is slow */
	WAIT_BACKPRESSURE, /* blocked sending into a full object: its receiver is slow */
	WAIT_SYNC,         /* blocked on a semaphore, lock or signal the other released */
};

/* "starvation", "backpressure", "sync". */
const char *wait_kind_name(enum wait_kind k);

/* One process's blocked time waiting on one other, through one edge's object. */
struct wait_on {
	struct edge_end peer;    /* the other process (whom it waited on, or who waited on it) */
	const struct edge *edge; /* the edge (in the snapshot's edges) it waited through */
	uint64_t ns;
	enum wait_kind kind;
	bool exact;              /* from wake-ups; false: from the edge's blocked time (inferred) */
};

/* ipc_wait: one process's time blocked in IPC over the span. */
struct proc_wait {
	struct edge_end who;
	uint64_t ns;
	double share;            /* ns / span; several threads can make it exceed 1 */
	struct wait_on *on;      /* whom it waited on, largest first */
	size_t n_on;
};

/* A verdict: the process its connected group waits on. */
struct bottleneck {
	struct edge_end who;
	uint64_t waited_on_ns;   /* the others' blocked time waiting on it over the span */
	double own_share;        /* its own ipc_wait share */
	size_t group;            /* processes in its connected group */
	struct wait_on worst;    /* the largest wait on it; worst.peer is that waiter */
	double worst_share;      /* worst.ns / span */
};

struct waitfor {
	double span_s;
	struct proc_wait *procs; /* processes that waited, largest ns first */
	size_t n_procs;
	struct bottleneck *verdicts; /* at most one per connected group, largest first */
	size_t n_verdicts;
};

/*
 * Analyze s (any -a key: the ends are then the key's nodes) into a new
 * struct waitfor, or NULL when out of memory.  Its edge pointers point
 * into s->edges: free it before s.
 */
struct waitfor *waitfor_analyze(const struct snapshot *s);
void waitfor_free(struct waitfor *w);

/* Whether end is a verdict's process (the DOT highlight). */
bool waitfor_is_bottleneck(const struct waitfor *w, const struct edge_end *end);

#endif /* IPCTRACE_WAITFOR_H */

/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * Wake-ups, per (waker, wakee, object): how many of the wakee's blocked
 * waits the waker's call ended, and how long the wakee was blocked in
 * them.  The table semaphores (mech/sem.c) and futexes (mech/futex.c)
 * keep of their BPF maps (struct wake_key/wake_val), with what both do
 * with it: read, reap, claim per snapshot, fold once an end is gone.
 */
#ifndef IPCTRACE_MECH_WAKE_H
#define IPCTRACE_MECH_WAKE_H

#include <stdbool.h>
#include <stdint.h>
#include "core/ktab.h"
#include "core/model.h"

struct kif;
struct collector;

/* Cumulative wake-ups of one wakee by one waker on one object. */
struct wake_obs {
	int mech;
	struct proc_ref waker, wakee;
	uint64_t obj_a, obj_b;
	uint64_t wakes, blocked_ns;
	uint64_t owner_died;   /* futex: wakes by a robust lock's dying owner */
	char wakee_comm[MODEL_COMM_LEN + 1];
};

struct wake {
	uint64_t key[7];      /* mech, obj_a, obj_b, waker pid, start, wakee pid, start */
	uint64_t wakes, blocked_ns, owner_died;
	uint64_t base[3];     /* what earlier map entries of the key counted (wakes, ns, died) */
	uint64_t claimed;     /* generation of the snapshot that put it on an edge */
	uint64_t last_ns;     /* the model's clock when it last changed */
	char comm[MODEL_COMM_LEN + 1];
};

struct wake_table {
	struct ktab t;
	uint64_t gen;         /* snapshots begun */
};

void wake_table_init(struct wake_table *w);
void wake_table_free(struct wake_table *w);
/* Replace the previous values for the same key; what cannot be stored is counted. */
void wake_table_update(struct wake_table *w, struct model *m, const struct wake_obs *o);
/*
 * Every entry of the BPF map `map` (wake_key -> wake_val) into the table;
 * then the entries of wakers gone leave the map with their last values,
 * kept in the table (a later entry of the key counts on top).
 */
void wake_table_read(struct wake_table *w, struct kif *k, const char *map, struct model *m);
/* Delete the map's entries whose wakee was reaped (only its end says no more will come). */
void wake_table_reap(struct collector *c, struct kif *k, const char *map);
/* A snapshot begins: what the previous one claimed is free again. */
void wake_table_begin(struct wake_table *w);
/* The entry between an edge's ends on its object, claimed; NULL if none. */
struct wake *wake_table_claim(struct wake_table *w, const struct edge *e);
/* Fill the edge's mech, object key and ends from the entry's key. */
void wake_edge(const struct wake *wk, struct edge *e);
/* An end is gone and nothing changed since idle_before: its edge folds. */
bool wake_foldable(const struct wake *wk, const struct model *m, uint64_t idle_before);
/* Remove the entries wake_foldable() says. */
void wake_table_drop_folded(struct wake_table *w, const struct model *m, uint64_t idle_before);
/* Both ends of every entry, to use(). */
void wake_table_procs(const struct wake_table *w, void (*use)(void *ctx, struct proc_ref p),
		      void *ctx);

#endif /* IPCTRACE_MECH_WAKE_H */

/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * The part of the model for shared memory and semaphores, which do not fit
 * the writer -> reader join of endpoints:
 *  - shm: attach periods per (segment, process), turned into an edge for
 *    every pair of processes attached to the same segment at the same time;
 *  - sem: wake-ups counted per (waker, wakee, semaphore), attached to the
 *    post -> wait edges of the endpoint join, or edges of their own.
 * Internal to the model: model.c owns one sync_state and calls these; the
 * public entry points are model_shm_event() and model_update_wake().
 */
#ifndef IPCTRACE_MODEL_SYNC_H
#define IPCTRACE_MODEL_SYNC_H

#include "model.h"

struct sync_state;

struct sync_state *sync_new(void);
void sync_free(struct sync_state *s);

/* 0, or -1 when out of memory (the observation is dropped). */
int sync_shm_event(struct sync_state *s, const struct shm_obs *o);
int sync_update_wake(struct sync_state *s, const struct wake_obs *o);
void sync_set_clock(struct sync_state *s, uint64_t now_ns);

/* A snapshot begins: every wake-up record is unclaimed again. */
void sync_begin(struct sync_state *s);

/*
 * e is a sem edge of the endpoint join on object (ka, kb): fill its
 * wake-up fields from the record with the same ends, and claim it.
 */
void sync_annotate(struct sync_state *s, struct edge *e, uint64_t ka, uint64_t kb);

/*
 * An edge for the model to add: ends carry pid and start_ns only (the model
 * fills comm, the *_comm arguments are fallbacks); an empty object means
 * "name it like the model names (mech, ka, kb)".  Returns 0 or -1.
 */
typedef int (*sync_emit_fn)(void *arg, const struct edge *e, uint64_t ka, uint64_t kb,
			    const char *src_comm, const char *dst_comm);

/* The edges of their own: unclaimed wake-ups, and shm attach overlaps. */
int sync_edges(const struct sync_state *s, sync_emit_fn fn, void *arg);

/*
 * Default display name of a semaphore or segment key: "sem:SEMID[NUM]",
 * "psem:[INO+OFF]".  false if mech is not one of ours.
 */
bool sync_object_name(int mech, uint64_t obj_a, uint64_t obj_b, char *buf, size_t len);

#endif /* IPCTRACE_MODEL_SYNC_H */

/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * What the model keeps about message queues (mq, msg) beyond the generic
 * endpoint counters: per endpoint, messages by (priority or mtype, size
 * bucket); per queue, depth and lifecycle statistics.  Pure C, part of the
 * model: model.c owns a struct mqx and asks it to fill the mq/msg edges.
 *
 * Which side's histograms an edge shows follows the join's exactness
 * (model.c): with one receiver, the sender's (all it sent went there);
 * with one sender and several receivers, the receiver's; with several of
 * both, none (n_bins 0: which messages went where is not known).
 */
#ifndef IPCTRACE_MODEL_MQ_H
#define IPCTRACE_MODEL_MQ_H

#include <stddef.h>
#include <stdint.h>
#include "model.h"

/* Cumulative count of one endpoint's messages with one tag and size bucket. */
struct mqhist_obs {
	struct proc_ref proc;
	int mech;              /* M_MQ or M_MSG */
	int dir;               /* 0 = sent, 1 = received */
	uint64_t obj_a, obj_b;
	int64_t tag;           /* priority or mtype, or MODEL_MQ_TAG_UNKNOWN */
	uint32_t size_bucket;  /* 0 for empty, k for [2^(k-1), 2^k) bytes */
	uint64_t count, bytes;
};

/* Cumulative statistics of one queue. */
struct mqobj_obs {
	int mech;
	uint64_t obj_a, obj_b;
	struct queue_stats q;
	bool has_key;          /* msg: key is its SysV key */
	int32_t key;
};

/* Replace the previous values for the same key, like model_update_endpoint(). */
void model_update_mq_hist(struct model *m, const struct mqhist_obs *o);
/* Also names a msg object "msg:<msqid> key 0x<key>" (or "msg:<msqid>"). */
void model_update_mq_obj(struct model *m, const struct mqobj_obs *o);

/* Lower bound in bytes of a size bucket: 0, 1, 2, 4, ... */
uint64_t mq_bucket_floor(uint32_t bucket);

/* ---- used by model.c ---- */

struct mqx;

struct mq_binbuf {
	struct mq_bin *v;
	size_t n, cap;
};

struct mqx *mqx_new(void);
void mqx_free(struct mqx *x);
/* The model's mqx (model.c). */
struct mqx *model_mqx(struct model *m);
/* Observations mqx could not store (out of memory), reported as map_full. */
uint64_t mqx_dropped(const struct mqx *x);

/*
 * Fill e's queue statistics and append its histogram bins to bins (tags by
 * key, then sizes by bucket), given the object's number of senders and
 * receivers in the join.  Returns 0, or -1 out of memory.
 */
int mqx_fill_edge(const struct mqx *x, struct edge *e, uint64_t obj_a, uint64_t obj_b,
		  size_t n_senders, size_t n_receivers, struct mq_binbuf *bins);

#endif /* IPCTRACE_MODEL_MQ_H */

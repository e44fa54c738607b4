/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * Message queues, POSIX (mq) and SysV (msg), bpf/mq.bpf.c.  Beyond the
 * generic endpoint counters: per endpoint, messages by (priority or mtype,
 * size bucket); per queue, depth and lifecycle statistics.
 *
 * Which side's histograms an edge shows follows the join's exactness: with
 * one receiver, the sender's (all it sent went there); with one sender and
 * several receivers, the receiver's; with several of both, none (which
 * messages went where is not known).
 */
#ifndef IPCTRACE_MECH_MQ_H
#define IPCTRACE_MECH_MQ_H

#include <stdbool.h>
#include <stdint.h>
#include "core/mech.h"
#include "core/model.h"

extern const struct mech_ops mech_mq;

#define MQ_TAG_NONE (-1LL) /* a receiver that did not ask for the priority */

/* Cumulative count of one endpoint's messages with one tag and size bucket. */
struct mqhist_obs {
	struct proc_ref proc;
	int mech;              /* MECH_MQ or MECH_MSG */
	int dir;               /* 0 = sent, 1 = received */
	uint64_t obj_a, obj_b;
	int64_t tag;           /* priority or mtype, or MQ_TAG_NONE */
	uint32_t size_bucket;  /* 0 for empty, k for [2^(k-1), 2^k) bytes */
	uint64_t count, bytes;
};

/* The queue as a whole (every process using it), cumulative. */
struct queue_stats {
	uint64_t limit;       /* mq: mq_maxmsg; msg: q_qbytes */
	uint64_t msgsize;     /* mq: mq_msgsize */
	uint64_t samples;     /* sends/receives, each sampled the depth it found */
	uint64_t depth_sum, depth_max; /* messages queued */
	uint64_t bytes_max;   /* msg: bytes queued */
	uint64_t found_full, found_empty;
	uint64_t notifies;    /* mq_notify registrations */
	uint64_t removes;     /* mq_unlink, msgctl(IPC_RMID) */
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
void mq_update_hist(struct model *m, const struct mqhist_obs *o);
/* Also names a msg object "msg:<msqid> key 0x<key>" (or "msg:<msqid>"). */
void mq_update_queue(struct model *m, const struct mqobj_obs *o);

/* Lower bound in bytes of a size bucket: 0, 1, 2, 4, ... */
uint64_t mq_bucket_floor(uint32_t bucket);

/* One bin of an edge's histogram of tags (priorities, mtypes) or sizes. */
enum mq_bin_kind {
	MQ_BIN_TAG = 0,  /* key: priority or mtype; MQ_TAG_NONE if not known */
	MQ_BIN_SIZE = 1, /* key: size bucket */
};

struct mq_bin {
	int kind;
	int64_t key;
	uint64_t count;
};

/* An mq/msg edge's extension: the queue, then the bins (tags by key, then sizes). */
struct mq_ext {
	bool has_queue;        /* the queue's statistics are known */
	struct queue_stats queue;
	uint32_t n_bins;
	struct mq_bin bins[];
};

#endif /* IPCTRACE_MECH_MQ_H */

// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * JSON of the message-queue extras (docs/semantics.md, "Message queues"):
 *
 *   "priorities":{"0":10,"5":3,"unknown":2},"size_hist":{"0":1,"64":14},
 *   "queue":{"maxmsg":8,"msgsize":64,"depth_max":8,"depth_samples":30,
 *            "depth_sum":120,"found_full":3,"found_empty":1,"notifies":1,"unlinks":1}
 *
 * Histogram keys are decimal strings (JSON keys must be strings); a size
 * key is the bucket's lower bound in bytes: "64" counts sizes 64..127.
 */
#include <inttypes.h>
#include "model_mq.h"
#include "render_mq.h"

static void put_bins(FILE *f, const struct snapshot *s, const struct edge *e, int kind,
		     const char *name)
{
	const char *sep = "";

	for (uint32_t i = 0; i < e->n_bins && (size_t)e->bins_off + i < s->n_mq_bins; i++) {
		const struct mq_bin *b = &s->mq_bins[e->bins_off + i];

		if (b->kind != kind)
			continue;
		if (!*sep)
			fprintf(f, ",\"%s\":{", name);
		fputs(sep, f);
		sep = ",";
		if (kind == MQ_BIN_TAG && b->key == MODEL_MQ_TAG_UNKNOWN)
			fputs("\"unknown\"", f);
		else if (kind == MQ_BIN_TAG)
			fprintf(f, "\"%" PRId64 "\"", b->key);
		else
			fprintf(f, "\"%" PRIu64 "\"", mq_bucket_floor((uint32_t)b->key));
		fprintf(f, ":%" PRIu64, b->count);
	}
	if (*sep)
		fputc('}', f);
}

static void put_queue(FILE *f, const struct edge *e)
{
	const struct queue_stats *q = &e->queue;
	bool mq = e->mech == M_MQ;

	fputs(",\"queue\":{", f);
	/* Limits and depth come from sends and receives: absent if there was none. */
	if (q->samples) {
		if (mq)
			fprintf(f, "\"maxmsg\":%" PRIu64 ",\"msgsize\":%" PRIu64 ",", q->limit,
				q->msgsize);
		else
			fprintf(f, "\"qbytes\":%" PRIu64 ",\"bytes_max\":%" PRIu64 ",", q->limit,
				q->bytes_max);
		fprintf(f, "\"depth_max\":%" PRIu64 ",\"depth_samples\":%" PRIu64
			",\"depth_sum\":%" PRIu64 ",\"found_full\":%" PRIu64
			",\"found_empty\":%" PRIu64 ",", q->depth_max, q->samples, q->depth_sum,
			q->found_full, q->found_empty);
	}
	if (mq)
		fprintf(f, "\"notifies\":%" PRIu64 ",\"unlinks\":%" PRIu64 "}", q->notifies,
			q->removes);
	else
		fprintf(f, "\"removes\":%" PRIu64 "}", q->removes);
}

void render_json_mq(const struct snapshot *s, const struct edge *e, FILE *f)
{
	put_bins(f, s, e, MQ_BIN_TAG, e->mech == M_MQ ? "priorities" : "mtypes");
	put_bins(f, s, e, MQ_BIN_SIZE, "size_hist");
	if (e->has_queue)
		put_queue(f, e);
}

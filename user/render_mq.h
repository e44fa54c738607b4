/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/* What the renderers add to mq and msg edges: histograms and queue statistics. */
#ifndef IPCTRACE_RENDER_MQ_H
#define IPCTRACE_RENDER_MQ_H

#include <stdio.h>
#include "model.h"

/*
 * The JSON members of an mq/msg edge, each starting with a comma:
 * "priorities" (mq) or "mtypes" (msg) and "size_hist" when the edge has
 * histograms, "queue" when the queue's statistics are known.
 */
void render_json_mq(const struct snapshot *s, const struct edge *e, FILE *f);

#endif /* IPCTRACE_RENDER_MQ_H */

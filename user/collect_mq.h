/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/* The message-queue maps (mq_hist, mq_objs) into the model; called by collect.c. */
#ifndef IPCTRACE_COLLECT_MQ_H
#define IPCTRACE_COLLECT_MQ_H

#include "model.h"

/*
 * Read both maps (cumulative values) into m.  ncpus: possible CPUs, for
 * the per-CPU statistics.  A map fd < 0 is skipped.
 */
void collect_mq_read(int hist_fd, int objs_fd, int ncpus, struct model *m);

#endif

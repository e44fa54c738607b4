/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * --hist: the "blk_hist" map (bpf/common.bpf.h, ep_account()), a log2
 * histogram of blocked time per endpoint, into the model
 * (model_update_hist()), which puts it on the edges the generic join makes.
 * No kinds of its own; without --hist the map is one empty entry.
 */
#ifndef IPCTRACE_MECH_HIST_H
#define IPCTRACE_MECH_HIST_H

#include "core/mech.h"

extern const struct mech_ops mech_hist;

#endif

// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* Histograms of blocked time (--hist): see mech/hist.h. */
#include "kernel/abi.h"
#include "core/collect.h"
#include "core/model.h"
#include "kernel/bpfmap.h"
#include "kernel/kif.h"
#include "mech/hist.h"

_Static_assert(IPC_HIST_SLOTS == MODEL_HIST_SLOTS, "histogram slots differ");
_Static_assert(sizeof(struct blk_hist_val) == MODEL_HIST_SLOTS * sizeof(__u64),
	       "struct blk_hist_val layout");

static void on_hist(const void *k, const void *v, void *arg)
{
	const struct ep_key *key = k;
	const struct blk_hist_val *val = v;
	uint64_t slot[MODEL_HIST_SLOTS];

	for (int i = 0; i < MODEL_HIST_SLOTS; i++)
		slot[i] = val->slot[i];
	model_update_hist(arg, (struct proc_ref){ key->tgid, key->start_ns }, key->mech, key->dir,
			  key->obj_a, key->obj_b, slot);
}

static void hist_read(struct collector *c, struct kif *k, struct model *m)
{
	struct blk_hist_val val;

	(void)c;
	bpfmap_walk(kif_map_fd(k, "blk_hist"), sizeof(struct ep_key), &val, on_hist, m);
}

static bool hist_reaped(const void *k, void *c)
{
	const struct ep_key *key = k;

	return collector_is_reaped(c, key->tgid, key->start_ns);
}

static void hist_reap(struct collector *c, struct kif *k)
{
	bpfmap_delete_if(kif_map_fd(k, "blk_hist"), sizeof(struct ep_key), hist_reaped, c);
}

/* The loader sizes "blk_hist" itself: by --map-entries with --hist, else one entry. */
const struct mech_ops mech_hist = {
	.name = "histograms",
	.always = true,
	.read = hist_read,
	.reap = hist_reap,
};

// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* Wake-ups through pipes, sockets and queues: see mech/ipcwake.h. */
#include <string.h>
#include "kernel/abi.h"
#include "core/collect.h"
#include "kernel/bpfmap.h"
#include "kernel/kif.h"
#include "mech/ipcwake.h"

static void wake_of(const struct wake_key *key, const struct wake_val *val, struct model_wake *out)
{
	struct model_wake w = {
		.mech = key->mech,
		.back = key->back,
		.waker = { key->waker_tgid, key->waker_start_ns },
		.wakee = { key->wakee_tgid, key->wakee_start_ns },
		.obj_a = key->obj_a,
		.obj_b = key->obj_b,
		.wakes = val->wakes,
		.blocked_ns = val->blocked_ns,
	};
	size_t n = strnlen(val->wakee_comm, IPC_COMM_LEN);

	memcpy(w.wakee_comm, val->wakee_comm, n);
	w.wakee_comm[n] = '\0';
	*out = w;
}

static void on_wake(const void *k, const void *v, void *arg)
{
	struct model_wake w;

	wake_of(k, v, &w);
	model_update_wake(arg, &w);
}

static void on_taken(const void *k, const void *v, void *m)
{
	struct model_wake w;

	wake_of(k, v, &w);
	model_wake_unmapped(m, &w);
}

/* A waker gone (reaped): its entries can only grow by a wakee's call still returning. */
static bool waker_gone(const void *k, void *m)
{
	const struct wake_key *key = k;

	return model_proc_gone(m, (struct proc_ref){ key->waker_tgid, key->waker_start_ns });
}

/*
 * Every entry into the model; then the entries of reaped wakers leave the
 * map with their last values (a long-lived wakee of short-lived wakers
 * would otherwise fill it), and the model keeps them: a wake-up counted
 * after that makes a new entry, which counts on top.
 */
static void ipcwake_read(struct collector *c, struct kif *k, struct model *m)
{
	int fd = kif_map_fd(k, "ipc_wakes");
	struct wake_val val;

	(void)c;
	bpfmap_walk(fd, sizeof(struct wake_key), &val, on_wake, m);
	bpfmap_take_if(fd, sizeof(struct wake_key), &val, waker_gone, on_taken, m);
}

/* Only the wakee's end says no more will come: it counts when its call returns. */
static bool wakee_reaped(const void *k, void *c)
{
	const struct wake_key *key = k;

	return collector_is_reaped(c, key->wakee_tgid, key->wakee_start_ns);
}

static void ipcwake_reap(struct collector *c, struct kif *k)
{
	bpfmap_delete_if(kif_map_fd(k, "ipc_wakes"), sizeof(struct wake_key), wakee_reaped, c);
}

static void ipcwake_configure(struct kif *k, bool fast)
{
	(void)fast;
	kif_map_resize(k, "ipc_wakes");
}

const struct mech_ops mech_ipcwake = {
	.name = "wake-ups",
	/* the one sched_waking program: loaded for the kinds that list it */
	.prefixes = "ipc_waking",
	.always = true,
	.configure = ipcwake_configure,
	.read = ipcwake_read,
	.reap = ipcwake_reap,
};

// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* The wake-up table of semaphores and futexes: see mech/wake.h. */
#include <string.h>
#include "kernel/abi.h"
#include "core/collect.h"
#include "kernel/bpfmap.h"
#include "kernel/kif.h"
#include "mech/wake.h"

_Static_assert(sizeof(struct wake_key) == 48, "wake_key layout");
_Static_assert(sizeof(struct wake_val) == 24 + IPC_COMM_LEN, "wake_val layout");

void wake_table_init(struct wake_table *w)
{
	ktab_init(&w->t, sizeof(struct wake), 7);
	w->gen = 0;
}

void wake_table_free(struct wake_table *w)
{
	ktab_free(&w->t);
}

static struct wake *update(struct wake_table *w, struct model *m, const struct wake_obs *o)
{
	uint64_t key[7] = { (uint64_t)o->mech, o->obj_a, o->obj_b, o->waker.pid,
			    o->waker.start_ns, o->wakee.pid, o->wakee.start_ns };
	long i = ktab_get(&w->t, key, NULL);
	struct wake *wk;

	if (i < 0) {
		model_count_dropped(m);
		return NULL;
	}
	wk = ktab_at(&w->t, i);
	if (wk->wakes != wk->base[0] + o->wakes || wk->owner_died != wk->base[2] + o->owner_died ||
	    !wk->last_ns)
		wk->last_ns = model_clock(m) ? model_clock(m) : 1;
	wk->wakes = wk->base[0] + o->wakes;
	wk->blocked_ns = wk->base[1] + o->blocked_ns;
	wk->owner_died = wk->base[2] + o->owner_died;
	model_copy_comm(wk->comm, o->wakee_comm);
	return wk;
}

void wake_table_update(struct wake_table *w, struct model *m, const struct wake_obs *o)
{
	update(w, m, o);
}

struct read_walk {
	struct wake_table *w;
	struct model *m;
};

static void obs_of(const struct wake_key *key, const struct wake_val *val, struct wake_obs *out)
{
	struct wake_obs o = {
		.mech = key->mech,
		.waker = { key->waker_tgid, key->waker_start_ns },
		.wakee = { key->wakee_tgid, key->wakee_start_ns },
		.obj_a = key->obj_a, .obj_b = key->obj_b,
		.wakes = val->wakes, .blocked_ns = val->blocked_ns,
		.owner_died = val->owner_died,
	};
	size_t n = strnlen(val->wakee_comm, IPC_COMM_LEN);

	memcpy(o.wakee_comm, val->wakee_comm, n);
	o.wakee_comm[n] = '\0';
	*out = o;
}

static void on_wake(const void *k, const void *v, void *arg)
{
	struct read_walk *r = arg;
	struct wake_obs o;

	obs_of(k, v, &o);
	wake_table_update(r->w, r->m, &o);
}

/* Its map entry left with these last values: they stay, a new entry counts on top. */
static void on_taken(const void *k, const void *v, void *arg)
{
	struct read_walk *r = arg;
	struct wake_obs o;
	struct wake *wk;

	obs_of(k, v, &o);
	wk = update(r->w, r->m, &o);
	if (wk) {
		wk->base[0] = wk->wakes;
		wk->base[1] = wk->blocked_ns;
		wk->base[2] = wk->owner_died;
	}
}

/* A waker gone (reaped): its entries can only grow by a wakee's wait still returning. */
static bool waker_gone(const void *k, void *arg)
{
	const struct wake_key *key = k;
	const struct read_walk *r = arg;

	return model_proc_gone(r->m, (struct proc_ref){ key->waker_tgid, key->waker_start_ns });
}

void wake_table_read(struct wake_table *w, struct kif *k, const char *map, struct model *m)
{
	struct read_walk r = { w, m };
	int fd = kif_map_fd(k, map);
	struct wake_val val;

	bpfmap_walk(fd, sizeof(struct wake_key), &val, on_wake, &r);
	bpfmap_take_if(fd, sizeof(struct wake_key), &val, waker_gone, on_taken, &r);
}

/*
 * The wakee counts the wake-up when its wait returns, possibly after the
 * waker is gone: only the wakee's end says no more will come.
 */
static bool wake_reaped(const void *k, void *c)
{
	const struct wake_key *key = k;

	return collector_is_reaped(c, key->wakee_tgid, key->wakee_start_ns);
}

void wake_table_reap(struct collector *c, struct kif *k, const char *map)
{
	bpfmap_delete_if(kif_map_fd(k, map), sizeof(struct wake_key), wake_reaped, c);
}

void wake_table_begin(struct wake_table *w)
{
	w->gen++;
}

struct wake *wake_table_claim(struct wake_table *w, const struct edge *e)
{
	uint64_t key[7] = { (uint64_t)e->mech, e->key_a, e->key_b, e->src.pid, e->src.start_ns,
			    e->dst.pid, e->dst.start_ns };
	long i = ktab_find(&w->t, key);
	struct wake *wk;

	if (i < 0)
		return NULL;
	wk = ktab_at(&w->t, i);
	wk->claimed = w->gen;
	return wk;
}

void wake_edge(const struct wake *wk, struct edge *e)
{
	e->mech = (int)wk->key[0];
	e->key_a = wk->key[1];
	e->key_b = wk->key[2];
	e->src = (struct edge_end){ .pid = wk->key[3], .start_ns = wk->key[4] };
	e->dst = (struct edge_end){ .pid = wk->key[5], .start_ns = wk->key[6] };
}

bool wake_foldable(const struct wake *wk, const struct model *m, uint64_t idle_before)
{
	return wk->last_ns <= idle_before &&
	       (model_proc_gone(m, (struct proc_ref){ wk->key[3], wk->key[4] }) ||
		model_proc_gone(m, (struct proc_ref){ wk->key[5], wk->key[6] }));
}

struct fold_walk {
	const struct model *m;
	uint64_t idle_before;
};

static bool drop_wake(const void *entry, void *arg)
{
	const struct fold_walk *f = arg;

	return wake_foldable(entry, f->m, f->idle_before);
}

void wake_table_drop_folded(struct wake_table *w, const struct model *m, uint64_t idle_before)
{
	struct fold_walk f = { m, idle_before };

	ktab_remove_if(&w->t, drop_wake, &f);
}

void wake_table_procs(const struct wake_table *w, void (*use)(void *ctx, struct proc_ref p),
		      void *ctx)
{
	for (size_t i = 0; i < w->t.n; i++) {
		const struct wake *wk = ktab_at(&w->t, i);

		use(ctx, (struct proc_ref){ wk->key[3], wk->key[4] });
		use(ctx, (struct proc_ref){ wk->key[5], wk->key[6] });
	}
}

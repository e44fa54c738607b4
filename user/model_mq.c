// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * Message-queue extras of the model: histograms per endpoint, statistics
 * per queue, and filling them into the mq/msg edges the join builds.
 * Tables are small open-addressing hashes over uint64_t key words; nothing
 * is deleted (the model keeps every endpoint for the final report).
 */
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include "model_mq.h"

/* ---- a table of fixed-size entries, each starting with kwords key words ---- */

struct tab {
	size_t esize, kwords;
	char *data;
	size_t n, cap;
	uint32_t *slot; /* entry index + 1, 0 = empty; load factor <= 1/2 */
	size_t nslot;
};

static void *tab_at(const struct tab *t, size_t i)
{
	return t->data + i * t->esize;
}

static uint64_t tab_hash(const uint64_t *k, size_t n)
{
	uint64_t h = 0xcbf29ce484222325ULL;

	for (size_t i = 0; i < n; i++) {
		h ^= k[i];
		h *= 0x100000001b3ULL;
		h ^= h >> 29;
	}
	return h;
}

static long tab_find(const struct tab *t, const uint64_t *key)
{
	size_t mask = t->nslot - 1;
	uint32_t s;

	if (!t->nslot)
		return -1;
	for (size_t i = tab_hash(key, t->kwords) & mask; (s = t->slot[i]); i = (i + 1) & mask)
		if (!memcmp(tab_at(t, s - 1), key, t->kwords * sizeof(uint64_t)))
			return s - 1;
	return -1;
}

static void tab_place(struct tab *t, size_t idx)
{
	size_t mask = t->nslot - 1, i = tab_hash(tab_at(t, idx), t->kwords) & mask;

	while (t->slot[i])
		i = (i + 1) & mask;
	t->slot[i] = idx + 1;
}

/* The entry for key, created zeroed if absent; -1 if out of memory. */
static long tab_get(struct tab *t, const uint64_t *key)
{
	long i = tab_find(t, key);

	if (i >= 0)
		return i;
	if (t->n >= UINT32_MAX - 1)
		return -1;
	if ((t->n + 1) * 2 > t->nslot) {
		size_t nslot = t->nslot ? t->nslot * 2 : 64;
		uint32_t *slot = calloc(nslot, sizeof(*slot));

		if (!slot)
			return -1;
		free(t->slot);
		t->slot = slot;
		t->nslot = nslot;
		for (size_t k = 0; k < t->n; k++)
			tab_place(t, k);
	}
	if (t->n == t->cap) {
		size_t cap = t->cap ? t->cap * 2 : 32;
		char *data = realloc(t->data, cap * t->esize);

		if (!data)
			return -1;
		t->data = data;
		t->cap = cap;
	}
	memset(tab_at(t, t->n), 0, t->esize);
	memcpy(tab_at(t, t->n), key, t->kwords * sizeof(uint64_t));
	tab_place(t, t->n);
	return t->n++;
}

static void tab_free(struct tab *t)
{
	free(t->data);
	free(t->slot);
}

/* ---- the tables ---- */

/* An endpoint that has bins: the head of their list. */
struct hep_ent {
	uint64_t key[5]; /* pid, start_ns, mech | dir << 32, obj_a, obj_b */
	uint32_t first;  /* bin index + 1 */
};

struct hbin_ent {
	uint64_t key[7]; /* the endpoint's key, tag, size bucket */
	uint64_t count, bytes;
	uint32_t next;   /* next bin of the same endpoint, index + 1 */
};

struct qobj_ent {
	uint64_t key[3]; /* mech, obj_a, obj_b */
	struct queue_stats q;
};

struct mqx {
	struct tab heps, bins, objs;
	uint64_t dropped;
};

struct mqx *mqx_new(void)
{
	struct mqx *x = calloc(1, sizeof(*x));

	if (!x)
		return NULL;
	x->heps = (struct tab){ .esize = sizeof(struct hep_ent), .kwords = 5 };
	x->bins = (struct tab){ .esize = sizeof(struct hbin_ent), .kwords = 7 };
	x->objs = (struct tab){ .esize = sizeof(struct qobj_ent), .kwords = 3 };
	return x;
}

void mqx_free(struct mqx *x)
{
	if (!x)
		return;
	tab_free(&x->heps);
	tab_free(&x->bins);
	tab_free(&x->objs);
	free(x);
}

uint64_t mqx_dropped(const struct mqx *x)
{
	return x->dropped;
}

uint64_t mq_bucket_floor(uint32_t bucket)
{
	if (bucket == 0)
		return 0;
	return bucket > 64 ? UINT64_MAX : (uint64_t)1 << (bucket - 1);
}

static void ep_words(uint64_t *k, uint32_t pid, uint64_t start_ns, int mech, int dir,
		     uint64_t obj_a, uint64_t obj_b)
{
	k[0] = pid;
	k[1] = start_ns;
	k[2] = (uint32_t)mech | (uint64_t)(uint32_t)dir << 32;
	k[3] = obj_a;
	k[4] = obj_b;
}

void model_update_mq_hist(struct model *m, const struct mqhist_obs *o)
{
	struct mqx *x = model_mqx(m);
	uint64_t key[7];
	struct hbin_ent *b;
	struct hep_ent *h;
	long bi, hi;

	ep_words(key, o->proc.pid, o->proc.start_ns, o->mech, o->dir, o->obj_a, o->obj_b);
	key[5] = (uint64_t)o->tag;
	key[6] = o->size_bucket;
	if ((bi = tab_find(&x->bins, key)) < 0) {
		if ((hi = tab_get(&x->heps, key)) < 0 || (bi = tab_get(&x->bins, key)) < 0) {
			x->dropped++;
			return;
		}
		h = tab_at(&x->heps, hi);
		b = tab_at(&x->bins, bi);
		b->next = h->first;
		h->first = bi + 1;
	}
	b = tab_at(&x->bins, bi);
	b->count = o->count;
	b->bytes = o->bytes;
}

void model_update_mq_obj(struct model *m, const struct mqobj_obs *o)
{
	struct mqx *x = model_mqx(m);
	uint64_t key[3] = { (uint64_t)o->mech, o->obj_a, o->obj_b };
	long i = tab_get(&x->objs, key);
	char name[64];

	if (i < 0) {
		x->dropped++;
		return;
	}
	((struct qobj_ent *)tab_at(&x->objs, i))->q = o->q;
	/* A msg queue is known by its id; the key is what programs ask msgget() for. */
	if (o->mech != M_MSG)
		return;
	if (o->has_key)
		snprintf(name, sizeof(name), "msg:%" PRIu64 " key 0x%08" PRIx32, o->obj_b,
			 (uint32_t)o->key);
	else
		snprintf(name, sizeof(name), "msg:%" PRIu64, o->obj_b);
	model_set_object_name(m, o->mech, o->obj_a, o->obj_b, name);
}

/* ---- edges ---- */

static int binbuf_push(struct mq_binbuf *bb, int kind, int64_t key, uint64_t count)
{
	if (bb->n == bb->cap) {
		size_t cap = bb->cap ? bb->cap * 2 : 64;
		struct mq_bin *v = realloc(bb->v, cap * sizeof(*v));

		if (!v)
			return -1;
		bb->v = v;
		bb->cap = cap;
	}
	bb->v[bb->n++] = (struct mq_bin){ .kind = kind, .key = key, .count = count };
	return 0;
}

static int bin_cmp(const void *pa, const void *pb)
{
	const struct mq_bin *a = pa, *b = pb;

	if (a->kind != b->kind)
		return a->kind < b->kind ? -1 : 1;
	return (a->key > b->key) - (a->key < b->key);
}

/*
 * Append one endpoint's bins, marginalised: per tag (over sizes) and per
 * size bucket (over tags), sorted, equal keys merged.
 */
static int append_bins(const struct mqx *x, const uint64_t *ekey, struct mq_binbuf *bb,
		       uint32_t *n_out)
{
	long hi = tab_find(&x->heps, ekey);
	size_t start = bb->n, w;
	uint32_t k;

	*n_out = 0;
	if (hi < 0)
		return 0;
	for (k = ((struct hep_ent *)tab_at(&x->heps, hi))->first; k; ) {
		const struct hbin_ent *b = tab_at(&x->bins, k - 1);

		if (b->count && (binbuf_push(bb, MQ_BIN_TAG, (int64_t)b->key[5], b->count) ||
				 binbuf_push(bb, MQ_BIN_SIZE, (int64_t)b->key[6], b->count)))
			return -1;
		k = b->next;
	}
	if (bb->n == start)
		return 0;
	qsort(bb->v + start, bb->n - start, sizeof(*bb->v), bin_cmp);
	for (size_t r = w = start + 1; r < bb->n; r++) {
		if (!bin_cmp(&bb->v[w - 1], &bb->v[r]))
			bb->v[w - 1].count += bb->v[r].count;
		else
			bb->v[w++] = bb->v[r];
	}
	bb->n = w;
	*n_out = w - start;
	return 0;
}

int mqx_fill_edge(const struct mqx *x, struct edge *e, uint64_t obj_a, uint64_t obj_b,
		  size_t n_senders, size_t n_receivers, struct mq_binbuf *bins)
{
	uint64_t okey[3] = { (uint64_t)e->mech, obj_a, obj_b }, ekey[5];
	long i = tab_find(&x->objs, okey);

	if (i >= 0) {
		e->has_queue = true;
		e->queue = ((const struct qobj_ent *)tab_at(&x->objs, i))->q;
	}
	e->bins_off = bins->n;
	e->n_bins = 0;
	/* The side whose counts are this edge's alone (see model_mq.h). */
	if (n_receivers == 1)
		ep_words(ekey, e->src.pid, e->src.start_ns, e->mech, 0, obj_a, obj_b);
	else if (n_senders == 1)
		ep_words(ekey, e->dst.pid, e->dst.start_ns, e->mech, 1, obj_a, obj_b);
	else
		return 0;
	return append_bins(x, ekey, bins, &e->n_bins);
}

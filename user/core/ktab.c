// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
#include <stdlib.h>
#include <string.h>
#include "core/ktab.h"

void ktab_init(struct ktab *t, size_t esize, size_t kwords)
{
	memset(t, 0, sizeof(*t));
	t->esize = esize;
	t->kwords = kwords;
}

void ktab_free(struct ktab *t)
{
	free(t->data);
	free(t->slot);
	t->data = NULL;
	t->slot = NULL;
	t->n = t->cap = t->nslot = 0;
}

/* splitmix64's finalizer on every word: pids and inode numbers are dense. */
static uint64_t hash_words(const uint64_t *k, size_t n)
{
	uint64_t h = 0x9e3779b97f4a7c15ULL, x;

	for (size_t i = 0; i < n; i++) {
		x = k[i] + h;
		x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ULL;
		x = (x ^ (x >> 27)) * 0x94d049bb133111ebULL;
		h = (h ^ x ^ (x >> 31)) * 0xff51afd7ed558ccdULL;
	}
	return h ^ (h >> 32);
}

long ktab_find(const struct ktab *t, const uint64_t *key)
{
	size_t mask = t->nslot - 1;
	uint32_t s;

	if (!t->nslot)
		return -1;
	for (size_t i = hash_words(key, t->kwords) & mask; (s = t->slot[i]); i = (i + 1) & mask) {
		if (memcmp(ktab_at(t, s - 1), key, t->kwords * sizeof(uint64_t)) == 0)
			return s - 1;
	}
	return -1;
}

static void place(struct ktab *t, size_t idx)
{
	size_t mask = t->nslot - 1, i = hash_words(ktab_at(t, idx), t->kwords) & mask;

	while (t->slot[i])
		i = (i + 1) & mask;
	t->slot[i] = idx + 1;
}

/* A fresh index of nslot slots (a power of two) over the entries. */
static int reindex(struct ktab *t, size_t nslot)
{
	uint32_t *slot = calloc(nslot, sizeof(*slot));

	if (!slot)
		return -1;
	free(t->slot);
	t->slot = slot;
	t->nslot = nslot;
	for (size_t i = 0; i < t->n; i++)
		place(t, i);
	return 0;
}

long ktab_get(struct ktab *t, const uint64_t *key, bool *created)
{
	long i = ktab_find(t, key);

	if (created)
		*created = i < 0;
	if (i >= 0)
		return i;
	if (t->n >= UINT32_MAX - 1)
		return -1;
	/* Keep the load factor at most 1/2 so probes stay short. */
	if ((t->n + 1) * 2 > t->nslot && reindex(t, t->nslot ? t->nslot * 2 : 64))
		return -1;
	if (t->n == t->cap) {
		size_t cap = t->cap ? t->cap * 2 : 32;
		char *data = realloc(t->data, cap * t->esize);

		if (!data)
			return -1;
		t->data = data;
		t->cap = cap;
	}
	memset(ktab_at(t, t->n), 0, t->esize);
	memcpy(ktab_at(t, t->n), key, t->kwords * sizeof(uint64_t));
	place(t, t->n);
	return t->n++;
}

size_t ktab_remove_if(struct ktab *t, bool (*drop)(const void *entry, void *arg), void *arg)
{
	size_t w = 0, removed;

	for (size_t r = 0; r < t->n; r++) {
		if (drop(ktab_at(t, r), arg))
			continue;
		if (w != r)
			memcpy(ktab_at(t, w), ktab_at(t, r), t->esize);
		w++;
	}
	removed = t->n - w;
	if (!removed)
		return 0;
	t->n = w;
	memset(t->slot, 0, t->nslot * sizeof(*t->slot));
	for (size_t i = 0; i < t->n; i++)
		place(t, i);
	return removed;
}

struct marks {
	const bool *gone;
	size_t i;
};

static bool marked(const void *entry, void *arg)
{
	struct marks *m = arg;

	return m->gone[m->i++];
}

size_t ktab_remove_marked(struct ktab *t, const bool *gone)
{
	struct marks m = { gone, 0 };

	return ktab_remove_if(t, marked, &m);
}

uint64_t ktab_hash_str(const char *s, uint64_t seed)
{
	uint64_t h = 0xcbf29ce484222325ULL ^ (seed * 0x9e3779b97f4a7c15ULL);

	while (*s)
		h = (h ^ (unsigned char)*s++) * 0x100000001b3ULL;
	return h;
}

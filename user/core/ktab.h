/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * ktab: the one keyed table of ipctrace's userspace.  Fixed-size entries,
 * each starting with a key of `kwords` uint64_t, kept in a growable array
 * in insertion order and indexed by an open-addressing (linear probing)
 * table of entry indexes.  Iteration is by index, 0 .. n-1, so what the
 * renderers see never depends on the hash.
 *
 * Entries move when the array grows: a pointer from ktab_at() is valid
 * until the next insert into that table; an index stays valid until a
 * removal.  Removal (ktab_remove_if) compacts the array, keeping order.
 */
#ifndef IPCTRACE_KTAB_H
#define IPCTRACE_KTAB_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct ktab {
	size_t esize, kwords;
	char *data;
	size_t n, cap;
	uint32_t *slot; /* entry index + 1, 0 = empty */
	size_t nslot;   /* a power of two, at least twice n */
};

/* An empty table of entries of esize bytes whose first kwords words are the key. */
void ktab_init(struct ktab *t, size_t esize, size_t kwords);
/* Free the storage; the table is empty (and usable) again. */
void ktab_free(struct ktab *t);

static inline void *ktab_at(const struct ktab *t, size_t i)
{
	return t->data + i * t->esize;
}

/* Index of the entry with this key, or -1. */
long ktab_find(const struct ktab *t, const uint64_t *key);
/*
 * Index of the entry with this key, appended zeroed (key filled in) when
 * absent; *created (may be NULL) says which.  -1 if out of memory: the
 * table is unchanged.
 */
long ktab_get(struct ktab *t, const uint64_t *key, bool *created);

/*
 * Remove every entry for which drop(entry, arg) is true, keeping the order
 * of the others, and rebuild the index.  Indexes of kept entries change:
 * callers that store indexes must not use this.  Returns the count removed.
 */
size_t ktab_remove_if(struct ktab *t, bool (*drop)(const void *entry, void *arg), void *arg);
/* The same, for the entries i with gone[i] set (gone has an element per entry). */
size_t ktab_remove_marked(struct ktab *t, const bool *gone);

/* A 64-bit hash of a string for a key word (FNV-1a; seed picks one of a family). */
uint64_t ktab_hash_str(const char *s, uint64_t seed);

#endif /* IPCTRACE_KTAB_H */

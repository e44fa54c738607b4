// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * Shared memory attach overlaps and semaphore wake-ups (see model_sync.h).
 *
 * shm: per (segment, process) a "member" counts the process's live mappings
 * of the segment.  When a count goes 0 -> n the process becomes attached,
 * n -> 0 detached.  Each pair of members of one segment keeps the time both
 * were attached: on every transition of one, the pairs it forms with the
 * members attached at that moment open or close.  A segment keeps the list
 * of its attached members and a process the list of its members, so an
 * event costs O(processes attached to the segment now) (fork and exit:
 * summed over the process's segments), however long the run.
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "model_sync.h"

/*
 * stab: entries of fixed size, each starting with a key of kwords
 * uint64_t, in a growable array indexed by an open-addressing table.
 * Nothing is deleted.  Pointers into it are valid until the next insert.
 */
struct stab {
	size_t esize, kwords;
	char *data;
	size_t n, cap;
	uint32_t *idx; /* entry + 1, 0 = empty */
	size_t nidx;   /* power of two, > 2n */
};

static void stab_init(struct stab *t, size_t esize, size_t kwords)
{
	memset(t, 0, sizeof(*t));
	t->esize = esize;
	t->kwords = kwords;
}

static void stab_free(struct stab *t)
{
	free(t->data);
	free(t->idx);
}

static void *stab_at(const struct stab *t, size_t i)
{
	return t->data + i * t->esize;
}

/* FNV-1a over the key bytes, then a final mix: keys are small integers. */
static size_t stab_hash(const uint64_t *k, size_t n)
{
	uint64_t h = 1469598103934665603ULL;

	for (size_t i = 0; i < n; i++) {
		h ^= k[i];
		h *= 1099511628211ULL;
		h ^= h >> 29;
	}
	return (size_t)(h ^ (h >> 32));
}

static long stab_find(const struct stab *t, const uint64_t *key)
{
	size_t mask = t->nidx - 1;

	if (!t->nidx)
		return -1;
	for (size_t i = stab_hash(key, t->kwords) & mask; t->idx[i]; i = (i + 1) & mask) {
		if (!memcmp(stab_at(t, t->idx[i] - 1), key, t->kwords * 8))
			return t->idx[i] - 1;
	}
	return -1;
}

static int stab_reindex(struct stab *t, size_t nidx)
{
	uint32_t *idx = calloc(nidx, sizeof(*idx));

	if (!idx)
		return -1;
	free(t->idx);
	t->idx = idx;
	t->nidx = nidx;
	for (size_t e = 0; e < t->n; e++) {
		size_t i = stab_hash(stab_at(t, e), t->kwords) & (nidx - 1);

		while (t->idx[i])
			i = (i + 1) & (nidx - 1);
		t->idx[i] = e + 1;
	}
	return 0;
}

/* The entry with this key, created zeroed (key filled) if absent; -1 if out of memory. */
static long stab_get(struct stab *t, const uint64_t *key, bool *created)
{
	long e = stab_find(t, key);
	size_t i;

	if (created)
		*created = e < 0;
	if (e >= 0)
		return e;
	if (t->n >= UINT32_MAX - 1)
		return -1;
	if (t->n == t->cap) {
		size_t cap = t->cap ? 2 * t->cap : 16;
		char *d = realloc(t->data, cap * t->esize);

		if (!d)
			return -1;
		t->data = d;
		t->cap = cap;
	}
	if (2 * (t->n + 1) >= t->nidx && stab_reindex(t, t->nidx ? 2 * t->nidx : 32))
		return -1;
	memset(stab_at(t, t->n), 0, t->esize);
	memcpy(stab_at(t, t->n), key, t->kwords * 8);
	for (i = stab_hash(key, t->kwords) & (t->nidx - 1); t->idx[i]; i = (i + 1) & (t->nidx - 1))
		;
	t->idx[i] = t->n + 1;
	return t->n++;
}

/* ---- tables ---- */

struct seg {
	uint64_t key[2];      /* dev, ino */
	uint64_t size;
	int shmid;
	int64_t sysv_key;
	bool internal;
	char *name;           /* as the attach event gave it */
	uint32_t *att;        /* members attached now */
	size_t n_att, cap_att;
};

struct member {
	uint64_t key[4];      /* dev, ino, pid, start_ns */
	uint32_t seg;
	uint32_t pnext;       /* next member of the same process, index + 1 */
	uint32_t count;       /* live mappings */
	uint64_t first_ts;    /* first attach: the earlier attacher is the edge's src */
	char comm[MODEL_COMM_LEN + 1];
};

struct sproc {
	uint64_t key[2];      /* pid, start_ns */
	uint32_t first;       /* its first member, index + 1 */
};

struct pair {
	uint64_t key[2];      /* member indexes, lower first */
	uint64_t since;       /* both attached since, when together */
	uint64_t closed_ns;   /* time together in periods that ended */
	bool together;
	bool met;             /* were attached together at least once */
};

struct wake {
	uint64_t key[7];      /* mech, obj_a, obj_b, waker pid, start, wakee pid, start */
	uint64_t wakes, blocked_ns;
	uint64_t claimed;     /* generation of the snapshot that put it on an edge */
	char comm[MODEL_COMM_LEN + 1];
};

struct sync_state {
	struct stab segs, members, procs, pairs, wakes;
	uint64_t now_ns;
	uint64_t gen;
};

struct sync_state *sync_new(void)
{
	struct sync_state *s = calloc(1, sizeof(*s));

	if (!s)
		return NULL;
	stab_init(&s->segs, sizeof(struct seg), 2);
	stab_init(&s->members, sizeof(struct member), 4);
	stab_init(&s->procs, sizeof(struct sproc), 2);
	stab_init(&s->pairs, sizeof(struct pair), 2);
	stab_init(&s->wakes, sizeof(struct wake), 7);
	return s;
}

void sync_free(struct sync_state *s)
{
	if (!s)
		return;
	for (size_t i = 0; i < s->segs.n; i++) {
		free(((struct seg *)stab_at(&s->segs, i))->name);
		free(((struct seg *)stab_at(&s->segs, i))->att);
	}
	stab_free(&s->segs);
	stab_free(&s->members);
	stab_free(&s->procs);
	stab_free(&s->pairs);
	stab_free(&s->wakes);
	free(s);
}

void sync_set_clock(struct sync_state *s, uint64_t now_ns)
{
	s->now_ns = now_ns;
}

static void copy_comm(char *dst, const char *src)
{
	size_t n = strnlen(src, MODEL_COMM_LEN);

	memcpy(dst, src, n);
	dst[n] = '\0';
}

/* ---- shm ---- */

static long pair_get(struct sync_state *s, uint32_t a, uint32_t b)
{
	uint64_t key[2] = { a < b ? a : b, a < b ? b : a };

	return stab_get(&s->pairs, key, NULL);
}

/*
 * Member mi changes between detached and attached at ts: open or close its
 * pairs with every other member of the segment attached now, and join or
 * leave that list.
 */
static int member_transition(struct sync_state *s, uint32_t mi, bool attach, uint64_t ts)
{
	const struct member *m = stab_at(&s->members, mi);
	struct seg *g = stab_at(&s->segs, m->seg);
	size_t self = g->n_att;

	for (size_t k = 0; k < g->n_att; k++) {
		struct pair *p;
		long pi;

		if (g->att[k] == mi) {
			self = k;
			continue;
		}
		if ((pi = pair_get(s, mi, g->att[k])) < 0)
			return -1;
		p = stab_at(&s->pairs, pi);
		if (attach) {
			p->together = true;
			p->met = true;
			p->since = ts;
		} else if (p->together) {
			p->together = false;
			/* records of two CPUs may arrive a little out of time order */
			p->closed_ns += ts > p->since ? ts - p->since : 0;
		}
	}
	if (!attach) {
		if (self < g->n_att)
			g->att[self] = g->att[--g->n_att];
		return 0;
	}
	if (g->n_att == g->cap_att) {
		size_t cap = g->cap_att ? 2 * g->cap_att : 4;
		uint32_t *a = realloc(g->att, cap * sizeof(*a));

		if (!a)
			return -1;
		g->att = a;
		g->cap_att = cap;
	}
	g->att[g->n_att++] = mi;
	return 0;
}

static long member_get(struct sync_state *s, uint32_t seg, struct proc_ref p, uint64_t ts,
		       const char *comm)
{
	const struct seg *g = stab_at(&s->segs, seg);
	uint64_t key[4] = { g->key[0], g->key[1], p.pid, p.start_ns };
	struct member *m;
	bool created;
	uint64_t pkey[2] = { p.pid, p.start_ns };
	long mi = stab_get(&s->members, key, &created), pi;
	struct sproc *sp;

	if (mi < 0 || !created)
		return mi;
	if ((pi = stab_get(&s->procs, pkey, NULL)) < 0)
		return -1; /* the member stays, unlisted: fork and exit miss it */
	sp = stab_at(&s->procs, pi);
	m = stab_at(&s->members, mi);
	m->seg = seg;
	m->first_ts = ts;
	copy_comm(m->comm, comm ? comm : "");
	m->pnext = sp->first;
	sp->first = mi + 1;
	return mi;
}

/* count mappings more (delta > 0) or fewer; clamps at 0 (detach of an unseen attach). */
static int member_add(struct sync_state *s, uint32_t mi, int64_t delta, uint64_t ts)
{
	struct member *m = stab_at(&s->members, mi);
	uint32_t before = m->count;

	if (delta < 0 && (uint64_t)-delta >= before)
		m->count = 0;
	else
		m->count = before + delta;
	if (!before && m->count)
		return member_transition(s, mi, true, ts);
	if (before && !m->count)
		return member_transition(s, mi, false, ts);
	return 0;
}

static int shm_attach(struct sync_state *s, const struct shm_obs *o)
{
	uint64_t key[2] = { o->dev, o->ino };
	struct seg *g;
	bool created;
	long gi = stab_get(&s->segs, key, &created), mi;

	if (gi < 0)
		return -1;
	g = stab_at(&s->segs, gi);
	/* The latest attach says what the segment is now (size, name). */
	g->size = o->size;
	g->internal = o->internal;
	if (o->shmid >= 0) {
		g->shmid = o->shmid;
		g->sysv_key = o->key;
	} else if (created) {
		g->shmid = -1;
		g->sysv_key = -1;
	}
	if (created || (o->name[0] && (!g->name || strcmp(g->name, o->name)))) {
		char *n = strdup(o->name);

		if (!n)
			return -1;
		free(g->name);
		g->name = n;
	}
	if ((mi = member_get(s, gi, o->proc, o->ts_ns, o->comm)) < 0)
		return -1;
	return member_add(s, mi, 1, o->ts_ns);
}

static int shm_detach(struct sync_state *s, const struct shm_obs *o)
{
	uint64_t key[4] = { o->dev, o->ino, o->proc.pid, o->proc.start_ns };
	long mi = stab_find(&s->members, key);

	/* A mapping made before tracing began: its attach period is unknown. */
	if (mi < 0)
		return 0;
	return member_add(s, mi, -1, o->ts_ns);
}

/* The first member of process p, index + 1, or 0. */
static uint32_t proc_first(const struct sync_state *s, struct proc_ref p)
{
	uint64_t key[2] = { p.pid, p.start_ns };
	long pi = stab_find(&s->procs, key);

	return pi < 0 ? 0 : ((const struct sproc *)stab_at(&s->procs, pi))->first;
}

/* Every mapping of the parent now also belongs to the child. */
static int shm_fork(struct sync_state *s, const struct shm_obs *o)
{
	for (uint32_t k = proc_first(s, o->proc); k; ) {
		const struct member *m = stab_at(&s->members, k - 1);
		uint32_t count = m->count, seg = m->seg, next = m->pnext;
		char comm[MODEL_COMM_LEN + 1];
		long ci;

		if (count) {
			memcpy(comm, m->comm, sizeof(comm));
			/* m may move: the child's member is a new entry */
			if ((ci = member_get(s, seg, o->child, o->ts_ns, comm)) < 0 ||
			    member_add(s, ci, count, o->ts_ns))
				return -1;
		}
		k = next;
	}
	return 0;
}

static int shm_gone(struct sync_state *s, const struct shm_obs *o)
{
	for (uint32_t k = proc_first(s, o->proc); k; ) {
		const struct member *m = stab_at(&s->members, k - 1);
		uint32_t next = m->pnext;

		if (m->count && member_add(s, k - 1, -(int64_t)m->count, o->ts_ns))
			return -1;
		k = next;
	}
	return 0;
}

int sync_shm_event(struct sync_state *s, const struct shm_obs *o)
{
	switch (o->type) {
	case SHM_OBS_ATTACH:
		return shm_attach(s, o);
	case SHM_OBS_DETACH:
		return shm_detach(s, o);
	case SHM_OBS_FORK:
		return shm_fork(s, o);
	case SHM_OBS_GONE:
		return shm_gone(s, o);
	}
	return 0;
}

/*
 * "shm:SHMID" for SysV; the path of a POSIX shm file; "memfd:NAME" for a
 * memfd; "shm:anon[INO]" for a shared anonymous mapping (named "dev/zero"
 * by the kernel) or any other file of no path.
 */
static void seg_name(const struct seg *g, char *buf, size_t len)
{
	if (g->shmid >= 0)
		snprintf(buf, len, "shm:%d", g->shmid);
	else if (g->internal && g->name && !strncmp(g->name, "memfd:", 6))
		snprintf(buf, len, "%s", g->name);
	else if (g->internal || !g->name || !g->name[0])
		snprintf(buf, len, "shm:anon[%" PRIu64 "]", g->key[1]);
	else
		snprintf(buf, len, "%s", g->name);
}

static int shm_edges(const struct sync_state *s, sync_emit_fn fn, void *arg)
{
	for (size_t i = 0; i < s->pairs.n; i++) {
		const struct pair *p = stab_at(&s->pairs, i);
		const struct member *a = stab_at(&s->members, p->key[0]);
		const struct member *b = stab_at(&s->members, p->key[1]);
		const struct seg *g = stab_at(&s->segs, a->seg);
		struct edge e = { .mech = M_SHM, .exact = true, .shm_key = g->sysv_key };

		if (!p->met)
			continue;
		/* The first to attach is the source; a fork's child comes after its parent. */
		if (b->first_ts < a->first_ts || (b->first_ts == a->first_ts && b->key[2] < a->key[2])) {
			const struct member *t = a;

			a = b;
			b = t;
		}
		e.src.pid = a->key[2];
		e.src.start_ns = a->key[3];
		e.dst.pid = b->key[2];
		e.dst.start_ns = b->key[3];
		e.shm_size = g->size;
		e.shm_together_ns = p->closed_ns;
		if (p->together && s->now_ns > p->since)
			e.shm_together_ns += s->now_ns - p->since;
		seg_name(g, e.object, sizeof(e.object));
		if (fn(arg, &e, g->key[0], g->key[1], a->comm, b->comm))
			return -1;
	}
	return 0;
}

/* ---- sem ---- */

int sync_update_wake(struct sync_state *s, const struct wake_obs *o)
{
	uint64_t key[7] = { (uint64_t)o->mech, o->obj_a, o->obj_b, o->waker.pid,
			    o->waker.start_ns, o->wakee.pid, o->wakee.start_ns };
	long i = stab_get(&s->wakes, key, NULL);
	struct wake *w;

	if (i < 0)
		return -1;
	w = stab_at(&s->wakes, i);
	w->wakes = o->wakes;
	w->blocked_ns = o->blocked_ns;
	copy_comm(w->comm, o->wakee_comm);
	return 0;
}

void sync_begin(struct sync_state *s)
{
	s->gen++;
}

void sync_annotate(struct sync_state *s, struct edge *e, uint64_t ka, uint64_t kb)
{
	uint64_t key[7] = { (uint64_t)e->mech, ka, kb, e->src.pid, e->src.start_ns,
			    e->dst.pid, e->dst.start_ns };
	long i = stab_find(&s->wakes, key);
	struct wake *w;

	if (i < 0)
		return;
	w = stab_at(&s->wakes, i);
	e->sem_wakes = w->wakes;
	e->sem_wake_blocked_ns = w->blocked_ns;
	w->claimed = s->gen;
}

/*
 * A wake-up no post -> wait edge carries: the waker woke the wakee without
 * a counted post (semctl SETVAL/SETALL, a decrement that let a
 * wait-for-zero through).  Its own edge, msgs 0.
 */
static int wake_edges(const struct sync_state *s, sync_emit_fn fn, void *arg)
{
	for (size_t i = 0; i < s->wakes.n; i++) {
		const struct wake *w = stab_at(&s->wakes, i);
		struct edge e = { .exact = true, .shm_key = -1 };

		if (w->claimed == s->gen || !w->wakes)
			continue;
		e.mech = (int)w->key[0];
		e.src.pid = w->key[3];
		e.src.start_ns = w->key[4];
		e.dst.pid = w->key[5];
		e.dst.start_ns = w->key[6];
		e.sem_wakes = w->wakes;
		e.sem_wake_blocked_ns = w->blocked_ns;
		if (fn(arg, &e, w->key[1], w->key[2], "", w->comm))
			return -1;
	}
	return 0;
}

int sync_edges(const struct sync_state *s, sync_emit_fn fn, void *arg)
{
	return wake_edges(s, fn, arg) || shm_edges(s, fn, arg) ? -1 : 0;
}

bool sync_object_name(int mech, uint64_t obj_a, uint64_t obj_b, char *buf, size_t len)
{
	if (mech != M_SEM)
		return false;
	/* See bpf/ipctrace.h: SysV keys have the ipc namespace in obj_a, below 2^32. */
	if (obj_a >> 32 == 0)
		snprintf(buf, len, "sem:%" PRIu64 "[%" PRIu64 "]", obj_b >> 16, obj_b & 0xffff);
	else
		snprintf(buf, len, "psem:[%" PRIu64 "+%" PRIu64 "]", obj_b, obj_a & 0xffffffff);
	return true;
}

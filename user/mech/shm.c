// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * Shared memory attach overlaps (see shm.h).
 *
 * Per (segment, process) a "member" counts the process's live mappings
 * of the segment.  When a count goes 0 -> n the process becomes attached,
 * n -> 0 detached.  Each pair of members of one segment keeps the time both
 * were attached: on every transition of one, the pairs it forms with the
 * members attached at that moment open or close.  A segment keeps the list
 * of its attached members and a process the list of its members, so an
 * event costs O(processes attached to the segment now) (fork and exit:
 * summed over the process's segments), however long the run.
 */
#include <dirent.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>
#include <bpf/bpf.h>
#include "kernel/abi.h"
#include "core/collect.h"
#include "core/event.h"
#include "core/ktab.h"
#include "core/procfs.h"
#include "kernel/features.h"
#include "kernel/kif.h"
#include "mech/shm.h"
#include "output/fmt.h"

_Static_assert(sizeof(struct ipc_shm_event) == 88 + SHM_NAME_DEPTH * IPC_NAME_LEN,
	       "ipc_shm_event layout");
_Static_assert((int)SHM_EV_ATTACH == (int)SHM_OBS_ATTACH &&
	       (int)SHM_EV_DETACH == (int)SHM_OBS_DETACH && (int)SHM_EV_FORK == (int)SHM_OBS_FORK &&
	       (int)SHM_EV_GONE == (int)SHM_OBS_GONE && (int)SHM_EV_MSYNC == (int)SHM_OBS_MSYNC,
	       "shm event types");


struct seg {
	uint64_t key[2];      /* dev, ino */
	uint64_t size;
	int mech;             /* MECH_SHM, or MECH_MMAP: a regular file */
	int shmid;
	int64_t sysv_key;
	bool internal;
	char *name;           /* as the attach event gave it */
	uint32_t *att;        /* members attached now */
	size_t n_att, cap_att;
	uint64_t last_ns;     /* its latest attach or detach */
};

struct member {
	uint64_t key[4];      /* dev, ino, pid, start_ns */
	uint32_t seg;
	uint32_t pnext;       /* next member of the same process, index + 1 */
	uint32_t count;       /* live mappings */
	uint64_t first_ts;    /* first attach: the earlier attacher is the edge's src */
	uint64_t last_ns;     /* its latest attach or detach */
	uint64_t len;         /* mmap: the length of its latest mapping */
	uint64_t seed_ts;     /* found in /proc at start: its events until then are in the count */
	uint64_t msyncs;      /* successful msyncs on the file */
	bool writable;        /* one of its mappings was made with PROT_WRITE */
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

struct shm_state {
	struct ktab segs, members, procs, pairs;
};

static void *shm_state_new(void)
{
	struct shm_state *s = calloc(1, sizeof(*s));

	if (!s)
		return NULL;
	ktab_init(&s->segs, sizeof(struct seg), 2);
	ktab_init(&s->members, sizeof(struct member), 4);
	ktab_init(&s->procs, sizeof(struct sproc), 2);
	ktab_init(&s->pairs, sizeof(struct pair), 2);
	return s;
}

static void shm_state_free(void *st)
{
	struct shm_state *s = st;

	for (size_t i = 0; i < s->segs.n; i++) {
		free(((struct seg *)ktab_at(&s->segs, i))->name);
		free(((struct seg *)ktab_at(&s->segs, i))->att);
	}
	ktab_free(&s->segs);
	ktab_free(&s->members);
	ktab_free(&s->procs);
	ktab_free(&s->pairs);
	free(s);
}


static long pair_get(struct shm_state *s, uint32_t a, uint32_t b)
{
	uint64_t key[2] = { a < b ? a : b, a < b ? b : a };

	return ktab_get(&s->pairs, key, NULL);
}

/*
 * Member mi changes between detached and attached at ts: open or close its
 * pairs with every other member of the segment attached now, and join or
 * leave that list.
 */
static int member_transition(struct shm_state *s, uint32_t mi, bool attach, uint64_t ts)
{
	struct member *m = ktab_at(&s->members, mi);
	struct seg *g = ktab_at(&s->segs, m->seg);
	size_t self = g->n_att;

	m->last_ns = g->last_ns = ts;
	for (size_t k = 0; k < g->n_att; k++) {
		struct pair *p;
		long pi;

		if (g->att[k] == mi) {
			self = k;
			continue;
		}
		/*
		 * A file mapped read-only by both is never an edge: no pair is
		 * kept (every process using iconv maps one cache so).
		 */
		if (g->mech == MECH_MMAP && !m->writable &&
		    !((const struct member *)ktab_at(&s->members, g->att[k]))->writable)
			continue;
		if ((pi = pair_get(s, mi, g->att[k])) < 0)
			return -1;
		p = ktab_at(&s->pairs, pi);
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

/*
 * Member mi maps its file writable from ts on.  If it is attached, its
 * pairs with the read-only members attached now (not kept until now) open.
 */
static int member_now_writable(struct shm_state *s, uint32_t mi, uint64_t ts)
{
	struct member *m = ktab_at(&s->members, mi);
	const struct seg *g = ktab_at(&s->segs, m->seg);

	if (m->writable)
		return 0;
	m->writable = true;
	if (g->mech != MECH_MMAP || !m->count)
		return 0;
	for (size_t k = 0; k < g->n_att; k++) {
		struct pair *p;
		long pi;

		if (g->att[k] == mi ||
		    ((const struct member *)ktab_at(&s->members, g->att[k]))->writable)
			continue;
		if ((pi = pair_get(s, mi, g->att[k])) < 0)
			return -1;
		p = ktab_at(&s->pairs, pi);
		p->together = true;
		p->met = true;
		p->since = ts;
	}
	return 0;
}

static long member_get(struct shm_state *s, uint32_t seg, struct proc_ref p, uint64_t ts,
		       const char *comm)
{
	const struct seg *g = ktab_at(&s->segs, seg);
	uint64_t key[4] = { g->key[0], g->key[1], p.pid, p.start_ns };
	struct member *m;
	bool created;
	uint64_t pkey[2] = { p.pid, p.start_ns };
	long mi = ktab_get(&s->members, key, &created), pi;
	struct sproc *sp;

	if (mi < 0 || !created)
		return mi;
	if ((pi = ktab_get(&s->procs, pkey, NULL)) < 0)
		return -1; /* the member stays, unlisted: fork and exit miss it */
	sp = ktab_at(&s->procs, pi);
	m = ktab_at(&s->members, mi);
	m->seg = seg;
	m->first_ts = ts;
	model_copy_comm(m->comm, comm ? comm : "");
	m->pnext = sp->first;
	sp->first = mi + 1;
	return mi;
}

/* count mappings more (delta > 0) or fewer; clamps at 0 (detach of an unseen attach). */
static int member_add(struct shm_state *s, uint32_t mi, int64_t delta, uint64_t ts)
{
	struct member *m = ktab_at(&s->members, mi);
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

/* Was member mb found in /proc at or after ts (so an event at ts is in its count)? */
static bool seeded_before(const struct member *mb, uint64_t ts)
{
	return mb->seed_ts && ts <= mb->seed_ts;
}

/* ATTACH, or PRESENT (a mapping found in /proc at start). */
static int shm_attach(struct shm_state *s, const struct shm_obs *o)
{
	bool present = o->type == SHM_OBS_PRESENT;
	struct member *mb;
	uint64_t key[2] = { o->dev, o->ino };
	struct seg *g;
	bool created;
	long gi = ktab_get(&s->segs, key, &created), mi;

	if (gi < 0)
		return -1;
	g = ktab_at(&s->segs, gi);
	/* The latest attach says what the segment is now (size, name). */
	g->size = o->size;
	g->mech = o->mech ? o->mech : MECH_SHM;
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
	if ((mi = member_get(s, gi, o->proc, present ? o->scan_ns : o->ts_ns, o->comm)) < 0)
		return -1;
	mb = ktab_at(&s->members, mi);
	/* made before /proc was read: already counted there */
	if (!present && seeded_before(mb, o->ts_ns))
		return 0;
	if (o->writable && member_now_writable(s, mi, o->ts_ns))
		return -1;
	mb->len = o->size;
	if (member_add(s, mi, 1, o->ts_ns))
		return -1;
	if (present)
		((struct member *)ktab_at(&s->members, mi))->seed_ts = o->ts_ns;
	return 0;
}

/* An msync of a process on a file it mapped while traced. */
static int shm_msync(struct shm_state *s, const struct shm_obs *o)
{
	uint64_t key[4] = { o->dev, o->ino, o->proc.pid, o->proc.start_ns };
	long mi = ktab_find(&s->members, key);
	struct member *mb;

	if (mi < 0)
		return 0;
	mb = ktab_at(&s->members, mi);
	mb->msyncs++;
	mb->last_ns = o->ts_ns;
	return 0;
}

static int shm_detach(struct shm_state *s, const struct shm_obs *o)
{
	uint64_t key[4] = { o->dev, o->ino, o->proc.pid, o->proc.start_ns };
	long mi = ktab_find(&s->members, key);

	/* A mapping made before tracing began and not found in /proc: unknown. */
	if (mi < 0 || seeded_before(ktab_at(&s->members, mi), o->ts_ns))
		return 0;
	return member_add(s, mi, -1, o->ts_ns);
}

/* The first member of process p, index + 1, or 0. */
static uint32_t proc_first(const struct shm_state *s, struct proc_ref p)
{
	uint64_t key[2] = { p.pid, p.start_ns };
	long pi = ktab_find(&s->procs, key);

	return pi < 0 ? 0 : ((const struct sproc *)ktab_at(&s->procs, pi))->first;
}

/* Every mapping of the parent now also belongs to the child. */
static int shm_fork(struct shm_state *s, const struct shm_obs *o)
{
	for (uint32_t k = proc_first(s, o->proc); k; ) {
		const struct member *m = ktab_at(&s->members, k - 1);
		uint32_t count = m->count, seg = m->seg, next = m->pnext;
		uint64_t len = m->len;
		bool writable = m->writable;
		char comm[MODEL_COMM_LEN + 1];
		struct member *c;
		long ci;

		if (count) {
			memcpy(comm, m->comm, sizeof(comm));
			/* m may move: the child's member is a new entry */
			if ((ci = member_get(s, seg, o->child, o->ts_ns, comm)) < 0)
				return -1;
			c = ktab_at(&s->members, ci);
			if (seeded_before(c, o->ts_ns)) { /* the child's /proc/PID/maps had them */
				k = next;
				continue;
			}
			if (writable && member_now_writable(s, ci, o->ts_ns))
				return -1;
			c->len = len;
			if (member_add(s, ci, count, o->ts_ns))
				return -1;
		}
		k = next;
	}
	return 0;
}

static int shm_gone(struct shm_state *s, const struct shm_obs *o)
{
	for (uint32_t k = proc_first(s, o->proc); k; ) {
		const struct member *m = ktab_at(&s->members, k - 1);
		uint32_t next = m->pnext;

		if (m->count && member_add(s, k - 1, -(int64_t)m->count, o->ts_ns))
			return -1;
		k = next;
	}
	return 0;
}

void shm_event(struct model *m, const struct shm_obs *o)
{
	struct shm_state *s = model_mech_state(m, &mech_shm);
	int err = 0;

	switch (o->type) {
	case SHM_OBS_ATTACH:
	case SHM_OBS_PRESENT:
		err = shm_attach(s, o);
		break;
	case SHM_OBS_DETACH:
		err = shm_detach(s, o);
		break;
	case SHM_OBS_FORK:
		err = shm_fork(s, o);
		break;
	case SHM_OBS_GONE:
		err = shm_gone(s, o);
		break;
	case SHM_OBS_MSYNC:
		err = shm_msync(s, o);
		break;
	}
	if (err)
		model_count_dropped(m);
}

/*
 * "shm:SHMID" for SysV; the path of a POSIX shm file; "memfd:NAME" for a
 * memfd; "shm:anon[INO]" for a shared anonymous mapping (named "dev/zero"
 * by the kernel) or any other file of no path; "mmap:PATH" for a regular
 * file ("mmap:[INO]" if its path is unknown).
 */
static void seg_name(const struct seg *g, char *buf, size_t len)
{
	if (g->mech == MECH_MMAP && g->name && g->name[0])
		snprintf(buf, len, "mmap:%s", g->name);
	else if (g->mech == MECH_MMAP)
		snprintf(buf, len, "mmap:[%" PRIu64 "]", g->key[1]);
	else if (g->shmid >= 0)
		snprintf(buf, len, "shm:%d", g->shmid);
	else if (g->internal && g->name && !strncmp(g->name, "memfd:", 6))
		snprintf(buf, len, "%s", g->name);
	else if (g->internal || !g->name || !g->name[0])
		snprintf(buf, len, "shm:anon[%" PRIu64 "]", g->key[1]);
	else
		snprintf(buf, len, "%s", g->name);
}

/*
 * The edge of pairs[i]: the first to attach is the source, a fork's child
 * after its parent.  A file mapped read-only by both is not shared memory
 * (a library, a font cache): no edge.  An mmap edge's size is the longer of
 * the two ends' latest mappings.
 */
static int add_pair_edge(const struct shm_state *s, size_t i, uint64_t now, struct edge_sink *out)
{
	const struct pair *p = ktab_at(&s->pairs, i);
	const struct member *a = ktab_at(&s->members, p->key[0]);
	const struct member *b = ktab_at(&s->members, p->key[1]);
	const struct seg *g = ktab_at(&s->segs, a->seg);
	struct edge e = { .mech = g->mech, .exact = true };
	struct shm_ext x = { .size = g->size, .together_ns = p->closed_ns, .key = g->sysv_key };

	if (g->mech == MECH_MMAP && !a->writable && !b->writable)
		return 0;
	if (b->first_ts < a->first_ts || (b->first_ts == a->first_ts && b->key[2] < a->key[2])) {
		const struct member *t = a;

		a = b;
		b = t;
	}
	if (g->mech == MECH_MMAP) {
		x.size = a->len > b->len ? a->len : b->len;
		x.writable[0] = a->writable;
		x.writable[1] = b->writable;
		x.msyncs[0] = a->msyncs;
		x.msyncs[1] = b->msyncs;
	}
	e.key_a = g->key[0];
	e.key_b = g->key[1];
	e.src.pid = a->key[2];
	e.src.start_ns = a->key[3];
	e.dst.pid = b->key[2];
	e.dst.start_ns = b->key[3];
	if (p->together && now > p->since)
		x.together_ns += now - p->since;
	seg_name(g, e.object, sizeof(e.object));
	return edge_sink_add(out, &e, a->comm, b->comm, &x, sizeof(x));
}

static int shm_edges(void *st, const struct model *m, struct edge_sink *out)
{
	const struct shm_state *s = st;

	for (size_t i = 0; i < s->pairs.n; i++)
		if (((const struct pair *)ktab_at(&s->pairs, i))->met &&
		    add_pair_edge(s, i, model_clock(m), out))
			return -1;
	return 0;
}

/* ---- retention ---- */

/*
 * Rebuild the tables without the members marked gone (and the segments
 * whose members all went): members' indexes change, so the pairs (keyed by
 * them), the segments' attached lists and the processes' lists are made
 * anew.  0 or -1 (out of memory: nothing changed).
 */
static int rebuild(struct shm_state *s, const bool *mem_gone, const bool *seg_gone)
{
	uint32_t *mnew = malloc((s->members.n ? s->members.n : 1) * sizeof(*mnew));
	uint32_t *snew = malloc((s->segs.n ? s->segs.n : 1) * sizeof(*snew));
	struct ktab pairs, procs;
	uint32_t n = 0;
	int err = 0;

	ktab_init(&pairs, sizeof(struct pair), 2);
	ktab_init(&procs, sizeof(struct sproc), 2);
	if (!mnew || !snew)
		err = -1;
	for (size_t i = 0; !err && i < s->members.n; i++)
		mnew[i] = mem_gone[i] ? UINT32_MAX : n++;
	n = 0;
	for (size_t i = 0; !err && i < s->segs.n; i++)
		snew[i] = seg_gone[i] ? UINT32_MAX : n++;
	for (size_t i = 0; !err && i < s->pairs.n; i++) {
		const struct pair *p = ktab_at(&s->pairs, i);
		uint64_t a = mnew[p->key[0]], b = mnew[p->key[1]];
		uint64_t key[2] = { a < b ? a : b, a < b ? b : a };
		long k;

		if (a == UINT32_MAX || b == UINT32_MAX)
			continue;
		if ((k = ktab_get(&pairs, key, NULL)) < 0)
			err = -1;
		else
			*(struct pair *)ktab_at(&pairs, k) = (struct pair){ { key[0], key[1] },
				p->since, p->closed_ns, p->together, p->met };
	}
	if (err) {
		ktab_free(&pairs);
		free(mnew);
		free(snew);
		return -1;
	}
	for (size_t i = 0; i < s->segs.n; i++) {
		struct seg *g = ktab_at(&s->segs, i);
		size_t w = 0;

		if (seg_gone[i]) {
			free(g->name);
			free(g->att);
			continue;
		}
		for (size_t k = 0; k < g->n_att; k++)
			if (mnew[g->att[k]] != UINT32_MAX)
				g->att[w++] = mnew[g->att[k]];
		g->n_att = w;
	}
	ktab_remove_marked(&s->segs, seg_gone);
	ktab_remove_marked(&s->members, mem_gone);
	ktab_free(&s->pairs);
	s->pairs = pairs;
	for (size_t i = 0; i < s->members.n; i++) {
		struct member *m = ktab_at(&s->members, i);
		uint64_t pkey[2] = { m->key[2], m->key[3] };
		long k = ktab_get(&procs, pkey, NULL);

		m->seg = snew[m->seg];
		m->pnext = 0;
		if (k >= 0) { /* else unlisted: fork and exit miss it, as in member_get() */
			m->pnext = ((struct sproc *)ktab_at(&procs, k))->first;
			((struct sproc *)ktab_at(&procs, k))->first = i + 1;
		}
	}
	ktab_free(&s->procs);
	s->procs = procs;
	free(mnew);
	free(snew);
	return 0;
}

/*
 * A member whose process is gone, detached and idle folds with its pairs
 * (each pair's time together is final then); a segment goes with its last
 * member.
 */
static int shm_fold(void *st, const struct model *m, uint64_t idle_before, struct edge_sink *out)
{
	struct shm_state *s = st;
	bool *mem_gone = calloc(s->members.n ? s->members.n : 1, sizeof(bool));
	bool *seg_gone = calloc(s->segs.n ? s->segs.n : 1, sizeof(bool));
	size_t *live = calloc(s->segs.n ? s->segs.n : 1, sizeof(size_t));
	bool any = false;
	int err = 0;

	if (!mem_gone || !seg_gone || !live)
		err = -1;
	for (size_t i = 0; !err && i < s->members.n; i++) {
		const struct member *mb = ktab_at(&s->members, i);

		mem_gone[i] = !mb->count && mb->last_ns <= idle_before &&
			      model_proc_gone(m, (struct proc_ref){ mb->key[2], mb->key[3] });
		any |= mem_gone[i];
		live[mb->seg] += !mem_gone[i];
	}
	for (size_t i = 0; !err && any && i < s->segs.n; i++) {
		const struct seg *g = ktab_at(&s->segs, i);

		seg_gone[i] = !live[i] && !g->n_att && g->last_ns <= idle_before;
	}
	for (size_t i = 0; !err && any && i < s->pairs.n; i++) {
		const struct pair *p = ktab_at(&s->pairs, i);

		if (p->met && (mem_gone[p->key[0]] || mem_gone[p->key[1]]))
			err = add_pair_edge(s, i, model_clock(m), out);
	}
	if (!err && any)
		err = rebuild(s, mem_gone, seg_gone);
	free(mem_gone);
	free(seg_gone);
	free(live);
	return err;
}

static void shm_procs_in_use(void *st, void (*use)(void *ctx, struct proc_ref p), void *ctx)
{
	struct shm_state *s = st;

	for (size_t i = 0; i < s->members.n; i++) {
		const struct member *mb = ktab_at(&s->members, i);

		use(ctx, (struct proc_ref){ mb->key[2], mb->key[3] });
	}
}

/* ---- the ring buffer ---- */

static void copy_str(char *dst, const char *src, size_t n)
{
	size_t len = strnlen(src, n);

	memcpy(dst, src, len);
	dst[len] = '\0';
}

/* The file's name as the model wants it: a path root first, or a bare name. */
static void event_name(const struct ipc_shm_event *e, struct shm_obs *o)
{
	char comp[IPC_NAME_LEN + 1];
	size_t len = 0;

	o->name[0] = '\0';
	o->internal = e->internal;
	if (e->internal) {
		if (e->depth)
			copy_str(o->name, e->comp[0], IPC_NAME_LEN);
		return;
	}
	if (e->truncated)
		len += snprintf(o->name + len, sizeof(o->name) - len, "...");
	for (int i = (int)e->depth - 1; i >= 0 && i < SHM_NAME_DEPTH; i--) {
		copy_str(comp, e->comp[i], IPC_NAME_LEN);
		len += snprintf(o->name + len, sizeof(o->name) - len, "/%s", comp);
		if (len >= sizeof(o->name))
			break;
	}
}

static int on_shm_event(void *ctx, void *data, size_t size)
{
	const struct ipc_shm_event *e = data;
	struct model *m = ctx;
	struct shm_obs o;
	unsigned int key;

	if (size < sizeof(*e))
		return 0;
	memset(&o, 0, sizeof(o));
	o.type = e->type; /* the same numbers: SHM_EV_* == SHM_OBS_* */
	o.proc.pid = e->tgid;
	o.proc.start_ns = e->start_ns;
	o.child.pid = e->other_tgid;
	o.child.start_ns = e->other_start_ns;
	o.ts_ns = e->ts;
	o.dev = e->dev;
	o.ino = e->ino;
	o.size = e->size;
	o.mech = e->kind == SHM_KIND_MMAP ? MECH_MMAP : MECH_SHM;
	o.writable = e->writable;
	o.shmid = -1;
	o.key = -1;
	copy_str(o.comm, e->comm, IPC_COMM_LEN);
	if (e->type == SHM_EV_ATTACH) {
		event_name(e, &o);
		/* ipc/shm.c names a segment's file "SYSV%08x" after its key */
		if (e->kind == SHM_KIND_SYSV) {
			o.shmid = e->shmid;
			if (sscanf(o.name, "SYSV%8x", &key) == 1)
				o.key = key;
		}
	}
	shm_event(m, &o);
	return 0; /* never negative: that would stop the drain */
}

/*
 * --events names a segment as the topology does (seg_name()), from the
 * segments the collector's model holds: its records come with no model.
 */
static const struct model *shm_model;

static int shm_collect_init(struct collector *c, struct kif *k, struct model *m)
{
	shm_model = m;
	return collector_add_ring(c, kif_map_fd(k, "shm_events"), on_shm_event, m);
}

/*
 * The object of a record: its segment's name, which the shm_events ring
 * (drained first, and written first) gave.  A segment the model does not
 * know: "shm:ID" for SysV, else the core's "<mech>:[INO]".
 */
static void shm_ev_object(const struct ipc_event *e, struct ev_view *v, int64_t shmid)
{
	const struct shm_state *s = shm_model ? model_mech_state(shm_model, &mech_shm) : NULL;
	uint64_t key[2] = { e->obj_a, e->obj_b };
	long i = s ? ktab_find(&s->segs, key) : -1;

	if (i >= 0)
		seg_name(ktab_at(&s->segs, i), v->object, sizeof(v->object));
	else if (shmid >= 0)
		snprintf(v->object, sizeof(v->object), "shm:%" PRId64, shmid);
	else if (!v->object[0])
		snprintf(v->object, sizeof(v->object), "%s:[%" PRIu64 "]",
			 e->mech == MECH_MMAP ? "mmap" : "shm", (uint64_t)e->obj_b);
}

/*
 * --events (bpf/shm.bpf.c): attach: state[] = size shared, writable, kind,
 * SysV id, shm_nattch after (-1: not SysV or not found), the inode's
 * writable shared mappings after, address, call.  detach, msync: the
 * mapping's length, writable, kind, SysV id, shm_nattch after, address.
 */
static void shm_ev(const struct ipc_event *e, struct ev_view *v)
{
	static const char *const kinds[] = { "?", "sysv", "file", "mmap" };
	static const char *const calls[] = { "?", "shmat", "mmap", "shmdt/munmap", "msync",
					     "mremap" };
	bool attach = e->op == EV_OP_ATTACH;
	int64_t kind = e->state[2], shmid = e->state[3], nattch = e->state[4];
	char buf[16];

	v->no_bytes = true;
	shm_ev_object(e, v, kind == SHM_KIND_SYSV ? shmid : -1);
	ev_field_int(v, attach ? "size" : "length", e->state[0]);
	ev_field_bool(v, "writable", e->state[1]);
	ev_field_str(v, "kind", kind >= 1 && kind <= 3 ? kinds[kind] : "?");
	if (kind == SHM_KIND_SYSV)
		ev_field_int(v, "shmid", shmid);
	if (nattch >= 0)
		ev_field_int(v, "nattch", nattch);
	if (attach) {
		ev_field_int(v, "writable_maps", e->state[5]);
		ev_field_int(v, "addr", e->state[6]);
		if (e->state[7] >= 1 && e->state[7] <= 5)
			ev_field_str(v, "call", calls[e->state[7]]);
	} else {
		ev_field_int(v, "addr", e->state[5]);
	}
	/* a detach's length is the mapping's (whole pages), an attach's the size shared */
	ev_state_add(v, "%s%sB %s", attach ? "" : "mapped ",
		     fmt_human((double)e->state[0], 1024, buf, sizeof(buf)), e->state[1] ? "rw" : "ro");
	if (nattch >= 0)
		ev_state_add(v, "nattch %" PRId64, nattch);
	else if (attach && e->state[1])
		ev_state_add(v, "writable maps %" PRId64, (int64_t)e->state[5]);
}

/* shm_fork/exec/exit do not call bpf_find_vma(), but alone they serve nothing. */
static bool shm_loadable(const struct bpf_program *prog, char *why, size_t len)
{
	if (feature_find_vma())
		return true;
	snprintf(why, len, "this kernel has no bpf_find_vma() for tracing programs");
	return false;
}

/* ---- mappings that predate ipctrace ---- */

#define SHM_TMPFS_MAGIC 0x01021994
#define SHM_HUGETLBFS_MAGIC 0x958458f6

void shm_path_like_bpf(const char *path, char *out, size_t len)
{
	const char *comp[SHM_NAME_DEPTH];
	size_t n = 0, clen[SHM_NAME_DEPTH], w = 0;
	bool more = false;

	for (const char *p = path; *p; ) {
		size_t l;

		while (*p == '/')
			p++;
		if (!*p)
			break;
		l = strcspn(p, "/");
		if (n == SHM_NAME_DEPTH) { /* keep the last ones */
			memmove(comp, comp + 1, (n - 1) * sizeof(*comp));
			memmove(clen, clen + 1, (n - 1) * sizeof(*clen));
			n--;
			more = true;
		}
		comp[n] = p;
		clen[n++] = l < IPC_NAME_LEN - 1 ? l : IPC_NAME_LEN - 1;
		p += l;
	}
	if (len)
		out[0] = '\0';
	if (more)
		w += snprintf(out + w, w < len ? len - w : 0, "...");
	for (size_t i = 0; i < n; i++)
		w += snprintf(out + w, w < len ? len - w : 0, "/%.*s", (int)clen[i], comp[i]);
}

/* A shared file mapping in /proc/PID/maps; vend: the end of its first piece. */
struct found {
	struct procfs_map m;
	uint64_t vend;
};

/*
 * The shared mappings of files in /proc/PID/maps, into *out (free() it);
 * their count.  One mapping split into pieces (by mprotect, a partial
 * munmap) is several lines of consecutive addresses and file offsets: one.
 */
static size_t maps_shared(uint32_t pid, struct found **out)
{
	char path[64], line[4200];
	struct found *v = NULL, *grown;
	struct procfs_map *m = malloc(sizeof(*m));
	size_t n = 0, cap = 0;
	FILE *f;

	*out = NULL;
	snprintf(path, sizeof(path), "/proc/%u/maps", pid);
	if (!m || !(f = fopen(path, "re"))) {
		free(m);
		return 0;
	}
	while (fgets(line, sizeof(line), f)) {
		struct found *last = n ? &v[n - 1] : NULL;

		if (!procfs_maps_line(line, m) || !m->shared || m->path[0] != '/')
			continue;
		if (last && last->m.dev == m->dev && last->m.ino == m->ino && last->m.end == m->start &&
		    m->offset == last->m.offset + (last->m.end - last->m.start)) {
			last->m.end = m->end;
			last->m.write |= m->write;
			continue;
		}
		if (n == cap) {
			cap = cap ? 2 * cap : 4;
			if (!(grown = realloc(v, cap * sizeof(*v))))
				break;
			v = grown;
		}
		v[n].m = *m;
		v[n++].vend = m->end;
	}
	fclose(f);
	free(m);
	*out = v;
	return n;
}

/*
 * What the BPF side would have reported attaching fm, into o; false if it
 * is neither kind (a device, a POSIX semaphore) or its kind is not
 * selected.  The file is looked at through /proc/PID/map_files (root): its
 * filesystem says the kind, as in bpf/shm.bpf.c.
 */
static bool found_obs(uint32_t pid, const struct found *fm, uint32_t mask, struct shm_obs *o)
{
	const char *path = fm->m.path, *base = strrchr(path, '/') + 1;
	char link[96];
	struct statfs sfs;
	struct stat st;
	unsigned int key;

	snprintf(link, sizeof(link), "/proc/%u/map_files/%" PRIx64 "-%" PRIx64, pid, fm->m.start,
		 fm->vend);
	if (statfs(link, &sfs) || stat(link, &st))
		return false;
	o->dev = fm->m.dev;
	o->ino = fm->m.ino;
	o->writable = fm->m.write;
	if ((unsigned long)sfs.f_type == SHM_TMPFS_MAGIC ||
	    (unsigned long)sfs.f_type == SHM_HUGETLBFS_MAGIC) {
		if (!(mask & (1u << MECH_SHM)) || !strncmp(base, "sem.", 4))
			return false;
		o->mech = MECH_SHM;
		o->size = st.st_size;
		/* the kernel's own shm mount: names, not paths */
		o->internal = fm->m.deleted && (!strncmp(path, "/SYSV", 5) ||
						!strncmp(path, "/memfd:", 7) ||
						!strcmp(path, "/dev/zero"));
		if (!o->internal) {
			shm_path_like_bpf(path, o->name, sizeof(o->name));
			return true;
		}
		snprintf(o->name, sizeof(o->name), "%.*s", IPC_NAME_LEN - 1, path + 1);
		/* ipc/shm.c: the segment's inode number is its id, its name SYSV<key> */
		if (sscanf(o->name, "SYSV%8x", &key) == 1) {
			o->shmid = (int)o->ino;
			o->key = key;
		}
		return true;
	}
	if (!S_ISREG(st.st_mode) || !(mask & (1u << MECH_MMAP)))
		return false;
	o->mech = MECH_MMAP;
	/* the length asked for is gone: the mapping's, in whole pages */
	o->size = fm->m.end - fm->m.start;
	shm_path_like_bpf(path, o->name, sizeof(o->name));
	return true;
}

static uint64_t mono_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + ts.tv_nsec;
}

/*
 * Who pid (as /proc numbers it) is, for BPF: its global tgid and start_ns,
 * asked by opening a pidfd to it (bpf/shm.bpf.c), which also has its
 * munmaps, fork, exec and exit followed from now on.  false if it is gone.
 */
static bool ident(int map_fd, uint32_t pid, struct proc_ref *p)
{
	struct shm_ident ans = { 0 };
	uint32_t zero = 0;
	int fd;

	if (bpf_map_update_elem(map_fd, &zero, &ans, BPF_ANY))
		return false;
	fd = syscall(SYS_pidfd_open, pid, 0);
	if (fd < 0)
		return false;
	close(fd);
	if (bpf_map_lookup_elem(map_fd, &zero, &ans) || !ans.tgid)
		return false;
	p->pid = ans.tgid;
	p->start_ns = ans.start_ns;
	return true;
}

/*
 * Every process's shared mappings of segments and files, from /proc, as
 * attached since the scan began.  A process's maps are read twice: to see
 * whether it has any, then, once BPF follows it, for what counts.
 */
static void shm_predate(struct collector *c, struct kif *k, struct model *m, uint32_t mask)
{
	int map_fd = kif_map_fd(k, "shm_ident");
	uint64_t scan_ns = mono_ns();
	struct dirent *de;
	DIR *d;

	if (!(mask & (1u << MECH_SHM | 1u << MECH_MMAP)) || map_fd < 0 || !(d = opendir("/proc")))
		return;
	while ((de = readdir(d))) {
		struct shm_obs o;
		struct proc_ref p;
		struct found *v;
		char *end, comm[MODEL_COMM_LEN + 1] = "";
		unsigned long pid = strtoul(de->d_name, &end, 10);
		uint32_t ppid;
		uint64_t seed;
		size_t n;

		if (*end || !pid || pid == (unsigned long)getpid())
			continue;
		n = maps_shared(pid, &v);
		free(v);
		if (!n || !ident(map_fd, pid, &p))
			continue;
		seed = mono_ns();
		n = maps_shared(pid, &v);
		if (!procfs_lookup(pid, p.start_ns, &ppid, comm))
			n = 0; /* gone, and the pid taken again */
		for (size_t i = 0; i < n; i++) {
			memset(&o, 0, sizeof(o));
			o.type = SHM_OBS_PRESENT;
			o.proc = p;
			o.ts_ns = seed;
			o.scan_ns = scan_ns;
			o.shmid = -1;
			o.key = -1;
			copy_str(o.comm, comm, MODEL_COMM_LEN);
			if (found_obs(pid, &v[i], mask, &o))
				shm_event(m, &o);
		}
		free(v);
	}
	closedir(d);
}

/* ---- output ---- */

/* Attached together, not messages: the segment's size and the time shared. */
static void shm_json(const struct edge *e, const void *ext, FILE *f)
{
	const struct shm_ext *x = ext;

	if (!x)
		return;
	fprintf(f, ",\"size\":%" PRIu64 ",\"together_ns\":%" PRIu64, x->size, x->together_ns);
	if (x->key >= 0)
		fprintf(f, ",\"key\":\"0x%08" PRIx64 "\"", (uint64_t)x->key);
	if (e->mech == MECH_MMAP)
		fprintf(f, ",\"writable\":{\"src\":%s,\"dst\":%s},\"msyncs\":{\"src\":%" PRIu64
			",\"dst\":%" PRIu64 "}", x->writable[0] ? "true" : "false",
			x->writable[1] ? "true" : "false", x->msyncs[0], x->msyncs[1]);
}

/* Nothing moves through calls: what is shared is the segment. */
static enum note_kind shm_note(const struct edge *e, const void *ext, size_t width,
				char *buf, size_t len)
{
	const struct shm_ext *x = ext;
	char a[24];

	snprintf(buf, len, "size %s", fmt_human(x ? x->size : 0, 1024, a, sizeof(a)));
	return NOTE_WHOLE;
}

static void shm_dot(const struct edge *e, const void *ext, FILE *f)
{
	const struct shm_ext *x = ext;

	fprintf(f, "\\n%" PRIu64 " B shared", x ? x->size : 0);
}

/* Attached together: no direction of flow is known. */
static const char *shm_dot_attrs(const struct edge *e)
{
	return ", dir=none, color=blue, fontcolor=blue";
}

static const struct mech_kind shm_kinds[] = {
	{ .id = MECH_SHM, .name = "shm", .label = "shm", .opt = "shm",
	  .progs = "shm_" },
	{ .id = MECH_MMAP, .name = "mmap", .label = "mmap", .opt = "mmap",
	  .progs = "shm_" },
	{ 0 },
};

const struct mech_ops mech_shm = {
	.name = "shm",
	.kinds = shm_kinds,
	.prefixes = "shm_",
	.prog_loadable = shm_loadable,
	.collect_init = shm_collect_init,
	.predate = shm_predate,
	.state_new = shm_state_new,
	.state_free = shm_state_free,
	.edges = shm_edges,
	.fold = shm_fold,
	.procs_in_use = shm_procs_in_use,
	.json = shm_json,
	.table_note = shm_note,
	.dot_label = shm_dot,
	.dot_attrs = shm_dot_attrs,
	.event = shm_ev,
};

// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * The IPC model: a process table, objects and their endpoints, and the join
 * of endpoints into process-pair edges.  Everything is keyed in hash tables
 * so that a snapshot costs O(endpoints + signals + edges), plus
 * O(|senders| * |receivers|) per object: 100k endpoints stay cheap.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "model.h"
#include "model_mq.h"
#include "model_sync.h"
#include "signames.h"

/*
 * kvec: a growable array of fixed-size entries, each starting with a key of
 * `kwords` uint64_t, indexed by an open-addressing (linear probing) table of
 * entry indexes.  Nothing is ever deleted from the model (reaping only sets
 * a flag), so there are no tombstones.  Entries move when the array grows:
 * a pointer from kv_at() is valid until the next kv_insert() on that kvec.
 */
struct kvec {
	size_t esize, kwords;
	char *data;
	size_t n, cap;
	uint32_t *slot; /* entry index + 1, 0 = empty */
	size_t nslot;   /* a power of two, at least twice n */
};

static void kv_init(struct kvec *kv, size_t esize, size_t kwords)
{
	memset(kv, 0, sizeof(*kv));
	kv->esize = esize;
	kv->kwords = kwords;
}

static void kv_free(struct kvec *kv)
{
	free(kv->data);
	free(kv->slot);
	kv->data = NULL;
	kv->slot = NULL;
	kv->n = kv->cap = kv->nslot = 0;
}

static inline void *kv_at(const struct kvec *kv, size_t i)
{
	return kv->data + i * kv->esize;
}

/* splitmix64's finalizer on every word: pids and inode numbers are dense. */
static uint64_t hash_words(const uint64_t *k, size_t n)
{
	uint64_t h = 0x9e3779b97f4a7c15ULL, x;
	size_t i;

	for (i = 0; i < n; i++) {
		x = k[i] + h;
		x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ULL;
		x = (x ^ (x >> 27)) * 0x94d049bb133111ebULL;
		h = (h ^ x ^ (x >> 31)) * 0xff51afd7ed558ccdULL;
	}
	return h ^ (h >> 32);
}

static long kv_lookup(const struct kvec *kv, const uint64_t *key)
{
	size_t mask = kv->nslot - 1, i;
	uint32_t s;

	if (!kv->nslot)
		return -1;
	for (i = hash_words(key, kv->kwords) & mask; (s = kv->slot[i]); i = (i + 1) & mask) {
		if (memcmp(kv_at(kv, s - 1), key, kv->kwords * sizeof(uint64_t)) == 0)
			return s - 1;
	}
	return -1;
}

static void kv_place(struct kvec *kv, size_t idx)
{
	size_t mask = kv->nslot - 1, i;

	i = hash_words(kv_at(kv, idx), kv->kwords) & mask;
	while (kv->slot[i])
		i = (i + 1) & mask;
	kv->slot[i] = idx + 1;
}

/* Keep the load factor at most 1/2 so probes stay short. */
static int kv_grow_slots(struct kvec *kv)
{
	size_t nslot = kv->nslot ? kv->nslot * 2 : 64, i;
	uint32_t *slot = calloc(nslot, sizeof(*slot));

	if (!slot)
		return -1;
	free(kv->slot);
	kv->slot = slot;
	kv->nslot = nslot;
	for (i = 0; i < kv->n; i++)
		kv_place(kv, i);
	return 0;
}

/* Append a zeroed entry with this key (not already present); -1 if out of memory. */
static long kv_insert(struct kvec *kv, const uint64_t *key)
{
	size_t cap;
	char *data;

	if (kv->n >= UINT32_MAX - 1)
		return -1;
	if ((kv->n + 1) * 2 > kv->nslot && kv_grow_slots(kv))
		return -1;
	if (kv->n == kv->cap) {
		cap = kv->cap ? kv->cap * 2 : 32;
		data = realloc(kv->data, cap * kv->esize);
		if (!data)
			return -1;
		kv->data = data;
		kv->cap = cap;
	}
	memset(kv_at(kv, kv->n), 0, kv->esize);
	memcpy(kv_at(kv, kv->n), key, kv->kwords * sizeof(uint64_t));
	kv_place(kv, kv->n);
	return kv->n++;
}

/* The entry for key, created zeroed if absent; -1 if out of memory. */
static long kv_get(struct kvec *kv, const uint64_t *key)
{
	long i = kv_lookup(kv, key);

	return i >= 0 ? i : kv_insert(kv, key);
}

/* ---- the model's tables ---- */

struct proc_ent {
	uint64_t key[2]; /* pid, start_ns */
	struct model_proc p;
	bool reaped;
};

struct obj_ent {
	uint64_t key[3]; /* mech, obj_a, obj_b */
	char *name;      /* model_set_object_name(), or NULL for the default */
	uint32_t first_ep; /* head of the list of its endpoints, index + 1 */
};

struct ep_ent {
	uint64_t key[5]; /* pid, start_ns, mech | dir << 32, obj_a, obj_b */
	uint32_t obj;    /* index into objs */
	uint32_t next;   /* next endpoint of the same object, index + 1 */
	uint64_t ops, bytes, blocked_ns;
	char comm[MODEL_COMM_LEN + 1];
	uint64_t fds, creds;
};

struct sig_ent {
	uint64_t key[6]; /* src pid, src start, dst pid, dst start, sig, code */
	struct sig_obs o;
};

struct sigdel_ent {
	uint64_t key[3]; /* pid, start_ns, sig */
	struct sigdel_obs o;
};

/* An edge of the previous snapshot, to compute deltas against. */
struct prev_ent {
	uint64_t key[7]; /* mech, obj_a | sig, obj_b | code, src pid, src start, dst pid, dst start */
	uint64_t msgs, bytes;
};

struct model {
	struct kvec procs, objs, eps, sigs, sigdels, prev;
	struct model_lost lost;
	uint64_t seq;          /* seq of the latest snapshot, 0 before the first */
	double last_elapsed;   /* elapsed_s of the latest snapshot */
	/*
	 * Observations dropped because a table could not grow: reported as
	 * map_full, since they are lost exactly like a full BPF map's.
	 */
	uint64_t dropped;
	struct mqx *mqx;       /* message-queue histograms and statistics */
	struct sync_state *sync; /* shm attach periods, semaphore wake-ups */
};

static const char *const mech_names[M_MAX] = {
	[M_PIPE] = "pipe",
	[M_FIFO] = "fifo",
	[M_SIGNAL] = "signal",
	[M_UNIX_STREAM] = "unix_stream",
	[M_UNIX_DGRAM] = "unix_dgram",
	[M_UNIX_SEQPACKET] = "unix_seqpacket",
	[M_TCP] = "tcp",
	[M_UDP] = "udp",
	[M_MQ] = "mq",
	[M_MSG] = "msg",
	[M_SHM] = "shm",
	[M_SEM] = "sem",
};

const char *model_mech_name(int mech)
{
	if (mech <= M_NONE || mech >= M_MAX)
		return NULL;
	return mech_names[mech];
}

int model_mech_parse(const char *name)
{
	int i;

	for (i = M_NONE + 1; name && i < M_MAX; i++) {
		if (strcmp(name, mech_names[i]) == 0)
			return i;
	}
	return -1;
}

struct model *model_new(void)
{
	struct model *m = calloc(1, sizeof(*m));

	if (!m)
		return NULL;
	kv_init(&m->procs, sizeof(struct proc_ent), 2);
	kv_init(&m->objs, sizeof(struct obj_ent), 3);
	kv_init(&m->eps, sizeof(struct ep_ent), 5);
	kv_init(&m->sigs, sizeof(struct sig_ent), 6);
	kv_init(&m->sigdels, sizeof(struct sigdel_ent), 3);
	kv_init(&m->prev, sizeof(struct prev_ent), 7);
	if (!(m->mqx = mqx_new())) {
		free(m);
		return NULL;
	}
	if (!(m->sync = sync_new())) {
		mqx_free(m->mqx);
		free(m);
		return NULL;
	}
	return m;
}

struct mqx *model_mqx(struct model *m)
{
	return m->mqx;
}

void model_free(struct model *m)
{
	size_t i;

	if (!m)
		return;
	for (i = 0; i < m->objs.n; i++)
		free(((struct obj_ent *)kv_at(&m->objs, i))->name);
	kv_free(&m->procs);
	kv_free(&m->objs);
	kv_free(&m->eps);
	kv_free(&m->sigs);
	kv_free(&m->sigdels);
	kv_free(&m->prev);
	mqx_free(m->mqx);
	sync_free(m->sync);
	free(m);
}

void model_shm_event(struct model *m, const struct shm_obs *o)
{
	if (sync_shm_event(m->sync, o))
		m->dropped++;
}

void model_update_wake(struct model *m, const struct wake_obs *o)
{
	if (sync_update_wake(m->sync, o))
		m->dropped++;
}

void model_set_clock(struct model *m, uint64_t now_ns)
{
	sync_set_clock(m->sync, now_ns);
}

/* comm arrives from BPF, where a 16-byte comm need not be NUL-terminated. */
static void copy_comm(char *dst, const char *src)
{
	size_t n = strnlen(src, MODEL_COMM_LEN);

	memcpy(dst, src, n);
	dst[n] = '\0';
}

/* ---- processes ---- */

static struct proc_ent *proc_get(struct model *m, struct proc_ref p)
{
	uint64_t key[2] = { p.pid, p.start_ns };
	struct proc_ent *e;
	long i = kv_get(&m->procs, key);

	if (i < 0) {
		m->dropped++;
		return NULL;
	}
	e = kv_at(&m->procs, i);
	e->p.pid = p.pid;
	e->p.start_ns = p.start_ns;
	return e;
}

static const struct proc_ent *proc_lookup(const struct model *m, uint32_t pid, uint64_t start_ns)
{
	uint64_t key[2] = { pid, start_ns };
	long i = kv_lookup(&m->procs, key);

	return i < 0 ? NULL : kv_at(&m->procs, i);
}

const struct model_proc *model_proc_find(const struct model *m, struct proc_ref p)
{
	const struct proc_ent *e = proc_lookup(m, p.pid, p.start_ns);

	return e ? &e->p : NULL;
}

void model_proc_fork(struct model *m, struct proc_ref p, uint32_t ppid, const char *comm)
{
	struct proc_ent *e = proc_get(m, p);

	if (!e)
		return;
	e->p.ppid = ppid;
	if (comm && *comm)
		copy_comm(e->p.comm, comm);
}

void model_proc_exec(struct model *m, struct proc_ref p, const char *comm)
{
	model_proc_comm(m, p, comm);
}

void model_proc_comm(struct model *m, struct proc_ref p, const char *comm)
{
	struct proc_ent *e = proc_get(m, p);

	if (e && comm && *comm)
		copy_comm(e->p.comm, comm);
}

void model_proc_exit(struct model *m, struct proc_ref p, int exit_status)
{
	struct proc_ent *e = proc_get(m, p);

	if (!e || e->p.exited)
		return;
	e->p.exited = true;
	e->p.exit_status = exit_status;
	/*
	 * The next snapshot is the first that can show the exit; the process
	 * becomes reapable only once that snapshot exists, so its last counters
	 * reach at least one report before the caller deletes them from BPF.
	 */
	e->p.exit_seq = m->seq + 1;
}

void model_proc_hint(struct model *m, struct proc_ref p, uint32_t ppid, const char *comm)
{
	struct proc_ent *e = proc_get(m, p);

	if (!e)
		return;
	if (!e->p.ppid)
		e->p.ppid = ppid;
	if (!e->p.comm[0] && comm)
		copy_comm(e->p.comm, comm);
}

size_t model_reapable(struct model *m, struct proc_ref *out, size_t max)
{
	size_t i, n = 0;

	for (i = 0; i < m->procs.n && n < max; i++) {
		const struct proc_ent *e = kv_at(&m->procs, i);

		if (e->p.exited && !e->reaped && e->p.exit_seq <= m->seq)
			out[n++] = (struct proc_ref){ e->p.pid, e->p.start_ns };
	}
	return n;
}

void model_mark_reaped(struct model *m, struct proc_ref p)
{
	uint64_t key[2] = { p.pid, p.start_ns };
	long i = kv_lookup(&m->procs, key);

	/* Only a flag: the counters keep feeding the cumulative report. */
	if (i >= 0)
		((struct proc_ent *)kv_at(&m->procs, i))->reaped = true;
}

/* ---- observations ---- */

static long obj_get(struct model *m, int mech, uint64_t obj_a, uint64_t obj_b)
{
	uint64_t key[3] = { (uint64_t)mech, obj_a, obj_b };

	return kv_get(&m->objs, key);
}

void model_set_object_name(struct model *m, int mech, uint64_t obj_a, uint64_t obj_b,
			   const char *name)
{
	long i = obj_get(m, mech, obj_a, obj_b);
	struct obj_ent *o;
	char *copy = NULL;

	/* NULL goes back to the default name. */
	if (i < 0 || (name && !(copy = strdup(name)))) {
		m->dropped++;
		return;
	}
	o = kv_at(&m->objs, i);
	free(o->name);
	o->name = copy;
}

void model_update_endpoint(struct model *m, const struct ep_obs *o)
{
	uint64_t key[5] = { o->proc.pid, o->proc.start_ns,
			    (uint32_t)o->mech | (uint64_t)(uint32_t)o->dir << 32,
			    o->obj_a, o->obj_b };
	long i = kv_lookup(&m->eps, key), obj;
	struct obj_ent *oe;
	struct ep_ent *e;

	if (i < 0) {
		/* A new endpoint joins the list of its object. */
		obj = obj_get(m, o->mech, o->obj_a, o->obj_b);
		if (obj < 0 || (i = kv_insert(&m->eps, key)) < 0) {
			m->dropped++;
			return;
		}
		oe = kv_at(&m->objs, obj);
		e = kv_at(&m->eps, i);
		e->obj = obj;
		e->next = oe->first_ep;
		oe->first_ep = i + 1;
	}
	/* Cumulative values: the latest read replaces the previous one. */
	e = kv_at(&m->eps, i);
	e->ops = o->ops;
	e->bytes = o->bytes;
	e->blocked_ns = o->blocked_ns;
	e->fds = o->fds;
	e->creds = o->creds;
	copy_comm(e->comm, o->comm);
}

void model_update_signal(struct model *m, const struct sig_obs *o)
{
	uint64_t key[6] = { o->src.pid, o->src.start_ns, o->dst.pid, o->dst.start_ns,
			    (uint64_t)(int64_t)o->sig, (uint64_t)(int64_t)o->code };
	long i = kv_get(&m->sigs, key);
	struct sig_ent *e;

	if (i < 0) {
		m->dropped++;
		return;
	}
	e = kv_at(&m->sigs, i);
	e->o = *o;
	copy_comm(e->o.src_comm, o->src_comm);
}

void model_update_sigdel(struct model *m, const struct sigdel_obs *o)
{
	uint64_t key[3] = { o->proc.pid, o->proc.start_ns, (uint64_t)(int64_t)o->sig };
	long i = kv_get(&m->sigdels, key);
	struct sigdel_ent *e;

	if (i < 0) {
		m->dropped++;
		return;
	}
	e = kv_at(&m->sigdels, i);
	e->o = *o;
	copy_comm(e->o.comm, o->comm);
}

void model_set_lost(struct model *m, const struct model_lost *lost)
{
	m->lost = *lost;
}

/* ---- snapshot: the join ---- */

/* An edge being built, with the object key that identifies it across snapshots. */
struct ework {
	struct edge e;
	uint64_t ka, kb; /* (obj_a, obj_b), or (sig, code) for signals */
};

struct ebuf {
	struct ework *v;
	size_t n, cap;
	struct mq_binbuf bins; /* histograms of the mq/msg edges */
};

static struct ework *ebuf_push(struct ebuf *b)
{
	struct ework *v;
	size_t cap;

	if (b->n == b->cap) {
		cap = b->cap ? b->cap * 2 : 64;
		v = realloc(b->v, cap * sizeof(*v));
		if (!v)
			return NULL;
		b->v = v;
		b->cap = cap;
	}
	memset(&b->v[b->n], 0, sizeof(b->v[0]));
	return &b->v[b->n++];
}

/* Endpoint indexes of one object's senders or receivers, reused across objects. */
struct idxvec {
	uint32_t *v;
	size_t n, cap;
};

static int idxvec_push(struct idxvec *iv, uint32_t x)
{
	uint32_t *v;
	size_t cap;

	if (iv->n == iv->cap) {
		cap = iv->cap ? iv->cap * 2 : 16;
		v = realloc(iv->v, cap * sizeof(*v));
		if (!v)
			return -1;
		iv->v = v;
		iv->cap = cap;
	}
	iv->v[iv->n++] = x;
	return 0;
}

/*
 * An end's comm: the process table's, which follows exec and prctl, if it
 * has one; else what the BPF side saw when the counter was created.  pid 0
 * only occurs as the sender of a signal raised by the kernel itself.
 */
static void fill_end(const struct model *m, struct edge_end *end, uint32_t pid,
		     uint64_t start_ns, const char *fallback)
{
	const struct proc_ent *p;

	end->pid = pid;
	end->start_ns = start_ns;
	if (pid == 0) {
		strcpy(end->comm, "[kernel]");
		return;
	}
	p = proc_lookup(m, pid, start_ns);
	copy_comm(end->comm, p && p->p.comm[0] ? p->p.comm : fallback);
}

/*
 * Display name of an object: what model_set_object_name() gave (a FIFO's
 * path), else "<mech>:[<inode>]" like /proc/PID/fd shows "pipe:[8425]".
 * A name too long for the edge keeps its tail: the leaf names the object.
 */
static void object_name(const struct obj_ent *o, char *buf, size_t len)
{
	const char *mech = model_mech_name((int)o->key[0]);
	size_t n;

	if (!o->name) {
		if (sync_object_name((int)o->key[0], o->key[1], o->key[2], buf, len))
			return;
		if (mech)
			snprintf(buf, len, "%s:[%llu]", mech, (unsigned long long)o->key[2]);
		else
			snprintf(buf, len, "mech%d:[%llu]", (int)o->key[0],
				 (unsigned long long)o->key[2]);
		return;
	}
	n = strlen(o->name);
	if (n < len)
		memcpy(buf, o->name, n + 1);
	else
		snprintf(buf, len, "...%s", o->name + n - (len - 4));
}

static bool mech_is_unix(int mech)
{
	return mech == M_UNIX_STREAM || mech == M_UNIX_DGRAM || mech == M_UNIX_SEQPACKET;
}

/* a * b / c without overflow; a*b/c <= a here since b <= c. */
static uint64_t mul_div(uint64_t a, uint64_t b, uint64_t c)
{
	return (uint64_t)((unsigned __int128)a * b / c);
}

/*
 * Edges of one object from its senders S and receivers R.  Each endpoint's
 * counters are exact; what is inferred is who got whose bytes:
 *  - 1:1   msgs = the writer's writes, bytes = what the reader received;
 *  - N:1   everything a writer wrote went to the only reader:
 *          msgs and bytes = the writer's;
 *  - 1:N   a write can be split among readers, so the reader's counts are
 *          the exact ones: msgs = its reads, bytes = what it received;
 *  - N:M   not knowable from counters: each writer's bytes and writes are
 *          spread over readers in proportion to what each reader received,
 *          and the edge says exact=false.
 * A process both writing and reading the object is in both sets; it is not
 * an edge to itself.
 */
static int join_object(const struct model *m, const struct obj_ent *o,
		       const struct idxvec *S, const struct idxvec *R, struct ebuf *out)
{
	uint64_t total_rx = 0;
	char name[sizeof(((struct edge *)0)->object)];
	size_t i, j;

	for (j = 0; j < R->n; j++)
		total_rx += ((struct ep_ent *)kv_at(&m->eps, R->v[j]))->bytes;
	if (S->n > 1 && R->n > 1 && total_rx == 0)
		return 0; /* N:M with nothing delivered: no proportion to split by */
	object_name(o, name, sizeof(name));

	for (i = 0; i < S->n; i++) {
		const struct ep_ent *s = kv_at(&m->eps, S->v[i]);

		for (j = 0; j < R->n; j++) {
			const struct ep_ent *r = kv_at(&m->eps, R->v[j]);
			struct ework *w;
			struct edge *e;

			if (s->key[0] == r->key[0] && s->key[1] == r->key[1])
				continue;
			if (!(w = ebuf_push(out)))
				return -1;
			e = &w->e;
			w->ka = o->key[1];
			w->kb = o->key[2];
			e->mech = (int)o->key[0];
			memcpy(e->object, name, sizeof(name));
			fill_end(m, &e->src, s->key[0], s->key[1], s->comm);
			fill_end(m, &e->dst, r->key[0], r->key[1], r->comm);
			e->blocked_src_ns = s->blocked_ns;
			e->blocked_dst_ns = r->blocked_ns;
			e->exact = true;
			/*
			 * Passed fds travel with some message; with one receiver
			 * they all reached it, with several nobody knows which.
			 */
			if (R->n == 1 && mech_is_unix((int)o->key[0])) {
				e->has_scm = true;
				e->fds_passed = s->fds;
				e->creds = s->creds;
			}
			if (S->n == 1 && R->n == 1) {
				e->msgs = s->ops;
				e->bytes = r->bytes;
			} else if (R->n == 1) {
				e->msgs = s->ops;
				e->bytes = s->bytes;
			} else if (S->n == 1) {
				e->msgs = r->ops;
				e->bytes = r->bytes;
			} else {
				e->exact = false;
				e->bytes = mul_div(s->bytes, r->bytes, total_rx);
				e->msgs = mul_div(s->ops, r->bytes, total_rx);
			}
			if (e->mech == M_SEM) {
				e->sem_posts = s->ops;
				e->sem_waits = r->ops;
			}
			if ((e->mech == M_MQ || e->mech == M_MSG) &&
			    mqx_fill_edge(m->mqx, e, o->key[1], o->key[2], S->n, R->n, &out->bins))
				return -1;
		}
	}
	return 0;
}

/* Partition each object's endpoints into active senders and receivers, and join. */
static int join_endpoints(const struct model *m, struct ebuf *out)
{
	struct idxvec S = { 0 }, R = { 0 };
	int err = 0;
	size_t i;

	for (i = 0; i < m->objs.n && !err; i++) {
		const struct obj_ent *o = kv_at(&m->objs, i);
		uint32_t k;

		S.n = R.n = 0;
		for (k = o->first_ep; k && !err; ) {
			const struct ep_ent *e = kv_at(&m->eps, k - 1);
			uint32_t dir = e->key[2] >> 32;

			/* An endpoint that moved nothing (only failed calls) is no end. */
			if ((e->ops || e->bytes) && dir <= 1)
				err = idxvec_push(dir == 0 ? &S : &R, k - 1);
			k = e->next;
		}
		if (!err && S.n && R.n)
			err = join_object(m, o, &S, &R, out);
	}
	free(S.v);
	free(R.v);
	return err;
}

static const struct sigdel_ent *sigdel_lookup(const struct model *m, uint32_t pid,
					      uint64_t start_ns, int sig)
{
	uint64_t key[3] = { pid, start_ns, (uint64_t)(int64_t)sig };
	long i = kv_lookup(&m->sigdels, key);

	return i < 0 ? NULL : kv_at(&m->sigdels, i);
}

/* An edge from model_sync.c: its ends named like every other edge's. */
struct sync_emit_ctx {
	const struct model *m;
	struct ebuf *eb;
};

static int sync_emit(void *arg, const struct edge *e, uint64_t ka, uint64_t kb,
		     const char *src_comm, const char *dst_comm)
{
	struct sync_emit_ctx *c = arg;
	struct ework *w = ebuf_push(c->eb);
	uint64_t key[3] = { (uint64_t)e->mech, ka, kb };
	long i;

	if (!w)
		return -1;
	w->e = *e;
	w->ka = ka;
	w->kb = kb;
	fill_end(c->m, &w->e.src, e->src.pid, e->src.start_ns, src_comm);
	fill_end(c->m, &w->e.dst, e->dst.pid, e->dst.start_ns, dst_comm);
	if (!w->e.object[0]) {
		if ((i = kv_lookup(&c->m->objs, key)) >= 0)
			object_name(kv_at(&c->m->objs, i), w->e.object, sizeof(w->e.object));
		else if (!sync_object_name(e->mech, ka, kb, w->e.object, sizeof(w->e.object)))
			snprintf(w->e.object, sizeof(w->e.object), "?");
	}
	return 0;
}

/* Semaphore wake-ups onto the post -> wait edges, then shm and wake-only edges. */
static int join_sync(struct model *m, struct ebuf *eb)
{
	struct sync_emit_ctx c = { m, eb };

	sync_begin(m->sync);
	for (size_t i = 0; i < eb->n; i++)
		if (eb->v[i].e.mech == M_SEM)
			sync_annotate(m->sync, &eb->v[i].e, eb->v[i].ka, eb->v[i].kb);
	return sync_edges(m->sync, sync_emit, &c);
}

/* One edge per (sender, target, signal, si_code), exact: the kernel names both. */
static int add_signals(const struct model *m, struct ebuf *out)
{
	char buf[32];
	size_t i;

	for (i = 0; i < m->sigs.n; i++) {
		const struct sig_obs *o = &((struct sig_ent *)kv_at(&m->sigs, i))->o;
		const struct sigdel_ent *d = sigdel_lookup(m, o->dst.pid, o->dst.start_ns, o->sig);
		struct ework *w = ebuf_push(out);
		struct edge *e;

		if (!w)
			return -1;
		e = &w->e;
		w->ka = (uint64_t)(int64_t)o->sig;
		w->kb = (uint64_t)(int64_t)o->code;
		e->mech = M_SIGNAL;
		snprintf(e->object, sizeof(e->object), "%s", sig_name(o->sig, buf, sizeof(buf)));
		e->exact = true;
		fill_end(m, &e->src, o->src.pid, o->src.start_ns, o->src_comm);
		/* The target's comm at delivery is the best fallback we have. */
		fill_end(m, &e->dst, o->dst.pid, o->dst.start_ns, d ? d->o.comm : "");
		e->msgs = o->generated;
		e->sig = o->sig;
		e->code = o->code;
		memcpy(e->sig_result, o->result, sizeof(e->sig_result));
	}
	return 0;
}

/*
 * signal_deliver runs in the target and does not know the sender, so
 * deliveries are counted per (target, signal).  They belong to an edge only
 * when a single edge carries that signal to that target; with several
 * senders or codes, splitting them would be a guess.
 */
struct deliv_ent {
	uint64_t key[3]; /* dst pid, dst start, sig */
	uint32_t count;  /* signal edges with this key */
	uint32_t edge;   /* index in the ebuf of the last one */
};

static int attribute_deliveries(const struct model *m, struct ebuf *eb)
{
	struct kvec dv;
	size_t i;
	long k;

	kv_init(&dv, sizeof(struct deliv_ent), 3);
	for (i = 0; i < eb->n; i++) {
		const struct edge *e = &eb->v[i].e;
		uint64_t key[3] = { e->dst.pid, e->dst.start_ns, (uint64_t)(int64_t)e->sig };
		struct deliv_ent *d;

		if (e->mech != M_SIGNAL)
			continue;
		if ((k = kv_get(&dv, key)) < 0) {
			kv_free(&dv);
			return -1;
		}
		d = kv_at(&dv, k);
		d->count++;
		d->edge = i;
	}
	for (i = 0; i < m->sigdels.n; i++) {
		const struct sigdel_ent *s = kv_at(&m->sigdels, i);
		const struct deliv_ent *d;
		struct edge *e;

		if ((k = kv_lookup(&dv, s->key)) < 0)
			continue;
		d = kv_at(&dv, k);
		if (d->count != 1)
			continue;
		e = &eb->v[d->edge].e;
		e->has_delivery = true;
		e->delivered = s->o.delivered;
		e->lat_count = s->o.lat_count;
		e->lat_sum_ns = s->o.lat_sum_ns;
		e->lat_max_ns = s->o.lat_max_ns;
	}
	kv_free(&dv);
	return 0;
}

static uint64_t sub_floor0(uint64_t cur, uint64_t prev)
{
	return cur > prev ? cur - prev : 0;
}

/*
 * Deltas against the same edge (mech, object, both processes) in the
 * previous snapshot; a new edge's delta is its whole value.  An inferred
 * N:M share can shrink when the readers' proportions change: its delta is
 * then 0, not a wrapped-around huge number.  The current values go to
 * next, which becomes the model's previous snapshot once this one is done.
 */
static int compute_deltas(const struct model *m, struct ebuf *eb, struct kvec *next)
{
	size_t i;
	long k;

	for (i = 0; i < eb->n; i++) {
		struct ework *w = &eb->v[i];
		struct edge *e = &w->e;
		uint64_t key[7] = { (uint64_t)e->mech, w->ka, w->kb, e->src.pid, e->src.start_ns,
				    e->dst.pid, e->dst.start_ns };
		struct prev_ent *p;

		k = kv_lookup(&m->prev, key);
		p = k < 0 ? NULL : kv_at(&m->prev, k);
		e->d_msgs = sub_floor0(e->msgs, p ? p->msgs : 0);
		e->d_bytes = sub_floor0(e->bytes, p ? p->bytes : 0);

		if ((k = kv_get(next, key)) < 0)
			return -1;
		p = kv_at(next, k);
		p->msgs = e->msgs;
		p->bytes = e->bytes;
	}
	return 0;
}

static bool end_matches(const struct edge_end *end, const struct model_filter *f)
{
	int i;

	for (i = 0; i < f->n_pids; i++) {
		if (f->pids[i] == end->pid)
			return true;
	}
	for (i = 0; i < f->n_comms; i++) {
		if (strcmp(f->comms[i], end->comm) == 0)
			return true;
	}
	return false;
}

/* -p/-c keep an edge if either end is one of the pids or current comms. */
static bool filter_keeps(const struct model_filter *f, const struct edge *e)
{
	if (!f || (f->n_pids <= 0 && f->n_comms <= 0))
		return true;
	return end_matches(&e->src, f) || end_matches(&e->dst, f);
}

#define CMP(a, b) (((a) > (b)) - ((a) < (b)))

/* bytes desc, msgs desc, then anything that makes the order total. */
static int edge_cmp(const void *pa, const void *pb)
{
	const struct edge *a = pa, *b = pb;
	int c;

	if ((c = CMP(b->bytes, a->bytes)) || (c = CMP(b->msgs, a->msgs)) ||
	    (c = CMP(a->src.pid, b->src.pid)) || (c = CMP(a->dst.pid, b->dst.pid)) ||
	    (c = strcmp(a->object, b->object)))
		return c;
	if ((c = CMP(a->mech, b->mech)) || (c = CMP(a->src.start_ns, b->src.start_ns)) ||
	    (c = CMP(a->dst.start_ns, b->dst.start_ns)))
		return c;
	return CMP(a->code, b->code);
}

static int proc_cmp(const void *pa, const void *pb)
{
	const struct model_proc *a = pa, *b = pb;
	int c = CMP(a->pid, b->pid);

	return c ? c : CMP(a->start_ns, b->start_ns);
}

struct sproc_ent {
	uint64_t key[2]; /* pid, start_ns */
	struct model_proc p;
};

/*
 * The processes at the ends of the reported edges.  One the table does not
 * know (it predates tracing and was never hinted) is still listed, with the
 * comm the edge shows.
 */
static int add_end_proc(const struct model *m, struct kvec *seen, const struct edge_end *end)
{
	uint64_t key[2] = { end->pid, end->start_ns };
	const struct proc_ent *pe;
	struct sproc_ent *se;
	long i;

	if (end->pid == 0 || kv_lookup(seen, key) >= 0)
		return 0;
	if ((i = kv_insert(seen, key)) < 0)
		return -1;
	se = kv_at(seen, i);
	pe = proc_lookup(m, end->pid, end->start_ns);
	if (pe)
		se->p = pe->p;
	se->p.pid = end->pid;
	se->p.start_ns = end->start_ns;
	copy_comm(se->p.comm, end->comm);
	return 0;
}

static int collect_procs(const struct model *m, struct snapshot *s)
{
	struct kvec seen;
	size_t i;

	kv_init(&seen, sizeof(struct sproc_ent), 2);
	for (i = 0; i < s->n_edges; i++) {
		if (add_end_proc(m, &seen, &s->edges[i].src) ||
		    add_end_proc(m, &seen, &s->edges[i].dst))
			goto fail;
	}
	s->procs = calloc(seen.n ? seen.n : 1, sizeof(*s->procs));
	if (!s->procs)
		goto fail;
	for (i = 0; i < seen.n; i++)
		s->procs[i] = ((struct sproc_ent *)kv_at(&seen, i))->p;
	s->n_procs = seen.n;
	qsort(s->procs, s->n_procs, sizeof(*s->procs), proc_cmp);
	kv_free(&seen);
	return 0;
fail:
	kv_free(&seen);
	return -1;
}

/* Apply the filter and sort: the edges the report shows. */
static int select_edges(const struct ebuf *eb, const struct model_filter *f, struct snapshot *s)
{
	size_t i;

	s->edges = calloc(eb->n ? eb->n : 1, sizeof(*s->edges));
	if (!s->edges)
		return -1;
	for (i = 0; i < eb->n; i++) {
		if (filter_keeps(f, &eb->v[i].e))
			s->edges[s->n_edges++] = eb->v[i].e;
	}
	qsort(s->edges, s->n_edges, sizeof(*s->edges), edge_cmp);
	return 0;
}

struct snapshot *model_snapshot(struct model *m, bool final, double elapsed_s, int64_t wall_sec,
				const struct model_filter *filter)
{
	struct snapshot *s = calloc(1, sizeof(*s));
	struct ebuf eb = { 0 };
	struct kvec next;

	if (!s)
		return NULL;
	kv_init(&next, sizeof(struct prev_ent), 7);
	/*
	 * Deltas and delivery attribution see every edge, so that a filter
	 * hides edges without changing what the shown ones say.  On failure
	 * the model is left as it was: the next snapshot's deltas still span
	 * from the last successful one.
	 */
	if (join_endpoints(m, &eb) || join_sync(m, &eb) || add_signals(m, &eb) ||
	    attribute_deliveries(m, &eb) || compute_deltas(m, &eb, &next) ||
	    select_edges(&eb, filter, s) || collect_procs(m, s)) {
		free(eb.v);
		free(eb.bins.v);
		kv_free(&next);
		snapshot_free(s);
		return NULL;
	}
	free(eb.v);
	s->mq_bins = eb.bins.v;
	s->n_mq_bins = eb.bins.n;
	kv_free(&m->prev);
	m->prev = next;

	s->seq = ++m->seq;
	s->final = final;
	s->elapsed_s = elapsed_s;
	s->wall_sec = wall_sec;
	s->interval_s = elapsed_s > m->last_elapsed ? elapsed_s - m->last_elapsed : 0;
	m->last_elapsed = elapsed_s;
	s->lost = m->lost;
	s->lost.map_full += m->dropped + mqx_dropped(m->mqx);
	return s;
}

void snapshot_free(struct snapshot *s)
{
	if (!s)
		return;
	free(s->edges);
	free(s->procs);
	free(s->mq_bins);
	free(s);
}

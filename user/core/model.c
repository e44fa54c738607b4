// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * The IPC model: a process table, objects and their endpoints, and the join
 * of endpoints into process-pair edges.  Everything is keyed in ktabs so
 * that a snapshot costs O(endpoints + edges), plus O(|senders| *
 * |receivers|) per object: 100k endpoints stay cheap.  What a mechanism
 * adds is reached through its module (core/mech.h), never by name.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "core/cgroup.h"
#include "core/ktab.h"
#include "core/mech.h"
#include "core/model.h"

struct proc_ent {
	uint64_t key[2]; /* pid, start_ns */
	struct model_proc p;
	bool reaped;
	uint64_t exit_ns; /* the model's clock when the exit was seen */
	bool in_use;      /* model_fold(): still an end of something kept */
	char *exe;        /* model_proc_exe(), or NULL */
};

struct obj_ent {
	uint64_t key[3]; /* mech, obj_a, obj_b */
	char *name;      /* model_set_object_name(), or NULL for the default */
	uint32_t first_ep; /* head of the list of its endpoints, index + 1 */
	uint64_t named_ns; /* the model's clock when it was last named */
};

struct ep_ent {
	uint64_t key[5]; /* pid, start_ns, mech | dir << 32, obj_a, obj_b */
	uint32_t obj;    /* index into objs */
	uint32_t next;   /* next endpoint of the same object, index + 1 */
	/* what the join sees: the map's counters less what was folded away */
	uint64_t ops, bytes, blocked_ns;
	uint64_t off_ops, off_bytes, off_blocked; /* folded into aggregates */
	/* what earlier map entries of it counted (model_endpoint_unmapped()) */
	uint64_t base_ops, base_bytes, base_blocked, base_aux[2];
	bool unmapped;   /* its map entry is gone; a new one counts from zero */
	uint64_t aux[2];
	uint64_t last_ns; /* the model's clock when the counters last changed */
	char comm[MODEL_COMM_LEN + 1];
	uint64_t *hist;   /* model_update_hist(): MODEL_HIST_SLOTS counts, or NULL */
};

/* Edges folded by process name once their processes were gone (model_fold). */
struct fold_ent {
	uint64_t key[6]; /* mech, kind hash, src comm (2 words), dst comm (2 words) */
	char kind[64];   /* the object without its instance: "pipe", "/tmp/sock", "SIGCHLD" */
	char src_comm[MODEL_COMM_LEN + 1], dst_comm[MODEL_COMM_LEN + 1];
	uint64_t edges, msgs, bytes, blocked_src_ns, blocked_dst_ns;
	uint64_t wakes, wake_blocked_ns, back_wakes, back_wake_blocked_ns;
	bool inexact;
};

/* Wake-ups through an object (model_update_wake()). */
struct wake_ent {
	uint64_t key[7]; /* mech | back << 32, obj_a, obj_b, waker pid, start, wakee pid, start */
	uint64_t wakes, blocked_ns;
	uint64_t base_wakes, base_blocked_ns; /* what earlier map entries counted */
	uint64_t last_ns; /* the model's clock when they last changed */
	uint64_t claimed; /* the snapshot (m->wake_gen) whose edge carries them */
	char comm[MODEL_COMM_LEN + 1]; /* the wakee's */
};

/* The latest process of a pid (for a fork's parent, known by pid only). */
struct pid_ent {
	uint64_t key[1]; /* pid */
	uint64_t start_ns;
};

/* A cgroup's path (model_name_cgroup()). */
struct cg_ent {
	uint64_t key[1]; /* cgroup id */
	char *path;
	bool in_use;     /* sweep_procs(): some process is in it */
};

/* An edge of the previous snapshot, to compute deltas against. */
struct prev_ent {
	uint64_t key[7]; /* mech, key_a, key_b, src pid, src start, dst pid, dst start */
	uint64_t msgs, bytes, blocked_src_ns, blocked_dst_ns;
	uint64_t wakes, wake_blocked_ns, back_wakes, back_wake_blocked_ns;
	uint64_t digest;  /* of everything else the edge shows: changed if it differs */
	uint32_t idle;    /* the edge's idle count in that snapshot */
};

struct model {
	struct ktab procs, objs, eps, prev, folds, cgroups, bypid, wakes;
	uint64_t wake_gen;     /* snapshots that claimed wakes */
	void **state;          /* per module of mech_modules[], its state_new() */
	struct model_lost lost;
	uint64_t seq;          /* seq of the latest snapshot, 0 before the first */
	double last_elapsed;   /* elapsed_s of the latest snapshot */
	uint64_t now_ns;       /* model_set_clock() */
	uint64_t retention_ns; /* model_set_retention() */
	enum agg_key agg;      /* model_set_aggregate() */
	/*
	 * Observations dropped because a table could not grow: reported as
	 * map_full, since they are lost exactly like a full BPF map's.
	 */
	uint64_t dropped;
};

struct model *model_new(void)
{
	struct model *m = calloc(1, sizeof(*m));
	const struct mech_ops *ops;

	if (!m || !(m->state = calloc(mech_n_modules ? mech_n_modules : 1, sizeof(*m->state)))) {
		free(m);
		return NULL;
	}
	ktab_init(&m->procs, sizeof(struct proc_ent), 2);
	ktab_init(&m->objs, sizeof(struct obj_ent), 3);
	ktab_init(&m->eps, sizeof(struct ep_ent), 5);
	ktab_init(&m->prev, sizeof(struct prev_ent), 7);
	ktab_init(&m->folds, sizeof(struct fold_ent), 6);
	ktab_init(&m->wakes, sizeof(struct wake_ent), 7);
	ktab_init(&m->cgroups, sizeof(struct cg_ent), 1);
	ktab_init(&m->bypid, sizeof(struct pid_ent), 1);
	for_each_mech(i, ops) {
		if (ops->state_new && !(m->state[i] = ops->state_new())) {
			model_free(m);
			return NULL;
		}
	}
	return m;
}

void model_free(struct model *m)
{
	const struct mech_ops *ops;

	if (!m)
		return;
	for (size_t i = 0; i < m->objs.n; i++)
		free(((struct obj_ent *)ktab_at(&m->objs, i))->name);
	for (size_t i = 0; i < m->procs.n; i++)
		free(((struct proc_ent *)ktab_at(&m->procs, i))->exe);
	for (size_t i = 0; i < m->eps.n; i++)
		free(((struct ep_ent *)ktab_at(&m->eps, i))->hist);
	ktab_free(&m->procs);
	ktab_free(&m->objs);
	ktab_free(&m->eps);
	ktab_free(&m->prev);
	ktab_free(&m->folds);
	ktab_free(&m->wakes);
	for (size_t i = 0; i < m->cgroups.n; i++)
		free(((struct cg_ent *)ktab_at(&m->cgroups, i))->path);
	ktab_free(&m->cgroups);
	ktab_free(&m->bypid);
	for_each_mech(i, ops)
		if (ops->state_free && m->state[i])
			ops->state_free(m->state[i]);
	free(m->state);
	free(m);
}

void *model_mech_state(const struct model *m, const struct mech_ops *ops)
{
	for (size_t i = 0; i < mech_n_modules; i++)
		if (mech_modules[i] == ops)
			return m->state[i];
	return NULL;
}

void model_count_dropped(struct model *m)
{
	m->dropped++;
}

void model_set_clock(struct model *m, uint64_t now_ns)
{
	m->now_ns = now_ns;
}

uint64_t model_clock(const struct model *m)
{
	return m->now_ns;
}

void model_set_retention(struct model *m, uint64_t ns)
{
	m->retention_ns = ns;
}

void model_copy_comm(char *dst, const char *src)
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
	bool created;
	long i = ktab_get(&m->procs, key, &created);

	if (i < 0) {
		m->dropped++;
		return NULL;
	}
	e = ktab_at(&m->procs, i);
	e->p.pid = p.pid;
	e->p.start_ns = p.start_ns;
	if (created) {
		uint64_t pk[1] = { p.pid };
		bool pc;
		long k = ktab_get(&m->bypid, pk, &pc);
		struct pid_ent *pe = k < 0 ? NULL : ktab_at(&m->bypid, k);

		/* out of memory: only a fork's inherited exe is lost */
		if (pe && (pc || p.start_ns >= pe->start_ns))
			pe->start_ns = p.start_ns;
	}
	return e;
}

static const struct proc_ent *proc_lookup(const struct model *m, uint32_t pid, uint64_t start_ns)
{
	uint64_t key[2] = { pid, start_ns };
	long i = ktab_find(&m->procs, key);

	return i < 0 ? NULL : ktab_at(&m->procs, i);
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
		model_copy_comm(e->p.comm, comm);
	/* a child runs its parent's executable until it execs */
	if (!e->exe && ppid) {
		uint64_t pk[1] = { ppid };
		long k = ktab_find(&m->bypid, pk);
		const struct proc_ent *par = k < 0 ? NULL :
			proc_lookup(m, ppid, ((const struct pid_ent *)ktab_at(&m->bypid, k))->start_ns);

		if (par && par->exe && !(e->exe = strdup(par->exe)))
			m->dropped++;
	}
}

void model_proc_exec(struct model *m, struct proc_ref p, const char *comm)
{
	model_proc_comm(m, p, comm);
}

void model_proc_comm(struct model *m, struct proc_ref p, const char *comm)
{
	struct proc_ent *e = proc_get(m, p);

	if (e && comm && *comm)
		model_copy_comm(e->p.comm, comm);
}

void model_proc_exit(struct model *m, struct proc_ref p, int exit_status)
{
	struct proc_ent *e = proc_get(m, p);

	if (!e || e->p.exited)
		return;
	e->p.exited = true;
	e->p.exit_status = exit_status;
	e->exit_ns = m->now_ns;
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
		model_copy_comm(e->p.comm, comm);
}

void model_proc_ns(struct model *m, struct proc_ref p, uint32_t ns_pid, uint64_t pidns)
{
	struct proc_ent *e = proc_get(m, p);

	if (e && ns_pid && pidns) {
		e->p.ns_pid = ns_pid;
		e->p.pidns = pidns;
	}
}

void model_proc_cgroup(struct model *m, struct proc_ref p, uint64_t cgroup_id)
{
	struct proc_ent *e;

	if (cgroup_id && (e = proc_get(m, p)))
		e->p.cgroup_id = cgroup_id;
}

void model_proc_exe(struct model *m, struct proc_ref p, const char *path)
{
	struct proc_ent *e;
	size_t n;
	char *dup;

	if (!(e = proc_get(m, p)))
		return;
	if (!path || !*path) {
		free(e->exe);
		e->exe = NULL;
		return;
	}
	if (e->exe && !strcmp(e->exe, path))
		return;
	n = strlen(path);
	if (n >= MODEL_EXE_MAX) {
		path += n - (MODEL_EXE_MAX - 1);
		n = MODEL_EXE_MAX - 1;
	}
	if (!(dup = strndup(path, n))) {
		m->dropped++;
		return;
	}
	free(e->exe);
	e->exe = dup;
}

void model_name_cgroup(struct model *m, uint64_t cgroup_id, const char *path)
{
	uint64_t key[1] = { cgroup_id };
	struct cg_ent *e;
	char *dup;
	long i;

	if (!cgroup_id || !path)
		return;
	if ((i = ktab_get(&m->cgroups, key, NULL)) < 0 || !(dup = strdup(path))) {
		m->dropped++;
		return;
	}
	e = ktab_at(&m->cgroups, i);
	free(e->path);
	e->path = dup;
}

const char *model_cgroup_path(const struct model *m, uint64_t cgroup_id)
{
	uint64_t key[1] = { cgroup_id };
	long i = cgroup_id ? ktab_find(&m->cgroups, key) : -1;

	return i < 0 ? NULL : ((const struct cg_ent *)ktab_at(&m->cgroups, i))->path;
}

size_t model_cgroups_unnamed(const struct model *m, uint64_t *out, size_t max)
{
	size_t n = 0;

	for (size_t i = 0; i < m->procs.n && n < max; i++) {
		const struct proc_ent *e = ktab_at(&m->procs, i);
		uint64_t id = e->p.cgroup_id;
		bool dup = false;

		if (!id || model_cgroup_path(m, id))
			continue;
		for (size_t j = 0; j < n && !dup; j++)
			dup = out[j] == id;
		if (!dup)
			out[n++] = id;
	}
	return n;
}

size_t model_reapable(struct model *m, uint64_t exited_before_ns, struct proc_ref *out,
		      size_t max)
{
	size_t n = 0;

	for (size_t i = 0; i < m->procs.n && n < max; i++) {
		const struct proc_ent *e = ktab_at(&m->procs, i);

		if (e->p.exited && !e->reaped && e->exit_ns <= exited_before_ns)
			out[n++] = (struct proc_ref){ e->p.pid, e->p.start_ns };
	}
	return n;
}

void model_mark_reaped(struct model *m, struct proc_ref p)
{
	uint64_t key[2] = { p.pid, p.start_ns };
	long i = ktab_find(&m->procs, key);

	/* Only a flag: the counters keep feeding the cumulative report. */
	if (i >= 0)
		((struct proc_ent *)ktab_at(&m->procs, i))->reaped = true;
}

/* ---- observations ---- */

static uint64_t sub_floor0(uint64_t cur, uint64_t prev)
{
	return cur > prev ? cur - prev : 0;
}

static long obj_get(struct model *m, int mech, uint64_t obj_a, uint64_t obj_b)
{
	uint64_t key[3] = { (uint64_t)mech, obj_a, obj_b };

	return ktab_get(&m->objs, key, NULL);
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
	o = ktab_at(&m->objs, i);
	free(o->name);
	o->name = copy;
	o->named_ns = m->now_ns;
}

void model_update_endpoint(struct model *m, const struct ep_obs *o)
{
	uint64_t key[5] = { o->proc.pid, o->proc.start_ns,
			    (uint32_t)o->mech | (uint64_t)(uint32_t)o->dir << 32,
			    o->obj_a, o->obj_b };
	long i = ktab_find(&m->eps, key), obj;
	uint64_t ops, bytes, blocked;
	struct obj_ent *oe;
	struct ep_ent *e;

	if (i < 0) {
		/* A new endpoint joins the list of its object. */
		obj = obj_get(m, o->mech, o->obj_a, o->obj_b);
		if (obj < 0 || (i = ktab_get(&m->eps, key, NULL)) < 0) {
			m->dropped++;
			return;
		}
		oe = ktab_at(&m->objs, obj);
		e = ktab_at(&m->eps, i);
		e->obj = obj;
		e->next = oe->first_ep;
		oe->first_ep = i + 1;
	}
	/*
	 * Cumulative values: the latest read replaces the previous one, on top
	 * of what earlier map entries of the endpoint counted, less what was
	 * folded away.
	 */
	e = ktab_at(&m->eps, i);
	e->unmapped = false;
	ops = sub_floor0(e->base_ops + o->ops, e->off_ops);
	bytes = sub_floor0(e->base_bytes + o->bytes, e->off_bytes);
	blocked = sub_floor0(e->base_blocked + o->blocked_ns, e->off_blocked);
	if (ops != e->ops || bytes != e->bytes || blocked != e->blocked_ns || !e->last_ns)
		e->last_ns = m->now_ns ? m->now_ns : 1;
	e->ops = ops;
	e->bytes = bytes;
	e->blocked_ns = blocked;
	e->aux[0] = e->base_aux[0] + o->aux[0];
	e->aux[1] = e->base_aux[1] + o->aux[1];
	model_copy_comm(e->comm, o->comm);
}

void model_update_hist(struct model *m, struct proc_ref p, int mech, int dir, uint64_t obj_a,
		       uint64_t obj_b, const uint64_t slot[MODEL_HIST_SLOTS])
{
	uint64_t key[5] = { p.pid, p.start_ns, (uint32_t)mech | (uint64_t)(uint32_t)dir << 32,
			    obj_a, obj_b };
	long i = ktab_find(&m->eps, key);
	struct ep_ent *e;

	/* an endpoint not read yet: its cumulative histogram comes again next time */
	if (i < 0)
		return;
	e = ktab_at(&m->eps, i);
	if (!e->hist && !(e->hist = malloc(MODEL_HIST_SLOTS * sizeof(*e->hist)))) {
		m->dropped++;
		return;
	}
	memcpy(e->hist, slot, MODEL_HIST_SLOTS * sizeof(*e->hist));
}

void model_endpoint_unmapped(struct model *m, const struct ep_obs *last, bool known)
{
	uint64_t key[5] = { last->proc.pid, last->proc.start_ns,
			    (uint32_t)last->mech | (uint64_t)(uint32_t)last->dir << 32,
			    last->obj_a, last->obj_b };
	struct ep_ent *e;
	long i;

	if (known)
		model_update_endpoint(m, last);
	if ((i = ktab_find(&m->eps, key)) < 0)
		return;
	e = ktab_at(&m->eps, i);
	e->unmapped = true;
	if (!known)
		return;
	e->base_ops += last->ops;
	e->base_bytes += last->bytes;
	e->base_blocked += last->blocked_ns;
	e->base_aux[0] += last->aux[0];
	e->base_aux[1] += last->aux[1];
	e->unmapped = true;
}

size_t model_idle_endpoints(const struct model *m, uint64_t idle_before, struct ep_obs *out,
			    size_t max)
{
	size_t n = 0;

	for (size_t i = 0; i < m->eps.n && n < max; i++) {
		const struct ep_ent *e = ktab_at(&m->eps, i);

		if (e->unmapped || e->last_ns > idle_before ||
		    model_proc_gone(m, (struct proc_ref){ e->key[0], e->key[1] }))
			continue;
		out[n++] = (struct ep_obs){
			.proc = { e->key[0], e->key[1] }, .mech = (int)(uint32_t)e->key[2],
			.dir = (int)(e->key[2] >> 32), .obj_a = e->key[3], .obj_b = e->key[4],
		};
	}
	return n;
}

void model_set_lost(struct model *m, const struct model_lost *lost)
{
	m->lost = *lost;
}

/* ---- snapshot: the edges under construction ---- */

struct edge_sink {
	const struct model *m;
	struct edge *v;
	size_t n, cap;
	unsigned char *ext;    /* the extensions, each 8-byte aligned */
	size_t ext_size, ext_cap;
	uint64_t *hist;        /* --hist: histograms of MODEL_HIST_SLOTS counts */
	size_t n_hist, cap_hist;
};

/* Copy an endpoint's histogram in: its index + 1 for an edge, 0 if none (or no memory). */
static uint32_t sink_hist(struct edge_sink *b, const uint64_t *h)
{
	if (!h || b->n_hist >= UINT32_MAX - 1)
		return 0;
	if (b->n_hist == b->cap_hist) {
		size_t cap = b->cap_hist ? b->cap_hist * 2 : 16;
		uint64_t *v = realloc(b->hist, cap * MODEL_HIST_SLOTS * sizeof(*v));

		if (!v)
			return 0;
		b->hist = v;
		b->cap_hist = cap;
	}
	memcpy(b->hist + b->n_hist * MODEL_HIST_SLOTS, h, MODEL_HIST_SLOTS * sizeof(*h));
	return (uint32_t)++b->n_hist;
}

static struct edge *sink_push(struct edge_sink *b)
{
	if (b->n == b->cap) {
		size_t cap = b->cap ? b->cap * 2 : 64;
		struct edge *v = realloc(b->v, cap * sizeof(*v));

		if (!v)
			return NULL;
		b->v = v;
		b->cap = cap;
	}
	memset(&b->v[b->n], 0, sizeof(b->v[0]));
	return &b->v[b->n++];
}

int edge_sink_ext(struct edge_sink *out, struct edge *e, const void *ext, size_t len)
{
	size_t off = (out->ext_size + 7) & ~(size_t)7;

	if (!len) {
		e->ext_off = e->ext_len = 0;
		return 0;
	}
	if (len > UINT32_MAX || off + len > UINT32_MAX)
		return -1;
	if (off + len > out->ext_cap) {
		size_t cap = out->ext_cap ? out->ext_cap : 4096;
		unsigned char *p;

		while (cap < off + len)
			cap *= 2;
		if (!(p = realloc(out->ext, cap)))
			return -1;
		out->ext = p;
		out->ext_cap = cap;
	}
	memset(out->ext + out->ext_size, 0, off - out->ext_size);
	memcpy(out->ext + off, ext, len);
	out->ext_size = off + len;
	e->ext_off = off;
	e->ext_len = len;
	return 0;
}

const uint64_t *edge_hist(const struct snapshot *s, const struct edge *e, int dir)
{
	uint32_t h = dir ? e->hist_dst : e->hist_src;

	if (!h || !s->hist || h > s->n_hist)
		return NULL;
	return s->hist + (size_t)(h - 1) * MODEL_HIST_SLOTS;
}

const void *edge_ext(const struct snapshot *s, const struct edge *e)
{
	if (!e->ext_len || (size_t)e->ext_off + e->ext_len > s->ext_size)
		return NULL;
	return s->ext + e->ext_off;
}

/* Endpoint indexes of one object's senders or receivers, reused across objects. */
struct idxvec {
	uint32_t *v;
	size_t n, cap;
};

static int idxvec_push(struct idxvec *iv, uint32_t x)
{
	if (iv->n == iv->cap) {
		size_t cap = iv->cap ? iv->cap * 2 : 16;
		uint32_t *v = realloc(iv->v, cap * sizeof(*v));

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
	model_copy_comm(end->comm, p && p->p.comm[0] ? p->p.comm : fallback ? fallback : "");
	end->ns_pid = p ? p->p.ns_pid : 0;
	end->pidns = p ? p->p.pidns : 0;
	end->cgroup_id = p ? p->p.cgroup_id : 0;
}

/*
 * Display name of an object: what model_set_object_name() gave (a FIFO's
 * path), else its module's default, else "<mech>:[<obj_b>]" like
 * /proc/PID/fd shows "pipe:[8425]".  A name too long for the edge keeps its
 * tail: the leaf names the object.
 */
bool model_object_named(const struct model *m, int mech, uint64_t a, uint64_t b)
{
	uint64_t key[3] = { (uint64_t)mech, a, b };
	long i = ktab_find(&m->objs, key);

	return i >= 0 && ((const struct obj_ent *)ktab_at(&m->objs, i))->name;
}

void model_object_name(const struct model *m, int mech, uint64_t a, uint64_t b,
		       char *buf, size_t len)
{
	uint64_t key[3] = { (uint64_t)mech, a, b };
	long i = m ? ktab_find(&m->objs, key) : -1;
	const char *name = i < 0 ? NULL : ((const struct obj_ent *)ktab_at(&m->objs, i))->name;
	const struct mech_ops *ops = mech_module_of(mech);
	const char *mname = mech_name(mech);
	size_t n;

	if (name) {
		n = strlen(name);
		if (n < len)
			memcpy(buf, name, n + 1);
		else
			snprintf(buf, len, "...%s", name + n - (len - 4));
		return;
	}
	if (ops && ops->object_name && ops->object_name(mech, a, b, buf, len))
		return;
	if (mname)
		snprintf(buf, len, "%s:[%llu]", mname, (unsigned long long)b);
	else
		snprintf(buf, len, "mech%d:[%llu]", mech, (unsigned long long)b);
}

int edge_sink_add(struct edge_sink *out, const struct edge *e, const char *src_comm,
		  const char *dst_comm, const void *ext, size_t ext_len)
{
	struct edge *w = sink_push(out);

	if (!w)
		return -1;
	*w = *e;
	fill_end(out->m, &w->src, e->src.pid, e->src.start_ns, src_comm);
	fill_end(out->m, &w->dst, e->dst.pid, e->dst.start_ns, dst_comm);
	if (!w->object[0])
		model_object_name(out->m, e->mech, e->key_a, e->key_b, w->object, sizeof(w->object));
	w->ext_off = w->ext_len = 0;
	w->hist_src = w->hist_dst = 0;
	if (edge_sink_ext(out, w, ext, ext_len)) {
		out->n--;
		return -1;
	}
	return 0;
}

/* ---- the generic join ---- */

/* a * b / c without overflow; a*b/c <= a here since b <= c. */
static uint64_t mul_div(uint64_t a, uint64_t b, uint64_t c)
{
	return (uint64_t)((unsigned __int128)a * b / c);
}

static void join_end_of(const struct ep_ent *e, struct join_end *j)
{
	j->proc.pid = e->key[0];
	j->proc.start_ns = e->key[1];
	j->ops = e->ops;
	j->bytes = e->bytes;
	j->blocked_ns = e->blocked_ns;
	memcpy(j->aux, e->aux, sizeof(j->aux));
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
 * an edge to itself.  The object's module then adds its extras.
 */
static int join_object(struct model *m, const struct obj_ent *o, const struct idxvec *S,
		       const struct idxvec *R, struct edge_sink *out)
{
	int mech = (int)o->key[0];
	const struct mech_ops *ops = mech_module_of(mech);
	void *st = ops ? model_mech_state(m, ops) : NULL;
	uint64_t total_rx = 0;
	char name[sizeof(((struct edge *)0)->object)];

	for (size_t j = 0; j < R->n; j++)
		total_rx += ((struct ep_ent *)ktab_at(&m->eps, R->v[j]))->bytes;
	if (S->n > 1 && R->n > 1 && total_rx == 0)
		return 0; /* N:M with nothing delivered: no proportion to split by */
	model_object_name(m, mech, o->key[1], o->key[2], name, sizeof(name));

	for (size_t i = 0; i < S->n; i++) {
		const struct ep_ent *s = ktab_at(&m->eps, S->v[i]);

		for (size_t j = 0; j < R->n; j++) {
			const struct ep_ent *r = ktab_at(&m->eps, R->v[j]);
			struct join_end js, jr;
			struct join_info ji = { &js, &jr, S->n, R->n };
			struct edge *e;

			if (s->key[0] == r->key[0] && s->key[1] == r->key[1])
				continue;
			if (!(e = sink_push(out)))
				return -1;
			e->mech = mech;
			e->key_a = o->key[1];
			e->key_b = o->key[2];
			memcpy(e->object, name, sizeof(name));
			fill_end(m, &e->src, s->key[0], s->key[1], s->comm);
			fill_end(m, &e->dst, r->key[0], r->key[1], r->comm);
			e->blocked_src_ns = s->blocked_ns;
			e->blocked_dst_ns = r->blocked_ns;
			e->exact = true;
			/* endpoint-level: each of an endpoint's edges shows all of it */
			e->hist_src = sink_hist(out, s->hist);
			e->hist_dst = sink_hist(out, r->hist);
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
			join_end_of(s, &js);
			join_end_of(r, &jr);
			if (ops && ops->join && ops->join(st, &ji, e, out))
				return -1;
		}
	}
	return 0;
}

/* An object's active senders and receivers (S, R emptied first).  0 or -1. */
static int partition(const struct model *m, const struct obj_ent *o, struct idxvec *S,
		     struct idxvec *R)
{
	int err = 0;

	S->n = R->n = 0;
	for (uint32_t k = o->first_ep; k && !err; ) {
		const struct ep_ent *e = ktab_at(&m->eps, k - 1);
		uint32_t dir = e->key[2] >> 32;

		/* An endpoint that moved nothing (only failed calls) is no end. */
		if ((e->ops || e->bytes) && dir <= 1)
			err = idxvec_push(dir == 0 ? S : R, k - 1);
		k = e->next;
	}
	return err;
}

/* Partition each object's endpoints into active senders and receivers, and join. */
static int join_endpoints(struct model *m, struct edge_sink *out)
{
	struct idxvec S = { 0 }, R = { 0 };
	int err = 0;

	for (size_t i = 0; i < m->objs.n && !err; i++) {
		const struct obj_ent *o = ktab_at(&m->objs, i);

		err = partition(m, o, &S, &R);
		if (!err && S.n && R.n)
			err = join_object(m, o, &S, &R, out);
	}
	free(S.v);
	free(R.v);
	return err;
}

/* ---- retention: folding what exited processes left behind ---- */

bool model_proc_gone(const struct model *m, struct proc_ref p)
{
	const struct proc_ent *e = proc_lookup(m, p.pid, p.start_ns);

	return p.pid && e && e->reaped;
}

/*
 * The kind of an object: its name without the instance, so that edges of
 * many short-lived objects fold together: "pipe:[8425]" -> "pipe",
 * "/run/x.sock:[4242]" -> "/run/x.sock", "shm:anon[7]" -> "shm:anon".
 */
static void default_fold_kind(const char *object, char *buf, size_t len)
{
	size_t n = strlen(object);
	const char *br = strrchr(object, '[');

	if (br && n && object[n - 1] == ']') {
		n = br - object;
		if (n && object[n - 1] == ':')
			n--;
	}
	if (n >= len)
		n = len - 1;
	memcpy(buf, object, n);
	buf[n] = '\0';
}

static void comm_words(const char *comm, uint64_t *w)
{
	char buf[16] = { 0 };

	memcpy(buf, comm, strnlen(comm, sizeof(buf)));
	memcpy(w, buf, sizeof(buf));
}

/* The kind an edge folds or aggregates under: its module's, else the core's rule. */
static void edge_kind(const struct edge *e, char *buf, size_t len)
{
	const struct mech_ops *ops = mech_module_of(e->mech);

	if (e->folded)
		snprintf(buf, len, "%.*s", (int)(len - 1), e->object); /* already a kind */
	else if (ops && ops->fold_kind)
		ops->fold_kind(e, buf, len);
	else
		default_fold_kind(e->object, buf, len);
}

/* Add e to the aggregate of its (mech, kind, source name, destination name). */
static int fold_edge(struct model *m, const struct edge *e)
{
	char kind[sizeof(((struct fold_ent *)0)->kind)];
	uint64_t key[6];
	struct fold_ent *f;
	bool created;
	long i;

	edge_kind(e, kind, sizeof(kind));
	key[0] = (uint64_t)e->mech;
	key[1] = ktab_hash_str(kind, 0);
	comm_words(e->src.comm, &key[2]);
	comm_words(e->dst.comm, &key[4]);
	if ((i = ktab_get(&m->folds, key, &created)) < 0)
		return -1;
	f = ktab_at(&m->folds, i);
	if (created) {
		snprintf(f->kind, sizeof(f->kind), "%s", kind);
		model_copy_comm(f->src_comm, e->src.comm);
		model_copy_comm(f->dst_comm, e->dst.comm);
	}
	f->edges += e->folded ? e->folded : 1;
	f->msgs += e->msgs;
	f->bytes += e->bytes;
	f->blocked_src_ns += e->blocked_src_ns;
	f->blocked_dst_ns += e->blocked_dst_ns;
	f->wakes += e->wakes;
	f->wake_blocked_ns += e->wake_blocked_ns;
	f->back_wakes += e->back_wakes;
	f->back_wake_blocked_ns += e->back_wake_blocked_ns;
	f->inexact |= !e->exact;
	return 0;
}

/* What a folded edge accounted for leaves a live endpoint's counters. */
static void take(struct ep_ent *e, uint64_t ops, uint64_t bytes, uint64_t blocked)
{
	ops = ops < e->ops ? ops : e->ops;
	bytes = bytes < e->bytes ? bytes : e->bytes;
	blocked = blocked < e->blocked_ns ? blocked : e->blocked_ns;
	e->off_ops += ops;
	e->off_bytes += bytes;
	e->off_blocked += blocked;
	e->ops -= ops;
	e->bytes -= bytes;
	e->blocked_ns -= blocked;
}

static struct ep_ent *ep_of(struct model *m, const struct edge *e, int dir)
{
	const struct edge_end *end = dir ? &e->dst : &e->src;
	uint64_t key[5] = { end->pid, end->start_ns,
			    (uint32_t)e->mech | (uint64_t)(uint32_t)dir << 32, e->key_a, e->key_b };
	long i = ktab_find(&m->eps, key);

	return i < 0 ? NULL : ktab_at(&m->eps, i);
}

/*
 * A live end of a folded edge keeps counting only what the edges left to
 * it are made of, by the join's rules (join_object()): with one receiver,
 * each sender's counts are its edge's, so the receiver loses the bytes the
 * gone sender wrote; with one sender, each receiver's are, so the sender
 * loses the bytes the gone receiver read; 1:1, the live end loses all it
 * had; N:M was inferred and stays so.
 */
static void take_from_live_end(struct model *m, const struct edge *e, bool src_gone,
			       bool dst_gone, size_t ns, size_t nr)
{
	struct ep_ent *s = src_gone ? NULL : ep_of(m, e, 0);
	struct ep_ent *r = dst_gone ? NULL : ep_of(m, e, 1);

	if (s) {
		if (nr == 1)
			take(s, s->ops, s->bytes, s->blocked_ns);
		else
			take(s, ns == 1 ? 0 : e->msgs, e->bytes, 0);
	}
	if (r) {
		if (ns == 1)
			take(r, r->ops, r->bytes, r->blocked_ns);
		else
			take(r, 0, e->bytes, 0);
	}
}

/* Scratch of one fold: marks of what goes. */
struct fold_marks {
	bool *ep_gone, *obj_gone;
};

/*
 * The generic join's edges of object oi that have an end gone, once every
 * endpoint of it has been idle since idle_before: folded; the gone
 * processes' endpoints marked to go, and the object too if nothing stays.
 */
static int fold_object(struct model *m, size_t oi, uint64_t idle_before, struct fold_marks *fm)
{
	const struct obj_ent *o = ktab_at(&m->objs, oi);
	struct idxvec S = { 0 }, R = { 0 };
	struct edge_sink tmp = { .m = m };
	bool any_gone = false, all_gone = true;
	int err = 0;

	/* a name nothing used: it is recorded again if the object is used later */
	if (!o->first_ep) {
		fm->obj_gone[oi] = o->named_ns <= idle_before;
		return 0;
	}
	for (uint32_t k = o->first_ep; k; ) {
		const struct ep_ent *e = ktab_at(&m->eps, k - 1);
		bool gone = model_proc_gone(m, (struct proc_ref){ e->key[0], e->key[1] });

		if (e->last_ns > idle_before)
			return 0;
		any_gone |= gone;
		all_gone &= gone;
		k = e->next;
	}
	if (!any_gone)
		return 0;
	err = partition(m, o, &S, &R);
	if (!err && S.n && R.n)
		err = join_object(m, o, &S, &R, &tmp);
	for (size_t i = 0; i < tmp.n && !err; i++) {
		const struct edge *e = &tmp.v[i];
		bool sg = model_proc_gone(m, (struct proc_ref){ e->src.pid, e->src.start_ns });
		bool dg = model_proc_gone(m, (struct proc_ref){ e->dst.pid, e->dst.start_ns });

		if (!sg && !dg)
			continue;
		err = fold_edge(m, e);
		if (!err)
			take_from_live_end(m, e, sg, dg, S.n, R.n);
	}
	if (!err) {
		/*
		 * The gone processes' endpoints go, and so does a live one that
		 * has nothing left and no map entry: a new entry would count
		 * from zero, a new endpoint.
		 */
		all_gone = true;
		for (uint32_t k = o->first_ep; k; ) {
			const struct ep_ent *e = ktab_at(&m->eps, k - 1);

			fm->ep_gone[k - 1] =
				model_proc_gone(m, (struct proc_ref){ e->key[0], e->key[1] }) ||
				(e->unmapped && !e->ops && !e->bytes && !e->blocked_ns);
			all_gone &= fm->ep_gone[k - 1];
			k = e->next;
		}
		fm->obj_gone[oi] = all_gone;
	}
	free(S.v);
	free(R.v);
	free(tmp.v);
	free(tmp.ext);
	free(tmp.hist);
	return err;
}

/* Remove marked endpoints and objects, tell their modules, and relink the lists. */
static int sweep_endpoints(struct model *m, const struct fold_marks *fm)
{
	uint32_t *newobj = malloc((m->objs.n ? m->objs.n : 1) * sizeof(*newobj));
	uint32_t next = 0;

	if (!newobj)
		return -1;
	for (size_t i = 0; i < m->eps.n; i++) {
		const struct ep_ent *e = ktab_at(&m->eps, i);
		const struct mech_ops *ops = mech_module_of((int)(uint32_t)e->key[2]);
		struct proc_ref p = { e->key[0], e->key[1] };

		if (fm->ep_gone[i] && ops && ops->forget)
			ops->forget(model_mech_state(m, ops), (int)(uint32_t)e->key[2], e->key[3],
				    e->key[4], &p, (int)(e->key[2] >> 32));
	}
	for (size_t i = 0; i < m->objs.n; i++) {
		struct obj_ent *o = ktab_at(&m->objs, i);
		const struct mech_ops *ops = mech_module_of((int)o->key[0]);

		newobj[i] = fm->obj_gone[i] ? UINT32_MAX : next++;
		if (!fm->obj_gone[i])
			continue;
		if (ops && ops->forget)
			ops->forget(model_mech_state(m, ops), (int)o->key[0], o->key[1], o->key[2],
				    NULL, 0);
		free(o->name);
		o->name = NULL;
	}
	for (size_t i = 0; i < m->eps.n; i++) {
		struct ep_ent *e = ktab_at(&m->eps, i);

		if (fm->ep_gone[i]) {
			free(e->hist);
			e->hist = NULL;
		}
	}
	ktab_remove_marked(&m->eps, fm->ep_gone);
	ktab_remove_marked(&m->objs, fm->obj_gone);
	for (size_t i = 0; i < m->objs.n; i++)
		((struct obj_ent *)ktab_at(&m->objs, i))->first_ep = 0;
	for (size_t i = 0; i < m->eps.n; i++) {
		struct ep_ent *e = ktab_at(&m->eps, i);
		struct obj_ent *o;

		e->obj = newobj[e->obj];
		o = ktab_at(&m->objs, e->obj);
		e->next = o->first_ep;
		o->first_ep = i + 1;
	}
	free(newobj);
	return 0;
}

static void use_proc(void *ctx, struct proc_ref p)
{
	struct model *m = ctx;
	uint64_t key[2] = { p.pid, p.start_ns };
	long i = ktab_find(&m->procs, key);

	if (i >= 0)
		((struct proc_ent *)ktab_at(&m->procs, i))->in_use = true;
}

static bool proc_droppable(const void *entry, void *arg)
{
	struct proc_ent *p = (struct proc_ent *)entry;
	const uint64_t *idle_before = arg;

	if (!(p->reaped && !p->in_use && p->exit_ns <= *idle_before))
		return false;
	free(p->exe);
	p->exe = NULL;
	return true;
}

/* A pid whose latest process left the table. */
static bool pid_droppable(const void *entry, void *arg)
{
	const struct pid_ent *pe = entry;

	return !proc_lookup(arg, (uint32_t)pe->key[0], pe->start_ns);
}

static bool cgroup_droppable(const void *entry, void *arg)
{
	struct cg_ent *c = (struct cg_ent *)entry;

	if (c->in_use)
		return false;
	free(c->path);
	return true;
}

/* The paths of cgroups no process of the table is in any more. */
static void sweep_cgroups(struct model *m)
{
	for (size_t i = 0; i < m->cgroups.n; i++)
		((struct cg_ent *)ktab_at(&m->cgroups, i))->in_use = false;
	for (size_t i = 0; i < m->procs.n; i++) {
		uint64_t key[1] = { ((struct proc_ent *)ktab_at(&m->procs, i))->p.cgroup_id };
		long k = key[0] ? ktab_find(&m->cgroups, key) : -1;

		if (k >= 0)
			((struct cg_ent *)ktab_at(&m->cgroups, k))->in_use = true;
	}
	ktab_remove_if(&m->cgroups, cgroup_droppable, NULL);
}

static int fold_wakes(struct model *m, uint64_t idle_before, struct edge_sink *out);

/* Gone processes that nothing kept refers to leave the table. */
static void sweep_procs(struct model *m, uint64_t idle_before)
{
	const struct mech_ops *ops;

	for (size_t i = 0; i < m->procs.n; i++)
		((struct proc_ent *)ktab_at(&m->procs, i))->in_use = false;
	for (size_t i = 0; i < m->eps.n; i++) {
		const struct ep_ent *e = ktab_at(&m->eps, i);

		use_proc(m, (struct proc_ref){ e->key[0], e->key[1] });
	}
	for_each_mech(i, ops)
		if (ops->procs_in_use)
			ops->procs_in_use(m->state[i], use_proc, m);
	for (size_t i = 0; i < m->wakes.n; i++) {
		const struct wake_ent *w = ktab_at(&m->wakes, i);

		use_proc(m, (struct proc_ref){ w->key[3], w->key[4] });
		use_proc(m, (struct proc_ref){ w->key[5], w->key[6] });
	}
	ktab_remove_if(&m->procs, proc_droppable, &idle_before);
	ktab_remove_if(&m->bypid, pid_droppable, m);
	sweep_cgroups(m);
}

int model_fold(struct model *m)
{
	struct fold_marks fm = { 0 };
	struct edge_sink own = { .m = m };
	const struct mech_ops *ops;
	uint64_t idle_before;
	bool any = false;
	int err = 0;

	if (!m->retention_ns || m->now_ns <= m->retention_ns)
		return 0;
	idle_before = m->now_ns - m->retention_ns;
	fm.ep_gone = calloc(m->eps.n ? m->eps.n : 1, sizeof(bool));
	fm.obj_gone = calloc(m->objs.n ? m->objs.n : 1, sizeof(bool));
	if (!fm.ep_gone || !fm.obj_gone)
		err = -1;
	for (size_t i = 0; i < m->objs.n && !err; i++)
		err = fold_object(m, i, idle_before, &fm);
	for (size_t i = 0; i < m->eps.n && !err; i++)
		any |= fm.ep_gone[i];
	for (size_t i = 0; i < m->objs.n && !err; i++)
		any |= fm.obj_gone[i];
	if (!err && any)
		err = sweep_endpoints(m, &fm);
	for_each_mech(i, ops)
		if (!err && ops->fold)
			err = ops->fold(m->state[i], m, idle_before, &own);
	if (!err)
		err = fold_wakes(m, idle_before, &own);
	for (size_t i = 0; i < own.n && !err; i++)
		err = fold_edge(m, &own.v[i]);
	if (!err)
		sweep_procs(m, idle_before);
	free(fm.ep_gone);
	free(fm.obj_gone);
	free(own.v);
	free(own.ext);
	free(own.hist);
	if (err)
		m->dropped++;
	return err;
}

/* The aggregates, as edges: ends named, no pids; they carry no interval activity. */
/* ---- wake-ups through objects ---- */

static struct wake_ent *wake_update(struct model *m, const struct model_wake *w)
{
	uint64_t key[7] = { (uint32_t)w->mech | (uint64_t)w->back << 32, w->obj_a, w->obj_b,
			    w->waker.pid, w->waker.start_ns, w->wakee.pid, w->wakee.start_ns };
	long i = ktab_get(&m->wakes, key, NULL);
	struct wake_ent *e;

	if (i < 0) {
		m->dropped++;
		return NULL;
	}
	e = ktab_at(&m->wakes, i);
	if (e->wakes != e->base_wakes + w->wakes || !e->last_ns)
		e->last_ns = m->now_ns ? m->now_ns : 1;
	e->wakes = e->base_wakes + w->wakes;
	e->blocked_ns = e->base_blocked_ns + w->blocked_ns;
	model_copy_comm(e->comm, w->wakee_comm);
	return e;
}

void model_update_wake(struct model *m, const struct model_wake *w)
{
	wake_update(m, w);
}

void model_wake_unmapped(struct model *m, const struct model_wake *w)
{
	struct wake_ent *e = wake_update(m, w);

	if (!e)
		return;
	e->base_wakes = e->wakes;
	e->base_blocked_ns = e->blocked_ns;
}

/* The entry for (mech, back, object, waker, wakee), or NULL. */
static struct wake_ent *wake_find(const struct model *m, int mech, bool back, uint64_t a,
				  uint64_t b, const struct edge_end *waker,
				  const struct edge_end *wakee)
{
	uint64_t key[7] = { (uint32_t)mech | (uint64_t)back << 32, a, b, waker->pid,
			    waker->start_ns, wakee->pid, wakee->start_ns };
	long i = ktab_find(&m->wakes, key);

	return i < 0 ? NULL : ktab_at(&m->wakes, i);
}

/* A wake entry as an edge of its own: waker -> wakee, or wakee -> waker (back). */
static int wake_only_edge(const struct wake_ent *w, struct edge_sink *out)
{
	struct edge e = { .exact = true };
	struct edge_end waker = { .pid = (uint32_t)w->key[3], .start_ns = w->key[4] };
	struct edge_end wakee = { .pid = (uint32_t)w->key[5], .start_ns = w->key[6] };
	bool back = w->key[0] >> 32;

	e.mech = (int)(uint32_t)w->key[0];
	e.key_a = w->key[1];
	e.key_b = w->key[2];
	if (back) {
		e.src = wakee;
		e.dst = waker;
		e.back_wakes = w->wakes;
		e.back_wake_blocked_ns = w->blocked_ns;
		return edge_sink_add(out, &e, w->comm, "", NULL, 0);
	}
	e.src = waker;
	e.dst = wakee;
	e.wakes = w->wakes;
	e.wake_blocked_ns = w->blocked_ns;
	return edge_sink_add(out, &e, "", w->comm, NULL, 0);
}

/*
 * Put the wake-ups on the edges between the same processes on the same
 * object; those no edge carries become edges of their own (msgs 0: a
 * release without counted bytes between them, e.g. a message queue
 * receive that made room).
 */
static int apply_wakes(struct model *m, struct edge_sink *eb)
{
	size_t n = eb->n;

	if (!m->wakes.n)
		return 0;
	m->wake_gen++;
	for (size_t i = 0; i < n; i++) {
		struct edge *e = &eb->v[i];
		struct wake_ent *w;

		if (e->folded)
			continue;
		w = wake_find(m, e->mech, false, e->key_a, e->key_b, &e->src, &e->dst);
		if (w) {
			e->wakes = w->wakes;
			e->wake_blocked_ns = w->blocked_ns;
			w->claimed = m->wake_gen;
		}
		w = wake_find(m, e->mech, true, e->key_a, e->key_b, &e->dst, &e->src);
		if (w) {
			e->back_wakes = w->wakes;
			e->back_wake_blocked_ns = w->blocked_ns;
			w->claimed = m->wake_gen;
		}
	}
	for (size_t i = 0; i < m->wakes.n; i++) {
		const struct wake_ent *w = ktab_at(&m->wakes, i);

		if (w->claimed != m->wake_gen && w->wakes && wake_only_edge(w, eb))
			return -1;
	}
	return 0;
}

struct wake_fold {
	const struct model *m;
	uint64_t idle_before;
};

static bool wake_foldable(const void *entry, void *arg)
{
	const struct wake_ent *w = entry;
	const struct wake_fold *f = arg;

	return w->last_ns <= f->idle_before &&
	       (model_proc_gone(f->m, (struct proc_ref){ w->key[3], w->key[4] }) ||
		model_proc_gone(f->m, (struct proc_ref){ w->key[5], w->key[6] }));
}

/*
 * Retention: wake-ups with an end gone, unchanged since idle_before, go to
 * out as edges of their own (folded by name there, where the edge they were
 * shown on folds too) and leave the table.
 */
static int fold_wakes(struct model *m, uint64_t idle_before, struct edge_sink *out)
{
	struct wake_fold f = { m, idle_before };

	for (size_t i = 0; i < m->wakes.n; i++) {
		const struct wake_ent *w = ktab_at(&m->wakes, i);

		if (wake_foldable(w, &f) && w->wakes && wake_only_edge(w, out))
			return -1;
	}
	ktab_remove_if(&m->wakes, wake_foldable, &f);
	return 0;
}

static int add_folds(const struct model *m, struct edge_sink *out)
{
	for (size_t i = 0; i < m->folds.n; i++) {
		const struct fold_ent *f = ktab_at(&m->folds, i);
		struct edge *e = sink_push(out);

		if (!e)
			return -1;
		e->mech = (int)f->key[0];
		snprintf(e->object, sizeof(e->object), "%s", f->kind);
		e->key_a = f->key[1];
		e->key_b = f->key[2] ^ f->key[3] ^ f->key[4] ^ f->key[5];
		e->exact = !f->inexact;
		model_copy_comm(e->src.comm, f->src_comm);
		model_copy_comm(e->dst.comm, f->dst_comm);
		e->msgs = f->msgs;
		e->bytes = f->bytes;
		e->blocked_src_ns = f->blocked_src_ns;
		e->blocked_dst_ns = f->blocked_dst_ns;
		e->wakes = f->wakes;
		e->wake_blocked_ns = f->wake_blocked_ns;
		e->back_wakes = f->back_wakes;
		e->back_wake_blocked_ns = f->back_wake_blocked_ns;
		e->folded = f->edges > UINT32_MAX ? UINT32_MAX : (uint32_t)f->edges;
	}
	return 0;
}

/* Every module: a snapshot begins, then (after the join) its own edges. */
static void modules_begin(struct model *m)
{
	const struct mech_ops *ops;

	for_each_mech(i, ops)
		if (ops->snapshot_begin)
			ops->snapshot_begin(m->state[i]);
}

static int modules_edges(struct model *m, struct edge_sink *out)
{
	const struct mech_ops *ops;

	for_each_mech(i, ops)
		if (ops->edges && ops->edges(m->state[i], m, out))
			return -1;
	return 0;
}


/*
 * Deltas against the same edge (mech, object, both processes) in the
 * previous snapshot; a new edge's delta is its whole value.  An inferred
 * N:M share can shrink when the readers' proportions change: its delta is
 * then 0, not a wrapped-around huge number.  The current values go to
 * next, which becomes the model's previous snapshot once this one is done.
 */
/* FNV-1a over what an edge shows besides its counts: blocked times, exactness, extension. */
static uint64_t edge_digest(const struct edge_sink *eb, const struct edge *e)
{
	uint64_t h = 0xcbf29ce484222325ULL;
	const unsigned char *p;
	uint64_t words[7] = { e->blocked_src_ns, e->blocked_dst_ns, e->exact, e->wakes,
			      e->wake_blocked_ns, e->back_wakes, e->back_wake_blocked_ns };

	p = (const unsigned char *)words;
	for (size_t i = 0; i < sizeof(words); i++)
		h = (h ^ p[i]) * 0x100000001b3ULL;
	p = eb->ext + e->ext_off;
	for (size_t i = 0; i < e->ext_len; i++)
		h = (h ^ p[i]) * 0x100000001b3ULL;
	return h;
}

/*
 * Deltas against the same edge (mech, object, both processes) in the
 * previous snapshot; a new edge's delta is its whole value.  An inferred
 * N:M share can shrink when the readers' proportions change: its delta is
 * then 0, not a wrapped-around huge number.  An edge is changed when it is
 * new or anything it shows differs.  The current values go to next, which
 * becomes the model's previous snapshot once this one is done.
 */
static int compute_deltas(const struct model *m, struct edge_sink *eb, struct ktab *next,
			  bool *changed)
{
	for (size_t i = 0; i < eb->n; i++) {
		struct edge *e = &eb->v[i];
		uint64_t key[7] = { (uint64_t)e->mech, e->key_a, e->key_b, e->src.pid,
				    e->src.start_ns, e->dst.pid, e->dst.start_ns };
		uint64_t digest = edge_digest(eb, e);
		struct prev_ent *p;
		long k;

		/* What folds was reported as it happened: an aggregate is no activity. */
		if (e->folded) {
			e->d_msgs = e->d_bytes = 0;
			e->d_blocked_src_ns = e->d_blocked_dst_ns = 0;
			e->d_wakes = e->d_wake_blocked_ns = 0;
			e->d_back_wakes = e->d_back_wake_blocked_ns = 0;
			e->idle = UINT32_MAX;
			changed[i] = false;
			continue;
		}
		k = ktab_find(&m->prev, key);

		p = k < 0 ? NULL : ktab_at(&m->prev, k);
		e->d_msgs = sub_floor0(e->msgs, p ? p->msgs : 0);
		e->d_bytes = sub_floor0(e->bytes, p ? p->bytes : 0);
		e->d_blocked_src_ns = sub_floor0(e->blocked_src_ns, p ? p->blocked_src_ns : 0);
		e->d_blocked_dst_ns = sub_floor0(e->blocked_dst_ns, p ? p->blocked_dst_ns : 0);
		e->d_wakes = sub_floor0(e->wakes, p ? p->wakes : 0);
		e->d_wake_blocked_ns = sub_floor0(e->wake_blocked_ns, p ? p->wake_blocked_ns : 0);
		e->d_back_wakes = sub_floor0(e->back_wakes, p ? p->back_wakes : 0);
		e->d_back_wake_blocked_ns =
			sub_floor0(e->back_wake_blocked_ns, p ? p->back_wake_blocked_ns : 0);
		changed[i] = !p || p->msgs != e->msgs || p->bytes != e->bytes || p->digest != digest;
		e->idle = changed[i] ? 0 : (p->idle < UINT32_MAX ? p->idle + 1 : p->idle);

		if ((k = ktab_get(next, key, NULL)) < 0)
			return -1;
		p = ktab_at(next, k);
		p->msgs = e->msgs;
		p->bytes = e->bytes;
		p->blocked_src_ns = e->blocked_src_ns;
		p->blocked_dst_ns = e->blocked_dst_ns;
		p->wakes = e->wakes;
		p->wake_blocked_ns = e->wake_blocked_ns;
		p->back_wakes = e->back_wakes;
		p->back_wake_blocked_ns = e->back_wake_blocked_ns;
		p->digest = digest;
		p->idle = e->idle;
	}
	return 0;
}

static bool end_matches(const struct model *m, const struct edge_end *end,
			const struct model_filter *f)
{
	const char *cg = f->n_cgroups > 0 ? model_cgroup_path(m, end->cgroup_id) : NULL;

	for (int i = 0; i < f->n_pids; i++) {
		if (f->pidns ? end->pidns == f->pidns && end->ns_pid == f->pids[i]
			     : f->pids[i] == end->pid)
			return true;
	}
	for (int i = 0; i < f->n_comms; i++) {
		if (strcmp(f->comms[i], end->comm) == 0)
			return true;
	}
	for (int i = 0; cg && i < f->n_cgroups; i++) {
		if (cgroup_under(cg, f->cgroups[i]))
			return true;
	}
	return false;
}

bool model_filter_active(const struct model_filter *f)
{
	return f && (f->n_pids > 0 || f->n_comms > 0 || f->n_cgroups > 0);
}

bool model_filter_proc(const struct model *m, const struct model_filter *f, uint32_t pid,
		       uint64_t start_ns, const char *comm)
{
	const struct model_proc *p = start_ns ? model_proc_find(m, (struct proc_ref){ pid, start_ns })
					      : NULL;
	struct edge_end end = { .pid = pid };

	if (!model_filter_active(f))
		return true;
	model_copy_comm(end.comm, comm);
	if (p) {
		end.ns_pid = p->ns_pid;
		end.pidns = p->pidns;
		end.cgroup_id = p->cgroup_id;
	}
	return end_matches(m, &end, f);
}

/*
 * -p/-c/--cgroup keep an edge if either end is one of the pids, current
 * comms, or in one of the cgroup subtrees.
 */
static bool filter_keeps(const struct model *m, const struct model_filter *f,
			 const struct edge *e)
{
	if (!f || (f->n_pids <= 0 && f->n_comms <= 0 && f->n_cgroups <= 0))
		return true;
	return end_matches(m, &e->src, f) || end_matches(m, &e->dst, f);
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
	    (c = CMP(a->dst.start_ns, b->dst.start_ns)) || (c = CMP(a->key_a, b->key_a)))
		return c;
	return CMP(a->key_b, b->key_b);
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
static int add_end_proc(const struct model *m, struct ktab *seen, const struct edge_end *end)
{
	uint64_t key[2] = { end->pid, end->start_ns };
	const struct proc_ent *pe;
	struct sproc_ent *se;
	bool created;
	long i;

	if (end->pid == 0)
		return 0; /* the kernel, or a process name of a folded edge */
	if ((i = ktab_get(seen, key, &created)) < 0)
		return -1;
	if (!created)
		return 0;
	se = ktab_at(seen, i);
	pe = proc_lookup(m, end->pid, end->start_ns);
	if (pe)
		se->p = pe->p;
	se->p.pid = end->pid;
	se->p.start_ns = end->start_ns;
	model_copy_comm(se->p.comm, end->comm);
	return 0;
}

/* The procs' cgroup and exe paths, copied into the snapshot. */
static int proc_strings(const struct model *m, struct snapshot *s)
{
	size_t size = 0, off = 0;

	for (size_t i = 0; i < s->n_procs; i++) {
		const char *path = model_cgroup_path(m, s->procs[i].cgroup_id);
		const struct proc_ent *pe = proc_lookup(m, s->procs[i].pid, s->procs[i].start_ns);

		if (path)
			size += strlen(path) + 1;
		if (pe && pe->exe)
			size += strlen(pe->exe) + 1;
	}
	if (!size)
		return 0;
	if (!(s->strs = malloc(size)))
		return -1;
	for (size_t i = 0; i < s->n_procs; i++) {
		const char *path = model_cgroup_path(m, s->procs[i].cgroup_id);
		const struct proc_ent *pe = proc_lookup(m, s->procs[i].pid, s->procs[i].start_ns);

		if (path) {
			s->procs[i].cgroup = s->strs + off;
			memcpy(s->strs + off, path, strlen(path) + 1);
			off += strlen(path) + 1;
		}
		if (pe && pe->exe) {
			s->procs[i].exe = s->strs + off;
			memcpy(s->strs + off, pe->exe, strlen(pe->exe) + 1);
			off += strlen(pe->exe) + 1;
		}
	}
	return 0;
}

static int collect_procs(const struct model *m, struct snapshot *s)
{
	struct ktab seen;

	ktab_init(&seen, sizeof(struct sproc_ent), 2);
	for (size_t i = 0; i < s->n_edges; i++) {
		if (add_end_proc(m, &seen, &s->edges[i].src) ||
		    add_end_proc(m, &seen, &s->edges[i].dst))
			goto fail;
	}
	s->procs = calloc(seen.n ? seen.n : 1, sizeof(*s->procs));
	if (!s->procs)
		goto fail;
	for (size_t i = 0; i < seen.n; i++) {
		s->procs[i] = ((struct sproc_ent *)ktab_at(&seen, i))->p;
		s->procs[i].cgroup = NULL;
		s->procs[i].exe = NULL;
	}
	s->n_procs = seen.n;
	qsort(s->procs, s->n_procs, sizeof(*s->procs), proc_cmp);
	ktab_free(&seen);
	return proc_strings(m, s);
fail:
	ktab_free(&seen);
	return -1;
}

/*
 * Apply the filter, keep what changed unless full, and sort: the edges the
 * report shows.  With kch (aggregation): every edge the filter keeps,
 * unsorted, whether it changed into kch; aggregate() selects and sorts.
 */
static int select_edges(const struct model *m, const struct edge_sink *eb, const bool *changed, bool full,
			const struct model_filter *f, struct snapshot *s, bool *kch)
{
	s->edges = calloc(eb->n ? eb->n : 1, sizeof(*s->edges));
	if (!s->edges)
		return -1;
	for (size_t i = 0; i < eb->n; i++) {
		if (!filter_keeps(m, f, &eb->v[i]))
			continue;
		if (kch) {
			kch[s->n_edges] = full || changed[i];
			s->edges[s->n_edges++] = eb->v[i];
		} else if (full || changed[i]) {
			s->edges[s->n_edges++] = eb->v[i];
		}
	}
	if (!kch)
		qsort(s->edges, s->n_edges, sizeof(*s->edges), edge_cmp);
	return 0;
}

static int aggregate(struct snapshot *s, enum agg_key k, const bool *changed);

struct snapshot *model_snapshot(struct model *m, bool final, bool full, double elapsed_s,
				int64_t wall_sec, const struct model_filter *filter)
{
	struct snapshot *s = calloc(1, sizeof(*s));
	struct edge_sink eb = { .m = m };
	bool *changed = NULL, *kch = NULL;
	struct ktab next;

	if (!s)
		return NULL;
	ktab_init(&next, sizeof(struct prev_ent), 7);
	/*
	 * Deltas see every edge, so that a filter hides edges without changing
	 * what the shown ones say.  On failure the model is left as it was:
	 * the next snapshot's deltas still span from the last successful one.
	 */
	modules_begin(m);
	if (join_endpoints(m, &eb) || modules_edges(m, &eb) || apply_wakes(m, &eb) ||
	    ((full || m->agg != AGG_PID) && add_folds(m, &eb)) ||
	    !(changed = calloc(eb.n ? eb.n : 1, sizeof(*changed))) ||
	    (m->agg != AGG_PID && !(kch = calloc(eb.n ? eb.n : 1, sizeof(*kch)))) ||
	    compute_deltas(m, &eb, &next, changed) ||
	    select_edges(m, &eb, changed, full, filter, s, kch) || collect_procs(m, s) ||
	    (kch && aggregate(s, m->agg, kch))) {
		free(eb.v);
		free(eb.ext);
		free(eb.hist);
		free(changed);
		free(kch);
		ktab_free(&next);
		snapshot_free(s);
		return NULL;
	}
	free(eb.v);
	free(changed);
	free(kch);
	s->ext = eb.ext;
	s->ext_size = eb.ext_size;
	s->hist = eb.hist;
	s->n_hist = eb.n_hist;
	ktab_free(&m->prev);
	m->prev = next;

	s->seq = ++m->seq;
	s->final = final;
	s->full = full;
	s->elapsed_s = elapsed_s;
	s->wall_sec = wall_sec;
	s->interval_s = elapsed_s > m->last_elapsed ? elapsed_s - m->last_elapsed : 0;
	m->last_elapsed = elapsed_s;
	s->lost = m->lost;
	s->lost.map_full += m->dropped;
	if (m->dropped && s->lost.n_causes < MODEL_LOST_CAUSES) {
		s->lost.cause[s->lost.n_causes].name = "userspace_memory";
		s->lost.cause[s->lost.n_causes++].n = m->dropped;
	}
	return s;
}

void snapshot_free(struct snapshot *s)
{
	if (!s)
		return;
	free(s->edges);
	free(s->procs);
	free(s->ext);
	free(s->hist);
	free(s->strs);
	free(s->nodes);
	waitfor_free(s->wait);
	free(s);
}

/* ---- -a: aggregation by a key ---- */

static const char *const agg_names[] = { "pid", "comm", "exe", "cgroup" };

const char *agg_key_name(enum agg_key k)
{
	return (unsigned)k < sizeof(agg_names) / sizeof(agg_names[0]) ? agg_names[k] : "?";
}

int agg_key_parse(const char *word)
{
	for (size_t i = 0; i < sizeof(agg_names) / sizeof(agg_names[0]); i++)
		if (!strcmp(word, agg_names[i]))
			return (int)i;
	return -1;
}

void model_set_aggregate(struct model *m, enum agg_key k)
{
	m->agg = k;
}

enum agg_key model_aggregate(const struct model *m)
{
	return m->agg;
}

const char *snapshot_end_name(const struct edge_end *end)
{
	return end->key ? end->key : end->comm;
}

const char *agg_node_name(const struct agg_node *n)
{
	return n->key ? n->key : n->comm;
}

/* One edge of a snapshot being aggregated, with its group's key. */
struct agg_part {
	size_t i;              /* into s->edges */
	int mech;
	const char *src, *dst; /* the ends' keys */
	char kind[sizeof(((struct fold_ent *)0)->kind)];
};

static int agg_part_cmp(const void *pa, const void *pb)
{
	const struct agg_part *a = pa, *b = pb;
	int c;

	if ((c = CMP(a->mech, b->mech)) || (c = strcmp(a->kind, b->kind)) ||
	    (c = strcmp(a->src, b->src)) || (c = strcmp(a->dst, b->dst)))
		return c;
	return CMP(a->i, b->i);
}

/* An end of a part, for the nodes. */
struct agg_end {
	const char *name;
	uint32_t pid;
	uint64_t start_ns;
};

static int agg_end_cmp(const void *pa, const void *pb)
{
	const struct agg_end *a = pa, *b = pb;
	int c;

	if ((c = strcmp(a->name, b->name)) || (c = CMP(a->pid, b->pid)))
		return c;
	return CMP(a->start_ns, b->start_ns);
}

static int agg_edge_cmp(const void *pa, const void *pb)
{
	const struct edge *a = pa, *b = pb;
	int c;

	if ((c = CMP(b->bytes, a->bytes)) || (c = CMP(b->msgs, a->msgs)) ||
	    (c = strcmp(snapshot_end_name(&a->src), snapshot_end_name(&b->src))) ||
	    (c = strcmp(snapshot_end_name(&a->dst), snapshot_end_name(&b->dst))) ||
	    (c = strcmp(a->object, b->object)))
		return c;
	return CMP(a->mech, b->mech);
}

static const struct model_proc *snap_proc(const struct snapshot *s, uint32_t pid, uint64_t start_ns)
{
	struct model_proc key = { .pid = pid, .start_ns = start_ns };

	return s->n_procs ? bsearch(&key, s->procs, s->n_procs, sizeof(*s->procs), proc_cmp) : NULL;
}

/* An end's key: comm; the kernel; or its process's cgroup or exe, "?" when unknown. */
static const char *end_key(const struct snapshot *s, enum agg_key k, const struct edge *e,
			   const struct edge_end *end)
{
	const struct model_proc *p;
	const char *v;

	if (k == AGG_COMM)
		return end->comm;
	if (end->pid == 0 && !e->folded)
		return "[kernel]";
	if (e->folded || !(p = snap_proc(s, end->pid, end->start_ns)))
		return "?";
	v = k == AGG_CGROUP ? p->cgroup : p->exe;
	return v ? v : "?";
}


static void agg_end_of(struct edge_end *o, enum agg_key k, const char *key)
{
	char comm[MODEL_COMM_LEN + 1];

	model_copy_comm(comm, o->comm);
	memset(o, 0, sizeof(*o));
	if (k == AGG_COMM)
		model_copy_comm(o->comm, comm);
	else
		o->key = key;
}

/* Nodes: one per key at an end of a kept edge, with how many processes. */
static int agg_nodes(struct snapshot *s, enum agg_key k, struct agg_end *ends, size_t n)
{
	size_t nn = 0;

	qsort(ends, n, sizeof(*ends), agg_end_cmp);
	if (!(s->nodes = calloc(n ? n : 1, sizeof(*s->nodes))))
		return -1;
	for (size_t i = 0; i < n; i++) {
		struct agg_node *nd;

		if (!i || strcmp(ends[i].name, ends[i - 1].name)) {
			nd = &s->nodes[nn++];
			if (k == AGG_COMM)
				model_copy_comm(nd->comm, ends[i].name);
			else
				nd->key = ends[i].name;
		}
		nd = &s->nodes[nn - 1];
		if (ends[i].pid && (!i || agg_end_cmp(&ends[i], &ends[i - 1])))
			nd->n_procs++;
	}
	s->n_nodes = nn;
	return 0;
}

static int aggregate(struct snapshot *s, enum agg_key k, const bool *changed)
{
	size_t n = s->n_edges, no = 0, ne = 0;
	struct agg_part *parts = calloc(n ? n : 1, sizeof(*parts));
	struct agg_end *ends = calloc(n ? 2 * n : 1, sizeof(*ends));
	struct edge *out = calloc(n ? n : 1, sizeof(*out));

	if (!parts || !ends || !out)
		goto fail;
	for (size_t i = 0; i < n; i++) {
		const struct edge *e = &s->edges[i];

		parts[i].i = i;
		parts[i].mech = e->mech;
		parts[i].src = end_key(s, k, e, &e->src);
		parts[i].dst = end_key(s, k, e, &e->dst);
		edge_kind(e, parts[i].kind, sizeof(parts[i].kind));
	}
	qsort(parts, n, sizeof(*parts), agg_part_cmp);
	for (size_t g = 0, h; g < n; g = h) {
		bool keep = !changed;
		uint64_t pairs = 0;
		struct edge *o;

		for (h = g + 1; h < n && parts[h].mech == parts[g].mech &&
				!strcmp(parts[h].kind, parts[g].kind) &&
				!strcmp(parts[h].src, parts[g].src) && !strcmp(parts[h].dst, parts[g].dst);
		     h++)
			;
		for (size_t j = g; j < h && !keep; j++)
			keep = changed[parts[j].i];
		if (!keep)
			continue;
		o = &out[no++];
		*o = s->edges[parts[g].i];
		if (h - g > 1) {
			snprintf(o->object, sizeof(o->object), "%s", parts[g].kind);
			o->key_a = ktab_hash_str(parts[g].kind, 0);
			o->key_b = 0;
			o->ext_off = o->ext_len = 0;
			o->hist_src = o->hist_dst = 0; /* endpoints' histograms do not add up */
			o->exact = true;
			o->msgs = o->bytes = o->d_msgs = o->d_bytes = 0;
			o->blocked_src_ns = o->blocked_dst_ns = 0;
			o->d_blocked_src_ns = o->d_blocked_dst_ns = 0;
			o->wakes = o->wake_blocked_ns = o->d_wakes = o->d_wake_blocked_ns = 0;
			o->back_wakes = o->back_wake_blocked_ns = 0;
			o->d_back_wakes = o->d_back_wake_blocked_ns = 0;
			o->idle = UINT32_MAX;
		}
		for (size_t j = g; j < h; j++) {
			const struct edge *e = &s->edges[parts[j].i];

			pairs += e->folded ? e->folded : 1;
			ends[ne++] = (struct agg_end){ parts[j].src, e->folded ? 0 : e->src.pid,
						       e->src.start_ns };
			ends[ne++] = (struct agg_end){ parts[j].dst, e->folded ? 0 : e->dst.pid,
						       e->dst.start_ns };
			if (h - g == 1)
				continue;
			o->exact &= e->exact;
			o->msgs += e->msgs;
			o->bytes += e->bytes;
			o->d_msgs += e->d_msgs;
			o->d_bytes += e->d_bytes;
			o->blocked_src_ns += e->blocked_src_ns;
			o->blocked_dst_ns += e->blocked_dst_ns;
			o->d_blocked_src_ns += e->d_blocked_src_ns;
			o->d_blocked_dst_ns += e->d_blocked_dst_ns;
			o->wakes += e->wakes;
			o->wake_blocked_ns += e->wake_blocked_ns;
			o->d_wakes += e->d_wakes;
			o->d_wake_blocked_ns += e->d_wake_blocked_ns;
			o->back_wakes += e->back_wakes;
			o->back_wake_blocked_ns += e->back_wake_blocked_ns;
			o->d_back_wakes += e->d_back_wakes;
			o->d_back_wake_blocked_ns += e->d_back_wake_blocked_ns;
			if (e->idle < o->idle)
				o->idle = e->idle;
		}
		o->folded = 0;
		o->pairs = pairs > UINT32_MAX ? UINT32_MAX : (uint32_t)pairs;
		agg_end_of(&o->src, k, parts[g].src);
		agg_end_of(&o->dst, k, parts[g].dst);
	}
	/* the nodes' names point into the edges (comm: copied) or the snapshot's strings */
	if (agg_nodes(s, k, ends, ne))
		goto fail;
	free(s->edges);
	s->edges = out;
	s->n_edges = no;
	s->agg = k;
	qsort(s->edges, s->n_edges, sizeof(*s->edges), agg_edge_cmp);
	free(parts);
	free(ends);
	return 0;
fail:
	free(parts);
	free(ends);
	free(out);
	free(s->nodes);
	s->nodes = NULL;
	s->n_nodes = 0;
	return -1;
}

int snapshot_aggregate(struct snapshot *s, enum agg_key k)
{
	if (k == AGG_PID || s->agg != AGG_PID)
		return 0;
	return aggregate(s, k, NULL);
}

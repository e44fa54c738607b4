// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * File hand-off (see file.h; rules in docs/semantics.md, "File hand-off").
 *
 * Per file, a sorted array of disjoint ranges [start, end), each with the
 * traced process that wrote it last.  A write removes what it covers and
 * inserts its range (merged with a neighbour of the same writer, so a
 * sequential writer holds one range); a read walks the ranges it overlaps
 * and adds each writer's bytes to the edge writer -> reader, and one msg to
 * each such edge per read call.  Bytes nobody traced wrote are no range.
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "kernel/abi.h"
#include "core/collect.h"
#include "core/ktab.h"
#include "kernel/kif.h"
#include "mech/file.h"

_Static_assert(sizeof(struct ipc_file_event) == 72 + IPC_COMM_LEN, "ipc_file_event layout");
_Static_assert((int)FILE_EV_WRITE == (int)FILE_OBS_WRITE && (int)FILE_EV_READ == (int)FILE_OBS_READ &&
	       (int)FILE_EV_TRUNC == (int)FILE_OBS_TRUNC, "file event types");

struct frange {
	uint64_t start, end;
	uint64_t seq;        /* the latest write in it: older ranges are dropped first */
	struct proc_ref w;   /* its writer */
};

struct ffile {
	uint64_t key[2];     /* dev, ino */
	uint32_t gen;
	struct frange *r;    /* sorted by start, disjoint */
	size_t n, cap;
	char *name;          /* the path, once the BPF side recorded it */
	uint64_t last_ns;    /* its latest record */
	bool unlinked;       /* its latest record had no link left */
};

struct fedge {
	uint64_t key[7];     /* dev, ino, gen, src pid, src start, dst pid, dst start */
	uint64_t msgs, bytes;
	uint64_t last_ns;    /* the model's clock when it last changed */
	char *name;
	char src_comm[MODEL_COMM_LEN + 1], dst_comm[MODEL_COMM_LEN + 1];
	uint64_t call;       /* the read call that last counted a msg */
};

/* A writer's comm, for an edge whose writer the model no longer names. */
struct fwriter {
	uint64_t key[2];     /* pid, start_ns */
	char comm[MODEL_COMM_LEN + 1];
};

struct file_state {
	struct ktab files, edges, writers;
	uint64_t n_ranges;   /* in all files */
	uint64_t seq;        /* writes so far */
	uint64_t calls;      /* reads so far */
	uint64_t cap_file, cap_total;
	size_t unnamed;      /* files with ranges and no name yet */
};

static void *file_state_new(void)
{
	struct file_state *s = calloc(1, sizeof(*s));

	if (!s)
		return NULL;
	ktab_init(&s->files, sizeof(struct ffile), 2);
	ktab_init(&s->edges, sizeof(struct fedge), 7);
	ktab_init(&s->writers, sizeof(struct fwriter), 2);
	s->cap_file = FILE_RANGES_PER_FILE;
	s->cap_total = FILE_RANGES_MAX;
	return s;
}

static void file_state_free(void *st)
{
	struct file_state *s = st;

	for (size_t i = 0; i < s->files.n; i++) {
		struct ffile *f = ktab_at(&s->files, i);

		free(f->r);
		free(f->name);
	}
	for (size_t i = 0; i < s->edges.n; i++)
		free(((struct fedge *)ktab_at(&s->edges, i))->name);
	ktab_free(&s->files);
	ktab_free(&s->edges);
	ktab_free(&s->writers);
	free(s);
}

void file_set_caps(struct model *m, uint64_t per_file, uint64_t total)
{
	struct file_state *s = model_mech_state(m, &mech_file);

	s->cap_file = per_file ? per_file : 1;
	s->cap_total = total ? total : 1;
}

uint64_t file_ranges(const struct model *m, uint64_t dev, uint64_t ino)
{
	const struct file_state *s = model_mech_state(m, &mech_file);
	uint64_t key[2] = { dev, ino };
	long i;

	if (!dev && !ino)
		return s->n_ranges;
	i = ktab_find(&s->files, key);
	return i < 0 ? 0 : ((const struct ffile *)ktab_at(&s->files, i))->n;
}

static bool same_proc(struct proc_ref a, struct proc_ref b)
{
	return a.pid == b.pid && a.start_ns == b.start_ns;
}

/* ---- the ranges of one file ---- */

/* The first range that ends after a (n if none). */
static size_t first_after(const struct ffile *f, uint64_t a)
{
	size_t lo = 0, hi = f->n;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (f->r[mid].end > a)
			hi = mid;
		else
			lo = mid + 1;
	}
	return lo;
}

static int reserve(struct ffile *f, size_t more)
{
	size_t cap;
	struct frange *r;

	if (f->n + more <= f->cap)
		return 0;
	cap = f->cap ? 2 * f->cap : 4;
	while (cap < f->n + more)
		cap *= 2;
	r = realloc(f->r, cap * sizeof(*r));
	if (!r)
		return -1;
	f->r = r;
	f->cap = cap;
	return 0;
}

/* Nobody's now: [a, b) loses what it held.  0, or -1 (out of memory: unchanged). */
static int cut(struct file_state *s, struct ffile *f, uint64_t a, uint64_t b)
{
	size_t i = first_after(f, a), k;

	if (a >= b || i == f->n || f->r[i].start >= b)
		return 0;
	/* one range over both ends: it splits in two */
	if (f->r[i].start < a && f->r[i].end > b) {
		if (reserve(f, 1))
			return -1;
		memmove(&f->r[i + 1], &f->r[i], (f->n - i) * sizeof(*f->r));
		f->n++;
		s->n_ranges++;
		f->r[i].end = a;
		f->r[i + 1].start = b;
		return 0;
	}
	if (f->r[i].start < a) {
		f->r[i].end = a;
		i++;
	}
	for (k = i; k < f->n && f->r[k].end <= b; k++)
		;
	/* ranges i .. k-1 lie inside [a, b) */
	if (k < f->n && f->r[k].start < b)
		f->r[k].start = b;
	memmove(&f->r[i], &f->r[k], (f->n - k) * sizeof(*f->r));
	f->n -= k - i;
	s->n_ranges -= k - i;
	return 0;
}

/* [a, b) is w's (nothing of it is anyone's before the call). */
static int put(struct file_state *s, struct ffile *f, uint64_t a, uint64_t b, struct proc_ref w,
	       uint64_t seq)
{
	size_t i = first_after(f, a);
	bool left = i > 0 && f->r[i - 1].end == a && same_proc(f->r[i - 1].w, w);
	bool right = i < f->n && f->r[i].start == b && same_proc(f->r[i].w, w);

	if (left && right) {
		f->r[i - 1].end = f->r[i].end;
		f->r[i - 1].seq = seq;
		memmove(&f->r[i], &f->r[i + 1], (f->n - i - 1) * sizeof(*f->r));
		f->n--;
		s->n_ranges--;
	} else if (left) {
		f->r[i - 1].end = b;
		f->r[i - 1].seq = seq;
	} else if (right) {
		f->r[i].start = a;
		f->r[i].seq = seq;
	} else {
		if (reserve(f, 1))
			return -1;
		memmove(&f->r[i + 1], &f->r[i], (f->n - i) * sizeof(*f->r));
		f->r[i] = (struct frange){ a, b, seq, w };
		f->n++;
		s->n_ranges++;
	}
	return 0;
}

static int cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return x < y ? -1 : x > y;
}

/*
 * Drop ranges written before `below` (seq), in file f, or in every file if
 * f is NULL; each counts as dropped.
 */
static void drop_older(struct model *m, struct file_state *s, struct ffile *f, uint64_t below)
{
	size_t nf = f ? 1 : s->files.n;

	for (size_t i = 0; i < nf; i++) {
		struct ffile *g = f ? f : ktab_at(&s->files, i);
		size_t w = 0;

		for (size_t k = 0; k < g->n; k++) {
			if (g->r[k].seq < below) {
				model_count_dropped(m);
				s->n_ranges--;
				continue;
			}
			g->r[w++] = g->r[k];
		}
		g->n = w;
	}
}

/*
 * The seq below which ranges go so that n of the given ranges (seqs in v,
 * count n) shrink to keep: the oldest n - keep go at once, so that a cap
 * costs a pass per cap/8 writes, not one per write.
 */
static uint64_t threshold(uint64_t *v, size_t n, size_t keep)
{
	qsort(v, n, sizeof(*v), cmp_u64);
	return v[n - keep];
}

/* Keep f and the whole table within their caps. */
static void enforce_caps(struct model *m, struct file_state *s, struct ffile *f)
{
	uint64_t *v;
	size_t n = 0;

	if (f->n > s->cap_file) {
		size_t keep = s->cap_file - s->cap_file / 8;

		if (!(v = malloc(f->n * sizeof(*v)))) {
			model_count_dropped(m);
			return;
		}
		for (size_t k = 0; k < f->n; k++)
			v[k] = f->r[k].seq;
		drop_older(m, s, f, threshold(v, f->n, keep ? keep : 1));
		free(v);
	}
	if (s->n_ranges > s->cap_total) {
		size_t keep = s->cap_total - s->cap_total / 8;

		if (!(v = malloc(s->n_ranges * sizeof(*v)))) {
			model_count_dropped(m);
			return;
		}
		for (size_t i = 0; i < s->files.n; i++) {
			const struct ffile *g = ktab_at(&s->files, i);

			for (size_t k = 0; k < g->n; k++)
				v[n++] = g->r[k].seq;
		}
		drop_older(m, s, NULL, threshold(v, n, keep ? keep : 1));
		free(v);
	}
}

/* ---- records ---- */

static struct fedge *edge_get(struct model *m, struct file_state *s, const struct ffile *f,
			      struct proc_ref w, const struct file_obs *o)
{
	uint64_t key[7] = { f->key[0], f->key[1], f->gen, w.pid, w.start_ns, o->proc.pid,
			    o->proc.start_ns };
	uint64_t wkey[2] = { w.pid, w.start_ns };
	bool created;
	long i = ktab_get(&s->edges, key, &created), wi;
	struct fedge *e;

	if (i < 0)
		return NULL;
	e = ktab_at(&s->edges, i);
	if (created) {
		wi = ktab_find(&s->writers, wkey);
		model_copy_comm(e->src_comm,
				wi < 0 ? "" : ((struct fwriter *)ktab_at(&s->writers, wi))->comm);
		model_copy_comm(e->dst_comm, o->comm);
	}
	return e;
}

/* A read of [off, off + len) by o->proc: every other writer's bytes in it. */
static void file_read_range(struct model *m, struct file_state *s, long fi,
			    const struct file_obs *o)
{
	uint64_t a = o->off, b = o->off + o->len;
	const struct ffile *f = ktab_at(&s->files, fi);
	uint64_t call = ++s->calls;

	for (size_t k = first_after(f, a); k < f->n && f->r[k].start < b; k++) {
		struct frange r = f->r[k];
		uint64_t lo = r.start > a ? r.start : a, hi = r.end < b ? r.end : b;
		struct fedge *e;

		if (same_proc(r.w, o->proc))
			continue;
		/* edges may grow: f stays valid (another table), e does not */
		if (!(e = edge_get(m, s, f, r.w, o))) {
			model_count_dropped(m);
			continue;
		}
		e->bytes += hi - lo;
		if (e->call != call) {
			e->call = call;
			e->msgs++;
		}
		e->last_ns = model_clock(m) ? model_clock(m) : 1;
	}
}

void file_event(struct model *m, const struct file_obs *o)
{
	struct file_state *s = model_mech_state(m, &mech_file);
	uint64_t key[2] = { o->dev, o->ino };
	bool created;
	long fi = ktab_get(&s->files, key, &created);
	struct ffile *f;

	if (fi < 0) {
		model_count_dropped(m);
		return;
	}
	f = ktab_at(&s->files, fi);
	/* another file now has that inode number: what the old one held is gone */
	if (!created && f->gen != o->gen) {
		s->n_ranges -= f->n;
		f->n = 0;
		free(f->name);
		f->name = NULL;
	}
	f->gen = o->gen;
	f->last_ns = o->ts_ns;
	/*
	 * Unlinked since the previous record: what was written before ends
	 * its story there (a read through a descriptor still open is no hand-off
	 * of it); bytes written to the unlinked file start a new one.
	 */
	if (!o->nlink && !f->unlinked && f->n && cut(s, f, 0, UINT64_MAX))
		model_count_dropped(m);
	f->unlinked = !o->nlink;
	/* bytes past the size are gone, whoever cut them (truncate(2) by path too) */
	if (cut(s, f, o->type == FILE_OBS_TRUNC ? o->off : o->size, UINT64_MAX))
		model_count_dropped(m);
	if (o->type == FILE_OBS_READ && o->traced) {
		file_read_range(m, s, fi, o);
	} else if (o->type == FILE_OBS_WRITE && o->len) {
		uint64_t b = o->off + o->len;

		if (cut(s, f, o->off, b)) {
			model_count_dropped(m);
			return;
		}
		if (o->traced) {
			uint64_t wkey[2] = { o->proc.pid, o->proc.start_ns };
			long wi = ktab_get(&s->writers, wkey, NULL);

			if (wi >= 0)
				model_copy_comm(((struct fwriter *)ktab_at(&s->writers, wi))->comm,
						o->comm);
			if (put(s, f, o->off, b, o->proc, ++s->seq))
				model_count_dropped(m);
			else
				enforce_caps(m, s, f);
			if (!f->name)
				s->unnamed++;
		}
	}
}

/* ---- the ring buffer and names ---- */

static int on_file_event(void *ctx, void *data, size_t size)
{
	const struct ipc_file_event *e = data;
	struct file_obs o;

	if (size < sizeof(*e))
		return 0;
	memset(&o, 0, sizeof(o));
	o.type = e->type; /* the same numbers: FILE_EV_* == FILE_OBS_* */
	o.traced = e->traced;
	o.proc.pid = e->tgid;
	o.proc.start_ns = e->start_ns;
	o.ts_ns = e->ts;
	o.dev = e->dev;
	o.ino = e->ino;
	o.gen = e->gen;
	o.nlink = e->nlink;
	o.off = e->off;
	o.len = e->len;
	o.size = e->size;
	model_copy_comm(o.comm, e->comm);
	file_event(ctx, &o);
	return 0; /* never negative: that would stop the drain */
}

/*
 * -m file: a ring for 100 ms of records at ~1.7 million calls a second (a
 * record is 96 bytes with its header), since the collector drains it every
 * tick; beyond, records are lost and counted (file_events_lost).  Without
 * -m file: the least a ring can be, and no tracked files.
 */
#define FILE_RING_BYTES (16u << 20)

static void file_configure(struct kif *k, bool fast)
{
	if (kif_mech_mask(k) & MECH_BIT(MECH_FILE)) {
		kif_ring_size(k, "file_events", FILE_RING_BYTES);
		return;
	}
	kif_ring_size(k, "file_events", 4096);
	kif_map_shrink(k, "file_inodes");
	kif_map_shrink(k, "file_stash");
}

static int file_collect_init(struct collector *c, struct kif *k, struct model *m)
{
	return collector_add_ring(c, kif_map_fd(k, "file_events"), on_file_event, m);
}

/*
 * After the collector read "objnames": the path of every file written
 * since, kept here (the model forgets a name nothing else uses after the
 * retention period, and a file's bytes may be read much later).
 */
static void file_read_names(struct collector *c, struct kif *k, struct model *m)
{
	struct file_state *s = model_mech_state(m, &mech_file);
	char name[sizeof(((struct edge *)0)->object)];

	for (size_t i = 0; s->unnamed && i < s->files.n; i++) {
		struct ffile *f = ktab_at(&s->files, i);

		if (f->name || !model_object_named(m, MECH_FILE, f->key[0], f->key[1]))
			continue;
		model_object_name(m, MECH_FILE, f->key[0], f->key[1], name, sizeof(name));
		f->name = strdup(name);
	}
	s->unnamed = 0;
	for (size_t i = 0; i < s->files.n; i++)
		if (!((struct ffile *)ktab_at(&s->files, i))->name &&
		    ((struct ffile *)ktab_at(&s->files, i))->n)
			s->unnamed++;
}

/* ---- edges ---- */

static int add_edge(struct file_state *s, size_t i, struct edge_sink *out)
{
	struct fedge *fe = ktab_at(&s->edges, i);
	struct edge e = {
		.mech = MECH_FILE, .key_a = fe->key[0], .key_b = fe->key[1], .exact = true,
		.src = { .pid = fe->key[3], .start_ns = fe->key[4] },
		.dst = { .pid = fe->key[5], .start_ns = fe->key[6] },
		.msgs = fe->msgs, .bytes = fe->bytes,
	};

	if (!fe->name) {
		long fi = ktab_find(&s->files, fe->key);
		const struct ffile *f = fi < 0 ? NULL : ktab_at(&s->files, fi);

		if (f && f->gen == fe->key[2] && f->name)
			fe->name = strdup(f->name);
	}
	if (fe->name)
		snprintf(e.object, sizeof(e.object), "%s", fe->name);
	return edge_sink_add(out, &e, fe->src_comm, fe->dst_comm, NULL, 0);
}

static int file_edges(void *st, const struct model *m, struct edge_sink *out)
{
	struct file_state *s = st;

	for (size_t i = 0; i < s->edges.n; i++)
		if (add_edge(s, i, out))
			return -1;
	return 0;
}

/* ---- retention ---- */

/*
 * An edge with an end gone folds once idle.  A file's ranges stay while
 * their writers are gone: reading them later is the hand-off; a file with
 * no range left goes once idle.
 */
static int file_fold(void *st, const struct model *m, uint64_t idle_before,
		     struct edge_sink *out)
{
	struct file_state *s = st;
	bool *gone = calloc(s->edges.n ? s->edges.n : 1, sizeof(bool));
	bool *fgone = calloc(s->files.n ? s->files.n : 1, sizeof(bool));
	int err = 0;

	if (!gone || !fgone)
		err = -1;
	for (size_t i = 0; !err && i < s->edges.n; i++) {
		struct fedge *e = ktab_at(&s->edges, i);

		gone[i] = e->last_ns <= idle_before &&
			  (model_proc_gone(m, (struct proc_ref){ e->key[3], e->key[4] }) ||
			   model_proc_gone(m, (struct proc_ref){ e->key[5], e->key[6] }));
		if (gone[i])
			err = add_edge(s, i, out);
	}
	for (size_t i = 0; !err && i < s->edges.n; i++)
		if (gone[i])
			free(((struct fedge *)ktab_at(&s->edges, i))->name);
	if (!err)
		ktab_remove_marked(&s->edges, gone);
	for (size_t i = 0; !err && i < s->files.n; i++) {
		struct ffile *f = ktab_at(&s->files, i);

		fgone[i] = !f->n && f->last_ns <= idle_before;
		if (fgone[i]) {
			free(f->r);
			free(f->name);
		}
	}
	if (!err)
		ktab_remove_marked(&s->files, fgone);
	free(gone);
	free(fgone);
	return err;
}

/* Writers of ranges and ends of edges: the model keeps naming them. */
static void file_procs_in_use(void *st, void (*use)(void *ctx, struct proc_ref p), void *ctx)
{
	struct file_state *s = st;

	for (size_t i = 0; i < s->edges.n; i++) {
		const struct fedge *e = ktab_at(&s->edges, i);

		use(ctx, (struct proc_ref){ e->key[3], e->key[4] });
		use(ctx, (struct proc_ref){ e->key[5], e->key[6] });
	}
	for (size_t i = 0; i < s->files.n; i++) {
		const struct ffile *f = ktab_at(&s->files, i);

		for (size_t k = 0; k < f->n; k++)
			if (k == 0 || !same_proc(f->r[k].w, f->r[k - 1].w))
				use(ctx, f->r[k].w);
	}
}

static const struct mech_kind file_kinds[] = {
	/* read and write are hooked in pipe.bpf.c, which resolves their fds anyway */
	{ .id = MECH_FILE, .name = "file", .label = "file", .opt = "file",
	  .progs = "file_ pipe_enter_ pipe_exit_", .opt_in = true },
	{ 0 },
};

const struct mech_ops mech_file = {
	.name = "file",
	.kinds = file_kinds,
	.prefixes = "file_",
	.configure = file_configure,
	.collect_init = file_collect_init,
	.read = file_read_names,
	.state_new = file_state_new,
	.state_free = file_state_free,
	.edges = file_edges,
	.fold = file_fold,
	.procs_in_use = file_procs_in_use,
};

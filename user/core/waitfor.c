// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * Who waits on whom (core/waitfor.h).  The rules, with their reasons, are
 * docs/semantics.md's "Bottlenecks: who waits on whom"; in short:
 *
 *  - an edge's wake-ups say exactly who waited on whom and how long; an
 *    edge's blocked times, when its object has no wake-ups at all, are
 *    taken as waits on the other end (inferred);
 *  - a process's ipc_wait is its own blocked time, each endpoint once;
 *  - in each connected group, the process the others wait on most is the
 *    bottleneck when they really wait on it and it waits clearly less.
 *
 * Everything is per snapshot and allocated per call: no state is kept.
 */
#include <stdlib.h>
#include <string.h>
#include "core/mech.h"
#include "core/waitfor.h"

/*
 * A verdict needs the others to wait on its process at least this share
 * of the span, and its process to wait at least this share less than its
 * largest waiter waits on it: near-symmetric cycles (ping-pong, a convoy
 * handing a lock round) differ by noise, and give no verdict.
 */
#define WAITFOR_MIN_SHARE 0.10

static const char *const kind_names[] = {
	[WAIT_STARVED] = "starvation",
	[WAIT_BACKPRESSURE] = "backpressure",
	[WAIT_SYNC] = "sync",
};

const char *wait_kind_name(enum wait_kind k)
{
	if ((unsigned)k >= sizeof(kind_names) / sizeof(kind_names[0]) || !kind_names[k])
		return "?";
	return kind_names[k];
}

/* An edge's counters over the span: the deltas, or the totals for a final report. */
struct span_ctr {
	uint64_t msgs, blocked[2]; /* [0]: src's, [1]: dst's */
	uint64_t wakes, wake_ns, back_wakes, back_ns;
};

static struct span_ctr span_ctr(const struct snapshot *s, const struct edge *e)
{
	if (s->final)
		return (struct span_ctr){ e->msgs, { e->blocked_src_ns, e->blocked_dst_ns },
					  e->wakes, e->wake_blocked_ns,
					  e->back_wakes, e->back_wake_blocked_ns };
	return (struct span_ctr){ e->d_msgs, { e->d_blocked_src_ns, e->d_blocked_dst_ns },
				  e->d_wakes, e->d_wake_blocked_ns,
				  e->d_back_wakes, e->d_back_wake_blocked_ns };
}

static bool has_wakes(const struct span_ctr *c)
{
	return c->wakes || c->back_wakes;
}

/* Wake-ups through this mechanism are releases (a post, an unlock), not data. */
static bool sync_mech(int mech)
{
	const struct mech_kind *k = mech_kind_of(mech);

	return k && k->wakes_sync;
}

/*
 * One end of one edge, for telling processes apart: by (pid, start_ns),
 * or by name where the ends are names (an aggregated report's keys, a
 * retention aggregate's process names).  slot = 2 * edge index + side.
 */
struct end_ref {
	const struct edge_end *end;
	bool by_name;
	size_t slot;
};

static int end_ref_cmp(const void *pa, const void *pb)
{
	const struct end_ref *a = pa, *b = pb;

	if (a->by_name != b->by_name)
		return a->by_name ? 1 : -1;
	if (a->by_name)
		return strcmp(snapshot_end_name(a->end), snapshot_end_name(b->end));
	if (a->end->pid != b->end->pid)
		return a->end->pid < b->end->pid ? -1 : 1;
	if (a->end->start_ns != b->end->start_ns)
		return a->end->start_ns < b->end->start_ns ? -1 : 1;
	return 0;
}

/* A wait of one node on another, through one edge. */
struct wf_wait {
	size_t waiter, on;
	const struct edge *edge;
	uint64_t ns;
	enum wait_kind kind;
	bool exact;
};

struct wf {
	const struct snapshot *s;
	double span_s;
	size_t n_nodes;
	size_t *node_of;              /* per slot: its node */
	const struct edge_end **end;  /* per node: one end that is it */
	uint64_t *own_ns;             /* per node: its ipc_wait ns */
	size_t *parent;               /* per node: union-find of the groups */
	struct wf_wait *waits;        /* at most two per edge */
	size_t n_waits;
};

static const struct edge_end *slot_end(const struct snapshot *s, size_t slot)
{
	const struct edge *e = &s->edges[slot / 2];

	return slot % 2 ? &e->dst : &e->src;
}

/* Number the distinct ends: node_of[slot], end[node]. */
static int number_nodes(struct wf *w)
{
	const struct snapshot *s = w->s;
	size_t n = 2 * s->n_edges;
	struct end_ref *refs = calloc(n ? n : 1, sizeof(*refs));

	if (!refs)
		return -1;
	for (size_t i = 0; i < n; i++) {
		refs[i].end = slot_end(s, i);
		refs[i].by_name = s->agg != AGG_PID || s->edges[i / 2].folded;
		refs[i].slot = i;
	}
	qsort(refs, n, sizeof(*refs), end_ref_cmp);
	for (size_t i = 0; i < n; i++) {
		if (!i || end_ref_cmp(&refs[i], &refs[i - 1]))
			w->end[w->n_nodes++] = refs[i].end;
		w->node_of[refs[i].slot] = w->n_nodes - 1;
	}
	free(refs);
	return 0;
}

static void add_wait(struct wf *w, size_t waiter, size_t on, const struct edge *e, uint64_t ns,
		     enum wait_kind kind, bool exact)
{
	/* an aggregated key's edges to itself are no wait on another */
	if (!ns || waiter == on)
		return;
	w->waits[w->n_waits++] = (struct wf_wait){ waiter, on, e, ns, kind, exact };
}

/* Rule 1, exact: the edge's wake-ups, and nothing else of it. */
static void exact_waits(struct wf *w)
{
	for (size_t i = 0; i < w->s->n_edges; i++) {
		const struct edge *e = &w->s->edges[i];
		struct span_ctr c = span_ctr(w->s, e);
		size_t src = w->node_of[2 * i], dst = w->node_of[2 * i + 1];

		if (!has_wakes(&c))
			continue;
		add_wait(w, dst, src, e, c.wake_ns, sync_mech(e->mech) ? WAIT_SYNC : WAIT_STARVED,
			 true);
		add_wait(w, src, dst, e, c.back_ns, WAIT_BACKPRESSURE, true);
	}
}

/*
 * One process's use of one object on one side: the edges that carry its
 * blocked time there.  Each carries the endpoint's whole time (one per
 * peer), so it counts once.
 */
struct side_ref {
	size_t node;
	int side;                /* 0: src (sending), 1: dst (receiving) */
	size_t edge;
	const struct edge *e;
};

static int side_ref_cmp(const void *pa, const void *pb)
{
	const struct side_ref *a = pa, *b = pb;

	if (a->node != b->node)
		return a->node < b->node ? -1 : 1;
	if (a->side != b->side)
		return a->side - b->side;
	if (a->e->mech != b->e->mech)
		return a->e->mech < b->e->mech ? -1 : 1;
	if (a->e->key_a != b->e->key_a)
		return a->e->key_a < b->e->key_a ? -1 : 1;
	if (a->e->key_b != b->e->key_b)
		return a->e->key_b < b->e->key_b ? -1 : 1;
	return strcmp(a->e->object, b->e->object);
}

static bool same_use(const struct side_ref *a, const struct side_ref *b)
{
	return !side_ref_cmp(a, b);
}

/* v * part / whole, without overflowing the product. */
static uint64_t apportion(uint64_t v, uint64_t part, uint64_t whole)
{
	if (part >= whole)
		return v;
	return (uint64_t)((long double)v * part / whole);
}

/*
 * Rule 1, inferred, for one use (refs[g..h)) with no wake-up on any of its
 * edges: its blocked time was spent waiting on the peers, shared among
 * them by their messages (evenly when none moved).  A sync mechanism's
 * src side releases: it waits on nobody.
 */
static void inferred_waits(struct wf *w, const struct side_ref *refs, size_t g, size_t h)
{
	uint64_t total = 0;
	bool by_msgs;

	for (size_t j = g; j < h; j++)
		total += span_ctr(w->s, refs[j].e).msgs;
	by_msgs = total > 0;
	if (!by_msgs)
		total = h - g;
	for (size_t j = g; j < h; j++) {
		const struct side_ref *r = &refs[j];
		struct span_ctr c = span_ctr(w->s, r->e);
		size_t peer = w->node_of[2 * r->edge + !r->side];
		uint64_t ns = apportion(c.blocked[r->side], by_msgs ? c.msgs : 1, total);

		if (r->side == 1)
			add_wait(w, r->node, peer, r->e, ns,
				 sync_mech(r->e->mech) ? WAIT_SYNC : WAIT_STARVED, false);
		else if (!sync_mech(r->e->mech))
			add_wait(w, r->node, peer, r->e, ns, WAIT_BACKPRESSURE, false);
	}
}

/* Rule 2 (own blocked time, once per use) and rule 1's inferred waits. */
static int uses(struct wf *w)
{
	const struct snapshot *s = w->s;
	size_t n = 2 * s->n_edges;
	struct side_ref *refs = calloc(n ? n : 1, sizeof(*refs));

	if (!refs)
		return -1;
	for (size_t i = 0; i < n; i++)
		refs[i] = (struct side_ref){ w->node_of[i], (int)(i % 2), i / 2, &s->edges[i / 2] };
	qsort(refs, n, sizeof(*refs), side_ref_cmp);
	for (size_t g = 0, h; g < n; g = h) {
		uint64_t max = 0;
		bool wakes = false;

		for (h = g; h < n && same_use(&refs[h], &refs[g]); h++) {
			struct span_ctr c = span_ctr(s, refs[h].e);

			if (c.blocked[refs[h].side] > max)
				max = c.blocked[refs[h].side];
			wakes |= has_wakes(&c);
		}
		w->own_ns[refs[g].node] += max;
		if (!wakes)
			inferred_waits(w, refs, g, h);
	}
	free(refs);
	return 0;
}

static size_t find_root(size_t *parent, size_t x)
{
	while (parent[x] != x)
		x = parent[x] = parent[parent[x]];
	return x;
}

/* Rule 3: connected components of the undirected graph of every edge. */
static void groups(struct wf *w)
{
	for (size_t i = 0; i < w->n_nodes; i++)
		w->parent[i] = i;
	for (size_t i = 0; i < w->s->n_edges; i++) {
		size_t a = find_root(w->parent, w->node_of[2 * i]);
		size_t b = find_root(w->parent, w->node_of[2 * i + 1]);

		if (a != b)
			w->parent[a > b ? a : b] = a < b ? a : b;
	}
}

static double share(const struct wf *w, uint64_t ns)
{
	return w->span_s > 0 ? (double)ns / 1e9 / w->span_s : 0;
}

/* By waiter, largest first; ties in node, then edge order (deterministic). */
static int wait_by_waiter_cmp(const void *pa, const void *pb)
{
	const struct wf_wait *a = pa, *b = pb;

	if (a->waiter != b->waiter)
		return a->waiter < b->waiter ? -1 : 1;
	if (a->ns != b->ns)
		return a->ns > b->ns ? -1 : 1;
	if (a->on != b->on)
		return a->on < b->on ? -1 : 1;
	return a->edge < b->edge ? -1 : a->edge > b->edge;
}

static int wait_by_on_cmp(const void *pa, const void *pb)
{
	const struct wf_wait *a = pa, *b = pb;

	if (a->on != b->on)
		return a->on < b->on ? -1 : 1;
	if (a->waiter != b->waiter)
		return a->waiter < b->waiter ? -1 : 1;
	if (a->ns != b->ns)
		return a->ns > b->ns ? -1 : 1;
	return a->edge < b->edge ? -1 : a->edge > b->edge;
}

/* The end of x's edge that is node peer. */
static struct edge_end peer_end(const struct wf *w, const struct wf_wait *x, size_t peer)
{
	size_t i = (size_t)(x->edge - w->s->edges);

	return w->node_of[2 * i] == peer ? x->edge->src : x->edge->dst;
}

static struct wait_on wait_on_of(const struct wf *w, const struct wf_wait *x, size_t peer)
{
	return (struct wait_on){ .peer = peer_end(w, x, peer), .edge = x->edge, .ns = x->ns,
				 .kind = x->kind, .exact = x->exact };
}

/* Tell ends apart when sorting results: (pid, start_ns), then name. */
static int who_cmp(const struct edge_end *a, const struct edge_end *b)
{
	if (a->pid != b->pid)
		return a->pid < b->pid ? -1 : 1;
	if (a->start_ns != b->start_ns)
		return a->start_ns < b->start_ns ? -1 : 1;
	return strcmp(snapshot_end_name(a), snapshot_end_name(b));
}

static int proc_wait_cmp(const void *pa, const void *pb)
{
	const struct proc_wait *a = pa, *b = pb;

	if (a->ns != b->ns)
		return a->ns > b->ns ? -1 : 1;
	return who_cmp(&a->who, &b->who);
}

/*
 * Rule 2's ipc_wait of every node that waited, with whom it waited on.
 * ns is at least what its waits add up to: a wake-up's wait can be on an
 * edge that carries none of its blocked time.
 */
static int proc_waits(struct wf *w, struct waitfor *out)
{
	size_t k = 0;

	qsort(w->waits, w->n_waits, sizeof(*w->waits), wait_by_waiter_cmp);
	for (size_t g = 0, j = 0; g < w->n_waits; g = j) {
		size_t node = w->waits[g].waiter;
		uint64_t sum = 0;

		for (j = g; j < w->n_waits && w->waits[j].waiter == node; j++)
			sum += w->waits[j].ns;
		if (sum > w->own_ns[node])
			w->own_ns[node] = sum;
	}
	for (size_t i = 0; i < w->n_nodes; i++)
		k += w->own_ns[i] > 0;
	if (!(out->procs = calloc(k ? k : 1, sizeof(*out->procs))))
		return -1;
	for (size_t i = 0, j = 0; i < w->n_nodes; i++) {
		struct proc_wait *p;
		size_t g = j;

		while (j < w->n_waits && w->waits[j].waiter == i)
			j++;
		if (!w->own_ns[i])
			continue;
		p = &out->procs[out->n_procs++];
		p->who = *w->end[i];
		p->ns = w->own_ns[i];
		p->share = share(w, p->ns);
		if (j > g && !(p->on = calloc(j - g, sizeof(*p->on))))
			return -1;
		for (size_t x = g; x < j; x++)
			p->on[p->n_on++] = wait_on_of(w, &w->waits[x], w->waits[x].on);
	}
	qsort(out->procs, out->n_procs, sizeof(*out->procs), proc_wait_cmp);
	return 0;
}

/* A group's candidate: the node the others wait on most. */
struct cand {
	bool set;
	size_t node;
	uint64_t waited_on;  /* the others' waits on it */
	uint64_t top_waiter; /* the largest of them, summed per waiter */
	size_t worst;        /* the largest single wait on it (index into waits) */
};

/* waits[g..h) are the waits on one node, sorted by waiter: sum them up. */
static struct cand candidate(const struct wf *w, size_t g, size_t h)
{
	struct cand c = { .set = true, .node = w->waits[g].on, .worst = g };

	for (size_t j = g, k; j < h; j = k) {
		uint64_t sum = 0;

		for (k = j; k < h && w->waits[k].waiter == w->waits[j].waiter; k++) {
			sum += w->waits[k].ns;
			if (w->waits[k].ns > w->waits[c.worst].ns)
				c.worst = k;
		}
		c.waited_on += sum;
		if (sum > c.top_waiter)
			c.top_waiter = sum;
	}
	return c;
}

/* Rule 4: whether a group's candidate is its bottleneck. */
static bool convicted(const struct wf *w, const struct cand *c, size_t group)
{
	if (group < 2 || w->span_s <= 0)
		return false;
	return share(w, c->waited_on) >= WAITFOR_MIN_SHARE &&
	       share(w, w->own_ns[c->node]) + WAITFOR_MIN_SHARE <= share(w, c->top_waiter);
}

static int verdict_cmp(const void *pa, const void *pb)
{
	const struct bottleneck *a = pa, *b = pb;

	if (a->waited_on_ns != b->waited_on_ns)
		return a->waited_on_ns > b->waited_on_ns ? -1 : 1;
	return who_cmp(&a->who, &b->who);
}

static void add_verdict(const struct wf *w, const struct cand *c, size_t group,
			struct waitfor *out)
{
	const struct wf_wait *worst = &w->waits[c->worst];
	struct bottleneck *b = &out->verdicts[out->n_verdicts++];

	b->who = *w->end[c->node];
	b->waited_on_ns = c->waited_on;
	b->own_share = share(w, w->own_ns[c->node]);
	b->group = group;
	b->worst = wait_on_of(w, worst, worst->waiter);
	b->worst_share = share(w, worst->ns);
}

/* Rule 3's groups, and rule 4's verdict in each. */
static int verdicts(struct wf *w, struct waitfor *out)
{
	size_t *size = calloc(w->n_nodes ? w->n_nodes : 1, sizeof(*size));
	struct cand *best = calloc(w->n_nodes ? w->n_nodes : 1, sizeof(*best));

	out->verdicts = calloc(w->n_nodes ? w->n_nodes : 1, sizeof(*out->verdicts));
	if (!size || !best || !out->verdicts) {
		free(size);
		free(best);
		return -1;
	}
	groups(w);
	for (size_t i = 0; i < w->n_nodes; i++)
		size[find_root(w->parent, i)]++;
	qsort(w->waits, w->n_waits, sizeof(*w->waits), wait_by_on_cmp);
	for (size_t g = 0, h; g < w->n_waits; g = h) {
		struct cand c;
		size_t root;

		for (h = g; h < w->n_waits && w->waits[h].on == w->waits[g].on; h++)
			;
		c = candidate(w, g, h);
		root = find_root(w->parent, c.node);
		if (!best[root].set || c.waited_on > best[root].waited_on)
			best[root] = c;
	}
	for (size_t r = 0; r < w->n_nodes; r++)
		if (best[r].set && convicted(w, &best[r], size[r]))
			add_verdict(w, &best[r], size[r], out);
	qsort(out->verdicts, out->n_verdicts, sizeof(*out->verdicts), verdict_cmp);
	free(size);
	free(best);
	return 0;
}

static void wf_free(struct wf *w)
{
	free(w->node_of);
	free(w->end);
	free(w->own_ns);
	free(w->parent);
	free(w->waits);
}

static int analyze(struct wf *w, struct waitfor *out)
{
	size_t n = w->s->n_edges ? 2 * w->s->n_edges : 1;

	w->node_of = calloc(n, sizeof(*w->node_of));
	w->end = calloc(n, sizeof(*w->end));
	w->own_ns = calloc(n, sizeof(*w->own_ns));
	w->parent = calloc(n, sizeof(*w->parent));
	w->waits = calloc(n, sizeof(*w->waits));
	if (!w->node_of || !w->end || !w->own_ns || !w->parent || !w->waits ||
	    number_nodes(w))
		return -1;
	exact_waits(w);
	if (uses(w) || proc_waits(w, out))
		return -1;
	return verdicts(w, out);
}

struct waitfor *waitfor_analyze(const struct snapshot *s)
{
	struct waitfor *out = calloc(1, sizeof(*out));
	struct wf w = { .s = s };
	int err;

	if (!out)
		return NULL;
	out->span_s = s->final ? s->elapsed_s : s->interval_s;
	w.span_s = out->span_s;
	err = analyze(&w, out);
	wf_free(&w);
	if (err) {
		waitfor_free(out);
		return NULL;
	}
	return out;
}

void waitfor_free(struct waitfor *w)
{
	if (!w)
		return;
	for (size_t i = 0; i < w->n_procs; i++)
		free(w->procs[i].on);
	free(w->procs);
	free(w->verdicts);
	free(w);
}

/*
 * The DOT highlight: the same process as a verdict's (pid, start_ns), or,
 * for ends that are names (pid 0: a key, a process gone), the same name.
 */
bool waitfor_is_bottleneck(const struct waitfor *w, const struct edge_end *end)
{
	if (!w)
		return false;
	for (size_t i = 0; i < w->n_verdicts; i++) {
		const struct edge_end *b = &w->verdicts[i].who;

		if (b->pid != end->pid)
			continue;
		if (end->pid ? b->start_ns == end->start_ns
			     : !strcmp(snapshot_end_name(b), snapshot_end_name(end)))
			return true;
	}
	return false;
}

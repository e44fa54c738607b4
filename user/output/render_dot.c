// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * Graphviz output: `ipctrace -f dot -- cmd | dot -Tsvg > ipc.svg`.
 * Processes are nodes, one arrow per edge, as thick as the bytes it moved;
 * inferred (N:M) edges and edges of wake-ups alone are dashed; a
 * bottleneck (core/waitfor.h) is filled red; a mechanism may add to the
 * label and the style (signals red).
 */
#include <inttypes.h>
#include <string.h>
#include "core/mech.h"
#include "core/waitfor.h"
#include "output/jsonesc.h"
#include "output/render.h"

/*
 * Node ids carry the start time too: two processes that had the same pid
 * one after the other must stay two nodes.
 */
static void put_node_id(FILE *f, uint32_t pid, uint64_t start_ns)
{
	if (pid == 0)
		fputs("kernel", f);
	else
		fprintf(f, "p%" PRIu32 "_%" PRIu64, pid, start_ns);
}

/* A process name of folded edges: its bytes in hex make an id whatever they are. */
static void put_name_id(FILE *f, const char *comm)
{
	fputs("n_", f);
	for (const unsigned char *c = (const unsigned char *)comm; *c; c++)
		fprintf(f, "%02x", *c);
}

/* A key's node (-a): like a name's, "k_" and the key's bytes in hex. */
static void put_key_id(FILE *f, const char *key)
{
	fputs("k_", f);
	for (const unsigned char *c = (const unsigned char *)key; *c; c++)
		fprintf(f, "%02x", *c);
}

static void put_end_id(FILE *f, const struct snapshot *s, const struct edge *e,
		       const struct edge_end *end)
{
	if (s->agg != AGG_PID)
		put_key_id(f, snapshot_end_name(end));
	else if (e->folded)
		put_name_id(f, end->comm);
	else
		put_node_id(f, end->pid, end->start_ns);
}

/* Whether an earlier folded edge already declared this name's node. */
static bool name_seen(const struct snapshot *s, size_t upto, const char *comm)
{
	for (size_t i = 0; i < upto; i++) {
		const struct edge *e = &s->edges[i];

		if (e->folded && (!strcmp(e->src.comm, comm) || !strcmp(e->dst.comm, comm)))
			return true;
	}
	return false;
}

/* Whether a verdict names this end (s->wait may be NULL: no analysis). */
static bool is_bottleneck(const struct snapshot *s, const struct edge_end *end)
{
	return s->wait && waitfor_is_bottleneck(s->wait, end);
}

/*
 * The end of a node: its label's last line and its attributes.  A
 * bottleneck says so and is filled, so the eye finds it first.
 */
static void put_node_end(FILE *f, bool bottleneck, const char *style)
{
	if (bottleneck)
		fputs("\\nbottleneck", f);
	fputc('"', f);
	if (bottleneck)
		fprintf(f, ", style=%s%s%s, fillcolor=\"#ffd0d0\", penwidth=2", style ? "\"" : "",
			style ? style : "filled", style ? ",filled\"" : "");
	else if (style)
		fprintf(f, ", style=%s", style);
	fputs("];\n", f);
}

/* Nodes for the names of folded edges: dotted, "(gone)", one per name. */
static void put_name_nodes(FILE *f, const struct snapshot *s)
{
	for (size_t i = 0; i < s->n_edges; i++) {
		const struct edge *e = &s->edges[i];
		const struct edge_end *ends[2] = { &e->src, &e->dst };

		for (int k = 0; e->folded && k < 2; k++) {
			const char *name = ends[k]->comm;

			if (name_seen(s, i, name) || (k == 1 && !strcmp(e->src.comm, name)))
				continue;
			fputc('\t', f);
			put_name_id(f, name);
			fputs(" [label=\"", f);
			dot_put_escaped(f, name);
			fputs("\\n(gone)", f);
			put_node_end(f, is_bottleneck(s, ends[k]), "dotted");
		}
	}
}

/* The end a process is on an edge: what waitfor_is_bottleneck() is asked about. */
static struct edge_end proc_end(const struct model_proc *p)
{
	struct edge_end end = {
		.pid = p->pid, .start_ns = p->start_ns, .ns_pid = p->ns_pid, .pidns = p->pidns,
		.cgroup_id = p->cgroup_id,
	};

	memcpy(end.comm, p->comm, sizeof(end.comm));
	return end;
}

static void put_node(FILE *f, const struct snapshot *s, const struct model_proc *p)
{
	struct edge_end end = proc_end(p);

	fputc('\t', f);
	put_node_id(f, p->pid, p->start_ns);
	fputs(" [label=\"", f);
	dot_put_escaped(f, p->comm);
	fprintf(f, "\\npid %" PRIu32, p->pid);
	if (p->cgroup) {
		/* its cgroup v2 path on a line of its own */
		fputs("\\n", f);
		dot_put_escaped(f, p->cgroup);
	}
	put_node_end(f, is_bottleneck(s, &end), NULL);
}

/* -a: one node per key, with how many processes it holds. */
static void put_key_nodes(FILE *f, const struct snapshot *s)
{
	for (size_t i = 0; i < s->n_nodes; i++) {
		const struct agg_node *n = &s->nodes[i];
		const char *name = agg_node_name(n);
		struct edge_end end = { .key = n->key };

		memcpy(end.comm, n->comm, sizeof(end.comm));
		fputc('\t', f);
		put_key_id(f, name);
		fputs(" [label=\"", f);
		dot_put_escaped(f, name);
		fprintf(f, "\\n%" PRIu32 " process%s", n->n_procs, n->n_procs == 1 ? "" : "es");
		put_node_end(f, is_bottleneck(s, &end), NULL);
	}
}

/*
 * Line width by bytes, on a log scale: 1 + half the bytes' decimal digits,
 * so 1 for none, 3.5 for 64000, 6 (the most) from a gigabyte on.  Digits,
 * not log10(): the steps are exact, and no libm is needed.
 */
static double edge_penwidth(uint64_t bytes)
{
	int digits = 0;

	for (; bytes && digits < 10; bytes /= 10)
		digits++;
	return 1 + digits / 2.0;
}

/* Edges of wake-ups alone (a post, an unlock, a release, no message): dashed. */
static bool wake_only(const struct edge *e)
{
	return !e->msgs && (e->wakes || e->back_wakes);
}

static void put_edge(FILE *f, const struct snapshot *s, const struct edge *e)
{
	const struct mech_ops *ops = mech_module_of(e->mech);
	const char *mech = mech_name(e->mech);

	fputc('\t', f);
	put_end_id(f, s, e, &e->src);
	fputs(" -> ", f);
	put_end_id(f, s, e, &e->dst);
	fputs(" [label=\"", f);
	dot_put_escaped(f, mech ? mech : "?");
	fputc(' ', f);
	dot_put_escaped(f, e->object);
	if (s->agg != AGG_PID && e->pairs != 1)
		fprintf(f, "\\n%" PRIu32 " pairs: %" PRIu64 " msgs, %" PRIu64 " B", e->pairs,
			e->msgs, e->bytes);
	else if (e->folded)
		fprintf(f, "\\n%" PRIu32 " edges folded: %" PRIu64 " msgs, %" PRIu64 " B", e->folded,
			e->msgs, e->bytes);
	else if (ops && ops->dot_label && (s->agg == AGG_PID || edge_ext(s, e)))
		ops->dot_label(e, edge_ext(s, e), f);
	else
		fprintf(f, "\\n%" PRIu64 " msgs, %" PRIu64 " B", e->msgs, e->bytes);
	fputc('"', f);
	if (e->bytes)
		fprintf(f, ", penwidth=%.1f", edge_penwidth(e->bytes));
	if (!e->exact || wake_only(e))
		fputs(", style=dashed", f);
	if (ops && ops->dot_attrs)
		fputs(ops->dot_attrs(e), f);
	fputs("];\n", f);
}

void render_dot(const struct snapshot *s, FILE *f)
{
	bool kernel = false;
	size_t i;

	fputs("digraph ipctrace {\n\trankdir=LR;\n\tnode [shape=box];\n", f);
	if (s->agg != AGG_PID) {
		put_key_nodes(f, s);
		for (i = 0; i < s->n_edges; i++)
			put_edge(f, s, &s->edges[i]);
		fputs("}\n", f);
		fflush(f);
		return;
	}
	for (i = 0; i < s->n_procs; i++)
		put_node(f, s, &s->procs[i]);
	/* The kernel sends signals (SI_KERNEL, timers) but is not a process. */
	for (i = 0; i < s->n_edges && !kernel; i++)
		kernel = s->edges[i].src.pid == 0 && !s->edges[i].folded;
	put_name_nodes(f, s);
	if (kernel)
		fputs("\tkernel [label=\"[kernel]\", shape=ellipse];\n", f);
	for (i = 0; i < s->n_edges; i++)
		put_edge(f, s, &s->edges[i]);
	fputs("}\n", f);
	fflush(f);
}

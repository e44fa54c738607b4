// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * Graphviz output: `ipctrace -f dot -- cmd | dot -Tsvg > ipc.svg`.
 * Processes are nodes, one arrow per edge; inferred (N:M) edges are
 * dashed; a mechanism may add to the label and the style (signals red).
 */
#include <inttypes.h>
#include <string.h>
#include "core/mech.h"
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

/* Nodes for the names of folded edges: dotted, "(gone)", one per name. */
static void put_name_nodes(FILE *f, const struct snapshot *s)
{
	for (size_t i = 0; i < s->n_edges; i++) {
		const struct edge *e = &s->edges[i];
		const char *names[2] = { e->src.comm, e->dst.comm };

		for (int k = 0; e->folded && k < 2; k++) {
			if (name_seen(s, i, names[k]) || (k == 1 && !strcmp(names[0], names[1])))
				continue;
			fputc('\t', f);
			put_name_id(f, names[k]);
			fputs(" [label=\"", f);
			dot_put_escaped(f, names[k]);
			fputs("\\n(gone)\", style=dotted];\n", f);
		}
	}
}

static void put_node(FILE *f, const struct model_proc *p)
{
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
	fputs("\"];\n", f);
}

/* -a: one node per key, with how many processes it holds. */
static void put_key_nodes(FILE *f, const struct snapshot *s)
{
	for (size_t i = 0; i < s->n_nodes; i++) {
		const char *name = agg_node_name(&s->nodes[i]);

		fputc('\t', f);
		put_key_id(f, name);
		fputs(" [label=\"", f);
		dot_put_escaped(f, name);
		fprintf(f, "\\n%" PRIu32 " process%s\"];\n", s->nodes[i].n_procs,
			s->nodes[i].n_procs == 1 ? "" : "es");
	}
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
	if (!e->exact)
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
		put_node(f, &s->procs[i]);
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

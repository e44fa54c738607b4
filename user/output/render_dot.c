// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * Graphviz output: `ipctrace -f dot -- cmd | dot -Tsvg > ipc.svg`.
 * Processes are nodes, one arrow per edge; inferred (N:M) edges are
 * dashed; a mechanism may add to the label and the style (signals red).
 */
#include <inttypes.h>
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

static void put_node(FILE *f, const struct model_proc *p)
{
	fputc('\t', f);
	put_node_id(f, p->pid, p->start_ns);
	fputs(" [label=\"", f);
	dot_put_escaped(f, p->comm);
	fprintf(f, "\\npid %" PRIu32 "\"];\n", p->pid);
}

static void put_edge(FILE *f, const struct snapshot *s, const struct edge *e)
{
	const struct mech_ops *ops = mech_module_of(e->mech);
	const char *mech = mech_name(e->mech);

	fputc('\t', f);
	put_node_id(f, e->src.pid, e->src.start_ns);
	fputs(" -> ", f);
	put_node_id(f, e->dst.pid, e->dst.start_ns);
	fputs(" [label=\"", f);
	dot_put_escaped(f, mech ? mech : "?");
	fputc(' ', f);
	dot_put_escaped(f, e->object);
	if (ops && ops->dot_label)
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
	for (i = 0; i < s->n_procs; i++)
		put_node(f, &s->procs[i]);
	/* The kernel sends signals (SI_KERNEL, timers) but is not a process. */
	for (i = 0; i < s->n_edges && !kernel; i++)
		kernel = s->edges[i].src.pid == 0;
	if (kernel)
		fputs("\tkernel [label=\"[kernel]\", shape=ellipse];\n", f);
	for (i = 0; i < s->n_edges; i++)
		put_edge(f, s, &s->edges[i]);
	fputs("}\n", f);
	fflush(f);
}

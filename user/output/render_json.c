// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* NDJSON reports: the machine-readable contract of DESIGN.md §5. */
#include <inttypes.h>
#include <time.h>
#include <sys/wait.h>
#include "output/signames.h"
#include "core/mech.h"
#include "output/jsonesc.h"
#include "output/render.h"

/*
 * elapsed_s with exactly three decimals, by hand: printf's "%.3f" follows
 * LC_NUMERIC, and a locale with a decimal comma would break the JSON.
 */
static void put_seconds(FILE *f, double sec)
{
	uint64_t ms = sec > 0 ? (uint64_t)(sec * 1000.0 + 0.5) : 0;

	fprintf(f, "%" PRIu64 ".%03u", ms / 1000, (unsigned int)(ms % 1000));
}

static void put_timestamp(FILE *f, int64_t wall_sec)
{
	time_t t = (time_t)wall_sec;
	char buf[32];
	struct tm tm;

	if (!gmtime_r(&t, &tm) || !strftime(buf, sizeof(buf), "%Y-%m-%dT%H:%M:%SZ", &tm))
		buf[0] = '\0';
	json_put_string(f, buf);
}

static void put_report(const struct snapshot *s, FILE *f)
{
	fprintf(f, "{\"type\":\"report\",\"seq\":%" PRIu64 ",\"final\":%s,\"full\":%s,\"ts\":",
		s->seq, s->final ? "true" : "false", s->full ? "true" : "false");
	put_timestamp(f, s->wall_sec);
	fputs(",\"elapsed_s\":", f);
	put_seconds(f, s->elapsed_s);
	fprintf(f, ",\"lost\":{\"events\":%" PRIu64 ",\"map_full\":%" PRIu64, s->lost.events,
		s->lost.map_full);
	/* by map and cause, only when something was lost */
	for (int i = 0; i < s->lost.n_causes; i++)
		fprintf(f, "%s\"%s\":%" PRIu64 "%s", i ? "," : ",\"causes\":{", s->lost.cause[i].name,
			s->lost.cause[i].n, i == s->lost.n_causes - 1 ? "}" : "");
	fprintf(f, "},\"edges\":%zu}\n", s->n_edges);
}

/*
 * A folded edge's ends are process names: no pid.  An aggregated one's
 * (-a) are its key: {"comm":...}, {"exe":...} or {"cgroup":...}.
 */
static void put_end(FILE *f, const struct snapshot *s, const char *name,
		    const struct edge_end *end, bool folded)
{
	if (s->agg != AGG_PID) {
		fprintf(f, ",\"%s\":{\"%s\":", name, agg_key_name(s->agg));
		json_put_string(f, snapshot_end_name(end));
		fputc('}', f);
		return;
	}
	if (folded)
		fprintf(f, ",\"%s\":{\"comm\":", name);
	else if (end->ns_pid && end->ns_pid != end->pid)
		fprintf(f, ",\"%s\":{\"pid\":%" PRIu32 ",\"ns_pid\":%" PRIu32 ",\"comm\":", name,
			end->pid, end->ns_pid);
	else
		fprintf(f, ",\"%s\":{\"pid\":%" PRIu32 ",\"comm\":", name, end->pid);
	json_put_string(f, end->comm);
	fputc('}', f);
}

static void put_edge(const struct snapshot *s, const struct edge *e, FILE *f)
{
	const struct mech_ops *ops = mech_module_of(e->mech);
	const char *mech = mech_name(e->mech);

	fprintf(f, "{\"type\":\"edge\",\"seq\":%" PRIu64 ",\"final\":%s,\"mech\":",
		s->seq, s->final ? "true" : "false");
	json_put_string(f, mech ? mech : "unknown");
	fputs(",\"object\":", f);
	json_put_string(f, e->object);
	fprintf(f, ",\"exact\":%s", e->exact ? "true" : "false");
	if (e->folded)
		fprintf(f, ",\"folded\":%" PRIu32, e->folded);
	if (s->agg != AGG_PID)
		fprintf(f, ",\"pairs\":%" PRIu32, e->pairs);
	put_end(f, s, "src", &e->src, e->folded);
	put_end(f, s, "dst", &e->dst, e->folded);
	fprintf(f, ",\"msgs\":%" PRIu64 ",\"bytes\":%" PRIu64
		",\"interval\":{\"msgs\":%" PRIu64 ",\"bytes\":%" PRIu64 "}"
		",\"blocked_ns\":{\"src\":%" PRIu64 ",\"dst\":%" PRIu64 "}",
		e->msgs, e->bytes, e->d_msgs, e->d_bytes, e->blocked_src_ns, e->blocked_dst_ns);
	/* what the mechanism adds (core/mech.h); an aggregate of several has none */
	if (ops && ops->json && !e->folded && (s->agg == AGG_PID || edge_ext(s, e)))
		ops->json(e, edge_ext(s, e), f);
	fputs("}\n", f);
}

/*
 * A process: start_ns tells two processes of one pid apart; ns_pid is its
 * pid in its own pid namespace (a container's), when that differs; cgroup
 * its cgroup v2 path, when known; an exit is decoded: exit_code, or the signal that killed it.
 */
static void put_process(const struct snapshot *s, const struct model_proc *p, FILE *f)
{
	char buf[32];

	fprintf(f, "{\"type\":\"process\",\"seq\":%" PRIu64 ",\"pid\":%" PRIu32, s->seq, p->pid);
	if (p->ns_pid && p->ns_pid != p->pid)
		fprintf(f, ",\"ns_pid\":%" PRIu32 ",\"pidns\":%" PRIu64, p->ns_pid, p->pidns);
	fprintf(f, ",\"start_ns\":%" PRIu64 ",\"ppid\":%" PRIu32 ",\"comm\":", p->start_ns, p->ppid);
	json_put_string(f, p->comm);
	if (p->cgroup) {
		fputs(",\"cgroup\":", f);
		json_put_string(f, p->cgroup);
	}
	fprintf(f, ",\"exited\":%s", p->exited ? "true" : "false");
	if (p->exited && WIFSIGNALED(p->exit_status)) {
		fputs(",\"signal\":", f);
		json_put_string(f, sig_name(WTERMSIG(p->exit_status), buf, sizeof(buf)));
		if (WCOREDUMP(p->exit_status))
			fputs(",\"core_dumped\":true", f);
	} else if (p->exited) {
		fprintf(f, ",\"exit_code\":%d", WEXITSTATUS(p->exit_status));
	}
	fputs("}\n", f);
}

/* An aggregated report's node (-a): its key, and how many processes had it. */
static void put_node(const struct snapshot *s, const struct agg_node *n, FILE *f)
{
	fprintf(f, "{\"type\":\"process\",\"seq\":%" PRIu64 ",\"key\":", s->seq);
	json_put_string(f, agg_key_name(s->agg));
	fprintf(f, ",\"%s\":", agg_key_name(s->agg));
	json_put_string(f, agg_node_name(n));
	fprintf(f, ",\"processes\":%" PRIu32 "}\n", n->n_procs);
}

void render_json(const struct snapshot *s, FILE *f)
{
	size_t i;

	put_report(s, f);
	for (i = 0; i < s->n_edges; i++)
		put_edge(s, &s->edges[i], f);
	if (s->agg != AGG_PID) {
		for (i = 0; i < s->n_nodes; i++)
			put_node(s, &s->nodes[i], f);
	} else {
		for (i = 0; i < s->n_procs; i++)
			put_process(s, &s->procs[i], f);
	}
	/* A consumer reading a pipe sees each report as soon as it is complete. */
	fflush(f);
}

// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* NDJSON reports: the machine-readable contract of DESIGN.md §5. */
#include <inttypes.h>
#include <time.h>
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
	fprintf(f, "{\"type\":\"report\",\"seq\":%" PRIu64 ",\"final\":%s,\"ts\":",
		s->seq, s->final ? "true" : "false");
	put_timestamp(f, s->wall_sec);
	fputs(",\"elapsed_s\":", f);
	put_seconds(f, s->elapsed_s);
	fprintf(f, ",\"lost\":{\"events\":%" PRIu64 ",\"map_full\":%" PRIu64 "},\"edges\":%zu}\n",
		s->lost.events, s->lost.map_full, s->n_edges);
}

static void put_end(FILE *f, const char *name, const struct edge_end *end)
{
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
	put_end(f, "src", &e->src);
	put_end(f, "dst", &e->dst);
	fprintf(f, ",\"msgs\":%" PRIu64 ",\"bytes\":%" PRIu64
		",\"interval\":{\"msgs\":%" PRIu64 ",\"bytes\":%" PRIu64 "}"
		",\"blocked_ns\":{\"src\":%" PRIu64 ",\"dst\":%" PRIu64 "}",
		e->msgs, e->bytes, e->d_msgs, e->d_bytes, e->blocked_src_ns, e->blocked_dst_ns);
	/* what the mechanism adds (core/mech.h) */
	if (ops && ops->json)
		ops->json(e, edge_ext(s, e), f);
	fputs("}\n", f);
}

static void put_process(const struct snapshot *s, const struct model_proc *p, FILE *f)
{
	fprintf(f, "{\"type\":\"process\",\"seq\":%" PRIu64 ",\"pid\":%" PRIu32
		",\"ppid\":%" PRIu32 ",\"comm\":", s->seq, p->pid, p->ppid);
	json_put_string(f, p->comm);
	fprintf(f, ",\"exited\":%s", p->exited ? "true" : "false");
	if (p->exited)
		fprintf(f, ",\"exit_status\":%d", p->exit_status);
	fputs("}\n", f);
}

void render_json(const struct snapshot *s, FILE *f)
{
	size_t i;

	put_report(s, f);
	for (i = 0; i < s->n_edges; i++)
		put_edge(s, &s->edges[i], f);
	for (i = 0; i < s->n_procs; i++)
		put_process(s, &s->procs[i], f);
	/* A consumer reading a pipe sees each report as soon as it is complete. */
	fflush(f);
}

// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* NDJSON reports: the machine-readable contract of DESIGN.md §5. */
#include <inttypes.h>
#include <time.h>
#include "jsonesc.h"
#include "render.h"
#include "render_mq.h"
#include "signames.h"

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

static void put_signal(FILE *f, const struct edge *e)
{
	char buf[32];

	fputs(",\"signal\":", f);
	json_put_string(f, e->object);
	fputs(",\"code\":", f);
	json_put_string(f, si_code_name(e->sig, e->code, buf, sizeof(buf)));
	fprintf(f, ",\"results\":{\"queued\":%" PRIu64 ",\"ignored\":%" PRIu64
		",\"already_pending\":%" PRIu64 ",\"overflow\":%" PRIu64 ",\"lose_info\":%" PRIu64 "}",
		e->sig_result[0], e->sig_result[1], e->sig_result[2], e->sig_result[3],
		e->sig_result[4]);
	/* Present only when the deliveries are this edge's alone (see model.c). */
	if (e->has_delivery)
		fprintf(f, ",\"delivered\":%" PRIu64 ",\"latency_ns\":{\"count\":%" PRIu64
			",\"sum\":%" PRIu64 ",\"max\":%" PRIu64 "}",
			e->delivered, e->lat_count, e->lat_sum_ns, e->lat_max_ns);
}

/* Attached together, not messages: the segment's size and the time shared. */
static void put_shm(FILE *f, const struct edge *e)
{
	fprintf(f, ",\"size\":%" PRIu64 ",\"together_ns\":%" PRIu64, e->shm_size,
		e->shm_together_ns);
	if (e->shm_key >= 0)
		fprintf(f, ",\"key\":\"0x%08" PRIx64 "\"", (uint64_t)e->shm_key);
}

static void put_edge(const struct snapshot *s, const struct edge *e, FILE *f)
{
	const char *mech = model_mech_name(e->mech);

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
	/* unix sockets, when the receiver is the only one (see model.c) */
	if (e->has_scm)
		fprintf(f, ",\"fds_passed\":%" PRIu64 ",\"creds\":%" PRIu64, e->fds_passed, e->creds);
	if (e->mech == M_SIGNAL)
		put_signal(f, e);
	if (e->mech == M_MQ || e->mech == M_MSG)
		render_json_mq(s, e, f);
	if (e->mech == M_SHM)
		put_shm(f, e);
	if (e->mech == M_SEM)
		fprintf(f, ",\"posts\":%" PRIu64 ",\"waits\":%" PRIu64 ",\"wakes\":%" PRIu64
			",\"wake_blocked_ns\":%" PRIu64, e->sem_posts, e->sem_waits, e->sem_wakes,
			e->sem_wake_blocked_ns);
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

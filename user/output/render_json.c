// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* NDJSON reports: the machine-readable contract of DESIGN.md §5. */
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <sys/wait.h>
#include "output/signames.h"
#include "core/mech.h"
#include "core/waitfor.h"
#include "output/jsonesc.h"
#include "output/render.h"

/*
 * A number with exactly three decimals, by hand: printf's "%.3f" follows
 * LC_NUMERIC, and a locale with a decimal comma would break the JSON.
 */
static void put_milli(FILE *f, double v)
{
	uint64_t m = v > 0 ? (uint64_t)(v * 1000.0 + 0.5) : 0;

	fprintf(f, "%" PRIu64 ".%03u", m / 1000, (unsigned int)(m % 1000));
}

static void put_seconds(FILE *f, double sec)
{
	put_milli(f, sec);
}

/* A share of the report's span (ipc_wait, verdicts): 0.917; may exceed 1. */
static void put_share(FILE *f, double share)
{
	put_milli(f, share);
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
 * The members that name an end, without braces.  A folded edge's ends are
 * process names: no pid.  An aggregated one's (-a) are its key:
 * "comm":..., "exe":... or "cgroup":....
 */
static void put_end_members(FILE *f, const struct snapshot *s, const struct edge_end *end,
			    bool folded)
{
	if (s->agg != AGG_PID) {
		fprintf(f, "\"%s\":", agg_key_name(s->agg));
		json_put_string(f, snapshot_end_name(end));
		return;
	}
	if (!folded && end->ns_pid && end->ns_pid != end->pid)
		fprintf(f, "\"pid\":%" PRIu32 ",\"ns_pid\":%" PRIu32 ",", end->pid, end->ns_pid);
	else if (!folded)
		fprintf(f, "\"pid\":%" PRIu32 ",", end->pid);
	fputs("\"comm\":", f);
	json_put_string(f, end->comm);
}

static void put_end(FILE *f, const struct snapshot *s, const char *name,
		    const struct edge_end *end, bool folded)
{
	fprintf(f, ",\"%s\":{", name);
	put_end_members(f, s, end, folded);
	fputc('}', f);
}

/*
 * The common wake-up counters (struct edge), when the edge has any; on the
 * edges of release mechanisms (semaphores, futexes, signals) "wakes" is
 * always there, 0 included.
 */
static void put_wakes(const struct edge *e, FILE *f)
{
	const struct mech_kind *kind = mech_kind_of(e->mech);

	if (e->wakes || (kind && kind->wakes_sync))
		fprintf(f, ",\"wakes\":%" PRIu64 ",\"wake_blocked_ns\":%" PRIu64, e->wakes,
			e->wake_blocked_ns);
	if (e->back_wakes)
		fprintf(f, ",\"back_wakes\":%" PRIu64 ",\"back_wake_blocked_ns\":%" PRIu64,
			e->back_wakes, e->back_wake_blocked_ns);
}

/* One end's non-empty buckets: [lo,hi,count], lo = 2^i (0 for slot 0), hi = 2^(i+1)-1. */
static void put_hist_buckets(FILE *f, const uint64_t *h)
{
	bool first = true;

	fputc('[', f);
	for (int i = 0; h && i < MODEL_HIST_SLOTS; i++) {
		if (!h[i])
			continue;
		fprintf(f, "%s[%" PRIu64 ",%" PRIu64 ",%" PRIu64 "]", first ? "" : ",",
			i ? (uint64_t)1 << i : 0, ((uint64_t)2 << i) - 1, h[i]);
		first = false;
	}
	fputc(']', f);
}

/* --hist: "hist":{"unit":"ns","src":[...],"dst":[...]}, only on an edge that has one. */
static void put_hist(const struct snapshot *s, const struct edge *e, FILE *f)
{
	const uint64_t *hs = edge_hist(s, e, 0), *hd = edge_hist(s, e, 1);

	if (!hs && !hd)
		return;
	fputs(",\"hist\":{\"unit\":\"ns\",\"src\":", f);
	put_hist_buckets(f, hs);
	fputs(",\"dst\":", f);
	put_hist_buckets(f, hd);
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
		",\"interval\":{\"msgs\":%" PRIu64 ",\"bytes\":%" PRIu64,
		e->msgs, e->bytes, e->d_msgs, e->d_bytes);
	if (e->wakes)
		fprintf(f, ",\"wakes\":%" PRIu64, e->d_wakes);
	if (e->back_wakes)
		fprintf(f, ",\"back_wakes\":%" PRIu64, e->d_back_wakes);
	fprintf(f, "},\"blocked_ns\":{\"src\":%" PRIu64 ",\"dst\":%" PRIu64 "}",
		e->blocked_src_ns, e->blocked_dst_ns);
	put_wakes(e, f);
	put_hist(s, e, f);
	/* what the mechanism adds (core/mech.h); an aggregate of several has none */
	if (ops && ops->json && !e->folded && (s->agg == AGG_PID || edge_ext(s, e)))
		ops->json(e, edge_ext(s, e), f);
	fputs("}\n", f);
}

/* ---- who waits on whom (core/waitfor.h) ---- */

/*
 * The analysis's processes in the order of the records they go into: by
 * (pid, start_ns), or by key in an aggregated report.  Retention
 * aggregates' names (pid 0) have no record.
 */
struct wait_index {
	const struct proc_wait **v;
	size_t n;
	bool by_name;
};

static int wait_pid_cmp(const void *pa, const void *pb)
{
	const struct edge_end *a = &(*(const struct proc_wait *const *)pa)->who;
	const struct edge_end *b = &(*(const struct proc_wait *const *)pb)->who;

	if (a->pid != b->pid)
		return a->pid < b->pid ? -1 : 1;
	return a->start_ns < b->start_ns ? -1 : a->start_ns > b->start_ns;
}

static int wait_name_cmp(const void *pa, const void *pb)
{
	const struct edge_end *a = &(*(const struct proc_wait *const *)pa)->who;
	const struct edge_end *b = &(*(const struct proc_wait *const *)pb)->who;

	return strcmp(snapshot_end_name(a), snapshot_end_name(b));
}

/* 0, or -1 when out of memory (then lookups go through w itself). */
static int wait_index_init(struct wait_index *x, const struct snapshot *s)
{
	const struct waitfor *w = s->wait;

	x->by_name = s->agg != AGG_PID;
	x->n = 0;
	if (!w || !w->n_procs || !(x->v = malloc(w->n_procs * sizeof(*x->v)))) {
		x->v = NULL;
		return w && w->n_procs ? -1 : 0;
	}
	for (size_t i = 0; i < w->n_procs; i++)
		x->v[x->n++] = &w->procs[i];
	qsort(x->v, x->n, sizeof(*x->v), x->by_name ? wait_name_cmp : wait_pid_cmp);
	return 0;
}

/* The ipc_wait of the process (pid, start_ns), or of the key name; NULL: it did not wait. */
static const struct proc_wait *wait_find(const struct wait_index *x, const struct waitfor *w,
					 uint32_t pid, uint64_t start_ns, const char *name)
{
	int (*cmp)(const void *, const void *) = x->by_name ? wait_name_cmp : wait_pid_cmp;
	struct proc_wait key = { .who = { .pid = pid, .start_ns = start_ns, .key = name } };
	const struct proc_wait *kp = &key, *const *hit;

	if (!x->by_name && !pid)
		return NULL;
	if (x->v) {
		hit = bsearch(&kp, x->v, x->n, sizeof(*x->v), cmp);
		return hit ? *hit : NULL;
	}
	for (size_t i = 0; w && i < w->n_procs; i++) {
		const struct proc_wait *p = &w->procs[i];

		if (!cmp(&kp, &p))
			return p;
	}
	return NULL;
}

/* ,"mech":...,"object":... of the edge a wait went through. */
static void put_via(const struct wait_on *o, FILE *f)
{
	const char *mech = mech_name(o->edge->mech);

	fputs(",\"mech\":", f);
	json_put_string(f, mech ? mech : "unknown");
	fputs(",\"object\":", f);
	json_put_string(f, o->edge->object);
}

/* ,"ipc_wait":{"ns":N,"share":0.917,"on":[{whom, mech, object, ns, kind, exact}...]} */
static void put_ipc_wait(const struct snapshot *s, const struct proc_wait *p, FILE *f)
{
	fprintf(f, ",\"ipc_wait\":{\"ns\":%" PRIu64 ",\"share\":", p->ns);
	put_share(f, p->share);
	fputs(",\"on\":[", f);
	for (size_t i = 0; i < p->n_on; i++) {
		const struct wait_on *o = &p->on[i];

		fputs(i ? ",{" : "{", f);
		put_end_members(f, s, &o->peer, o->edge->folded);
		put_via(o, f);
		fprintf(f, ",\"ns\":%" PRIu64 ",\"kind\":", o->ns);
		json_put_string(f, wait_kind_name(o->kind));
		fprintf(f, ",\"exact\":%s}", o->exact ? "true" : "false");
	}
	fputs("]}", f);
}

/*
 * A verdict: who the group waits on, how much (waited_on_ns, over the
 * span), its own ipc_wait share, the group's size, and its worst wait:
 * the waiter, how it waited, through what, how long.
 */
static void put_bottleneck(const struct snapshot *s, const struct bottleneck *b, FILE *f)
{
	bool folded = b->worst.edge->folded;

	fprintf(f, "{\"type\":\"bottleneck\",\"seq\":%" PRIu64 ",\"final\":%s,", s->seq,
		s->final ? "true" : "false");
	put_end_members(f, s, &b->who, folded);
	fprintf(f, ",\"waited_on_ns\":%" PRIu64 ",\"share\":", b->waited_on_ns);
	put_share(f, b->own_share);
	fprintf(f, ",\"group\":%zu,\"waiter\":{", b->group);
	put_end_members(f, s, &b->worst.peer, folded);
	fputs("},\"kind\":", f);
	json_put_string(f, wait_kind_name(b->worst.kind));
	put_via(&b->worst, f);
	fprintf(f, ",\"waiter_ns\":%" PRIu64 ",\"waiter_share\":", b->worst.ns);
	put_share(f, b->worst_share);
	fprintf(f, ",\"exact\":%s}\n", b->worst.exact ? "true" : "false");
}

/*
 * A process: start_ns tells two processes of one pid apart; ns_pid is its
 * pid in its own pid namespace (a container's), when that differs; cgroup
 * its cgroup v2 path, when known; an exit is decoded: exit_code, or the signal that killed it.
 */
static void put_process(const struct snapshot *s, const struct model_proc *p,
			const struct proc_wait *wait, FILE *f)
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
	if (wait)
		put_ipc_wait(s, wait, f);
	fputs("}\n", f);
}

/* An aggregated report's node (-a): its key, and how many processes had it. */
static void put_node(const struct snapshot *s, const struct agg_node *n,
		     const struct proc_wait *wait, FILE *f)
{
	fprintf(f, "{\"type\":\"process\",\"seq\":%" PRIu64 ",\"key\":", s->seq);
	json_put_string(f, agg_key_name(s->agg));
	fprintf(f, ",\"%s\":", agg_key_name(s->agg));
	json_put_string(f, agg_node_name(n));
	fprintf(f, ",\"processes\":%" PRIu32, n->n_procs);
	if (wait)
		put_ipc_wait(s, wait, f);
	fputs("}\n", f);
}

void render_json(const struct snapshot *s, FILE *f)
{
	const struct waitfor *w = s->wait;
	struct wait_index wx;
	size_t i;

	wait_index_init(&wx, s);
	put_report(s, f);
	for (i = 0; i < s->n_edges; i++)
		put_edge(s, &s->edges[i], f);
	if (s->agg != AGG_PID) {
		for (i = 0; i < s->n_nodes; i++)
			put_node(s, &s->nodes[i],
				 wait_find(&wx, w, 0, 0, agg_node_name(&s->nodes[i])), f);
	} else {
		for (i = 0; i < s->n_procs; i++)
			put_process(s, &s->procs[i],
				    wait_find(&wx, w, s->procs[i].pid, s->procs[i].start_ns, NULL),
				    f);
	}
	for (i = 0; w && i < w->n_verdicts; i++)
		put_bottleneck(s, &w->verdicts[i], f);
	free(wx.v);
	/* A consumer reading a pipe sees each report as soon as it is complete. */
	fflush(f);
}

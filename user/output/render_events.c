// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * --events: one line per operation (DESIGN.md §5, docs/events.md).
 *
 *   0.000412 producer[101] write pipe:[8425] 4096 -> 4096  buf 16/16 was-full  woke consumer[102]
 *
 * or, with -f json, one "event" record with the same facts and the state
 * as numbers.  Names are the kernel's bytes: cleaned for a terminal,
 * escaped for JSON.
 */
#include <inttypes.h>
#include <stdio.h>
#include <string.h>
#include "output/fmt.h"
#include "output/jsonesc.h"
#include "output/render_events.h"

static void put_task(FILE *f, const struct ev_task *t)
{
	text_put_clean(f, t->comm, 0);
	if (t->tid && t->tid != t->pid)
		fprintf(f, "[%" PRIu32 ":%" PRIu32 "]", t->pid, t->tid);
	else
		fprintf(f, "[%" PRIu32 "]", t->pid);
}

static void put_json_task(FILE *f, const struct ev_task *t)
{
	fprintf(f, "{\"pid\":%" PRIu32 ",\"comm\":", t->pid);
	json_put_string(f, t->comm);
	fputc('}', f);
}

/* -errno as its name ("EAGAIN"), or the number when glibc has none. */
static void put_ret(FILE *f, int64_t ret)
{
	const char *name = ret < 0 && ret > -4096 ? strerrorname_np((int)-ret) : NULL;

	if (name)
		fputs(name, f);
	else
		fprintf(f, "%" PRId64, ret);
}

static void render_text(const struct ev_view *v, double t_s, FILE *f)
{
	char buf[16];
	int named = v->n_woke < EV_WOKE_MAX ? v->n_woke : EV_WOKE_MAX;

	fprintf(f, "%.6f ", t_s);
	put_task(f, &v->task);
	fprintf(f, " %s ", v->op);
	text_put_clean(f, v->object, 0);
	if (!v->no_bytes)
		fprintf(f, " %" PRIu64, v->bytes);
	fputs(" -> ", f);
	put_ret(f, v->ret);
	if (v->state[0]) {
		fputs("  ", f);
		text_put_clean(f, v->state, 0);
	}
	if (v->has_peer) {
		fputs("  to ", f);
		put_task(f, &v->peer);
	}
	if (v->slept)
		fprintf(f, "  blocked %s", fmt_ns(v->blocked_ns, buf, sizeof(buf)));
	for (int i = 0; i < named; i++) {
		fputs(i ? ", " : "  woke ", f);
		put_task(f, &v->woke[i]);
	}
	if (v->n_woke > named)
		fprintf(f, " +%d more", v->n_woke - named);
	fputc('\n', f);
}

static void render_json(const struct ev_view *v, double t_s, FILE *f)
{
	int named = v->n_woke < EV_WOKE_MAX ? v->n_woke : EV_WOKE_MAX;

	fprintf(f, "{\"type\":\"event\",\"ts_ns\":%" PRIu64 ",\"t\":%.6f,\"pid\":%" PRIu32
		",\"tid\":%" PRIu32 ",\"comm\":", v->ts_ns, t_s, v->task.pid,
		v->task.tid ? v->task.tid : v->task.pid);
	json_put_string(f, v->task.comm);
	fprintf(f, ",\"mech\":\"%s\",\"op\":\"%s\",\"object\":", v->mech, v->op);
	json_put_string(f, v->object);
	fprintf(f, ",\"bytes\":%" PRIu64 ",\"ret\":%" PRId64, v->bytes, v->ret);
	if (v->ret < 0 && v->ret > -4096 && strerrorname_np((int)-v->ret))
		fprintf(f, ",\"errno\":\"%s\"", strerrorname_np((int)-v->ret));
	fprintf(f, ",\"blocked_ns\":%" PRIu64, v->slept ? v->blocked_ns : 0);
	if (v->has_peer) {
		fputs(",\"peer\":", f);
		put_json_task(f, &v->peer);
	}
	fputs(",\"woke\":[", f);
	for (int i = 0; i < named; i++) {
		if (i)
			fputc(',', f);
		put_json_task(f, &v->woke[i]);
	}
	fprintf(f, "],\"n_woke\":%d,\"state\":{", v->n_woke);
	for (int i = 0; i < v->n_fields; i++) {
		const struct ev_field *fl = &v->f[i];

		fprintf(f, "%s\"%s\":", i ? "," : "", fl->key);
		if (fl->kind == EVF_STR)
			json_put_string(f, fl->s);
		else if (fl->kind == EVF_BOOL)
			fputs(fl->v ? "true" : "false", f);
		else
			fprintf(f, "%" PRId64, fl->v);
	}
	fputs("}}\n", f);
}

void render_event(const struct ev_view *v, double t_s, bool json, FILE *f)
{
	if (json)
		render_json(v, t_s, f);
	else
		render_text(v, t_s, f);
}

void render_events_lost(uint64_t total, const char *const *mech, const uint64_t *n, int count,
			double t_s, bool json, FILE *f)
{
	if (json) {
		fprintf(f, "{\"type\":\"lost\",\"t\":%.6f,\"events\":%" PRIu64 ",\"by_mech\":{", t_s,
			total);
		for (int i = 0; i < count; i++)
			fprintf(f, "%s\"%s\":%" PRIu64, i ? "," : "", mech[i], n[i]);
		fputs("}}\n", f);
		return;
	}
	fprintf(f, "%.6f -- %" PRIu64 " event%s lost so far (", t_s, total, total == 1 ? "" : "s");
	for (int i = 0; i < count; i++)
		fprintf(f, "%s%s %" PRIu64, i ? ", " : "", mech[i], n[i]);
	fputs("): the ring was full; a larger --ring-mb keeps them\n", f);
}

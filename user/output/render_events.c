// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * --events: one line per operation (README, "Events"; docs/events.md).
 *
 *   0.000412 producer[101] write pipe:[8425] 4096 -> 4096  buf 16/16 65536B (was full)  woke consumer[102]
 *
 * or, with -f json, one "event" record with the same facts and the state
 * as numbers.  Names are the kernel's bytes: cleaned for a terminal,
 * escaped for JSON.
 *
 * A busy stream writes a few hundred thousand records a second: each is
 * built in a buffer, numbers by hand, and written with one fwrite (stdio's
 * per-call locking and printf's parsing were most of the cost).
 */
#include <inttypes.h>
#include <stdio.h>
#include <string.h>
#include "output/fmt.h"
#include "output/jsonesc.h"
#include "output/render_events.h"

struct lb {
	FILE *f;
	size_t n;
	char buf[2048];
};

static void lb_flush(struct lb *b)
{
	if (b->n)
		fwrite(b->buf, 1, b->n, b->f);
	b->n = 0;
}

static void lb_mem(struct lb *b, const char *s, size_t n)
{
	if (b->n + n > sizeof(b->buf)) {
		lb_flush(b);
		if (n > sizeof(b->buf)) {
			fwrite(s, 1, n, b->f);
			return;
		}
	}
	memcpy(b->buf + b->n, s, n);
	b->n += n;
}

static void lb_str(struct lb *b, const char *s)
{
	lb_mem(b, s, strlen(s));
}

static void lb_c(struct lb *b, char c)
{
	lb_mem(b, &c, 1);
}

static void lb_u64(struct lb *b, uint64_t v)
{
	char d[20];
	int i = sizeof(d);

	do {
		d[--i] = '0' + v % 10;
		v /= 10;
	} while (v);
	lb_mem(b, d + i, sizeof(d) - i);
}

static void lb_i64(struct lb *b, int64_t v)
{
	if (v < 0) {
		lb_c(b, '-');
		lb_u64(b, -(uint64_t)v);
	} else {
		lb_u64(b, v);
	}
}

/* ns as seconds with 6 decimals ("12.000412") */
static void lb_secs(struct lb *b, uint64_t ns)
{
	uint64_t us = ns / 1000 % 1000000;
	char frac[7];

	lb_u64(b, ns / 1000000000ull);
	frac[0] = '.';
	for (int i = 6; i >= 1; i--, us /= 10)
		frac[i] = '0' + us % 10;
	lb_mem(b, frac, sizeof(frac));
}

/* Printable ASCII throughout (and, for JSON, no quote or backslash): written as it is. */
static bool plain(const char *s, bool json)
{
	for (const unsigned char *p = (const unsigned char *)s; *p; p++)
		if (*p < 0x20 || *p >= 0x7f || (json && (*p == '"' || *p == '\\')))
			return false;
	return true;
}

static void lb_json(struct lb *b, const char *s)
{
	if (plain(s, true)) {
		lb_c(b, '"');
		lb_str(b, s);
		lb_c(b, '"');
		return;
	}
	lb_flush(b);
	json_put_string(b->f, s);
}

static void lb_clean(struct lb *b, const char *s)
{
	if (plain(s, false)) {
		lb_str(b, s);
		return;
	}
	lb_flush(b);
	text_put_clean(b->f, s, 0);
}

static void put_task(struct lb *b, const struct ev_task *t)
{
	lb_clean(b, t->comm);
	lb_c(b, '[');
	lb_u64(b, t->pid);
	if (t->tid && t->tid != t->pid) {
		lb_c(b, ':');
		lb_u64(b, t->tid);
	}
	lb_c(b, ']');
}

static void put_json_task(struct lb *b, const struct ev_task *t)
{
	lb_str(b, "{\"pid\":");
	lb_u64(b, t->pid);
	lb_str(b, ",\"comm\":");
	lb_json(b, t->comm);
	lb_c(b, '}');
}

/* -errno's name ("EAGAIN"), NULL when ret is not one glibc names. */
static const char *errno_name(int64_t ret)
{
	return ret < 0 && ret > -4096 ? strerrorname_np((int)-ret) : NULL;
}

static void render_text(const struct ev_view *v, uint64_t t_ns, struct lb *b)
{
	const char *err = errno_name(v->ret);
	int named = v->n_woke < EV_WOKE_MAX ? v->n_woke : EV_WOKE_MAX;
	char dur[16];

	lb_secs(b, t_ns);
	lb_c(b, ' ');
	put_task(b, &v->task);
	lb_c(b, ' ');
	lb_str(b, v->op);
	lb_c(b, ' ');
	lb_clean(b, v->object);
	if (!v->no_bytes) {
		lb_c(b, ' ');
		lb_u64(b, v->bytes);
	}
	lb_str(b, " -> ");
	if (err)
		lb_str(b, err);
	else
		lb_i64(b, v->ret);
	if (v->state[0]) {
		lb_str(b, "  ");
		lb_clean(b, v->state);
	}
	if (v->has_peer) {
		lb_str(b, "  to ");
		put_task(b, &v->peer);
	}
	if (v->slept) {
		lb_str(b, "  blocked ");
		lb_str(b, fmt_ns(v->blocked_ns, dur, sizeof(dur)));
	}
	for (int i = 0; i < named; i++) {
		lb_str(b, i ? ", " : "  woke ");
		put_task(b, &v->woke[i]);
	}
	if (v->n_woke > named) {
		lb_str(b, " +");
		lb_u64(b, v->n_woke - named);
		lb_str(b, " more");
	}
	lb_c(b, '\n');
}

static void render_json(const struct ev_view *v, uint64_t t_ns, struct lb *b)
{
	const char *err = errno_name(v->ret);
	int named = v->n_woke < EV_WOKE_MAX ? v->n_woke : EV_WOKE_MAX;

	lb_str(b, "{\"type\":\"event\",\"ts_ns\":");
	lb_u64(b, v->ts_ns);
	lb_str(b, ",\"t\":");
	lb_secs(b, t_ns);
	lb_str(b, ",\"pid\":");
	lb_u64(b, v->task.pid);
	lb_str(b, ",\"tid\":");
	lb_u64(b, v->task.tid ? v->task.tid : v->task.pid);
	lb_str(b, ",\"comm\":");
	lb_json(b, v->task.comm);
	lb_str(b, ",\"mech\":");
	lb_json(b, v->mech);
	lb_str(b, ",\"op\":");
	lb_json(b, v->op);
	lb_str(b, ",\"object\":");
	lb_json(b, v->object);
	lb_str(b, ",\"bytes\":");
	lb_u64(b, v->bytes);
	lb_str(b, ",\"ret\":");
	lb_i64(b, v->ret);
	if (err) {
		lb_str(b, ",\"errno\":");
		lb_json(b, err);
	}
	lb_str(b, ",\"blocked_ns\":");
	lb_u64(b, v->slept ? v->blocked_ns : 0);
	if (v->has_peer) {
		lb_str(b, ",\"peer\":");
		put_json_task(b, &v->peer);
	}
	lb_str(b, ",\"woke\":[");
	for (int i = 0; i < named; i++) {
		if (i)
			lb_c(b, ',');
		put_json_task(b, &v->woke[i]);
	}
	lb_str(b, "],\"n_woke\":");
	lb_u64(b, v->n_woke);
	lb_str(b, ",\"state\":{");
	for (int i = 0; i < v->n_fields; i++) {
		const struct ev_field *fl = &v->f[i];

		lb_str(b, i ? ",\"" : "\"");
		lb_str(b, fl->key);
		lb_str(b, "\":");
		if (fl->kind == EVF_STR)
			lb_json(b, fl->s);
		else if (fl->kind == EVF_BOOL)
			lb_str(b, fl->v ? "true" : "false");
		else
			lb_i64(b, fl->v);
	}
	lb_str(b, "}}\n");
}

void render_event(const struct ev_view *v, uint64_t t_ns, bool json, FILE *f)
{
	struct lb b;

	b.f = f;
	b.n = 0;
	if (json)
		render_json(v, t_ns, &b);
	else
		render_text(v, t_ns, &b);
	lb_flush(&b);
}

void render_events_lost(uint64_t total, const char *const *mech, const uint64_t *n, int count,
			uint64_t t_ns, bool json, FILE *f)
{
	struct lb b;

	b.f = f;
	b.n = 0;
	if (json) {
		lb_str(&b, "{\"type\":\"lost\",\"t\":");
		lb_secs(&b, t_ns);
		lb_str(&b, ",\"events\":");
		lb_u64(&b, total);
		lb_str(&b, ",\"by_mech\":{");
		for (int i = 0; i < count; i++) {
			lb_str(&b, i ? ",\"" : "\"");
			lb_str(&b, mech[i]);
			lb_str(&b, "\":");
			lb_u64(&b, n[i]);
		}
		lb_str(&b, "}}\n");
	} else {
		lb_secs(&b, t_ns);
		lb_str(&b, " -- ");
		lb_u64(&b, total);
		lb_str(&b, total == 1 ? " event lost so far (" : " events lost so far (");
		for (int i = 0; i < count; i++) {
			lb_str(&b, i ? ", " : "");
			lb_str(&b, mech[i]);
			lb_c(&b, ' ');
			lb_u64(&b, n[i]);
		}
		lb_str(&b, "): the ring was full; a larger --ring-mb keeps them\n");
	}
	lb_flush(&b);
}

// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * The human report: one row per edge, 120 columns wide, largest first.
 *
 * ipctrace  elapsed 3.0s  edges 2  lost: events 0, map full 0
 * SRC                  DST                  MECH       OBJECT                MSGS    BYTES  MSG/s    B/s  NOTE
 * 101/producer         102/consumer         pipe   pipe:[8425]               1000    62.5K    300  18.8K  blk 0/123us
 * 101/producer         102/consumer         signal SIGUSR1 SI_USER              5        -    2.5      -  deliv 5
 *
 * MSGS and BYTES are cumulative, the rates cover the last interval.
 */
#include <inttypes.h>
#include <string.h>
#include <sys/ioctl.h>
#include "core/mech.h"
#include "output/fmt.h"
#include "output/jsonesc.h"
#include "output/render.h"

/* Column widths; they add up to 120 with the separators. */
#define W_END 20
#define W_MECH 10
#define W_OBJ 17
#define W_MSGS 8
#define W_BYTES 7
#define W_RATE 6
#define W_NOTE 16

/* Header and legend lines around the rows, for the terminal-height limit. */
#define FRAME_LINES 4

static void put_end(FILE *f, const struct snapshot *s, const struct edge_end *end)
{
	char buf[64];

	/* -a: the key (a path keeps its tail: the leaf names it) */
	if (s->agg != AGG_PID) {
		text_put_clean_tail(f, snapshot_end_name(end), -W_END);
		return;
	}
	/* The kernel as a sender has no pid worth showing; a container's pid is shown too. */
	if (end->pid == 0)
		snprintf(buf, sizeof(buf), "%s", end->comm);
	else if (end->ns_pid && end->ns_pid != end->pid)
		snprintf(buf, sizeof(buf), "%" PRIu32 "[%" PRIu32 "]/%s", end->pid, end->ns_pid,
			 end->comm);
	else
		snprintf(buf, sizeof(buf), "%" PRIu32 "/%s", end->pid, end->comm);
	text_put_clean(f, buf, -W_END);
}

static void put_object(FILE *f, const struct snapshot *s, const struct edge *e,
		       const struct mech_ops *ops)
{
	char buf[sizeof(e->object) + 32];

	if (!ops || !ops->table_object || e->folded || (s->agg != AGG_PID && !edge_ext(s, e))) {
		text_put_clean_tail(f, e->object, -W_OBJ);
		return;
	}
	ops->table_object(e, edge_ext(s, e), W_OBJ, buf, sizeof(buf));
	text_put_clean(f, buf, -W_OBJ);
}

static void put_rate(FILE *f, uint64_t delta, double interval_s, double base)
{
	char buf[32];

	if (interval_s <= 0)
		fprintf(f, " %*s", W_RATE, "-");
	else
		fprintf(f, " %*s", W_RATE, fmt_human(delta / interval_s, base, buf, sizeof(buf)));
}

/*
 * The NOTE column: what the mechanism says, then (unless it said it all)
 * the time each end spent inside its calls on this object.
 */
static void put_note(FILE *f, const struct snapshot *s, const struct edge *e,
		     const struct mech_ops *ops)
{
	char a[24], b[24], note[64];
	enum note_kind kind = NOTE_PREFIX;
	size_t used;

	note[0] = '\0';
	if (e->folded) {
		/* an aggregate of edges of processes gone: how many */
		snprintf(note, sizeof(note), "folded %s ", fmt_human(e->folded, 1000, a, sizeof(a)));
	} else if (s->agg != AGG_PID && e->pairs != 1) {
		/* an aggregate (-a): how many process pairs */
		snprintf(note, sizeof(note), "pairs %s ", fmt_human(e->pairs, 1000, a, sizeof(a)));
	} else if (ops && ops->table_note && (s->agg == AGG_PID || edge_ext(s, e))) {
		kind = ops->table_note(e, edge_ext(s, e), W_NOTE, note, sizeof(note));
	}
	used = strlen(note);
	if (kind == NOTE_PREFIX) {
		if (e->blocked_src_ns || e->blocked_dst_ns)
			snprintf(note + used, sizeof(note) - used, "blk %s/%s",
				 fmt_ns(e->blocked_src_ns, a, sizeof(a)),
				 fmt_ns(e->blocked_dst_ns, b, sizeof(b)));
		else if (used && note[used - 1] == ' ')
			note[used - 1] = '\0';
	}
	if (note[0]) {
		fputs("  ", f);
		text_put_clean(f, note, strlen(note) > W_NOTE ? -W_NOTE : 0);
	}
}

static void put_row(FILE *f, const struct snapshot *s, const struct edge *e)
{
	const struct mech_kind *kind = mech_kind_of(e->mech);
	const struct mech_ops *ops = mech_module_of(e->mech);
	const char *mech = kind ? kind->label : NULL;
	char buf[32];

	put_end(f, s, &e->src);
	fputc(' ', f);
	put_end(f, s, &e->dst);
	fputc(' ', f);
	text_put_clean(f, mech ? mech : "?", -W_MECH);
	fputc(' ', f);
	put_object(f, s, e, ops);
	/* Counts stay exact while they fit: they are compared with ground truth. */
	if (e->msgs < 100000000)
		fprintf(f, " %*" PRIu64, W_MSGS, e->msgs);
	else
		fprintf(f, " %*s", W_MSGS, fmt_human(e->msgs, 1000, buf, sizeof(buf)));
	fputc(e->exact ? ' ' : '~', f);
	if (kind && kind->no_bytes) {
		/* Signals carry no bytes. */
		fprintf(f, " %*s", W_BYTES, "-");
		put_rate(f, e->d_msgs, s->interval_s, 1000);
		fprintf(f, " %*s", W_RATE, "-");
	} else {
		fprintf(f, " %*s", W_BYTES, fmt_human(e->bytes, 1024, buf, sizeof(buf)));
		put_rate(f, e->d_msgs, s->interval_s, 1000);
		put_rate(f, e->d_bytes, s->interval_s, 1024);
	}
	put_note(f, s, e, ops);
	fputc('\n', f);
}

/* Rows that fit on the terminal; 0 = no limit (not a terminal, or unknown). */
static size_t terminal_rows(FILE *f)
{
	struct winsize ws;
	int fd = fileno(f);

	if (fd < 0 || ioctl(fd, TIOCGWINSZ, &ws) || ws.ws_row <= FRAME_LINES + 1)
		return 0;
	return ws.ws_row - FRAME_LINES;
}

void render_table(const struct snapshot *s, FILE *f, bool ansi)
{
	size_t i, n = s->n_edges, max = ansi ? terminal_rows(f) : 0;
	bool inexact = false;

	if (ansi)
		fputs("\033[H\033[2J", f);
	fprintf(f, "ipctrace  elapsed %.1fs  edges %zu  lost: events %" PRIu64 ", map full %" PRIu64 "%s\n",
		s->elapsed_s, s->n_edges, s->lost.events, s->lost.map_full,
		s->final ? " (final)" : "");
	fprintf(f, "%-*s %-*s %-*s %-*s %*s  %*s %*s %*s  NOTE\n", W_END, "SRC", W_END, "DST",
		W_MECH, "MECH", W_OBJ, "OBJECT", W_MSGS, "MSGS", W_BYTES, "BYTES",
		W_RATE, "MSG/s", W_RATE, "B/s");
	if (max && n > max)
		n = max - 1; /* keep a line to say how many are hidden */
	for (i = 0; i < s->n_edges; i++) {
		if (!s->edges[i].exact)
			inexact = true;
		if (i < n)
			put_row(f, s, &s->edges[i]);
	}
	if (n < s->n_edges)
		fprintf(f, "... %zu more edges\n", s->n_edges - n);
	if (inexact)
		fputs("~ inferred: several writers and readers share the object; each writer's share "
		      "follows what each reader received\n", f);
	if (!ansi)
		fputc('\n', f);
	fflush(f);
}

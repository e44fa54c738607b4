// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * The human report: one row per edge, the most active first.
 *
 * ipctrace  elapsed 3.0s  edges 3 (1 idle hidden)  lost: events 0, map full 0
 * SRC                  DST                  MECH       OBJECT                MSGS    BYTES  MSG/s    B/s  NOTE
 * 101/producer         102/consumer         pipe       pipe:[8425]           1000    62.5K    300  18.8K  blk 0/123us
 * 101/producer         102/consumer         signal     SIGUSR1 SI_USER          5        -    2.5      -  deliv 5
 * bottleneck: 102/consumer -- 101/producer waited 91% of the time writing to it (pipe:[8425] full)
 *
 * MSGS and BYTES are cumulative, the rates cover the last interval.  An
 * interval report ranks the edges by what they did in that interval (the
 * live view is about now), the final report by what they did in the whole
 * run.  To a file or a pipe the layout is 120 columns; a live terminal's
 * table fits its width and height, and leaves out the edges that have been
 * idle for a few reports (the final report shows every edge).
 */
#include <inttypes.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include "core/mech.h"
#include "core/waitfor.h"
#include "output/fmt.h"
#include "output/jsonesc.h"
#include "output/render.h"

/* Column widths; they add up to 120 with the separators. */
#define W_END 20
#define W_MECH 10
#define W_OBJ 17 /* the least OBJECT gets: "lo:5000->lo:41234" */
#define W_MSGS 8
#define W_BYTES 7
#define W_RATE 6
#define W_NOTE 16 /* the least NOTE gets */
/* Everything on a row but OBJECT and NOTE: the other columns and the separators. */
#define W_FIXED (2 * (W_END + 1) + W_MECH + 1 + 1 + W_MSGS + 1 + 1 + W_BYTES + 2 * (1 + W_RATE) + 2)
/* A table not on a terminal, or on one whose width is unknown. */
#define W_LINE (W_FIXED + W_OBJ + W_NOTE)

/*
 * A live view leaves out the edges unchanged for more reports than this:
 * a few seconds of quiet keep a row in place, a connection long done goes.
 */
#define IDLE_HIDE 3

/* Header and legend lines around the rows (and the cursor's), for the terminal-height limit. */
#define FRAME_LINES 4

/* How one table is laid out. */
struct layout {
	int obj, note; /* OBJECT and NOTE widths */
	size_t cols;   /* a live terminal's width (bottleneck lines are cut to it); 0: not one */
	size_t lines;  /* its height; 0: no limit */
};

/* The edges a table shows, in the order it shows them. */
struct view {
	const struct edge **rows; /* NULL: s->edges as they are (out of memory) */
	size_t n;                 /* edges in it */
	size_t hidden;            /* idle edges left out */
};

static const struct edge *view_at(const struct snapshot *s, const struct view *v, size_t i)
{
	return v->rows ? v->rows[i] : &s->edges[i];
}

/* What an end is called: "101/producer", "101[7]/producer" in a container, a key with -a. */
static const char *end_label(const struct snapshot *s, const struct edge_end *end, char *buf,
			     size_t len)
{
	if (s->agg != AGG_PID)
		return snapshot_end_name(end);
	/* The kernel as a sender has no pid worth showing. */
	if (end->pid == 0)
		snprintf(buf, len, "%s", end->comm);
	else if (end->ns_pid && end->ns_pid != end->pid)
		snprintf(buf, len, "%" PRIu32 "[%" PRIu32 "]/%s", end->pid, end->ns_pid, end->comm);
	else
		snprintf(buf, len, "%" PRIu32 "/%s", end->pid, end->comm);
	return buf;
}

static void put_end(FILE *f, const struct snapshot *s, const struct edge_end *end)
{
	char buf[64];
	const char *label = end_label(s, end, buf, sizeof(buf));

	/* -a: the key (a path keeps its tail: the leaf names it) */
	if (s->agg != AGG_PID)
		text_put_clean_tail(f, label, -W_END);
	else
		text_put_clean(f, label, -W_END);
}

/* The OBJECT text before fitting: the module's, made for width, else the object's name. */
static const char *object_text(const struct snapshot *s, const struct edge *e, size_t width,
			       char *buf, size_t len)
{
	const struct mech_ops *ops = mech_module_of(e->mech);

	if (!ops || !ops->table_object || e->folded || (s->agg != AGG_PID && !edge_ext(s, e)))
		return e->object;
	ops->table_object(e, edge_ext(s, e), width, buf, len);
	return buf;
}

/* Characters e's OBJECT text has when nothing needs cutting. */
static size_t object_width(const struct snapshot *s, const struct edge *e)
{
	char buf[sizeof(e->object) + 32], fit[sizeof(buf)];

	return fmt_fit_object(object_text(s, e, sizeof(buf), buf, sizeof(buf)), SIZE_MAX, fit,
			      sizeof(fit));
}

/* A module's text may still be too wide: it gets the same fitting as a name. */
static void put_object(FILE *f, const struct snapshot *s, const struct edge *e, int width)
{
	char buf[sizeof(e->object) + 32], fit[sizeof(buf)];

	fmt_fit_object(object_text(s, e, width, buf, sizeof(buf)), width, fit, sizeof(fit));
	text_put_clean(f, fit, -width);
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
 * Append a part of the generic note, after a space, if it fits whole in
 * width: a part cut in two says nothing ("blk 1.5ms/2" is not a time).
 */
static void note_add(char *note, size_t len, size_t width, const char *part)
{
	size_t used = strlen(note);
	bool sep = used && note[used - 1] != ' ';

	if (used + sep + strlen(part) <= width)
		snprintf(note + used, len - used, "%s%s", sep ? " " : "", part);
}

/*
 * The generic part of the note: the time each end spent inside its calls
 * on this object, then the wake-ups through it ("wake N", and "/M" for
 * those the other way: dst woke src).  A module whose prefix counts
 * wake-ups already keeps its own.
 */
static void note_generic(char *note, size_t len, size_t width, const struct edge *e)
{
	char a[24], b[24], part[64];
	int n;

	if (e->blocked_src_ns || e->blocked_dst_ns) {
		snprintf(part, sizeof(part), "blk %s/%s", fmt_ns(e->blocked_src_ns, a, sizeof(a)),
			 fmt_ns(e->blocked_dst_ns, b, sizeof(b)));
		note_add(note, len, width, part);
	}
	if ((e->wakes || e->back_wakes) && !strstr(note, "wake ")) {
		n = snprintf(part, sizeof(part), "wake %s", fmt_human(e->wakes, 1000, a, sizeof(a)));
		if (e->back_wakes)
			snprintf(part + n, sizeof(part) - n, "/%s",
				 fmt_human(e->back_wakes, 1000, b, sizeof(b)));
		note_add(note, len, width, part);
	}
}

/* The NOTE column: what the mechanism says, then (unless it said it all) the generic part. */
static void put_note(FILE *f, const struct snapshot *s, const struct edge *e,
		     const struct mech_ops *ops, int width)
{
	char a[24], note[128];
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
		kind = ops->table_note(e, edge_ext(s, e), width, note, sizeof(note));
	}
	if (kind == NOTE_PREFIX)
		note_generic(note, sizeof(note), width, e);
	used = strlen(note);
	if (kind == NOTE_PREFIX && used && note[used - 1] == ' ')
		note[--used] = '\0';
	if (note[0]) {
		fputs("  ", f);
		text_put_clean(f, note, used > (size_t)width ? -width : 0);
	}
}

static void put_row(FILE *f, const struct snapshot *s, const struct edge *e,
		    const struct layout *lay)
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
	put_object(f, s, e, lay->obj);
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
	put_note(f, s, e, ops, lay->note);
	fputc('\n', f);
}

/* Descending. */
static int cmp_desc(uint64_t a, uint64_t b)
{
	return a < b ? 1 : a > b ? -1 : 0;
}

/*
 * An interval report's order: what moved in the interval (bytes, then
 * messages, then time blocked), then the whole run's bytes and messages,
 * then the snapshot's own order (qsort is not stable).
 */
static int by_interval(const void *pa, const void *pb)
{
	const struct edge *a = *(const struct edge *const *)pa;
	const struct edge *b = *(const struct edge *const *)pb;
	int c;

	if ((c = cmp_desc(a->d_bytes, b->d_bytes)) || (c = cmp_desc(a->d_msgs, b->d_msgs)) ||
	    (c = cmp_desc(a->d_blocked_src_ns + a->d_blocked_dst_ns,
			  b->d_blocked_src_ns + b->d_blocked_dst_ns)) ||
	    (c = cmp_desc(a->bytes, b->bytes)) || (c = cmp_desc(a->msgs, b->msgs)))
		return c;
	return a < b ? -1 : a > b;
}

/*
 * The rows: a live view leaves out the idle edges; an interval report is
 * ranked by the interval, the final one keeps the snapshot's (cumulative)
 * order.  The snapshot is not touched: the order is a copy's.
 */
static void view_build(const struct snapshot *s, bool live, struct view *v)
{
	v->rows = s->n_edges ? malloc(s->n_edges * sizeof(*v->rows)) : NULL;
	v->n = s->n_edges;
	v->hidden = 0;
	if (!v->rows)
		return;
	v->n = 0;
	for (size_t i = 0; i < s->n_edges; i++) {
		if (live && s->edges[i].idle > IDLE_HIDE)
			v->hidden++;
		else
			v->rows[v->n++] = &s->edges[i];
	}
	if (!s->final)
		qsort(v->rows, v->n, sizeof(*v->rows), by_interval);
}

/* A positive size from the environment, else def. */
static size_t env_size(const char *name, size_t def)
{
	const char *v = getenv(name);
	char *end;
	unsigned long n;

	if (!v || !*v)
		return def;
	n = strtoul(v, &end, 10);
	return *end || n == 0 || n > 65535 ? def : n;
}

/*
 * A live terminal's size: f's, else (f is not a terminal: a test, or a
 * redirected view) COLUMNS and LINES from the environment, else 120
 * columns and no height limit.
 */
static void terminal_size(FILE *f, size_t *cols, size_t *lines)
{
	struct winsize ws;
	int fd = fileno(f);

	if (fd >= 0 && !ioctl(fd, TIOCGWINSZ, &ws) && ws.ws_col) {
		*cols = ws.ws_col;
		*lines = ws.ws_row;
		return;
	}
	*cols = env_size("COLUMNS", W_LINE);
	*lines = env_size("LINES", 0);
}

/*
 * A live terminal's columns: OBJECT grows first, up to the widest object
 * shown, NOTE gets the rest; neither shrinks below today's fixed layout (a
 * narrower terminal wraps).
 */
static void layout_fit(struct layout *lay, const struct snapshot *s, const struct view *v,
		       size_t n)
{
	size_t room = lay->cols > W_FIXED ? lay->cols - W_FIXED : 0, obj = W_OBJ, w;

	if (room <= W_OBJ + W_NOTE)
		return;
	for (size_t i = 0; i < n && obj < room - W_NOTE; i++) {
		w = object_width(s, view_at(s, v, i));
		if (w > obj)
			obj = w;
	}
	if (obj > room - W_NOTE)
		obj = room - W_NOTE;
	lay->obj = (int)obj;
	lay->note = (int)(room - obj);
}

/* What the waiter was doing: "writing to it (pipe:[6284] full)". */
static void wait_words(const struct wait_on *w, const char **doing, const char **state)
{
	switch (w->kind) {
	case WAIT_BACKPRESSURE:
		*doing = "writing to it";
		*state = " full";
		break;
	case WAIT_STARVED:
		*doing = "reading from it";
		*state = " empty";
		break;
	default:
		*doing = "on it";
		*state = "";
		break;
	}
}

/*
 * "bottleneck: 3305/slow-consumer -- 3304/producer waited 91% of the time
 * writing to it (pipe:[6284] full)": the verdict, and the largest wait on
 * it.  Cut to the terminal's width on a live one.
 */
static void put_verdict(FILE *f, const struct snapshot *s, const struct bottleneck *b,
			size_t cols)
{
	char who[64], peer[64], waited[32], line[1024];
	const char *doing, *state;
	const struct edge *e = b->worst.edge;
	size_t len;

	wait_words(&b->worst, &doing, &state);
	if (isfinite(b->worst_share))
		snprintf(waited, sizeof(waited), "%.0f%% of the time", b->worst_share * 100);
	else
		fmt_ns(b->worst.ns, waited, sizeof(waited));
	len = snprintf(line, sizeof(line), "bottleneck: %s -- %s waited %s %s (%s%s)",
		       end_label(s, &b->who, who, sizeof(who)),
		       end_label(s, &b->worst.peer, peer, sizeof(peer)), waited, doing,
		       e ? e->object : "?", state);
	text_put_clean(f, line, cols && len > cols ? -(int)cols : 0);
	fputc('\n', f);
}

/*
 * The verdicts, at most max lines of them (0: no limit); the last line says
 * how many more there are when they do not fit.
 */
static void put_verdicts(FILE *f, const struct snapshot *s, size_t max, size_t cols)
{
	size_t n = s->wait ? s->wait->n_verdicts : 0, shown = n;

	if (max && n > max)
		shown = max - 1;
	for (size_t i = 0; i < shown; i++)
		put_verdict(f, s, &s->wait->verdicts[i], cols);
	if (shown < n)
		fprintf(f, "... %zu more bottlenecks\n", n - shown);
}

void render_table(const struct snapshot *s, FILE *f, bool ansi)
{
	struct layout lay = { .obj = W_OBJ, .note = W_NOTE };
	struct view v;
	size_t i, n, room = 0, vmax = 0, nv = s->wait ? s->wait->n_verdicts : 0;
	bool inexact = false;

	view_build(s, ansi && !s->final, &v);
	n = v.n;
	if (ansi) {
		terminal_size(f, &lay.cols, &lay.lines);
		if (lay.lines > FRAME_LINES + 1)
			room = lay.lines - FRAME_LINES;
	}
	if (room) {
		/* the verdicts take at most half the room, the rows the rest */
		vmax = nv < room / 2 ? nv : room / 2;
		if (n > room - vmax)
			n = room - vmax - 1; /* keep a line to say how many are hidden */
	}
	if (ansi)
		layout_fit(&lay, s, &v, n);

	if (ansi)
		fputs("\033[H\033[2J", f);
	fprintf(f, "ipctrace  elapsed %.1fs  edges %zu", s->elapsed_s, s->n_edges);
	if (v.hidden)
		fprintf(f, " (%zu idle hidden)", v.hidden);
	fprintf(f, "  lost: events %" PRIu64 ", map full %" PRIu64 "%s\n", s->lost.events,
		s->lost.map_full, s->final ? " (final)" : "");
	fprintf(f, "%-*s %-*s %-*s %-*s %*s  %*s %*s %*s  NOTE\n", W_END, "SRC", W_END, "DST",
		W_MECH, "MECH", lay.obj, "OBJECT", W_MSGS, "MSGS", W_BYTES, "BYTES",
		W_RATE, "MSG/s", W_RATE, "B/s");
	for (i = 0; i < v.n; i++) {
		const struct edge *e = view_at(s, &v, i);

		if (!e->exact)
			inexact = true;
		if (i < n)
			put_row(f, s, e, &lay);
	}
	if (n < v.n)
		fprintf(f, "... %zu more edges\n", v.n - n);
	if (inexact)
		fputs("~ inferred: several writers and readers share the object; each writer's share "
		      "follows what each reader received\n", f);
	put_verdicts(f, s, room ? vmax : 0, lay.cols);
	/* --hist: the histograms after the rows; a live view has no room for them */
	if (!ansi)
		render_hist_table(s, f);
	if (!ansi)
		fputc('\n', f);
	fflush(f);
	free(v.rows);
}

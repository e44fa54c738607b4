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
#include "jsonesc.h"
#include "render.h"
#include "signames.h"

/* Column widths; they add up to 120 with the separators. */
#define W_END 20
#define W_MECH 10
#define W_OBJ 17
#define W_MSGS 8
#define W_BYTES 7
#define W_RATE 6
#define W_NOTE 16

/* The JSON names, shortened where they would not fit the column. */
static const char *table_mech_label(int mech)
{
	switch (mech) {
	case M_UNIX_STREAM:
		return "unix/strm";
	case M_UNIX_DGRAM:
		return "unix/dgram";
	case M_UNIX_SEQPACKET:
		return "unix/seqp";
	default:
		return model_mech_name(mech);
	}
}

/* Header and legend lines around the rows, for the terminal-height limit. */
#define FRAME_LINES 4

/*
 * v with a unit suffix in at most 6 characters: exact below one unit
 * ("640"), else one decimal ("62.5K").  base is 1024 for bytes and 1000
 * for counts.
 */
static const char *human(double v, double base, char *buf, size_t len)
{
	static const char units[] = "KMGTPE";
	int u = -1;

	if (v < base) {
		if (v > 0 && v < 10 && v != (double)(uint64_t)v)
			snprintf(buf, len, "%.1f", v);
		else
			snprintf(buf, len, "%.0f", v);
		return buf;
	}
	while (v >= base && u < (int)sizeof(units) - 2) {
		v /= base;
		u++;
	}
	/* "1000.0K" would not fit: 999.95K and up is shown as 1.0M. */
	if (v >= 999.95 && u < (int)sizeof(units) - 2) {
		v /= base;
		u++;
	}
	snprintf(buf, len, "%.1f%c", v, units[u]);
	return buf;
}

/* A duration in at most 5 characters: "850ns", "12us", "1.2ms", "3.4s". */
static const char *human_ns(uint64_t ns, char *buf, size_t len)
{
	static const struct {
		uint64_t div;
		const char *unit;
	} scale[] = { { 1000000000, "s" }, { 1000000, "ms" }, { 1000, "us" } };
	size_t i;

	for (i = 0; i < sizeof(scale) / sizeof(scale[0]); i++) {
		if (ns < scale[i].div)
			continue;
		if (ns < 10 * scale[i].div)
			snprintf(buf, len, "%.1f%s", (double)ns / scale[i].div, scale[i].unit);
		else
			snprintf(buf, len, "%" PRIu64 "%s", ns / scale[i].div, scale[i].unit);
		return buf;
	}
	snprintf(buf, len, "%" PRIu64 "%s", ns, ns ? "ns" : "");
	return buf;
}

static void put_end(FILE *f, const struct edge_end *end)
{
	char buf[64];

	/* The kernel as a sender has no pid worth showing. */
	if (end->pid == 0)
		snprintf(buf, sizeof(buf), "%s", end->comm);
	else
		snprintf(buf, sizeof(buf), "%" PRIu32 "/%s", end->pid, end->comm);
	text_put_clean(f, buf, -W_END);
}

static void put_object(FILE *f, const struct edge *e)
{
	char buf[sizeof(e->object) + 32], code[32];
	const char *name;

	if (e->mech != M_SIGNAL) {
		text_put_clean_tail(f, e->object, -W_OBJ);
		return;
	}
	name = si_code_name(e->sig, e->code, code, sizeof(code));
	snprintf(buf, sizeof(buf), "%s %s", e->object, name);
	/*
	 * Too wide ("SIGCHLD CLD_CONTINUED"): the code loses its family prefix,
	 * which the signal's name already says ("SIGCHLD CONTINUED").  JSON
	 * keeps the full name.
	 */
	if (strlen(buf) > W_OBJ && strchr(name, '_'))
		snprintf(buf, sizeof(buf), "%s %s", e->object, strchr(name, '_') + 1);
	text_put_clean(f, buf, -W_OBJ);
}

static void put_rate(FILE *f, uint64_t delta, double interval_s, double base)
{
	char buf[32];

	if (interval_s <= 0)
		fprintf(f, " %*s", W_RATE, "-");
	else
		fprintf(f, " %*s", W_RATE, human(delta / interval_s, base, buf, sizeof(buf)));
}

/*
 * A queue's note: "q8/8 3.3ms/2.1us", its deepest observed depth (of
 * mq_maxmsg for POSIX queues) and, without the "blk" word, each end's
 * blocked time.  false if there is no depth or it would not fit: the
 * generic note is shown then.
 */
static bool queue_note(const struct edge *e, char *note, size_t len)
{
	char a[24], b[24];
	int n;

	if ((e->mech != M_MQ && e->mech != M_MSG) || !e->has_queue || !e->queue.samples)
		return false;
	n = snprintf(note, len, "q%s", human(e->queue.depth_max, 1000, a, sizeof(a)));
	if (e->mech == M_MQ)
		n += snprintf(note + n, len - n, "/%s", human(e->queue.limit, 1000, b, sizeof(b)));
	if (e->blocked_src_ns || e->blocked_dst_ns)
		n += snprintf(note + n, len - n, " %s/%s",
			      human_ns(e->blocked_src_ns, a, sizeof(a)),
			      human_ns(e->blocked_dst_ns, b, sizeof(b)));
	return n > 0 && (size_t)n < len && n <= W_NOTE;
}

static void put_note(FILE *f, const struct edge *e)
{
	char a[24], b[24], note[64];
	size_t used = 0;

	note[0] = '\0';
	/* Passed fds are rare and worth seeing first. */
	if (e->has_scm && e->fds_passed)
		used = snprintf(note, sizeof(note), "fds %s ", human(e->fds_passed, 1000, a, sizeof(a)));
	if (queue_note(e, note, sizeof(note))) {
		fputs("  ", f);
		text_put_clean(f, note, 0);
		return;
	}
	/* Semaphore hand-offs: waits of dst that src's post ended. */
	if (e->mech == M_SEM && e->sem_wakes)
		used = snprintf(note, sizeof(note), "wake %s ", human(e->sem_wakes, 1000, a, sizeof(a)));
	if (e->mech == M_SHM) {
		/* Nothing moves through calls: what is shared is the segment. */
		snprintf(note, sizeof(note), "size %s", human(e->shm_size, 1024, a, sizeof(a)));
	} else if (e->mech == M_SIGNAL) {
		if (e->has_delivery)
			snprintf(note, sizeof(note), "deliv %s",
				 human(e->delivered, 1000, a, sizeof(a)));
	} else if (e->blocked_src_ns || e->blocked_dst_ns) {
		/* Time each end spent inside its calls on this object. */
		snprintf(note + used, sizeof(note) - used, "blk %s/%s",
			 human_ns(e->blocked_src_ns, a, sizeof(a)),
			 human_ns(e->blocked_dst_ns, b, sizeof(b)));
	} else if (used) {
		note[used - 1] = '\0';
	}
	if (note[0]) {
		fputs("  ", f);
		text_put_clean(f, note, strlen(note) > W_NOTE ? -W_NOTE : 0);
	}
}

static void put_row(FILE *f, const struct snapshot *s, const struct edge *e)
{
	const char *mech = table_mech_label(e->mech);
	bool sig = e->mech == M_SIGNAL;
	char buf[32];

	put_end(f, &e->src);
	fputc(' ', f);
	put_end(f, &e->dst);
	fputc(' ', f);
	text_put_clean(f, mech ? mech : "?", -W_MECH);
	fputc(' ', f);
	put_object(f, e);
	/* Counts stay exact while they fit: they are compared with ground truth. */
	if (e->msgs < 100000000)
		fprintf(f, " %*" PRIu64, W_MSGS, e->msgs);
	else
		fprintf(f, " %*s", W_MSGS, human(e->msgs, 1000, buf, sizeof(buf)));
	fputc(e->exact ? ' ' : '~', f);
	if (sig) {
		/* Signals carry no bytes. */
		fprintf(f, " %*s", W_BYTES, "-");
		put_rate(f, e->d_msgs, s->interval_s, 1000);
		fprintf(f, " %*s", W_RATE, "-");
	} else {
		fprintf(f, " %*s", W_BYTES, human(e->bytes, 1024, buf, sizeof(buf)));
		put_rate(f, e->d_msgs, s->interval_s, 1000);
		put_rate(f, e->d_bytes, s->interval_s, 1024);
	}
	put_note(f, e);
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

// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * --hist after the table: each edge end's log2 histogram of blocked time,
 * the way bcc's tools print theirs (render.h, render_hist_table()).
 */
#include <inttypes.h>
#include <string.h>
#include "core/mech.h"
#include "output/jsonesc.h"
#include "output/render.h"

#define HIST_BAR 40

static int digits(uint64_t v)
{
	int n = 1;

	while (v >= 10) {
		v /= 10;
		n++;
	}
	return n;
}

/* "101/producer", "101[7]/producer" in a container, the key with -a (like the table). */
static void put_end_label(FILE *f, const struct snapshot *s, const struct edge_end *end)
{
	char buf[64];

	if (s->agg != AGG_PID) {
		text_put_clean(f, snapshot_end_name(end), 0);
		return;
	}
	if (end->pid == 0)
		snprintf(buf, sizeof(buf), "%s", end->comm);
	else if (end->ns_pid && end->ns_pid != end->pid)
		snprintf(buf, sizeof(buf), "%" PRIu32 "[%" PRIu32 "]/%s", end->pid, end->ns_pid,
			 end->comm);
	else
		snprintf(buf, sizeof(buf), "%" PRIu32 "/%s", end->pid, end->comm);
	text_put_clean(f, buf, 0);
}

/*
 * One end: its rows from the lowest non-empty slot to the highest (the
 * empty ones between them too, as bcc does), the bar scaled to the largest
 * count.  Nothing for an end without counts.
 */
static void put_end_hist(FILE *f, const struct snapshot *s, const char *which,
			 const struct edge_end *end, const uint64_t *h)
{
	int lo = -1, hi = -1, wl, wh;
	uint64_t max = 0;
	char bar[HIST_BAR + 1];

	for (int i = 0; h && i < MODEL_HIST_SLOTS; i++) {
		if (!h[i])
			continue;
		if (lo < 0)
			lo = i;
		hi = i;
		if (h[i] > max)
			max = h[i];
	}
	if (lo < 0)
		return;
	wl = digits(hi ? (uint64_t)1 << hi : 0);
	wl = wl < 7 ? 7 : wl;
	wh = digits(((uint64_t)2 << hi) - 1);
	wh = wh < 10 ? 10 : wh;
	fprintf(f, "  %s ", which);
	put_end_label(f, s, end);
	fputs(":\n", f);
	fprintf(f, "%*s%*s : count    distribution\n", wl, "ns", wh + 4, "");
	for (int i = lo; i <= hi; i++) {
		size_t stars = (size_t)((unsigned __int128)h[i] * HIST_BAR / max);

		memset(bar, '*', stars);
		memset(bar + stars, ' ', HIST_BAR - stars);
		bar[HIST_BAR] = '\0';
		fprintf(f, "%*" PRIu64 " -> %-*" PRIu64 " : %-8" PRIu64 " |%s|\n", wl,
			i ? (uint64_t)1 << i : 0, wh, ((uint64_t)2 << i) - 1, h[i], bar);
	}
}

void render_hist_table(const struct snapshot *s, FILE *f)
{
	for (size_t i = 0; i < s->n_edges; i++) {
		const struct edge *e = &s->edges[i];
		const uint64_t *hs = edge_hist(s, e, 0), *hd = edge_hist(s, e, 1);
		const char *mech = mech_name(e->mech);

		if (!hs && !hd)
			continue;
		fputc('\n', f);
		put_end_label(f, s, &e->src);
		fputs(" -> ", f);
		put_end_label(f, s, &e->dst);
		fprintf(f, " %s ", mech ? mech : "unknown");
		text_put_clean(f, e->object, 0);
		fputc('\n', f);
		put_end_hist(f, s, "src", &e->src, hs);
		put_end_hist(f, s, "dst", &e->dst, hd);
	}
}

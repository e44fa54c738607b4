// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * Prometheus text exposition format 0.0.4 (--prometheus, docs/prometheus.md).
 *
 * Counters are summed over the edges of a full snapshot by labels (mech,
 * src, dst), where src and dst are process names, never pids: an edge
 * folded after its processes exited (model_fold()) keeps its names and
 * its counts, so the sums by name do not go backwards when processes
 * exit.  Mechanisms are reached through the table of core/mech.h only.
 *
 * Label values are escaped as the format wants (backslash, double quote,
 * newline); other control bytes and bytes that are not UTF-8 become
 * U+FFFD, so that any comm gives valid text.  Sums are taken on the
 * escaped values: two comms that escape alike are one series.
 *
 * The series cap: a label set gets a series of its own if it had one
 * before (admission is sticky, kept in struct prom_state) or while fewer
 * than max_series have one; any other is summed into src="other",
 * dst="other" (same mech, same signal), and counted in
 * ipctrace_series_dropped_total.  So no admitted series ever changes into
 * "other" and back.
 */
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include "core/ktab.h"
#include "core/mech.h"
#include "output/jsonesc.h"
#include "output/render.h"

#define OTHER "other"

struct prom_state {
	uint32_t max_series;
	struct ktab admitted; /* label sets with a series: keyed by two hashes of the set */
};

struct prom_state *prom_state_new(uint32_t max_series)
{
	struct prom_state *st = calloc(1, sizeof(*st));

	if (!st)
		return NULL;
	st->max_series = max_series;
	ktab_init(&st->admitted, 2 * sizeof(uint64_t), 2);
	return st;
}

void prom_state_free(struct prom_state *st)
{
	if (!st)
		return;
	ktab_free(&st->admitted);
	free(st);
}

/* 128 bits of a label set: two different sets meeting is not a concern. */
static void set_key(const char *set, uint64_t key[2])
{
	key[0] = ktab_hash_str(set, 0);
	key[1] = ktab_hash_str(set, 1);
}

static bool state_has(const struct prom_state *st, const char *set)
{
	uint64_t key[2];

	set_key(set, key);
	return ktab_find(&st->admitted, key) >= 0;
}

static int state_add(struct prom_state *st, const char *set)
{
	uint64_t key[2];

	set_key(set, key);
	return ktab_get(&st->admitted, key, NULL) < 0 ? -1 : 0;
}

/* One label set and its sums. */
struct row {
	char *key;          /* what sorts and identifies it, NUL-separated fields joined by \1 */
	const char *mech;   /* mech name, or the family's name for a by-object row */
	const char *flabel; /* NULL: an edge row; else the by-object label name */
	char *obj, *src, *dst; /* escaped */
	bool has_bytes;
	uint64_t msgs, bytes, bsrc, bdst;
};

static int row_key(struct row *r)
{
	free(r->key);
	if (asprintf(&r->key, "%s\1%s\1%s\1%s\1%s", r->flabel ? "B" : "A", r->mech,
		     r->obj ? r->obj : "", r->src, r->dst) < 0) {
		r->key = NULL;
		return -1;
	}
	return 0;
}

static void row_free(struct row *r)
{
	free(r->key);
	free(r->obj);
	free(r->src);
	free(r->dst);
}

static int row_cmp(const void *a, const void *b)
{
	return strcmp(((const struct row *)a)->key, ((const struct row *)b)->key);
}

/* Sort and sum rows of equal key; returns the new count. */
static size_t merge_rows(struct row *rows, size_t n)
{
	size_t o = 0;

	qsort(rows, n, sizeof(*rows), row_cmp);
	for (size_t i = 0; i < n; i++) {
		if (o && !strcmp(rows[o - 1].key, rows[i].key)) {
			rows[o - 1].msgs += rows[i].msgs;
			rows[o - 1].bytes += rows[i].bytes;
			rows[o - 1].bsrc += rows[i].bsrc;
			rows[o - 1].bdst += rows[i].bdst;
			rows[o - 1].has_bytes |= rows[i].has_bytes;
			row_free(&rows[i]);
		} else {
			rows[o++] = rows[i];
		}
	}
	return o;
}

static int add_row(struct row **rows, size_t *n, size_t *cap, const struct row *r)
{
	if (*n == *cap) {
		size_t ncap = *cap ? *cap * 2 : 64;
		struct row *nr = realloc(*rows, ncap * sizeof(*nr));

		if (!nr)
			return -1;
		*rows = nr;
		*cap = ncap;
	}
	(*rows)[(*n)++] = *r;
	return 0;
}

/* Seconds from ns, by hand: printf's %f follows LC_NUMERIC. */
static void put_seconds(FILE *f, uint64_t ns)
{
	fprintf(f, "%" PRIu64 ".%09" PRIu64, ns / (uint64_t)1000000000, ns % (uint64_t)1000000000);
}

static void family(FILE *f, const char *name, const char *type, const char *help)
{
	fprintf(f, "# HELP %s %s\n# TYPE %s %s\n", name, help, name, type);
}

static void put_ends(FILE *f, const struct row *r)
{
	fprintf(f, "src=\"%s\",dst=\"%s\"", r->src, r->dst);
}

static int collect(const struct snapshot *s, struct row **rowsp, size_t *np)
{
	struct row *rows = NULL;
	size_t n = 0, cap = 0;

	for (size_t i = 0; i < s->n_edges; i++) {
		const struct edge *e = &s->edges[i];
		const struct mech_kind *k = mech_kind_of(e->mech);
		const char *mech = mech_name(e->mech);
		struct row r = {
			.mech = mech ? mech : "unknown",
			.has_bytes = !(k && k->no_bytes),
			.msgs = e->msgs, .bytes = e->bytes,
			.bsrc = e->blocked_src_ns, .bdst = e->blocked_dst_ns,
		};

		/* process names; with -a comm|exe|cgroup the key */
		r.src = prom_label_escape(snapshot_end_name(&e->src));
		r.dst = prom_label_escape(snapshot_end_name(&e->dst));
		if (!r.src || !r.dst || row_key(&r) || add_row(&rows, &n, &cap, &r))
			goto fail_row;
		if (k && k->prom_family && k->prom_label) {
			struct row b = { .mech = k->prom_family, .flabel = k->prom_label,
					 .msgs = e->msgs };

			b.obj = prom_label_escape(e->object);
			b.src = strdup(r.src);
			b.dst = strdup(r.dst);
			if (!b.obj || !b.src || !b.dst || row_key(&b) ||
			    add_row(&rows, &n, &cap, &b)) {
				row_free(&b);
				goto fail;
			}
		}
		continue;
fail_row:
		row_free(&r);
		goto fail;
	}
	*rowsp = rows;
	*np = merge_rows(rows, n);
	return 0;
fail:
	for (size_t i = 0; i < n; i++)
		row_free(&rows[i]);
	free(rows);
	return -1;
}

/* The series cap: rows not admitted become "other"; returns how many did. */
static uint64_t apply_cap(struct prom_state *st, struct row *rows, size_t *n)
{
	uint64_t dropped = 0;

	for (size_t i = 0; i < *n; i++) {
		struct row *r = &rows[i];

		if (state_has(st, r->key))
			continue;
		if (st->admitted.n < st->max_series && !state_add(st, r->key))
			continue;
		dropped++;
		free(r->src);
		free(r->dst);
		r->src = strdup(OTHER);
		r->dst = strdup(OTHER);
		if (!r->src || !r->dst || row_key(r)) {
			/* out of memory: the row is left out (and counted dropped) */
			row_free(r);
			rows[i--] = rows[--*n];
		}
	}
	if (dropped)
		*n = merge_rows(rows, *n);
	return dropped;
}

int render_prom(const struct snapshot *s, FILE *f, struct prom_state *st, const char *version)
{
	struct row *rows = NULL;
	size_t n = 0;
	uint64_t dropped;
	const struct mech_ops *ops;
	char *v;

	if (collect(s, &rows, &n))
		return -1;
	dropped = apply_cap(st, rows, &n);

	family(f, "ipctrace_build_info", "gauge", "ipctrace's version, as a label; always 1.");
	v = prom_label_escape(version ? version : "unknown");
	fprintf(f, "ipctrace_build_info{version=\"%s\"} 1\n", v ? v : "unknown");
	free(v);

	family(f, "ipctrace_ipc_messages_total", "counter",
	       "IPC operations (messages, writes, signals, wakes) from src to dst, by process name (or the -a key).");
	for (size_t i = 0; i < n; i++) {
		if (rows[i].flabel)
			continue;
		fprintf(f, "ipctrace_ipc_messages_total{mech=\"%s\",", rows[i].mech);
		put_ends(f, &rows[i]);
		fprintf(f, "} %" PRIu64 "\n", rows[i].msgs);
	}
	family(f, "ipctrace_ipc_bytes_total", "counter",
	       "Bytes moved from src to dst, by process name or -a key (mechanisms that move bytes).");
	for (size_t i = 0; i < n; i++) {
		if (rows[i].flabel || !rows[i].has_bytes)
			continue;
		fprintf(f, "ipctrace_ipc_bytes_total{mech=\"%s\",", rows[i].mech);
		put_ends(f, &rows[i]);
		fprintf(f, "} %" PRIu64 "\n", rows[i].bytes);
	}
	family(f, "ipctrace_ipc_blocked_seconds_total", "counter",
	       "Time the side (src or dst) spent blocked in IPC on the edges src to dst.");
	for (size_t i = 0; i < n; i++) {
		if (rows[i].flabel)
			continue;
		for (int side = 0; side < 2; side++) {
			fprintf(f, "ipctrace_ipc_blocked_seconds_total{mech=\"%s\",", rows[i].mech);
			put_ends(f, &rows[i]);
			fprintf(f, ",side=\"%s\"} ", side ? "dst" : "src");
			put_seconds(f, side ? rows[i].bdst : rows[i].bsrc);
			fputc('\n', f);
		}
	}
	/* families by object name, as the mechanism table declares them */
	for_each_mech(i, ops) {
		for (const struct mech_kind *k = ops->kinds; k && k->name; k++) {
			bool seen = false;

			if (!k->prom_family || !k->prom_label)
				continue;
			/* one family, however many kinds declare it */
			for (size_t j = 0; j <= i && !seen; j++)
				for (const struct mech_kind *p = mech_modules[j]->kinds;
				     p && p->name && p != k; p++)
					seen |= p->prom_family && !strcmp(p->prom_family, k->prom_family);
			if (seen)
				continue;
			fprintf(f, "# HELP ipctrace_%s_total %s from src to dst, by %s and process name.\n"
				"# TYPE ipctrace_%s_total counter\n", k->prom_family, k->name,
				k->prom_label, k->prom_family);
			for (size_t r = 0; r < n; r++) {
				if (!rows[r].flabel || strcmp(rows[r].mech, k->prom_family))
					continue;
				fprintf(f, "ipctrace_%s_total{%s=\"%s\",", k->prom_family,
					rows[r].flabel, rows[r].obj);
				put_ends(f, &rows[r]);
				fprintf(f, "} %" PRIu64 "\n", rows[r].msgs);
			}
		}
	}
	family(f, "ipctrace_lost_events_total", "counter",
	       "Event records the kernel dropped (ring buffer full): the counts are short.");
	fprintf(f, "ipctrace_lost_events_total %" PRIu64 "\n", s->lost.events);
	family(f, "ipctrace_map_full_total", "counter",
	       "Operations not counted because a BPF map (or memory) was full.");
	fprintf(f, "ipctrace_map_full_total %" PRIu64 "\n", s->lost.map_full);
	family(f, "ipctrace_series_dropped_total", "counter",
	       "Label sets beyond --max-series, summed into src=\"other\",dst=\"other\".");
	fprintf(f, "ipctrace_series_dropped_total %" PRIu64 "\n", dropped);

	for (size_t i = 0; i < n; i++)
		row_free(&rows[i]);
	free(rows);
	return 0;
}

/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * Renderers: each writes one report of a snapshot to a FILE *, and sees
 * nothing but the snapshot, so tests render into open_memstream().
 */
#ifndef IPCTRACE_RENDER_H
#define IPCTRACE_RENDER_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include "core/model.h"

/* NDJSON (DESIGN.md §5): a "report" line, its "edge" lines, its "process" lines. */
void render_json(const struct snapshot *s, FILE *f);

/*
 * A human table.  ansi: f is a live terminal: home the cursor and clear the
 * screen first, and show no more rows than the terminal has; otherwise
 * reports follow each other, each ended by a blank line.
 */
void render_table(const struct snapshot *s, FILE *f, bool ansi);

/* A Graphviz digraph: processes are nodes, edges are the model's edges. */
void render_dot(const struct snapshot *s, FILE *f);

/*
 * That digraph as an SVG picture, laid out and drawn by Graphviz's own
 * library (libgvc, the "dot" layout; no `dot` program is run) and written
 * to f in one piece.  Returns 0, or -1 with nothing written and a
 * one-line reason in msg (Graphviz's own error, with the fix when its
 * plugins are not configured).
 */
int render_svg(const struct snapshot *s, FILE *f, char *msg, size_t len);

/*
 * Prometheus text exposition format 0.0.4 (docs/prometheus.md): counters
 * summed over the edges of s by mechanism and process names.  st keeps
 * which label sets have a series of their own, at most max_series of them
 * (prom_state_new()); the others are summed into src="other",dst="other"
 * and counted.  version is ipctrace_build_info's label.  Returns 0, or -1
 * when out of memory (with nothing written).
 */
struct prom_state;
struct prom_state *prom_state_new(uint32_t max_series);
void prom_state_free(struct prom_state *st);
int render_prom(const struct snapshot *s, FILE *f, struct prom_state *st, const char *version);

/*
 * One line for stderr at the end of a run that lost anything (events
 * dropped, maps full), saying how much and what to do; nothing otherwise.
 */
void render_lost_warning(const struct snapshot *s, FILE *f);

/*
 * --hist, after the table (output/render_hist.c): for each edge that has
 * histograms of blocked time, a line "SRC -> DST MECH OBJECT", then each
 * end's non-empty buckets bcc-style (ns range, count, a bar of 40 scaled
 * to the largest count).  Nothing when no edge has one.
 */
void render_hist_table(const struct snapshot *s, FILE *f);

#endif /* IPCTRACE_RENDER_H */

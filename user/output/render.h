/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * Renderers: each writes one report of a snapshot to a FILE *, and sees
 * nothing but the snapshot, so tests render into open_memstream().
 */
#ifndef IPCTRACE_RENDER_H
#define IPCTRACE_RENDER_H

#include <stdbool.h>
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
 * One line for stderr at the end of a run that lost anything (events
 * dropped, maps full), saying how much and what to do; nothing otherwise.
 */
void render_lost_warning(const struct snapshot *s, FILE *f);

#endif /* IPCTRACE_RENDER_H */

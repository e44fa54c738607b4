// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * SVG output: `ipctrace -f svg -o ipc.svg -- cmd`.  The picture is the DOT
 * renderer's graph, styling and all, handed in memory to Graphviz's
 * libraries: libcgraph parses it, libgvc lays it out with the "dot" layout
 * and draws it as SVG.  What `-f dot | dot -Tsvg` would give, without the
 * `dot` program or a pipe.
 *
 * libgvc finds its layout and SVG plugins through the configuration file
 * its Debian package writes at install (libgvc6-config-update -c, the
 * same as `dot -c`); without it the layout fails, and the error says so.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <gvc.h>
#include "output/render.h"

/*
 * Graphviz's messages, caught rather than left to go to stderr: the first
 * line of its first error.  Graphviz calls the handler with the level
 * ("Error" or "Warning"), then ": ", then the text; warnings are dropped.
 */
static struct {
	char text[200];
	size_t len;
	bool level_seen;  /* the level word came: skip the ": " after it */
	bool in_error;    /* the message being written is the first error */
	bool done;        /* text holds the whole first line */
} gv_msg;

static int catch_gv_msg(char *piece)
{
	if (!strcmp(piece, "Error") || !strcmp(piece, "Warning")) {
		gv_msg.in_error = !gv_msg.done && !gv_msg.len && piece[0] == 'E';
		gv_msg.level_seen = true;
		return 0;
	}
	if (gv_msg.level_seen && !strcmp(piece, ": ")) {
		gv_msg.level_seen = false;
		return 0;
	}
	gv_msg.level_seen = false;
	for (; gv_msg.in_error && !gv_msg.done && *piece; piece++) {
		if (*piece == '\n' || gv_msg.len == sizeof(gv_msg.text) - 1)
			gv_msg.done = true;
		else
			gv_msg.text[gv_msg.len++] = *piece;
	}
	gv_msg.text[gv_msg.len] = '\0';
	return 0;
}

/* The one-line reason for a failed step of Graphviz's. */
static void gv_fail(char *msg, size_t len, const char *what)
{
	const char *why = gv_msg.len ? gv_msg.text : "no reason given";
	char *list = strstr(gv_msg.text, ". Use one of:");

	/* 'Layout type: "dot" not recognized. Use one of:' and the list, empty here */
	if (list)
		*list = '\0';
	if (strstr(why, "not recognized") || strstr(why, "unavailable"))
		snprintf(msg, len, "Graphviz cannot %s (%s): its plugins are not configured; "
			 "run 'libgvc6-config-update -c' (Debian) or 'dot -c' as root", what, why);
	else
		snprintf(msg, len, "Graphviz cannot %s: %s", what, why);
}

int render_svg(const struct snapshot *s, FILE *f, char *msg, size_t len)
{
	agusererrf old_errf;
	GVC_t *gvc = NULL;
	Agraph_t *g = NULL;
	char *dot = NULL, *svg = NULL;
	size_t dot_len = 0;
	unsigned int svg_len = 0;
	int ret = -1;
	FILE *mem;

	mem = open_memstream(&dot, &dot_len);
	if (!mem) {
		snprintf(msg, len, "cannot draw the SVG: %s", strerror(errno));
		return -1;
	}
	render_dot(s, mem);
	/* both: fclose() frees the stream whatever ferror() says */
	if (ferror(mem) + fclose(mem)) {
		snprintf(msg, len, "cannot draw the SVG: out of memory");
		free(dot);
		return -1;
	}

	memset(&gv_msg, 0, sizeof(gv_msg));
	old_errf = agseterrf(catch_gv_msg);
	gvc = gvContext();
	if (!gvc) {
		gv_fail(msg, len, "start");
		goto out;
	}
	g = agmemread(dot);
	if (!g) {
		gv_fail(msg, len, "read the graph");
		goto out;
	}
	if (gvLayout(gvc, g, "dot")) {
		gv_fail(msg, len, "lay out the graph");
		goto out;
	}
	if (gvRenderData(gvc, g, "svg", &svg, &svg_len) || !svg) {
		gv_fail(msg, len, "draw SVG");
		goto out;
	}
	fwrite(svg, 1, svg_len, f);
	fflush(f);
	ret = 0;
out:
	if (svg)
		gvFreeRenderData(svg);
	/* safe after a failed or partial layout too: it frees what there is */
	if (g) {
		gvFreeLayout(gvc, g);
		agclose(g);
	}
	if (gvc)
		gvFreeContext(gvc);
	agseterrf(old_errf);
	free(dot);
	return ret;
}

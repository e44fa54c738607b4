/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * Writing untrusted strings into JSON, Graphviz and a terminal.
 *
 * Process names and FIFO paths are raw bytes chosen by whoever runs the
 * traced program: they may hold quotes, control bytes, terminal escape
 * sequences or bytes that are not UTF-8.  Every string a renderer prints
 * goes through one of these functions, so the output stays well-formed
 * whatever the input.
 */
#ifndef IPCTRACE_JSONESC_H
#define IPCTRACE_JSONESC_H

#include <stdio.h>

/*
 * Write s as a JSON string literal, quotes included.  Valid UTF-8 passes
 * through; '"', '\\', bytes below 0x20, 0x7f and the C1 controls are
 * escaped; a byte that is not part of valid UTF-8 becomes \u00XX of its
 * value (so 0xff reads back as U+00FF), which keeps the output valid UTF-8.
 * NULL is written as "".
 */
void json_put_string(FILE *f, const char *s);

/*
 * Write the body of a Graphviz quoted string (no quotes), so a caller can
 * compose a label from several pieces: '"' and '\\' are escaped, control
 * bytes, invalid UTF-8 and bidi overrides become '?'.  No backslash
 * sequence of the input survives, so the input cannot inject "\n" or "\N";
 * '&' is written "&amp;", since Graphviz decodes HTML entities in labels
 * (a name "a&lt;b" must not be drawn "a<b").
 */
void dot_put_escaped(FILE *f, const char *s);
/* The same, with the surrounding quotes. */
void dot_put_string(FILE *f, const char *s);

/*
 * Write s for a terminal: control bytes (C0, DEL, C1), bidi overrides and
 * invalid UTF-8 are shown as '?'.  width pads or truncates to |width|
 * characters, right-aligned when positive, left-aligned when negative,
 * like printf's "%*s"; 0 writes s as is.  A character is one column: the
 * rare wide (CJK) comm makes its row a little longer, never garbled.
 */
void text_put_clean(FILE *f, const char *s, int width);
/*
 * Like text_put_clean(), but a string longer than |width| keeps its tail
 * behind a ".." (the end of a path names the object best).
 */
void text_put_clean_tail(FILE *f, const char *s, int width);

/*
 * A Prometheus label value (exposition format 0.0.4): backslash, double
 * quote and newline escaped; other control bytes and bytes that are not
 * UTF-8 become U+FFFD.  Allocated (free it); NULL when out of memory.
 */
char *prom_label_escape(const char *s);

#endif /* IPCTRACE_JSONESC_H */

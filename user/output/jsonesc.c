// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* Escaping untrusted bytes for JSON, Graphviz and terminals. */
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include "output/jsonesc.h"

/*
 * Length of the valid UTF-8 sequence at p (1 to 4) and its code point, or
 * 0 if p does not start one.  Overlong forms, surrogates and code points
 * above U+10FFFF are invalid (RFC 3629): a JSON parser would reject them.
 * p is NUL-terminated and NUL is never a continuation byte, so this never
 * reads past the end.
 */
static int utf8_next(const unsigned char *p, uint32_t *cp)
{
	unsigned char b = p[0], lo = 0x80, hi = 0xbf;
	int len, i;

	if (b < 0x80) {
		*cp = b;
		return 1;
	}
	if (b >= 0xc2 && b <= 0xdf) {
		len = 2;
		*cp = b & 0x1f;
	} else if (b >= 0xe0 && b <= 0xef) {
		len = 3;
		*cp = b & 0x0f;
		if (b == 0xe0)
			lo = 0xa0;	/* overlong */
		else if (b == 0xed)
			hi = 0x9f;	/* UTF-16 surrogates */
	} else if (b >= 0xf0 && b <= 0xf4) {
		len = 4;
		*cp = b & 0x07;
		if (b == 0xf0)
			lo = 0x90;	/* overlong */
		else if (b == 0xf4)
			hi = 0x8f;	/* above U+10FFFF */
	} else {
		return 0;
	}
	for (i = 1; i < len; i++) {
		if (p[i] < lo || p[i] > hi)
			return 0;
		*cp = (*cp << 6) | (p[i] & 0x3f);
		lo = 0x80;
		hi = 0xbf;
	}
	return len;
}

/*
 * Code points a terminal or Graphviz must not see raw: C0, DEL and C1
 * controls (a UTF-8 encoded U+009B is a CSI to some terminals), and the
 * bidi overrides and isolates that reorder the text around them.
 */
static bool is_unsafe_display(uint32_t cp)
{
	return cp < 0x20 || (cp >= 0x7f && cp <= 0x9f) ||
	       (cp >= 0x202a && cp <= 0x202e) || (cp >= 0x2066 && cp <= 0x2069);
}

/* Bytes of s up to its end that are printable ASCII, and not quote or backslash if json. */
static size_t plain_prefix(const char *s, bool json)
{
	const unsigned char *p = (const unsigned char *)s;

	while (*p >= 0x20 && *p < 0x7f && (!json || (*p != '"' && *p != '\\')))
		p++;
	return p - (const unsigned char *)s;
}

void json_put_string(FILE *f, const char *s)
{
	const unsigned char *p = (const unsigned char *)(s ? s : "");
	size_t plain = plain_prefix((const char *)p, true);
	uint32_t cp;
	int len;

	/* the common name needs no escape: one write (--events writes millions) */
	if (!p[plain]) {
		fputc('"', f);
		fwrite(p, 1, plain, f);
		fputc('"', f);
		return;
	}
	fputc('"', f);
	while (*p) {
		len = utf8_next(p, &cp);
		if (len == 0) {
			/* Not UTF-8: keep the byte's value visible as U+00XX. */
			fprintf(f, "\\u%04x", *p++);
			continue;
		}
		switch (cp) {
		case '"':  fputs("\\\"", f); break;
		case '\\': fputs("\\\\", f); break;
		case '\n': fputs("\\n", f); break;
		case '\t': fputs("\\t", f); break;
		case '\r': fputs("\\r", f); break;
		case '\b': fputs("\\b", f); break;
		case '\f': fputs("\\f", f); break;
		default:
			/*
			 * JSON only requires escaping below 0x20; DEL and C1
			 * are escaped too so that `cat`ing the output cannot
			 * drive the terminal.
			 */
			if (cp < 0x20 || (cp >= 0x7f && cp <= 0x9f))
				fprintf(f, "\\u%04x", (unsigned int)cp);
			else
				fwrite(p, 1, len, f);
		}
		p += len;
	}
	fputc('"', f);
}

void dot_put_escaped(FILE *f, const char *s)
{
	const unsigned char *p = (const unsigned char *)(s ? s : "");
	uint32_t cp;
	int len;

	while (*p) {
		len = utf8_next(p, &cp);
		if (len == 0) {
			/* Graphviz expects UTF-8 by default and rejects the rest. */
			fputc('?', f);
			p++;
			continue;
		}
		if (cp == '"' || cp == '\\') {
			fputc('\\', f);
			fputc(cp, f);
		} else if (cp == '&') {
			/* Graphviz reads "&lt;" in a label as '<': a name holding one must stay itself */
			fputs("&amp;", f);
		} else if (is_unsafe_display(cp)) {
			fputc('?', f);
		} else {
			fwrite(p, 1, len, f);
		}
		p += len;
	}
}

void dot_put_string(FILE *f, const char *s)
{
	fputc('"', f);
	dot_put_escaped(f, s);
	fputc('"', f);
}

/*
 * Step over one displayed character of *p: returns its bytes in *out and
 * *out_len, "?" for anything unsafe or invalid; returns false at the end.
 */
static bool clean_next(const unsigned char **p, const unsigned char **out, int *out_len)
{
	uint32_t cp;
	int len;

	if (**p == '\0')
		return false;
	len = utf8_next(*p, &cp);
	if (len == 0 || is_unsafe_display(cp)) {
		*out = (const unsigned char *)"?";
		*out_len = 1;
		*p += len ? len : 1;
	} else {
		*out = *p;
		*out_len = len;
		*p += len;
	}
	return true;
}

static int clean_count(const char *s)
{
	const unsigned char *p = (const unsigned char *)s, *out;
	int len, n = 0;

	while (clean_next(&p, &out, &len))
		n++;
	return n;
}

/* Write the characters of s from index `from` on, at most `max` of them. */
static void clean_write(FILE *f, const char *s, int from, int max)
{
	const unsigned char *p = (const unsigned char *)s, *out;
	int len, i = 0;

	while (max > 0 && clean_next(&p, &out, &len)) {
		if (i++ < from)
			continue;
		fwrite(out, 1, len, f);
		max--;
	}
}

static void put_spaces(FILE *f, int n)
{
	while (n-- > 0)
		fputc(' ', f);
}

static void clean_put(FILE *f, const char *s, int width, bool keep_tail)
{
	int w = abs(width), n, shown;

	if (!s)
		s = "";
	if (width == 0 && !s[plain_prefix(s, false)]) {
		fputs(s, f);
		return;
	}
	n = clean_count(s);
	if (width == 0 || n <= w) {
		shown = n;
		if (width > 0)
			put_spaces(f, w - shown);
		clean_write(f, s, 0, n);
	} else if (!keep_tail) {
		shown = w;
		clean_write(f, s, 0, w);
	} else if (w > 2) {
		shown = w;
		fputs("..", f);
		clean_write(f, s, n - (w - 2), w - 2);
	} else {
		shown = w;
		clean_write(f, s, n - w, w);
	}
	if (width < 0)
		put_spaces(f, w - shown);
}

void text_put_clean(FILE *f, const char *s, int width)
{
	clean_put(f, s, width, false);
}

void text_put_clean_tail(FILE *f, const char *s, int width)
{
	clean_put(f, s, width, true);
}

char *prom_label_escape(const char *in)
{
	const unsigned char *p = (const unsigned char *)in;
	size_t o = 0;
	char *out = malloc(strlen(in) * 3 + 1); /* at most 3 bytes out for one in */
	uint32_t cp;
	int len;

	if (!out)
		return NULL;
	while (*p) {
		len = utf8_next(p, &cp);
		if (*p == '\\' || *p == '"') {
			out[o++] = '\\';
			out[o++] = (char)*p++;
		} else if (*p == '\n') {
			out[o++] = '\\';
			out[o++] = 'n';
			p++;
		} else if (!len || cp < 0x20 || cp == 0x7f) {
			memcpy(out + o, "\xef\xbf\xbd", 3); /* U+FFFD */
			o += 3;
			p++;
		} else {
			memcpy(out + o, p, len);
			o += len;
			p += len;
		}
	}
	out[o] = '\0';
	return out;
}

// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
#include <inttypes.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include "output/fmt.h"
#include "output/jsonesc.h"

const char *fmt_human(double v, double base, char *buf, size_t len)
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

const char *fmt_ns(uint64_t ns, char *buf, size_t len)
{
	static const struct {
		uint64_t div;
		const char *unit;
	} scale[] = { { 1000000000, "s" }, { 1000000, "ms" }, { 1000, "us" } };

	for (size_t i = 0; i < sizeof(scale) / sizeof(scale[0]); i++) {
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

/* ---- fitting an object's name into a column ---- */

#define FIT_MAX 1024 /* an object's name is at most 300 bytes, a module's text a little more */
#define ELLIPSIS "..."
#define ELLIPSIS_W 3

/* Where fmt_fit_object() writes: buf, always NUL-terminated. */
struct fit_out {
	char *buf;
	size_t len, o;
};

static void put(struct fit_out *w, const char *s, size_t n)
{
	if (!w->len)
		return;
	if (n > w->len - 1 - w->o)
		n = w->len - 1 - w->o;
	memcpy(w->buf + w->o, s, n);
	w->o += n;
	w->buf[w->o] = '\0';
}

static void put_str(struct fit_out *w, const char *s)
{
	put(w, s, strlen(s));
}

/* Characters of clean text (valid UTF-8): the bytes that start one. */
static size_t n_chars(const char *s)
{
	size_t n = 0;

	for (; *s; s++)
		n += ((unsigned char)*s & 0xc0) != 0x80;
	return n;
}

/* The byte offset of character k of s (its length if it has fewer). */
static size_t char_off(const char *s, size_t k)
{
	size_t i;

	for (i = 0; s[i]; i++) {
		if (((unsigned char)s[i] & 0xc0) == 0x80)
			continue;
		if (k == 0)
			break;
		k--;
	}
	return i;
}

/*
 * in as text_put_clean() shows it, into out: the fitting then counts the
 * characters the terminal gets.
 */
static void clean(const char *in, char *out, size_t len)
{
	FILE *f;

	out[0] = out[len - 1] = '\0';
	f = fmemopen(out, len - 1, "w");
	if (!f) {
		/* out of memory: the caller's text_put_clean() still cleans it */
		snprintf(out, len, "%s", in);
		return;
	}
	text_put_clean(f, in, 0);
	fclose(f);
}

/* The last width characters of s, behind "..." when there is room for it. */
static void fit_end(struct fit_out *w, const char *s, size_t width)
{
	size_t n = n_chars(s);

	if (width > ELLIPSIS_W) {
		put_str(w, ELLIPSIS);
		width -= ELLIPSIS_W;
	}
	put_str(w, s + char_off(s, n - width));
}

/* The first characters of s and "..." (s is wider than width). */
static void fit_head(struct fit_out *w, const char *s, size_t width)
{
	if (width <= ELLIPSIS_W) {
		put(w, s, char_off(s, width));
		return;
	}
	put(w, s, char_off(s, width - ELLIPSIS_W));
	put_str(w, ELLIPSIS);
}

/*
 * s (wider than width) keeping tail = s + t whole: head "..." tail; a
 * path's tail "/name" drops its '/' before anything else.  A tail wider
 * than width alone keeps its own end.
 */
static void fit_tail(struct fit_out *w, const char *s, size_t t, size_t width)
{
	const char *tail = s + t;
	size_t tc = n_chars(tail);

	if (tc + ELLIPSIS_W > width && tail[0] == '/' && tail[1]) {
		tail++;
		tc--;
	}
	if (tc + ELLIPSIS_W <= width) {
		put(w, s, char_off(s, width - tc - ELLIPSIS_W));
		put_str(w, ELLIPSIS);
		put_str(w, tail);
	} else if (tc <= width) {
		put_str(w, tail);
	} else {
		fit_end(w, tail, width);
	}
}

/* One end of a socket's name: "127.0.0.1:5000", "[::1]:5000". */
struct inet_end {
	const char *addr, *port;
	size_t alen, plen;
};

static bool all_of(const char *s, size_t n, const char *set)
{
	for (size_t i = 0; i < n; i++)
		if (!strchr(set, s[i]) || !s[i])
			return false;
	return true;
}

static bool parse_end(const char *s, size_t n, struct inet_end *e)
{
	const char *colon = memrchr(s, ':', n);

	if (!colon)
		return false;
	e->addr = s;
	e->alen = colon - s;
	e->port = colon + 1;
	e->plen = s + n - e->port;
	if (!e->plen || e->plen > 5 || !all_of(e->port, e->plen, "0123456789") || !e->alen)
		return false;
	if (s[0] == '[')
		return e->alen > 2 && s[e->alen - 1] == ']' &&
		       all_of(s + 1, e->alen - 2, "0123456789abcdefABCDEF:.");
	return all_of(s, e->alen, "0123456789.");
}

/* The address in at most width characters: its tail behind "..." (width >= 4). */
static void put_addr(struct fit_out *w, const struct inet_end *e, size_t width)
{
	if (e->alen <= width) {
		put(w, e->addr, e->alen);
		return;
	}
	put_str(w, ELLIPSIS);
	put(w, e->addr + e->alen - (width - ELLIPSIS_W), width - ELLIPSIS_W);
}

/* "ADDR:PORT->ADDR:PORT" or "ADDR:PORT" with addresses cut to their widths (SIZE_MAX: whole). */
static void put_inet(struct fit_out *w, const struct inet_end *e, size_t n, const size_t *aw,
		     bool colons)
{
	for (size_t i = 0; i < n; i++) {
		if (i)
			put_str(w, "->");
		if (aw[i])
			put_addr(w, &e[i], aw[i]);
		if (colons)
			put_str(w, ":");
		put(w, e[i].port, e[i].plen);
	}
}

/*
 * A TCP or UDP name (s wider than width): the ports stay, the addresses
 * give way.  false: s is not one.
 */
static bool fit_inet(struct fit_out *w, const char *s, size_t width)
{
	struct inet_end e[2];
	const char *arrow = strstr(s, "->");
	size_t n = arrow ? 2 : 1, fixed = arrow ? 2 : 0, addrs = 0, aw[2] = { 0, 0 }, budget;

	if (!parse_end(s, arrow ? (size_t)(arrow - s) : strlen(s), &e[0]) ||
	    (arrow && !parse_end(arrow + 2, strlen(arrow + 2), &e[1])))
		return false;
	for (size_t i = 0; i < n; i++) {
		/* the loopback as "lo": it is what TCP and UDP are traced on */
		if ((e[i].alen == 9 && !memcmp(e[i].addr, "127.0.0.1", 9)) ||
		    (e[i].alen == 5 && !memcmp(e[i].addr, "[::1]", 5))) {
			e[i].addr = "lo";
			e[i].alen = 2;
		}
		fixed += 1 + e[i].plen;
		addrs += e[i].alen;
		aw[i] = e[i].alen;
	}
	if (fixed + addrs <= width) {
		put_inet(w, e, n, aw, true);
	} else if (width >= fixed + n * (ELLIPSIS_W + 1)) {
		/* each address its share, what one does not need to the other */
		budget = width - fixed;
		aw[0] = e[0].alen < budget / n ? e[0].alen : budget / n;
		if (n == 2) {
			aw[1] = e[1].alen < budget - aw[0] ? e[1].alen : budget - aw[0];
			aw[0] = e[0].alen < budget - aw[1] ? e[0].alen : budget - aw[1];
		}
		put_inet(w, e, n, aw, true);
	} else if (width >= fixed) {
		aw[0] = aw[1] = 0;
		put_inet(w, e, n, aw, true);
	} else if (width >= fixed - n) {
		aw[0] = aw[1] = 0;
		put_inet(w, e, n, aw, false);
	} else {
		fit_end(w, s, width);
	}
	return true;
}

size_t fmt_fit_object(const char *obj, size_t width, char *buf, size_t len)
{
	struct fit_out w = { .buf = buf, .len = len };
	char s[FIT_MAX];
	const char *slash, *br;

	if (len)
		buf[0] = '\0';
	clean(obj ? obj : "", s, sizeof(s));
	if (n_chars(s) <= width) {
		put_str(&w, s);
	} else if (!fit_inet(&w, s, width)) {
		slash = strrchr(s, '/');
		br = strrchr(s, '[');
		if (slash)
			fit_tail(&w, s, slash - s, width);
		else if (br)
			fit_tail(&w, s, br - s, width);
		else
			fit_head(&w, s, width);
	}
	return len ? n_chars(buf) : 0;
}

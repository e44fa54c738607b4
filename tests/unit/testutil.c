// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* Helpers shared by the unit tests. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "render.h"
#include "unit/testutil.h"

struct proc_ref P(uint32_t pid)
{
	return (struct proc_ref){ pid, 1000000ULL * pid };
}

struct proc_ref P2(uint32_t pid, uint64_t start_ns)
{
	return (struct proc_ref){ pid, start_ns };
}

void feed_ep(struct model *m, struct proc_ref p, const char *comm, int mech, int dir,
	     uint64_t ino, uint64_t ops, uint64_t bytes, uint64_t blocked_ns)
{
	struct ep_obs o = {
		.proc = p, .mech = mech, .dir = dir, .obj_a = 0xc, .obj_b = ino,
		.ops = ops, .bytes = bytes, .blocked_ns = blocked_ns,
	};

	snprintf(o.comm, sizeof(o.comm), "%s", comm);
	model_update_endpoint(m, &o);
}

void feed_sig(struct model *m, struct proc_ref src, const char *src_comm, struct proc_ref dst,
	      int sig, int code, uint64_t generated)
{
	struct sig_obs o = {
		.src = src, .dst = dst, .sig = sig, .code = code, .generated = generated,
		.result = { generated, 0, 0, 0, 0 },
	};

	snprintf(o.src_comm, sizeof(o.src_comm), "%s", src_comm);
	model_update_signal(m, &o);
}

void feed_sigdel(struct model *m, struct proc_ref p, const char *comm, int sig,
		 uint64_t delivered, uint64_t lat_count, uint64_t lat_sum, uint64_t lat_max)
{
	struct sigdel_obs o = {
		.proc = p, .sig = sig, .delivered = delivered,
		.lat_count = lat_count, .lat_sum_ns = lat_sum, .lat_max_ns = lat_max,
	};

	snprintf(o.comm, sizeof(o.comm), "%s", comm);
	model_update_sigdel(m, &o);
}

const struct edge *find_edge(const struct snapshot *s, uint32_t src, uint32_t dst,
			     const char *object)
{
	size_t i;

	for (i = 0; i < s->n_edges; i++) {
		const struct edge *e = &s->edges[i];

		if (e->src.pid == src && e->dst.pid == dst && strcmp(e->object, object) == 0)
			return e;
	}
	return NULL;
}

/* Open a memstream, let the caller write, return the text. */
#define CAPTURE(stmt)					\
	do {						\
		char *buf = NULL;			\
		size_t len = 0;				\
		FILE *f = open_memstream(&buf, &len);	\
		if (!f)					\
			abort();			\
		stmt;					\
		fclose(f);				\
		return buf;				\
	} while (0)

char *render_json_str(const struct snapshot *s)
{
	CAPTURE(render_json(s, f));
}

char *render_table_str(const struct snapshot *s, bool ansi)
{
	CAPTURE(render_table(s, f, ansi));
}

char *render_dot_str(const struct snapshot *s)
{
	CAPTURE(render_dot(s, f));
}

char *capture(void (*fn)(FILE *, const char *), const char *str)
{
	CAPTURE(fn(f, str));
}

char *capture_w(void (*fn)(FILE *, const char *, int), const char *str, int width)
{
	CAPTURE(fn(f, str, width));
}

/* ---- a small strict JSON checker (RFC 8259), for the escaping tests ---- */

struct jp {
	const unsigned char *p, *end;
	int depth;
};

static void ws(struct jp *j)
{
	while (j->p < j->end && (*j->p == ' ' || *j->p == '\t' || *j->p == '\n' || *j->p == '\r'))
		j->p++;
}

static bool lit(struct jp *j, const char *word)
{
	size_t n = strlen(word);

	if ((size_t)(j->end - j->p) < n || memcmp(j->p, word, n))
		return false;
	j->p += n;
	return true;
}

static bool digits(struct jp *j)
{
	const unsigned char *start = j->p;

	while (j->p < j->end && *j->p >= '0' && *j->p <= '9')
		j->p++;
	return j->p > start;
}

static bool number(struct jp *j)
{
	if (j->p < j->end && *j->p == '-')
		j->p++;
	if (j->p < j->end && *j->p == '0')
		j->p++;
	else if (!digits(j))
		return false;
	if (j->p < j->end && *j->p == '.') {
		j->p++;
		if (!digits(j))
			return false;
	}
	if (j->p < j->end && (*j->p == 'e' || *j->p == 'E')) {
		j->p++;
		if (j->p < j->end && (*j->p == '+' || *j->p == '-'))
			j->p++;
		if (!digits(j))
			return false;
	}
	return true;
}

/* One UTF-8 sequence, strictly (no overlongs, surrogates, > U+10FFFF). */
static bool utf8_seq(struct jp *j)
{
	unsigned char b = *j->p, lo = 0x80, hi = 0xbf;
	int len, i;

	if (b < 0x80)
		len = 1;
	else if (b >= 0xc2 && b <= 0xdf)
		len = 2;
	else if (b >= 0xe0 && b <= 0xef)
		len = 3, lo = b == 0xe0 ? 0xa0 : 0x80, hi = b == 0xed ? 0x9f : 0xbf;
	else if (b >= 0xf0 && b <= 0xf4)
		len = 4, lo = b == 0xf0 ? 0x90 : 0x80, hi = b == 0xf4 ? 0x8f : 0xbf;
	else
		return false;
	if (j->end - j->p < len)
		return false;
	for (i = 1; i < len; i++) {
		if (j->p[i] < lo || j->p[i] > hi)
			return false;
		lo = 0x80;
		hi = 0xbf;
	}
	j->p += len;
	return true;
}

static bool string(struct jp *j)
{
	int i;

	if (j->p >= j->end || *j->p++ != '"')
		return false;
	while (j->p < j->end && *j->p != '"') {
		if (*j->p < 0x20)
			return false;
		if (*j->p != '\\') {
			if (!utf8_seq(j))
				return false;
			continue;
		}
		if (++j->p >= j->end)
			return false;
		if (strchr("\"\\/bfnrt", *j->p) && *j->p) {
			j->p++;
		} else if (*j->p == 'u') {
			for (i = 1; i <= 4; i++) {
				if (j->p + i >= j->end || !strchr("0123456789abcdefABCDEF", j->p[i]))
					return false;
			}
			j->p += 5;
		} else {
			return false;
		}
	}
	if (j->p >= j->end)
		return false;
	j->p++;
	return true;
}

static bool value(struct jp *j);

static bool members(struct jp *j, bool object)
{
	char close = object ? '}' : ']';

	j->p++;
	ws(j);
	if (j->p < j->end && *j->p == close) {
		j->p++;
		return true;
	}
	for (;;) {
		ws(j);
		if (object) {
			if (!string(j))
				return false;
			ws(j);
			if (j->p >= j->end || *j->p++ != ':')
				return false;
		}
		if (!value(j))
			return false;
		ws(j);
		if (j->p >= j->end)
			return false;
		if (*j->p == ',') {
			j->p++;
			continue;
		}
		return *j->p++ == close;
	}
}

static bool value(struct jp *j)
{
	bool ok;

	ws(j);
	if (j->p >= j->end)
		return false;
	switch (*j->p) {
	case '{':
	case '[':
		if (++j->depth > 64)
			return false;
		ok = members(j, *j->p == '{');
		j->depth--;
		return ok;
	case '"':
		return string(j);
	case 't':
		return lit(j, "true");
	case 'f':
		return lit(j, "false");
	case 'n':
		return lit(j, "null");
	default:
		return number(j);
	}
}

bool json_valid(const char *buf, size_t len)
{
	struct jp j = { (const unsigned char *)buf, (const unsigned char *)buf + len, 0 };

	if (!value(&j))
		return false;
	ws(&j);
	return j.p == j.end;
}

bool ndjson_valid(const char *text)
{
	const char *nl;

	while (*text) {
		nl = strchr(text, '\n');
		if (!nl || !json_valid(text, nl - text))
			return false;
		text = nl + 1;
	}
	return true;
}

// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* Helpers shared by the unit tests. */
#include <json-c/json.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "output/render.h"
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
	signal_update(m, &o);
}

void feed_sigdel(struct model *m, struct proc_ref p, const char *comm, int sig,
		 uint64_t delivered, uint64_t lat_count, uint64_t lat_sum, uint64_t lat_max)
{
	struct sigdel_obs o = {
		.proc = p, .sig = sig, .delivered = delivered,
		.lat_count = lat_count, .lat_sum_ns = lat_sum, .lat_max_ns = lat_max,
	};

	snprintf(o.comm, sizeof(o.comm), "%s", comm);
	signal_update_delivery(m, &o);
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

/* ---- JSON validity (RFC 8259), for the escaping and rendering tests ---- */

/*
 * Length of the UTF-8 sequence at s (n bytes there), 0 if it is not one.
 * JSON_TOKENER_VALIDATE_UTF8 checks only lead and continuation bits, so
 * overlong forms, surrogates and code points above U+10FFFF pass it; the
 * escaping tests rely on this to notice json_put_string() letting one out.
 */
static size_t utf8_len(const unsigned char *s, size_t n)
{
	unsigned char lo = 0x80, hi = 0xbf;
	size_t len, i;

	if (s[0] < 0x80)
		return 1;
	if (s[0] >= 0xc2 && s[0] <= 0xdf)
		len = 2;
	else if (s[0] >= 0xe0 && s[0] <= 0xef)
		len = 3, lo = s[0] == 0xe0 ? 0xa0 : 0x80, hi = s[0] == 0xed ? 0x9f : 0xbf;
	else if (s[0] >= 0xf0 && s[0] <= 0xf4)
		len = 4, lo = s[0] == 0xf0 ? 0x90 : 0x80, hi = s[0] == 0xf4 ? 0x8f : 0xbf;
	else
		return 0;
	if (n < len)
		return 0;
	for (i = 1; i < len; i++, lo = 0x80, hi = 0xbf)
		if (s[i] < lo || s[i] > hi)
			return 0;
	return len;
}

/*
 * false if buf holds what json-c 0.16's strict mode lets through but RFC
 * 8259 forbids: a raw control byte in a string (test_escape's "a\nb" must
 * fail), UTF-8 that utf8_len() refuses, or outside strings a byte no JSON
 * text holds there (json-c's NaN, Infinity, 'single-quoted' keys).  Escapes
 * are json-c's to check, so only the byte after a backslash is skipped.
 * Still accepted: numbers such as -01, 00 and 1., which json-c reads and no
 * renderer prints.  tests/integration/json.c does this scan but for UTF-8.
 */
static bool json_rfc_only(const char *buf, size_t len)
{
	const unsigned char *s = (const unsigned char *)buf;
	bool in_str = false;
	size_t i, n;

	for (i = 0; i < len; i++) {
		if (in_str) {
			if (s[i] < 0x20)
				return false;
			if (s[i] == '\\') {
				i++;
			} else if (s[i] == '"') {
				in_str = false;
			} else if (s[i] >= 0x80) {
				n = utf8_len(s + i, len - i);
				if (!n)
					return false;
				i += n - 1;
			}
		} else if (s[i] == '"') {
			in_str = true;
		} else if (!s[i] || !strchr(" \t\n\r{}[],:-+.0123456789eEtruefalsn", s[i])) {
			return false;
		}
	}
	return true;
}

bool json_valid(const char *buf, size_t len)
{
	enum json_tokener_error jerr;
	struct json_tokener *tok;
	size_t end;

	if (len >= INT_MAX || !json_rfc_only(buf, len))
		return false;
	tok = json_tokener_new_ex(64);
	if (!tok)
		abort();
	json_tokener_set_flags(tok, JSON_TOKENER_STRICT | JSON_TOKENER_VALIDATE_UTF8);
	json_object_put(json_tokener_parse_ex(tok, buf, (int)len));
	jerr = json_tokener_get_error(tok);
	end = json_tokener_get_parse_end(tok);
	if (jerr == json_tokener_continue) {
		/*
		 * buf need not end in a NUL (ndjson_valid() passes lines in
		 * place), and a top-level number ends only where the input
		 * does: say so.
		 */
		json_object_put(json_tokener_parse_ex(tok, "", 1));
		jerr = json_tokener_get_error(tok);
		end = len;
	}
	json_tokener_free(tok);
	if (jerr != json_tokener_success)
		return false;
	/* Strict mode refuses a second value already; this keeps it so for any flags. */
	while (end < len && buf[end] && strchr(" \t\n\r", buf[end]))
		end++;
	return end == len;
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

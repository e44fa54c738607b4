// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * Recursive-descent JSON parser (RFC 8259), strict: no comments, no
 * trailing commas, no NaN.  Nesting is bounded so hostile input cannot
 * exhaust the stack.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "json.h"

#define JSON_MAX_DEPTH 64

struct parser {
	const char *p;
	const char *start;
	char *err;
	size_t errlen;
	int failed;
};

static void fail(struct parser *ps, const char *fmt, ...)
{
	va_list ap;
	int n = 0;

	if (ps->failed)
		return;
	ps->failed = 1;
	if (!ps->errlen)
		return;
	n = snprintf(ps->err, ps->errlen, "at offset %td: ", ps->p - ps->start);
	if (n < 0 || (size_t)n >= ps->errlen)
		return;
	va_start(ap, fmt);
	vsnprintf(ps->err + n, ps->errlen - n, fmt, ap);
	va_end(ap);
}

static void skip_ws(struct parser *ps)
{
	while (*ps->p == ' ' || *ps->p == '\t' || *ps->p == '\n' || *ps->p == '\r')
		ps->p++;
}

static struct json *new_value(struct parser *ps, enum json_type type)
{
	struct json *j = calloc(1, sizeof(*j));

	if (!j)
		fail(ps, "out of memory");
	else
		j->type = type;
	return j;
}

void json_free(struct json *j)
{
	if (!j)
		return;
	for (size_t i = 0; i < j->n; i++) {
		json_free(j->items[i]);
		if (j->keys)
			free(j->keys[i]);
	}
	free(j->items);
	free(j->keys);
	free(j->str);
	free(j);
}

struct sbuf {
	char *s;
	size_t len, cap;
};

static int sbuf_put(struct sbuf *b, char c)
{
	if (b->len + 1 >= b->cap) {
		size_t cap = b->cap ? b->cap * 2 : 32;
		char *s = realloc(b->s, cap);

		if (!s)
			return -1;
		b->s = s;
		b->cap = cap;
	}
	b->s[b->len++] = c;
	b->s[b->len] = '\0';
	return 0;
}

static int sbuf_put_utf8(struct sbuf *b, unsigned cp)
{
	int r = 0;

	if (cp < 0x80) {
		r |= sbuf_put(b, cp);
	} else if (cp < 0x800) {
		r |= sbuf_put(b, 0xc0 | cp >> 6);
		r |= sbuf_put(b, 0x80 | (cp & 0x3f));
	} else if (cp < 0x10000) {
		r |= sbuf_put(b, 0xe0 | cp >> 12);
		r |= sbuf_put(b, 0x80 | (cp >> 6 & 0x3f));
		r |= sbuf_put(b, 0x80 | (cp & 0x3f));
	} else {
		r |= sbuf_put(b, 0xf0 | cp >> 18);
		r |= sbuf_put(b, 0x80 | (cp >> 12 & 0x3f));
		r |= sbuf_put(b, 0x80 | (cp >> 6 & 0x3f));
		r |= sbuf_put(b, 0x80 | (cp & 0x3f));
	}
	return r;
}

static int hex4(struct parser *ps, unsigned *out)
{
	unsigned v = 0;

	for (int i = 0; i < 4; i++) {
		char c = ps->p[i];

		v <<= 4;
		if (c >= '0' && c <= '9')
			v |= c - '0';
		else if (c >= 'a' && c <= 'f')
			v |= c - 'a' + 10;
		else if (c >= 'A' && c <= 'F')
			v |= c - 'A' + 10;
		else {
			fail(ps, "bad \\u escape");
			return -1;
		}
	}
	ps->p += 4;
	*out = v;
	return 0;
}

/* Parse a string literal at ps->p (on the opening quote) into b. */
static int parse_string_raw(struct parser *ps, struct sbuf *b)
{
	if (*ps->p != '"') {
		fail(ps, "expected a string");
		return -1;
	}
	ps->p++;
	if (sbuf_put(b, 'x'))
		goto oom;
	b->len = 0;
	b->s[0] = '\0';
	for (;;) {
		unsigned char c = *ps->p;
		unsigned cp, lo;

		if (c == '\0') {
			fail(ps, "unterminated string");
			return -1;
		}
		if (c < 0x20) {
			fail(ps, "control byte 0x%02x in a string", c);
			return -1;
		}
		ps->p++;
		if (c == '"')
			return 0;
		if (c != '\\') {
			if (sbuf_put(b, c))
				goto oom;
			continue;
		}
		c = *ps->p++;
		switch (c) {
		case '"': case '\\': case '/':
			if (sbuf_put(b, c))
				goto oom;
			break;
		case 'b': if (sbuf_put(b, '\b')) goto oom; break;
		case 'f': if (sbuf_put(b, '\f')) goto oom; break;
		case 'n': if (sbuf_put(b, '\n')) goto oom; break;
		case 'r': if (sbuf_put(b, '\r')) goto oom; break;
		case 't': if (sbuf_put(b, '\t')) goto oom; break;
		case 'u':
			if (hex4(ps, &cp))
				return -1;
			if (cp >= 0xd800 && cp <= 0xdbff) {
				/* A high surrogate must be followed by a low one. */
				if (ps->p[0] != '\\' || ps->p[1] != 'u') {
					fail(ps, "lone high surrogate");
					return -1;
				}
				ps->p += 2;
				if (hex4(ps, &lo))
					return -1;
				if (lo < 0xdc00 || lo > 0xdfff) {
					fail(ps, "bad low surrogate");
					return -1;
				}
				cp = 0x10000 + ((cp - 0xd800) << 10) + (lo - 0xdc00);
			} else if (cp >= 0xdc00 && cp <= 0xdfff) {
				fail(ps, "lone low surrogate");
				return -1;
			}
			if (sbuf_put_utf8(b, cp))
				goto oom;
			break;
		default:
			ps->p--;
			fail(ps, "bad escape '\\%c'", c ? c : '0');
			return -1;
		}
	}
oom:
	fail(ps, "out of memory");
	return -1;
}

static struct json *parse_value(struct parser *ps, int depth);

static struct json *parse_number(struct parser *ps)
{
	const char *s = ps->p, *q = s;
	bool is_int = true;
	struct json *j;
	char *end;

	if (*q == '-')
		q++;
	if (*q == '0') {
		q++;
	} else if (*q >= '1' && *q <= '9') {
		while (*q >= '0' && *q <= '9')
			q++;
	} else {
		fail(ps, "bad number");
		return NULL;
	}
	if (*q == '.') {
		is_int = false;
		q++;
		if (*q < '0' || *q > '9') {
			fail(ps, "bad fraction");
			return NULL;
		}
		while (*q >= '0' && *q <= '9')
			q++;
	}
	if (*q == 'e' || *q == 'E') {
		is_int = false;
		q++;
		if (*q == '+' || *q == '-')
			q++;
		if (*q < '0' || *q > '9') {
			fail(ps, "bad exponent");
			return NULL;
		}
		while (*q >= '0' && *q <= '9')
			q++;
	}
	j = new_value(ps, JSON_NUMBER);
	if (!j)
		return NULL;
	j->number = strtod(s, NULL);
	if (is_int) {
		errno = 0;
		j->integer = strtoll(s, &end, 10);
		j->is_int = errno == 0 && end == q;
	}
	ps->p = q;
	return j;
}

static struct json *parse_container(struct parser *ps, int depth, bool object)
{
	struct json *j = new_value(ps, object ? JSON_OBJECT : JSON_ARRAY);
	char close = object ? '}' : ']';
	size_t cap = 0;

	if (!j)
		return NULL;
	ps->p++;
	skip_ws(ps);
	if (*ps->p == close) {
		ps->p++;
		return j;
	}
	for (;;) {
		struct sbuf key = { 0 };
		struct json *v;

		skip_ws(ps);
		if (object) {
			if (parse_string_raw(ps, &key))
				goto err;
			skip_ws(ps);
			if (*ps->p != ':') {
				free(key.s);
				fail(ps, "expected ':'");
				goto err;
			}
			ps->p++;
		}
		v = parse_value(ps, depth + 1);
		if (!v) {
			free(key.s);
			goto err;
		}
		if (j->n == cap) {
			size_t ncap = cap ? cap * 2 : 8;
			struct json **items = realloc(j->items, ncap * sizeof(*items));
			char **keys = object ? realloc(j->keys, ncap * sizeof(*keys)) : NULL;

			if (items)
				j->items = items;
			if (keys)
				j->keys = keys;
			if (!items || (object && !keys)) {
				free(key.s);
				json_free(v);
				fail(ps, "out of memory");
				goto err;
			}
			cap = ncap;
		}
		if (object)
			j->keys[j->n] = key.s;
		j->items[j->n++] = v;
		skip_ws(ps);
		if (*ps->p == ',') {
			ps->p++;
			continue;
		}
		if (*ps->p == close) {
			ps->p++;
			return j;
		}
		fail(ps, "expected ',' or '%c'", close);
		goto err;
	}
err:
	json_free(j);
	return NULL;
}

static struct json *parse_literal(struct parser *ps, const char *word, enum json_type type,
				  bool value)
{
	size_t len = strlen(word);
	struct json *j;

	if (strncmp(ps->p, word, len)) {
		fail(ps, "unexpected character '%c'", *ps->p);
		return NULL;
	}
	ps->p += len;
	j = new_value(ps, type);
	if (j)
		j->boolean = value;
	return j;
}

static struct json *parse_value(struct parser *ps, int depth)
{
	struct json *j;
	struct sbuf b = { 0 };

	if (depth > JSON_MAX_DEPTH) {
		fail(ps, "nested deeper than %d", JSON_MAX_DEPTH);
		return NULL;
	}
	skip_ws(ps);
	switch (*ps->p) {
	case '{':
		return parse_container(ps, depth, true);
	case '[':
		return parse_container(ps, depth, false);
	case '"':
		if (parse_string_raw(ps, &b)) {
			free(b.s);
			return NULL;
		}
		j = new_value(ps, JSON_STRING);
		if (!j) {
			free(b.s);
			return NULL;
		}
		j->str = b.s;
		j->str_len = b.len;
		return j;
	case 't':
		return parse_literal(ps, "true", JSON_BOOL, true);
	case 'f':
		return parse_literal(ps, "false", JSON_BOOL, false);
	case 'n':
		return parse_literal(ps, "null", JSON_NULL, false);
	case '\0':
		fail(ps, "unexpected end of input");
		return NULL;
	default:
		if (*ps->p == '-' || (*ps->p >= '0' && *ps->p <= '9'))
			return parse_number(ps);
		fail(ps, "unexpected character '%c'", *ps->p);
		return NULL;
	}
}

struct json *json_parse(const char *text, char *err, size_t errlen)
{
	struct parser ps = { .p = text, .start = text, .err = err, .errlen = errlen };
	struct json *j;

	if (errlen)
		err[0] = '\0';
	j = parse_value(&ps, 0);
	if (!j)
		return NULL;
	skip_ws(&ps);
	if (*ps.p) {
		fail(&ps, "trailing characters");
		json_free(j);
		return NULL;
	}
	return j;
}

const struct json *json_get(const struct json *obj, const char *key)
{
	if (!obj || obj->type != JSON_OBJECT)
		return NULL;
	for (size_t i = 0; i < obj->n; i++)
		if (!strcmp(obj->keys[i], key))
			return obj->items[i];
	return NULL;
}

const char *json_get_str(const struct json *obj, const char *key)
{
	const struct json *v = json_get(obj, key);

	return v && v->type == JSON_STRING ? v->str : NULL;
}

bool json_get_int(const struct json *obj, const char *key, int64_t *out)
{
	const struct json *v = json_get(obj, key);

	if (!v || v->type != JSON_NUMBER || !v->is_int)
		return false;
	*out = v->integer;
	return true;
}

bool json_is_true(const struct json *obj, const char *key)
{
	const struct json *v = json_get(obj, key);

	return v && v->type == JSON_BOOL && v->boolean;
}

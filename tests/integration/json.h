/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * A small JSON reader for the integration tests: enough to parse one
 * NDJSON line of ipctrace's output or an example's ground truth into a
 * tree and look values up by key.
 */
#ifndef IPCTRACE_TEST_JSON_H
#define IPCTRACE_TEST_JSON_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

enum json_type {
	JSON_NULL,
	JSON_BOOL,
	JSON_NUMBER,
	JSON_STRING,
	JSON_ARRAY,
	JSON_OBJECT,
};

struct json {
	enum json_type type;
	bool boolean;
	bool is_int;     /* a number written without fraction or exponent that fits int64 */
	int64_t integer; /* valid if is_int */
	double number;   /* every number */
	char *str;       /* JSON_STRING: decoded UTF-8, NUL-terminated (may hold \u0000) */
	size_t str_len;
	size_t n;        /* JSON_ARRAY / JSON_OBJECT: element count */
	struct json **items;
	char **keys;     /* JSON_OBJECT: keys[i] names items[i]; duplicates kept */
};

/*
 * Parse text holding exactly one JSON value (surrounding whitespace allowed).
 * Returns the tree, or NULL with a message in err (errlen bytes, may be 0).
 */
struct json *json_parse(const char *text, char *err, size_t errlen);
void json_free(struct json *j);

/* The value of key in object obj (the first one), or NULL: missing or obj not an object. */
const struct json *json_get(const struct json *obj, const char *key);
/* String value of key, or NULL if missing or not a string. */
const char *json_get_str(const struct json *obj, const char *key);
/* Integer value of key into *out; false if missing or not an integer. */
bool json_get_int(const struct json *obj, const char *key, int64_t *out);
/* true only if key holds the literal true. */
bool json_is_true(const struct json *obj, const char *key);

#endif /* IPCTRACE_TEST_JSON_H */

// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* JSON for the integration tests: json-c's tokener in strict mode, plus lookups. */
#include <limits.h>
#include <stdio.h>
#include <string.h>

#include "json.h"

/* Nesting json-c accepts: bounded so hostile input cannot exhaust memory. */
#define JSON_MAX_DEPTH 64

/*
 * Offset of the first byte that json-c 0.16's strict mode lets through but
 * RFC 8259 forbids, or len if there is none: a raw control byte in a string
 * (ipctrace must escape them), and outside strings any byte no JSON text
 * holds there, which catches json-c's NaN, Infinity and 'single-quoted'
 * keys.  Escapes are json-c's to check, so only the byte after a backslash
 * is skipped.  Still accepted: numbers such as -01, 00 and 1., which
 * json-c reads and nothing ipctrace prints resembles.  tests/unit/testutil.c
 * has the same scan: the two test binaries share no source.
 */
static size_t rfc_violation(const char *text, size_t len, const char **why)
{
	bool in_str = false;

	for (size_t i = 0; i < len; i++) {
		unsigned char c = text[i];

		if (in_str) {
			if (c < 0x20) {
				*why = "raw control byte in a string";
				return i;
			}
			if (c == '\\')
				i++;
			else if (c == '"')
				in_str = false;
		} else if (c == '"') {
			in_str = true;
		} else if (!c || !strchr(" \t\n\r{}[],:-+.0123456789eEtruefalsn", c)) {
			*why = "not JSON outside a string";
			return i;
		}
	}
	return len;
}

struct json_object *json_parse(const char *text, char *err, size_t errlen)
{
	size_t len = strlen(text), end = 0;
	struct json_object *v = NULL;
	enum json_tokener_error jerr;
	struct json_tokener *tok;
	const char *why = NULL;

	if (errlen)
		err[0] = '\0';
	if (len >= INT_MAX) {
		why = "text too long for json-c";
		goto fail;
	}
	tok = json_tokener_new_ex(JSON_MAX_DEPTH);
	if (!tok) {
		why = "out of memory";
		goto fail;
	}
	json_tokener_set_flags(tok, JSON_TOKENER_STRICT);
	/* With the NUL counted json-c knows the input ends, so a bare number can finish. */
	v = json_tokener_parse_ex(tok, text, (int)len + 1);
	jerr = json_tokener_get_error(tok);
	end = json_tokener_get_parse_end(tok);
	json_tokener_free(tok);
	if (jerr != json_tokener_success) {
		why = json_tokener_error_desc(jerr);
		goto fail;
	}
	/* Strict mode refuses a second value already; this keeps it so for any flags. */
	while (end < len && strchr(" \t\n\r", text[end]))
		end++;
	if (end < len) {
		why = "trailing characters";
		goto fail;
	}
	end = rfc_violation(text, len, &why);
	if (end != len)
		goto fail;
	if (!v) {
		why = "the value is null";
		goto fail;
	}
	return v;
fail:
	json_object_put(v);
	if (errlen)
		snprintf(err, errlen, "at offset %zu: %s", end, why);
	return NULL;
}

struct json_object *json_get(const struct json_object *obj, const char *key)
{
	struct json_object *v;

	if (!json_object_is_type(obj, json_type_object) || !json_object_object_get_ex(obj, key, &v))
		return NULL;
	return v;
}

const char *json_get_str(const struct json_object *obj, const char *key)
{
	struct json_object *v = json_get(obj, key);
	const char *s;

	if (!json_object_is_type(v, json_type_string))
		return NULL;
	s = json_object_get_string(v);
	return strlen(s) == (size_t)json_object_get_string_len(v) ? s : NULL;
}

bool json_get_int(const struct json_object *obj, const char *key, int64_t *out)
{
	struct json_object *v = json_get(obj, key);
	int64_t i;

	if (!json_object_is_type(v, json_type_int))
		return false;
	i = json_object_get_int64(v);
	if (i == INT64_MIN || i == INT64_MAX)
		return false;
	*out = i;
	return true;
}

bool json_is_true(const struct json_object *obj, const char *key)
{
	struct json_object *v = json_get(obj, key);

	return json_object_is_type(v, json_type_boolean) && json_object_get_boolean(v);
}

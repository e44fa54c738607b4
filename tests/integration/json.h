/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * JSON for the integration tests: json-c parses one NDJSON line of
 * ipctrace's output or an example's ground truth, and these helpers look
 * values up by key without a type check at every call.  Values are json-c's
 * struct json_object; use its API (json_object_is_type(),
 * json_object_object_foreach(), json_object_put()) for anything else.
 *
 * json-c represents JSON null as NULL, so a member whose value is null
 * reads as missing.  Of duplicate keys in an object json-c keeps the last
 * value, and iteration and json_object_object_length() see the key once;
 * nothing ipctrace or the examples write repeats a key.
 */
#ifndef IPCTRACE_TEST_JSON_H
#define IPCTRACE_TEST_JSON_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <json-c/json.h>

/*
 * Parse text holding exactly one JSON value (RFC 8259, except that json-c
 * also reads numbers such as -01 and 1.; whitespace around it allowed) into
 * a tree the caller releases with json_object_put().  On failure, and for a
 * bare null, returns NULL with a message in err (errlen bytes, may be 0):
 * json-c's tokener error and the offset it stopped at.
 */
struct json_object *json_parse(const char *text, char *err, size_t errlen);

/*
 * The value of key in object obj, or NULL if obj is not an object, has no
 * such key or holds null there.  Owned by obj: valid as long as obj is.
 */
struct json_object *json_get(const struct json_object *obj, const char *key);

/*
 * The string value of key, or NULL if missing or not a string.  A string
 * holding U+0000 also gives NULL: as a C string it would compare equal to
 * its prefix.
 */
const char *json_get_str(const struct json_object *obj, const char *key);

/*
 * The integer value of key into *out.  false if missing, not written as an
 * integer (1.0 and 1e3 are not), or outside int64: json-c clamps those to
 * INT64_MIN/INT64_MAX, so neither limit is trusted.
 */
bool json_get_int(const struct json_object *obj, const char *key, int64_t *out);

/* true only if key holds the literal true. */
bool json_is_true(const struct json_object *obj, const char *key);

#endif /* IPCTRACE_TEST_JSON_H */

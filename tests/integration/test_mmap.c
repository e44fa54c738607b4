// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * Regular files mapped MAP_SHARED (mech "mmap"): ipctrace over the
 * mmap_file example.  The harness compares the edges with the truth and
 * finds any edge the truth does not have (a read-only/read-only pair, a
 * MAP_PRIVATE one); here the fields only mmap edges have: the object's
 * path, the size mapped, who mapped writable, msyncs (all exact), and a
 * positive time together.  And the same pair, mapped before a system-wide
 * ipctrace started, found in /proc at its start.
 */
#include <criterion/criterion.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "harness.h"

#define ARGS(...) ((const char *const[]){ __VA_ARGS__, NULL })

static void expect_int(FILE *p, const struct json_object *t, const struct json_object *e,
		       const char *field, const char *side, const char *traw)
{
	const struct json_object *tt = side ? json_get(t, field) : t;
	const struct json_object *ee = side ? json_get(e, field) : e;
	const char *key = side ? side : field;
	int64_t want, got;

	if (!json_get_int(tt, key, &want))
		fprintf(p, "  - truth has no \"%s\"%s%s: %s\n", field, side ? "." : "",
			side ? side : "", traw);
	else if (!json_get_int(ee, key, &got) || got != want)
		fprintf(p, "  - \"%s\"%s%s: ipctrace %s, truth %" PRId64 " for truth %s\n", field,
			side ? "." : "", side ? side : "",
			json_get_int(ee, key, &got) ? "differs" : "missing", want, traw);
}

static void expect_bool(FILE *p, const struct json_object *t, const struct json_object *e,
			const char *side, const char *traw)
{
	const struct json_object *tw = json_get(json_get(t, "writable"), side);
	const struct json_object *ew = json_get(json_get(e, "writable"), side);

	if (!tw || !ew || !json_object_is_type(ew, json_type_boolean) ||
	    json_object_get_boolean(tw) != json_object_get_boolean(ew))
		fprintf(p, "  - \"writable\".%s differs for truth %s\n", side, traw);
}

/* The fields of one mmap truth line against its edge e, into p. */
static void check_edge(FILE *p, const struct json_object *t, const struct json_object *e,
		       const char *traw)
{
	int64_t together;

	expect_int(p, t, e, "size", NULL, traw);
	expect_int(p, t, e, "msyncs", "src", traw);
	expect_int(p, t, e, "msyncs", "dst", traw);
	expect_bool(p, t, e, "src", traw);
	expect_bool(p, t, e, "dst", traw);
	if (!json_get_int(e, "together_ns", &together) || together <= 0)
		fprintf(p, "  - \"together_ns\" missing or not positive for truth %s\n", traw);
}

/* The harness's checks, then the mmap fields; want_edge: the example prints an mmap truth. */
static void check_mmap(struct traced *tr, bool want_edge)
{
	char *problems = NULL;
	size_t plen = 0, n_mmap = 0;
	FILE *p = open_memstream(&problems, &plen);

	cr_assert(p, "out of memory");
	for (size_t i = 0; i < tr->truth.n; i++) {
		const struct json_object *t = tr->truth.v[i], *e;
		const char *mech = json_get_str(t, "mech");

		if (!mech || strcmp(mech, "mmap"))
			continue;
		n_mmap++;
		e = harness_edge_for(tr, t);
		if (e)
			check_edge(p, t, e, tr->truth.raw[i]);
	}
	if (want_edge != (n_mmap == 1))
		fprintf(p, "  - the example printed %zu mmap truth lines\n", n_mmap);
	/* whoever made it: no edge on the example's file unless the truth has it */
	for (size_t i = 0; !want_edge && i < tr->edges.n; i++) {
		const char *obj = json_get_str(tr->edges.v[i], "object");

		if (obj && !strncmp(obj, "mmap:/tmp/ipctrace-mmap.", 24))
			fprintf(p, "  - an edge no truth has: %s\n", tr->edges.raw[i]);
	}
	fclose(p);
	if (plen) {
		harness_dump(tr, problems);
		cr_assert_fail("mmap fields disagree with the truth:\n%s", problems);
	}
	free(problems);
	harness_traced_free(tr);
}

Test(mmap, both_writable)
{
	check_mmap(harness_trace_example("mmap_file", NULL), true);
}

/* The length asked for, not whole pages. */
Test(mmap, one_byte)
{
	check_mmap(harness_trace_example("mmap_file", ARGS("-s", "1")), true);
}

Test(mmap, one_side_read_only)
{
	check_mmap(harness_trace_example("mmap_file", ARGS("-m", "ro", "-s", "10000")), true);
}

Test(mmap, read_only_on_both_sides_is_no_edge)
{
	check_mmap(harness_trace_example("mmap_file", ARGS("-m", "roro")), false);
}

Test(mmap, private_is_no_edge)
{
	check_mmap(harness_trace_example("mmap_file", ARGS("-m", "private")), false);
}

/*
 * P moves its mapping (mremap MREMAP_MAYMOVE|MREMAP_FIXED) before C maps
 * and unmaps the moved one at the end: still one mapping, so the same edge,
 * size and writability as without the move.  Were the move taken for a
 * detach, P would not be attached when C maps: no edge.
 */
Test(mmap, moved_with_mremap)
{
	check_mmap(harness_trace_example("mmap_file", ARGS("-r")), true);
}

/*
 * The pair mapped the file before ipctrace started (system-wide): found in
 * /proc at start, the edge is there with the file's path, the mapping's
 * length (65536: whole pages either way), both writable, and the msync made
 * after the start.
 */
Test(mmap, found_at_start)
{
	static const char script[] =
		"J=\"$1\"; R=\"$1.ready\"; "
		"examples/bin/mmap_file -w \"$R\" 2>\"$1.truth\" & E=$!; "
		"i=0; until [ -e \"$R\" ]; do i=$((i+1)); "
		"  [ $i -gt 500 ] && { echo 'the example never mapped' >&2; exit 1; }; sleep 0.02; done; "
		"./ipctrace -f json -i 0.2 -d 60 -o \"$J\" & T=$!; "
		"i=0; until grep -q '\"type\":\"report\"' \"$J\" 2>/dev/null; do i=$((i+1)); "
		"  [ $i -gt 400 ] && { echo 'ipctrace never reported' >&2; exit 1; }; sleep 0.05; done; "
		"kill -USR1 $E; wait $E; es=$?; sleep 0.3; "
		"kill -INT $T; wait $T; s=$?; [ $s -eq 0 ] || [ $s -eq 130 ] || exit 1; exit $es";
	char *const args[] = { "/bin/sh", "-c", (char *)script, "sh", OUT_FILE, NULL };
	char truth_path[160], buf[64], *truth_text, *line, *save = NULL;
	struct json_object *t = NULL, *e = NULL;
	char *problems = NULL;
	size_t plen = 0;
	struct cli_run r;
	FILE *p;

	harness_require_bpf();
	harness_require_binaries("mmap_file");
	harness_wait_detached();
	cli_run_for(&r, args, HARNESS_TIMEOUT_S);
	snprintf(truth_path, sizeof(truth_path), "%s.truth", r.json_path);
	truth_text = harness_slurp(truth_path);
	cr_assert(WIFEXITED(r.res.status) && WEXITSTATUS(r.res.status) == 0,
		  "%s\n--- stderr ---\n%s--- truth ---\n%s", harness_describe(&r.res, buf, sizeof(buf)),
		  r.err, truth_text);
	for (line = strtok_r(truth_text, "\n", &save); line; line = strtok_r(NULL, "\n", &save))
		if (strstr(line, "\"mech\":\"mmap\"") && !t)
			t = json_parse(line, NULL, 0);
	cr_assert_not_null(t, "no mmap truth:\n%s", harness_slurp(truth_path));
	/* the final report's edge between the truth's pair on its file */
	save = NULL;
	for (line = strtok_r(r.json, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
		struct json_object *j;
		int64_t sp = -1, dp = -1, ts = -2, td = -2;

		if (!strstr(line, "\"final\":true") || !strstr(line, "\"mech\":\"mmap\""))
			continue;
		j = json_parse(line, NULL, 0);
		json_get_int(json_get(j, "src"), "pid", &sp);
		json_get_int(json_get(j, "dst"), "pid", &dp);
		json_get_int(t, "src", &ts);
		json_get_int(t, "dst", &td);
		if (sp == ts && dp == td && json_get_str(j, "object") &&
		    !strcmp(json_get_str(j, "object"), json_get_str(t, "object")) && !e)
			e = j;
		else
			json_object_put(j);
	}
	cr_assert_not_null(e, "no final mmap edge for truth %s in\n%s",
			   json_object_to_json_string(t), harness_slurp(r.json_path));
	p = open_memstream(&problems, &plen);
	check_edge(p, t, e, json_object_to_json_string(t));
	fclose(p);
	cr_expect(!plen, "%s", problems);
	free(problems);
	json_object_put(e);
	json_object_put(t);
	free(truth_text);
	remove(truth_path);
	snprintf(truth_path, sizeof(truth_path), "%s.ready", r.json_path);
	remove(truth_path);
	cli_free(&r);
}

// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * Processes carry their cgroup v2 path, and --cgroup keeps the edges with
 * an end in a subtree.  Each test makes a cgroup of its own in the cgroup2
 * mount, runs a workload in it, and removes it.  Needs root and BPF; a
 * system without a cgroup2 mount fails the test, saying so.
 */
#include <criterion/criterion.h>
#include <errno.h>
#include <inttypes.h>
#include <mntent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "harness.h"

/* The cgroup of the running test, removed by the suite's fini if the test failed first. */
static char cg_made[384];

static void cg_rmdir(const char *path)
{
	/* ipctrace's detach keeper, run in the cgroup with it, may outlive it */
	harness_wait_detached();
	for (int i = 0; i < 100 && rmdir(path) && errno == EBUSY; i++)
		usleep(50000);
}

static void cg_fini(void)
{
	if (cg_made[0])
		cg_rmdir(cg_made);
	cg_made[0] = '\0';
}

TestSuite(cgroup, .timeout = 120, .fini = cg_fini);

struct cg_run {
	char root[256];      /* the cgroup2 mount */
	char name[64];       /* "/ipctrace-test-PID-N" */
	char path[384];      /* root + name */
	char dir[64], out[128], err[128];
	struct run_result res;
	char *out_text, *err_text;
};

static void find_cgroup2(char *root, size_t len)
{
	struct mntent *me;
	FILE *f = setmntent("/proc/self/mounts", "re");

	root[0] = '\0';
	cr_assert_not_null(f, "cannot read /proc/self/mounts");
	while ((me = getmntent(f))) {
		if (!strcmp(me->mnt_type, "cgroup2")) {
			snprintf(root, len, "%s", me->mnt_dir);
			break;
		}
	}
	endmntent(f);
	cr_assert(root[0], "no cgroup2 file system is mounted: these tests need cgroup v2 "
			   "(mount -t cgroup2 none /sys/fs/cgroup)");
}

/* A new cgroup, and a temporary directory for the run's files. */
static void cg_setup(struct cg_run *r, int n)
{
	harness_require_bpf();
	harness_require_binaries("pipe");
	memset(r, 0, sizeof(*r));
	find_cgroup2(r->root, sizeof(r->root));
	snprintf(r->name, sizeof(r->name), "/ipctrace-test-%d-%d", (int)getpid(), n);
	snprintf(r->path, sizeof(r->path), "%s%s", r->root, r->name);
	cr_assert(mkdir(r->path, 0755) == 0 || errno == EEXIST, "mkdir %s: %s", r->path,
		  strerror(errno));
	snprintf(cg_made, sizeof(cg_made), "%s", r->path);
	snprintf(r->dir, sizeof(r->dir), "/tmp/ipctrace-cg.XXXXXX");
	cr_assert_not_null(mkdtemp(r->dir));
	snprintf(r->out, sizeof(r->out), "%s/out", r->dir);
	snprintf(r->err, sizeof(r->err), "%s/err", r->dir);
}

/* sh -c script with $CG the cgroup's directory and $OUT a file for ipctrace's report. */
static void cg_run(struct cg_run *r, const char *script)
{
	char full[4096], buf[128];
	char *argv[] = { "/bin/sh", "-c", full, NULL };

	snprintf(full, sizeof(full), "export CG='%s' CG_NAME='%s' OUT='%s.json'; %s", r->path, r->name,
		 r->out, script);
	cr_assert_eq(harness_run(argv, r->out, r->err, HARNESS_TIMEOUT_S, &r->res), 0);
	r->out_text = harness_slurp(r->out);
	r->err_text = harness_slurp(r->err);
	cr_assert(WIFEXITED(r->res.status) && WEXITSTATUS(r->res.status) == 0,
		  "%s\n--- stdout ---\n%s--- stderr ---\n%s",
		  harness_describe(&r->res, buf, sizeof(buf)), r->out_text, r->err_text);
}

/* Remove the cgroup once its processes are gone (they may still be exiting). */
static void cg_free(struct cg_run *r)
{
	char cmd[160];

	cg_rmdir(r->path);
	cr_expect(access(r->path, F_OK) != 0, "rmdir %s: %s", r->path, strerror(errno));
	cg_made[0] = '\0';
	free(r->out_text);
	free(r->err_text);
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", r->dir);
	cr_expect_eq(system(cmd), 0);
}

/* Each line of text holding all of needles (the second may be NULL), parsed, in order. */
static size_t lines_with(const char *text, const char *n1, const char *n2,
			 struct json_object **out, size_t max)
{
	size_t n = 0;

	for (const char *p = text; p && *p && n < max; ) {
		const char *nl = strchr(p, '\n');
		size_t len = nl ? (size_t)(nl - p) : strlen(p);
		char *line = strndup(p, len);

		if (strstr(line, n1) && (!n2 || strstr(line, n2))) {
			out[n] = json_parse(line, NULL, 0);
			cr_assert_not_null(out[n], "not JSON: %s", line);
			n++;
		}
		free(line);
		p = nl ? nl + 1 : NULL;
	}
	return n;
}

/* The pipe truth line of the example that wrote `bytes`: its src and dst. */
static void truth_pids(const char *err, int64_t bytes, int64_t *src, int64_t *dst)
{
	struct json_object *t[8];
	size_t n = lines_with(err, "\"type\":\"truth\",\"mech\":\"pipe\"", NULL, t, 8);
	bool found = false;

	for (size_t i = 0; i < n; i++) {
		int64_t b;

		if (!found && json_get_int(t[i], "bytes", &b) && b == bytes) {
			found = json_get_int(t[i], "src", src) && json_get_int(t[i], "dst", dst);
		}
		json_object_put(t[i]);
	}
	cr_assert(found, "no pipe truth line of %" PRId64 " bytes:\n%s", bytes, err);
}

/* The cgroup of process pid in the report's process records, or NULL. */
static const char *proc_cgroup(struct json_object **procs, size_t n, int64_t pid)
{
	for (size_t i = 0; i < n; i++) {
		int64_t p;

		if (json_get_int(procs[i], "pid", &p) && p == pid)
			return json_get_str(procs[i], "cgroup");
	}
	return NULL;
}

static void put_all(struct json_object **v, size_t n)
{
	for (size_t i = 0; i < n; i++)
		json_object_put(v[i]);
}

/* Both processes of the example run in the cgroup: their records say so. */
Test(cgroup, processes_carry_their_cgroup)
{
	struct json_object *procs[64];
	struct cg_run r;
	int64_t src, dst;
	const char *cg;
	char *json;
	size_t n;

	cg_setup(&r, 1);
	cg_run(&r, "test -d \"$CG\" && echo $$ > \"$CG/cgroup.procs\" && "
		   "exec ./ipctrace -f json -o \"$OUT\" -- examples/bin/pipe -n 100 -s 64");
	json = harness_slurp(strcat(r.out, ".json"));
	truth_pids(r.err_text, 6400, &src, &dst);
	n = lines_with(json, "\"type\":\"process\"", NULL, procs, 64);
	cg = proc_cgroup(procs, n, src);
	cr_expect(cg && !strcmp(cg, r.name), "writer %" PRId64 ": cgroup %s, not %s\n%s", src,
		  cg ? cg : "(none)", r.name, json);
	cg = proc_cgroup(procs, n, dst);
	cr_expect(cg && !strcmp(cg, r.name), "reader %" PRId64 ": cgroup %s, not %s\n%s", dst,
		  cg ? cg : "(none)", r.name, json);
	put_all(procs, n);
	free(json);
	cg_free(&r);
}

/*
 * System-wide with --cgroup: the example run in the cgroup is kept, the
 * same example run beside it, outside, is not, and every edge shown has
 * an end in the cgroup.
 */
Test(cgroup, filter_keeps_only_the_subtree)
{
	struct json_object *edges[256], *procs[256];
	struct cg_run r;
	int64_t in_src, in_dst, out_src, out_dst;
	size_t ne, np;
	bool in_seen = false;
	char *json;

	harness_wait_detached();
	cg_setup(&r, 2);
	cg_run(&r,
	       "./ipctrace -f json -i 0.2 -d 30 --cgroup \"$CG_NAME\" -o \"$OUT\" & T=$!; "
	       "i=0; until grep -q '\"type\":\"report\"' \"$OUT\" 2>/dev/null; do "
	       "  i=$((i+1)); [ $i -gt 200 ] && { echo 'ipctrace never reported' >&2; exit 1; }; "
	       "  sleep 0.1; done; "
	       "sh -c 'test -d \"$CG\" && echo $$ > \"$CG/cgroup.procs\" && exec examples/bin/pipe -n 100 -s 64'; "
	       "examples/bin/pipe -n 50 -s 32; "
	       "sleep 0.5; kill -INT $T; wait $T; s=$?; [ $s -eq 0 ] || [ $s -eq 130 ]");
	json = harness_slurp(strcat(r.out, ".json"));
	truth_pids(r.err_text, 6400, &in_src, &in_dst);
	truth_pids(r.err_text, 1600, &out_src, &out_dst);
	ne = lines_with(json, "\"type\":\"edge\"", "\"final\":true", edges, 256);
	np = lines_with(json, "\"type\":\"process\"", "\"final\":true", procs, 256);
	if (!np) /* process records may not repeat "final": take them all */
		np = lines_with(json, "\"type\":\"process\"", NULL, procs, 256);
	cr_assert(ne > 0, "no final edges:\n%s\n%s", json, r.err_text);
	for (size_t i = 0; i < ne; i++) {
		struct json_object *s = json_get(edges[i], "src"), *d = json_get(edges[i], "dst");
		int64_t sp = -1, dp = -1;
		const char *scg, *dcg;

		json_get_int(s, "pid", &sp);
		json_get_int(d, "pid", &dp);
		scg = proc_cgroup(procs, np, sp);
		dcg = proc_cgroup(procs, np, dp);
		cr_expect((scg && !strcmp(scg, r.name)) || (dcg && !strcmp(dcg, r.name)),
			  "edge %zu (%" PRId64 " -> %" PRId64 ") has no end in %s:\n%s", i, sp, dp,
			  r.name, json);
		cr_expect(!(sp == out_src && dp == out_dst),
			  "the example outside the cgroup was kept:\n%s", json);
		if (sp == in_src && dp == in_dst && json_get_str(edges[i], "mech") &&
		    !strcmp(json_get_str(edges[i], "mech"), "pipe")) {
			int64_t bytes = 0;

			in_seen = true;
			cr_expect(json_get_int(edges[i], "bytes", &bytes) && bytes == 6400, "%s",
				  json);
		}
	}
	cr_expect(in_seen, "the example in the cgroup (%" PRId64 " -> %" PRId64 ") is missing:\n%s",
		  in_src, in_dst, json);
	put_all(edges, ne);
	put_all(procs, np);
	free(json);
	cg_free(&r);
}

/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * Integration test harness: run ./ipctrace over an example workload and
 * compare its final JSON report with the ground truth the example printed.
 * Paths are relative to the repository root, where the tests run.
 */
#ifndef IPCTRACE_TEST_HARNESS_H
#define IPCTRACE_TEST_HARNESS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "json.h"

#define IPCTRACE_BIN "./ipctrace"
#define EXAMPLES_DIR "examples/bin"

/* Seconds a traced run may take before it is stopped and counted as failed. */
#define HARNESS_TIMEOUT_S 60

/* How a command ran. */
struct run_result {
	pid_t pid;
	int status;       /* wait status */
	bool timed_out;
	double elapsed_s;
};

/*
 * Run argv (argv[0] a path, no shell) in a process group of its own, stdin
 * from /dev/null, stdout and stderr appended to the given files (the same
 * path for both is fine), signal dispositions and mask reset to defaults.
 * After timeout_s seconds the group gets SIGTERM, then SIGKILL.  Returns 0,
 * or -1 if the command could not be started.
 */
int harness_run(char *const argv[], const char *stdout_path, const char *stderr_path,
		int timeout_s, struct run_result *res);

/* The whole file as a NUL-terminated string (empty if unreadable); free() it. */
char *harness_slurp(const char *path);

/* "exited with status 3", "killed by signal 9", "timed out ..." into buf. */
const char *harness_describe(const struct run_result *res, char *buf, size_t len);

/*
 * Return if BPF tracing can work here (root, kernel BTF).  Otherwise skip
 * the test, saying why on stderr, or fail it if IPCTRACE_REQUIRE_BPF=1.
 */
void harness_require_bpf(void);

/* Fail the test unless ./ipctrace (and the example, if not NULL) are built. */
void harness_require_binaries(const char *example);

/* Parsed JSON lines with their text. */
struct lines {
	struct json_object **v;
	char **raw;
	size_t n;
};

/* One traced run of an example: what ipctrace reported and what was true. */
struct traced {
	char dir[64];              /* temporary directory holding the files */
	char out_path[128];        /* ipctrace -o output */
	char err_path[128];        /* stderr of ipctrace and the example */
	char *cmdline;
	struct run_result run;
	struct json_object *report; /* the final report record */
	char *report_raw;
	struct lines truth;        /* the example's {"type":"truth"} lines */
	struct lines edges;        /* edge records of the final report */
	struct lines procs;        /* process records of the final report */
	struct lines events;       /* --events: the "event" records, in order */
	struct lines misc;         /* other records of no report ("lost" notes) */
	char *out_text;            /* ipctrace's whole output */
	char *diag;                /* stderr lines that are not truth */
};

/*
 * Trace examples/bin/<example> ARGS... (args NULL-terminated) with
 * `ipctrace -f json`, and assert: ipctrace exited with the example's status
 * (0); every output line is JSON; there is one final report with no lost
 * events; every truth line has exactly one matching final edge with equal
 * counts; and no final edge between two of the example's processes is
 * missing from the truth.  On failure, prints both sides in full and fails
 * the test.  On success returns the run for further checks.
 */
struct traced *harness_trace_example(const char *example, const char *const args[]);
/* The same with ipctrace options (NULL-terminated, may be NULL) before the "--". */
struct traced *harness_trace_example_opts(const char *example, const char *const opts[],
					  const char *const args[]);

/*
 * --events: of tr's event records by pid on mech (NULL: any) whose op is
 * one of ops (comma-separated; NULL: any) and, when object is not NULL,
 * on that object: how many, how many returned > 0, and the sum of those
 * results and of the bytes asked for.
 */
struct ev_sum {
	uint64_t n, n_pos, ret_sum, bytes_sum;
};
struct ev_sum harness_events_sum(const struct traced *tr, int64_t pid, const char *mech,
				 const char *ops, const char *object);

/*
 * Set by a test that forces a tiny --events ring: the final report may
 * count lost --events records (and nothing else); its edges must still be
 * exact.
 */
extern bool harness_allow_event_records_lost;

/* The final edge matching truth line t, or NULL. */
const struct json_object *harness_edge_for(const struct traced *tr, const struct json_object *t);
/* Is pid one of truth line t's "members"? */
bool harness_is_member(const struct json_object *t, int64_t pid);

/* Is e one of the edges a "members" truth line t allows (futex examples)? */
bool harness_member_edge(const struct json_object *t, const struct json_object *e);

/*
 * Wait (up to 10 s) until no earlier run's detach keeper is at work: the
 * kernel makes a new attach wait for a detach in progress, which tests
 * that time ipctrace's start-up must not count.
 */
void harness_wait_detached(void);

/* One run of ./ipctrace with its stdout, stderr and -o file in a temp dir. */
struct cli_run {
	char dir[64], out_path[128], err_path[128], json_path[128];
	struct run_result res;
	char *out, *err, *json;
};

/* An argv entry replaced by the path of a file in the run's temp dir (for -o). */
#define OUT_FILE "@OUT@"

/* Run args (NULL-terminated, args[0] the program) with a timeout; slurp what it wrote. */
void cli_run_for(struct cli_run *r, char *const args[], int timeout_s);
/* Remove the run's files and free what it read. */
void cli_free(struct cli_run *r);

/* Print everything about a run to stderr (for a failing extra check). */
void harness_dump(const struct traced *tr, const char *problems);

/* Free the run and remove its files. */
void harness_traced_free(struct traced *tr);

#endif /* IPCTRACE_TEST_HARNESS_H */

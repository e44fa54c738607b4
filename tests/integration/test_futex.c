// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * Futexes: ipctrace over futex_raw (exact wakes, waits and wake calls per
 * direction, for every place a word can live and every way to wake it),
 * shm_mutex (a process-shared mutex; a robust one whose holder is killed)
 * and shm_condvar (the notes' producer/consumer).  The harness matches
 * edges with the truth; here the futex fields, and on every futex edge:
 * wakes <= waits, and the wakes' blocked time within the run's length.
 */
#include <criterion/criterion.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "harness.h"

#define ARGS(...) ((const char *const[]){ __VA_ARGS__, NULL })

static uint64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + ts.tv_nsec;
}

static void expect_int(FILE *p, const struct json_object *t, const char *traw,
		       const struct json_object *e, const char *field)
{
	int64_t want, got;

	if (!json_get_int(t, field, &want))
		return;
	if (!json_get_int(e, field, &got))
		fprintf(p, "  - edge has no integer \"%s\" (truth %" PRId64 ") for truth %s\n",
			field, want, traw);
	else if (got != want)
		fprintf(p, "  - \"%s\": ipctrace %" PRId64 ", truth %" PRId64 " for truth %s\n",
			field, got, want, traw);
}

/* Trace the example, then check what only futex edges have. */
static void check_futex(const char *example, const char *const args[])
{
	uint64_t t0 = now_ns(), wall;
	struct traced *tr = harness_trace_example(example, args);
	char *problems = NULL;
	size_t plen = 0, n_futex = 0;
	FILE *p = open_memstream(&problems, &plen);

	wall = now_ns() - t0;
	cr_assert(p, "out of memory");
	for (size_t i = 0; i < tr->truth.n; i++) {
		const struct json_object *t = tr->truth.v[i], *e;
		const char *traw = tr->truth.raw[i];

		if (strcmp(json_get_str(t, "mech") ?: "", "futex") || json_get(t, "members"))
			continue;
		e = harness_edge_for(tr, t);
		if (!e)
			continue; /* the harness already said so */
		expect_int(p, t, traw, e, "wakes");
		expect_int(p, t, traw, e, "waits");
		expect_int(p, t, traw, e, "wake_calls");
		expect_int(p, t, traw, e, "owner_died");
	}
	for (size_t k = 0; k < tr->edges.n; k++) {
		const struct json_object *e = tr->edges.v[k];
		int64_t wakes, waits, blocked;

		if (strcmp(json_get_str(e, "mech") ?: "", "futex"))
			continue;
		n_futex++;
		if (!json_get_int(e, "wakes", &wakes) || !json_get_int(e, "waits", &waits) ||
		    !json_get_int(e, "wake_blocked_ns", &blocked))
			fprintf(p, "  - futex edge without wakes/waits/wake_blocked_ns: %s\n",
				tr->edges.raw[k]);
		else if (wakes > waits)
			fprintf(p, "  - wakes %" PRId64 " > waits %" PRId64 ": %s\n", wakes, waits,
				tr->edges.raw[k]);
		else if (blocked < 0 || (uint64_t)blocked > wall)
			fprintf(p, "  - wake_blocked_ns %" PRId64 " not within the run's %" PRIu64
				" ns: %s\n", blocked, wall, tr->edges.raw[k]);
	}
	fclose(p);
	if (plen) {
		harness_dump(tr, problems);
		cr_assert_fail("futex fields disagree with the truth:\n%s", problems);
	}
	free(problems);
	harness_traced_free(tr);
}

TestSuite(futex, .timeout = 180);

/* Where a word lives: each names it differently, the same in both processes. */
Test(futex, raw_anon)
{
	check_futex("futex_raw", NULL);
}

Test(futex, raw_memfd)
{
	check_futex("futex_raw", ARGS("-k", "memfd", "-n", "300"));
}

Test(futex, raw_posix_shm)
{
	check_futex("futex_raw", ARGS("-k", "shm", "-n", "300", "-o", "4096"));
}

Test(futex, raw_sysv)
{
	check_futex("futex_raw", ARGS("-k", "sysv", "-n", "300"));
}

Test(futex, raw_file)
{
	check_futex("futex_raw", ARGS("-k", "file", "-n", "300", "-o", "8"));
}

/* How a word is woken. */
Test(futex, raw_bitset)
{
	check_futex("futex_raw", ARGS("-w", "bitset", "-n", "300"));
}

Test(futex, raw_wake_op)
{
	check_futex("futex_raw", ARGS("-w", "wakeop", "-n", "300"));
}

Test(futex, raw_requeue)
{
	check_futex("futex_raw", ARGS("-w", "requeue", "-n", "300"));
}

Test(futex, raw_pi)
{
	check_futex("futex_raw", ARGS("-w", "pi", "-n", "300"));
}

/* Threads of one process: never an edge, shared word or private. */
Test(futex, threads_shared_word)
{
	check_futex("futex_raw", ARGS("-t", "-n", "300"));
}

Test(futex, threads_private)
{
	check_futex("futex_raw", ARGS("-t", "-P", "-n", "300"));
}

Test(futex, mutex)
{
	check_futex("shm_mutex", NULL);
}

Test(futex, robust_mutex_owner_died)
{
	check_futex("shm_mutex", ARGS("-r"));
}

Test(futex, condvar)
{
	check_futex("shm_condvar", NULL);
}

/*
 * A POSIX semaphore the libc uprobes trace is one sem edge: its futex
 * calls (inside sem_post/sem_wait) make no futex edge.  The harness already
 * fails on an edge the truth does not list; this says it in so many words.
 */
static void check_sem_only(const char *example)
{
	struct traced *tr = harness_trace_example(example, ARGS("-n", "50"));
	size_t n_sem = 0;

	for (size_t k = 0; k < tr->edges.n; k++) {
		const char *mech = json_get_str(tr->edges.v[k], "mech") ?: "";

		n_sem += !strcmp(mech, "sem");
		if (!strcmp(mech, "futex")) {
			harness_dump(tr, "a futex edge for a traced semaphore");
			cr_assert_fail("futex edge: %s", tr->edges.raw[k]);
		}
	}
	cr_expect(n_sem >= 2, "%zu sem edges", n_sem);
	harness_traced_free(tr);
}

Test(futex, posix_semaphore_stays_a_sem_edge)
{
	check_sem_only("posix_shm_sem");
}

Test(futex, unnamed_semaphore_stays_a_sem_edge)
{
	check_sem_only("anon_sem");
}

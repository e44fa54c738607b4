// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * Shared memory and semaphores: ipctrace over the sysv_shm_sem,
 * posix_shm_sem and memfd examples.  The harness compares the edges, msgs
 * and bytes with the examples' truth; here the fields only these
 * mechanisms have: a segment's size, a semaphore's posts, waits and
 * wake-ups (all exact), and the wake-ups' blocked time, which must lie
 * within what the waiter measured around its waits.
 */
#include <criterion/criterion.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "harness.h"

#define ARGS(...) ((const char *const[]){ __VA_ARGS__, NULL })

static void expect_int(FILE *p, const struct json_object *t, const char *traw,
		       const struct json_object *e, const char *tfield, const char *efield)
{
	int64_t want, got;

	if (!json_get_int(t, tfield, &want))
		return;
	if (!json_get_int(e, efield, &got))
		fprintf(p, "  - edge has no integer \"%s\" (truth %" PRId64 ") for truth %s\n",
			efield, want, traw);
	else if (got != want)
		fprintf(p, "  - \"%s\": ipctrace %" PRId64 ", truth %" PRId64 " for truth %s\n",
			efield, got, want, traw);
}

/* The checks beyond the harness's, for every shm and sem truth line. */
static void check_sync(struct traced *tr)
{
	char *problems = NULL;
	size_t plen = 0, n_sync = 0;
	FILE *p = open_memstream(&problems, &plen);

	cr_assert(p, "out of memory");
	for (size_t i = 0; i < tr->truth.n; i++) {
		const struct json_object *t = tr->truth.v[i], *e;
		const char *mech = json_get_str(t, "mech"), *traw = tr->truth.raw[i];
		int64_t wakes = 0, max_ns, got_ns, together;

		if (!mech || (strcmp(mech, "shm") && strcmp(mech, "sem")))
			continue;
		n_sync++;
		e = harness_edge_for(tr, t);
		if (!e)
			continue; /* the harness already said so */
		if (!strcmp(mech, "shm")) {
			expect_int(p, t, traw, e, "size", "size");
			/* Not knowable by the example; both were attached for a while. */
			if (!json_get_int(e, "together_ns", &together) || together <= 0)
				fprintf(p, "  - \"together_ns\" missing or not positive for truth %s\n",
					traw);
			continue;
		}
		expect_int(p, t, traw, e, "posts", "posts");
		expect_int(p, t, traw, e, "waits", "waits");
		expect_int(p, t, traw, e, "wakes", "wakes");
		json_get_int(t, "wakes", &wakes);
		if (!json_get_int(t, "wake_blocked_max_ns", &max_ns) ||
		    !json_get_int(e, "wake_blocked_ns", &got_ns))
			fprintf(p, "  - no wake_blocked_ns to compare for truth %s\n", traw);
		else if ((wakes > 0 && got_ns <= 0) || got_ns > max_ns)
			fprintf(p, "  - wake_blocked_ns %" PRId64 " is not in (0, %" PRId64
				"] (the waiter's own measure) for truth %s\n", got_ns, max_ns, traw);
	}
	if (!n_sync)
		fprintf(p, "  - the example printed no shm or sem truth\n");
	fclose(p);
	if (plen) {
		harness_dump(tr, problems);
		cr_assert_fail("shm/sem fields disagree with the truth:\n%s", problems);
	}
	free(problems);
	harness_traced_free(tr);
}

TestSuite(shm_sem, .timeout = 180);

Test(shm_sem, sysv_default)
{
	check_sync(harness_trace_example("sysv_shm_sem", NULL));
}

Test(shm_sem, sysv_one_item)
{
	check_sync(harness_trace_example("sysv_shm_sem", ARGS("-n", "1", "-s", "1")));
}

Test(shm_sem, sysv_big_items)
{
	check_sync(harness_trace_example("sysv_shm_sem", ARGS("-n", "200", "-s", "100000")));
}

Test(shm_sem, posix_default)
{
	check_sync(harness_trace_example("posix_shm_sem", NULL));
}

Test(shm_sem, posix_one_item)
{
	check_sync(harness_trace_example("posix_shm_sem", ARGS("-n", "1", "-s", "1")));
}

Test(shm_sem, posix_big_items)
{
	check_sync(harness_trace_example("posix_shm_sem", ARGS("-n", "200", "-s", "100000")));
}

Test(shm_sem, memfd_default)
{
	check_sync(harness_trace_example("memfd", NULL));
}

Test(shm_sem, memfd_one_byte)
{
	check_sync(harness_trace_example("memfd", ARGS("-s", "1")));
}

/* Unnamed semaphores in a shared anonymous mapping; sem_timedwait, sem_clockwait. */
Test(shm_sem, anon_default)
{
	check_sync(harness_trace_example("anon_sem", NULL));
}

Test(shm_sem, anon_one_item)
{
	check_sync(harness_trace_example("anon_sem", ARGS("-n", "1", "-s", "1")));
}

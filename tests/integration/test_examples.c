// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * ipctrace over the example workloads: its final JSON report must match
 * the ground truth each example prints, edge for edge and count for count.
 * Needs root and BPF; see harness_require_bpf().
 */
#include <criterion/criterion.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "harness.h"

#define ARGS(...) ((const char *const[]){ __VA_ARGS__, NULL })

static void check(const char *example, const char *const args[])
{
	harness_traced_free(harness_trace_example(example, args));
}

TestSuite(examples, .timeout = 180);

Test(examples, pipe_default)
{
	check("pipe", NULL);
}

Test(examples, pipe_small_messages)
{
	check("pipe", ARGS("-n", "1000", "-s", "64"));
}

Test(examples, pipe_page_messages)
{
	check("pipe", ARGS("-n", "10", "-s", "4096"));
}

Test(examples, pipe_one_byte)
{
	check("pipe", ARGS("-n", "1", "-s", "1"));
}

/*
 * Kernels without task storage in tracepoint programs take the LRU-hash
 * stash and probe-read path: force it here so it stays correct too.
 */
Test(examples, pipeline_fallback_path)
{
	setenv("IPCTRACE_SLOW_PATH", "1", 1);
	check("pipeline", ARGS("-n", "2000", "-s", "100"));
}

Test(examples, fifo_fallback_path)
{
	setenv("IPCTRACE_SLOW_PATH", "1", 1);
	check("fifo", NULL);
}

/* Every pipe syscall ipctrace hooks, each counted exactly (readv, splice out, too). */
Test(examples, pipe_writev_readv)
{
	check("pipe_calls", ARGS("-c", "writev", "-n", "300", "-s", "1000"));
}

Test(examples, pipe_vmsplice)
{
	check("pipe_calls", ARGS("-c", "vmsplice", "-n", "300", "-s", "4096"));
}

Test(examples, pipe_splice_in_and_out)
{
	check("pipe_calls", ARGS("-c", "splice", "-n", "300", "-s", "777"));
}

Test(examples, pipe_sendfile)
{
	check("pipe_calls", ARGS("-c", "sendfile", "-n", "300", "-s", "2048"));
}

/* tee counts as a write into its output pipe, not as a read of its input */
Test(examples, pipe_tee)
{
	check("pipe_calls", ARGS("-c", "tee", "-n", "300", "-s", "100"));
}

Test(examples, fifo)
{
	check("fifo", NULL);
}

Test(examples, signals)
{
	check("signals", ARGS("-n", "100"));
}

Test(examples, pipeline)
{
	check("pipeline", ARGS("-n", "2000", "-s", "100"));
}

Test(examples, pingpong)
{
	check("pingpong", ARGS("-n", "2000", "-s", "64"));
}

/* Backpressure must show as time the producer spent blocked in write(). */
Test(examples, slow_consumer)
{
	struct traced *tr = harness_trace_example("slow_consumer", ARGS("-d", "1000"));
	const struct json_object *e = NULL, *blocked;
	int64_t src_ns = -1;

	for (size_t i = 0; i < tr->truth.n && !e; i++)
		if (json_get_str(tr->truth.v[i], "mech") &&
		    !strcmp(json_get_str(tr->truth.v[i], "mech"), "pipe"))
			e = harness_edge_for(tr, tr->truth.v[i]);
	cr_assert(e, "no pipe edge (the comparison above should have failed)");
	blocked = json_get(e, "blocked_ns");
	/*
	 * The consumer sleeps 1 s in total and the pipe holds 64 KiB of the
	 * 1 MiB, so the producer cannot finish writing in much under 0.9 s.
	 */
	if (!json_get_int(blocked, "src", &src_ns) || src_ns < 500 * 1000 * 1000) {
		harness_dump(tr, "  - the producer's blocked_ns.src is missing or under 0.5 s\n");
		cr_assert_fail("blocked_ns.src = %" PRId64 ", want >= 500000000", src_ns);
	}
	harness_traced_free(tr);
}

// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * syscall_loop: -n getppid() system calls in a loop, for the benchmark's
 * "untraced process" case: what a system-wide ipctrace costs a process
 * whose syscalls it does not hook.  No IPC, so no truth lines; prints
 * {"type":"bench","syscalls":N,"elapsed_ns":T} to stderr.
 */
#include <getopt.h>
#include <sched.h>
#include <sys/syscall.h>
#include "truth.h"

static const char usage[] = "[-n SYSCALLS] [-C CPU]";

int main(int argc, char **argv)
{
	uint64_t n = 2000000, t0, t1;
	struct truth_buf b = { .len = 0 };
	int opt, cpu = -1;

	while ((opt = getopt(argc, argv, "n:C:h")) != -1) {
		switch (opt) {
		case 'n': n = ex_parse_u64(optarg, 'n', 0, UINT64_MAX / 2, usage); break;
		case 'C': cpu = ex_parse_u64(optarg, 'C', 0, CPU_SETSIZE - 1, usage); break;
		default: ex_die_usage(usage, NULL);
		}
	}
	if (optind != argc)
		ex_die_usage(usage, "unexpected argument '%s'", argv[optind]);
	if (ex_pin_cpu(cpu))
		return 1;

	t0 = ex_now_ns();
	/* syscall(2) directly: a libc is free to cache what it can. */
	for (uint64_t i = 0; i < n; i++)
		syscall(SYS_getppid);
	t1 = ex_now_ns();

	tb_printf(&b, "{\"type\":\"bench\",\"syscalls\":%" PRIu64 ",\"elapsed_ns\":%" PRIu64 "}", n,
		  t1 - t0);
	tb_emit(&b);
	return 0;
}

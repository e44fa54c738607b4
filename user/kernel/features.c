// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
#include <errno.h>
#include <unistd.h>
#include <linux/bpf.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include "kernel/features.h"

bool feature_find_vma(void)
{
	static int known = -1;

	if (known < 0)
		known = libbpf_probe_bpf_helper(BPF_PROG_TYPE_TRACEPOINT, BPF_FUNC_find_vma,
						NULL) == 1 &&
			libbpf_probe_bpf_helper(BPF_PROG_TYPE_TRACEPOINT,
						BPF_FUNC_get_current_task_btf, NULL) == 1;
	return known;
}

/*
 * bpf_get_current_pid_tgid() >> 32 in a raw tracepoint program run once
 * with BPF_PROG_TEST_RUN, which runs it in the calling task: the kernel's
 * (global) tgid, which inside a pid namespace getpid() does not give.
 */
int kernel_global_tgid(uint32_t *tgid)
{
	struct bpf_insn insns[] = {
		{ .code = BPF_JMP | BPF_CALL, .imm = BPF_FUNC_get_current_pid_tgid },
		{ .code = BPF_ALU64 | BPF_RSH | BPF_K, .dst_reg = BPF_REG_0, .imm = 32 },
		{ .code = BPF_JMP | BPF_EXIT },
	};
	LIBBPF_OPTS(bpf_test_run_opts, opts);
	int fd, err;

	fd = bpf_prog_load(BPF_PROG_TYPE_RAW_TRACEPOINT, "ipctrace_whoami", "GPL", insns,
			   sizeof(insns) / sizeof(insns[0]), NULL);
	if (fd < 0)
		return -errno;
	err = bpf_prog_test_run_opts(fd, &opts) ? -errno : 0;
	close(fd);
	if (!err)
		*tgid = opts.retval;
	return err;
}

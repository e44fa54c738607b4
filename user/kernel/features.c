// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/stat.h>
#include <linux/bpf.h>
#include <linux/btf.h>
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

bool kernel_btf_has_name(const char *name)
{
	size_t nlen = strlen(name), got = 0;
	struct btf_header hdr;
	bool found = false;
	struct stat st;
	char *buf;
	ssize_t n;
	int fd;

	fd = open("/sys/kernel/btf/vmlinux", O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return false;
	/* sysfs reports the blob's size; read it whole */
	if (fstat(fd, &st) || st.st_size < (off_t)sizeof(hdr) || !(buf = malloc(st.st_size))) {
		close(fd);
		return false;
	}
	while (got < (size_t)st.st_size &&
	       ((n = read(fd, buf + got, st.st_size - got)) > 0 || (n < 0 && errno == EINTR)))
		got += n > 0 ? n : 0;
	close(fd);
	memcpy(&hdr, buf, sizeof(hdr));
	if (hdr.magic == BTF_MAGIC && hdr.hdr_len <= got && hdr.str_off <= got - hdr.hdr_len &&
	    hdr.str_len <= got - hdr.hdr_len - hdr.str_off) {
		const char *s = buf + hdr.hdr_len + hdr.str_off, *end = s + hdr.str_len;

		/* strings are NUL-separated: a match is a whole string */
		for (const char *p = s; p + nlen < end; p++) {
			p = memmem(p, end - p, name, nlen);
			if (!p || p + nlen >= end)
				break;
			if ((p == s || p[-1] == '\0') && p[nlen] == '\0') {
				found = true;
				break;
			}
		}
	}
	free(buf);
	return found;
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

/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/* What the running kernel offers BPF programs, asked before loading. */
#ifndef IPCTRACE_FEATURES_H
#define IPCTRACE_FEATURES_H

#include <stdbool.h>
#include <stdint.h>

/*
 * bpf_find_vma() and the BTF task pointer in tracing programs (Linux
 * 5.17+): what maps an address to the file behind it.  Asked once.
 */
bool feature_find_vma(void);

/*
 * Does the running kernel's BTF (/sys/kernel/btf/vmlinux) name something
 * `name` (a kfunc, a type)?  A search of its string section: a few
 * milliseconds, where parsing all of it takes ~50 ms of start-up.
 */
bool kernel_btf_has_name(const char *name);

/*
 * The calling process's pid as the kernel numbers it (the initial pid
 * namespace's), which BPF programs see, whatever namespace we run in.
 * 0 or -errno.
 */
int kernel_global_tgid(uint32_t *tgid);

#endif /* IPCTRACE_FEATURES_H */

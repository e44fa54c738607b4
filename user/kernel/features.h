/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/* What the running kernel offers BPF programs, asked before loading. */
#ifndef IPCTRACE_FEATURES_H
#define IPCTRACE_FEATURES_H

#include <stdbool.h>

/*
 * bpf_find_vma() and the BTF task pointer in tracing programs (Linux
 * 5.17+): what maps an address to the file behind it.  Asked once.
 */
bool feature_find_vma(void);

#endif /* IPCTRACE_FEATURES_H */

/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * The BPF <-> userspace contract (bpf/ipctrace.h) as userspace includes it:
 * the header uses the kernel's __u32-style types, which vmlinux.h gives the
 * BPF side and linux/types.h gives us.
 */
#ifndef IPCTRACE_ABI_H
#define IPCTRACE_ABI_H

#include <linux/types.h>
#include "ipctrace.h"

#endif /* IPCTRACE_ABI_H */

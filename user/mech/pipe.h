/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/* Anonymous pipes and FIFOs (bpf/pipe.bpf.c). */
#ifndef IPCTRACE_MECH_PIPE_H
#define IPCTRACE_MECH_PIPE_H

#include "core/mech.h"
#include "core/model.h"

extern const struct mech_ops mech_pipe;

#endif

/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * Wake-ups through pipes, FIFOs, sockets and message queues (bpf/wake.bpf.h):
 * the "ipc_wakes" map into the model (model_update_wake()), which puts them
 * on the edges the generic join makes.  No kinds of its own.
 */
#ifndef IPCTRACE_MECH_IPCWAKE_H
#define IPCTRACE_MECH_IPCWAKE_H

#include "core/mech.h"

extern const struct mech_ops mech_ipcwake;

#endif

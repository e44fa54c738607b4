/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/* Process lifecycle (bpf/proc.bpf.c): fork, exec, comm and exit into the model. */
#ifndef IPCTRACE_MECH_PROC_H
#define IPCTRACE_MECH_PROC_H

#include "core/mech.h"
#include "core/model.h"

extern const struct mech_ops mech_proc;

struct ipc_event;
struct ev_view;
/*
 * --events: a fork, exec or exit record into v (mech "process").  They
 * come as MECH_SIGNAL records: the signal module passes them here.
 */
void proc_event(const struct ipc_event *e, struct ev_view *v);

#endif

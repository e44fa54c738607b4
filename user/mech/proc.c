// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * Process lifecycle: the "proc_events" ring buffer (fork, exec, comm
 * changes, exit) into the model's process table.  No edges of its own: its
 * programs serve every mechanism (names, the traced set, reaping), so they
 * load whatever -m says.
 */
#include <inttypes.h>
#include <stdio.h>
#include <string.h>
#include "kernel/abi.h"
#include "core/cgroup.h"
#include "core/collect.h"
#include "core/event.h"
#include "core/procfs.h"
#include "kernel/kif.h"
#include "mech/proc.h"
#include "output/signames.h"

_Static_assert(sizeof(struct ipc_proc_event) == 48 + IPC_COMM_LEN, "proc_event layout");

/*
 * Its executable, for -a exe, while it is still there.  A forked child
 * gone first keeps its parent's (the model's); one that exec'd and is gone
 * is unknown ("?").
 */
static void proc_read_exe(struct model *m, struct proc_ref p, bool exec)
{
	char path[MODEL_EXE_MAX];

	if (model_aggregate(m) != AGG_EXE)
		return; /* a readlink and a stat per fork that nothing shows */
	if (procfs_exe(p.pid, p.start_ns, path, sizeof(path)))
		model_proc_exe(m, p, path);
	else if (exec)
		model_proc_exe(m, p, NULL);
}

static int on_proc_event(void *ctx, void *data, size_t size)
{
	const struct ipc_proc_event *e = data;
	struct model *m = ctx;
	struct proc_ref p = { .pid = e->tgid, .start_ns = e->start_ns };
	char comm[IPC_COMM_LEN + 1];

	if (size < sizeof(*e))
		return 0;
	memcpy(comm, e->comm, IPC_COMM_LEN);
	comm[IPC_COMM_LEN] = '\0';
	model_proc_ns(m, p, e->ns_pid, e->pidns);
	/* the latest event's cgroup: a process that moved shows where it went */
	model_proc_cgroup(m, p, e->cgroup_id);
	if (e->cgroup_id && !model_cgroup_path(m, e->cgroup_id)) {
		char path[CGROUP_PATH_MAX];

		if (cgroup_path(e->cgroup_id, path, sizeof(path)))
			model_name_cgroup(m, e->cgroup_id, path);
	}
	switch (e->type) {
	case PROC_FORK:
		model_proc_fork(m, p, e->ppid, comm);
		proc_read_exe(m, p, false);
		break;
	case PROC_EXEC:
		model_proc_exec(m, p, comm);
		proc_read_exe(m, p, true);
		break;
	case PROC_COMM:
		model_proc_comm(m, p, comm);
		break;
	case PROC_EXIT:
		/* a process that predates ipctrace is known by its exit, at least */
		model_proc_hint(m, p, e->ppid, comm);
		model_proc_exit(m, p, e->exit_code);
		break;
	}
	return 0; /* never negative: that would stop the drain */
}

/*
 * --events: fork, exec and exit (bpf/proc.bpf.c).  They travel as
 * MECH_SIGNAL records, whose module hands them here: the object is the
 * process ("pid:N", the child's for a fork).  An exit's result is the
 * shell's: the status it exited with, 128 + the signal that killed it.
 */
void proc_event(const struct ipc_event *e, struct ev_view *v)
{
	char buf[32];

	v->mech = "process";
	v->no_bytes = true;
	switch (e->op) {
	case EV_OP_FORK:
		snprintf(v->object, sizeof(v->object), "pid:%" PRIu32, e->peer_pid);
		ev_field_int(v, "child", e->peer_pid);
		break;
	case EV_OP_EXEC:
		snprintf(v->object, sizeof(v->object), "pid:%" PRIu32, e->pid);
		/* a thread that called execve became the leader: its own tid was old_pid */
		ev_field_int(v, "old_tid", e->state[0]);
		if (e->state[0] != e->pid)
			ev_state_add(v, "by thread %lld", (long long)e->state[0]);
		break;
	case EV_OP_EXIT: {
		int code = (int)e->state[0], sig = code & 0x7f;

		snprintf(v->object, sizeof(v->object), "pid:%" PRIu32, e->pid);
		ev_field_int(v, "exit_code", code);
		if (sig) {
			ev_field_str(v, "signal", sig_name(sig, buf, sizeof(buf)));
			ev_field_bool(v, "core_dumped", code & 0x80);
			ev_state_add(v, "killed by %s%s", sig_name(sig, buf, sizeof(buf)),
				     code & 0x80 ? " (core dumped)" : "");
			v->ret = 128 + sig;
		} else {
			ev_field_int(v, "status", (code >> 8) & 0xff);
			ev_state_add(v, "exited %d", (code >> 8) & 0xff);
			v->ret = (code >> 8) & 0xff;
		}
		ev_field_int(v, "ppid", e->state[1]);
		break;
	}
	default:
		break;
	}
}

static int proc_collect_init(struct collector *c, struct kif *k, struct model *m)
{
	return collector_add_ring(c, kif_map_fd(k, "proc_events"), on_proc_event, m);
}

const struct mech_ops mech_proc = {
	.name = "process",
	.prefixes = "proc_",
	.always = true,
	.collect_init = proc_collect_init,
};

// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * Process lifecycle: the "proc_events" ring buffer (fork, exec, comm
 * changes, exit) into the model's process table.  No edges of its own: its
 * programs serve every mechanism (names, the traced set, reaping), so they
 * load whatever -m says.
 */
#include <string.h>
#include "kernel/abi.h"
#include "core/cgroup.h"
#include "core/collect.h"
#include "core/procfs.h"
#include "kernel/kif.h"
#include "mech/proc.h"

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

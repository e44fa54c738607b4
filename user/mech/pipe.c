// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * Anonymous pipes and FIFOs.  Everything they need in userspace is the
 * core's: their endpoints join writers to readers by the generic rule, a
 * pipe is named "pipe:[<inode>]" by default and a FIFO by the path the BPF
 * side records in "objnames".  What is theirs: the kinds, and the stash the
 * syscall programs share with the socket programs.
 */
#include "kernel/abi.h"
#include "kernel/kif.h"
#include "mech/pipe.h"

/* One stash per thread: task storage where the kernel has it, else an LRU map. */
static void pipe_configure(struct kif *k, bool fast)
{
	kif_map_shrink(k, fast ? "pipe_stash" : "pipe_tstash");
}

static const struct mech_kind pipe_kinds[] = {
	{ .id = MECH_PIPE, .name = "pipe", .label = "pipe", .opt = "pipe",
	  .progs = "pipe_ ipc_waking" },
	{ .id = MECH_FIFO, .name = "fifo", .label = "fifo", .opt = "fifo",
	  .progs = "pipe_ ipc_waking" },
	{ 0 },
};

const struct mech_ops mech_pipe = {
	.name = "pipe,fifo",
	.kinds = pipe_kinds,
	.prefixes = "pipe_",
	.configure = pipe_configure,
};

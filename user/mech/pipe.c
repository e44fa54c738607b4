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
#include "core/event.h"
#include "mech/pipe.h"

/* One stash per thread: task storage where the kernel has it, else an LRU map. */
static void pipe_configure(struct kif *k, bool fast)
{
	kif_map_shrink(k, fast ? "pipe_stash" : "pipe_tstash");
	/* --events' per-call facts (struct pipe_ev): the same choice, and neither without it */
	kif_map_shrink(k, fast ? "pipe_evstash" : "pipe_evtstash");
	if (!kif_want_events(k))
		kif_map_shrink(k, fast ? "pipe_evtstash" : "pipe_evstash");
}

static const struct mech_kind pipe_kinds[] = {
	{ .id = MECH_PIPE, .name = "pipe", .label = "pipe", .opt = "pipe",
	  .progs = "pipe_ ipc_waking" },
	{ .id = MECH_FIFO, .name = "fifo", .label = "fifo", .opt = "fifo",
	  .progs = "pipe_ ipc_waking" },
	{ 0 },
};

/*
 * --events: state[] = buffers in use at entry and at return, max_usage
 * (the buffers a writer may fill), ring_size, readers, writers, bytes
 * queued at return (bpf/pipe.bpf.c).
 */
static void pipe_event(const struct ipc_event *e, struct ev_view *v)
{
	bool rx = e->dir == DIR_RX;

	if (!e->state[2])
		return; /* the pipe was not read (its file had gone) */
	ev_field_str(v, "dir", rx ? "read" : "write");
	ev_field_int(v, "bufs_before", e->state[0]);
	ev_field_int(v, "bufs_after", e->state[1]);
	ev_field_int(v, "max_usage", e->state[2]);
	ev_field_int(v, "ring_size", e->state[3]);
	ev_field_int(v, "readers", e->state[4]);
	ev_field_int(v, "writers", e->state[5]);
	/* summed over at most 16 buffers: exact unless the pipe was grown past 16 and filled */
	ev_field_int(v, "queued_bytes", e->state[6]);
	if (rx)
		ev_field_bool(v, "found_empty", e->state[0] == 0);
	else
		ev_field_bool(v, "found_full", e->state[0] >= e->state[2]);
	ev_state_add(v, "buf %lld/%lld %lldB", (long long)e->state[1], (long long)e->state[2],
		     (long long)e->state[6]);
	if (!rx && e->state[0] >= e->state[2])
		ev_state_add(v, "(was full)");
	if (rx && e->state[0] == 0)
		ev_state_add(v, "(was empty)");
	if (!rx && e->state[4] == 0)
		ev_state_add(v, "no reader");
	if (rx && e->state[5] == 0)
		ev_state_add(v, "no writer");
}

const struct mech_ops mech_pipe = {
	.name = "pipe,fifo",
	.kinds = pipe_kinds,
	.prefixes = "pipe_",
	.configure = pipe_configure,
	.event = pipe_event,
};

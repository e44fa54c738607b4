/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * Everything that touches the BPF skeleton: environment checks, which
 * programs to load, load, attach, detach.  The only file that includes
 * ipctrace.skel.h.
 */
#ifndef IPCTRACE_LOADER_H
#define IPCTRACE_LOADER_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

struct loader;

struct loader_cfg {
	uint32_t mech_mask;  /* 1 << id of the wanted mechanisms (core/mech.h) */
	bool filter_traced;  /* only the traced set (-- COMMAND mode) */
	bool bench_noop;
	bool want_hist;      /* --hist: fill the blk_hist map */
	bool want_events;    /* --events: a record per operation on the ipc_events ring */
	uint32_t ring_bytes; /* --events: that ring's size (a power of 2 of pages) */
	uint32_t self_tgid;
	uint32_t map_entries; /* size of the per-process counter maps, 0: as built */
	bool verbose;        /* libbpf's debug output */
};

/*
 * Root/capabilities, BTF, tracefs (mounted here when missing).  Returns 0,
 * or -1 with a one-line reason that names the fix in msg.
 */
int loader_check_env(char *msg, size_t len);

/* Open, configure, load and attach.  NULL with a one-line reason in msg. */
struct loader *loader_start(const struct loader_cfg *cfg, char *msg, size_t len);
/* The loaded object as the collector and the modules see it (kernel/kif.h). */
struct kif *loader_kif(struct loader *ld);
/* Add a process to the traced set (the command in `-- COMMAND` mode). */
int loader_trace_pid(struct loader *ld, uint32_t tgid);
void loader_stop(struct loader *ld);

/* --check: what this kernel supports; returns the exit status. */
int loader_check_report(FILE *out);

#endif /* IPCTRACE_LOADER_H */

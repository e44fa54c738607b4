/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * Shared memory (bpf/shm.bpf.c): SysV segments, POSIX shm, memfd and
 * shared anonymous mappings ("shm"), and regular files mapped MAP_SHARED
 * ("mmap").  An edge means "attached to the same segment at the same
 * time", not messages: attach periods per (segment, process) are turned
 * into an edge for every pair of processes that overlapped (for "mmap",
 * only pairs where at least one mapped the file writable).
 */
#ifndef IPCTRACE_MECH_SHM_H
#define IPCTRACE_MECH_SHM_H

#include <stdbool.h>
#include <stdint.h>
#include "core/mech.h"
#include "core/model.h"

extern const struct mech_ops mech_shm;

/*
 * Attach periods, in the order the kernel reported them.  A segment is its
 * shmem inode (dev, ino).  ATTACH adds one mapping, DETACH removes one,
 * FORK gives child every mapping of proc, GONE (exec or exit) removes all
 * of proc's, MSYNC counts one msync of proc on the file.  PRESENT is an
 * ATTACH found in /proc at start (not from the kernel): its ts_ns is when
 * that process's mappings were read, and the process's earlier events on
 * the segment (already in what was read) are ignored; scan_ns is when the
 * scan began, the attach time of every mapping it found.  Times are
 * CLOCK_MONOTONIC ns.
 */
enum shm_obs_type { SHM_OBS_ATTACH = 1, SHM_OBS_DETACH, SHM_OBS_FORK, SHM_OBS_GONE,
		    SHM_OBS_MSYNC, SHM_OBS_PRESENT };
struct shm_obs {
	int type;
	struct proc_ref proc;
	struct proc_ref child;  /* FORK */
	uint64_t ts_ns;
	uint64_t scan_ns;       /* PRESENT */
	uint64_t dev, ino;      /* ATTACH, DETACH, MSYNC */
	int mech;               /* ATTACH: MECH_SHM, or MECH_MMAP for a regular file */
	bool writable;          /* ATTACH: mapped with PROT_WRITE */
	uint64_t size;          /* ATTACH: bytes (the segment's; MECH_MMAP: the length mapped) */
	int shmid;              /* ATTACH of a SysV segment, else -1 */
	int64_t key;            /* its SysV key, -1 if not SysV */
	bool internal;          /* ATTACH: name is a bare name (memfd:x, dev/zero), not a path */
	char name[256];         /* ATTACH: path or name of the backing file */
	char comm[MODEL_COMM_LEN + 1];
};
void shm_event(struct model *m, const struct shm_obs *o);

/*
 * A path as bpf/shm.bpf.c reports it: its last SHM_NAME_DEPTH components,
 * each cut to IPC_NAME_LEN - 1 bytes, "..." before them if there were more.
 */
void shm_path_like_bpf(const char *path, char *out, size_t len);

/* A shm or mmap edge's extension. */
struct shm_ext {
	uint64_t size;         /* the segment's, at its latest attach; mmap: see shm.c */
	uint64_t together_ns;  /* how long both ends were attached together */
	int64_t key;           /* SysV key, -1 for other kinds */
	/* mmap only */
	bool writable[2];      /* src, dst: mapped the file writable */
	uint64_t msyncs[2];    /* src, dst: successful msyncs on the file */
};

#endif /* IPCTRACE_MECH_SHM_H */

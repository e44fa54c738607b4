/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/* What /proc says about processes that predate ipctrace. */
#ifndef IPCTRACE_PROCFS_H
#define IPCTRACE_PROCFS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/*
 * Read /proc/PID/stat; succeed only if it is the same process, i.e. its
 * starttime (clock ticks) matches start_ns (start_boottime, the clock
 * /proc derives starttime from).  comm must hold 17 bytes.
 */
bool procfs_lookup(uint32_t pid, uint64_t start_ns, uint32_t *ppid, char *comm);
/* Whether a process with this pid exists now. */
bool procfs_pid_exists(uint32_t pid);
/*
 * The pid a process has in its own pid namespace (the last of NSpid) and
 * that namespace's inode number.  pid as /proc numbers it; false if it is
 * not there.
 */
bool procfs_ns_pid(uint32_t pid, uint32_t *ns_pid, uint64_t *pidns);
/*
 * The process's cgroup v2 path ("0::/system.slice/x.service" in
 * /proc/PID/cgroup) into buf; false if it has none or is not there.
 */
bool procfs_cgroup(uint32_t pid, char *buf, size_t len);
/*
 * The process's executable (readlink of /proc/PID/exe) into buf; false if
 * it is not there, has none (a kernel thread), or pid is now another
 * process (start_ns as in procfs_lookup()).  A path too long for buf fails.
 */
bool procfs_exe(uint32_t pid, uint64_t start_ns, char *buf, size_t len);
/*
 * One line of /proc/PID/maps:
 *   "7f00-7f10 rw-s 00001000 fd:01 1234   /var/lib/x/data (deleted)"
 * dev is the device as the kernel encodes it in s_dev (major << 20 |
 * minor; maps prints both in hex).  path is everything after the inode's
 * column, leading blanks skipped (it may hold spaces), with a trailing
 * " (deleted)" removed and said in deleted; "" for an anonymous mapping.
 * A line longer than the caller read (no newline) still parses; its path
 * is cut.
 */
struct procfs_map {
	uint64_t start, end, offset;
	uint64_t dev, ino;
	bool read, write, exec, shared;
	bool deleted;
	char path[4096];
};
/* Parse one line (with or without its newline) into m; false if it is not a maps line. */
bool procfs_maps_line(const char *line, struct procfs_map *m);

/* The inode number of this process's pid namespace, 0 if unknown. */
uint64_t procfs_self_pidns(void);
/* The initial pid namespace's inode number (PROC_PID_INIT_INO). */
#define PROCFS_INIT_PIDNS 0xEFFFFFFCull

#endif

/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * cgroup v2: a cgroup id (what BPF reads from a task: its directory's inode
 * number in the cgroup2 mount) to its path below that mount, "/" for the
 * root, "/system.slice/ssh.service" below it; and the subtree match of
 * --cgroup.
 */
#ifndef IPCTRACE_CGROUP_H
#define IPCTRACE_CGROUP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Room for a cgroup path and its NUL. */
#define CGROUP_PATH_MAX 4096

/*
 * A cache of id -> path, filled by walking the cgroup2 mount on a miss.  A
 * walk happens at most once a second (churn of short-lived cgroups cannot
 * make it spin: a miss within the second stays a miss, to be asked again
 * later), starts from an empty cache, and keeps at most max_entries paths
 * (plus the one asked for), so the cache stays bounded.
 */
struct cgroup_cache;

/* A cache over root (a cgroup2 mount, or a test's tree); NULL if out of memory. */
struct cgroup_cache *cgroup_cache_new(const char *root, size_t max_entries);
void cgroup_cache_free(struct cgroup_cache *c);
/*
 * id's path into buf (len bytes): true if found.  now_ns (any monotonic
 * clock) rate-limits the walks.
 */
bool cgroup_cache_path(struct cgroup_cache *c, uint64_t id, uint64_t now_ns, char *buf,
		       size_t len);
/* Entries held, and walks done: for tests. */
size_t cgroup_cache_size(const struct cgroup_cache *c);
unsigned cgroup_cache_walks(const struct cgroup_cache *c);
/* The id of the cgroup at path below root (the directory's inode number), 0 if none. */
uint64_t cgroup_cache_id(const struct cgroup_cache *c, const char *path);

/*
 * The same for this system: the cgroup2 mount found in /proc/self/mounts
 * (/sys/fs/cgroup, or /sys/fs/cgroup/unified on a hybrid system), a cache
 * of CGROUP_CACHE_MAX entries, CLOCK_MONOTONIC.  False when unknown or
 * when there is no cgroup2 mount.
 */
#define CGROUP_CACHE_MAX 4096
bool cgroup_path(uint64_t id, char *buf, size_t len);
uint64_t cgroup_id(const char *path);
/* The cgroup2 mount point, or NULL if there is none. */
const char *cgroup_root(void);

/*
 * Whether path is top or below it: "/system.slice" holds "/system.slice"
 * and "/system.slice/ssh.service", not "/system.slicex".  "/" holds every
 * path; a trailing '/' of top is ignored.
 */
bool cgroup_under(const char *path, const char *top);

#endif

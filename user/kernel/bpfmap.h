/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * Walking and pruning BPF hash maps from userspace, the two things every
 * reader of a map does.
 */
#ifndef IPCTRACE_BPFMAP_H
#define IPCTRACE_BPFMAP_H

#include <stdbool.h>
#include <stddef.h>

/*
 * Call fn(key, val, arg) for every entry of the map fd, val read into the
 * caller's buffer (large enough for the value, per-CPU values included).
 * Entries deleted meanwhile are skipped; a negative fd is an empty map.
 * Values are read, never "read then deleted": an update in between would
 * be lost.
 */
void bpfmap_walk(int fd, size_t key_size, void *val,
		 void (*fn)(const void *key, const void *val, void *arg), void *arg);

/*
 * Delete every key of the map for which match(key, arg) is true.  Keys are
 * gathered first: deleting while walking get_next_key restarts the walk.
 * key_size at most 64.
 */
void bpfmap_delete_if(int fd, size_t key_size, bool (*match)(const void *key, void *arg),
		      void *arg);

/*
 * Take out every entry for which match(key, arg) is true: read and delete
 * it in one step (an update racing with it lands before or after, never
 * lost in between), then fn(key, val, arg) with its last values.  Hash
 * maps only (lookup-and-delete).
 */
void bpfmap_take_if(int fd, size_t key_size, void *val,
		    bool (*match)(const void *key, void *arg),
		    void (*fn)(const void *key, const void *val, void *arg), void *arg);

#endif /* IPCTRACE_BPFMAP_H */

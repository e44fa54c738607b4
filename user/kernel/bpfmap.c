// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include "kernel/bpfmap.h"

#define KEY_MAX 64

/* The size of one value as the syscalls return it: per-CPU maps give one per CPU. */
static size_t value_bytes(int fd)
{
	struct bpf_map_info info = {};
	__u32 len = sizeof(info);
	int ncpus;

	if (bpf_obj_get_info_by_fd(fd, &info, &len))
		return 0;
	switch (info.type) {
	case BPF_MAP_TYPE_PERCPU_HASH:
	case BPF_MAP_TYPE_LRU_PERCPU_HASH:
	case BPF_MAP_TYPE_PERCPU_ARRAY:
		ncpus = libbpf_num_possible_cpus();
		return ncpus > 0 ? (size_t)ncpus * ((info.value_size + 7) & ~7u) : 0;
	default:
		return info.value_size;
	}
}

/*
 * The map in batches of entries per syscall (BPF_MAP_LOOKUP_BATCH): one
 * syscall per entry twice over was most of the collector's cost under
 * churn.  Returns false if the kernel cannot (then the caller walks key by
 * key).
 */
static bool walk_batched(int fd, size_t key_size, void (*fn)(const void *, const void *, void *),
			 void *arg)
{
	size_t vsize = value_bytes(fd), cap = 1024;
	char *keys = NULL, *vals = NULL;
	__u64 in[8], out[8]; /* the batch token: a bucket index for hashes */
	bool first = true, ok = true;

	if (!vsize || key_size > sizeof(in))
		return false;
	for (;;) {
		__u32 count = cap;
		int err;

		if (!keys && (!(keys = malloc(cap * key_size)) || !(vals = malloc(cap * vsize)))) {
			ok = false;
			break;
		}
		err = bpf_map_lookup_batch(fd, first ? NULL : in, out, keys, vals, &count, NULL);
		if (err && errno == ENOSPC && cap < (1u << 20)) {
			/* one bucket holds more than cap entries: room for it, same place */
			free(keys);
			free(vals);
			keys = vals = NULL;
			cap *= 4;
			continue;
		}
		if (err && errno != ENOENT) {
			/* at once: walk key by key; later: what was read counts, the rest next time */
			ok = !first;
			break;
		}
		for (__u32 i = 0; i < count; i++)
			fn(keys + i * key_size, vals + i * vsize, arg);
		if (err) /* ENOENT: that was the last batch */
			break;
		memcpy(in, out, sizeof(in));
		first = false;
	}
	free(keys);
	free(vals);
	return ok;
}

void bpfmap_walk(int fd, size_t key_size, void *val,
		 void (*fn)(const void *key, const void *val, void *arg), void *arg)
{
	char key[KEY_MAX], *prev = NULL;

	if (fd < 0 || key_size > KEY_MAX || walk_batched(fd, key_size, fn, arg))
		return;
	while (bpf_map_get_next_key(fd, prev, key) == 0) {
		prev = key;
		if (bpf_map_lookup_elem(fd, key, val))
			continue; /* deleted meanwhile */
		fn(key, val, arg);
	}
}

/*
 * The keys of map fd for which match() is true, into *out (malloc'd): how
 * many.  Keys are gathered first: deleting while walking get_next_key
 * restarts the walk.
 */
static size_t gather_keys(int fd, size_t key_size, bool (*match)(const void *key, void *arg),
			  void *arg, char **out)
{
	size_t cap = 256, cnt = 0;
	char *keys, *prev = NULL, cur[KEY_MAX];

	*out = NULL;
	if (fd < 0 || key_size > KEY_MAX || !(keys = malloc(cap * key_size)))
		return 0;
	while (bpf_map_get_next_key(fd, prev, cur) == 0) {
		if (match(cur, arg)) {
			if (cnt == cap) {
				char *grown = realloc(keys, 2 * cap * key_size);

				if (!grown)
					break; /* the rest goes next time */
				keys = grown;
				cap *= 2;
			}
			memcpy(keys + cnt * key_size, cur, key_size);
			cnt++;
		}
		prev = cur;
	}
	*out = keys;
	return cnt;
}

void bpfmap_delete_if(int fd, size_t key_size, bool (*match)(const void *key, void *arg),
		      void *arg)
{
	char *keys;
	size_t cnt = gather_keys(fd, key_size, match, arg, &keys);

	for (size_t i = 0; i < cnt; i++)
		bpf_map_delete_elem(fd, keys + i * key_size);
	free(keys);
}

void bpfmap_take_if(int fd, size_t key_size, void *val,
		    bool (*match)(const void *key, void *arg),
		    void (*fn)(const void *key, const void *val, void *arg), void *arg)
{
	char *keys;
	size_t cnt = gather_keys(fd, key_size, match, arg, &keys);

	for (size_t i = 0; i < cnt; i++)
		if (!bpf_map_lookup_and_delete_elem(fd, keys + i * key_size, val))
			fn(keys + i * key_size, val, arg);
	free(keys);
}

// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
#include <stdlib.h>
#include <string.h>
#include <bpf/bpf.h>
#include "kernel/bpfmap.h"

#define KEY_MAX 64

void bpfmap_walk(int fd, size_t key_size, void *val,
		 void (*fn)(const void *key, const void *val, void *arg), void *arg)
{
	char key[KEY_MAX], *prev = NULL;

	if (fd < 0 || key_size > KEY_MAX)
		return;
	while (bpf_map_get_next_key(fd, prev, key) == 0) {
		prev = key;
		if (bpf_map_lookup_elem(fd, key, val))
			continue; /* deleted meanwhile */
		fn(key, val, arg);
	}
}

void bpfmap_delete_if(int fd, size_t key_size, bool (*match)(const void *key, void *arg),
		      void *arg)
{
	size_t cap = 256, cnt = 0;
	char *keys, *prev = NULL, cur[KEY_MAX];

	if (fd < 0 || key_size > KEY_MAX || !(keys = malloc(cap * key_size)))
		return;
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
	for (size_t i = 0; i < cnt; i++)
		bpf_map_delete_elem(fd, keys + i * key_size);
	free(keys);
}

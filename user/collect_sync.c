// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <bpf/bpf.h>
#include "collect.h"
#include "collect_sync.h"
#include "ipctrace.h"

_Static_assert(sizeof(struct ipc_shm_event) == 88 + SHM_NAME_DEPTH * IPC_NAME_LEN,
	       "ipc_shm_event layout");
_Static_assert(sizeof(struct wake_key) == 48, "wake_key layout");
_Static_assert(sizeof(struct wake_val) == 16 + IPC_COMM_LEN, "wake_val layout");

static void copy_str(char *dst, const char *src, size_t n)
{
	size_t len = strnlen(src, n);

	memcpy(dst, src, len);
	dst[len] = '\0';
}

/* The file's name as the model wants it: a path root first, or a bare name. */
static void event_name(const struct ipc_shm_event *e, struct shm_obs *o)
{
	char comp[IPC_NAME_LEN + 1];
	size_t len = 0;

	o->name[0] = '\0';
	o->internal = e->internal;
	if (e->internal) {
		if (e->depth)
			copy_str(o->name, e->comp[0], IPC_NAME_LEN);
		return;
	}
	if (e->truncated)
		len += snprintf(o->name + len, sizeof(o->name) - len, "...");
	for (int i = (int)e->depth - 1; i >= 0 && i < SHM_NAME_DEPTH; i--) {
		copy_str(comp, e->comp[i], IPC_NAME_LEN);
		len += snprintf(o->name + len, sizeof(o->name) - len, "/%s", comp);
		if (len >= sizeof(o->name))
			break;
	}
}

static int on_shm_event(void *ctx, void *data, size_t size)
{
	const struct ipc_shm_event *e = data;
	struct model *m = ctx;
	struct shm_obs o;
	unsigned int key;

	if (size < sizeof(*e))
		return 0;
	memset(&o, 0, sizeof(o));
	o.type = e->type; /* the same numbers: SHM_EV_* == SHM_OBS_* */
	o.proc.pid = e->tgid;
	o.proc.start_ns = e->start_ns;
	o.child.pid = e->other_tgid;
	o.child.start_ns = e->other_start_ns;
	o.ts_ns = e->ts;
	o.dev = e->dev;
	o.ino = e->ino;
	o.size = e->size;
	o.shmid = -1;
	o.key = -1;
	copy_str(o.comm, e->comm, IPC_COMM_LEN);
	if (e->type == SHM_EV_ATTACH) {
		event_name(e, &o);
		/* ipc/shm.c names a segment's file "SYSV%08x" after its key */
		if (e->kind == SHM_KIND_SYSV) {
			o.shmid = e->shmid;
			if (sscanf(o.name, "SYSV%8x", &key) == 1)
				o.key = key;
		}
	}
	model_shm_event(m, &o);
	return 0; /* never negative: that would stop the drain */
}

_Static_assert((int)SHM_EV_ATTACH == (int)SHM_OBS_ATTACH &&
	       (int)SHM_EV_DETACH == (int)SHM_OBS_DETACH && (int)SHM_EV_FORK == (int)SHM_OBS_FORK &&
	       (int)SHM_EV_GONE == (int)SHM_OBS_GONE, "shm event types");

int collect_sync_ring(struct ring_buffer *rb, int shm_events_fd, struct model *m)
{
	return ring_buffer__add(rb, shm_events_fd, on_shm_event, m);
}

void collect_sync_read(int sem_wakes_fd, struct model *m)
{
	struct wake_key key, *prev = NULL;
	struct wake_val val;
	struct timespec ts;

	/* bpf_ktime_get_ns() is CLOCK_MONOTONIC */
	clock_gettime(CLOCK_MONOTONIC, &ts);
	model_set_clock(m, (uint64_t)ts.tv_sec * 1000000000ull + ts.tv_nsec);
	while (bpf_map_get_next_key(sem_wakes_fd, prev, &key) == 0) {
		struct wake_obs o = {};

		prev = &key;
		if (bpf_map_lookup_elem(sem_wakes_fd, &key, &val))
			continue;
		o.mech = key.mech;
		o.waker.pid = key.waker_tgid;
		o.waker.start_ns = key.waker_start_ns;
		o.wakee.pid = key.wakee_tgid;
		o.wakee.start_ns = key.wakee_start_ns;
		o.obj_a = key.obj_a;
		o.obj_b = key.obj_b;
		o.wakes = val.wakes;
		o.blocked_ns = val.blocked_ns;
		copy_str(o.wakee_comm, val.wakee_comm, IPC_COMM_LEN);
		model_update_wake(m, &o);
	}
}

/*
 * The wakee counts the wake-up when its wait returns, possibly after the
 * waker is gone: only the wakee's end says no more will come.
 */
bool collect_sync_wake_reaped(const void *k, const struct proc_ref *set, size_t n)
{
	const struct wake_key *key = k;

	return collect_is_reaped(set, n, key->wakee_tgid, key->wakee_start_ns);
}

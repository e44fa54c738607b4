// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include "kernel/abi.h"
#include "core/collect.h"
#include "core/mech.h"
#include "core/procfs.h"
#include "kernel/bpfmap.h"
#include "kernel/kif.h"

/* The BPF<->user structs have no implicit padding and a fixed size. */
_Static_assert(sizeof(struct ep_key) == 32, "ep_key layout");
_Static_assert(sizeof(struct ep_val) == 56, "ep_val layout");
_Static_assert(sizeof(struct obj_key) == 16, "obj_key layout");
_Static_assert(sizeof(struct obj_name) == 8 + IPC_PATH_DEPTH * IPC_NAME_LEN, "obj_name layout");

struct collector {
	struct kif *kif;
	struct model *model;
	struct ring_buffer *ring;
	int ncpus;
	__u64 *percpu;                 /* scratch for one per-CPU value */
	const struct proc_ref *reaped; /* during reap: sorted by pid, then start */
	size_t n_reaped;
};

struct collector *collector_new(struct kif *k, struct model *m)
{
	struct collector *c = calloc(1, sizeof(*c));
	const struct mech_ops *ops;

	if (!c)
		return NULL;
	c->kif = k;
	c->model = m;
	c->ncpus = libbpf_num_possible_cpus();
	if (c->ncpus <= 0 || !(c->percpu = calloc(c->ncpus, sizeof(*c->percpu))))
		goto fail;
	for_each_mech(i, ops)
		if (ops->collect_init && ops->collect_init(c, k, m))
			goto fail;
	return c;
fail:
	collector_free(c);
	return NULL;
}

void collector_free(struct collector *c)
{
	if (!c)
		return;
	ring_buffer__free(c->ring);
	free(c->percpu);
	free(c);
}

int collector_add_ring(struct collector *c, int fd, int (*fn)(void *ctx, void *data, size_t size),
		       void *ctx)
{
	if (fd < 0)
		return -EINVAL;
	if (!c->ring) {
		c->ring = ring_buffer__new(fd, fn, ctx, NULL);
		return c->ring ? 0 : -errno;
	}
	return ring_buffer__add(c->ring, fd, fn, ctx);
}

int collector_ncpus(const struct collector *c)
{
	return c->ncpus;
}

void collector_drain(struct collector *c)
{
	/* Records are submitted without wake-up: consume, don't poll. */
	if (c->ring)
		ring_buffer__consume(c->ring);
}

void collector_hint(struct collector *c, uint32_t pid, uint64_t start_ns, const char *comm)
{
	struct proc_ref p = { .pid = pid, .start_ns = start_ns };
	char pcomm[IPC_COMM_LEN + 1];
	uint32_t ppid = 0;

	if (pid == 0 || model_proc_find(c->model, p))
		return;
	if (procfs_lookup(pid, start_ns, &ppid, pcomm))
		model_proc_hint(c->model, p, ppid, pcomm);
	else
		model_proc_hint(c->model, p, 0, comm);
}

static void copy_comm(char *dst, const char *src)
{
	memcpy(dst, src, IPC_COMM_LEN);
	dst[IPC_COMM_LEN] = '\0';
}

static void on_endpoint(const void *k, const void *v, void *arg)
{
	const struct ep_key *key = k;
	const struct ep_val *val = v;
	struct collector *c = arg;
	struct ep_obs o = {
		.proc = { key->tgid, key->start_ns },
		.mech = key->mech, .dir = key->dir, .obj_a = key->obj_a, .obj_b = key->obj_b,
		.ops = val->ops, .bytes = val->bytes, .blocked_ns = val->blocked_ns,
		.aux = { val->fds, val->creds },
	};

	copy_comm(o.comm, val->comm);
	collector_hint(c, key->tgid, key->start_ns, o.comm);
	model_update_endpoint(c->model, &o);
}

/*
 * The model keeps every name it was given, so the map entry can go: the
 * map stays small on long runs (it would fill with every socket and FIFO
 * ever seen), at the price of the kernel side recording a name again when
 * the object is used after this.  Deleted after the walk, which deleting
 * under it would restart.
 */
struct name_walk {
	struct collector *c;
	struct obj_key *done;
	size_t n, cap;
};

static void forget_name(struct name_walk *w, const struct obj_key *key)
{
	if (w->n == w->cap) {
		size_t cap = w->cap ? 2 * w->cap : 64;
		struct obj_key *grown = realloc(w->done, cap * sizeof(*grown));

		if (!grown)
			return; /* kept: read again next time */
		w->done = grown;
		w->cap = cap;
	}
	w->done[w->n++] = *key;
}

/* "/" + components root first; "..." in front when the walk was cut short. */
static void on_objname(const void *k, const void *v, void *arg)
{
	const struct obj_key *key = k;
	struct obj_name n = *(const struct obj_name *)v;
	struct name_walk *w = arg;
	char path[IPC_PATH_DEPTH * (IPC_NAME_LEN + 1) + 8];
	size_t len = 0;

	path[0] = '\0';
	if (n.raw && n.depth == 1) {
		n.comp[0][IPC_NAME_LEN - 1] = '\0';
		model_set_object_name(w->c->model, n.mech, key->obj_a, key->obj_b, n.comp[0]);
		forget_name(w, key);
		return;
	}
	if (n.truncated)
		len += snprintf(path + len, sizeof(path) - len, "...");
	for (int i = (int)n.depth - 1; i >= 0 && i < IPC_PATH_DEPTH; i--) {
		n.comp[i][IPC_NAME_LEN - 1] = '\0';
		len += snprintf(path + len, sizeof(path) - len, "/%s", n.comp[i]);
		if (len >= sizeof(path))
			break;
	}
	model_set_object_name(w->c->model, n.mech, key->obj_a, key->obj_b, path);
	/* a FIFO path is filled in place: still "truncated" while being walked */
	if (!n.truncated)
		forget_name(w, key);
}

static void read_objnames(struct collector *c)
{
	int fd = kif_map_fd(c->kif, "objnames");
	struct name_walk w = { .c = c };
	struct obj_name val;

	bpfmap_walk(fd, sizeof(struct obj_key), &val, on_objname, &w);
	for (size_t i = 0; i < w.n; i++)
		bpf_map_delete_elem(fd, &w.done[i]);
	free(w.done);
}

static __u64 read_stat(struct collector *c, int fd, __u32 idx)
{
	__u64 sum = 0;

	if (bpf_map_lookup_elem(fd, &idx, c->percpu))
		return 0;
	for (int i = 0; i < c->ncpus; i++)
		sum += c->percpu[i];
	return sum;
}

int collector_read(struct collector *c)
{
	struct model_lost lost = {};
	const struct mech_ops *ops;
	struct ep_val val;
	struct timespec ts;
	int stats = kif_map_fd(c->kif, "stats");

	collector_drain(c);
	/* bpf_ktime_get_ns() is CLOCK_MONOTONIC */
	clock_gettime(CLOCK_MONOTONIC, &ts);
	model_set_clock(c->model, (uint64_t)ts.tv_sec * 1000000000ull + ts.tv_nsec);
	read_objnames(c);
	bpfmap_walk(kif_map_fd(c->kif, "endpoints"), sizeof(struct ep_key), &val, on_endpoint, c);
	for_each_mech(i, ops)
		if (ops->read)
			ops->read(c, c->kif, c->model);
	for (__u32 i = 0; i < STAT_MAX; i++) {
		if (STAT_EVENT_LOSS & (1u << i))
			lost.events += read_stat(c, stats, i);
		else
			lost.map_full += read_stat(c, stats, i);
	}
	model_set_lost(c->model, &lost);
	return 0;
}

static int ref_cmp(const void *a, const void *b)
{
	const struct proc_ref *x = a, *y = b;

	if (x->pid != y->pid)
		return x->pid < y->pid ? -1 : 1;
	if (x->start_ns != y->start_ns)
		return x->start_ns < y->start_ns ? -1 : 1;
	return 0;
}

bool collector_is_reaped(const struct collector *c, uint32_t pid, uint64_t start_ns)
{
	struct proc_ref k = { .pid = pid, .start_ns = start_ns };

	return c->n_reaped && bsearch(&k, c->reaped, c->n_reaped, sizeof(k), ref_cmp);
}

static bool ep_reaped(const void *k, void *arg)
{
	const struct ep_key *key = k;

	return collector_is_reaped(arg, key->tgid, key->start_ns);
}

void collector_reap(struct collector *c)
{
	struct proc_ref set[1024];
	const struct mech_ops *ops;
	size_t n = model_reapable(c->model, set, sizeof(set) / sizeof(*set));

	if (!n)
		return;
	qsort(set, n, sizeof(*set), ref_cmp);
	c->reaped = set;
	c->n_reaped = n;
	bpfmap_delete_if(kif_map_fd(c->kif, "endpoints"), sizeof(struct ep_key), ep_reaped, c);
	for_each_mech(i, ops)
		if (ops->reap)
			ops->reap(c, c->kif);
	c->reaped = NULL;
	c->n_reaped = 0;
	for (size_t i = 0; i < n; i++)
		model_mark_reaped(c->model, set[i]);
}

// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include "kernel/abi.h"
#include "core/cgroup.h"
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
_Static_assert(STAT_MAX <= 32 && STAT_MAX < MODEL_LOST_CAUSES, "a name for every statistic");

struct collector {
	struct kif *kif;
	uint64_t last_sweep;           /* clock of the latest sweep of idle endpoints */
	uint64_t last_reap;            /* and of the latest reap */
	uint64_t last_fold;            /* and of the latest model_fold() */
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

void collector_predate(struct collector *c, uint32_t mech_mask)
{
	const struct mech_ops *ops;

	for_each_mech(i, ops)
		if (ops->predate)
			ops->predate(c, c->kif, c->model, mech_mask);
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

/* Ring buffer records into the model; cheap, call often. */
static void collector_drain(struct collector *c)
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
	if (procfs_lookup(pid, start_ns, &ppid, pcomm)) {
		uint32_t ns_pid;
		uint64_t pidns;

		char cg[CGROUP_PATH_MAX];
		uint64_t cg_id;

		char exe[MODEL_EXE_MAX];

		model_proc_hint(c->model, p, ppid, pcomm);
		if (model_aggregate(c->model) == AGG_EXE &&
		    procfs_exe(pid, start_ns, exe, sizeof(exe)))
			model_proc_exe(c->model, p, exe);
		if (procfs_ns_pid(pid, &ns_pid, &pidns))
			model_proc_ns(c->model, p, ns_pid, pidns);
		/* its cgroup by path; the id, which events carry, is the directory's inode */
		if (procfs_cgroup(pid, cg, sizeof(cg)) && (cg_id = cgroup_id(cg))) {
			model_proc_cgroup(c->model, p, cg_id);
			model_name_cgroup(c->model, cg_id, cg);
		}
	} else {
		model_proc_hint(c->model, p, 0, comm);
	}
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

void collector_read_names(struct collector *c)
{
	read_objnames(c);
}

uint64_t collector_percpu_sum(struct collector *c, int fd, uint32_t idx)
{
	__u64 sum = 0;

	if (bpf_map_lookup_elem(fd, &idx, c->percpu))
		return 0;
	for (int i = 0; i < c->ncpus; i++)
		sum += c->percpu[i];
	return sum;
}

/*
 * --events: records the ipc_events ring had no room for, by mechanism
 * (the ev_lost map), as causes "events_<mech>".
 */
int collector_events_lost(struct collector *c, uint64_t *n)
{
	int fd = kif_map_fd(c->kif, "ev_lost");

	if (fd < 0)
		return -1;
	for (__u32 i = 0; i < MECH_MAX; i++)
		n[i] = collector_percpu_sum(c, fd, i);
	return 0;
}

static void events_lost(struct collector *c, struct model_lost *lost)
{
	static char names[MECH_MAX][32];
	uint64_t n[MECH_MAX];

	if (collector_events_lost(c, n))
		return;
	for (__u32 i = 0; i < MECH_MAX; i++) {
		if (!n[i])
			continue;
		lost->events += n[i];
		if (lost->n_causes >= MODEL_LOST_CAUSES)
			continue;
		snprintf(names[i], sizeof(names[i]), "events_%s", mech_name(i) ? mech_name(i) : "other");
		lost->cause[lost->n_causes].name = names[i];
		lost->cause[lost->n_causes++].n = n[i];
	}
}

#define FOLD_EVERY_NS 1000000000ull

/* The clock of bpf_ktime_get_ns(): CLOCK_MONOTONIC. */
static uint64_t clock_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + ts.tv_nsec;
}

/*
 * Paths for the cgroups of processes that have none yet: a cgroup the
 * cache could not resolve when its event came (a walk had just been done)
 * is asked again here, once per report.
 */
static void name_cgroups(struct collector *c)
{
	uint64_t ids[64];
	size_t n = model_cgroups_unnamed(c->model, ids, 64);
	char path[CGROUP_PATH_MAX];

	for (size_t i = 0; i < n; i++)
		if (cgroup_path(ids[i], path, sizeof(path)))
			model_name_cgroup(c->model, ids[i], path);
}

int collector_read(struct collector *c)
{
	struct model_lost lost = {};
	const struct mech_ops *ops;
	struct ep_val val;
	int stats = kif_map_fd(c->kif, "stats");

	model_set_clock(c->model, clock_ns());
	read_objnames(c);
	collector_drain(c);
	bpfmap_walk(kif_map_fd(c->kif, "endpoints"), sizeof(struct ep_key), &val, on_endpoint, c);
	for_each_mech(i, ops)
		if (ops->read)
			ops->read(c, c->kif, c->model);
	for (__u32 i = 0; i < STAT_MAX; i++) {
		static const char *const names[STAT_MAX] = STAT_NAMES;
		__u64 n = collector_percpu_sum(c, stats, i);

		if (STAT_EVENT_LOSS & (1u << i))
			lost.events += n;
		else
			lost.map_full += n;
		if (n && lost.n_causes < MODEL_LOST_CAUSES) {
			lost.cause[lost.n_causes].name = names[i];
			lost.cause[lost.n_causes++].n = n;
		}
	}
	events_lost(c, &lost);
	model_set_lost(c->model, &lost);
	name_cgroups(c);
	/*
	 * Everything is read: what exited processes left behind may fold now.
	 * It has been idle for the retention period: once a second is soon enough.
	 */
	if (clock_ns() - c->last_fold >= FOLD_EVERY_NS) {
		c->last_fold = clock_ns();
		model_fold(c->model);
	}
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

/*
 * Delete the map entries of processes that exited at least a grace period
 * ago, after reading every counter into the model (so nothing they counted
 * is lost), and mark them reaped.
 */
static void reap(struct collector *c, uint64_t exited_before_ns)
{
	size_t cap = 256, n;
	struct proc_ref *set = malloc(cap * sizeof(*set));
	const struct mech_ops *ops;

	while (set && (n = model_reapable(c->model, exited_before_ns, set, cap)) == cap) {
		struct proc_ref *grown = realloc(set, 2 * cap * sizeof(*set));

		if (!grown)
			break;
		set = grown;
		cap *= 2;
	}
	if (!set || !n) {
		free(set);
		return;
	}
	collector_read(c);
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
	free(set);
}

/*
 * A process's last counts can come a little after its exit event: the
 * SIGCHLD its exit sends, a wait that returns as it goes.  Its entries go
 * this long after the exit was seen.
 */
#define REAP_GRACE_NS 1000000000ull

/*
 * Endpoints of live processes idle this long leave the map: their last
 * values go to the model atomically (lookup-and-delete: no update between
 * a read and a delete is lost), and a later use counts from zero on top.
 * The map then holds what was active lately, not every object a
 * long-lived process ever touched.
 */
#define UNMAP_IDLE_NS (1 * 1000000000ull)
#define SWEEP_EVERY_NS 1000000000ull

/* One endpoint's entry out of the map, its last values into the model. */
static void unmap_one(struct collector *c, int fd, struct ep_obs *o)
{
	struct ep_key key = {
		.tgid = o->proc.pid, .mech = o->mech, .dir = o->dir,
		.start_ns = o->proc.start_ns, .obj_a = o->obj_a, .obj_b = o->obj_b,
	};
	struct ep_val val;

	if (bpf_map_lookup_and_delete_elem(fd, &key, &val)) {
		/* not there: its values are the model's already */
		model_endpoint_unmapped(c->model, o, false);
		return;
	}
	o->ops = val.ops;
	o->bytes = val.bytes;
	o->blocked_ns = val.blocked_ns;
	o->aux[0] = val.fds;
	o->aux[1] = val.creds;
	copy_comm(o->comm, val.comm);
	model_endpoint_unmapped(c->model, o, true);
}

static void unmap_idle(struct collector *c, uint64_t idle_before)
{
	int fd = kif_map_fd(c->kif, "endpoints");
	struct ep_obs batch[256];
	size_t n, max = sizeof(batch) / sizeof(*batch);

	do {
		n = model_idle_endpoints(c->model, idle_before, batch, max);
		for (size_t i = 0; i < n; i++)
			unmap_one(c, fd, &batch[i]);
	} while (n == max);
}

/*
 * Reaping reads every map: under heavy churn (thousands of exits a second)
 * doing it on every tick costs more than the maps' headroom is worth.
 */
#define REAP_EVERY_NS (250 * 1000000ull)

void collector_tick(struct collector *c)
{
	uint64_t now = clock_ns();
	struct proc_ref one;

	model_set_clock(c->model, now);
	/*
	 * Names are recorded once per object: read (and free) them before the
	 * map fills, and before the records, so an event names its FIFO.
	 */
	read_objnames(c);
	collector_drain(c);
	if (now > REAP_GRACE_NS && now - c->last_reap >= REAP_EVERY_NS &&
	    model_reapable(c->model, now - REAP_GRACE_NS, &one, 1)) {
		c->last_reap = now;
		reap(c, now - REAP_GRACE_NS);
	}
	if (now - c->last_sweep >= SWEEP_EVERY_NS && now > UNMAP_IDLE_NS) {
		c->last_sweep = now;
		collector_read(c);
		unmap_idle(c, now - UNMAP_IDLE_NS);
	}
}

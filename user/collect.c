// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include "collect.h"
#include "ipctrace.h"
#include "collect_mq.h"
#include "collect_sync.h"
#include "procfs.h"

/* The BPF<->user structs have no implicit padding and a fixed size. */
_Static_assert(sizeof(struct ep_key) == 32, "ep_key layout");
_Static_assert(sizeof(struct ep_val) == 56, "ep_val layout");
_Static_assert(sizeof(struct obj_key) == 16, "obj_key layout");
_Static_assert(sizeof(struct obj_name) == 8 + IPC_PATH_DEPTH * IPC_NAME_LEN, "obj_name layout");
_Static_assert(sizeof(struct sig_key) == 32, "sig_key layout");
_Static_assert(sizeof(struct sig_val) == 8 * (1 + SIGRES_MAX) + IPC_COMM_LEN, "sig_val layout");
_Static_assert(sizeof(struct sigdel_key) == 16, "sigdel_key layout");
_Static_assert(sizeof(struct sigdel_val) == 32 + IPC_COMM_LEN, "sigdel_val layout");
_Static_assert(sizeof(struct ipc_proc_event) == 32 + IPC_COMM_LEN, "proc_event layout");
_Static_assert(SIGRES_MAX == MODEL_SIGRES, "signal result count");

struct collector {
	struct loader_maps maps;
	struct model *model;
	struct ring_buffer *ring;
	int ncpus;
	__u64 *percpu; /* scratch for one per-CPU value */
};

static void copy_comm(char *dst, const char *src)
{
	memcpy(dst, src, IPC_COMM_LEN);
	dst[IPC_COMM_LEN] = '\0';
}

static int on_proc_event(void *ctx, void *data, size_t size)
{
	struct collector *c = ctx;
	const struct ipc_proc_event *e = data;
	struct proc_ref p;
	char comm[IPC_COMM_LEN + 1];

	if (size < sizeof(*e))
		return 0;
	p.pid = e->tgid;
	p.start_ns = e->start_ns;
	copy_comm(comm, e->comm);
	switch (e->type) {
	case PROC_FORK:
		model_proc_fork(c->model, p, e->ppid, comm);
		break;
	case PROC_EXEC:
		model_proc_exec(c->model, p, comm);
		break;
	case PROC_COMM:
		model_proc_comm(c->model, p, comm);
		break;
	case PROC_EXIT:
		model_proc_exit(c->model, p, e->exit_code);
		break;
	}
	return 0; /* never negative: that would stop the drain */
}

struct collector *collector_new(const struct loader_maps *maps, struct model *m)
{
	struct collector *c = calloc(1, sizeof(*c));

	if (!c)
		return NULL;
	c->maps = *maps;
	c->model = m;
	c->ncpus = libbpf_num_possible_cpus();
	if (c->ncpus <= 0)
		goto fail;
	c->percpu = calloc(c->ncpus, sizeof(*c->percpu));
	c->ring = ring_buffer__new(maps->proc_events, on_proc_event, c, NULL);
	if (!c->percpu || !c->ring || collect_sync_ring(c->ring, maps->shm_events, m))
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

void collector_drain(struct collector *c)
{
	/* Records are submitted without wake-up: consume, don't poll. */
	ring_buffer__consume(c->ring);
}

/* A process the model has never heard of predates ipctrace: ask /proc. */
static void hint_process(struct collector *c, uint32_t pid, uint64_t start_ns, const char *comm)
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

static void read_endpoints(struct collector *c)
{
	struct ep_key key, *prev = NULL;
	struct ep_val val;
	struct ep_obs o;

	while (bpf_map_get_next_key(c->maps.endpoints, prev, &key) == 0) {
		prev = &key;
		if (bpf_map_lookup_elem(c->maps.endpoints, &key, &val))
			continue; /* deleted meanwhile */
		memset(&o, 0, sizeof(o));
		o.proc.pid = key.tgid;
		o.proc.start_ns = key.start_ns;
		o.mech = key.mech;
		o.dir = key.dir;
		o.obj_a = key.obj_a;
		o.obj_b = key.obj_b;
		o.ops = val.ops;
		o.bytes = val.bytes;
		o.blocked_ns = val.blocked_ns;
		o.fds = val.fds;
		o.creds = val.creds;
		copy_comm(o.comm, val.comm);
		hint_process(c, key.tgid, key.start_ns, o.comm);
		model_update_endpoint(c->model, &o);
	}
}

/*
 * The model keeps every name it was given, so the map entry can go: the
 * map stays small on long runs (it would fill with every socket and FIFO
 * ever seen), at the price of the kernel side recording a name again when
 * the object is used after this.  Deleted after the walk, which deleting
 * under it would restart.
 */
struct name_keys {
	struct obj_key *v;
	size_t n, cap;
};

static void forget_name(struct name_keys *k, const struct obj_key *key)
{
	if (k->n == k->cap) {
		size_t cap = k->cap ? 2 * k->cap : 64;
		struct obj_key *grown = realloc(k->v, cap * sizeof(*grown));

		if (!grown)
			return; /* kept: read again next time */
		k->v = grown;
		k->cap = cap;
	}
	k->v[k->n++] = *key;
}

/* "/" + components root first; "…/" in front when the walk was cut short. */
static void read_objnames(struct collector *c)
{
	struct obj_key key, *prev = NULL;
	struct name_keys done = {};
	struct obj_name n;
	char path[IPC_PATH_DEPTH * (IPC_NAME_LEN + 1) + 8];

	while (bpf_map_get_next_key(c->maps.objnames, prev, &key) == 0) {
		size_t len = 0;

		prev = &key;
		if (bpf_map_lookup_elem(c->maps.objnames, &key, &n))
			continue;
		path[0] = '\0';
		if (n.raw && n.depth == 1) {
			n.comp[0][IPC_NAME_LEN - 1] = '\0';
			model_set_object_name(c->model, n.mech, key.obj_a, key.obj_b, n.comp[0]);
			forget_name(&done, &key);
			continue;
		}
		if (n.truncated)
			len += snprintf(path + len, sizeof(path) - len, "...");
		for (int i = (int)n.depth - 1; i >= 0 && i < IPC_PATH_DEPTH; i--) {
			n.comp[i][IPC_NAME_LEN - 1] = '\0';
			len += snprintf(path + len, sizeof(path) - len, "/%s", n.comp[i]);
			if (len >= sizeof(path))
				break;
		}
		model_set_object_name(c->model, n.mech, key.obj_a, key.obj_b, path);
		/* a FIFO path is filled in place: still "truncated" while being walked */
		if (!n.truncated)
			forget_name(&done, &key);
	}
	for (size_t i = 0; i < done.n; i++)
		bpf_map_delete_elem(c->maps.objnames, &done.v[i]);
	free(done.v);
}

static void read_signals(struct collector *c)
{
	struct sig_key key, *prev = NULL;
	struct sigdel_key dkey, *dprev = NULL;
	struct sig_val val;
	struct sigdel_val dval;

	while (bpf_map_get_next_key(c->maps.sigs, prev, &key) == 0) {
		struct sig_obs o = {};

		prev = &key;
		if (bpf_map_lookup_elem(c->maps.sigs, &key, &val))
			continue;
		o.src.pid = key.src_tgid;
		o.src.start_ns = key.src_start_ns;
		o.dst.pid = key.dst_tgid;
		o.dst.start_ns = key.dst_start_ns;
		o.sig = key.sig;
		o.code = key.code;
		o.generated = val.generated;
		memcpy(o.result, val.result, sizeof(o.result));
		copy_comm(o.src_comm, val.src_comm);
		hint_process(c, key.src_tgid, key.src_start_ns, o.src_comm);
		hint_process(c, key.dst_tgid, key.dst_start_ns, "");
		model_update_signal(c->model, &o);
	}
	while (bpf_map_get_next_key(c->maps.sigdels, dprev, &dkey) == 0) {
		struct sigdel_obs o = {};

		dprev = &dkey;
		if (bpf_map_lookup_elem(c->maps.sigdels, &dkey, &dval))
			continue;
		o.proc.pid = dkey.tgid;
		o.proc.start_ns = dkey.start_ns;
		o.sig = dkey.sig;
		o.delivered = dval.delivered;
		o.lat_count = dval.lat_count;
		o.lat_sum_ns = dval.lat_sum_ns;
		o.lat_max_ns = dval.lat_max_ns;
		copy_comm(o.comm, dval.comm);
		hint_process(c, dkey.tgid, dkey.start_ns, o.comm);
		model_update_sigdel(c->model, &o);
	}
}

static __u64 read_stat(struct collector *c, __u32 idx)
{
	__u64 sum = 0;

	if (bpf_map_lookup_elem(c->maps.stats, &idx, c->percpu))
		return 0;
	for (int i = 0; i < c->ncpus; i++)
		sum += c->percpu[i];
	return sum;
}

int collector_read(struct collector *c)
{
	struct model_lost lost = {};

	collector_drain(c);
	read_objnames(c);
	read_endpoints(c);
	read_signals(c);
	collect_mq_read(c->maps.mq_hist, c->maps.mq_objs, c->ncpus, c->model);
	collect_sync_read(c->maps.sem_wakes, c->model);
	lost.events = read_stat(c, STAT_PROC_EV_LOST) + read_stat(c, STAT_SHM_EV_LOST);
	for (__u32 i = 0; i < STAT_MAX; i++)
		if (i != STAT_PROC_EV_LOST && i != STAT_SHM_EV_LOST)
			lost.map_full += read_stat(c, i);
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

bool collect_is_reaped(const struct proc_ref *set, size_t n, uint32_t pid, uint64_t start_ns)
{
	struct proc_ref k = { .pid = pid, .start_ns = start_ns };

	return n && bsearch(&k, set, n, sizeof(*set), ref_cmp);
}

/*
 * Delete every key of map that match() says belongs to a reaped process.
 * Keys are gathered first: deleting while walking get_next_key restarts it.
 */
void collect_reap_map(int fd, size_t key_size, const struct proc_ref *set, size_t n,
		      bool (*match)(const void *key, const struct proc_ref *set, size_t n))
{
	size_t cap = 256, cnt = 0;
	char *keys = malloc(cap * key_size), *prev = NULL, cur[64];

	if (!keys || key_size > sizeof(cur)) {
		free(keys);
		return;
	}
	while (bpf_map_get_next_key(fd, prev, cur) == 0) {
		if (match(cur, set, n)) {
			if (cnt == cap) {
				char *grown = realloc(keys, 2 * cap * key_size);

				if (!grown)
					break;
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

static bool ep_match(const void *k, const struct proc_ref *set, size_t n)
{
	const struct ep_key *key = k;

	return collect_is_reaped(set, n, key->tgid, key->start_ns);
}

static bool sig_match(const void *k, const struct proc_ref *set, size_t n)
{
	const struct sig_key *key = k;

	/* a dead target gets no more signals; a dead sender sends none */
	return collect_is_reaped(set, n, key->dst_tgid, key->dst_start_ns) ||
	       (key->src_tgid && collect_is_reaped(set, n, key->src_tgid, key->src_start_ns));
}

static bool sigdel_match(const void *k, const struct proc_ref *set, size_t n)
{
	const struct sigdel_key *key = k;

	return collect_is_reaped(set, n, key->tgid, key->start_ns);
}

void collector_reap(struct collector *c)
{
	struct proc_ref set[1024];
	size_t n = model_reapable(c->model, set, sizeof(set) / sizeof(*set));

	if (!n)
		return;
	qsort(set, n, sizeof(*set), ref_cmp);
	collect_reap_map(c->maps.endpoints, sizeof(struct ep_key), set, n, ep_match);
	collect_reap_map(c->maps.sigs, sizeof(struct sig_key), set, n, sig_match);
	collect_reap_map(c->maps.sigdels, sizeof(struct sigdel_key), set, n, sigdel_match);
	/* an mq_hist key starts with the endpoint's ep_key */
	collect_reap_map(c->maps.mq_hist, sizeof(struct mq_hist_key), set, n, ep_match);
	collect_reap_map(c->maps.sem_wakes, sizeof(struct wake_key), set, n, collect_sync_wake_reaped);
	for (size_t i = 0; i < n; i++)
		model_mark_reaped(c->model, set[i]);
}

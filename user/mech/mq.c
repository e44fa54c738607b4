// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * Message queues: histograms per endpoint and statistics per queue, read
 * from "mq_hist" and "mq_objs", and filled into the mq/msg edges the
 * generic join builds; their JSON and the table's queue note.  Nothing is
 * deleted (the model keeps every endpoint for the final report).
 */
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include "kernel/abi.h"
#include "core/collect.h"
#include "core/event.h"
#include "core/ktab.h"
#include "kernel/bpfmap.h"
#include "kernel/kif.h"
#include "mech/mq.h"
#include "output/fmt.h"

_Static_assert(sizeof(struct mq_hist_key) == 48, "mq_hist_key layout");
_Static_assert(sizeof(struct mq_hist_val) == 16, "mq_hist_val layout");
_Static_assert(sizeof(struct mq_obj_key) == 24, "mq_obj_key layout");
/* A multiple of 8: per-CPU values come back packed, 8-byte aligned. */
_Static_assert(sizeof(struct mq_obj_val) == 96, "mq_obj_val layout");
_Static_assert(MQ_TAG_UNKNOWN == MQ_TAG_NONE, "unknown tag");

/* An endpoint that has bins: the head of their list. */
struct hep_ent {
	uint64_t key[5]; /* pid, start_ns, mech | dir << 32, obj_a, obj_b */
	uint32_t first;  /* bin index + 1 */
	bool gone;       /* forgotten: removed at the next compaction */
};

struct hbin_ent {
	uint64_t key[7]; /* the endpoint's key, tag, size bucket */
	uint64_t count, bytes;
	uint32_t next;   /* next bin of the same endpoint, index + 1 */
	bool gone;
};

struct qobj_ent {
	uint64_t key[3]; /* mech, obj_a, obj_b */
	struct queue_stats q;
};

struct mq_state {
	struct ktab heps, bins, objs;
	bool dirty;             /* entries marked gone: compact before use */
	struct mq_ext *scratch; /* an edge's extension being built */
	size_t scratch_bins;
};

static void *mq_state_new(void)
{
	struct mq_state *x = calloc(1, sizeof(*x));

	if (!x)
		return NULL;
	ktab_init(&x->heps, sizeof(struct hep_ent), 5);
	ktab_init(&x->bins, sizeof(struct hbin_ent), 7);
	ktab_init(&x->objs, sizeof(struct qobj_ent), 3);
	return x;
}

static void mq_state_free(void *st)
{
	struct mq_state *x = st;

	ktab_free(&x->heps);
	ktab_free(&x->bins);
	ktab_free(&x->objs);
	free(x->scratch);
	free(x);
}

uint64_t mq_bucket_floor(uint32_t bucket)
{
	if (bucket == 0)
		return 0;
	return bucket > 64 ? UINT64_MAX : (uint64_t)1 << (bucket - 1);
}

static bool drop_marked_obj(const void *entry, void *arg)
{
	return ((const struct qobj_ent *)entry)->key[0] == UINT64_MAX;
}

static void ep_words(uint64_t *k, uint32_t pid, uint64_t start_ns, int mech, int dir,
		     uint64_t obj_a, uint64_t obj_b)
{
	k[0] = pid;
	k[1] = start_ns;
	k[2] = (uint32_t)mech | (uint64_t)(uint32_t)dir << 32;
	k[3] = obj_a;
	k[4] = obj_b;
}

static bool drop_gone_hep(const void *entry, void *arg)
{
	return ((const struct hep_ent *)entry)->gone;
}

static bool drop_gone_bin(const void *entry, void *arg)
{
	return ((const struct hbin_ent *)entry)->gone;
}

/* Remove what forget() marked, and relink every endpoint's list of bins. */
static void compact(struct mq_state *x)
{
	if (!x->dirty)
		return;
	ktab_remove_if(&x->heps, drop_gone_hep, NULL);
	ktab_remove_if(&x->bins, drop_gone_bin, NULL);
	for (size_t i = 0; i < x->heps.n; i++)
		((struct hep_ent *)ktab_at(&x->heps, i))->first = 0;
	for (size_t i = 0; i < x->bins.n; i++) {
		struct hbin_ent *b = ktab_at(&x->bins, i);
		long hi = ktab_find(&x->heps, b->key);
		struct hep_ent *h;

		if (hi < 0)
			continue; /* cannot happen: a bin's endpoint goes with it */
		h = ktab_at(&x->heps, hi);
		b->next = h->first;
		h->first = i + 1;
	}
	x->dirty = false;
}

/* The core folded an endpoint (its bins go) or an object (its statistics go). */
static void mq_forget(void *st, int mech, uint64_t obj_a, uint64_t obj_b,
		      const struct proc_ref *p, int dir)
{
	struct mq_state *x = st;
	uint64_t key[5];
	long i;

	if (!p) {
		uint64_t okey[3] = { (uint64_t)mech, obj_a, obj_b };
		struct qobj_ent *q;

		/* no index refers to objs: mark by a key no object has, and remove */
		if ((i = ktab_find(&x->objs, okey)) >= 0) {
			q = ktab_at(&x->objs, i);
			q->key[0] = UINT64_MAX; /* marked: removed below */
			ktab_remove_if(&x->objs, drop_marked_obj, NULL);
		}
		return;
	}
	ep_words(key, p->pid, p->start_ns, mech, dir, obj_a, obj_b);
	if ((i = ktab_find(&x->heps, key)) < 0)
		return;
	compact(x); /* indexes below must be current */
	if ((i = ktab_find(&x->heps, key)) < 0)
		return;
	for (uint32_t k = ((struct hep_ent *)ktab_at(&x->heps, i))->first; k; ) {
		struct hbin_ent *b = ktab_at(&x->bins, k - 1);

		b->gone = true;
		k = b->next;
	}
	((struct hep_ent *)ktab_at(&x->heps, i))->gone = true;
	x->dirty = true;
}

static void mq_procs_in_use(void *st, void (*use)(void *ctx, struct proc_ref p), void *ctx)
{
	struct mq_state *x = st;

	for (size_t i = 0; i < x->heps.n; i++) {
		const struct hep_ent *h = ktab_at(&x->heps, i);

		if (!h->gone)
			use(ctx, (struct proc_ref){ h->key[0], h->key[1] });
	}
}

void mq_update_hist(struct model *m, const struct mqhist_obs *o)
{
	struct mq_state *x = model_mech_state(m, &mech_mq);
	uint64_t key[7];
	struct hbin_ent *b;
	struct hep_ent *h;
	long bi, hi;

	compact(x);
	ep_words(key, o->proc.pid, o->proc.start_ns, o->mech, o->dir, o->obj_a, o->obj_b);
	key[5] = (uint64_t)o->tag;
	key[6] = o->size_bucket;
	if ((bi = ktab_find(&x->bins, key)) < 0) {
		if ((hi = ktab_get(&x->heps, key, NULL)) < 0 ||
		    (bi = ktab_get(&x->bins, key, NULL)) < 0) {
			model_count_dropped(m);
			return;
		}
		h = ktab_at(&x->heps, hi);
		b = ktab_at(&x->bins, bi);
		b->next = h->first;
		h->first = bi + 1;
	}
	b = ktab_at(&x->bins, bi);
	b->count = o->count;
	b->bytes = o->bytes;
}

/* A msg queue is known by its id; the key is what programs ask msgget() for. */
static void msg_name(uint64_t msqid, bool has_key, int32_t key, char *buf, size_t len)
{
	if (has_key)
		snprintf(buf, len, "msg:%" PRIu64 " key 0x%08" PRIx32, msqid, (uint32_t)key);
	else
		snprintf(buf, len, "msg:%" PRIu64, msqid);
}

void mq_update_queue(struct model *m, const struct mqobj_obs *o)
{
	struct mq_state *x = model_mech_state(m, &mech_mq);
	uint64_t key[3] = { (uint64_t)o->mech, o->obj_a, o->obj_b };
	long i = ktab_get(&x->objs, key, NULL);
	char name[64];

	if (i < 0) {
		model_count_dropped(m);
		return;
	}
	((struct qobj_ent *)ktab_at(&x->objs, i))->q = o->q;
	if (o->mech != MECH_MSG)
		return;
	msg_name(o->obj_b, o->has_key, o->key, name, sizeof(name));
	model_set_object_name(m, o->mech, o->obj_a, o->obj_b, name);
}

/* ---- the maps ---- */

static void on_hist(const void *k, const void *v, void *m)
{
	const struct mq_hist_key *key = k;
	const struct mq_hist_val *val = v;
	struct mqhist_obs o = {
		.proc = { key->ep.tgid, key->ep.start_ns },
		.mech = key->ep.mech, .dir = key->ep.dir,
		.obj_a = key->ep.obj_a, .obj_b = key->ep.obj_b,
		.tag = key->tag, .size_bucket = key->size_bucket,
		.count = val->count, .bytes = val->bytes,
	};

	mq_update_hist(m, &o);
}

#define MAX(a, b) ((a) > (b) ? (a) : (b))

struct obj_walk {
	struct model *m;
	int ncpus;
};

/* Each CPU counted its own operations: add them up; maxima of maxima. */
static void on_obj(const void *k, const void *val, void *arg)
{
	const struct mq_obj_key *key = k;
	const struct mq_obj_val *v = val;
	struct obj_walk *w = arg;
	struct mqobj_obs o = { .mech = key->mech, .obj_a = key->obj_a, .obj_b = key->obj_b };

	for (int i = 0; i < w->ncpus; i++) {
		o.q.limit = MAX(o.q.limit, v[i].limit);
		o.q.msgsize = MAX(o.q.msgsize, v[i].msgsize);
		o.q.depth_max = MAX(o.q.depth_max, v[i].depth_max);
		o.q.bytes_max = MAX(o.q.bytes_max, v[i].bytes_max);
		o.q.samples += v[i].samples;
		o.q.depth_sum += v[i].depth_sum;
		o.q.found_full += v[i].found_full;
		o.q.found_empty += v[i].found_empty;
		o.q.notifies += v[i].notifies;
		o.q.removes += v[i].removes;
		if (v[i].has_key) {
			o.has_key = true;
			o.key = (int32_t)v[i].key;
		}
	}
	mq_update_queue(w->m, &o);
}

static void mq_read(struct collector *c, struct kif *k, struct model *m)
{
	struct obj_walk w = { m, collector_ncpus(c) };
	struct mq_hist_val hv;
	struct mq_obj_val *ov = calloc(w.ncpus, sizeof(*ov));

	bpfmap_walk(kif_map_fd(k, "mq_hist"), sizeof(struct mq_hist_key), &hv, on_hist, m);
	if (ov)
		bpfmap_walk(kif_map_fd(k, "mq_objs"), sizeof(struct mq_obj_key), ov, on_obj, &w);
	free(ov);
}

/* An mq_hist key starts with the endpoint's ep_key. */
static bool hist_reaped(const void *k, void *c)
{
	const struct ep_key *key = k;

	return collector_is_reaped(c, key->tgid, key->start_ns);
}

static void mq_reap(struct collector *c, struct kif *k)
{
	bpfmap_delete_if(kif_map_fd(k, "mq_hist"), sizeof(struct mq_hist_key), hist_reaped, c);
}

/* One stash per thread: task storage where the kernel has it, else an LRU map. */
static void mq_configure(struct kif *k, bool fast)
{
	kif_map_shrink(k, fast ? "mq_stash" : "mq_tstash");
	kif_map_shrink(k, fast ? "mq_scratch" : "mq_tscratch");
	kif_map_resize(k, "mq_hist");
}

/* ---- edges ---- */

static int scratch_push(struct mq_state *x, int kind, int64_t key, uint64_t count)
{
	if (!x->scratch || x->scratch->n_bins == x->scratch_bins) {
		size_t nb = x->scratch_bins ? 2 * x->scratch_bins : 64;
		struct mq_ext *p = realloc(x->scratch, sizeof(*p) + nb * sizeof(p->bins[0]));

		if (!p)
			return -1;
		if (!x->scratch)
			p->n_bins = 0;
		x->scratch = p;
		x->scratch_bins = nb;
	}
	x->scratch->bins[x->scratch->n_bins++] = (struct mq_bin){ kind, key, count };
	return 0;
}

static int bin_cmp(const void *pa, const void *pb)
{
	const struct mq_bin *a = pa, *b = pb;

	if (a->kind != b->kind)
		return a->kind < b->kind ? -1 : 1;
	return (a->key > b->key) - (a->key < b->key);
}

/*
 * One endpoint's bins into the scratch extension, marginalised: per tag
 * (over sizes) and per size bucket (over tags), sorted, equal keys merged.
 */
static int append_bins(struct mq_state *x, const uint64_t *ekey)
{
	long hi = ktab_find(&x->heps, ekey);
	struct mq_ext *e;
	size_t w;

	if (hi < 0)
		return 0;
	for (uint32_t k = ((struct hep_ent *)ktab_at(&x->heps, hi))->first; k; ) {
		const struct hbin_ent *b = ktab_at(&x->bins, k - 1);

		if (b->count && (scratch_push(x, MQ_BIN_TAG, (int64_t)b->key[5], b->count) ||
				 scratch_push(x, MQ_BIN_SIZE, (int64_t)b->key[6], b->count)))
			return -1;
		k = b->next;
	}
	e = x->scratch;
	if (!e || !e->n_bins)
		return 0;
	qsort(e->bins, e->n_bins, sizeof(e->bins[0]), bin_cmp);
	w = 1;
	for (size_t r = 1; r < e->n_bins; r++) {
		if (!bin_cmp(&e->bins[w - 1], &e->bins[r]))
			e->bins[w - 1].count += e->bins[r].count;
		else
			e->bins[w++] = e->bins[r];
	}
	e->n_bins = w;
	return 0;
}

static int mq_join(void *st, const struct join_info *ji, struct edge *e, struct edge_sink *out)
{
	struct mq_state *x = st;
	uint64_t okey[3] = { (uint64_t)e->mech, e->key_a, e->key_b }, ekey[5];
	long i = ktab_find(&x->objs, okey);

	compact(x);
	if (!x->scratch && scratch_push(x, 0, 0, 0))
		return -1;
	memset(x->scratch, 0, sizeof(*x->scratch));
	if (i >= 0) {
		x->scratch->has_queue = true;
		x->scratch->queue = ((const struct qobj_ent *)ktab_at(&x->objs, i))->q;
	}
	/* The side whose counts are this edge's alone (see mq.h). */
	if (ji->n_receivers == 1)
		ep_words(ekey, e->src.pid, e->src.start_ns, e->mech, 0, e->key_a, e->key_b);
	else if (ji->n_senders == 1)
		ep_words(ekey, e->dst.pid, e->dst.start_ns, e->mech, 1, e->key_a, e->key_b);
	if ((ji->n_receivers == 1 || ji->n_senders == 1) && append_bins(x, ekey))
		return -1;
	return edge_sink_ext(out, e, x->scratch,
			     sizeof(*x->scratch) + x->scratch->n_bins * sizeof(x->scratch->bins[0]));
}

/* ---- output ---- */

/*
 * The JSON of the extras (docs/semantics.md, "Message queues"):
 *
 *   "priorities":{"0":10,"5":3,"unknown":2},"size_hist":{"0":1,"64":14},
 *   "queue":{"maxmsg":8,"msgsize":64,"depth_max":8,"depth_samples":30,
 *            "depth_sum":120,"found_full":3,"found_empty":1,"notifies":1,"unlinks":1}
 *
 * Histogram keys are decimal strings (JSON keys must be strings); a size
 * key is the bucket's lower bound in bytes: "64" counts sizes 64..127.
 */
static void put_bins(FILE *f, const struct mq_ext *x, int kind, const char *name)
{
	const char *sep = "";

	for (uint32_t i = 0; i < x->n_bins; i++) {
		const struct mq_bin *b = &x->bins[i];

		if (b->kind != kind)
			continue;
		if (!*sep)
			fprintf(f, ",\"%s\":{", name);
		fputs(sep, f);
		sep = ",";
		if (kind == MQ_BIN_TAG && b->key == MQ_TAG_NONE)
			fputs("\"unknown\"", f);
		else if (kind == MQ_BIN_TAG)
			fprintf(f, "\"%" PRId64 "\"", b->key);
		else
			fprintf(f, "\"%" PRIu64 "\"", mq_bucket_floor((uint32_t)b->key));
		fprintf(f, ":%" PRIu64, b->count);
	}
	if (*sep)
		fputc('}', f);
}

static void put_queue(FILE *f, const struct edge *e, const struct queue_stats *q)
{
	bool mq = e->mech == MECH_MQ;

	fputs(",\"queue\":{", f);
	/* Limits and depth come from sends and receives: absent if there was none. */
	if (q->samples) {
		if (mq)
			fprintf(f, "\"maxmsg\":%" PRIu64 ",\"msgsize\":%" PRIu64 ",", q->limit,
				q->msgsize);
		else
			fprintf(f, "\"qbytes\":%" PRIu64 ",\"bytes_max\":%" PRIu64 ",", q->limit,
				q->bytes_max);
		fprintf(f, "\"depth_max\":%" PRIu64 ",\"depth_samples\":%" PRIu64
			",\"depth_sum\":%" PRIu64 ",\"found_full\":%" PRIu64
			",\"found_empty\":%" PRIu64 ",", q->depth_max, q->samples, q->depth_sum,
			q->found_full, q->found_empty);
	}
	if (mq)
		fprintf(f, "\"notifies\":%" PRIu64 ",\"unlinks\":%" PRIu64 "}", q->notifies,
			q->removes);
	else
		fprintf(f, "\"removes\":%" PRIu64 "}", q->removes);
}

static void mq_json(const struct edge *e, const void *ext, FILE *f)
{
	const struct mq_ext *x = ext;

	if (!x)
		return;
	put_bins(f, x, MQ_BIN_TAG, e->mech == MECH_MQ ? "priorities" : "mtypes");
	put_bins(f, x, MQ_BIN_SIZE, "size_hist");
	if (x->has_queue)
		put_queue(f, e, &x->queue);
}

/*
 * A queue's note: "q8/8 3.3ms/2.1us", its deepest observed depth (of
 * mq_maxmsg for POSIX queues) and, without the "blk" word, each end's
 * blocked time.  The generic note when there is no depth or it would not
 * fit.
 */
static enum note_kind mq_note(const struct edge *e, const void *ext, size_t width,
				char *note, size_t len)
{
	const struct mq_ext *x = ext;
	char a[24], b[24];
	int n;

	if (!x || !x->has_queue || !x->queue.samples)
		return NOTE_PREFIX;
	n = snprintf(note, len, "q%s", fmt_human(x->queue.depth_max, 1000, a, sizeof(a)));
	if (e->mech == MECH_MQ)
		n += snprintf(note + n, len - n, "/%s", fmt_human(x->queue.limit, 1000, b, sizeof(b)));
	if (e->blocked_src_ns || e->blocked_dst_ns)
		n += snprintf(note + n, len - n, " %s/%s", fmt_ns(e->blocked_src_ns, a, sizeof(a)),
			      fmt_ns(e->blocked_dst_ns, b, sizeof(b)));
	if (n > 0 && (size_t)n < len && (size_t)n <= width)
		return NOTE_WHOLE;
	note[0] = '\0';
	return NOTE_PREFIX;
}

/* ---- --events ---- */

/*
 * One record (bpf/mq.bpf.c, enum mq_ev_state): the queue when the call
 * came in and when it returned, its limits, the priority or mtype sent or
 * taken.  The line shows the state it left:
 *
 *   mq_send mq:/q 64 -> 0  prio 5 depth 8/8 (was full)
 *   msgrcv msg:3 key 0x00000000 8192 -> 64  mtype 2 q 7 msgs 448/16384B
 */
static void mq_event(const struct ipc_event *e, struct ev_view *v)
{
	uint64_t flags = (uint64_t)e->state[MQ_EV_FLAGS];
	bool mq = e->mech == MECH_MQ, entry = flags & MQ_EVF_ENTRY, ret = flags & MQ_EVF_RETURN;
	bool send = e->op == EV_OP_MQ_SEND || e->op == EV_OP_MSGSND;
	bool recv = e->op == EV_OP_MQ_RECEIVE || e->op == EV_OP_MSGRCV;
	int64_t tag = e->state[MQ_EV_TAG];
	long long d0 = e->state[MQ_EV_DEPTH0], d1 = e->state[MQ_EV_DEPTH1];
	long long lim = e->state[MQ_EV_LIMIT];

	/* the name the report gives it, even before the collector has read the queue */
	if (!mq && (flags & MQ_EVF_KEY))
		msg_name(e->obj_b, true, (int32_t)(flags >> 32), v->object, sizeof(v->object));
	v->no_bytes = !send && !recv;
	/* a send's is what it asked for; a receive's is known once it took a message */
	if (tag != MQ_TAG_UNKNOWN && (send || (recv && e->ret >= 0))) {
		ev_field_int(v, mq ? "prio" : "mtype", tag);
		ev_state_add(v, "%s %lld", mq ? "prio" : "mtype", (long long)tag);
	}
	if (e->op == EV_OP_MQ_NOTIFY) {
		ev_field_bool(v, "unregister", flags & MQ_EVF_UNREG);
		ev_state_add(v, flags & MQ_EVF_UNREG ? "unregister" : "register");
	}
	if (e->op == EV_OP_MSGCTL) {
		ev_field_str(v, "cmd", "IPC_RMID");
		ev_state_add(v, "IPC_RMID");
		if (entry) /* what the queue held when the call came in */
			ev_state_add(v, "q %lld msgs %lldB", d0, (long long)e->state[MQ_EV_CBYTES0]);
	}
	if (mq) {
		if (entry)
			ev_field_int(v, "depth_before", d0);
		if (ret)
			ev_field_int(v, "depth", d1);
		if (entry || ret) {
			ev_field_int(v, "maxmsg", lim);
			ev_field_int(v, "msgsize", e->state[MQ_EV_MSGSIZE]);
		}
		if (ret)
			ev_state_add(v, "depth %lld/%lld", d1, lim);
		if (ret && e->op == EV_OP_MQ_OPEN)
			ev_state_add(v, "msgsize %lld", (long long)e->state[MQ_EV_MSGSIZE]);
	} else {
		if (entry) {
			ev_field_int(v, "qnum_before", d0);
			ev_field_int(v, "cbytes_before", e->state[MQ_EV_CBYTES0]);
		}
		if (ret) {
			ev_field_int(v, "qnum", d1);
			ev_field_int(v, "cbytes", e->state[MQ_EV_CBYTES1]);
		}
		if (entry || ret)
			ev_field_int(v, "qbytes", lim);
		if (flags & MQ_EVF_KEY)
			ev_field_int(v, "key", (int32_t)(flags >> 32));
		if (ret)
			ev_state_add(v, "q %lld msgs %lld/%lldB", d1,
				     (long long)e->state[MQ_EV_CBYTES1], lim);
	}
	if (send && entry)
		ev_field_bool(v, "found_full", flags & MQ_EVF_FULL);
	if (recv && entry)
		ev_field_bool(v, "found_empty", flags & MQ_EVF_EMPTY);
	if (flags & MQ_EVF_FULL)
		ev_state_add(v, "(was full)");
	if (flags & MQ_EVF_EMPTY)
		ev_state_add(v, "(was empty)");
}

static const struct mech_kind mq_kinds[] = {
	{ .id = MECH_MQ, .name = "mq", .label = "mq", .opt = "mq",
	  .progs = "mq_ ipc_waking" },
	{ .id = MECH_MSG, .name = "msg", .label = "msg", .opt = "msg",
	  .progs = "msg_ ipc_waking" },
	{ 0 },
};

const struct mech_ops mech_mq = {
	.name = "mq,msg",
	.kinds = mq_kinds,
	.prefixes = "mq_ msg_",
	.configure = mq_configure,
	.read = mq_read,
	.reap = mq_reap,
	.state_new = mq_state_new,
	.state_free = mq_state_free,
	.join = mq_join,
	.forget = mq_forget,
	.procs_in_use = mq_procs_in_use,
	.json = mq_json,
	.table_note = mq_note,
	.event = mq_event,
};

// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * Futexes: each wake-up of "futex_wakes" is an edge waker -> wakee on its
 * word; the per-process calls of "futex_eps" add each end's own counts
 * (the wakee's blocked waits, the waker's wake calls).  There is no
 * writers -> readers join: who released whom is known, not inferred.
 *
 * A word's key is its file and offset (obj_a = s_dev << 32 | offset,
 * obj_b = inode); the BPF side names the file under the key with offset 0,
 * once per collection while it is in use, and the names are kept here as
 * long as something refers to their file.
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
#include "mech/futex.h"
#include "mech/wake.h"
#include "output/fmt.h"

_Static_assert(sizeof(struct futex_ep_key) == 32, "futex_ep_key layout");
_Static_assert(sizeof(struct futex_ep_val) == 24 + IPC_COMM_LEN, "futex_ep_val layout");

#define FILE_KEY(a) ((a) & ~0xffffffffull)
#define FUTEX_WAKE_OP_CMD 5
#define WORD_OFF(a) ((uint32_t)(a))

/* One process's calls on one word. */
struct calls {
	uint64_t key[4];      /* pid, start_ns, obj_a, obj_b */
	uint64_t waits, wait_ns, wake_calls;
	uint64_t last_ns;     /* the model's clock when it last changed */
	char comm[MODEL_COMM_LEN + 1];
};

/* The name of a file words live in, kept while referred to. */
struct fname {
	uint64_t key[2];      /* FILE_KEY(obj_a), obj_b */
	char name[256];
	bool used;
};

struct futex_state {
	struct wake_table wakes;
	struct ktab calls;
	struct ktab names;
};

static void *futex_state_new(void)
{
	struct futex_state *s = calloc(1, sizeof(*s));

	if (!s)
		return NULL;
	wake_table_init(&s->wakes);
	ktab_init(&s->calls, sizeof(struct calls), 4);
	ktab_init(&s->names, sizeof(struct fname), 2);
	return s;
}

static void futex_state_free(void *st)
{
	struct futex_state *s = st;

	wake_table_free(&s->wakes);
	ktab_free(&s->calls);
	ktab_free(&s->names);
	free(s);
}

/*
 * The file's recorded name, copied here while the BPF side records it (it
 * does while the word is in use): the model forgets a name nothing else
 * uses after the retention period, and an edge can outlive that.
 */
static void remember_name(struct futex_state *s, const struct model *m, uint64_t a,
			  uint64_t b)
{
	uint64_t key[2] = { FILE_KEY(a), b };
	long i;

	if (!model_object_named(m, MECH_FUTEX, key[0], key[1]))
		return;
	i = ktab_get(&s->names, key, NULL);
	if (i >= 0) {
		struct fname *f = ktab_at(&s->names, i);

		model_object_name(m, MECH_FUTEX, key[0], key[1], f->name, sizeof(f->name));
	}
}

void futex_update_wake(struct model *m, const struct wake_obs *o)
{
	struct futex_state *s = model_mech_state(m, &mech_futex);

	wake_table_update(&s->wakes, m, o);
	remember_name(s, m, o->obj_a, o->obj_b);
}

void futex_update_calls(struct model *m, const struct futex_obs *o)
{
	struct futex_state *s = model_mech_state(m, &mech_futex);
	uint64_t key[4] = { o->proc.pid, o->proc.start_ns, o->obj_a, o->obj_b };
	long i = ktab_get(&s->calls, key, NULL);
	struct calls *c;

	if (i < 0) {
		model_count_dropped(m);
		return;
	}
	c = ktab_at(&s->calls, i);
	if (c->waits != o->waits || c->wake_calls != o->wake_calls || !c->last_ns)
		c->last_ns = model_clock(m) ? model_clock(m) : 1;
	c->waits = o->waits;
	c->wait_ns = o->wait_ns;
	c->wake_calls = o->wake_calls;
	model_copy_comm(c->comm, o->comm);
	remember_name(s, m, o->obj_a, o->obj_b);
}

/* ---- the maps ---- */

static void on_calls(const void *k, const void *v, void *m)
{
	const struct futex_ep_key *key = k;
	const struct futex_ep_val *val = v;
	struct futex_obs o = {
		.proc = { key->tgid, key->start_ns },
		.obj_a = key->obj_a, .obj_b = key->obj_b,
		.waits = val->waits, .wait_ns = val->wait_ns, .wake_calls = val->wake_calls,
	};
	size_t n = strnlen(val->comm, IPC_COMM_LEN);

	memcpy(o.comm, val->comm, n);
	o.comm[n] = '\0';
	futex_update_calls(m, &o);
}

static void futex_read(struct collector *c, struct kif *k, struct model *m)
{
	struct futex_state *s = model_mech_state(m, &mech_futex);
	struct futex_ep_val val;

	wake_table_read(&s->wakes, k, "futex_wakes", m);
	bpfmap_walk(kif_map_fd(k, "futex_eps"), sizeof(struct futex_ep_key), &val, on_calls, m);
}

static bool calls_reaped(const void *k, void *c)
{
	const struct futex_ep_key *key = k;

	return collector_is_reaped(c, key->tgid, key->start_ns);
}

static void futex_reap(struct collector *c, struct kif *k)
{
	wake_table_reap(c, k, "futex_wakes");
	bpfmap_delete_if(kif_map_fd(k, "futex_eps"), sizeof(struct futex_ep_key), calls_reaped, c);
}

/* ---- edges ---- */

static void futex_begin(void *st)
{
	wake_table_begin(&((struct futex_state *)st)->wakes);
}

/* "futex:/dev/shm/x+0x40"; "futex:[INODE]+0x40" while the file has no name. */
static void word_name(const struct futex_state *s, uint64_t a, uint64_t b, char *buf,
		      size_t len)
{
	uint64_t key[2] = { FILE_KEY(a), b };
	long i = ktab_find(&s->names, key);

	if (i >= 0)
		snprintf(buf, len, "futex:%s+0x%" PRIx32,
			 ((const struct fname *)ktab_at(&s->names, i))->name, WORD_OFF(a));
	else
		snprintf(buf, len, "futex:[%" PRIu64 "]+0x%" PRIx32, b, WORD_OFF(a));
}

static const struct calls *calls_of(const struct futex_state *s, const struct edge_end *p,
				    uint64_t a, uint64_t b)
{
	uint64_t key[4] = { p->pid, p->start_ns, a, b };
	long i = ktab_find(&s->calls, key);

	return i < 0 ? NULL : ktab_at(&s->calls, i);
}

/* The edge of a wake-up: the wakes, and what each end did on the word. */
static int wake_to_edge(struct futex_state *s, const struct model *m, const struct wake *w,
			struct edge_sink *out)
{
	struct edge e = { .exact = true };
	struct futex_ext x = { .owner_died = w->owner_died };
	const struct calls *c, *src;

	wake_edge(w, &e);
	word_name(s, e.key_a, e.key_b, e.object, sizeof(e.object));
	if ((c = calls_of(s, &e.dst, e.key_a, e.key_b)))
		x.waits = c->waits;
	if ((src = calls_of(s, &e.src, e.key_a, e.key_b)))
		x.wake_calls = src->wake_calls;
	e.msgs = e.wakes = w->wakes;
	e.blocked_dst_ns = e.wake_blocked_ns = w->blocked_ns;
	/* the waker's comm, if the process table lacks it: from its own calls */
	return edge_sink_add(out, &e, src ? src->comm : "", w->comm, &x, sizeof(x));
}

static int futex_edges(void *st, const struct model *m, struct edge_sink *out)
{
	struct futex_state *s = st;

	for (size_t i = 0; i < s->wakes.t.n; i++) {
		const struct wake *w = ktab_at(&s->wakes.t, i);

		if (w->wakes && wake_to_edge(s, m, w, out))
			return -1;
	}
	return 0;
}

/* ---- retention ---- */

struct fold_walk {
	const struct model *m;
	uint64_t idle_before;
};

static bool drop_calls(const void *entry, void *arg)
{
	const struct calls *c = entry;
	const struct fold_walk *f = arg;

	return c->last_ns <= f->idle_before &&
	       model_proc_gone(f->m, (struct proc_ref){ c->key[0], c->key[1] });
}

static bool drop_name(const void *entry, void *arg)
{
	return !((const struct fname *)entry)->used;
}

static void mark_name(struct futex_state *s, uint64_t a, uint64_t b)
{
	uint64_t key[2] = { FILE_KEY(a), b };
	long i = ktab_find(&s->names, key);

	if (i >= 0)
		((struct fname *)ktab_at(&s->names, i))->used = true;
}

/*
 * Wake-ups between a gone process and another fold once idle, as edges by
 * process name; a gone process's own counts go with them, and a file's
 * name once no word of it is referred to.
 */
static int futex_fold(void *st, const struct model *m, uint64_t idle_before,
		      struct edge_sink *out)
{
	struct futex_state *s = st;
	struct fold_walk f = { m, idle_before };

	for (size_t i = 0; i < s->wakes.t.n; i++) {
		const struct wake *w = ktab_at(&s->wakes.t, i);

		if (w->wakes && wake_foldable(w, m, idle_before) && wake_to_edge(s, m, w, out))
			return -1;
	}
	wake_table_drop_folded(&s->wakes, m, idle_before);
	ktab_remove_if(&s->calls, drop_calls, &f);
	for (size_t i = 0; i < s->names.n; i++)
		((struct fname *)ktab_at(&s->names, i))->used = false;
	for (size_t i = 0; i < s->wakes.t.n; i++) {
		const struct wake *w = ktab_at(&s->wakes.t, i);

		mark_name(s, w->key[1], w->key[2]);
	}
	for (size_t i = 0; i < s->calls.n; i++) {
		const struct calls *c = ktab_at(&s->calls, i);

		mark_name(s, c->key[2], c->key[3]);
	}
	ktab_remove_if(&s->names, drop_name, NULL);
	return 0;
}

static void futex_procs_in_use(void *st, void (*use)(void *ctx, struct proc_ref p), void *ctx)
{
	struct futex_state *s = st;

	wake_table_procs(&s->wakes, use, ctx);
	for (size_t i = 0; i < s->calls.n; i++) {
		const struct calls *c = ktab_at(&s->calls, i);

		use(ctx, (struct proc_ref){ c->key[0], c->key[1] });
	}
}

/*
 * Folded by where the words live, without the instance: "futex:/dev/shm/x",
 * "futex:memfd:x", "futex:anon", "futex:shm".
 */
static void futex_fold_kind(const struct edge *e, char *buf, size_t len)
{
	const char *plus = strrchr(e->object, '+');
	size_t n = plus ? (size_t)(plus - e->object) : strlen(e->object);

	if (!strncmp(e->object, "futex:shm:", 10))
		n = 9;
	else if (n && e->object[n - 1] == ']' && memchr(e->object, '[', n))
		n = (size_t)((const char *)memchr(e->object, '[', n) - e->object);
	snprintf(buf, len, "%.*s", (int)n, e->object);
}

/* ---- output ---- */

static void futex_json(const struct edge *e, const void *ext, FILE *f)
{
	const struct futex_ext *x = ext;

	if (x)
		fprintf(f, ",\"waits\":%" PRIu64 ",\"wake_calls\":%" PRIu64 ",\"owner_died\":%" PRIu64,
			x->waits, x->wake_calls, x->owner_died);
}

static enum note_kind futex_note(const struct edge *e, const void *ext, size_t width,
				  char *buf, size_t len)
{
	const struct futex_ext *x = ext;
	char a[24];

	if (x && x->owner_died)
		snprintf(buf, len, "owner died %s ", fmt_human(x->owner_died, 1000, a, sizeof(a)));
	return NOTE_PREFIX;
}

static void futex_dot(const struct edge *e, const void *ext, FILE *f)
{
	const struct futex_ext *x = ext;

	fprintf(f, "\\n%" PRIu64 " wakes", e->msgs);
	if (x && x->owner_died)
		fprintf(f, ", owner died %" PRIu64, x->owner_died);
}

/* A word with no recorded name (the default of an object key). */
static bool futex_object_name(int mech, uint64_t obj_a, uint64_t obj_b, char *buf, size_t len)
{
	snprintf(buf, len, "futex:[%" PRIu64 "]+0x%" PRIx32, obj_b, WORD_OFF(obj_a));
	return true;
}

/* ---- --events ---- */

static const char *const futex_cmds[] = {
	"FUTEX_WAIT", "FUTEX_WAKE", "FUTEX_FD", "FUTEX_REQUEUE", "FUTEX_CMP_REQUEUE",
	"FUTEX_WAKE_OP", "FUTEX_LOCK_PI", "FUTEX_UNLOCK_PI", "FUTEX_TRYLOCK_PI",
	"FUTEX_WAIT_BITSET", "FUTEX_WAKE_BITSET", "FUTEX_WAIT_REQUEUE_PI",
	"FUTEX_CMP_REQUEUE_PI", "FUTEX_LOCK_PI2",
};

static const char *futex_cmd_name(int64_t cmd)
{
	if (cmd >= 0 && cmd < (int64_t)(sizeof(futex_cmds) / sizeof(*futex_cmds)))
		return futex_cmds[cmd];
	switch (cmd) {
	case FX2_WAIT: return "futex_wait";
	case FX2_WAKE: return "futex_wake";
	case FX2_WAITV: return "futex_waitv";
	case FX2_REQUEUE: return "futex_requeue";
	}
	return "?";
}

/*
 * bpf/futex.bpf.c's records: obj_a is the word's file (offset 0) and
 * state[] = the word's value at return (-1: not read), its offset, the
 * command, val, val2, the words named, the waker of another process that
 * ended a wait.  The object is named as the edges name it (word_name()):
 * the file's recorded name, which the core looked up, and the offset.
 */
static void futex_event(const struct ipc_event *e, struct ev_view *v)
{
	const __s64 *st = e->state;
	uint32_t off = (uint32_t)st[1];
	bool wait = e->op == EV_OP_FUTEX_WAIT || e->op == EV_OP_FUTEX_LOCK;
	char name[EV_OBJECT_MAX];

	/* unnamed (or no model): the core's default for the file, "futex:[INODE]+0x0" */
	if (!v->object[0] || !strncmp(v->object, "futex:[", 7))
		snprintf(v->object, sizeof(v->object), "futex:[%" PRIu64 "]+0x%" PRIx32, (uint64_t)e->obj_b,
			 off);
	else {
		snprintf(name, sizeof(name), "%s", v->object);
		snprintf(v->object, sizeof(v->object), "futex:%.*s+0x%" PRIx32,
			 (int)sizeof(name) - 24, name, off);
	}
	ev_field_str(v, "cmd", futex_cmd_name(st[2]));
	if (st[0] >= 0)
		ev_field_int(v, "word", st[0]);
	if (e->op == EV_OP_FUTEX_WAIT && st[2] != FX2_WAITV)
		ev_field_int(v, "expected", (uint32_t)st[3]);
	if (wait) {
		ev_field_bool(v, "blocked", v->slept);
		if (st[6])
			ev_field_int(v, "woken_by", st[6]);
	}
	if (e->op == EV_OP_FUTEX_WAKE || e->op == EV_OP_FUTEX_REQUEUE)
		ev_field_int(v, "nr_wake", (int32_t)st[3]);
	if (e->op == EV_OP_FUTEX_REQUEUE)
		ev_field_int(v, "nr_requeue", (int32_t)st[4]);
	if (st[2] == FUTEX_WAKE_OP_CMD)
		ev_field_int(v, "nr_wake2", (int32_t)st[4]);
	/* a wake's result is the waiters it woke; a requeue's those woken and moved */
	if (e->ret >= 0 && e->op == EV_OP_FUTEX_WAKE)
		ev_field_int(v, "woken", e->ret);
	if (e->ret >= 0 && e->op == EV_OP_FUTEX_REQUEUE)
		ev_field_int(v, "woken_or_requeued", e->ret);
	if (st[5] > 1)
		ev_field_int(v, "words", st[5]);

	ev_state_add(v, "%s", futex_cmd_name(st[2]));
	if (st[0] >= 0)
		ev_state_add(v, "word 0x%" PRIx32, (uint32_t)st[0]);
	if (e->op == EV_OP_FUTEX_WAIT && st[2] != FX2_WAITV)
		ev_state_add(v, "expected 0x%" PRIx32, (uint32_t)st[3]);
	if (wait && st[6])
		ev_state_add(v, "woken by %lld", (long long)st[6]);
}

static const struct mech_kind futex_kinds[] = {
	{ .id = MECH_FUTEX, .name = "futex", .label = "futex", .opt = "futex",
	  .progs = "futex_ ipc_waking", .no_bytes = true, .wakes_sync = true },
	{ 0 },
};

/*
 * Per-process counters: as large as --map-entries asks.  One stash per
 * thread: task storage where the kernel has it, else an LRU map.
 */
static void futex_configure(struct kif *k, bool fast)
{
	kif_map_shrink(k, fast ? "futex_stash" : "futex_tstash");
	kif_map_resize(k, "futex_eps");
	kif_map_resize(k, "futex_wakes");
}

const struct mech_ops mech_futex = {
	.name = "futex",
	.kinds = futex_kinds,
	.prefixes = "futex_",
	.configure = futex_configure,
	.read = futex_read,
	.reap = futex_reap,
	.state_new = futex_state_new,
	.state_free = futex_state_free,
	.object_name = futex_object_name,
	.snapshot_begin = futex_begin,
	.edges = futex_edges,
	.fold = futex_fold,
	.procs_in_use = futex_procs_in_use,
	.fold_kind = futex_fold_kind,
	.json = futex_json,
	.table_note = futex_note,
	.dot_label = futex_dot,
	.event = futex_event,
};

// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * Semaphores: the post -> wait edges of the generic join, with the
 * wake-ups of "sem_wakes" on them; a wake-up no such edge carries gets an
 * edge of its own.  POSIX semaphores are counted by uprobes on the C
 * library this process maps (every process mapping the same file is
 * covered), resolved with libelf (kernel/elfsym.h).
 */
#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <bpf/libbpf.h>
#include "kernel/abi.h"
#include "core/collect.h"
#include "core/ktab.h"
#include "kernel/bpfmap.h"
#include "kernel/elfsym.h"
#include "kernel/features.h"
#include "kernel/kif.h"
#include "mech/sem.h"
#include "output/fmt.h"

_Static_assert(sizeof(struct wake_key) == 48, "wake_key layout");
_Static_assert(sizeof(struct wake_val) == 16 + IPC_COMM_LEN, "wake_val layout");

struct wake {
	uint64_t key[7];      /* mech, obj_a, obj_b, waker pid, start, wakee pid, start */
	uint64_t wakes, blocked_ns;
	uint64_t claimed;     /* generation of the snapshot that put it on an edge */
	uint64_t last_ns;     /* the model's clock when it last changed */
	char comm[MODEL_COMM_LEN + 1];
};

struct sem_state {
	struct ktab wakes;
	uint64_t gen;
};

static void *sem_state_new(void)
{
	struct sem_state *s = calloc(1, sizeof(*s));

	if (s)
		ktab_init(&s->wakes, sizeof(struct wake), 7);
	return s;
}

static void sem_state_free(void *st)
{
	struct sem_state *s = st;

	ktab_free(&s->wakes);
	free(s);
}

void sem_update_wake(struct model *m, const struct wake_obs *o)
{
	struct sem_state *s = model_mech_state(m, &mech_sem);
	uint64_t key[7] = { (uint64_t)o->mech, o->obj_a, o->obj_b, o->waker.pid,
			    o->waker.start_ns, o->wakee.pid, o->wakee.start_ns };
	long i = ktab_get(&s->wakes, key, NULL);
	struct wake *w;

	if (i < 0) {
		model_count_dropped(m);
		return;
	}
	w = ktab_at(&s->wakes, i);
	if (w->wakes != o->wakes || !w->last_ns)
		w->last_ns = model_clock(m) ? model_clock(m) : 1;
	w->wakes = o->wakes;
	w->blocked_ns = o->blocked_ns;
	model_copy_comm(w->comm, o->wakee_comm);
}

/* ---- the maps ---- */

static void on_wake(const void *k, const void *v, void *m)
{
	const struct wake_key *key = k;
	const struct wake_val *val = v;
	struct wake_obs o = {
		.mech = key->mech,
		.waker = { key->waker_tgid, key->waker_start_ns },
		.wakee = { key->wakee_tgid, key->wakee_start_ns },
		.obj_a = key->obj_a, .obj_b = key->obj_b,
		.wakes = val->wakes, .blocked_ns = val->blocked_ns,
	};
	size_t n = strnlen(val->wakee_comm, IPC_COMM_LEN);

	memcpy(o.wakee_comm, val->wakee_comm, n);
	o.wakee_comm[n] = '\0';
	sem_update_wake(m, &o);
}

static void sem_read(struct collector *c, struct kif *k, struct model *m)
{
	struct wake_val val;

	bpfmap_walk(kif_map_fd(k, "sem_wakes"), sizeof(struct wake_key), &val, on_wake, m);
}

/*
 * The wakee counts the wake-up when its wait returns, possibly after the
 * waker is gone: only the wakee's end says no more will come.
 */
static bool wake_reaped(const void *k, void *c)
{
	const struct wake_key *key = k;

	return collector_is_reaped(c, key->wakee_tgid, key->wakee_start_ns);
}

static void sem_reap(struct collector *c, struct kif *k)
{
	bpfmap_delete_if(kif_map_fd(k, "sem_wakes"), sizeof(struct wake_key), wake_reaped, c);
}

/* ---- the C library's semaphores: uprobes ---- */

#define MAX_OFFS 4 /* distinct addresses kept per name */

/* Which program goes on which functions; ret: a uretprobe. */
static const struct {
	const char *prog;
	bool ret;
	const char *funcs[4];
} probes[] = {
	{ "sem_post_enter", false, { "sem_post" } },
	{ "sem_post_ret", true, { "sem_post" } },
	{ "sem_wait_enter", false, { "sem_wait", "sem_timedwait", "sem_clockwait", "sem_trywait" } },
	{ "sem_wait_ret", true, { "sem_wait", "sem_timedwait", "sem_clockwait", "sem_trywait" } },
	{ "sem_open_enter", false, { "sem_open" } },
	{ "sem_open_ret", true, { "sem_open" } },
};

/* The probes read the task's memory map with bpf_find_vma(). */
static bool sem_loadable(const struct bpf_program *prog, char *why, size_t len)
{
	const char *sec = bpf_program__section_name(prog);

	if ((strncmp(sec, "uprobe", 6) && strncmp(sec, "uretprobe", 9)) || feature_find_vma())
		return true;
	snprintf(why, len, "this kernel has no bpf_find_vma() for tracing programs");
	return false;
}

static int attach_probes(struct kif *k, struct elfsym *elf, const char *path, int *count,
			 char *msg, size_t len)
{
	for (size_t i = 0; i < sizeof(probes) / sizeof(*probes); i++) {
		struct bpf_program *prog = bpf_object__find_program_by_name(kif_object(k),
									    probes[i].prog);

		if (!prog || !bpf_program__autoload(prog))
			continue;
		for (int f = 0; f < 4 && probes[i].funcs[f]; f++) {
			size_t offs[MAX_OFFS];
			int n = elfsym_func_offsets(elf, probes[i].funcs[f], offs, MAX_OFFS);

			/* sem_clockwait is glibc 2.30+: an older libc simply lacks it */
			if (!n && strcmp(probes[i].funcs[f], "sem_clockwait")) {
				snprintf(msg, len, "%s has no function %s", path, probes[i].funcs[f]);
				return -1;
			}
			for (int o = 0; o < n; o++) {
				struct bpf_link *link = bpf_program__attach_uprobe(
					prog, probes[i].ret, -1, path, offs[o]);

				if (!link) {
					snprintf(msg, len, "uprobe on %s:%s failed: %s", path,
						 probes[i].funcs[f], strerror(errno));
					return -1;
				}
				if (kif_own_link(k, link)) {
					snprintf(msg, len, "out of memory");
					return -1;
				}
				(*count)++;
			}
		}
	}
	return 0;
}

/* What attach did, for --check: loading is once per process. */
static struct {
	int n;
	char libc[512];
} uprobes;

/* SysV semaphores are traced either way: a failure here is a warning. */
static int sem_attach(struct kif *k, char *why, size_t len)
{
	struct elfsym *elf;
	char msg[1024];
	int err;

	uprobes.n = 0;
	if ((err = elfsym_libc_path(uprobes.libc, sizeof(uprobes.libc)))) {
		snprintf(msg, sizeof(msg), "cannot find the C library in /proc/self/maps: %s",
			 strerror(-err));
		goto fail;
	}
	if (!(elf = elfsym_open(uprobes.libc, msg, sizeof(msg))))
		goto fail;
	err = attach_probes(k, elf, uprobes.libc, &uprobes.n, msg, sizeof(msg));
	elfsym_close(elf);
	if (!err)
		return 0;
fail:
	uprobes.libc[0] = '\0';
	snprintf(why, len, "%s; POSIX semaphores are not traced", msg);
	return -1;
}

static void sem_check_line(struct kif *k, FILE *out)
{
	fprintf(out, "uprobes     %d on %s (POSIX semaphores)\n", uprobes.n,
		uprobes.libc[0] ? uprobes.libc : "nothing: not traced");
}

/* ---- edges ---- */

static void sem_begin(void *st)
{
	((struct sem_state *)st)->gen++;
}

/* A post -> wait edge: its counts, and the wake-ups between the same ends, claimed. */
static int sem_join(void *st, const struct join_info *ji, struct edge *e, struct edge_sink *out)
{
	struct sem_state *s = st;
	uint64_t key[7] = { (uint64_t)e->mech, e->key_a, e->key_b, e->src.pid, e->src.start_ns,
			    e->dst.pid, e->dst.start_ns };
	long i = ktab_find(&s->wakes, key);
	struct sem_ext x = { .posts = ji->src->ops, .waits = ji->dst->ops };

	if (i >= 0) {
		struct wake *w = ktab_at(&s->wakes, i);

		x.wakes = w->wakes;
		x.wake_blocked_ns = w->blocked_ns;
		w->claimed = s->gen;
	}
	return edge_sink_ext(out, e, &x, sizeof(x));
}

/*
 * A wake-up no post -> wait edge carries: the waker woke the wakee without
 * a counted post (semctl SETVAL/SETALL, a decrement that let a
 * wait-for-zero through).  Its own edge, msgs 0.
 */
static int sem_edges(void *st, const struct model *m, struct edge_sink *out)
{
	const struct sem_state *s = st;

	for (size_t i = 0; i < s->wakes.n; i++) {
		const struct wake *w = ktab_at(&s->wakes, i);
		struct edge e = { .exact = true };
		struct sem_ext x = { .wakes = w->wakes, .wake_blocked_ns = w->blocked_ns };

		if (w->claimed == s->gen || !w->wakes)
			continue;
		e.mech = (int)w->key[0];
		e.key_a = w->key[1];
		e.key_b = w->key[2];
		e.src.pid = w->key[3];
		e.src.start_ns = w->key[4];
		e.dst.pid = w->key[5];
		e.dst.start_ns = w->key[6];
		if (edge_sink_add(out, &e, "", w->comm, &x, sizeof(x)))
			return -1;
	}
	return 0;
}

/* ---- retention ---- */

struct fold_walk {
	const struct model *m;
	uint64_t idle_before;
};

static bool wake_foldable(const struct wake *w, const struct fold_walk *f)
{
	return w->last_ns <= f->idle_before &&
	       (model_proc_gone(f->m, (struct proc_ref){ w->key[3], w->key[4] }) ||
		model_proc_gone(f->m, (struct proc_ref){ w->key[5], w->key[6] }));
}

static bool drop_wake(const void *entry, void *arg)
{
	return wake_foldable(entry, arg);
}

/*
 * Wake-ups between a gone process and another fold once idle; the post ->
 * wait edges they were shown on fold with their objects in the core.
 */
static int sem_fold(void *st, const struct model *m, uint64_t idle_before, struct edge_sink *out)
{
	struct sem_state *s = st;
	struct fold_walk f = { m, idle_before };

	for (size_t i = 0; i < s->wakes.n; i++) {
		const struct wake *w = ktab_at(&s->wakes, i);
		struct edge e = { .exact = true };
		struct sem_ext x = { .wakes = w->wakes, .wake_blocked_ns = w->blocked_ns };

		/* a claimed one's counts are on its post -> wait edge */
		if (!wake_foldable(w, &f) || w->claimed == s->gen)
			continue;
		e.mech = (int)w->key[0];
		e.key_a = w->key[1];
		e.key_b = w->key[2];
		e.src = (struct edge_end){ .pid = w->key[3], .start_ns = w->key[4] };
		e.dst = (struct edge_end){ .pid = w->key[5], .start_ns = w->key[6] };
		if (edge_sink_add(out, &e, "", w->comm, &x, sizeof(x)))
			return -1;
	}
	ktab_remove_if(&s->wakes, drop_wake, &f);
	return 0;
}

static void sem_procs_in_use(void *st, void (*use)(void *ctx, struct proc_ref p), void *ctx)
{
	struct sem_state *s = st;

	for (size_t i = 0; i < s->wakes.n; i++) {
		const struct wake *w = ktab_at(&s->wakes, i);

		use(ctx, (struct proc_ref){ w->key[3], w->key[4] });
		use(ctx, (struct proc_ref){ w->key[5], w->key[6] });
	}
}

/* "sem:SEMID[NUM]" for SysV, "psem:[INO+OFF]" for a POSIX semaphore in a shared page. */
static bool sem_object_name(int mech, uint64_t obj_a, uint64_t obj_b, char *buf, size_t len)
{
	/* See bpf/ipctrace.h: SysV keys have the ipc namespace in obj_a, below 2^32. */
	if (obj_a >> 32 == 0)
		snprintf(buf, len, "sem:%" PRIu64 "[%" PRIu64 "]", obj_b >> 16, obj_b & 0xffff);
	else
		snprintf(buf, len, "psem:[%" PRIu64 "+%" PRIu64 "]", obj_b, obj_a & 0xffffffff);
	return true;
}

/* ---- output ---- */

static void sem_json(const struct edge *e, const void *ext, FILE *f)
{
	const struct sem_ext *x = ext;

	if (x)
		fprintf(f, ",\"posts\":%" PRIu64 ",\"waits\":%" PRIu64 ",\"wakes\":%" PRIu64
			",\"wake_blocked_ns\":%" PRIu64, x->posts, x->waits, x->wakes,
			x->wake_blocked_ns);
}

/* Hand-offs first: waits of dst that src's post ended. */
static enum note_kind sem_note(const struct edge *e, const void *ext, size_t width,
				char *buf, size_t len)
{
	const struct sem_ext *x = ext;
	char a[24];

	if (x && x->wakes)
		snprintf(buf, len, "wake %s ", fmt_human(x->wakes, 1000, a, sizeof(a)));
	return NOTE_PREFIX;
}

static void sem_dot(const struct edge *e, const void *ext, FILE *f)
{
	const struct sem_ext *x = ext;

	fprintf(f, "\\n%" PRIu64 " posts, %" PRIu64 " wakes", e->msgs, x ? x->wakes : 0);
}

static const struct mech_kind sem_kinds[] = {
	{ .id = MECH_SEM, .name = "sem", .label = "sem", .opt = "sem",
	  .progs = "sem_" },
	{ 0 },
};

/* Per-process counters: as large as --map-entries asks. */
static void sem_configure(struct kif *k, bool fast)
{
	kif_map_resize(k, "sem_wakes");
}

const struct mech_ops mech_sem = {
	.name = "sem",
	.kinds = sem_kinds,
	.prefixes = "sem_",
	.configure = sem_configure,
	.prog_loadable = sem_loadable,
	.attach = sem_attach,
	.check_line = sem_check_line,
	.read = sem_read,
	.reap = sem_reap,
	.state_new = sem_state_new,
	.state_free = sem_state_free,
	.object_name = sem_object_name,
	.snapshot_begin = sem_begin,
	.join = sem_join,
	.edges = sem_edges,
	.fold = sem_fold,
	.procs_in_use = sem_procs_in_use,
	.json = sem_json,
	.table_note = sem_note,
	.dot_label = sem_dot,
};

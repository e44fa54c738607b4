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
#include "core/event.h"
#include "kernel/elfsym.h"
#include "kernel/features.h"
#include "kernel/kif.h"
#include "mech/sem.h"
#include "mech/wake.h"
#include "output/fmt.h"

struct sem_state {
	struct wake_table wakes;
};

static void *sem_state_new(void)
{
	struct sem_state *s = calloc(1, sizeof(*s));

	if (s)
		wake_table_init(&s->wakes);
	return s;
}

static void sem_state_free(void *st)
{
	struct sem_state *s = st;

	wake_table_free(&s->wakes);
	free(s);
}

void sem_update_wake(struct model *m, const struct wake_obs *o)
{
	struct sem_state *s = model_mech_state(m, &mech_sem);

	wake_table_update(&s->wakes, m, o);
}

/* ---- the maps ---- */

static void sem_read(struct collector *c, struct kif *k, struct model *m)
{
	struct sem_state *s = model_mech_state(m, &mech_sem);

	wake_table_read(&s->wakes, k, "sem_wakes", m);
}

static void sem_reap(struct collector *c, struct kif *k)
{
	wake_table_reap(c, k, "sem_wakes");
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
	wake_table_begin(&((struct sem_state *)st)->wakes);
}

/* A post -> wait edge: its counts, and the wake-ups between the same ends, claimed. */
static int sem_join(void *st, const struct join_info *ji, struct edge *e, struct edge_sink *out)
{
	struct sem_state *s = st;
	const struct wake *w = wake_table_claim(&s->wakes, e);
	struct sem_ext x = { .posts = ji->src->ops, .waits = ji->dst->ops };

	if (w) {
		e->wakes = w->wakes;
		e->wake_blocked_ns = w->blocked_ns;
	}
	return edge_sink_ext(out, e, &x, sizeof(x));
}

/*
 * The wake-ups no post -> wait edge claimed (all: want_all), or those of
 * them that fold (fold_before), each an edge of its own, msgs 0: the waker
 * woke the wakee without a counted post (semctl SETVAL/SETALL, a decrement
 * that let a wait-for-zero through).
 */
static int unclaimed_edges(const struct sem_state *s, const struct model *m, bool want_all,
			   uint64_t fold_before, struct edge_sink *out)
{
	for (size_t i = 0; i < s->wakes.t.n; i++) {
		const struct wake *w = ktab_at(&s->wakes.t, i);
		struct edge e = { .exact = true };
		struct sem_ext x = { 0 };

		/* a claimed one's counts are on its post -> wait edge */
		if (w->claimed == s->wakes.gen || !w->wakes)
			continue;
		if (!want_all && !wake_foldable(w, m, fold_before))
			continue;
		wake_edge(w, &e);
		e.wakes = w->wakes;
		e.wake_blocked_ns = w->blocked_ns;
		if (edge_sink_add(out, &e, "", w->comm, &x, sizeof(x)))
			return -1;
	}
	return 0;
}

static int sem_edges(void *st, const struct model *m, struct edge_sink *out)
{
	return unclaimed_edges(st, m, true, 0, out);
}

/* ---- retention ---- */

/*
 * Wake-ups between a gone process and another fold once idle; the post ->
 * wait edges they were shown on fold with their objects in the core.
 */
static int sem_fold(void *st, const struct model *m, uint64_t idle_before, struct edge_sink *out)
{
	struct sem_state *s = st;

	if (unclaimed_edges(s, m, false, idle_before, out))
		return -1;
	wake_table_drop_folded(&s->wakes, m, idle_before);
	return 0;
}

static void sem_procs_in_use(void *st, void (*use)(void *ctx, struct proc_ref p), void *ctx)
{
	wake_table_procs(&((struct sem_state *)st)->wakes, use, ctx);
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
		fprintf(f, ",\"posts\":%" PRIu64 ",\"waits\":%" PRIu64, x->posts, x->waits);
}

/* Hand-offs first: waits of dst that src's post ended. */
static enum note_kind sem_note(const struct edge *e, const void *ext, size_t width,
				char *buf, size_t len)
{
	char a[24];

	(void)ext;
	(void)width;
	if (e->wakes)
		snprintf(buf, len, "wake %s ", fmt_human(e->wakes, 1000, a, sizeof(a)));
	return NOTE_PREFIX;
}

static void sem_dot(const struct edge *e, const void *ext, FILE *f)
{
	(void)ext;
	fprintf(f, "\\n%" PRIu64 " posts, %" PRIu64 " wakes", e->msgs, e->wakes);
}

/* ---- --events ---- */

#define SEM_IPC_NOWAIT 04000
#define SEM_SEM_UNDO 0x1000
#define SEM_SETVAL 16

/*
 * bpf/sem.bpf.c's records.  semop, semctl: state[] = the value of the
 * first sembuf's semaphore after the call (-1: the set is gone), sem_num,
 * sem_op (semctl: its cmd), nsops, sem_flg, the set's size, the poster
 * that woke the call.  sem_post, sem_wait: the value after and glibc's
 * waiters (-1: not readable), the poster that woke the wait in state[6].
 */
static void sem_event(const struct ipc_event *e, struct ev_view *v)
{
	const __s64 *st = e->state;
	bool sysv = e->op == EV_OP_SEMOP || e->op == EV_OP_SEMCTL;

	if (st[0] >= 0)
		ev_field_int(v, "value", st[0]);
	if (e->op == EV_OP_SEMOP) {
		ev_field_int(v, "sem_num", st[1]);
		ev_field_int(v, "sem_op", st[2]);
		ev_field_int(v, "nsops", st[3]);
		ev_field_bool(v, "nowait", st[4] & SEM_IPC_NOWAIT);
		ev_field_bool(v, "undo", st[4] & SEM_SEM_UNDO);
	} else if (e->op == EV_OP_SEMCTL) {
		ev_field_str(v, "cmd", st[2] == SEM_SETVAL ? "SETVAL" : "SETALL");
		v->no_bytes = true;
	}
	if (sysv && st[5] > 0)
		ev_field_int(v, "nsems", st[5]);
	if (!sysv && st[1] >= 0)
		ev_field_int(v, "waiters", st[1]);
	if (st[6])
		ev_field_int(v, "woken_by", st[6]);

	if (e->op == EV_OP_SEMOP)
		ev_state_add(v, "op %+lld", (long long)st[2]);
	else if (e->op == EV_OP_SEMCTL)
		ev_state_add(v, "%s", st[2] == SEM_SETVAL ? "SETVAL" : "SETALL");
	if (st[0] >= 0)
		ev_state_add(v, "val %lld", (long long)st[0]);
	else
		ev_state_add(v, sysv ? "(set gone)" : "val ?");
	if (e->op == EV_OP_SEMOP && st[3] > 1)
		ev_state_add(v, "(+%lld ops)", (long long)st[3] - 1);
	if (!sysv && st[1] > 0)
		ev_state_add(v, "waiters %lld", (long long)st[1]);
	if (st[6])
		ev_state_add(v, "posted by %lld", (long long)st[6]);
}

static const struct mech_kind sem_kinds[] = {
	{ .id = MECH_SEM, .name = "sem", .label = "sem", .opt = "sem",
	  .progs = "sem_ ipc_waking", .wakes_sync = true },
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
	.event = sem_event,
};

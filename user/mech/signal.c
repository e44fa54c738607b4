// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * Signals: one edge per (sender, target, signal, si_code), exact, since
 * signal_generate names both.  signal_deliver runs in the target and does
 * not know the sender, so deliveries are counted per (target, signal) and
 * belong to an edge only when a single edge carries that signal to that
 * target; with several senders or codes, splitting them would be a guess.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "kernel/abi.h"
#include "core/collect.h"
#include "core/event.h"
#include "core/ktab.h"
#include "kernel/bpfmap.h"
#include "kernel/kif.h"
#include "mech/proc.h"
#include "mech/signal.h"
#include "output/signames.h"
#include "output/fmt.h"
#include "output/jsonesc.h"

_Static_assert(sizeof(struct sig_key) == 32, "sig_key layout");
_Static_assert(sizeof(struct sig_val) == 8 * (1 + SIGRES_MAX) + IPC_COMM_LEN, "sig_val layout");
_Static_assert(sizeof(struct sigdel_key) == 16, "sigdel_key layout");
_Static_assert(sizeof(struct sigdel_val) == 32 + IPC_COMM_LEN, "sigdel_val layout");
_Static_assert(SIGRES_MAX == SIGNAL_RESULTS, "signal result count");

struct sig_ent {
	uint64_t key[6]; /* src pid, src start, dst pid, dst start, sig, code */
	struct sig_obs o;
	uint64_t last_ns; /* the model's clock when it last changed */
};

struct sigdel_ent {
	uint64_t key[3]; /* pid, start_ns, sig */
	struct sigdel_obs o;
	uint64_t last_ns;
	/*
	 * An edge carrying this signal to this target was folded while the
	 * target lived: its deliveries can no longer be told apart, so they
	 * are attributed to no edge from then on.
	 */
	bool mixed;
};

struct sig_state {
	struct ktab sigs, sigdels;
};

static void *sig_state_new(void)
{
	struct sig_state *s = calloc(1, sizeof(*s));

	if (!s)
		return NULL;
	ktab_init(&s->sigs, sizeof(struct sig_ent), 6);
	ktab_init(&s->sigdels, sizeof(struct sigdel_ent), 3);
	return s;
}

static void sig_state_free(void *st)
{
	struct sig_state *s = st;

	ktab_free(&s->sigs);
	ktab_free(&s->sigdels);
	free(s);
}

void signal_update(struct model *m, const struct sig_obs *o)
{
	struct sig_state *s = model_mech_state(m, &mech_signal);
	uint64_t key[6] = { o->src.pid, o->src.start_ns, o->dst.pid, o->dst.start_ns,
			    (uint64_t)(int64_t)o->sig, (uint64_t)(int64_t)o->code };
	long i = ktab_get(&s->sigs, key, NULL);
	struct sig_ent *e;

	if (i < 0) {
		model_count_dropped(m);
		return;
	}
	e = ktab_at(&s->sigs, i);
	if (e->o.generated != o->generated || !e->last_ns)
		e->last_ns = model_clock(m) ? model_clock(m) : 1;
	e->o = *o;
	model_copy_comm(e->o.src_comm, o->src_comm);
}

void signal_update_delivery(struct model *m, const struct sigdel_obs *o)
{
	struct sig_state *s = model_mech_state(m, &mech_signal);
	uint64_t key[3] = { o->proc.pid, o->proc.start_ns, (uint64_t)(int64_t)o->sig };
	long i = ktab_get(&s->sigdels, key, NULL);
	struct sigdel_ent *e;

	if (i < 0) {
		model_count_dropped(m);
		return;
	}
	e = ktab_at(&s->sigdels, i);
	if (e->o.delivered != o->delivered || !e->last_ns)
		e->last_ns = model_clock(m) ? model_clock(m) : 1;
	e->o = *o;
	model_copy_comm(e->o.comm, o->comm);
}

/* ---- the maps ---- */

static void copy_bpf_comm(char *dst, const char *src)
{
	memcpy(dst, src, IPC_COMM_LEN);
	dst[IPC_COMM_LEN] = '\0';
}

struct walk {
	struct collector *c;
	struct model *m;
};

static void on_sig(const void *k, const void *v, void *arg)
{
	const struct sig_key *key = k;
	const struct sig_val *val = v;
	struct walk *w = arg;
	struct sig_obs o = {
		.src = { key->src_tgid, key->src_start_ns },
		.dst = { key->dst_tgid, key->dst_start_ns },
		.sig = key->sig, .code = key->code, .generated = val->generated,
	};

	memcpy(o.result, val->result, sizeof(o.result));
	copy_bpf_comm(o.src_comm, val->src_comm);
	collector_hint(w->c, key->src_tgid, key->src_start_ns, o.src_comm);
	collector_hint(w->c, key->dst_tgid, key->dst_start_ns, "");
	signal_update(w->m, &o);
}

static void on_sigdel(const void *k, const void *v, void *arg)
{
	const struct sigdel_key *key = k;
	const struct sigdel_val *val = v;
	struct walk *w = arg;
	struct sigdel_obs o = {
		.proc = { key->tgid, key->start_ns }, .sig = key->sig,
		.delivered = val->delivered, .lat_count = val->lat_count,
		.lat_sum_ns = val->lat_sum_ns, .lat_max_ns = val->lat_max_ns,
	};

	copy_bpf_comm(o.comm, val->comm);
	collector_hint(w->c, key->tgid, key->start_ns, o.comm);
	signal_update_delivery(w->m, &o);
}

static void sig_read(struct collector *c, struct kif *k, struct model *m)
{
	struct walk w = { c, m };
	struct sig_val val;
	struct sigdel_val dval;

	bpfmap_walk(kif_map_fd(k, "sigs"), sizeof(struct sig_key), &val, on_sig, &w);
	bpfmap_walk(kif_map_fd(k, "sigdels"), sizeof(struct sigdel_key), &dval, on_sigdel, &w);
}

/* A dead target gets no more signals; a dead sender sends none. */
static bool sig_reaped(const void *k, void *c)
{
	const struct sig_key *key = k;

	return collector_is_reaped(c, key->dst_tgid, key->dst_start_ns) ||
	       (key->src_tgid && collector_is_reaped(c, key->src_tgid, key->src_start_ns));
}

static bool sigdel_reaped(const void *k, void *c)
{
	const struct sigdel_key *key = k;

	return collector_is_reaped(c, key->tgid, key->start_ns);
}

static void sig_reap(struct collector *c, struct kif *k)
{
	bpfmap_delete_if(kif_map_fd(k, "sigs"), sizeof(struct sig_key), sig_reaped, c);
	bpfmap_delete_if(kif_map_fd(k, "sigdels"), sizeof(struct sigdel_key), sigdel_reaped, c);
}

/* ---- edges ---- */

struct deliv_ent {
	uint64_t key[3]; /* dst pid, dst start, sig */
	uint32_t count;  /* signal edges with this key */
	uint32_t sig;    /* index in sigs of the last one */
};

static const struct sigdel_ent *sigdel_find(const struct sig_state *s, struct proc_ref p, int sig)
{
	uint64_t key[3] = { p.pid, p.start_ns, (uint64_t)(int64_t)sig };
	long i = ktab_find(&s->sigdels, key);

	return i < 0 ? NULL : ktab_at(&s->sigdels, i);
}

/* How many edges carry each (target, signal): deliveries go to a lone one. */
static int count_deliveries(const struct sig_state *s, struct ktab *dv)
{
	ktab_init(dv, sizeof(struct deliv_ent), 3);
	for (size_t i = 0; i < s->sigs.n; i++) {
		const struct sig_obs *o = &((struct sig_ent *)ktab_at(&s->sigs, i))->o;
		uint64_t key[3] = { o->dst.pid, o->dst.start_ns, (uint64_t)(int64_t)o->sig };
		struct deliv_ent *d;
		long k;

		if ((k = ktab_get(dv, key, NULL)) < 0) {
			ktab_free(dv);
			return -1;
		}
		d = ktab_at(dv, k);
		d->count++;
		d->sig = i;
	}
	return 0;
}

/* The edge of sigs[i], with its deliveries when they are its alone. */
static int add_sig_edge(const struct sig_state *s, size_t i, const struct ktab *dv,
			struct edge_sink *out)
{
	const struct sig_obs *o = &((struct sig_ent *)ktab_at(&s->sigs, i))->o;
	const struct sigdel_ent *d = sigdel_find(s, o->dst, o->sig);
	uint64_t key[3] = { o->dst.pid, o->dst.start_ns, (uint64_t)(int64_t)o->sig };
	const struct deliv_ent *de = ktab_at(dv, ktab_find(dv, key));
	struct edge e = {
		.mech = MECH_SIGNAL, .key_a = (uint64_t)(int64_t)o->sig,
		.key_b = (uint64_t)(int64_t)o->code, .exact = true,
		.src = { .pid = o->src.pid, .start_ns = o->src.start_ns },
		.dst = { .pid = o->dst.pid, .start_ns = o->dst.start_ns },
		.msgs = o->generated,
	};
	struct sig_ext x = { .sig = o->sig, .code = o->code };
	char buf[32];

	snprintf(e.object, sizeof(e.object), "%s", sig_name(o->sig, buf, sizeof(buf)));
	memcpy(x.result, o->result, sizeof(x.result));
	if (d && !d->mixed && de->count == 1) {
		x.has_delivery = true;
		x.delivered = d->o.delivered;
		x.lat_count = d->o.lat_count;
		x.lat_sum_ns = d->o.lat_sum_ns;
		x.lat_max_ns = d->o.lat_max_ns;
	}
	/* The target's comm at delivery is the best fallback we have. */
	return edge_sink_add(out, &e, o->src_comm, d ? d->o.comm : "", &x, sizeof(x));
}

static int sig_edges(void *st, const struct model *m, struct edge_sink *out)
{
	struct sig_state *s = st;
	struct ktab dv;
	int err = 0;

	if (count_deliveries(s, &dv))
		return -1;
	for (size_t i = 0; i < s->sigs.n && !err; i++)
		err = add_sig_edge(s, i, &dv, out);
	ktab_free(&dv);
	return err;
}

/* ---- retention ---- */

struct fold_walk {
	const struct model *m;
	uint64_t idle_before;
	struct sig_state *s;
};

static bool sig_foldable(const struct model *m, const struct sig_ent *e, uint64_t idle_before)
{
	return e->last_ns <= idle_before &&
	       (model_proc_gone(m, e->o.src) || model_proc_gone(m, e->o.dst));
}

static bool drop_sig(const void *entry, void *arg)
{
	const struct fold_walk *w = arg;

	return sig_foldable(w->m, entry, w->idle_before);
}

static bool drop_sigdel(const void *entry, void *arg)
{
	const struct sigdel_ent *d = entry;
	const struct fold_walk *w = arg;

	return d->last_ns <= w->idle_before && model_proc_gone(w->m, d->o.proc);
}

/*
 * A signal edge with an end gone folds once idle.  Its target's deliveries
 * of that signal, when the target lives on, are no longer anyone's alone.
 */
static int sig_fold(void *st, const struct model *m, uint64_t idle_before, struct edge_sink *out)
{
	struct sig_state *s = st;
	struct fold_walk w = { m, idle_before, s };
	struct ktab dv;
	int err = 0;

	if (count_deliveries(s, &dv))
		return -1;
	for (size_t i = 0; i < s->sigs.n && !err; i++) {
		const struct sig_ent *e = ktab_at(&s->sigs, i);
		uint64_t key[3] = { e->o.dst.pid, e->o.dst.start_ns, (uint64_t)(int64_t)e->o.sig };
		long d;

		if (!sig_foldable(m, e, idle_before))
			continue;
		err = add_sig_edge(s, i, &dv, out);
		if (!model_proc_gone(m, e->o.dst) && (d = ktab_find(&s->sigdels, key)) >= 0)
			((struct sigdel_ent *)ktab_at(&s->sigdels, d))->mixed = true;
	}
	ktab_free(&dv);
	if (err)
		return -1;
	ktab_remove_if(&s->sigs, drop_sig, &w);
	ktab_remove_if(&s->sigdels, drop_sigdel, &w);
	return 0;
}

static void sig_procs_in_use(void *st, void (*use)(void *ctx, struct proc_ref p), void *ctx)
{
	struct sig_state *s = st;

	for (size_t i = 0; i < s->sigs.n; i++) {
		const struct sig_ent *e = ktab_at(&s->sigs, i);

		use(ctx, e->o.src);
		use(ctx, e->o.dst);
	}
	for (size_t i = 0; i < s->sigdels.n; i++)
		use(ctx, ((const struct sigdel_ent *)ktab_at(&s->sigdels, i))->o.proc);
}

/* ---- output ---- */

static void sig_json(const struct edge *e, const void *ext, FILE *f)
{
	const struct sig_ext *x = ext;
	char buf[32];

	if (!x)
		return;
	fputs(",\"signal\":", f);
	json_put_string(f, e->object);
	fputs(",\"code\":", f);
	json_put_string(f, si_code_name(x->sig, x->code, buf, sizeof(buf)));
	fprintf(f, ",\"results\":{\"queued\":%" PRIu64 ",\"ignored\":%" PRIu64
		",\"already_pending\":%" PRIu64 ",\"overflow\":%" PRIu64 ",\"lose_info\":%" PRIu64 "}",
		x->result[0], x->result[1], x->result[2], x->result[3], x->result[4]);
	/* Present only when the deliveries are this edge's alone. */
	if (x->has_delivery)
		fprintf(f, ",\"delivered\":%" PRIu64 ",\"latency_ns\":{\"count\":%" PRIu64
			",\"sum\":%" PRIu64 ",\"max\":%" PRIu64 "}",
			x->delivered, x->lat_count, x->lat_sum_ns, x->lat_max_ns);
}

static void sig_table_object(const struct edge *e, const void *ext, size_t width, char *buf,
			     size_t len)
{
	const struct sig_ext *x = ext;
	char code[32];
	const char *name;

	if (!x) {
		snprintf(buf, len, "%s", e->object);
		return;
	}
	name = si_code_name(x->sig, x->code, code, sizeof(code));
	snprintf(buf, len, "%s %s", e->object, name);
	/*
	 * Too wide ("SIGCHLD CLD_CONTINUED"): the code loses its family prefix,
	 * which the signal's name already says ("SIGCHLD CONTINUED").  JSON
	 * keeps the full name.
	 */
	if (strlen(buf) > width && strchr(name, '_'))
		snprintf(buf, len, "%s %s", e->object, strchr(name, '_') + 1);
}

static enum note_kind sig_note(const struct edge *e, const void *ext, size_t width,
				char *buf, size_t len)
{
	const struct sig_ext *x = ext;
	char a[24];

	if (x && x->has_delivery)
		snprintf(buf, len, "deliv %s", fmt_human(x->delivered, 1000, a, sizeof(a)));
	return NOTE_WHOLE;
}

static void sig_dot(const struct edge *e, const void *ext, FILE *f)
{
	const struct sig_ext *x = ext;
	char code[32];

	if (x) {
		fputc(' ', f);
		dot_put_escaped(f, si_code_name(x->sig, x->code, code, sizeof(code)));
	}
	fprintf(f, "\\n%" PRIu64 " msgs, %" PRIu64 " B", e->msgs, e->bytes);
}

static const char *sig_dot_attrs(const struct edge *e)
{
	return ", color=red, fontcolor=red";
}

/* ---- --events (bpf/signal.bpf.c) ---- */

/* signal_generate's result (enum sig_result), as the JSON "results" name them */
static const char *const sig_result_names[SIGRES_MAX] = {
	"queued", "ignored", "already_pending", "overflow", "lose_info",
};

/* The kernel's restart codes, which a handler turns into EINTR for the caller. */
#define ERESTARTSYS 512
#define ERESTART_RESTARTBLOCK 516

static void sig_ev_code(struct ev_view *v, int sig, int code)
{
	char buf[32];

	ev_field_int(v, "signo", sig);
	ev_field_str(v, "code", si_code_name(sig, code, buf, sizeof(buf)));
	ev_field_int(v, "si_code", code);
	ev_state_add(v, "%s", si_code_name(sig, code, buf, sizeof(buf)));
}

/* A latency as "+14us". */
static void sig_ev_lat(struct ev_view *v, const char *key, int64_t ns)
{
	char buf[16];

	if (ns < 0)
		return;
	ev_field_int(v, key, ns);
	ev_state_add(v, "+%s", fmt_ns((uint64_t)ns, buf, sizeof(buf)));
}

/*
 * signal (at generation, by the sender, the target the peer): state[] =
 * signo, si_code, the result, SIGCHLD's si_status, the target thread,
 * group.  deliver (in the target): signo, si_code, latency since
 * generation (-1: unknown), disposition, sa_flags.  sigwait: the signal
 * that ended it (0: none), the call, the time since that signal was sent
 * (-1: unknown), its si_code.  fork, exec and exit ride along (proc.c).
 */
static void sig_event(const struct ipc_event *e, struct ev_view *v)
{
	static const char *const calls[] = { "?", "sigtimedwait", "sigsuspend", "pause" };
	static const char *const disp[] = { "default", "ignore", "handler" };
	int sig = (int)e->state[0], code = (int)e->state[1];
	char buf[32];

	if (e->op == EV_OP_FORK || e->op == EV_OP_EXEC || e->op == EV_OP_EXIT) {
		proc_event(e, v);
		return;
	}
	v->no_bytes = true;
	snprintf(v->object, sizeof(v->object), "%s", sig > 0 ? sig_name(sig, buf, sizeof(buf)) : "-");
	switch (e->op) {
	case EV_OP_SIGNAL: {
		const char *res = e->state[2] >= 0 && e->state[2] < SIGRES_MAX ?
					  sig_result_names[e->state[2]] : "unknown";

		sig_ev_code(v, sig, code);
		if (sig == 17 /* SIGCHLD */ && code >= 1 && code <= 6) {
			/* CLD_EXITED: the exit status; CLD_KILLED, CLD_DUMPED...: a signal */
			ev_field_int(v, "status", e->state[3]);
			if (code == 1)
				ev_state_add(v, "status %lld", (long long)e->state[3]);
			else
				ev_state_add(v, "%s", sig_name((int)e->state[3], buf, sizeof(buf)));
		}
		ev_field_str(v, "result", res);
		ev_state_add(v, "(%s)", res);
		ev_field_int(v, "target_tid", e->state[4]);
		ev_field_bool(v, "group", e->state[5]);
		if (!e->state[5] && e->state[4] != e->peer_pid)
			ev_state_add(v, "thread %lld", (long long)e->state[4]);
		break;
	}
	case EV_OP_DELIVER:
		sig_ev_code(v, sig, code);
		sig_ev_lat(v, "latency_ns", e->state[2]);
		ev_field_str(v, "disposition", e->state[3] >= 0 && e->state[3] <= 2 ?
							 disp[e->state[3]] : "?");
		ev_field_int(v, "sa_flags", e->state[4]);
		ev_state_add(v, "%s", e->state[3] >= 0 && e->state[3] <= 2 ? disp[e->state[3]] : "?");
		break;
	case EV_OP_SIGWAIT:
		ev_field_int(v, "signo", sig);
		ev_field_str(v, "call", e->state[1] >= 1 && e->state[1] <= 3 ? calls[e->state[1]]
									 : "?");
		if (e->flags & EV_F_PEER) {
			ev_field_str(v, "code", si_code_name(sig, (int)e->state[3], buf, sizeof(buf)));
			ev_field_int(v, "si_code", e->state[3]);
		}
		ev_state_add(v, "%s", e->state[1] >= 1 && e->state[1] <= 3 ? calls[e->state[1]] : "?");
		sig_ev_lat(v, "since_sent_ns", e->state[2]);
		/* sigsuspend and pause end with a handler: the caller sees EINTR */
		if (v->ret <= -ERESTARTSYS && v->ret >= -ERESTART_RESTARTBLOCK)
			v->ret = -EINTR;
		break;
	default:
		break;
	}
}

static const struct mech_kind sig_kinds[] = {
	{ .id = MECH_SIGNAL, .name = "signal", .label = "signal", .opt = "signal",
	  .progs = "sig_", .no_bytes = true, .wakes_sync = true, .prom_family = "signals",
	  .prom_label = "signal" },
	{ 0 },
};

/* Per-process counters: as large as --map-entries asks. */
static void signal_configure(struct kif *k, bool fast)
{
	kif_map_resize(k, "sigs");
	kif_map_resize(k, "sigdels");
}

const struct mech_ops mech_signal = {
	.name = "signal",
	.kinds = sig_kinds,
	.prefixes = "sig_",
	.configure = signal_configure,
	.read = sig_read,
	.reap = sig_reap,
	.state_new = sig_state_new,
	.state_free = sig_state_free,
	.edges = sig_edges,
	.fold = sig_fold,
	.procs_in_use = sig_procs_in_use,
	.json = sig_json,
	.table_object = sig_table_object,
	.table_note = sig_note,
	.dot_label = sig_dot,
	.dot_attrs = sig_dot_attrs,
	.event = sig_event,
};

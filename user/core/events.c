// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * --events: the consumer of the ipc_events ring (bpf/event.bpf.h).  Each
 * record becomes a view (core/event.h): the core fills what every
 * operation has, the mechanism's module (mech_ops.event) the object and
 * the kernel state; output/render_events.c writes it.  Records come in the
 * order the kernel committed them, on the collector's tick.
 */
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include "kernel/abi.h"
#include "core/collect.h"
#include "core/events.h"
#include "core/mech.h"
#include "kernel/kif.h"
#include "output/render_events.h"

_Static_assert(sizeof(struct ipc_event) == 264, "ipc_event layout");
_Static_assert(IPC_EV_WOKE == EV_WOKE_MAX && IPC_COMM_LEN == EV_COMM_LEN, "ev_view sizes");

#define IPC_EV_OP_NAME(id, name) [id] = name,
static const char *const op_names[EV_OP_MAX] = { IPC_EV_OPS(IPC_EV_OP_NAME) };
#undef IPC_EV_OP_NAME

struct events {
	struct collector *c;
	struct model *m;
	const struct model_filter *filter;
	FILE *f;
	bool json;
	uint64_t t0_ns;
	uint64_t lost_told;    /* the loss last written to the stream */
	uint64_t hide_a, hide_b; /* ipctrace's own hand-shake with COMMAND (events_hide()) */
	uint64_t names_ns;       /* when the object names were last read here */
};

static uint64_t mono_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + ts.tv_nsec;
}

const char *events_op_name(unsigned op)
{
	return op < EV_OP_MAX && op_names[op] ? op_names[op] : "op?";
}

static void task_of(struct ev_task *t, uint32_t pid, uint32_t tid, const char *comm)
{
	t->pid = pid;
	t->tid = tid;
	memcpy(t->comm, comm, IPC_COMM_LEN);
	t->comm[IPC_COMM_LEN] = '\0';
}

void events_view(const struct ipc_event *e, const struct model *m, struct ev_view *v)
{
	const struct mech_ops *ops = mech_module_of(e->mech);
	const struct mech_kind *kind = mech_kind_of(e->mech);
	int named = e->n_woke < IPC_EV_WOKE ? e->n_woke : IPC_EV_WOKE;

	memset(v, 0, sizeof(*v));
	v->ts_ns = e->ts_ns;
	task_of(&v->task, e->pid, e->tid, e->comm);
	v->ret = e->ret;
	v->bytes = e->bytes;
	v->slept = e->flags & EV_F_SLEPT;
	v->blocked_ns = v->slept ? e->blocked_ns : 0;
	if (e->flags & EV_F_PEER) {
		v->has_peer = true;
		task_of(&v->peer, e->peer_pid, 0, e->peer_comm);
	}
	v->n_woke = e->n_woke;
	for (int i = 0; i < named; i++)
		task_of(&v->woke[i], e->woke_pid[i], 0, e->woke_comm[i]);
	v->mech = mech_name(e->mech) ? mech_name(e->mech) : "unknown";
	v->op = events_op_name(e->op);
	v->no_bytes = kind && kind->no_bytes;
	model_object_name(m, e->mech, e->obj_a, e->obj_b, v->object, sizeof(v->object));
	if (ops && ops->event)
		ops->event(e, v);
}

/* -p/-c/--cgroup: the acting task, the other end, or a task it woke. */
static bool wanted(struct events *ev, const struct ipc_event *e)
{
	if (!ev->filter || !model_filter_active(ev->filter))
		return true;
	if (model_filter_proc(ev->m, ev->filter, e->pid, e->start_ns, e->comm))
		return true;
	if ((e->flags & EV_F_PEER) &&
	    model_filter_proc(ev->m, ev->filter, e->peer_pid, e->peer_start_ns, e->peer_comm))
		return true;
	for (int i = 0; i < e->n_woke && i < IPC_EV_WOKE; i++)
		if (model_filter_proc(ev->m, ev->filter, e->woke_pid[i], 0, e->woke_comm[i]))
			return true;
	return false;
}

static int on_event(void *ctx, void *data, size_t size)
{
	struct events *ev = ctx;
	const struct ipc_event *e = data;
	struct ev_view v;

	if (size < sizeof(*e))
		return 0;
	if (ev->hide_b && e->obj_a == ev->hide_a && e->obj_b == ev->hide_b)
		return 0;
	/* the process into the model: its namespace pid and cgroup, for the filter */
	collector_hint(ev->c, e->pid, e->start_ns, e->comm);
	if (!wanted(ev, e))
		return 0;
	/*
	 * A name recorded after the tick read them (the record's call began
	 * later): read them again, at most once per drain (anonymous objects
	 * have none: names_ns then runs ahead of the records).
	 */
	if (e->ts_ns > ev->names_ns && !model_object_named(ev->m, e->mech, e->obj_a, e->obj_b)) {
		collector_read_names(ev->c);
		ev->names_ns = mono_ns();
	}
	events_view(e, ev->m, &v);
	render_event(&v, e->ts_ns >= ev->t0_ns ? e->ts_ns - ev->t0_ns : 0, ev->json, ev->f);
	return 0;
}

struct events *events_start(struct collector *c, struct kif *k, struct model *m,
			    const struct model_filter *filter, FILE *f, bool json, uint64_t t0_ns)
{
	struct events *ev = calloc(1, sizeof(*ev));

	if (!ev)
		return NULL;
	ev->c = c;
	ev->m = m;
	ev->filter = filter;
	ev->f = f;
	ev->json = json;
	ev->t0_ns = t0_ns;
	if (collector_add_ring(c, kif_map_fd(k, "ipc_events"), on_event, ev)) {
		free(ev);
		return NULL;
	}
	return ev;
}

void events_tick(struct events *ev, uint64_t now_ns)
{
	const char *names[MECH_MAX];
	uint64_t by_id[MECH_MAX], n[MECH_MAX], total = 0;
	int count = 0;

	if (!ev || collector_events_lost(ev->c, by_id))
		return;
	for (uint32_t i = 0; i < MECH_MAX; i++) {
		total += by_id[i];
		if (by_id[i]) {
			names[count] = mech_name(i) ? mech_name(i) : "other";
			n[count++] = by_id[i];
		}
	}
	if (total == ev->lost_told)
		return;
	ev->lost_told = total;
	render_events_lost(total, names, n, count,
			   now_ns >= ev->t0_ns ? now_ns - ev->t0_ns : 0, ev->json, ev->f);
}

void events_hide(struct events *ev, uint64_t obj_a, uint64_t obj_b)
{
	if (ev) {
		ev->hide_a = obj_a;
		ev->hide_b = obj_b;
	}
}

void events_free(struct events *ev)
{
	free(ev);
}

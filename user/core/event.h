/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * --events: one operation as the renderers see it.  The core fills the
 * common part of a view from the BPF record (struct ipc_event), then the
 * mechanism's module (mech_ops.event) names the object and puts the kernel
 * state it read into fields (JSON "state") and a few words for the line.
 * Pure C, unit-tested without root.
 */
#ifndef IPCTRACE_EVENT_H
#define IPCTRACE_EVENT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define EV_FIELDS_MAX 12
#define EV_OBJECT_MAX 512

enum ev_field_kind { EVF_INT, EVF_BOOL, EVF_STR };

struct ev_field {
	const char *key;          /* a static string: a JSON member name */
	enum ev_field_kind kind;
	int64_t v;                /* EVF_INT, EVF_BOOL */
	const char *s;            /* EVF_STR: in the view's strs */
};

#define EV_COMM_LEN 16
#define EV_WOKE_MAX 4

struct ev_task {
	uint32_t pid;
	uint32_t tid;              /* 0: not known, or the same as pid */
	char comm[EV_COMM_LEN + 1];
};

struct ev_view {
	/* from the record (core/events.c) */
	uint64_t ts_ns;            /* CLOCK_MONOTONIC */
	struct ev_task task;
	int64_t ret;               /* the result, or -errno */
	uint64_t bytes;            /* what the call asked for */
	uint64_t blocked_ns;       /* slept: the time in the call */
	bool slept;
	bool has_peer;
	struct ev_task peer;       /* has_peer: the other end (a signal's target...) */
	int n_woke;                /* tasks the call woke, the first EV_WOKE_MAX in woke */
	struct ev_task woke[EV_WOKE_MAX];
	/* the module's (mech_ops.event), over the core's defaults */
	const char *mech;          /* JSON "mech" */
	const char *op;            /* JSON "op" */
	char object[EV_OBJECT_MAX];
	char state[192];           /* the line's words on the kernel state ("buf 15/16 full") */
	struct ev_field f[EV_FIELDS_MAX];
	int n_fields;
	char strs[512];            /* the EVF_STR fields' text */
	size_t strs_used;
	bool no_bytes;             /* the op moves no bytes: the line shows no "N ->" */
};

/* Add a state field (dropped past EV_FIELDS_MAX, or the text past strs). */
void ev_field_int(struct ev_view *v, const char *key, int64_t x);
void ev_field_bool(struct ev_view *v, const char *key, bool x);
void ev_field_str(struct ev_view *v, const char *key, const char *s);
/* Append printf-style words to the line's state, space-separated. */
void ev_state_add(struct ev_view *v, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

#endif /* IPCTRACE_EVENT_H */

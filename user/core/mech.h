/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * A mechanism module: everything ipctrace knows about one IPC mechanism
 * (or family: pipe+fifo, sockets, mq+msg...) in userspace, as one struct of
 * small operations the core calls through.  Like the kernel's
 * file_operations: a module fills what it does and leaves the rest NULL,
 * and the core's default applies.
 *
 * The modules live in user/mech/, one file each, and are listed once, in
 * user/mech/registry.c.  Nothing in user/core, user/kernel or user/output
 * names a mechanism: they iterate over that table.
 *
 * Mechanism ids are the BPF side's (enum ipc_mech, bpf/ipctrace.h): the
 * endpoint and name maps carry them, and the core passes them through.
 */
#ifndef IPCTRACE_MECH_H
#define IPCTRACE_MECH_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#define MECH_ID_MAX 32 /* ids are bits of a uint32_t mask */

struct kif;
struct collector;
struct bpf_program;
struct model;
struct edge;
struct edge_sink;
struct join_info;
struct proc_ref;
struct ipc_event;
struct ev_view;

/* One value of the JSON "mech" field. */
struct mech_kind {
	int id;
	const char *name;      /* JSON "mech": "pipe", "unix_stream", ... */
	const char *label;     /* the table's MECH column, at most 10 characters */
	const char *opt;       /* the -m word that selects it ("unix" selects three) */
	const char *progs;     /* prefixes of the BPF programs it needs, space-separated */
	bool no_bytes;         /* moves no bytes (signals): the table shows "-" */
	/*
	 * Only when -m names it: not in the default set, nor in "all" (file:
	 * it touches every regular-file read and write; -m all,file adds it).
	 */
	bool opt_in;
	/*
	 * Its wake-ups are releases (a post, an unlock, a signal), not data:
	 * a wait it ends is "sync", not "starvation", and its src side never
	 * waits on dst (core/waitfor.h; docs/semantics.md, "Bottlenecks").
	 */
	bool wakes_sync;
	/*
	 * Prometheus (--prometheus): its edges are also counted, by object, in
	 * ipctrace_<prom_family>_total{<prom_label>=object,src,dst}; NULL: not.
	 * Only for objects of a small, fixed set of names (a signal's name).
	 */
	const char *prom_family;
	const char *prom_label;
};

/* How a table note from a module combines with the generic one. */
enum note_kind {
	NOTE_PREFIX = 0, /* buf goes before the generic "blk SRC/DST" (may be "") */
	NOTE_WHOLE,      /* buf is the whole note (may be "") */
};

struct mech_ops {
	const char *name;               /* the module, as --check labels its programs */
	const struct mech_kind *kinds;  /* NULL-named entry ends it */
	const char *prefixes;           /* BPF program name prefixes it owns, space-separated */
	bool always;                    /* its programs load whatever -m says */

	/* ---- kernel side: the loader (user/kernel/loader.c) ---- */
	/* Before load: size or retype maps for the path chosen (fast: task storage). */
	void (*configure)(struct kif *k, bool fast);
	/* false, with the reason, for one of its programs this kernel cannot run. */
	bool (*prog_loadable)(const struct bpf_program *prog, char *why, size_t len);
	/*
	 * After the generic attach: attach what the loader cannot (uprobes).
	 * 0, or -1 with a reason: a warning, the rest is traced.
	 */
	int (*attach)(struct kif *k, char *why, size_t len);
	/* What --check says of what attach() did, one line (without newline). */
	void (*check_line)(struct kif *k, FILE *out);

	/* ---- the collector (user/core/collect.c) ---- */
	/* Once: add ring buffers with collector_add_ring().  0 or -errno. */
	int (*collect_init)(struct collector *c, struct kif *k, struct model *m);
	/* Every read: its maps into the model (cumulative values). */
	void (*read)(struct collector *c, struct kif *k, struct model *m);
	/* Delete map entries of reaped processes (collector_is_reaped()). */
	void (*reap)(struct collector *c, struct kif *k);
	/*
	 * Once, when tracing system-wide (no COMMAND), right after collect_init:
	 * put into the model what predates ipctrace and no hook will report (a
	 * mapping found in /proc).  mech_mask: the kinds -m selected.
	 */
	void (*predate)(struct collector *c, struct kif *k, struct model *m, uint32_t mech_mask);

	/* ---- the model (user/core/model.c) ---- */
	/* Its private tables; what it cannot store it counts with model_count_dropped(). */
	void *(*state_new)(void);
	void (*state_free)(void *st);
	/* Default display name of an object; false: the core's "<mech>:[<obj_b>]". */
	bool (*object_name)(int mech, uint64_t obj_a, uint64_t obj_b, char *buf, size_t len);
	/* A snapshot begins (before any join or edges call). */
	void (*snapshot_begin)(void *st);
	/* An edge of the generic writers -> readers join on its object: add extras. */
	int (*join)(void *st, const struct join_info *ji, struct edge *e, struct edge_sink *out);
	/* After every join: edges of its own (signals, attach overlaps...).  0 or -1. */
	int (*edges)(void *st, const struct model *m, struct edge_sink *out);
	/*
	 * Retention (model_fold()): drop from its state the edges of its own
	 * that have an end gone (model_proc_gone()) and have not changed since
	 * idle_before_ns, adding each to out as it would in edges(): the core
	 * folds them into aggregates by process name.  0 or -1.
	 */
	int (*fold)(void *st, const struct model *m, uint64_t idle_before_ns,
		    struct edge_sink *out);
	/* The generic join folded an endpoint (p non-NULL) or a whole object away: forget it. */
	void (*forget)(void *st, int mech, uint64_t obj_a, uint64_t obj_b, const struct proc_ref *p,
		       int dir);
	/* Every process its state still refers to, each passed to use(). */
	void (*procs_in_use)(void *st, void (*use)(void *ctx, struct proc_ref p), void *ctx);
	/* The kind an edge folds under (its object without the instance); NULL: the core's rule. */
	void (*fold_kind)(const struct edge *e, char *buf, size_t len);

	/* ---- output (user/output/), each given the edge and its extension (may be NULL) ---- */
	/* JSON members after the common ones, each starting with a comma. */
	void (*json)(const struct edge *e, const void *ext, FILE *f);
	/* The table's OBJECT text, when it is more than e->object; the column is width wide. */
	void (*table_object)(const struct edge *e, const void *ext, size_t width, char *buf,
			     size_t len);
	/* The table's NOTE (width wide): fill buf, say how it combines with the generic note. */
	enum note_kind (*table_note)(const struct edge *e, const void *ext, size_t width, char *buf,
				     size_t len);
	/* The DOT label after "mech object"; NULL: "\nN msgs, N B". */
	void (*dot_label)(const struct edge *e, const void *ext, FILE *f);
	/* Extra DOT attributes, each starting with ", ". */
	const char *(*dot_attrs)(const struct edge *e);

	/* ---- --events (core/events.c) ---- */
	/*
	 * One of its records: the core filled v (object by object_name or the
	 * model); add the kernel state (ev_field_*(), ev_state_add()), and
	 * rename the object or op where the record says more.
	 */
	void (*event)(const struct ipc_event *e, struct ev_view *v);
};

/* ---- the table (user/mech/registry.c) ---- */

extern const struct mech_ops *const mech_modules[];
extern const size_t mech_n_modules;

#define for_each_mech(i, ops) \
	for (size_t i = 0; i < mech_n_modules && ((ops) = mech_modules[i]); i++)

/* The module and kind of an id; NULL for an unknown id. */
const struct mech_ops *mech_module_of(int id);
const struct mech_kind *mech_kind_of(int id);
/* "pipe", "unix_stream", ...; NULL for an unknown id. */
const char *mech_name(int id);
/* The id named name, or -1. */
int mech_parse(const char *name);
/* Bits (1 << id) of every kind -m word `opt` selects; 0 if none. */
uint32_t mech_opt_mask(const char *opt);
/* Bits of every kind the table has but the opt-in ones: the default of -m, and "all". */
uint32_t mech_all_mask(void);
/* Bits of every kind, opt-in ones too (--check). */
uint32_t mech_every_mask(void);
/* The -m words, in table order, comma-separated, into buf. */
void mech_opt_list(char *buf, size_t len);

#endif /* IPCTRACE_MECH_H */

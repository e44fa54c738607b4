/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * The IPC model: processes, objects and their endpoints, and the join of
 * endpoints into process-pair edges.  Pure C, no libbpf, and no mechanism
 * named: a mechanism is an opaque id (core/mech.h says whose), and what a
 * mechanism adds to an edge is its own extension blob.
 *
 * Feeding is idempotent: an endpoint observation carries cumulative values
 * and replaces what the model had for that key.  Deltas exist only between
 * two snapshots.
 */
#ifndef IPCTRACE_MODEL_H
#define IPCTRACE_MODEL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#define MODEL_COMM_LEN 16

struct mech_ops;
struct waitfor;

/* A process is (pid, start_ns); start_ns is start_boottime in ns. */
struct proc_ref {
	uint32_t pid;
	uint64_t start_ns;
};

struct model_proc {
	uint32_t pid;
	uint32_t ppid;         /* 0 when unknown */
	uint64_t start_ns;
	char comm[MODEL_COMM_LEN + 1]; /* NUL-terminated, raw bytes, may be hostile */
	bool exited;
	int exit_status;       /* wait status, valid if exited */
	uint64_t exit_seq;     /* snapshot seq current when the exit was seen */
	uint32_t ns_pid;       /* its pid in its own pid namespace; 0 when unknown */
	uint64_t pidns;        /* that namespace's inode number; 0 when unknown */
	uint64_t cgroup_id;    /* its cgroup v2 id (the last event's); 0 when unknown */
	/*
	 * That cgroup's path, "/" or "/system.slice/x.service", may be hostile;
	 * NULL when unknown.  Set in a snapshot's procs only (owned by the
	 * snapshot); model_proc_find() gives NULL, see model_cgroup_path().
	 */
	const char *cgroup;
	/*
	 * Its executable's path (readlink of /proc/PID/exe at fork, exec, or
	 * when first seen), may be hostile; NULL when unknown (the process was
	 * gone first).  Like cgroup: set in a snapshot's procs only.
	 */
	const char *exe;
};

/* Cumulative counters of one endpoint, as read from the BPF map. */
struct ep_obs {
	struct proc_ref proc;
	int mech;              /* a mechanism id (core/mech.h) */
	int dir;               /* 0 = tx (wrote into the object), 1 = rx */
	uint64_t obj_a, obj_b; /* object identity, e.g. (s_dev, i_ino) */
	uint64_t ops, bytes, blocked_ns;
	char comm[MODEL_COMM_LEN + 1]; /* comm at first use, fallback name */
	uint64_t aux[2];       /* the mechanism's own counters, opaque to the core */
};

struct model;

/* A model with a private state for every mechanism module; NULL if out of memory. */
struct model *model_new(void);
void model_free(struct model *m);

/*
 * Process lifecycle.  Each call creates the process if unknown.  fork sets
 * ppid and comm; exec and comm replace comm; exit marks the process exited
 * (it stays in the model, and is reported, until model_reap()).
 */
void model_proc_fork(struct model *m, struct proc_ref p, uint32_t ppid, const char *comm);
void model_proc_exec(struct model *m, struct proc_ref p, const char *comm);
void model_proc_comm(struct model *m, struct proc_ref p, const char *comm);
void model_proc_exit(struct model *m, struct proc_ref p, int exit_status);
/* Fill in what is unknown (ppid 0, empty comm) without overriding events. */
void model_proc_hint(struct model *m, struct proc_ref p, uint32_t ppid, const char *comm);
/* Its pid as its own pid namespace numbers it, and that namespace (a container's view). */
void model_proc_ns(struct model *m, struct proc_ref p, uint32_t ns_pid, uint64_t pidns);
/*
 * Its cgroup v2 id, from its latest event (or /proc for a process that
 * predates tracing); a later call replaces it (the process moved).  0 is
 * ignored.
 */
void model_proc_cgroup(struct model *m, struct proc_ref p, uint64_t cgroup_id);
/*
 * Its executable's path (copied, at most MODEL_EXE_MAX - 1 bytes: the tail
 * is kept); NULL: unknown (it exec'd, and was gone before the path could
 * be read).  A forked child starts with its parent's (model_proc_fork()).
 */
#define MODEL_EXE_MAX 4096
void model_proc_exe(struct model *m, struct proc_ref p, const char *path);
/*
 * The path of a cgroup id (copied).  The model keeps the paths of the
 * cgroups its processes are in, and drops them with the processes.
 */
void model_name_cgroup(struct model *m, uint64_t cgroup_id, const char *path);
/* The path of a cgroup id the model was given, or NULL. */
const char *model_cgroup_path(const struct model *m, uint64_t cgroup_id);
/* Ids of processes' cgroups that have no path yet, at most max into out: how many. */
size_t model_cgroups_unnamed(const struct model *m, uint64_t *out, size_t max);
/* NULL if unknown.  The pointer is valid until the next call that adds a process. */
const struct model_proc *model_proc_find(const struct model *m, struct proc_ref p);

/* A cumulative endpoint observation (replaces the previous values for the same key). */
void model_update_endpoint(struct model *m, const struct ep_obs *o);
/*
 * The endpoint's map entry was deleted, last holding these values (known),
 * or was found gone (the model has its values): they are kept, and a new
 * entry's values count on top of them.
 */
void model_endpoint_unmapped(struct model *m, const struct ep_obs *last, bool known);
/*
 * Endpoints still in the map that have not changed since idle_before (the
 * model's clock): their keys into out, at most max; returns how many.
 */
size_t model_idle_endpoints(const struct model *m, uint64_t idle_before, struct ep_obs *out,
			    size_t max);

/*
 * --hist: an endpoint's log2 histogram of blocked time, cumulative (replaces
 * the previous one).  slot[i] counts the calls that blocked floor(log2(ns))
 * == i (0 ns in slot 0; the last slot also counts longer ones).  Kept only
 * for an endpoint the model already has (model_update_endpoint()); freed
 * with it.
 */
#define MODEL_HIST_SLOTS 32
void model_update_hist(struct model *m, struct proc_ref p, int mech, int dir, uint64_t obj_a,
		       uint64_t obj_b, const uint64_t slot[MODEL_HIST_SLOTS]);

/* Display name of an object, e.g. the FIFO's path.  Copied; NULL: the default name. */
void model_set_object_name(struct model *m, int mech, uint64_t obj_a, uint64_t obj_b,
			   const char *name);
/*
 * The name an object is shown by: its recorded name, else its module's or
 * the default (m NULL: no recorded name).
 */
void model_object_name(const struct model *m, int mech, uint64_t obj_a, uint64_t obj_b,
		       char *buf, size_t len);
/* Whether a name was recorded for the object (model_set_object_name()). */
bool model_object_named(const struct model *m, int mech, uint64_t obj_a, uint64_t obj_b);

/*
 * "Now" (CLOCK_MONOTONIC ns): for periods still open at the next snapshot,
 * and the time the model sees an exit.
 */
void model_set_clock(struct model *m, uint64_t now_ns);
uint64_t model_clock(const struct model *m);
/*
 * How long the edges of exited processes keep their pids after they last
 * changed; then they fold into aggregates by process name.  0: forever.
 */
void model_set_retention(struct model *m, uint64_t ns);

/* The private state of a mechanism module (its state_new()), or NULL. */
void *model_mech_state(const struct model *m, const struct mech_ops *ops);

/* An observation a module could not store (out of memory): shown as map_full. */
void model_count_dropped(struct model *m);

/*
 * Copy a comm that need not be NUL-terminated (BPF's 16 bytes) into a
 * buffer of MODEL_COMM_LEN + 1 bytes.
 */
void model_copy_comm(char *dst, const char *src);

/* Lost-event counters, cumulative, shown in every report. */
#define MODEL_LOST_CAUSES 16
struct model_lost {
	uint64_t events;   /* ring buffer records dropped */
	uint64_t map_full; /* operations not counted because a map (or memory) was full */
	/* the same, by map and cause: name (a static string) and count */
	struct {
		const char *name;
		uint64_t n;
	} cause[MODEL_LOST_CAUSES];
	int n_causes;
};
void model_set_lost(struct model *m, const struct model_lost *lost);

/*
 * Edge filter from -p / -c / --cgroup: an edge is kept if either end
 * matches any of them.  pids are global pids, or, with pidns set (ipctrace
 * runs in a pid namespace), pids as that namespace numbers them.  cgroups
 * are cgroup v2 paths, each matching its subtree (cgroup_under()).
 */
struct model_filter {
	const uint32_t *pids;
	int n_pids;
	uint64_t pidns;
	const char *const *comms;
	int n_comms;
	const char *const *cgroups;
	int n_cgroups;
};

/* Whether f filters anything. */
bool model_filter_active(const struct model_filter *f);
/*
 * Whether f keeps one process (--events: a task of an operation): pid as
 * the kernel numbers it, start_ns its identity (0: not known; then its
 * namespace pid and cgroup are not known either), comm its name.
 */
struct model;
bool model_filter_proc(const struct model *m, const struct model_filter *f, uint32_t pid,
		       uint64_t start_ns, const char *comm);

struct edge_end {
	uint32_t pid;          /* the kernel's (global) pid */
	uint64_t start_ns;
	char comm[MODEL_COMM_LEN + 1];
	uint32_t ns_pid;       /* in its own pid namespace, when known */
	uint64_t pidns;
	uint64_t cgroup_id;    /* its process's, 0 when unknown */
	/*
	 * An aggregated snapshot's (-a cgroup|exe) end: the key's value, which
	 * lives as long as the snapshot; NULL otherwise (and with -a comm, whose
	 * key is comm).  See snapshot_end_name().
	 */
	const char *key;
};

/*
 * One process pair on one object.  The common counters are every
 * mechanism's; what a mechanism adds (a signal's code, a segment's size,
 * a queue's depth...) is its extension: ext_len bytes at ext_off in the
 * snapshot's arena, laid out as that mechanism's module defines it.
 */
struct edge {
	int mech;
	char object[300];      /* "pipe:[8425]", "/tmp/fifo", "SIGUSR1" */
	uint64_t key_a, key_b; /* the object's identity within mech */
	bool exact;
	struct edge_end src, dst;
	uint64_t msgs, bytes;  /* cumulative */
	uint64_t d_msgs, d_bytes; /* since the previous snapshot */
	uint64_t blocked_src_ns, blocked_dst_ns;
	uint64_t d_blocked_src_ns, d_blocked_dst_ns; /* since the previous snapshot */
	/*
	 * Wake-ups through the object (cumulative, d_: since the previous
	 * snapshot): src's calls ended dst's blocked waits (it sent what dst
	 * waited for, posted, woke), and wake_blocked_ns is how long dst had
	 * been blocked in those waits.  back_: dst's calls ended src's blocked
	 * waits (it made room in a full object src was writing to).
	 */
	uint64_t wakes, wake_blocked_ns, d_wakes, d_wake_blocked_ns;
	uint64_t back_wakes, back_wake_blocked_ns, d_back_wakes, d_back_wake_blocked_ns;
	/* Snapshots in a row in which this edge did not change (0: it changed in this one). */
	uint32_t idle;
	uint32_t ext_off, ext_len;
	/*
	 * 0 for an edge between two processes.  Else the number of edges folded
	 * into this one after their processes were gone (model_fold()): its ends
	 * are process names (pid 0), its object the kind of object.
	 */
	uint32_t folded;
	/*
	 * An aggregated snapshot's (-a comm|cgroup|exe) edge: how many process
	 * pairs it holds (a retention-folded part counts its folded edges);
	 * its ends are keys, not processes (pid 0).  0 otherwise.
	 */
	uint32_t pairs;
	/*
	 * --hist: the src (sender) and dst (receiver) endpoints' histograms of
	 * blocked time, as index + 1 into the snapshot's hist (0: none; see
	 * edge_hist()).  Endpoint-level: an endpoint with several peers on the
	 * object shows its whole histogram on each of its edges.
	 */
	uint32_t hist_src, hist_dst;
};

/* -a: what processes are grouped by.  AGG_PID: no aggregation. */
enum agg_key {
	AGG_PID = 0,
	AGG_COMM,
	AGG_EXE,
	AGG_CGROUP,
};
/* "pid", "comm", "exe", "cgroup"; and back (-1 if none). */
const char *agg_key_name(enum agg_key k);
int agg_key_parse(const char *word);

/* A node of an aggregated snapshot: one key, and how many processes had it. */
struct agg_node {
	const char *key;       /* NULL: comm is the key */
	char comm[MODEL_COMM_LEN + 1];
	uint32_t n_procs;      /* live or exited processes (not the names of folded edges) */
};

struct snapshot {
	uint64_t seq;
	bool final;
	bool full;             /* every edge; else only those that changed since the last one */
	double elapsed_s;
	int64_t wall_sec;      /* time(NULL) at the snapshot, for "ts" */
	double interval_s;     /* elapsed_s minus the previous snapshot's: d_* span this */
	struct model_lost lost;
	struct edge *edges;    /* sorted by bytes desc, then msgs desc, then src pid */
	size_t n_edges;
	struct model_proc *procs; /* processes that are an end of some edge, by pid */
	size_t n_procs;
	unsigned char *ext;    /* the edges' extensions */
	size_t ext_size;
	char *strs;            /* the procs' cgroup and exe paths */
	/*
	 * -a: AGG_PID, or edges are aggregated by this key (snapshot_aggregate())
	 * and the report's nodes are nodes, one per key, not procs (which stay:
	 * the processes the aggregated edges came from).
	 */
	enum agg_key agg;
	struct agg_node *nodes;
	size_t n_nodes;
	/*
	 * Who waits on whom (core/waitfor.h), set by whoever makes a report
	 * from the snapshot, after any aggregation (its pointers point into
	 * edges); NULL: no analysis.  snapshot_free() frees it.
	 */
	struct waitfor *wait;
	/* --hist: n_hist histograms of MODEL_HIST_SLOTS counts each (edge.hist_src/dst) */
	uint64_t *hist;
	size_t n_hist;
};

/*
 * core/waitfor.c's, declared here too so that snapshot_free() calls it
 * without model.c including core/waitfor.h (which includes this file).
 */
void waitfor_free(struct waitfor *w);

/* What an end is shown by: its key in an aggregated snapshot (or comm). */
const char *snapshot_end_name(const struct edge_end *end);
const char *agg_node_name(const struct agg_node *n);

/* e's extension in s, or NULL if it has none. */
const void *edge_ext(const struct snapshot *s, const struct edge *e);

/* An end's (dir 0: src, 1: dst) histogram, MODEL_HIST_SLOTS counts; NULL if none. */
const uint64_t *edge_hist(const struct snapshot *s, const struct edge *e, int dir);

/*
 * Join endpoints into edges, add each mechanism's edges of its own,
 * compute deltas against the previous snapshot, apply the filter (may be
 * NULL).  full: every edge; else only the edges that changed since the
 * previous snapshot (new, or anything they show differs).  seq increments
 * on every call.  NULL if out of memory; the model is then as it was.
 */
struct snapshot *model_snapshot(struct model *m, bool final, bool full, double elapsed_s,
				int64_t wall_sec, const struct model_filter *filter);
void snapshot_free(struct snapshot *s);

/*
 * -a: model_snapshot() aggregates its edges by k (AGG_PID: not at all).
 * An interval (not full) snapshot keeps the aggregated edges any part of
 * which changed, with every part's counts.
 */
void model_set_aggregate(struct model *m, enum agg_key k);
/* The key; the collector reads executables' paths only for AGG_EXE. */
enum agg_key model_aggregate(const struct model *m);

/*
 * Fold the processes of s with the same key into one node: edges group by
 * (mechanism, kind of object as retention folds them, source key,
 * destination key); counts and blocked times are summed, exact is the AND
 * of the parts, pairs counts them.  A group of one edge keeps its object
 * and extension; a larger one has the kind of object as its object and no
 * extension (per-pair extras: see -a pid).  Edges folded by retention have
 * process names only: their ends' cgroup or exe is "?".  s must be full
 * (or hold the edges meant) and s->procs complete.  0, or -1 when out of
 * memory (s is then as it was).  AGG_PID: nothing happens.
 */
int snapshot_aggregate(struct snapshot *s, enum agg_key k);

/*
 * Retention: fold what exited processes left behind once it has not changed
 * for the retention period (model_set_retention()), so the model's size
 * follows the live processes, not the history.  An edge with an end gone
 * is added to an aggregate by (mechanism, kind of object, source name,
 * destination name) and dropped; the counters of a live end lose what the
 * folded edge accounted for, so the edges left stay exact.  Processes gone
 * and no longer an end of anything are dropped.  Call after the counters
 * were read.  0, or -1 when out of memory (nothing lost: retried later).
 */
int model_fold(struct model *m);
/* Whether p exited and its map entries were reaped (it can count nothing more). */
bool model_proc_gone(const struct model *m, struct proc_ref p);

/*
 * Processes whose exit the model saw at or before exited_before_ns (its
 * clock) and that are not reaped yet: once their counters are read, the
 * caller may delete their BPF map entries; the counters stay in the model.
 * Returns the count written to out (at most max).
 */
size_t model_reapable(struct model *m, uint64_t exited_before_ns, struct proc_ref *out,
		      size_t max);
/* Mark as reaped so model_reapable() does not return them again. */
void model_mark_reaped(struct model *m, struct proc_ref p);

/*
 * Wake-ups through an object, per (waker, wakee, object, direction),
 * cumulative: the mechanisms whose edges the generic join makes (pipes,
 * sockets, queues) report them here, and each snapshot puts them on the
 * edge between the same processes on the same object (struct edge's wakes
 * and back_ fields); one no edge carries is an edge of its own, msgs 0.
 * back: the waker made room for the wakee (which was writing); else it gave
 * the wakee what it was waiting to receive.
 */
struct model_wake {
	int mech;
	bool back;
	struct proc_ref waker, wakee;
	uint64_t obj_a, obj_b;
	uint64_t wakes, blocked_ns;
	char wakee_comm[MODEL_COMM_LEN + 1];
};
/* Replaces the previous values for the same key (the map's are cumulative). */
void model_update_wake(struct model *m, const struct model_wake *w);
/*
 * The map entry was taken out with these, its last values: they are kept,
 * and a new entry for the same key counts on top of them.
 */
void model_wake_unmapped(struct model *m, const struct model_wake *w);

/* ---- for mechanism modules building edges ---- */

/*
 * Where edges are built during a snapshot.  A module adds edges of its own
 * with edge_sink_add(), and attaches its extension to an edge with
 * edge_sink_ext().
 */
struct edge_sink;

/*
 * Add e (a copy).  Its ends need pid and start_ns only: the model names
 * them from the process table, with src_comm/dst_comm as fallbacks.  An
 * empty e->object is named like the model names (mech, key_a, key_b).  ext
 * (ext_len bytes, may be 0) is copied as its extension.  It has no
 * histograms (hist_src, hist_dst are cleared).  0, or -1 when out of memory.
 */
int edge_sink_add(struct edge_sink *out, const struct edge *e, const char *src_comm,
		  const char *dst_comm, const void *ext, size_t ext_len);
/* Copy ext in as e's extension (e is an edge of this sink).  0 or -1. */
int edge_sink_ext(struct edge_sink *out, struct edge *e, const void *ext, size_t len);

/* One side of a join: an endpoint's counters. */
struct join_end {
	struct proc_ref proc;
	uint64_t ops, bytes, blocked_ns;
	uint64_t aux[2];
};

/* What a module's join hook is told about the edge the generic join made. */
struct join_info {
	const struct join_end *src, *dst;
	size_t n_senders, n_receivers; /* active endpoints of the object on each side */
};

#endif /* IPCTRACE_MODEL_H */

/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * The IPC model: processes, endpoints, and their join into process-pair
 * edges.  Pure C, no libbpf: the collector feeds it cumulative counters
 * read from the BPF maps, and takes snapshots for the renderers.
 *
 * Feeding is idempotent: an endpoint/signal observation carries cumulative
 * values and replaces what the model had for that key.  Deltas exist only
 * between two snapshots.
 */
#ifndef IPCTRACE_MODEL_H
#define IPCTRACE_MODEL_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#define MODEL_COMM_LEN 16

enum model_mech {
	M_NONE = 0,
	M_PIPE = 1,
	M_FIFO = 2,
	M_SIGNAL = 3,
	M_UNIX_STREAM = 4,
	M_UNIX_DGRAM = 5,
	M_UNIX_SEQPACKET = 6,
	M_TCP = 7,
	M_UDP = 8,
	M_MQ = 9,
	M_MSG = 10,
	M_SHM = 11,
	M_SEM = 12,
	M_MAX,
};

/* "pipe", "fifo", "signal", "unix_stream", ...; NULL for an unknown value. */
const char *model_mech_name(int mech);
/* Parse one mechanism name; returns the enum or -1. */
int model_mech_parse(const char *name);

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
};

/* Cumulative counters of one endpoint, as read from the BPF map. */
struct ep_obs {
	struct proc_ref proc;
	int mech;              /* M_PIPE, M_FIFO, M_UNIX_*, M_TCP, M_UDP, ... */
	int dir;               /* 0 = tx (wrote into the object), 1 = rx */
	uint64_t obj_a, obj_b; /* object identity (s_dev, i_ino) */
	uint64_t ops, bytes, blocked_ns;
	char comm[MODEL_COMM_LEN + 1]; /* comm at first use, fallback name */
	uint64_t fds, creds;   /* unix tx: fds passed (SCM_RIGHTS), SCM_CREDENTIALS sent */
};

/* Cumulative counters of signals from one sender to one target. */
#define MODEL_SIGRES 5 /* queued, ignored, already pending, overflow, lose_info */
struct sig_obs {
	struct proc_ref src;   /* pid 0: the kernel */
	struct proc_ref dst;
	int sig;
	int code;              /* si_code */
	uint64_t generated;
	uint64_t result[MODEL_SIGRES];
	char src_comm[MODEL_COMM_LEN + 1];
};

/* Cumulative deliveries of one signal number to one process. */
struct sigdel_obs {
	struct proc_ref proc;
	int sig;
	uint64_t delivered;
	uint64_t lat_count, lat_sum_ns, lat_max_ns;
	char comm[MODEL_COMM_LEN + 1];
};

struct model;

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
/* NULL if unknown.  The pointer is valid until the next call that adds a process. */
const struct model_proc *model_proc_find(const struct model *m, struct proc_ref p);

/* Cumulative observations (replace the previous values for the same key). */
void model_update_endpoint(struct model *m, const struct ep_obs *o);
void model_update_signal(struct model *m, const struct sig_obs *o);
void model_update_sigdel(struct model *m, const struct sigdel_obs *o);

/* Display name of an object, e.g. the FIFO's path.  Copied. */
void model_set_object_name(struct model *m, int mech, uint64_t obj_a, uint64_t obj_b,
			   const char *name);

/*
 * Shared memory attach periods (model_sync.c), in the order the kernel
 * reported them.  A segment is its shmem inode (dev, ino).  ATTACH adds one
 * mapping, DETACH removes one, FORK gives child every mapping of proc, GONE
 * (exec or exit) removes all of proc's.  Times are CLOCK_MONOTONIC ns.
 */
enum shm_obs_type { SHM_OBS_ATTACH = 1, SHM_OBS_DETACH, SHM_OBS_FORK, SHM_OBS_GONE };
struct shm_obs {
	int type;
	struct proc_ref proc;
	struct proc_ref child;  /* FORK */
	uint64_t ts_ns;
	uint64_t dev, ino;      /* ATTACH, DETACH */
	uint64_t size;          /* ATTACH: bytes */
	int shmid;              /* ATTACH of a SysV segment, else -1 */
	int64_t key;            /* its SysV key, -1 if not SysV */
	bool internal;          /* ATTACH: name is a bare name (memfd:x, dev/zero), not a path */
	char name[256];         /* ATTACH: path or name of the backing file */
	char comm[MODEL_COMM_LEN + 1];
};
void model_shm_event(struct model *m, const struct shm_obs *o);
/* "Now" for attach periods still open at the next snapshot (CLOCK_MONOTONIC ns). */
void model_set_clock(struct model *m, uint64_t now_ns);

/*
 * Semaphore wake-ups, cumulative per (waker, wakee, semaphore): how many of
 * wakee's blocked waits waker's operation ended, and the time wakee was
 * blocked in them.
 */
struct wake_obs {
	int mech;               /* M_SEM */
	struct proc_ref waker, wakee;
	uint64_t obj_a, obj_b;
	uint64_t wakes, blocked_ns;
	char wakee_comm[MODEL_COMM_LEN + 1];
};
void model_update_wake(struct model *m, const struct wake_obs *o);

/* Lost-event counters, cumulative, shown in every report. */
struct model_lost {
	uint64_t events;   /* ring buffer records dropped */
	uint64_t map_full; /* operations not counted because a map was full */
};
void model_set_lost(struct model *m, const struct model_lost *lost);

/* Edge filter from -p / -c: an edge is kept if either end matches. */
struct model_filter {
	const uint32_t *pids;
	int n_pids;
	const char *const *comms;
	int n_comms;
};

struct edge_end {
	uint32_t pid;
	uint64_t start_ns;
	char comm[MODEL_COMM_LEN + 1];
};

/*
 * Message queues (mq, msg), see model_mq.h: one bin of an edge's histogram
 * of priorities (mq) or mtypes (msg), or of message sizes.
 */
enum mq_bin_kind {
	MQ_BIN_TAG = 0,  /* key: priority or mtype; MODEL_MQ_TAG_UNKNOWN if not known */
	MQ_BIN_SIZE = 1, /* key: size bucket, 0 for empty, k for [2^(k-1), 2^k) bytes */
};
#define MODEL_MQ_TAG_UNKNOWN (-1LL)

struct mq_bin {
	int kind;
	int64_t key;
	uint64_t count;
};

/* The queue as a whole (every process using it), cumulative. */
struct queue_stats {
	uint64_t limit;       /* mq: mq_maxmsg; msg: q_qbytes */
	uint64_t msgsize;     /* mq: mq_msgsize */
	uint64_t samples;     /* sends/receives, each sampled the depth it found */
	uint64_t depth_sum, depth_max; /* messages queued */
	uint64_t bytes_max;   /* msg: bytes queued */
	uint64_t found_full, found_empty;
	uint64_t notifies;    /* mq_notify registrations */
	uint64_t removes;     /* mq_unlink, msgctl(IPC_RMID) */
};

struct edge {
	int mech;
	char object[300];      /* "pipe:[8425]", "/tmp/fifo", "SIGUSR1" */
	bool exact;
	struct edge_end src, dst;
	uint64_t msgs, bytes;  /* cumulative */
	uint64_t d_msgs, d_bytes; /* since the previous snapshot */
	uint64_t blocked_src_ns, blocked_dst_ns;
	/* unix sockets: what the sender passed, when this edge's alone (one receiver) */
	bool has_scm;
	uint64_t fds_passed, creds;
	/* signals only */
	int sig;
	int code;
	uint64_t sig_result[MODEL_SIGRES];
	bool has_delivery;     /* the target had a single sender of this signal */
	uint64_t delivered, lat_count, lat_sum_ns, lat_max_ns;
	/* shm only: the segment's size, and how long both ends were attached together */
	uint64_t shm_size, shm_together_ns;
	int64_t shm_key;       /* SysV key, -1 for other kinds */
	/* sem only: src's posts, dst's successful waits, the waits src's wake-ups ended */
	uint64_t sem_posts, sem_waits, sem_wakes, sem_wake_blocked_ns;
	/* mq and msg only */
	bool has_queue;        /* the queue's statistics are known */
	struct queue_stats queue;
	uint32_t bins_off, n_bins; /* snapshot->mq_bins[bins_off ..]: histograms, see model_mq.h */
};

struct snapshot {
	uint64_t seq;
	bool final;
	double elapsed_s;
	int64_t wall_sec;      /* time(NULL) at the snapshot, for "ts" */
	double interval_s;     /* elapsed_s minus the previous snapshot's: d_* span this */
	struct model_lost lost;
	struct edge *edges;    /* sorted by bytes desc, then msgs desc, then src pid */
	size_t n_edges;
	struct model_proc *procs; /* processes that are an end of some edge, by pid */
	size_t n_procs;
	struct mq_bin *mq_bins;   /* the mq/msg edges' histogram bins */
	size_t n_mq_bins;
};

/*
 * Join endpoints into edges, compute deltas against the previous snapshot,
 * apply the filter (may be NULL).  seq increments on every call.
 */
struct snapshot *model_snapshot(struct model *m, bool final, double elapsed_s, int64_t wall_sec,
				const struct model_filter *filter);
void snapshot_free(struct snapshot *s);

/*
 * Processes that exited before the latest snapshot was taken: the caller may
 * delete their BPF map entries.  Their counters stay in the model.
 * Returns the count written to out (at most max).
 */
size_t model_reapable(struct model *m, struct proc_ref *out, size_t max);
/* Mark as reaped so model_reapable() does not return them again. */
void model_mark_reaped(struct model *m, struct proc_ref p);

#endif /* IPCTRACE_MODEL_H */

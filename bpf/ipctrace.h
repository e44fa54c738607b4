/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * The contract between the BPF programs and userspace.  Included by both
 * sides, so it uses only fixed-size __u types and no other headers; every
 * struct is padded explicitly and its size is checked in user/collect.c.
 *
 * Process identity everywhere is (tgid, start_ns): start_ns is the group
 * leader's start_boottime, the clock /proc/PID/stat's starttime is derived
 * from.  pids are global (initial pid namespace) pids.
 */
#ifndef IPCTRACE_H
#define IPCTRACE_H

#define IPC_COMM_LEN 16
#define IPC_PATH_DEPTH 8   /* path components kept for a FIFO */
#define IPC_NAME_LEN 48    /* bytes kept per component */

enum ipc_mech {
	MECH_NONE = 0,
	MECH_PIPE = 1,
	MECH_FIFO = 2,
	MECH_SIGNAL = 3,
	MECH_UNIX_STREAM = 4,
	MECH_UNIX_DGRAM = 5,
	MECH_UNIX_SEQPACKET = 6,
	MECH_TCP = 7,
	MECH_UDP = 8,
	MECH_MQ = 9,
	MECH_MSG = 10,
	MECH_SHM = 11,
	MECH_SEM = 12,
	MECH_MAX,
};

/* Bits of the mech_mask rodata, one per mechanism. */
#define MECH_BIT(m) (1u << (m))

enum ipc_dir {
	DIR_TX = 0, /* bytes left this process into the object */
	DIR_RX = 1, /* bytes came out of the object into this process */
};

/* Counters in the per-CPU "stats" array; shown as "lost" when non-zero. */
enum ipc_stat {
	STAT_EP_FULL = 0,      /* endpoint map full: an operation was not counted */
	STAT_SIG_FULL,         /* signal map full */
	STAT_STASH_FULL,       /* syscall stash could not be written */
	STAT_PROC_EV_LOST,     /* process lifecycle ring buffer full */
	STAT_TRACED_FULL,      /* a descendant could not be added to the traced set */
	STAT_OBJ_FULL,         /* object name map full (FIFO shown without path) */
	STAT_MAX,
};

/*
 * One endpoint: a process's use of one object in one direction.  obj_a and
 * obj_b identify the object within its mechanism; for pipes and FIFOs they
 * are the inode's superblock s_dev (kernel encoding, major << 20) and i_ino.
 */
struct ep_key {
	__u32 tgid;
	__u8 mech;
	__u8 dir;
	__u16 pad;
	__u64 start_ns;
	__u64 obj_a;
	__u64 obj_b;
};

struct ep_val {
	__u64 ops;        /* syscalls that moved at least one byte */
	__u64 bytes;      /* bytes moved (syscall return values) */
	__u64 blocked_ns; /* sum of (exit - enter) of those syscalls */
	char comm[IPC_COMM_LEN]; /* comm when the entry was created */
};

/*
 * Display name of an object (a FIFO's path, ...): path components, leaf
 * first, relative to the root of the mount tree; or, with depth 1 and
 * raw set, one name used as it is.
 */
struct obj_key {
	__u64 obj_a;
	__u64 obj_b;
};

struct obj_name {
	__u32 depth;     /* components filled, leaf first */
	__u8 truncated;  /* 1 if the walk stopped before the root */
	__u8 mech;       /* enum ipc_mech of the object */
	__u8 raw;        /* comp[0] is the whole name, not a path component */
	__u8 pad;
	char comp[IPC_PATH_DEPTH][IPC_NAME_LEN];
};

/*
 * Signals, counted in the sender's context by signal_generate.  A sender of
 * tgid 0 means the kernel (timers, SI_KERNEL, interrupt context).
 */
struct sig_key {
	__u32 src_tgid;
	__u32 dst_tgid;
	__u64 src_start_ns;
	__u64 dst_start_ns;
	__s32 sig;
	__s32 code; /* si_code */
};

/* signal_generate's result: TRACE_SIGNAL_* in include/trace/events/signal.h */
enum sig_result {
	SIGRES_DELIVERED = 0, /* queued for delivery */
	SIGRES_IGNORED = 1,
	SIGRES_ALREADY_PENDING = 2,
	SIGRES_OVERFLOW_FAIL = 3,
	SIGRES_LOSE_INFO = 4,
	SIGRES_MAX = 5,
};

struct sig_val {
	__u64 generated;
	__u64 result[SIGRES_MAX];
	char src_comm[IPC_COMM_LEN];
};

/* Deliveries, counted in the receiver's context by signal_deliver. */
struct sigdel_key {
	__u32 tgid;
	__s32 sig;
	__u64 start_ns;
};

struct sigdel_val {
	__u64 delivered;
	__u64 lat_count;  /* deliveries whose generation time was known */
	__u64 lat_sum_ns;
	__u64 lat_max_ns;
	char comm[IPC_COMM_LEN];
};

/* Process lifecycle, sent on the "proc_events" ring buffer (low rate). */
enum proc_ev_type {
	PROC_FORK = 1,
	PROC_EXEC = 2,
	PROC_EXIT = 3,
	PROC_COMM = 4,
};

struct ipc_proc_event {
	__u32 type;
	__u32 tgid;
	__u32 ppid;      /* PROC_FORK only */
	__s32 exit_code; /* PROC_EXIT only: the wait status */
	__u64 start_ns;
	__u64 ts;        /* bpf_ktime_get_ns() */
	char comm[IPC_COMM_LEN];
};

#endif /* IPCTRACE_H */

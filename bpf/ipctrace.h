/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * The contract between the BPF programs and userspace.  Included by both
 * sides, so it uses only fixed-size __u types and no other headers; every
 * struct is padded explicitly and its size is checked in userspace where it is read.
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
	MECH_FUTEX = 13,
	MECH_MMAP = 14,   /* a regular file mapped MAP_SHARED by several processes */
	MECH_FILE = 15,   /* -m file: bytes of a regular file written by one, read by another */
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
	STAT_SHM_EV_LOST,      /* shared memory attach ring buffer full */
	STAT_SEM_OPS_CUT,      /* a semop with more operations than sem.bpf.c reads */
	STAT_VMA_BUSY,         /* a sem or futex op not counted: its memory map was locked */
	STAT_WAKES_FULL,       /* a wake-up through a pipe, socket or queue not counted: map full */
	STAT_FILE_EV_LOST,     /* -m file: a range record not sent, file_events ring buffer full */
	STAT_FILE_INODES_FULL, /* -m file: a file a traced process wrote not tracked, map full */
	STAT_MAX,
};

/* Each statistic's name in reports ("lost" by cause). */
#define STAT_NAMES { "endpoints_full", "signals_full", "stash_full", "proc_events_lost", \
		     "traced_full", "objnames_full", "shm_events_lost", "semop_ops_cut", \
		     "vma_busy", "wakes_full", "file_events_lost", "file_inodes_full" }

/* The statistics that count dropped ring buffer records; the rest are full maps. */
#define STAT_EVENT_LOSS ((1u << STAT_PROC_EV_LOST) | (1u << STAT_SHM_EV_LOST) | \
			 (1u << STAT_FILE_EV_LOST))

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
	__u64 fds;        /* unix tx: file descriptors passed (SCM_RIGHTS) */
	__u64 creds;      /* unix tx: messages carrying SCM_CREDENTIALS */
};

/*
 * --hist: log2 histogram of the blocked time of one endpoint's counted
 * calls, in the "blk_hist" hash keyed like "endpoints".  slot[i] counts the
 * calls whose blocked time dt (ns) has floor(log2(dt)) == i, dt 0 in slot
 * 0; the last slot also counts every longer call.
 */
#define IPC_HIST_SLOTS 32

struct blk_hist_val {
	__u64 slot[IPC_HIST_SLOTS];
};

/*
 * Socket objects (bpf/sock.bpf.c): the socket at which the bytes arrive.
 * unix: obj_a = SOCK_OBJ_UNIX, obj_b = the receiving socket's inode.
 * tcp: the receiving socket's own view, obj_a = local addr << 32 | remote
 * addr (IPv4, host order), obj_b = SOCK_OBJ_INET | local port << 16 |
 * remote port, plus SOCK_OBJ_V6 for ::1 (addresses then 0).
 * udp: obj_a = 0, obj_b = SOCK_OBJ_INET | SOCK_OBJ_UDP | local port of the
 * receiver.  The tags keep these keys apart from (s_dev, i_ino) keys in
 * "objnames".
 */
#define SOCK_OBJ_UNIX 0x756e697800000000ull /* "unix" */
#define SOCK_OBJ_INET 0x696e000000000000ull /* "in" */
#define SOCK_OBJ_V6 (1ull << 32)
#define SOCK_OBJ_UDP (1ull << 33)

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
	__u32 ppid;      /* PROC_FORK and PROC_EXIT: the parent's tgid */
	__s32 exit_code; /* PROC_EXIT only: the wait status */
	__u64 start_ns;
	__u64 ts;        /* bpf_ktime_get_ns() */
	char comm[IPC_COMM_LEN];
	__u32 ns_pid;    /* the process's pid in its own (innermost) pid namespace */
	__u32 pidns;     /* that namespace's inode number (/proc/PID/ns/pid) */
	/*
	 * The process's cgroup v2 id (its directory's inode number in the
	 * cgroup2 mount): the child's at fork (the parent's, unless it was
	 * cloned into another cgroup), the process's own at exec, exit and
	 * rename.  0 when unknown.
	 */
	__u64 cgroup_id;
};

/*
 * Message queues: POSIX mq (object: mqueue inode, s_dev and i_ino) and
 * SysV msg (object: ipc namespace inum and msqid).  Besides the endpoint
 * counters, every message is counted by its priority (mq) or mtype (msg)
 * and the log2 bucket of its size, per endpoint.
 */
#define MQ_TAG_UNKNOWN (-1LL) /* a receiver that did not ask for the priority */

struct mq_hist_key {
	struct ep_key ep;
	__s64 tag;         /* priority or mtype, or MQ_TAG_UNKNOWN */
	__u32 size_bucket; /* 0: empty message; k > 0: size in [2^(k-1), 2^k) */
	__u32 pad;
};

struct mq_hist_val {
	__u64 count;
	__u64 bytes;
};

/* Per-object queue statistics, in a per-CPU hash: userspace adds the CPUs up. */
struct mq_obj_key {
	__u64 obj_a;
	__u64 obj_b;
	__u8 mech;
	__u8 pad[7];
};

struct mq_obj_val {
	__u64 limit;       /* mq: mq_maxmsg; msg: q_qbytes (latest seen) */
	__u64 msgsize;     /* mq: mq_msgsize; msg: 0 */
	__u64 samples;     /* successful sends/receives, each sampled the queue at entry */
	__u64 depth_sum;   /* messages queued, summed over the samples */
	__u64 depth_max;
	__u64 bytes_max;   /* msg: q_cbytes at most; mq: 0 */
	__u64 found_full;  /* sends that found no room */
	__u64 found_empty; /* receives that found no message */
	__u64 notifies;    /* mq_notify registrations */
	__u64 removes;     /* mq_unlink / msgctl(IPC_RMID) that succeeded */
	__s64 key;         /* msg: the SysV key */
	__u64 has_key;     /* key is valid */
};

/*
 * --events: ipc_event.state[] of an mq or msg record (bpf/mq.bpf.c,
 * user/mech/mq.c).  Entry values are what the call found when it came in,
 * return values what it left; MQ_EVF_* say which were read.
 */
enum mq_ev_state {
	MQ_EV_DEPTH0,   /* messages queued at entry: mq_curmsgs, q_qnum */
	MQ_EV_DEPTH1,   /* ... at return */
	MQ_EV_LIMIT,    /* mq_maxmsg; msg: q_qbytes */
	MQ_EV_MSGSIZE,  /* mq_msgsize; msg: 0 */
	MQ_EV_TAG,      /* the priority or mtype sent or taken, or MQ_TAG_UNKNOWN */
	MQ_EV_FLAGS,    /* MQ_EVF_*; msg: the SysV key in the upper 32 bits */
	MQ_EV_CBYTES0,  /* msg: q_cbytes at entry */
	MQ_EV_CBYTES1,  /* msg: q_cbytes at return */
};

#define MQ_EVF_ENTRY 0x1   /* DEPTH0 (and CBYTES0, LIMIT) were read at entry */
#define MQ_EVF_RETURN 0x2  /* DEPTH1 (and CBYTES1, LIMIT, MSGSIZE) were read at return */
#define MQ_EVF_FULL 0x4    /* a send found no room */
#define MQ_EVF_EMPTY 0x8   /* a receive found no message */
#define MQ_EVF_KEY 0x10    /* msg: the key is known */
#define MQ_EVF_UNREG 0x20  /* mq_notify(fd, NULL): an unregistration */

/*
 * Shared memory (bpf/shm.bpf.c): attach periods, sent on the "shm_events"
 * ring buffer.  They are rare (attach, detach, and fork/exec/exit of a
 * process that holds segments), so userspace gets each one with its time
 * and computes who was attached together.  A segment is its shmem (or
 * hugetlbfs) inode: SysV segments, POSIX shm files, memfds and shared
 * anonymous mappings all have one.  Shared mappings of regular files on
 * other filesystems (the "mmap" mechanism) go the same way, keyed by their
 * inode.
 */
enum shm_ev_type {
	SHM_EV_ATTACH = 1, /* one more mapping: shmat, mmap(MAP_SHARED) */
	SHM_EV_DETACH = 2, /* one mapping less: shmdt, munmap of a whole mapping */
	SHM_EV_FORK = 3,   /* other_tgid was forked and inherits every mapping */
	SHM_EV_GONE = 4,   /* exec or exit: every mapping of tgid is gone */
	SHM_EV_MSYNC = 5,  /* a successful msync on a mapping of the file (dev, ino) */
};

enum shm_kind {
	SHM_KIND_SYSV = 1, /* shmat: shmid is valid */
	SHM_KIND_FILE = 2, /* mmap of a tmpfs/hugetlbfs file, memfd or MAP_ANONYMOUS */
	SHM_KIND_MMAP = 3, /* mmap(MAP_SHARED) of a regular file elsewhere: the "mmap" mechanism */
};

#define SHM_NAME_DEPTH 8

struct ipc_shm_event {
	__u32 type;
	__u32 tgid;
	__u64 start_ns;
	__u64 ts;            /* bpf_ktime_get_ns() */
	__u64 dev;           /* the segment's inode: s_dev (kernel encoding), i_ino */
	__u64 ino;
	__u64 size;          /* i_size at attach; SHM_KIND_MMAP: the length mapped */
	__u32 other_tgid;    /* FORK: the child */
	__s32 shmid;         /* SYSV: the id in the attacher's ipc namespace */
	__u64 other_start_ns;
	__u8 kind;           /* enum shm_kind, ATTACH only */
	__u8 depth;          /* name components filled, leaf first */
	__u8 truncated;      /* the path is longer than SHM_NAME_DEPTH components */
	__u8 internal;       /* not reachable by a path (memfd, SysV, anonymous) */
	__u8 writable;       /* ATTACH: mapped with PROT_WRITE */
	__u8 pad[3];
	char comm[IPC_COMM_LEN];
	char comp[SHM_NAME_DEPTH][IPC_NAME_LEN];
};

/*
 * The answer to ipctrace's own pidfd_open(pid) (bpf/shm.bpf.c): the
 * process's global tgid and exact start_ns, in entry 0 of "shm_ident".
 */
struct shm_ident {
	__u64 tgid;
	__u64 start_ns;
};

/*
 * File hand-off (-m file, bpf/file.bpf.h): the byte ranges of regular files
 * that processes wrote and read, sent on the "file_events" ring buffer.
 * Userspace keeps, per file, which process wrote each byte last, and turns
 * a read of bytes another traced process wrote into an edge.  A file is
 * (dev, ino) with dev the kernel's s_dev; gen is its i_generation, which
 * changes when a filesystem reuses the inode number for a new file.
 */
enum file_ev_type {
	FILE_EV_WRITE = 1, /* [off, off + len) now holds what tgid wrote (untraced: nobody known) */
	FILE_EV_READ = 2,  /* tgid read [off, off + len) */
	FILE_EV_TRUNC = 3, /* ftruncate or open(O_TRUNC): the file is now size bytes long */
};

struct ipc_file_event {
	__u8 type;         /* enum file_ev_type */
	__u8 traced;       /* 0: a write or truncation by a process outside the traced set */
	__u16 pad;
	__u32 tgid;
	__u64 start_ns;
	__u64 ts;          /* bpf_ktime_get_ns() */
	__u64 dev;
	__u64 ino;
	__u64 off;
	__u64 len;
	__u64 size;        /* i_size after the call (read after the record was reserved) */
	__u32 gen;
	__u32 nlink;       /* the file's links after the call: 0 once unlinked */
	char comm[IPC_COMM_LEN];
};

/*
 * Semaphores (bpf/sem.bpf.c).  Posts and waits are endpoints (tx = post,
 * rx = successful wait, bytes = units).  SysV: obj_a = ipc namespace inum,
 * obj_b = semid << 16 | sem_num.  POSIX: the page the sem_t lives in,
 * obj_a = s_dev << 32 | file offset (low 32 bits), obj_b = i_ino; s_dev is
 * never 0, so obj_a >> 32 tells the two apart.
 *
 * A wake-up: the waker's operation woke the wakee, which was blocked in a
 * wait on the same semaphore (sched_waking inside the waker's call); the
 * entry counts the waits so ended and the time the wakee was blocked in them.
 */
struct wake_key {
	__u32 waker_tgid;
	__u32 wakee_tgid;
	__u64 waker_start_ns;
	__u64 wakee_start_ns;
	__u64 obj_a;
	__u64 obj_b;
	__u8 mech;
	/*
	 * ipc_wakes (bpf/wake.bpf.h): 0, the waker's call gave the wakee what
	 * it waited for (data, a message); 1, it made room in a full object
	 * the wakee was blocked writing to.
	 */
	__u8 back;
	__u8 pad[6];
};

struct wake_val {
	__u64 wakes;
	__u64 blocked_ns;
	__u64 owner_died;  /* futex: of those, wakes by a robust lock's dying owner */
	char wakee_comm[IPC_COMM_LEN];
};

/*
 * Futexes (bpf/futex.bpf.c): shared futex words, keyed like a POSIX
 * semaphore (s_dev << 32 | offset, i_ino of the file the word lives in).
 * Wake-ups are wake_key/wake_val entries with mech MECH_FUTEX; each
 * process's own calls on a word are counted here.
 */
struct futex_ep_key {
	__u32 tgid;
	__u32 pad;
	__u64 start_ns;
	__u64 obj_a;
	__u64 obj_b;
};

struct futex_ep_val {
	__u64 waits;       /* waits that blocked (returned 0, ETIMEDOUT or EINTR) */
	__u64 wait_ns;     /* time spent in them */
	__u64 wake_calls;  /* wake calls (WAKE, WAKE_OP, REQUEUE, UNLOCK_PI, ...) that did not fail */
	char comm[IPC_COMM_LEN];
};

/* --events: a futex record's command, futex()'s FUTEX_* (0..13) or a futex2 call. */
enum futex_ev_cmd2 {
	FX2_WAIT = 64,
	FX2_WAKE = 65,
	FX2_WAITV = 66,
	FX2_REQUEUE = 67,
};

/*
 * --events: one record per IPC operation, on the "ipc_events" ring buffer
 * (bpf/event.bpf.h), formatted by the mechanism's module (user/mech/,
 * mech_ops.event).  Nothing is sent without --events: the programs test a
 * rodata switch the verifier folds.
 *
 * The operation, as an id; its name is the JSON "op".  X(id, name).
 */
#define IPC_EV_OPS(X) \
	X(EV_OP_NONE, "none") \
	X(EV_OP_READ, "read") X(EV_OP_READV, "readv") X(EV_OP_WRITE, "write") \
	X(EV_OP_WRITEV, "writev") X(EV_OP_SPLICE, "splice") X(EV_OP_TEE, "tee") \
	X(EV_OP_SENDFILE, "sendfile") X(EV_OP_VMSPLICE, "vmsplice") \
	X(EV_OP_SENDTO, "sendto") X(EV_OP_SENDMSG, "sendmsg") X(EV_OP_SENDMMSG, "sendmmsg") \
	X(EV_OP_RECVFROM, "recvfrom") X(EV_OP_RECVMSG, "recvmsg") X(EV_OP_RECVMMSG, "recvmmsg") \
	X(EV_OP_CONNECT, "connect") X(EV_OP_ACCEPT, "accept") \
	X(EV_OP_MQ_SEND, "mq_send") X(EV_OP_MQ_RECEIVE, "mq_receive") \
	X(EV_OP_MQ_OPEN, "mq_open") X(EV_OP_MQ_UNLINK, "mq_unlink") X(EV_OP_MQ_NOTIFY, "mq_notify") \
	X(EV_OP_MSGSND, "msgsnd") X(EV_OP_MSGRCV, "msgrcv") X(EV_OP_MSGCTL, "msgctl") \
	X(EV_OP_SEMOP, "semop") X(EV_OP_SEMCTL, "semctl") X(EV_OP_SEM_POST, "sem_post") \
	X(EV_OP_SEM_WAIT, "sem_wait") \
	X(EV_OP_FUTEX_WAIT, "futex_wait") X(EV_OP_FUTEX_WAKE, "futex_wake") \
	X(EV_OP_FUTEX_LOCK, "futex_lock") X(EV_OP_FUTEX_UNLOCK, "futex_unlock") \
	X(EV_OP_FUTEX_REQUEUE, "futex_requeue") \
	X(EV_OP_SIGNAL, "signal") X(EV_OP_DELIVER, "deliver") X(EV_OP_SIGWAIT, "sigwait") \
	X(EV_OP_ATTACH, "attach") X(EV_OP_DETACH, "detach") X(EV_OP_MSYNC, "msync") \
	X(EV_OP_FORK, "fork") X(EV_OP_EXEC, "exec") X(EV_OP_EXIT, "exit") \
	X(EV_OP_OPEN, "open") X(EV_OP_UNLINK, "unlink")

#define IPC_EV_OP_ID(id, name) id,
enum ipc_ev_op { IPC_EV_OPS(IPC_EV_OP_ID) EV_OP_MAX };
#undef IPC_EV_OP_ID

#define IPC_EV_WOKE 4   /* tasks named per event (n_woke counts them all) */
#define IPC_EV_STATE 8  /* kernel state values, their meaning the module's */

/* ipc_event.flags */
#define EV_F_SLEPT 0x1  /* the call slept (blocked_ns is its time in the call) */
#define EV_F_PEER 0x2   /* peer_* name the other end (a signal's target, ...) */

struct ipc_event {
	__u64 ts_ns;        /* the operation's end (bpf_ktime_get_ns: CLOCK_MONOTONIC) */
	__u64 start_ns;     /* the process's identity, with pid */
	__u64 obj_a;        /* the object, keyed as the mechanism's endpoints */
	__u64 obj_b;
	__s64 ret;          /* the call's result, or -errno */
	__u64 bytes;        /* what the call asked for (a count, a length); 0 if nothing */
	__u64 blocked_ns;   /* EV_F_SLEPT: from entry to return */
	__s64 state[IPC_EV_STATE];
	__u64 peer_start_ns;
	__u32 pid;          /* tgid */
	__u32 tid;
	__u32 peer_pid;     /* EV_F_PEER */
	__u32 woke_pid[IPC_EV_WOKE];
	__u16 op;           /* enum ipc_ev_op */
	__u8 mech;          /* enum ipc_mech */
	__u8 flags;
	__u8 n_woke;        /* tasks woken while in the call (first IPC_EV_WOKE named) */
	__u8 dir;           /* enum ipc_dir, where the op has one */
	__u8 pad[6];
	char comm[IPC_COMM_LEN];
	char peer_comm[IPC_COMM_LEN];
	char woke_comm[IPC_EV_WOKE][IPC_COMM_LEN];
};

#endif /* IPCTRACE_H */

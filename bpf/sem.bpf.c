// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * Semaphores: SysV (semop, semtimedop, semctl SETVAL/SETALL) and POSIX
 * (uprobes on libc's sem_post, sem_wait, sem_timedwait, sem_clockwait,
 * sem_trywait, sem_open; the loader attaches them).
 *
 * Every successful post and wait is an endpoint (tx = post, rx = wait,
 * bytes = units).  Who woke whom comes from sched_waking, which runs in the
 * waker's context and names the wakee: when the waker is inside a post and
 * the wakee is blocked in a wait on the same semaphore, the wake-up is
 * remembered in the wakee's stash, and counted when its wait returns with
 * success, together with the time it was blocked.
 *
 * POSIX semaphores are futexes in shared memory, so a semaphore is the page
 * it lives in (inode + offset, via bpf_find_vma): two processes that map it
 * at different addresses meet.  A sem_t in private memory is thread-only
 * and is not IPC: it is left out.  Uncontended sem_post/sem_wait never
 * enter the kernel, hence uprobes rather than the futex syscall, which
 * would also mix semaphores up with every other shared futex.
 */
#include "common.bpf.h"
#include "word.bpf.h"
#include "sem_stash.bpf.h"
#include "event.bpf.h"
#include "ipc_ids.bpf.h"
#include "wake.bpf.h"

#define SEM_NUM_BITS 16      /* obj_b = semid << 16 | sem_num (SEMMSL <= 32000) */
#define SETVAL 16
#define SETALL 17
#define IPC_64 0x0100
#define EAGAIN 11
#define EOVERFLOW 75

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 16384);
	__type(key, struct wake_key);
	__type(value, struct wake_val);
} sem_wakes SEC(".maps");

/* sem_open's name argument, from entry to return. */
struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, 4096);
	__type(key, __u32);
	__type(value, __u64);
} sem_open_stash SEC(".maps");

/* What a new stash entry starts as. */
static const struct sem_stash sem_stash_zero;

/*
 * A zeroed stash entry for tid, to fill in place.  Never built in a per-CPU
 * buffer first: uprobe programs run preemptible (migration disabled only),
 * and another program on the same CPU would write the same buffer.  The
 * flags that sched_waking looks at are set last, by stash_arm().
 */
static __always_inline struct sem_stash *stash_new(__u32 tid)
{
	struct sem_stash *st = NULL;

	if (!bpf_map_update_elem(&sem_stash, &tid, &sem_stash_zero, BPF_ANY))
		st = bpf_map_lookup_elem(&sem_stash, &tid);
	if (!st)
		stat_inc(STAT_STASH_FULL);
	return st;
}

static __always_inline void stash_arm(struct sem_stash *st, bool posting, bool waiting)
{
	st->waiting = waiting;
	st->posting = posting;
	if (posting)
		__sync_fetch_and_add(&sem_posting, 1);
}

static __always_inline void stash_drop(__u32 tid, const struct sem_stash *st)
{
	if (st->posting && sem_posting)
		__sync_fetch_and_add(&sem_posting, -1);
	if ((st->call == SEMC_PPOST || st->call == SEMC_PWAIT) && psem_active)
		__sync_fetch_and_add(&psem_active, -1);
	bpf_map_delete_elem(&sem_stash, &tid);
}

/* Count one ended wait on the (waker -> me) edge; I am current. */
static __always_inline void wake_account(const struct sem_stash *st, __u64 obj_a, __u64 obj_b,
					 __u64 dt)
{
	struct wake_key k = {
		.waker_tgid = st->waker_tgid,
		.wakee_tgid = st->tgid,
		.waker_start_ns = st->waker_start_ns,
		.wakee_start_ns = st->start_ns,
		.obj_a = obj_a,
		.obj_b = obj_b,
		.mech = MECH_SEM,
	};
	struct wake_val *v = bpf_map_lookup_elem(&sem_wakes, &k);

	if (!v) {
		struct wake_val init = {};

		bpf_get_current_comm(init.wakee_comm, sizeof(init.wakee_comm));
		bpf_map_update_elem(&sem_wakes, &k, &init, BPF_NOEXIST);
		v = bpf_map_lookup_elem(&sem_wakes, &k);
		if (!v) {
			stat_inc(STAT_EP_FULL);
			return;
		}
	}
	__sync_fetch_and_add(&v->wakes, 1);
	__sync_fetch_and_add(&v->blocked_ns, dt);
}

static __always_inline __u64 ipc_ns_inum(void)
{
	struct task_struct *task = (struct task_struct *)bpf_get_current_task();

	return BPF_CORE_READ(task, nsproxy, ipc_ns, ns.inum);
}

/* ---- SysV ---- */

/* State of the loops over a semop's sembufs (bpf_loop: verified once). */
struct sops_loop {
	struct sem_stash *st;
	const struct sembuf_u *usops;
	struct ep_key key;
	__u64 dt;
	int post_idx, wait_idx, zero_idx;
	int fault;
};

static long sops_read_cb(__u32 i, void *data)
{
	struct sops_loop *l = data;
	struct sembuf_u *sb;

	if (i >= SEM_SOPS_MAX)
		return 1;
	sb = &l->st->sops[i];
	if (bpf_probe_read_user(sb, sizeof(*sb), &l->usops[i])) {
		l->fault = 1; /* the kernel will fail the call with EFAULT too */
		return 1;
	}
	if (sb->sem_op > 0 && l->post_idx < 0)
		l->post_idx = i;
	else if (sb->sem_op < 0 && l->wait_idx < 0)
		l->wait_idx = i;
	else if (sb->sem_op == 0 && l->zero_idx < 0)
		l->zero_idx = i;
	return 0;
}

static long sops_account_cb(__u32 i, void *data)
{
	struct sops_loop *l = data;
	const struct sembuf_u *sb;
	__s64 op;

	if (i >= SEM_SOPS_MAX)
		return 1;
	sb = &l->st->sops[i];
	op = sb->sem_op;
	if (!op)
		return 0;
	l->key.dir = op > 0 ? DIR_TX : DIR_RX;
	l->key.obj_b = l->st->match_b << SEM_NUM_BITS | sb->sem_num;
	ep_account(&l->key, op > 0 ? op : -op, i == l->st->charge ? l->dt : 0);
	return 0;
}

/* ---- --events (event.bpf.h): the semaphore's value, read where the kernel keeps it ---- */

/*
 * semval of semaphore num of the set semid in the current ipc namespace
 * (sem_array.sems[num].semval, read without the lock: the value at about
 * the call's return), and the set's size in *nsems; -1 if the set is gone.
 */
static __always_inline __s64 sem_value(int semid, __u32 num, __s64 *nsems)
{
	struct task_struct *task = (struct task_struct *)bpf_get_current_task();
	struct ipc_namespace *ns = BPF_CORE_READ(task, nsproxy, ipc_ns);
	struct kern_ipc_perm *perm;
	struct sem_array *sma;
	int val = -1;

	perm = ipc_find(&ns->ids[IPC_SEM_IDS], semid);
	if (!perm)
		return -1;
	if (BPF_CORE_READ(perm, deleted))
		return -1;
	sma = (void *)perm - bpf_core_field_offset(struct sem_array, sem_perm);
	*nsems = BPF_CORE_READ(sma, sem_nsems);
	if (num >= *nsems)
		return -1;
	/* sems[] is a flexible array of a struct whose size CO-RE knows, not the compiler */
	if (bpf_probe_read_kernel(&val, sizeof(val),
				  (void *)sma + bpf_core_field_offset(struct sem_array, sems) +
				  num * bpf_core_type_size(struct sem) +
				  bpf_core_field_offset(struct sem, semval)))
		return -1;
	return val;
}

/* Entry of a traced call: what the record needs at exit, and arm the woke list. */
static __always_inline void sem_ev_enter(struct sem_stash *st, __u32 nsops)
{
	if (!want_events)
		return;
	st->ev_nsops = nsops;
	st->ev_nvcsw = current_nvcsw();
	ev_begin(st->ts);
}

/*
 * A semop's record, on its first sembuf's semaphore (the edge's object):
 * state[] = its value after the call (-1: the set is gone), sem_num,
 * sem_op, nsops, sem_flg, the set's size, the pid of the poster that woke
 * this call (0: none seen).  semctl SETVAL/SETALL: the value of sem_num,
 * cmd in state[2].
 */
static __always_inline void sysv_ev_emit(const struct sem_stash *st, long ret)
{
	const struct sembuf_u *sb = &st->sops[0];
	struct ipc_event *e;
	__s64 nsems = 0;
	bool semctl = st->call == SEMC_SEMCTL;

	e = ev_reserve(MECH_SEM, semctl ? EV_OP_SEMCTL : EV_OP_SEMOP, st->start_ns);
	if (!e)
		return;
	e->obj_a = st->match_a;
	e->obj_b = st->match_b << SEM_NUM_BITS | sb->sem_num;
	e->ret = ret;
	e->bytes = semctl ? 0 : sb->sem_op < 0 ? -sb->sem_op : sb->sem_op;
	e->dir = sb->sem_op > 0 || semctl ? DIR_TX : DIR_RX;
	ev_blocked(e, st->ts, slept_since(st->ev_nvcsw));
	e->state[0] = sem_value(st->match_b, sb->sem_num, &nsems);
	e->state[1] = sb->sem_num;
	e->state[2] = semctl ? st->ev_cmd : sb->sem_op;
	e->state[3] = st->ev_nsops;
	e->state[4] = sb->sem_flg;
	e->state[5] = nsems;
	e->state[6] = st->waker_tgid;
	ev_submit(e);
}

static __always_inline int sysv_semop_enter(int semid, const struct sembuf_u *usops,
					    unsigned int nsops)
{
	__u64 id = bpf_get_current_pid_tgid();
	struct sops_loop l = { .usops = usops, .post_idx = -1, .wait_idx = -1, .zero_idx = -1 };
	unsigned int nsops_asked = nsops;
	__u32 tid = (__u32)id;
	struct sem_stash *st;
	int wait_idx;

	if (bench_noop || !tgid_wanted(id >> 32) || semid < 0 || !nsops)
		return 0;
	st = stash_new((__u32)id);
	if (!st)
		return 0;
	if (nsops > SEM_SOPS_MAX) {
		stat_inc(STAT_SEM_OPS_CUT);
		nsops = SEM_SOPS_MAX;
	}
	l.st = st;
	bpf_loop(nsops, sops_read_cb, &l, 0);
	if (l.fault) {
		bpf_map_delete_elem(&sem_stash, &tid);
		return 0;
	}
	st->nsops = nsops;
	st->call = SEMC_SEMOP;
	wait_idx = l.wait_idx >= 0 ? l.wait_idx : l.zero_idx;
	st->wait_num = wait_idx >= 0 ? st->sops[wait_idx & (SEM_SOPS_MAX - 1)].sem_num : 0;
	/* Time inside the call goes to the decrement if there is one, else the first post. */
	st->charge = l.wait_idx >= 0 ? l.wait_idx : (l.post_idx >= 0 ? l.post_idx : 0);
	st->tgid = id >> 32;
	st->start_ns = current_start_ns();
	st->match_a = ipc_ns_inum();
	st->match_b = semid;
	st->ts = bpf_ktime_get_ns();
	sem_ev_enter(st, nsops_asked);
	/* A decrement can wake a wait-for-zero: any non-zero op may wake. */
	stash_arm(st, l.post_idx >= 0 || l.wait_idx >= 0, l.wait_idx >= 0 || l.zero_idx >= 0);
	return 0;
}

static __always_inline int sysv_exit(long ret)
{
	__u32 tid = (__u32)bpf_get_current_pid_tgid();
	struct sem_stash *st = bpf_map_lookup_elem(&sem_stash, &tid);
	struct sops_loop l = {};

	if (!st)
		return 0;
	if (st->call == SEMC_SEMOP && ret == 0) {
		l.st = st;
		l.dt = bpf_ktime_get_ns() - st->ts;
		l.key.tgid = st->tgid;
		l.key.start_ns = st->start_ns;
		l.key.mech = MECH_SEM;
		l.key.obj_a = st->match_a;
		bpf_loop(st->nsops, sops_account_cb, &l, 0);
		if (st->waker_tgid)
			wake_account(st, st->match_a, st->match_b << SEM_NUM_BITS | st->wait_num, l.dt);
	}
	if (want_events && st->call != SEMC_PPOST && st->call != SEMC_PWAIT)
		sysv_ev_emit(st, ret);
	stash_drop(tid, st);
	return 0;
}

/* semop(semid, tsops, nsops) */
SEC("tracepoint/syscalls/sys_enter_semop")
int sem_enter_semop(struct trace_event_raw_sys_enter *ctx)
{
	int semid = ctx->args[0];
	const struct sembuf_u *sops = (const void *)ctx->args[1];
	unsigned int nsops = ctx->args[2];

	return sysv_semop_enter(semid, sops, nsops);
}

/* semtimedop(semid, tsops, nsops, timeout): glibc's semop() lands here */
SEC("tracepoint/syscalls/sys_enter_semtimedop")
int sem_enter_semtimedop(struct trace_event_raw_sys_enter *ctx)
{
	int semid = ctx->args[0];
	const struct sembuf_u *sops = (const void *)ctx->args[1];
	unsigned int nsops = ctx->args[2];

	return sysv_semop_enter(semid, sops, nsops);
}

SEC("tracepoint/syscalls/sys_exit_semop")
int sem_exit_semop(struct trace_event_raw_sys_exit *ctx)
{
	return sysv_exit(ctx->ret);
}

SEC("tracepoint/syscalls/sys_exit_semtimedop")
int sem_exit_semtimedop(struct trace_event_raw_sys_exit *ctx)
{
	return sysv_exit(ctx->ret);
}

/*
 * semctl(semid, semnum, cmd, arg): SETVAL and SETALL wake the waiters they
 * satisfy; only remembered for the duration of the call, so that
 * sched_waking can name the setter as the waker.
 */
SEC("tracepoint/syscalls/sys_enter_semctl")
int sem_enter_semctl(struct trace_event_raw_sys_enter *ctx)
{
	__u64 id = bpf_get_current_pid_tgid();
	int semid = ctx->args[0], cmd = ctx->args[2] & ~IPC_64;
	struct sem_stash *st;

	if (bench_noop || (cmd != SETVAL && cmd != SETALL) || semid < 0 || !tgid_wanted(id >> 32))
		return 0;
	st = stash_new((__u32)id);
	if (!st)
		return 0;
	st->call = SEMC_SEMCTL;
	st->tgid = id >> 32;
	st->start_ns = current_start_ns();
	st->match_a = ipc_ns_inum();
	st->match_b = semid;
	st->ts = bpf_ktime_get_ns();
	if (want_events) {
		/* SETALL: the record shows semaphore 0 */
		st->sops[0].sem_num = cmd == SETVAL ? ctx->args[1] : 0;
		st->ev_cmd = cmd;
		sem_ev_enter(st, 0);
	}
	stash_arm(st, true, false);
	return 0;
}

SEC("tracepoint/syscalls/sys_exit_semctl")
int sem_exit_semctl(struct trace_event_raw_sys_exit *ctx)
{
	return sysv_exit(ctx->ret);
}

/* ---- POSIX ---- */

static __always_inline int psem_enter(__u64 addr, __u8 call)
{
	__u64 id = bpf_get_current_pid_tgid();
	__u32 tid = (__u32)id;
	struct sem_stash *st;
	struct word_key k;

	if (bench_noop || !tgid_wanted(id >> 32))
		return 0;
	if (!word_key_of(addr, current_start_ns(), &k))
		return 0;
	st = bpf_map_lookup_elem(&sem_stash, &tid);
	/* One libc sem function calling another on the same semaphore. */
	if (st && (st->call == SEMC_PPOST || st->call == SEMC_PWAIT) && st->match_a == k.obj_a &&
	    st->match_b == k.obj_b) {
		st->depth++;
		return 0;
	}
	st = stash_new(tid);
	if (!st)
		return 0;
	st->call = call;
	__sync_fetch_and_add(&psem_active, 1);
	st->tgid = id >> 32;
	st->start_ns = current_start_ns();
	st->match_a = k.obj_a;
	st->match_b = k.obj_b;
	st->ts = bpf_ktime_get_ns();
	if (want_events) {
		st->ev_uaddr = addr;
		sem_ev_enter(st, 0);
	}
	stash_arm(st, call == SEMC_PPOST, call == SEMC_PWAIT);
	return 0;
}

/*
 * A sem_post's or a wait's record: state[] = the value after the call and
 * the waiters glibc counts (its new_sem with 64-bit atomics: value in the
 * low 32 bits of the first word, waiters in the high 32; -1: not
 * readable), the pid of the poster that woke this wait (0: none seen).
 * The C library's -1 becomes -errno: the error the wait's futex call
 * returned, else the one failure with no system call (sem_trywait's
 * EAGAIN; sem_post's EOVERFLOW).
 */
static __always_inline void psem_ev_emit(const struct sem_stash *st, int ret)
{
	bool post = st->call == SEMC_PPOST;
	struct ipc_event *e;
	__u64 word;

	e = ev_reserve(MECH_SEM, post ? EV_OP_SEM_POST : EV_OP_SEM_WAIT, st->start_ns);
	if (!e)
		return;
	e->obj_a = st->match_a;
	e->obj_b = st->match_b;
	e->ret = !ret ? 0 : st->ev_errno ? -(__s64)st->ev_errno : post ? -EOVERFLOW : -EAGAIN;
	e->bytes = 1;
	e->dir = post ? DIR_TX : DIR_RX;
	ev_blocked(e, st->ts, slept_since(st->ev_nvcsw));
	if (!bpf_probe_read_user(&word, sizeof(word), (void *)st->ev_uaddr)) {
		e->state[0] = (__u32)word;
		e->state[1] = word >> 32;
	} else {
		e->state[0] = e->state[1] = -1;
	}
	e->state[6] = st->waker_tgid;
	ev_submit(e);
}

static __always_inline int psem_exit(long ret)
{
	__u32 tid = (__u32)bpf_get_current_pid_tgid();
	struct sem_stash *st = bpf_map_lookup_elem(&sem_stash, &tid);
	struct ep_key key = {};
	__u64 dt;

	if (!st || (st->call != SEMC_PPOST && st->call != SEMC_PWAIT))
		return 0;
	if (st->depth) {
		st->depth--;
		return 0;
	}
	if ((int)ret == 0) {
		dt = bpf_ktime_get_ns() - st->ts;
		key.tgid = st->tgid;
		key.start_ns = st->start_ns;
		key.mech = MECH_SEM;
		key.dir = st->call == SEMC_PPOST ? DIR_TX : DIR_RX;
		key.obj_a = st->match_a;
		key.obj_b = st->match_b;
		ep_account(&key, 1, dt);
		if (st->call == SEMC_PWAIT && st->waker_tgid)
			wake_account(st, st->match_a, st->match_b, dt);
	}
	if (want_events)
		psem_ev_emit(st, ret);
	stash_drop(tid, st);
	return 0;
}

SEC("uprobe")
int BPF_KPROBE(sem_post_enter, void *sem)
{
	return psem_enter((__u64)sem, SEMC_PPOST);
}

SEC("uretprobe")
int BPF_KRETPROBE(sem_post_ret, int ret)
{
	return psem_exit(ret);
}

/* Attached to sem_wait, sem_timedwait, sem_clockwait and sem_trywait. */
SEC("uprobe")
int BPF_KPROBE(sem_wait_enter, void *sem)
{
	return psem_enter((__u64)sem, SEMC_PWAIT);
}

SEC("uretprobe")
int BPF_KRETPROBE(sem_wait_ret, int ret)
{
	return psem_exit(ret);
}

/*
 * --events only (the loader loads ev_* programs with it): the error a
 * traced wait's futex call returned, which the C library makes its errno.
 * EAGAIN (the word changed) only makes it look again.
 */
SEC("tracepoint/syscalls/sys_exit_futex")
int ev_psem_futex_exit(struct trace_event_raw_sys_exit *ctx)
{
	__u32 tid = (__u32)bpf_get_current_pid_tgid();
	struct sem_stash *st;

	if (!want_events || !psem_active || ctx->ret >= 0 || ctx->ret == -EAGAIN)
		return 0;
	st = bpf_map_lookup_elem(&sem_stash, &tid);
	if (st && st->call == SEMC_PWAIT)
		st->ev_errno = -ctx->ret;
	return 0;
}

/* sem_open(name, oflag, ...): the name, for "psem:/name". */
SEC("uprobe")
int BPF_KPROBE(sem_open_enter, const char *name)
{
	__u64 id = bpf_get_current_pid_tgid();
	__u32 tid = (__u32)id;
	__u64 p = (__u64)name;

	if (bench_noop || !tgid_wanted(id >> 32))
		return 0;
	bpf_map_update_elem(&sem_open_stash, &tid, &p, BPF_ANY);
	return 0;
}

SEC("uretprobe")
int BPF_KRETPROBE(sem_open_ret, void *sem)
{
	__u32 tid = (__u32)bpf_get_current_pid_tgid();
	__u64 *pname = bpf_map_lookup_elem(&sem_open_stash, &tid);
	const char *name;
	/* on the stack, not a per-CPU buffer: this program can be preempted */
	struct obj_name n = {};
	struct obj_key ok;
	struct word_key k;
	char c = 0;

	if (!pname)
		return 0;
	name = (const char *)*pname;
	bpf_map_delete_elem(&sem_open_stash, &tid);
	/* SEM_FAILED is 0 */
	if (!sem || !word_key_of((__u64)sem, current_start_ns(), &k))
		return 0;
	/* glibc skips leading slashes: "/x" and "x" are the same semaphore */
	for (int i = 0; i < 4; i++) {
		if (bpf_probe_read_user(&c, 1, name) || c != '/')
			break;
		name++;
	}
	__builtin_memcpy(n.comp[0], "psem:/", 6);
	if (bpf_probe_read_user_str(n.comp[0] + 6, IPC_NAME_LEN - 6, name) < 0)
		return 0;
	n.depth = 1;
	n.raw = 1;
	n.mech = MECH_SEM;
	ok.obj_a = k.obj_a;
	ok.obj_b = k.obj_b;
	/* The latest sem_open names it: the same file may have been renamed. */
	if (bpf_map_update_elem(&objnames, &ok, &n, BPF_ANY))
		stat_inc(STAT_OBJ_FULL);
	return 0;
}

char LICENSE[] SEC("license") = "Dual BSD/GPL";

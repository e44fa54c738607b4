// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * Futexes shared between processes: who released whom.  Process-shared
 * pthread mutexes and condition variables, robust mutexes, and semaphores
 * the libc uprobes cannot see (static binaries, other C libraries) are all
 * futex words in shared memory underneath.
 *
 * A word is the page it lives in (inode + offset, word.bpf.h), as the
 * kernel's own futex key: two processes mapping it at different addresses
 * meet.  FUTEX_PRIVATE_FLAG (FUTEX2_PRIVATE) calls are one process's
 * threads and are dropped before any map access; a word in private memory
 * is dropped once its mapping is seen.
 *
 * Who woke whom comes from sched_waking, in the waker's context, as for
 * semaphores: a wake-up inside a wake call (WAKE, WAKE_BITSET, WAKE_OP,
 * REQUEUE, CMP_REQUEUE, UNLOCK_PI, CMP_REQUEUE_PI, futex_wake,
 * futex_requeue) of a task of another process leaves the waker and its
 * words in futex_woken, under the wakee's tid.  When the wakee's wait
 * (WAIT, WAIT_BITSET, LOCK_PI, LOCK_PI2, WAIT_REQUEUE_PI, futex_wait,
 * futex_waitv) returns 0, it takes that record if it was left during the
 * wait and names a word it waited on: a wake-up counted.  A waiter requeued
 * to another word is matched through futex_requeued.  A robust lock's owner
 * that dies wakes a waiter from do_exit(), outside any futex call: a waking
 * task that is exiting is taken as such an owner, and the wake counts as
 * owner_died when the word says FUTEX_OWNER_DIED.
 *
 * Each call costs its thread a stash: task storage where the kernel allows
 * it (no hashing, no delete), else an LRU hash by tid.
 *
 * Uncontended lock and unlock never enter the kernel: not seen, not counted.
 */
#include "common.bpf.h"
#include "word.bpf.h"
#include "path.bpf.h"
#include "sem_stash.bpf.h"
#include "event.bpf.h"
#include "wake.bpf.h"
#include "futex_stash.bpf.h"

#define FUTEX_WAIT 0
#define FUTEX_WAKE 1
#define FUTEX_REQUEUE 3
#define FUTEX_CMP_REQUEUE 4
#define FUTEX_WAKE_OP 5
#define FUTEX_LOCK_PI 6
#define FUTEX_UNLOCK_PI 7
#define FUTEX_WAIT_BITSET 9
#define FUTEX_WAKE_BITSET 10
#define FUTEX_WAIT_REQUEUE_PI 11
#define FUTEX_CMP_REQUEUE_PI 12
#define FUTEX_LOCK_PI2 13
#define FUTEX_PRIVATE_FLAG 128
#define FUTEX_CMD_MASK 127       /* without PRIVATE (128) and CLOCK_REALTIME (256) */
#define FUTEX2_PRIVATE 128
#define FUTEX_OWNER_DIED 0x40000000
#define FUTEX_WAITV_MAX 128
#define MAX_ERRNO 4095
#define EINTR 4
#define ETIMEDOUT 110
#define ERESTARTSYS 512
#define ERESTART_RESTARTBLOCK 516

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 16384);
	__type(key, struct futex_ep_key);
	__type(value, struct futex_ep_val);
} futex_eps SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 16384);
	__type(key, struct wake_key);
	__type(value, struct wake_val);
} futex_wakes SEC(".maps");

/* A requeue moved waiters of word key -> the word in the value. */
struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, 4096);
	__type(key, struct obj_key);
	__type(value, struct obj_key);
} futex_requeued SEC(".maps");

static const struct futex_stash futex_stash_zero;

/* The file a word lives in, by name: its path, or what the kernel calls it. */
static __always_inline void futex_record_name(struct file *file, __u64 obj_a, __u64 obj_b)
{
	struct obj_key ok = { .obj_a = obj_a & ~0xffffffffull, .obj_b = obj_b };
	struct mount *mnt;
	struct obj_name *n;
	unsigned long ns;
	char pfx[8] = {};
	const unsigned char *dname;

	if (bpf_map_lookup_elem(&objnames, &ok))
		return;
	mnt = (void *)BPF_CORE_READ(file, f_path.mnt) - bpf_core_field_offset(struct mount, mnt);
	ns = (unsigned long)BPF_CORE_READ(mnt, mnt_ns);
	/* A file a process can open by path is on a mount in a namespace. */
	if (ns && ns < (unsigned long)-MAX_ERRNO) {
		path_record_name(file, &ok, MECH_FUTEX);
		return;
	}
	/* The kernel's own shm mount: SysV ("SYSV%08x"), memfd ("memfd:NAME"), "dev/zero" */
	if (bpf_map_update_elem(&objnames, &ok, &path_empty_futex, BPF_NOEXIST))
		return;
	n = bpf_map_lookup_elem(&objnames, &ok);
	if (!n)
		return;
	dname = BPF_CORE_READ(file, f_path.dentry, d_name.name);
	bpf_probe_read_kernel(pfx, sizeof(pfx), dname);
	if (pfx[0] == 'S' && pfx[1] == 'Y' && pfx[2] == 'S' && pfx[3] == 'V') {
		struct shm_file_data *sfd = BPF_CORE_READ(file, private_data);
		int id = BPF_CORE_READ(sfd, id);

		BPF_SNPRINTF(n->comp[0], IPC_NAME_LEN, "shm:%d", id);
	} else if (pfx[0] == 'm' && pfx[1] == 'e' && pfx[2] == 'm' && pfx[3] == 'f' &&
		   pfx[4] == 'd' && pfx[5] == ':') {
		bpf_probe_read_kernel_str(n->comp[0], IPC_NAME_LEN, dname);
	} else {
		BPF_SNPRINTF(n->comp[0], IPC_NAME_LEN, "anon[%llu]", obj_b);
	}
	n->raw = 1;
	n->depth = 1;
	n->truncated = 0;
}

/* Key slot i of st for the word at uaddr; false if private (or unknowable). */
static __always_inline bool futex_add_word(struct futex_stash *st, __u64 uaddr)
{
	struct word_key k;
	__u8 i = st->nkeys;

	if (i >= FX_KEYS || !word_key_of(uaddr, st->start_ns, &k))
		return false;
	/* keep the mask: the compiler would drop it, knowing i < FX_KEYS */
	barrier_var(i);
	st->a[i & (FX_KEYS - 1)] = k.obj_a;
	st->b[i & (FX_KEYS - 1)] = k.obj_b;
	st->nkeys = i + 1;
	if (k.file)
		futex_record_name(k.file, k.obj_a, k.obj_b);
	return true;
}

/*
 * The thread's stash for a call, zeroed, if the call is to be traced: not
 * ipctrace's, not inside a traced sem_post/sem_wait (that semaphore is a
 * sem edge already).  The counters sched_waking looks at are set by
 * futex_arm() once the words are known.
 */
static __always_inline struct futex_stash *futex_begin(__u64 id, __u8 call)
{
	__u32 tid = (__u32)id;
	struct futex_stash *st;

	if (bench_noop || !tgid_wanted(id >> 32))
		return NULL;
	if (mech_wanted(MECH_SEM) && psem_active) {
		struct sem_stash *sem = bpf_map_lookup_elem(&sem_stash, &tid);

		if (sem && (sem->call == SEMC_PPOST || sem->call == SEMC_PWAIT))
			return NULL;
	}
	if (fast_task) {
		st = bpf_task_storage_get(&futex_tstash, bpf_get_current_task_btf(), 0,
					  BPF_LOCAL_STORAGE_GET_F_CREATE);
	} else {
		st = NULL;
		if (!bpf_map_update_elem(&futex_stash, &tid, &futex_stash_zero, BPF_ANY))
			st = bpf_map_lookup_elem(&futex_stash, &tid);
	}
	if (!st) {
		stat_inc(STAT_STASH_FULL);
		return NULL;
	}
	st->ts = 0;
	st->nkeys = 0;
	st->wake_keys = 0;
	st->call = call;
	st->tgid = id >> 32;
	st->start_ns = current_start_ns();
	return st;
}

/* The call is over (or not traced). */
static __always_inline void futex_done(__u32 tid, struct futex_stash *st)
{
	if (fast_task)
		st->ts = 0; /* the storage lives as long as the thread */
	else
		bpf_map_delete_elem(&futex_stash, &tid);
}

/* Words known: start the clock and let sched_waking see the call; or drop it. */
static __always_inline int futex_arm(__u64 id, struct futex_stash *st)
{
	if (!st->nkeys) {
		futex_done((__u32)id, st);
		return 0;
	}
	st->ts = bpf_ktime_get_ns();
	if (want_events) {
		st->ev_nvcsw = current_nvcsw();
		ev_begin(st->ts);
	}
	if (st->call == FX_WAKE)
		__sync_fetch_and_add(&futex_posting, 1);
	else
		__sync_fetch_and_add(&futex_waiting, 1);
	return 0;
}

/* A process's own counters on a word. */
static __always_inline struct futex_ep_val *futex_ep(const struct futex_stash *st, __u64 a,
						     __u64 b)
{
	struct futex_ep_key k = { .tgid = st->tgid, .start_ns = st->start_ns, .obj_a = a,
				  .obj_b = b };
	struct futex_ep_val *v = bpf_map_lookup_elem(&futex_eps, &k);

	if (!v) {
		struct futex_ep_val init = {};

		bpf_get_current_comm(init.comm, sizeof(init.comm));
		bpf_map_update_elem(&futex_eps, &k, &init, BPF_NOEXIST);
		v = bpf_map_lookup_elem(&futex_eps, &k);
		if (!v)
			stat_inc(STAT_EP_FULL);
	}
	return v;
}

/* One wait of mine on word (a, b) that r's waker ended; I am current. */
static __always_inline void futex_wake_account(const struct futex_stash *st,
					       const struct futex_woken *r, __u64 a, __u64 b,
					       __u64 dt, bool owner_died)
{
	struct wake_key k = {
		.waker_tgid = r->waker_tgid,
		.wakee_tgid = st->tgid,
		.waker_start_ns = r->waker_start_ns,
		.wakee_start_ns = st->start_ns,
		.obj_a = a,
		.obj_b = b,
		.mech = MECH_FUTEX,
	};
	struct wake_val *v = bpf_map_lookup_elem(&futex_wakes, &k);

	if (!v) {
		struct wake_val init = {};

		bpf_get_current_comm(init.wakee_comm, sizeof(init.wakee_comm));
		bpf_map_update_elem(&futex_wakes, &k, &init, BPF_NOEXIST);
		v = bpf_map_lookup_elem(&futex_wakes, &k);
		if (!v) {
			stat_inc(STAT_EP_FULL);
			return;
		}
	}
	__sync_fetch_and_add(&v->wakes, 1);
	__sync_fetch_and_add(&v->blocked_ns, dt);
	if (owner_died)
		__sync_fetch_and_add(&v->owner_died, 1);
}

/*
 * Did r's waker wake a word st waits on?  The word in *wa, *wb: the
 * waker's, which for a requeued wait is the target it was moved to.
 */
static __always_inline bool futex_match(const struct futex_stash *st,
					const struct futex_woken *r, __u64 *wa, __u64 *wb)
{
	struct obj_key from, *to;

	for (int i = 0; i < FX_KEYS; i++) {
		if (i >= st->nkeys)
			break;
		for (int j = 0; j < 2; j++) {
			if (j >= r->nkeys)
				break;
			if (st->a[i] == r->a[j] && st->b[i] == r->b[j]) {
				*wa = r->a[j];
				*wb = r->b[j];
				return true;
			}
		}
	}
	/* requeued: still in its call on its first word, queued on another */
	from.obj_a = st->a[0];
	from.obj_b = st->b[0];
	to = bpf_map_lookup_elem(&futex_requeued, &from);
	if (!to)
		return false;
	for (int j = 0; j < 2; j++) {
		if (j >= r->nkeys)
			break;
		if (to->obj_a == r->a[j] && to->obj_b == r->b[j]) {
			*wa = r->a[j];
			*wb = r->b[j];
			return true;
		}
	}
	return false;
}

/* ---- --events (event.bpf.h) ---- */

/* What the call is, for its record: op as ipctrace classifies it, cmd, and its counts. */
static __always_inline void futex_ev_enter(struct futex_stash *st, __u8 cmd, __u64 val,
					   __u64 val2)
{
	if (!want_events)
		return;
	st->ev_cmd = cmd;
	st->ev_val = val;
	st->ev_val2 = val2;
	if (st->call == FX_WAIT)
		st->ev_op = EV_OP_FUTEX_WAIT;
	else if (st->call == FX_LOCK_PI)
		st->ev_op = EV_OP_FUTEX_LOCK;
	else if (cmd == FUTEX_UNLOCK_PI)
		st->ev_op = EV_OP_FUTEX_UNLOCK;
	else if (cmd == FUTEX_REQUEUE || cmd == FUTEX_CMP_REQUEUE || cmd == FUTEX_CMP_REQUEUE_PI ||
		 cmd == FX2_REQUEUE)
		st->ev_op = EV_OP_FUTEX_REQUEUE;
	else
		st->ev_op = EV_OP_FUTEX_WAKE;
	/* val2 is a count for these only (a wait's is its timeout) */
	if (st->ev_op != EV_OP_FUTEX_REQUEUE && cmd != FUTEX_WAKE_OP)
		st->ev_val2 = 0;
}

/*
 * One record per call, on word (a, b): the first word, or the one a wait
 * was woken on.  obj_a is the word's file (offset 0), under which the BPF
 * side names it (futex_record_name), the offset goes in state[1]: the
 * module names the word as the edges do.  state[] = the word's value at
 * return (-1: not read, or another word than uaddr), its offset, cmd,
 * val, val2, the words the call named, the pid of the waker from another
 * process that ended this wait (0: none).
 */
static __always_inline void futex_ev_emit(const struct futex_stash *st, long ret, __u64 a,
					  __u64 b, __u32 waker)
{
	struct ipc_event *e = ev_reserve(MECH_FUTEX, st->ev_op, st->start_ns);
	__u32 word;

	if (!e)
		return;
	e->obj_a = a & ~0xffffffffull;
	e->obj_b = b;
	e->ret = ret;
	e->dir = st->call == FX_WAKE ? DIR_TX : DIR_RX;
	e->bytes = st->call == FX_WAKE ? st->ev_val : 0;
	ev_blocked(e, st->ts, slept_since(st->ev_nvcsw));
	e->state[0] = -1;
	if (a == st->a[0] && b == st->b[0] &&
	    !bpf_probe_read_user(&word, sizeof(word), (void *)st->uaddr))
		e->state[0] = word;
	e->state[1] = (__u32)a;
	e->state[2] = st->ev_cmd;
	e->state[3] = st->ev_val;
	e->state[4] = st->ev_val2;
	e->state[5] = st->nkeys;
	e->state[6] = waker;
	ev_submit(e);
}

static __always_inline int futex_exit(long ret)
{
	__u32 tid = (__u32)bpf_get_current_pid_tgid();
	struct futex_stash *st = futex_current(tid);
	struct futex_woken *r = NULL;
	struct futex_ep_val *v;
	__u64 dt, wa = 0, wb = 0;
	bool blocked, woken = false, died = false;
	__u32 word = 0, waker = 0;

	if (!st)
		return 0;
	dt = bpf_ktime_get_ns() - st->ts;
	if (st->call == FX_WAKE) {
		if (futex_posting)
			__sync_fetch_and_add(&futex_posting, -1);
		/* WAKE_OP wakes on two words: a wake call on each */
		for (int i = 0; i < 2; i++) {
			if (ret < 0 || i >= st->wake_keys)
				break;
			v = futex_ep(st, st->a[i], st->b[i]);
			if (v)
				__sync_fetch_and_add(&v->wake_calls, 1);
		}
		if (want_events)
			futex_ev_emit(st, ret, st->a[0], st->b[0], 0);
		futex_done(tid, st);
		return 0;
	}
	if (futex_waiting)
		__sync_fetch_and_add(&futex_waiting, -1);
	/* a wake-up of this thread since its wait began, from another process */
	r = bpf_map_lookup_elem(&futex_woken, &tid);
	if (r) {
		if (ret == 0 && r->ts >= st->ts) {
			if (r->dying) {
				wa = st->a[0];
				wb = st->b[0];
				woken = true;
				bpf_probe_read_user(&word, sizeof(word), (void *)st->uaddr);
				died = word & FUTEX_OWNER_DIED;
			} else {
				woken = futex_match(st, r, &wa, &wb);
			}
		}
		if (woken) {
			futex_wake_account(st, r, wa, wb, dt, died);
			waker = r->waker_tgid;
		}
		bpf_map_delete_elem(&futex_woken, &tid);
	}
	/* EAGAIN (the word had changed) and the like never slept */
	blocked = woken || ret == -ETIMEDOUT || ret == -EINTR || ret == -ERESTARTSYS ||
		  ret == -ERESTART_RESTARTBLOCK || (ret == 0 && st->call == FX_WAIT);
	if (blocked) {
		/* the word woken on, or the first waited on */
		v = woken ? futex_ep(st, wa, wb) : futex_ep(st, st->a[0], st->b[0]);
		if (v) {
			__sync_fetch_and_add(&v->waits, 1);
			__sync_fetch_and_add(&v->wait_ns, dt);
		}
	}
	if (want_events)
		futex_ev_emit(st, ret, woken ? wa : st->a[0], woken ? wb : st->b[0], waker);
	futex_done(tid, st);
	return 0;
}

/* futex(uaddr, op, val, timeout/val2, uaddr2, val3) */
SEC("tracepoint/syscalls/sys_enter_futex")
int futex_enter(struct trace_event_raw_sys_enter *ctx)
{
	int op = ctx->args[1], cmd = op & FUTEX_CMD_MASK;
	__u64 uaddr = ctx->args[0], uaddr2 = ctx->args[4], id;
	struct futex_stash *st;
	__u8 call;

	/* one process's threads: filtered before any map access */
	if (op & FUTEX_PRIVATE_FLAG)
		return 0;
	switch (cmd) {
	case FUTEX_WAIT:
	case FUTEX_WAIT_BITSET:
		call = FX_WAIT;
		break;
	case FUTEX_LOCK_PI:
	case FUTEX_LOCK_PI2:
	case FUTEX_WAIT_REQUEUE_PI:
		call = FX_LOCK_PI;
		break;
	case FUTEX_WAKE:
	case FUTEX_WAKE_BITSET:
	case FUTEX_WAKE_OP:
	case FUTEX_REQUEUE:
	case FUTEX_CMP_REQUEUE:
	case FUTEX_UNLOCK_PI:
	case FUTEX_CMP_REQUEUE_PI:
		call = FX_WAKE;
		break;
	default:
		return 0; /* TRYLOCK_PI never sleeps nor wakes; FUTEX_FD is gone */
	}
	id = bpf_get_current_pid_tgid();
	st = futex_begin(id, call);
	if (!st)
		return 0;
	st->uaddr = uaddr;
	futex_ev_enter(st, cmd, ctx->args[2], ctx->args[3]);
	if (!futex_add_word(st, uaddr))
		return futex_arm(id, st);
	if (cmd == FUTEX_WAKE_OP) {
		/* both words are woken on: a wake call on each */
		futex_add_word(st, uaddr2);
		st->wake_keys = st->nkeys;
	} else {
		st->wake_keys = call == FX_WAKE ? 1 : 0;
		/* a requeue's target, a WAIT_REQUEUE_PI's PI mutex: matched too */
		if (cmd == FUTEX_REQUEUE || cmd == FUTEX_CMP_REQUEUE ||
		    cmd == FUTEX_CMP_REQUEUE_PI || cmd == FUTEX_WAIT_REQUEUE_PI)
			futex_add_word(st, uaddr2);
	}
	/* a requeue moves waiters of a[0] to a[1]: they keep waiting on a[0] */
	if (st->nkeys == 2 && (cmd == FUTEX_REQUEUE || cmd == FUTEX_CMP_REQUEUE ||
			       cmd == FUTEX_CMP_REQUEUE_PI)) {
		struct obj_key from = { st->a[0], st->b[0] }, to = { st->a[1], st->b[1] };

		bpf_map_update_elem(&futex_requeued, &from, &to, BPF_ANY);
	}
	return futex_arm(id, st);
}

SEC("tracepoint/syscalls/sys_exit_futex")
int futex_exit_futex(struct trace_event_raw_sys_exit *ctx)
{
	return futex_exit(ctx->ret);
}

/* futex_wait and futex_wake (Linux 6.7): one word, FUTEX2_PRIVATE in flags. */
static __always_inline int futex2_enter(__u64 uaddr, unsigned int flags, __u8 call, __u64 val)
{
	struct futex_stash *st;
	__u64 id;

	if (flags & FUTEX2_PRIVATE)
		return 0;
	id = bpf_get_current_pid_tgid();
	st = futex_begin(id, call);
	if (!st)
		return 0;
	st->uaddr = uaddr;
	futex_ev_enter(st, call == FX_WAKE ? FX2_WAKE : FX2_WAIT, val, 0);
	futex_add_word(st, uaddr);
	st->wake_keys = call == FX_WAKE ? st->nkeys : 0;
	return futex_arm(id, st);
}

/* futex_wait(uaddr, val, mask, flags, timeout, clockid) */
SEC("tracepoint/syscalls/sys_enter_futex_wait")
int futex_enter_wait2(struct trace_event_raw_sys_enter *ctx)
{
	return futex2_enter(ctx->args[0], ctx->args[3], FX_WAIT, ctx->args[1]);
}

SEC("tracepoint/syscalls/sys_exit_futex_wait")
int futex_exit_wait2(struct trace_event_raw_sys_exit *ctx)
{
	return futex_exit(ctx->ret);
}

/* futex_wake(uaddr, mask, nr, flags) */
SEC("tracepoint/syscalls/sys_enter_futex_wake")
int futex_enter_wake2(struct trace_event_raw_sys_enter *ctx)
{
	return futex2_enter(ctx->args[0], ctx->args[3], FX_WAKE, ctx->args[2]);
}

SEC("tracepoint/syscalls/sys_exit_futex_wake")
int futex_exit_wake2(struct trace_event_raw_sys_exit *ctx)
{
	return futex_exit(ctx->ret);
}

/* struct futex_waitv of the futex2 calls */
struct futex_waitv_u {
	__u64 val;
	__u64 uaddr;
	__u32 flags;
	__u32 reserved;
};

struct waitv_loop {
	struct futex_stash *st;
	const struct futex_waitv_u *w;
};

static long waitv_word_cb(__u32 i, struct waitv_loop *l)
{
	struct futex_waitv_u w;

	if (l->st->nkeys >= FX_KEYS)
		return 1;
	if (bpf_probe_read_user(&w, sizeof(w), &l->w[i]))
		return 1;
	if (!(w.flags & FUTEX2_PRIVATE)) {
		if (!l->st->nkeys)
			l->st->uaddr = w.uaddr;
		futex_add_word(l->st, w.uaddr);
	}
	return 0;
}

/* futex_waitv(waiters, nr_futexes, flags, timeout, clockid): Linux 5.16 */
SEC("tracepoint/syscalls/sys_enter_futex_waitv")
int futex_enter_waitv(struct trace_event_raw_sys_enter *ctx)
{
	struct waitv_loop l = { .w = (const void *)ctx->args[0] };
	unsigned int nr = ctx->args[1];
	__u64 id = bpf_get_current_pid_tgid();

	if (!nr || nr > FUTEX_WAITV_MAX)
		return 0;
	l.st = futex_begin(id, FX_WAIT);
	if (!l.st)
		return 0;
	futex_ev_enter(l.st, FX2_WAITV, nr, 0);
	bpf_loop(nr, waitv_word_cb, &l, 0);
	return futex_arm(id, l.st);
}

SEC("tracepoint/syscalls/sys_exit_futex_waitv")
int futex_exit_waitv(struct trace_event_raw_sys_exit *ctx)
{
	/* the index of the word woken on: ret 0 and up, all "woken" */
	return futex_exit(ctx->ret > 0 ? 0 : ctx->ret);
}

/* futex_requeue(waiters[2], flags, nr_wake, nr_requeue): Linux 6.7 */
SEC("tracepoint/syscalls/sys_enter_futex_requeue")
int futex_enter_requeue2(struct trace_event_raw_sys_enter *ctx)
{
	const struct futex_waitv_u *uw = (const void *)ctx->args[0];
	__u64 id = bpf_get_current_pid_tgid();
	struct futex_waitv_u w[2];
	struct futex_stash *st;

	if (bpf_probe_read_user(w, sizeof(w), uw) || (w[0].flags & FUTEX2_PRIVATE))
		return 0;
	st = futex_begin(id, FX_WAKE);
	if (!st)
		return 0;
	if (want_events) {
		st->uaddr = w[0].uaddr;
		futex_ev_enter(st, FX2_REQUEUE, ctx->args[2], ctx->args[3]);
	}
	if (futex_add_word(st, w[0].uaddr)) {
		st->wake_keys = 1;
		if (futex_add_word(st, w[1].uaddr)) {
			struct obj_key from = { st->a[0], st->b[0] }, to = { st->a[1], st->b[1] };

			bpf_map_update_elem(&futex_requeued, &from, &to, BPF_ANY);
		}
	}
	return futex_arm(id, st);
}

SEC("tracepoint/syscalls/sys_exit_futex_requeue")
int futex_exit_requeue2(struct trace_event_raw_sys_exit *ctx)
{
	return futex_exit(ctx->ret);
}

char LICENSE[] SEC("license") = "Dual BSD/GPL";

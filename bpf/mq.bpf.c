// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * Message queues: POSIX mq (programs mq_*) and SysV msg (programs msg_*).
 *
 * Like pipes, each send or receive is stashed at sys_enter and counted at
 * sys_exit with its outcome.  At enter the queue object is found (an mqd_t
 * is an fd on an mqueue inode; a msqid is looked up in the caller's ipc
 * namespace) and its depth is read: what the operation found when it came
 * in (a sender finding the queue full, a receiver finding it empty is what
 * makes them wait).  At exit a successful operation is counted on its
 * endpoint, in the per-endpoint (priority or mtype, size bucket) histogram,
 * and in the object's per-CPU statistics.
 */
#include "common.bpf.h"
#include "wake.bpf.h"
#include "event.bpf.h"
#include "ipc_ids.bpf.h"
#include "mq_stash.bpf.h"

#define MQUEUE_MAGIC 0x19800202
#define IPC_RMID 0
#define MSG_COPY 040000
#define MQ_NAME_MAX 256    /* NAME_MAX + 1 */

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 16384);
	__type(key, struct mq_hist_key);
	__type(value, struct mq_hist_val);
} mq_hist SEC(".maps");

/* Per CPU: a max and sums without atomics; userspace combines the CPUs. */
struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_HASH);
	__uint(max_entries, 4096);
	__type(key, struct mq_obj_key);
	__type(value, struct mq_obj_val);
} mq_objs SEC(".maps");

/*
 * mq_unlink() names a queue, it has no fd: (mqueue s_dev, name) -> inode,
 * learnt at mq_open and when a queue is first counted.  LRU: entries of
 * long-gone queues age out.
 */
struct mq_name_key {
	__u64 s_dev;
	char name[MQ_NAME_MAX];
};

struct mq_name_val {
	__u64 ino;
	__u64 inode; /* checked against ino and i_nlink before use: it may be stale */
};

struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, 4096);
	__type(key, struct mq_name_key);
	__type(value, struct mq_name_val);
} mq_byname SEC(".maps");

/* Where names are built: see scratch_get(). */
struct mq_scratch {
	struct obj_name n;
	struct mq_name_key k;
};

struct {
	__uint(type, BPF_MAP_TYPE_TASK_STORAGE);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__type(key, int);
	__type(value, struct mq_scratch);
} mq_tscratch SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct mq_scratch);
} mq_scratch SEC(".maps");

/* Bit length: 0 for 0, k for [2^(k-1), 2^k).  No clz instruction in BPF. */
static __always_inline __u32 size_bucket(__u64 n)
{
	__u32 b = 0;

	if (n >> 32) { b += 32; n >>= 32; }
	if (n >> 16) { b += 16; n >>= 16; }
	if (n >> 8) { b += 8; n >>= 8; }
	if (n >> 4) { b += 4; n >>= 4; }
	if (n >> 2) { b += 2; n >>= 2; }
	if (n >> 1) { b += 1; n >>= 1; }
	return b + (__u32)n;
}

static __always_inline struct mq_scratch *scratch(void)
{
	return scratch_get(&mq_tscratch, &mq_scratch);
}

/*
 * The queue's display name "mq:/NAME" (mq_open's name: glibc strips the
 * leading '/', the dentry holds the rest), and (s_dev, NAME) -> inode for
 * mq_unlink while the queue is linked.
 */
static __always_inline void mq_record_name(struct dentry *d, struct inode *inode, __u64 s_dev,
					   __u64 ino)
{
	struct obj_key ok = { .obj_a = s_dev, .obj_b = ino };
	const unsigned char *name = BPF_CORE_READ(d, d_name.name);
	struct mq_name_val nv = { .ino = ino, .inode = (__u64)inode };
	struct mq_scratch *s = scratch();
	char more = 0;
	long len;

	if (!s || !name)
		return;
	if (!bpf_map_lookup_elem(&objnames, &ok)) {
		s->n.depth = 1;
		s->n.mech = MECH_MQ;
		s->n.raw = 1;
		s->n.truncated = 0;
		__builtin_memcpy(s->n.comp[0], "mq:/", 4);
		len = bpf_probe_read_kernel_str(s->n.comp[0] + 4, IPC_NAME_LEN - 4, name);
		/* A name that did not fit ends in "..." rather than silently short. */
		if (len == IPC_NAME_LEN - 4) {
			bpf_probe_read_kernel(&more, 1, name + IPC_NAME_LEN - 5);
			if (more) {
				s->n.truncated = 1;
				__builtin_memcpy(s->n.comp[0] + IPC_NAME_LEN - 4, "...", 4);
			}
		}
		if (bpf_map_update_elem(&objnames, &ok, &s->n, BPF_NOEXIST) &&
		    !bpf_map_lookup_elem(&objnames, &ok))
			stat_inc(STAT_OBJ_FULL);
	}
	if (!BPF_CORE_READ(inode, __i_nlink))
		return; /* unlinked: its name may already belong to a new queue */
	__builtin_memset(&s->k, 0, sizeof(s->k));
	s->k.s_dev = s_dev;
	bpf_probe_read_kernel_str(s->k.name, sizeof(s->k.name), name);
	bpf_map_update_elem(&mq_byname, &s->k, &nv, BPF_ANY);
}

/* Is fd an mqueue?  Fills the object and the queue's state at this moment. */
static __always_inline bool mq_resolve(int fd, struct mq_stash *st)
{
	struct file *file = current_fd_file(fd);
	struct mqueue_inode_info *info;
	struct inode_facts in;
	struct inode *inode;
	struct mq_attr attr;
	__u64 magic;
	__u32 dev;

	if (!file)
		return false;
	inode = BPF_CORE_READ(file, f_inode);
	if (inode_facts(inode, &in) || sb_facts(in.sb, &dev, &magic) || magic != MQUEUE_MAGIC)
		return false;
	st->mech = MECH_MQ;
	st->obj_a = dev;
	st->obj_b = in.ino;
	st->inode = (__u64)inode;
	st->file = (__u64)file;
	/* The mqueue inode is embedded in its mqueue_inode_info. */
	info = (void *)inode - bpf_core_field_offset(struct mqueue_inode_info, vfs_inode);
	if (BPF_CORE_READ_INTO(&attr, info, attr))
		return true;
	st->depth = attr.mq_curmsgs;
	st->limit = attr.mq_maxmsg;
	st->msgsize = attr.mq_msgsize;
	st->has_depth = 1;
	return true;
}

/* What msg needs of a kern_ipc_perm: one probe read (id, key, deleted are in its first 16 bytes). */
struct perm_facts {
	int id;
	int key;
	bool deleted;
};

static __always_inline int perm_facts(struct kern_ipc_perm *p, struct perm_facts *f)
{
	__u32 o_id = bpf_core_field_offset(struct kern_ipc_perm, id);
	__u32 o_key = bpf_core_field_offset(struct kern_ipc_perm, key);
	__u32 o_del = bpf_core_field_offset(struct kern_ipc_perm, deleted);
	__u64 buf[4];

	if (o_id + 4 > sizeof(buf) || o_key + 4 > sizeof(buf) || o_del + 1 > sizeof(buf)) {
		f->id = BPF_CORE_READ(p, id);
		f->key = BPF_CORE_READ(p, key);
		f->deleted = BPF_CORE_READ(p, deleted);
		return 0;
	}
	if (bpf_probe_read_kernel(buf, sizeof(buf), p))
		return -1;
	f->id = *(int *)((void *)buf + o_id);
	f->key = *(int *)((void *)buf + o_key);
	f->deleted = *(bool *)((void *)buf + o_del);
	return 0;
}

/*
 * The live msg_queue of msqid in ns (ipc_obtain_object_check() without the
 * lock) and its key.
 */
static __always_inline struct msg_queue *msg_lookup(struct ipc_namespace *ns, int msqid, int *key)
{
	struct kern_ipc_perm *perm;
	struct perm_facts f;

	perm = ipc_find(&ns->ids[IPC_MSG_IDS], msqid);
	if (!perm || perm_facts(perm, &f) || f.id != msqid)
		return NULL;
	if (f.deleted)
		return NULL;
	*key = f.key;
	return (void *)perm - bpf_core_field_offset(struct msg_queue, q_perm);
}

/* q_cbytes, q_qnum, q_qbytes: adjacent, one probe read. */
static __always_inline int msq_depth(struct msg_queue *q, struct mq_stash *st)
{
	__u32 o_cb = bpf_core_field_offset(struct msg_queue, q_cbytes);
	__u32 o_qn = bpf_core_field_offset(struct msg_queue, q_qnum);
	__u32 o_qb = bpf_core_field_offset(struct msg_queue, q_qbytes);
	__u64 buf[3];

	if (o_qn < o_cb || o_qb < o_cb || o_qn + 8 - o_cb > sizeof(buf) ||
	    o_qb + 8 - o_cb > sizeof(buf)) {
		st->cbytes = BPF_CORE_READ(q, q_cbytes);
		st->depth = BPF_CORE_READ(q, q_qnum);
		st->limit = BPF_CORE_READ(q, q_qbytes);
		return 0;
	}
	if (bpf_probe_read_kernel(buf, sizeof(buf), (void *)q + o_cb))
		return -1;
	st->cbytes = buf[0];
	st->depth = *(__u64 *)((void *)buf + (o_qn - o_cb));
	st->limit = *(__u64 *)((void *)buf + (o_qb - o_cb));
	return 0;
}

static __always_inline struct ipc_namespace *current_ipc_ns(void)
{
	if (fast_task)
		return bpf_get_current_task_btf()->nsproxy->ipc_ns;
	return BPF_CORE_READ((struct task_struct *)bpf_get_current_task(), nsproxy, ipc_ns);
}

/* (ipc namespace, msqid), and the queue's state at this moment when found. */
static __always_inline void msg_resolve(int msqid, struct mq_stash *st)
{
	struct ipc_namespace *ns = current_ipc_ns();
	struct msg_queue *q;
	int key;

	st->mech = MECH_MSG;
	st->obj_a = BPF_CORE_READ(ns, ns.inum);
	st->obj_b = (__u32)msqid;
	q = msg_lookup(ns, msqid, &key);
	if (!q || msq_depth(q, st))
		return;
	st->key = key;
	st->has_key = 1;
	st->has_depth = 1;
}

/* req: --events' length asked for (a receive's buffer; a send's is its size). */
static __always_inline void stash_put(__u64 id, struct mq_stash *st, __u64 req)
{
	struct task_struct *task;
	struct mq_stash *slot;

	st->ts = bpf_ktime_get_ns();
	st->waking = st->op == OP_SEND || st->op == OP_RECV;
	/* --events, one test for all: a receive's size is unused by the counts */
	if (want_events) {
		st->size = req;
		ev_begin(st->ts);
	}
	if (fast_task) {
		task = bpf_get_current_task_btf();
		st->start_ns = task->group_leader->start_boottime;
		st->nvcsw = task->nvcsw;
		slot = bpf_task_storage_get(&mq_tstash, task, 0, BPF_LOCAL_STORAGE_GET_F_CREATE);
		if (!slot) {
			stat_inc(STAT_STASH_FULL);
			return;
		}
		*slot = *st;
	} else {
		st->start_ns = current_start_ns();
		if (bpf_map_update_elem(&mq_stash, &id, st, BPF_ANY)) {
			stat_inc(STAT_STASH_FULL);
			return;
		}
	}
	if (st->waking)
		__sync_fetch_and_add(&mq_active, 1);
}

static __always_inline void stash_done(__u64 id, struct mq_stash *st)
{
	if (st->waking && mq_active)
		__sync_fetch_and_add(&mq_active, -1);
	if (fast_task)
		st->ts = 0; /* the storage lives as long as the thread */
	else
		bpf_map_delete_elem(&mq_stash, &id);
}

static __always_inline bool wanted(__u64 id, __u32 mech)
{
	return !bench_noop && mech_wanted(mech) && tgid_wanted(id >> 32);
}

/* The object's per-CPU statistics, created (and, for mq, named) when missing. */
static __always_inline struct mq_obj_val *obj_get(const struct mq_stash *st)
{
	struct mq_obj_key k = { .obj_a = st->obj_a, .obj_b = st->obj_b, .mech = st->mech };
	struct mq_obj_val *v = bpf_map_lookup_elem(&mq_objs, &k);
	/* a local: inside BPF_CORE_READ the stash's own fields would be relocated too */
	struct file *file = (struct file *)st->file;
	struct mq_obj_val init = {};

	if (v)
		return v;
	if (!bpf_map_update_elem(&mq_objs, &k, &init, BPF_NOEXIST) && st->mech == MECH_MQ && file)
		mq_record_name(BPF_CORE_READ(file, f_path.dentry), (struct inode *)st->inode,
			       st->obj_a, st->obj_b);
	v = bpf_map_lookup_elem(&mq_objs, &k);
	if (!v)
		stat_inc(STAT_OBJ_FULL);
	return v;
}

static __always_inline void hist_account(const struct ep_key *ep, __s64 tag, __u64 size)
{
	struct mq_hist_key k = {};
	struct mq_hist_val *v, init = {};

	k.ep = *ep;
	k.tag = tag;
	k.size_bucket = size_bucket(size);
	v = bpf_map_lookup_elem(&mq_hist, &k);
	if (!v) {
		bpf_map_update_elem(&mq_hist, &k, &init, BPF_NOEXIST);
		v = bpf_map_lookup_elem(&mq_hist, &k);
		if (!v) {
			stat_inc(STAT_EP_FULL);
			return;
		}
	}
	__sync_fetch_and_add(&v->count, 1);
	__sync_fetch_and_add(&v->bytes, size);
}

/* A send or receive that succeeded: endpoint, histogram, queue statistics. */
static __always_inline void account_msg(__u64 id, const struct mq_stash *st, __u64 bytes,
					__s64 tag)
{
	struct ep_key key = {};
	struct mq_obj_val *v;

	key.tgid = id >> 32;
	key.start_ns = st->start_ns;
	key.mech = st->mech;
	key.dir = st->op == OP_SEND ? DIR_TX : DIR_RX;
	key.obj_a = st->obj_a;
	key.obj_b = st->obj_b;
	ep_account(&key, bytes, bpf_ktime_get_ns() - st->ts);
	hist_account(&key, tag, bytes);

	v = obj_get(st);
	if (!v)
		return;
	if (st->has_depth) {
		v->samples++;
		v->depth_sum += st->depth;
		if (st->depth > v->depth_max)
			v->depth_max = st->depth;
		if (st->cbytes > v->bytes_max)
			v->bytes_max = st->cbytes;
		v->limit = st->limit;
		v->msgsize = st->msgsize;
		v->found_full += st->full;
		v->found_empty += st->empty;
	}
	if (st->has_key) {
		v->key = st->key;
		v->has_key = 1;
	}
}

/*
 * A send or receive that slept: released by a traced receiver (room) or
 * sender (a message) of the same queue?
 */
static __always_inline void mq_woken(__u64 id, const struct mq_stash *st)
{
	const struct ipc_woken *r;
	bool back = st->op == OP_SEND;

	if (!slept_since(st->nvcsw))
		return;
	r = woken_since(st->ts);
	if (!r)
		return;
	if (back ? (r->room_mech != st->mech || r->room.obj_a != st->obj_a ||
		    r->room.obj_b != st->obj_b)
		 : (r->data_mech != st->mech || r->data.obj_a != st->obj_a ||
		    r->data.obj_b != st->obj_b))
		return;
	wake_count(r, id >> 32, st->start_ns, st->mech, st->obj_a, st->obj_b, back, st->ts);
}

/* ---- --events (event.bpf.h): the queue's state, read where the kernel keeps it ---- */

static __always_inline __u16 mq_ev_op(const struct mq_stash *st)
{
	bool mq = st->mech == MECH_MQ;

	switch (st->op) {
	case OP_SEND:
		return mq ? EV_OP_MQ_SEND : EV_OP_MSGSND;
	case OP_RECV:
		return mq ? EV_OP_MQ_RECEIVE : EV_OP_MSGRCV;
	case OP_NOTIFY:
		return EV_OP_MQ_NOTIFY;
	case OP_UNLINK:
		return EV_OP_MQ_UNLINK;
	default:
		return EV_OP_MSGCTL;
	}
}

/* The mqueue's attr now (curmsgs, maxmsg, msgsize) into the record's return state. */
static __always_inline __u32 mq_ev_attr(__u64 inode, struct ipc_event *e)
{
	struct mqueue_inode_info *info;
	struct mq_attr attr;

	if (!inode)
		return 0;
	info = (void *)inode - bpf_core_field_offset(struct mqueue_inode_info, vfs_inode);
	if (BPF_CORE_READ_INTO(&attr, info, attr))
		return 0;
	e->state[MQ_EV_DEPTH1] = attr.mq_curmsgs;
	e->state[MQ_EV_LIMIT] = attr.mq_maxmsg;
	e->state[MQ_EV_MSGSIZE] = attr.mq_msgsize;
	return MQ_EVF_RETURN;
}

/*
 * The msg queue now, looked up again by its id: gone after IPC_RMID (or
 * when removed under a sleeping caller, EIDRM), then nothing is read.
 */
static __always_inline __u32 msg_ev_now(const struct mq_stash *st, struct ipc_event *e)
{
	struct mq_stash now = {};
	struct msg_queue *q;
	int key;

	q = msg_lookup(current_ipc_ns(), (int)st->obj_b, &key);
	if (!q || msq_depth(q, &now))
		return 0;
	e->state[MQ_EV_DEPTH1] = now.depth;
	e->state[MQ_EV_CBYTES1] = now.cbytes;
	e->state[MQ_EV_LIMIT] = now.limit;
	return MQ_EVF_RETURN;
}

/*
 * One record per traced call: what it asked, what it found at entry and
 * left at return, the priority or mtype it sent or took (tag: a
 * receive's), and the time it slept.
 */
static __always_inline void mq_ev_emit(const struct mq_stash *st, long ret, __s64 tag)
{
	struct ipc_event *e = ev_reserve(st->mech, mq_ev_op(st), st->start_ns);
	__u64 flags = 0;

	if (!e)
		return;
	e->obj_a = st->obj_a;
	e->obj_b = st->obj_b;
	e->ret = ret;
	e->bytes = st->size;
	if (st->op == OP_SEND || st->op == OP_RECV)
		e->dir = st->op == OP_SEND ? DIR_TX : DIR_RX;
	ev_blocked(e, st->ts, slept_since(st->nvcsw));
	e->state[MQ_EV_TAG] = st->op == OP_SEND ? st->tag : tag;
	if (st->has_depth) {
		flags |= MQ_EVF_ENTRY;
		e->state[MQ_EV_DEPTH0] = st->depth;
		e->state[MQ_EV_CBYTES0] = st->cbytes;
		e->state[MQ_EV_LIMIT] = st->limit;
		e->state[MQ_EV_MSGSIZE] = st->msgsize;
	}
	flags |= (st->full ? MQ_EVF_FULL : 0) | (st->empty ? MQ_EVF_EMPTY : 0) |
		 (st->unreg ? MQ_EVF_UNREG : 0);
	if (st->op != OP_UNLINK)
		flags |= st->mech == MECH_MQ ? mq_ev_attr(st->inode, e) : msg_ev_now(st, e);
	if (st->has_key)
		flags |= MQ_EVF_KEY | (__u64)(__u32)st->key << 32;
	e->state[MQ_EV_FLAGS] = flags;
	ev_submit(e);
}

/* An mq_open() that returned a queue (a failed one has no object to name): its attr. */
static __always_inline void mq_ev_open(const struct mq_stash *st, long fd)
{
	struct ipc_event *e = ev_reserve(MECH_MQ, EV_OP_MQ_OPEN, current_start_ns());

	if (!e)
		return;
	e->obj_a = st->obj_a;
	e->obj_b = st->obj_b;
	e->ret = fd;
	e->state[MQ_EV_TAG] = MQ_TAG_UNKNOWN;
	e->state[MQ_EV_FLAGS] = mq_ev_attr(st->inode, e);
	ev_submit(e);
}

static __always_inline int mq_exit(long ret)
{
	__u64 id = bpf_get_current_pid_tgid();
	struct mq_stash *st;
	struct mq_obj_val *v;
	__s64 tag = MQ_TAG_UNKNOWN;

	if (bench_noop)
		return 0;
	st = mq_current(id);
	if (!st)
		return 0;
	if (st->waking)
		mq_woken(id, st);
	switch (st->op) {
	case OP_SEND:
		/* mq_timedsend and msgsnd return 0; the size is what was asked */
		if (ret == 0)
			account_msg(id, st, st->size, st->tag);
		break;
	case OP_RECV:
		if (ret < 0)
			break;
		if (st->mech == MECH_MQ && st->uptr) {
			__u32 prio;

			if (!bpf_probe_read_user(&prio, sizeof(prio), (void *)st->uptr))
				tag = prio;
		} else if (st->mech == MECH_MSG) {
			long mtype; /* struct msgbuf starts with the mtype the kernel wrote */

			if (!bpf_probe_read_user(&mtype, sizeof(mtype), (void *)st->uptr))
				tag = mtype;
		}
		account_msg(id, st, ret, tag);
		break;
	case OP_NOTIFY:
	case OP_UNLINK:
	case OP_RMID:
		if (ret != 0 || st->unreg)
			break;
		v = obj_get(st);
		if (!v)
			break;
		if (st->op == OP_NOTIFY)
			v->notifies++;
		else
			v->removes++;
		break;
	}
	if (want_events)
		mq_ev_emit(st, ret, tag);
	stash_done(id, st);
	return 0;
}

/* ---- POSIX mq ---- */

/* mq_timedsend(mqdes, msg_ptr, msg_len, msg_prio, abs_timeout) */
SEC("tracepoint/syscalls/sys_enter_mq_timedsend")
int mq_enter_send(struct trace_event_raw_sys_enter *ctx)
{
	__u64 id = bpf_get_current_pid_tgid();
	int fd = ctx->args[0];
	__u64 len = ctx->args[2];
	__u32 prio = ctx->args[3];
	struct mq_stash st = {};

	if (!wanted(id, MECH_MQ) || !mq_resolve(fd, &st))
		return 0;
	st.op = OP_SEND;
	st.size = len;
	st.tag = prio;
	st.full = st.has_depth && st.depth >= st.limit;
	stash_put(id, &st, len);
	return 0;
}

/* mq_timedreceive(mqdes, msg_ptr, msg_len, u_msg_prio, abs_timeout) */
SEC("tracepoint/syscalls/sys_enter_mq_timedreceive")
int mq_enter_receive(struct trace_event_raw_sys_enter *ctx)
{
	__u64 id = bpf_get_current_pid_tgid();
	int fd = ctx->args[0];
	__u64 uprio = ctx->args[3];
	struct mq_stash st = {};

	if (!wanted(id, MECH_MQ) || !mq_resolve(fd, &st))
		return 0;
	st.op = OP_RECV;
	st.uptr = uprio;
	st.empty = st.has_depth && st.depth == 0;
	stash_put(id, &st, ctx->args[2]); /* msg_len */
	return 0;
}

/* mq_notify(mqdes, notification): a NULL notification unregisters. */
SEC("tracepoint/syscalls/sys_enter_mq_notify")
int mq_enter_notify(struct trace_event_raw_sys_enter *ctx)
{
	__u64 id = bpf_get_current_pid_tgid();
	int fd = ctx->args[0];
	__u64 sev = ctx->args[1];
	struct mq_stash st = {};

	/* --events: an unregistration too, for its record only */
	if ((!sev && !want_events) || !wanted(id, MECH_MQ) || !mq_resolve(fd, &st))
		return 0;
	st.op = OP_NOTIFY;
	st.unreg = !sev;
	stash_put(id, &st, 0);
	return 0;
}

/* mq_unlink(name): the queue is found by name in the caller's ipc namespace. */
SEC("tracepoint/syscalls/sys_enter_mq_unlink")
int mq_enter_unlink(struct trace_event_raw_sys_enter *ctx)
{
	struct task_struct *task = (struct task_struct *)bpf_get_current_task();
	__u64 id = bpf_get_current_pid_tgid();
	__u64 uname = ctx->args[0];
	struct mq_stash st = {};
	struct mq_name_val *nv;
	struct mq_scratch *s;
	struct inode *inode;

	if (!wanted(id, MECH_MQ) || !(s = scratch()))
		return 0;
	__builtin_memset(&s->k, 0, sizeof(s->k));
	s->k.s_dev = BPF_CORE_READ(task, nsproxy, ipc_ns, mq_mnt, mnt_sb, s_dev);
	if (bpf_probe_read_user_str(s->k.name, sizeof(s->k.name), (void *)uname) <= 0)
		return 0;
	nv = bpf_map_lookup_elem(&mq_byname, &s->k);
	if (!nv)
		return 0;
	/* The entry may outlive its queue: trust it only while it is that inode, linked. */
	inode = (struct inode *)nv->inode;
	if (BPF_CORE_READ(inode, i_ino) != nv->ino ||
	    BPF_CORE_READ(inode, i_sb, s_dev) != s->k.s_dev || !BPF_CORE_READ(inode, __i_nlink))
		return 0;
	st.op = OP_UNLINK;
	st.mech = MECH_MQ;
	st.obj_a = s->k.s_dev;
	st.obj_b = nv->ino;
	stash_put(id, &st, 0);
	return 0;
}

/* Record the name when the queue is opened: it may never be counted otherwise by name. */
SEC("tracepoint/syscalls/sys_exit_mq_open")
int mq_exit_open(struct trace_event_raw_sys_exit *ctx)
{
	__u64 id = bpf_get_current_pid_tgid();
	long fd = ctx->ret;
	struct mq_stash st = {};
	struct file *file;

	if (fd < 0 || !wanted(id, MECH_MQ) || !mq_resolve(fd, &st))
		return 0;
	file = (struct file *)st.file;
	mq_record_name(BPF_CORE_READ(file, f_path.dentry), (struct inode *)st.inode, st.obj_a,
		       st.obj_b);
	if (want_events)
		mq_ev_open(&st, fd);
	return 0;
}

SEC("tracepoint/syscalls/sys_exit_mq_timedsend")
int mq_exit_send(struct trace_event_raw_sys_exit *ctx)
{
	return mq_exit(ctx->ret);
}

SEC("tracepoint/syscalls/sys_exit_mq_timedreceive")
int mq_exit_receive(struct trace_event_raw_sys_exit *ctx)
{
	return mq_exit(ctx->ret);
}

SEC("tracepoint/syscalls/sys_exit_mq_notify")
int mq_exit_notify(struct trace_event_raw_sys_exit *ctx)
{
	return mq_exit(ctx->ret);
}

SEC("tracepoint/syscalls/sys_exit_mq_unlink")
int mq_exit_unlink(struct trace_event_raw_sys_exit *ctx)
{
	return mq_exit(ctx->ret);
}

/* ---- SysV msg ---- */

/* msgsnd(msqid, msgp, msgsz, msgflg): msgsz is the mtext size, mtype comes first. */
SEC("tracepoint/syscalls/sys_enter_msgsnd")
int msg_enter_snd(struct trace_event_raw_sys_enter *ctx)
{
	__u64 id = bpf_get_current_pid_tgid();
	int msqid = ctx->args[0];
	__u64 msgp = ctx->args[1];
	__u64 sz = ctx->args[2];
	struct mq_stash st = {};
	long mtype;

	if (!wanted(id, MECH_MSG))
		return 0;
	msg_resolve(msqid, &st);
	st.op = OP_SEND;
	st.size = sz;
	st.tag = bpf_probe_read_user(&mtype, sizeof(mtype), (void *)msgp) ? MQ_TAG_UNKNOWN : mtype;
	/* ipc/msg.c msg_fits_inqueue(): bytes and message count both bounded by q_qbytes */
	st.full = st.has_depth && (st.cbytes + sz > st.limit || st.depth + 1 > st.limit);
	stash_put(id, &st, sz);
	return 0;
}

/* msgrcv(msqid, msgp, msgsz, msgtyp, msgflg) */
SEC("tracepoint/syscalls/sys_enter_msgrcv")
int msg_enter_rcv(struct trace_event_raw_sys_enter *ctx)
{
	__u64 id = bpf_get_current_pid_tgid();
	int msqid = ctx->args[0];
	__u64 msgp = ctx->args[1];
	__u64 flg = ctx->args[4];
	struct mq_stash st = {};

	/* MSG_COPY reads a message by position and leaves it queued: not a receive. */
	if (!wanted(id, MECH_MSG) || (flg & MSG_COPY))
		return 0;
	msg_resolve(msqid, &st);
	st.op = OP_RECV;
	st.uptr = msgp;
	st.empty = st.has_depth && st.depth == 0;
	stash_put(id, &st, ctx->args[2]); /* msgsz */
	return 0;
}

/* msgctl(msqid, cmd, buf): only IPC_RMID (glibc adds IPC_64 to cmd). */
SEC("tracepoint/syscalls/sys_enter_msgctl")
int msg_enter_ctl(struct trace_event_raw_sys_enter *ctx)
{
	__u64 id = bpf_get_current_pid_tgid();
	int msqid = ctx->args[0];
	__u64 cmd = ctx->args[1];
	struct mq_stash st = {};

	if ((cmd & 0xff) != IPC_RMID || !wanted(id, MECH_MSG))
		return 0;
	msg_resolve(msqid, &st);
	st.op = OP_RMID;
	stash_put(id, &st, 0);
	return 0;
}

SEC("tracepoint/syscalls/sys_exit_msgsnd")
int msg_exit_snd(struct trace_event_raw_sys_exit *ctx)
{
	return mq_exit(ctx->ret);
}

SEC("tracepoint/syscalls/sys_exit_msgrcv")
int msg_exit_rcv(struct trace_event_raw_sys_exit *ctx)
{
	return mq_exit(ctx->ret);
}

SEC("tracepoint/syscalls/sys_exit_msgctl")
int msg_exit_ctl(struct trace_event_raw_sys_exit *ctx)
{
	return mq_exit(ctx->ret);
}

char LICENSE[] SEC("license") = "Dual BSD/GPL";

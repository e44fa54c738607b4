// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * --events over the semaphore and futex examples.  Where the example
 * knows its counts (sysv_shm_sem, posix_shm_sem, anon_sem, futex_raw):
 * each process's post and wait events (wake and wait, unlock and lock)
 * are exactly its own calls, a post names the waiter it woke as often as
 * the example made a waiter sleep, and the waiter's event names the
 * poster.  Where only the members are known (shm_mutex, shm_condvar):
 * every event is a member's, on the truth's words, and the waits the
 * events say another process ended are the final report's wake-ups, edge
 * by edge.  Semaphore values stay in range.
 */
#include <criterion/criterion.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "harness.h"

#define ARGS(...) ((const char *const[]){ __VA_ARGS__, NULL })

TestSuite(events_sync, .timeout = 240);

static struct traced *trace_events(const char *example, const char *const args[])
{
	return harness_trace_example_opts(example, ARGS("--events"), args);
}

/* What an event must be to count, besides pid, mech, op and object. */
enum ev_pred { ANY, SEM_OP_POS, SEM_OP_NEG, RET_EQ, RET_OK, WOKE_HAS, WOKEN_BY, BLOCKED };

static bool in_list(const char *list, const char *word)
{
	size_t n = strlen(word);

	for (const char *p = list; *p;) {
		size_t len = strcspn(p, ",");

		if (len == n && !strncmp(p, word, n))
			return true;
		p += len + (p[len] == ',');
	}
	return false;
}

static bool woke_has(const struct json_object *e, int64_t pid)
{
	const struct json_object *w = json_get(e, "woke");
	int64_t p;

	for (size_t k = 0; w && k < json_object_array_length(w); k++)
		if (json_get_int(json_object_array_get_idx(w, k), "pid", &p) && p == pid)
			return true;
	return false;
}

static bool pred_holds(const struct json_object *e, enum ev_pred pred, int64_t arg)
{
	const struct json_object *st = json_get(e, "state");
	int64_t x;

	switch (pred) {
	case ANY: return true;
	case SEM_OP_POS: return json_get_int(st, "sem_op", &x) && x > 0;
	case SEM_OP_NEG: return json_get_int(st, "sem_op", &x) && x < 0;
	case RET_EQ: return json_get_int(e, "ret", &x) && x == arg;
	case RET_OK: return json_get_int(e, "ret", &x) && x >= 0;
	case WOKE_HAS: return woke_has(e, arg);
	case WOKEN_BY: return json_get_int(st, "woken_by", &x) && x == arg;
	case BLOCKED:
		return json_is_true(st, "blocked") && json_get_int(e, "blocked_ns", &x) && x > 0;
	}
	return false;
}

/*
 * Events of pid (-1: any) on mech whose op is one of ops, on object (NULL:
 * any; prefix: an object starting with it) for which pred holds.
 */
static uint64_t count(const struct traced *tr, int64_t pid, const char *mech, const char *ops,
		      const char *object, bool prefix, enum ev_pred pred, int64_t arg)
{
	uint64_t n = 0;

	for (size_t i = 0; i < tr->events.n; i++) {
		const struct json_object *e = tr->events.v[i];
		const char *op = json_get_str(e, "op") ?: "", *obj = json_get_str(e, "object") ?: "";
		int64_t p;

		if (!json_get_int(e, "pid", &p) || (pid >= 0 && p != pid))
			continue;
		if (strcmp(json_get_str(e, "mech") ?: "", mech) || !in_list(ops, op))
			continue;
		if (object && (prefix ? strncmp(obj, object, strlen(object)) : strcmp(obj, object)))
			continue;
		n += pred_holds(e, pred, arg);
	}
	return n;
}

#define EXPECT_COUNT(tr, got, want, ...)                                                     \
	do {                                                                                 \
		uint64_t g_ = (got), w_ = (want);                                            \
		if (g_ != w_)                                                                \
			harness_dump(tr, "event counts differ from the truth");              \
		cr_expect_eq(g_, w_, __VA_ARGS__);                                           \
	} while (0)

/* ---- semaphores ---- */

/*
 * Every truth line: src's posts and dst's waits on the object, the posts
 * that named dst as woken, the waits that name src as the poster; then
 * each process's semaphore events are exactly its posts and waits of all
 * lines.  Values: each semaphore here is binary.
 */
static void check_sem(struct traced *tr, bool sysv)
{
	const char *post_op = sysv ? "semop" : "sem_post", *wait_op = sysv ? "semop" : "sem_wait";
	enum ev_pred post = sysv ? SEM_OP_POS : RET_EQ, wait = sysv ? SEM_OP_NEG : RET_EQ;
	int64_t pids[4] = { 0 }, own[4] = { 0 };
	size_t lines = 0, npids = 0, nsem = 0;

	for (size_t i = 0; i < tr->truth.n; i++) {
		const struct json_object *t = tr->truth.v[i];
		const char *obj = json_get_str(t, "object");
		int64_t src, dst, posts, waits, wakes;

		if (strcmp(json_get_str(t, "mech") ?: "", "sem"))
			continue;
		cr_assert(obj && json_get_int(t, "src", &src) && json_get_int(t, "dst", &dst) &&
			  json_get_int(t, "posts", &posts) && json_get_int(t, "waits", &waits) &&
			  json_get_int(t, "wakes", &wakes));
		EXPECT_COUNT(tr, count(tr, src, "sem", post_op, obj, false, post, 0), posts,
			     "%s: posts of %" PRId64 ", truth %" PRId64, obj, src, posts);
		EXPECT_COUNT(tr, count(tr, dst, "sem", wait_op, obj, false, wait, 0), waits,
			     "%s: waits of %" PRId64 ", truth %" PRId64, obj, dst, waits);
		EXPECT_COUNT(tr, count(tr, src, "sem", post_op, obj, false, WOKE_HAS, dst), wakes,
			     "%s: posts naming %" PRId64 " as woken, truth %" PRId64, obj, dst, wakes);
		EXPECT_COUNT(tr, count(tr, dst, "sem", wait_op, obj, false, WOKEN_BY, src), wakes,
			     "%s: waits naming %" PRId64 " as the poster, truth %" PRId64, obj, src,
			     wakes);
		for (int k = 0; k < 2; k++) {
			int64_t pid = k ? dst : src;
			size_t j = 0;

			while (j < npids && pids[j] != pid)
				j++;
			if (j == npids && npids < 4)
				pids[npids++] = pid;
			if (j < 4)
				own[j] += k ? waits : posts;
		}
		lines++;
	}
	cr_assert_eq(lines, 2, "the examples have a semaphore each way");
	/* nothing else: no post or wait event on another object, none failed */
	for (size_t j = 0; j < npids; j++)
		EXPECT_COUNT(tr, count(tr, pids[j], "sem", "semop,sem_post,sem_wait", NULL, false, ANY,
				       0), (uint64_t)own[j],
			     "%" PRId64 ": its semaphore events, truth %" PRId64, pids[j], own[j]);

	for (size_t i = 0; i < tr->events.n; i++) {
		const struct json_object *e = tr->events.v[i], *st = json_get(e, "state");
		const char *op = json_get_str(e, "op") ?: "";
		int64_t value, x;

		if (strcmp(json_get_str(e, "mech") ?: "", "sem") || !in_list("semop,sem_post,sem_wait", op))
			continue;
		nsem++;
		cr_expect(json_get_int(st, "value", &value) && value >= 0 && value <= 1,
			  "value out of range: %s", tr->events.raw[i]);
		if (sysv) {
			const char *obj = json_get_str(e, "object") ?: "", *br = strrchr(obj, '[');

			cr_expect(json_get_int(st, "nsops", &x) && x == 1, "%s", tr->events.raw[i]);
			cr_expect(json_get_int(st, "sem_num", &x) && br && x == atoi(br + 1),
				  "sem_num is not the object's: %s", tr->events.raw[i]);
			cr_expect(json_get_int(st, "nsems", &x) && x == 2, "%s", tr->events.raw[i]);
		} else {
			cr_expect(json_get_int(st, "waiters", &x) && x >= 0, "%s", tr->events.raw[i]);
		}
	}
	cr_expect(nsem > 0);
}

Test(events_sync, sysv_shm_sem)
{
	struct traced *tr = trace_events("sysv_shm_sem", ARGS("-n", "300"));

	check_sem(tr, true);
	harness_traced_free(tr);
}

Test(events_sync, posix_shm_sem)
{
	struct traced *tr = trace_events("posix_shm_sem", ARGS("-n", "300"));

	check_sem(tr, false);
	harness_traced_free(tr);
}

/* Unnamed semaphores, waited on with sem_wait, sem_timedwait and sem_clockwait. */
Test(events_sync, anon_sem)
{
	struct traced *tr = trace_events("anon_sem", ARGS("-n", "300"));

	check_sem(tr, false);
	harness_traced_free(tr);
}

/* ---- futex_raw: every hand-off certain ---- */

/*
 * Each direction's truth: src's wake calls (wake_op) and the ones that
 * named dst as woken, dst's waits (wait_op) on the word woken on, all
 * blocked, and those that name src as the waker; a requeue hand-off has
 * one requeue per wake.  Then each process's futex events are exactly
 * those calls.
 */
static void check_futex_raw(struct traced *tr, const char *wake_op, const char *wait_op,
			    bool requeue, bool ret_woken)
{
	size_t lines = 0;

	for (size_t i = 0; i < tr->truth.n; i++) {
		const struct json_object *t = tr->truth.v[i];
		const char *obj = json_get_str(t, "object");
		int64_t src, dst, wakes, waits, calls, back_waits = -1;

		if (strcmp(json_get_str(t, "mech") ?: "", "futex"))
			continue;
		cr_assert(obj && json_get_int(t, "src", &src) && json_get_int(t, "dst", &dst) &&
			  json_get_int(t, "wakes", &wakes) && json_get_int(t, "waits", &waits) &&
			  json_get_int(t, "wake_calls", &calls));
		EXPECT_COUNT(tr, count(tr, src, "futex", wake_op, NULL, false, ANY, 0), calls,
			     "%" PRId64 ": %s events, truth %" PRId64, src, wake_op, calls);
		EXPECT_COUNT(tr, count(tr, src, "futex", wake_op, NULL, false, WOKE_HAS, dst), wakes,
			     "%" PRId64 ": %s naming %" PRId64 ", truth %" PRId64, src, wake_op, dst,
			     wakes);
		if (ret_woken)
			EXPECT_COUNT(tr, count(tr, src, "futex", wake_op, NULL, false, RET_EQ, 1),
				     wakes, "%" PRId64 ": %s that returned 1", src, wake_op);
		if (requeue)
			EXPECT_COUNT(tr, count(tr, src, "futex", "futex_requeue", NULL, false, RET_EQ, 1),
				     calls, "%" PRId64 ": requeues that moved one", src);
		EXPECT_COUNT(tr, count(tr, dst, "futex", wait_op, obj, false, ANY, 0), waits,
			     "%s: %s events of %" PRId64 ", truth %" PRId64, obj, wait_op, dst, waits);
		EXPECT_COUNT(tr, count(tr, dst, "futex", wait_op, obj, false, BLOCKED, 0), waits,
			     "%s: %s of %" PRId64 " that blocked", obj, wait_op, dst);
		EXPECT_COUNT(tr, count(tr, dst, "futex", wait_op, obj, false, WOKEN_BY, src), wakes,
			     "%s: waits of %" PRId64 " naming %" PRId64 " as the waker", obj, dst, src);
		/* src's own waits are on the other line, where it is dst */
		for (size_t k = 0; k < tr->truth.n; k++) {
			const struct json_object *u = tr->truth.v[k];
			int64_t d;

			if (!strcmp(json_get_str(u, "mech") ?: "", "futex") &&
			    json_get_int(u, "dst", &d) && d == src)
				json_get_int(u, "waits", &back_waits);
		}
		cr_assert(back_waits >= 0);
		EXPECT_COUNT(tr, count(tr, src, "futex", "futex_wait,futex_wake,futex_lock,futex_unlock,"
				       "futex_requeue", NULL, false, ANY, 0),
			     (uint64_t)(calls * (requeue ? 2 : 1) + back_waits),
			     "%" PRId64 ": all its futex events", src);
		lines++;
	}
	cr_expect_eq(lines, 2);
}

/* FUTEX_WAKE and FUTEX_WAIT on a memfd's word: named as the edges. */
Test(events_sync, futex_raw_wake)
{
	struct traced *tr = trace_events("futex_raw", ARGS("-k", "memfd", "-n", "300"));

	check_futex_raw(tr, "futex_wake", "futex_wait", false, true);
	harness_traced_free(tr);
}

/* WAKE_OP wakes on A and on B: one event, the waiter's on the word it was woken on. */
Test(events_sync, futex_raw_wake_op)
{
	struct traced *tr = trace_events("futex_raw", ARGS("-w", "wakeop", "-n", "300"));

	check_futex_raw(tr, "futex_wake", "futex_wait", false, true);
	harness_traced_free(tr);
}

/* The waiter is moved to B and woken there: its wait is on B, as the edge. */
Test(events_sync, futex_raw_requeue)
{
	struct traced *tr = trace_events("futex_raw", ARGS("-w", "requeue", "-n", "300"));

	check_futex_raw(tr, "futex_wake", "futex_wait", true, true);
	harness_traced_free(tr);
}

/* PI: UNLOCK_PI hands the lock to the waiter in LOCK_PI (UNLOCK_PI returns 0). */
Test(events_sync, futex_raw_pi)
{
	struct traced *tr = trace_events("futex_raw", ARGS("-w", "pi", "-n", "300"));

	check_futex_raw(tr, "futex_unlock", "futex_lock", false, false);
	harness_traced_free(tr);
}

/* ---- mutexes and condition variables: the members, and the report's wake-ups ---- */

#define FUTEX_OPS "futex_wait,futex_wake,futex_lock,futex_unlock,futex_requeue"

/*
 * Every futex event is a member's on the words of t, and whoever ended a
 * wait is a member (not so whatever a call woke: an interrupt's wake-ups
 * while in the call are named too); each futex edge on those words in
 * the final report has as many waits naming its src as the waker as it
 * has wake-ups, and as many wake events of src that did not fail as wake
 * calls.  Returns the edges checked.
 */
static size_t check_members(struct traced *tr, const struct json_object *t)
{
	const char *obj = json_get_str(t, "object"), *pfx = json_get_str(t, "object_prefix");
	const char *want = obj ?: pfx;
	bool prefix = !obj;
	size_t edges = 0, n = 0;

	cr_assert(want);
	for (size_t i = 0; i < tr->events.n; i++) {
		const struct json_object *e = tr->events.v[i];
		int64_t pid, by;

		if (strcmp(json_get_str(e, "mech") ?: "", "futex"))
			continue;
		n++;
		cr_expect(json_get_int(e, "pid", &pid) && harness_is_member(t, pid),
			  "not a member's: %s", tr->events.raw[i]);
		cr_expect(prefix ? !strncmp(json_get_str(e, "object") ?: "", want, strlen(want)) :
				   !strcmp(json_get_str(e, "object") ?: "", want),
			  "not on %s: %s", want, tr->events.raw[i]);
		if (json_get_int(json_get(e, "state"), "woken_by", &by))
			cr_expect(harness_is_member(t, by), "woken by a non-member: %s",
				  tr->events.raw[i]);
	}
	cr_expect(n > 0, "no futex events");
	for (size_t i = 0; i < tr->edges.n; i++) {
		const struct json_object *e = tr->edges.v[i];
		const char *eobj = json_get_str(e, "object") ?: "";
		int64_t src, dst, wakes, calls;

		if (strcmp(json_get_str(e, "mech") ?: "", "futex") ||
		    (prefix ? strncmp(eobj, want, strlen(want)) : strcmp(eobj, want)))
			continue;
		cr_assert(json_get_int(json_get(e, "src"), "pid", &src) &&
			  json_get_int(json_get(e, "dst"), "pid", &dst) &&
			  json_get_int(e, "wakes", &wakes) && json_get_int(e, "wake_calls", &calls));
		EXPECT_COUNT(tr, count(tr, dst, "futex", "futex_wait,futex_lock", eobj, false,
				       WOKEN_BY, src), (uint64_t)wakes,
			     "%s: waits of %" PRId64 " ended by %" PRId64 ", the report's wakes %" PRId64,
			     eobj, dst, src, wakes);
		EXPECT_COUNT(tr, count(tr, src, "futex", "futex_wake", eobj, false, RET_OK, 0),
			     (uint64_t)calls, "%s: wake events of %" PRId64 ", the report's %" PRId64,
			     eobj, src, calls);
		edges++;
	}
	return edges;
}

static const struct json_object *members_line(const struct traced *tr)
{
	for (size_t i = 0; i < tr->truth.n; i++)
		if (json_get(tr->truth.v[i], "members"))
			return tr->truth.v[i];
	cr_assert_fail("no members truth line");
	return NULL;
}

/*
 * The gate holds the mutex until every other worker sleeps on it: its
 * unlock's wake (its first futex event) woke one of them.
 */
Test(events_sync, shm_mutex)
{
	struct traced *tr = trace_events("shm_mutex", ARGS("-p", "4", "-n", "2000"));
	const struct json_object *t = members_line(tr), *gate_ev = NULL;
	int64_t gate = 0, pid;

	cr_expect(check_members(tr, t) > 0, "no futex edge to compare with");
	/* the first worker forked (without -r) */
	gate = json_object_get_int64(json_object_array_get_idx(json_get(t, "members"), 0));
	cr_assert(gate > 0);
	for (size_t i = 0; i < tr->events.n && !gate_ev; i++)
		if (!strcmp(json_get_str(tr->events.v[i], "mech") ?: "", "futex") &&
		    json_get_int(tr->events.v[i], "pid", &pid) && pid == gate)
			gate_ev = tr->events.v[i];
	cr_assert(gate_ev, "no futex event of the gate %" PRId64, gate);
	cr_expect(!strcmp(json_get_str(gate_ev, "op") ?: "", "futex_wake") &&
		  pred_holds(gate_ev, RET_EQ, 1) && json_object_array_length(json_get(gate_ev, "woke")),
		  "the gate's unlock did not wake a sleeping worker");
	harness_traced_free(tr);
}

/* A robust mutex's owner killed: the heir's wait names the victim as its waker, once. */
Test(events_sync, shm_mutex_owner_died)
{
	struct traced *tr = trace_events("shm_mutex", ARGS("-r", "-p", "3", "-n", "500"));
	const struct json_object *t = members_line(tr);
	size_t died = 0;

	check_members(tr, t);
	for (size_t i = 0; i < tr->truth.n; i++) {
		const struct json_object *d = tr->truth.v[i];
		int64_t victim, heir;

		if (!json_get(d, "owner_died") || json_get(d, "wakes"))
			continue;
		cr_assert(json_get_int(d, "src", &victim) && json_get_int(d, "dst", &heir));
		EXPECT_COUNT(tr, count(tr, heir, "futex", "futex_wait,futex_lock",
				       json_get_str(d, "object"), false, WOKEN_BY, victim), 1,
			     "waits of the heir %" PRId64 " ended by the victim %" PRId64, heir,
			     victim);
		died++;
	}
	cr_expect_eq(died, 1);
	harness_traced_free(tr);
}

/* Condition variables: glibc's words of the mapping, each edge's wake-ups as events. */
Test(events_sync, shm_condvar)
{
	struct traced *tr = trace_events("shm_condvar", ARGS("-c", "3", "-n", "3000"));

	cr_expect(check_members(tr, members_line(tr)) > 0, "no futex edge to compare with");
	harness_traced_free(tr);
}

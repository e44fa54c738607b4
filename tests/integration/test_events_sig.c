// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * --events for signals, process lifecycle and shared memory, over the
 * examples: the signal records from each sender to each target equal the
 * truth's msgs exactly (SIGCHLD included, as its own record), deliveries
 * equal the handler runs the example counted, every process of the example
 * exits once and is forked once by its parent, and each process's attach
 * and detach records are the calls the example makes (read from its code:
 * the truth says who shared what, the code how often each maps it).
 */
#include <criterion/criterion.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "harness.h"

#define ARGS(...) ((const char *const[]){ __VA_ARGS__, NULL })

TestSuite(events_sig, .timeout = 180);

/* What an event must be to count; NULL and -1: anything. */
struct ev_match {
	const char *mech, *op, *object;
	int64_t pid, peer, signo;
	const char *code;     /* state.code, the si_code's name */
};

#define ANY .pid = -1, .peer = -1, .signo = -1

static bool ev_is(const struct json_object *e, const struct ev_match *m)
{
	const struct json_object *st = json_get(e, "state"), *peer = json_get(e, "peer");
	int64_t v;

	if (m->mech && strcmp(json_get_str(e, "mech") ?: "", m->mech))
		return false;
	if (m->op && strcmp(json_get_str(e, "op") ?: "", m->op))
		return false;
	if (m->object && strcmp(json_get_str(e, "object") ?: "", m->object))
		return false;
	if (m->pid >= 0 && (!json_get_int(e, "pid", &v) || v != m->pid))
		return false;
	if (m->peer >= 0 && (!json_get_int(peer, "pid", &v) || v != m->peer))
		return false;
	if (m->signo >= 0 && (!json_get_int(st, "signo", &v) || v != m->signo))
		return false;
	if (m->code && strcmp(json_get_str(st, "code") ?: "", m->code))
		return false;
	return true;
}

static size_t ev_count(const struct traced *tr, const struct ev_match *m)
{
	size_t n = 0;

	for (size_t i = 0; i < tr->events.n; i++)
		n += ev_is(tr->events.v[i], m);
	return n;
}

/* The i-th event matching m, or NULL. */
static const struct json_object *ev_nth(const struct traced *tr, const struct ev_match *m,
					size_t nth)
{
	for (size_t i = 0; i < tr->events.n; i++)
		if (ev_is(tr->events.v[i], m) && nth-- == 0)
			return tr->events.v[i];
	return NULL;
}

static int64_t state_int(const struct json_object *e, const char *key)
{
	int64_t v = -1;

	cr_assert(json_get_int(json_get(e, "state"), key, &v), "no state.%s in %s", key,
		  json_object_to_json_string((struct json_object *)e));
	return v;
}

static const char *state_str(const struct json_object *e, const char *key)
{
	const char *s = json_get_str(json_get(e, "state"), key);

	cr_assert(s, "no state.%s in %s", key, json_object_to_json_string((struct json_object *)e));
	return s;
}

/* The example's processes: the pids its truth names (every one is in some line). */
static size_t example_procs(const struct traced *tr, int64_t *pids, size_t max)
{
	size_t n = 0;

	for (size_t i = 0; i < tr->truth.n; i++) {
		const char *keys[] = { "src", "dst" };

		for (int k = 0; k < 2; k++) {
			int64_t p;
			size_t j;

			if (!json_get_int(tr->truth.v[i], keys[k], &p))
				continue;
			for (j = 0; j < n && pids[j] != p; j++)
				;
			if (j == n && n < max)
				pids[n++] = p;
		}
	}
	return n;
}

static bool is_example_pid(const int64_t *pids, size_t n, int64_t p)
{
	for (size_t i = 0; i < n; i++)
		if (pids[i] == p)
			return true;
	return false;
}

/*
 * Every signal truth line: exactly msgs "signal" records from src to dst
 * of that signal and si_code, and, where the example counted handler runs,
 * as many "deliver" records in dst, each with its latency; no signal
 * record between the example's processes that the truth does not have.
 */
static void expect_signal_truth(const struct traced *tr)
{
	int64_t pids[16], total = 0, extra = 0;
	size_t np = example_procs(tr, pids, 16), lines = 0;

	for (size_t i = 0; i < tr->truth.n; i++) {
		const struct json_object *t = tr->truth.v[i];
		int64_t src, dst, signo, msgs, delivered;
		const char *code = json_get_str(t, "code");
		struct ev_match m = { .mech = "signal", .op = "signal", .peer = -1, .code = code };
		size_t n;

		if (strcmp(json_get_str(t, "mech") ?: "", "signal"))
			continue;
		cr_assert(json_get_int(t, "src", &src) && json_get_int(t, "dst", &dst) &&
			  json_get_int(t, "signo", &signo) && json_get_int(t, "msgs", &msgs));
		m.pid = src;
		m.peer = dst;
		m.signo = signo;
		n = ev_count(tr, &m);
		if (n != (size_t)msgs)
			harness_dump(tr, "signal records differ from the truth");
		cr_expect_eq(n, (size_t)msgs, "%s %s %" PRId64 " -> %" PRId64 ": %zu records, truth %"
			     PRId64, json_get_str(t, "signal"), code, src, dst, n, msgs);
		total += msgs;
		lines++;
		for (size_t k = 0; k < n; k++) {
			const struct json_object *e = ev_nth(tr, &m, k);

			/* the examples block nothing but what they wait for: never merged */
			cr_expect(!strcmp(state_str(e, "result"), signo == 17 ? "ignored" : "queued"),
				  "%s", json_object_to_json_string((struct json_object *)e));
			if (signo == 17)
				cr_expect_eq(state_int(e, "status"), 0, "the examples exit 0");
		}
		if (json_get_int(t, "delivered", &delivered)) {
			struct ev_match d = { .mech = "signal", .op = "deliver", .pid = dst, .peer = -1,
					      .signo = signo, .code = code };
			size_t nd = ev_count(tr, &d);

			cr_expect_eq(nd, (size_t)delivered, "%s to %" PRId64 ": %zu deliver records, "
				     "truth %" PRId64, json_get_str(t, "signal"), dst, nd, delivered);
			for (size_t k = 0; k < nd; k++) {
				const struct json_object *e = ev_nth(tr, &d, k);

				cr_expect_str_eq(state_str(e, "disposition"), "handler");
				cr_expect_geq(state_int(e, "latency_ns"), 0);
			}
		}
	}
	cr_assert(lines > 0, "no signal truth");
	for (size_t i = 0; i < tr->events.n; i++) {
		const struct json_object *e = tr->events.v[i];
		int64_t p, q;

		if (ev_is(e, &(struct ev_match){ .mech = "signal", .op = "signal", ANY }) &&
		    json_get_int(e, "pid", &p) && json_get_int(json_get(e, "peer"), "pid", &q) &&
		    is_example_pid(pids, np, p) && is_example_pid(pids, np, q))
			extra++;
	}
	cr_expect_eq(extra, total, "%" PRId64 " signal records between the example's processes, "
		     "truth %" PRId64, extra, total);
}

/* Each process of the example exits once, with status 0 and its parent named. */
static void expect_exits(const struct traced *tr, size_t want_procs)
{
	int64_t pids[16];
	size_t np = example_procs(tr, pids, 16);

	cr_expect_eq(np, want_procs, "the truth names %zu processes", np);
	for (size_t i = 0; i < np; i++) {
		struct ev_match m = { .mech = "process", .op = "exit", .pid = pids[i], .peer = -1,
				      .signo = -1 };
		size_t n = ev_count(tr, &m);
		const struct json_object *e = ev_nth(tr, &m, 0);
		int64_t ret;

		cr_expect_eq(n, 1, "%" PRId64 ": %zu exit records", pids[i], n);
		if (!e)
			continue;
		cr_expect_eq(state_int(e, "status"), 0);
		cr_expect_eq(state_int(e, "exit_code"), 0);
		cr_expect(json_get_int(e, "ret", &ret) && ret == 0);
		cr_expect_gt(state_int(e, "ppid"), 0);
	}
}

/* parent forked each child in kids once: a "fork" record with the child as peer. */
static void expect_forks(const struct traced *tr, int64_t parent, const int64_t *kids, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		struct ev_match m = { .mech = "process", .op = "fork", .pid = parent,
				      .peer = kids[i], .signo = -1 };
		const struct json_object *e = ev_nth(tr, &m, 0);
		int64_t ret;

		cr_expect_eq(ev_count(tr, &m), 1, "fork %" PRId64 " -> %" PRId64, parent, kids[i]);
		cr_expect(e && json_get_int(e, "ret", &ret) && ret == kids[i]);
	}
	cr_expect_eq(ev_count(tr, &(struct ev_match){ .mech = "process", .op = "fork",
						      .pid = parent, .peer = -1, .signo = -1 }),
		     n, "%" PRId64 " forked more than its children", parent);
}

/* The i-th truth line of mech (in the order printed), or fail. */
static const struct json_object *truth_of(const struct traced *tr, const char *mech, size_t nth)
{
	for (size_t i = 0; i < tr->truth.n; i++)
		if (!strcmp(json_get_str(tr->truth.v[i], "mech") ?: "", mech) && nth-- == 0)
			return tr->truth.v[i];
	cr_assert_fail("no truth line %zu of %s", nth, mech);
	return NULL;
}

static int64_t truth_int(const struct json_object *t, const char *key)
{
	int64_t v;

	cr_assert(json_get_int(t, key, &v), "truth has no %s", key);
	return v;
}

/*
 * pid's attach and detach records on object (mech): as many as the
 * example's calls; every attach shares size bytes writable.
 */
static void expect_attach(const struct traced *tr, const char *mech, const char *object,
			  int64_t pid, size_t attaches, size_t detaches, int64_t size)
{
	struct ev_match a = { .mech = mech, .op = "attach", .object = object, .pid = pid,
			      .peer = -1, .signo = -1 };
	struct ev_match d = { .mech = mech, .op = "detach", .object = object, .pid = pid,
			      .peer = -1, .signo = -1 };
	size_t na = ev_count(tr, &a), nd = ev_count(tr, &d);

	if (na != attaches || nd != detaches)
		harness_dump(tr, "attach/detach records differ from the example's calls");
	cr_expect_eq(na, attaches, "%s %" PRId64 ": %zu attach records, the example made %zu",
		     object, pid, na, attaches);
	cr_expect_eq(nd, detaches, "%s %" PRId64 ": %zu detach records, the example made %zu",
		     object, pid, nd, detaches);
	for (size_t k = 0; k < na; k++) {
		const struct json_object *e = ev_nth(tr, &a, k);

		cr_expect_eq(state_int(e, "size"), size, "%s", json_object_to_json_string((struct json_object *)e));
		cr_expect(json_is_true(json_get(e, "state"), "writable"));
		cr_expect_geq(state_int(e, "writable_maps"), 1);
	}
	for (size_t k = 0; k < nd; k++) {
		const struct json_object *e = ev_nth(tr, &d, k);
		int64_t ret;

		cr_expect(json_get_int(e, "ret", &ret) && ret == 0);
		/* a mapping is whole pages */
		cr_expect(state_int(e, "length") >= size && state_int(e, "length") % 4096 == 0);
	}
}

Test(events_sig, signals_generate_deliver_sigwait)
{
	struct traced *tr;
	int64_t parent, child, to_child = 0;
	const struct json_object *t;

	harness_require_bpf();
	harness_require_binaries("signals");
	tr = harness_trace_example_opts("signals", ARGS("--events"), ARGS("-n", "50"));
	expect_signal_truth(tr);
	expect_exits(tr, 2);
	/* the SIGUSR1 line: parent -> child */
	t = truth_of(tr, "signal", 1);
	parent = truth_int(t, "src");
	child = truth_int(t, "dst");
	expect_forks(tr, parent, &child, 1);

	/*
	 * Each signal ends one sigsuspend of its target (both block them all
	 * outside it, and one is in flight at a time): the child's waits are
	 * the parent's signals, the parent's the child's acks, each with the
	 * signal that ended it.
	 */
	for (size_t i = 0; i < tr->truth.n; i++) {
		int64_t src, dst, signo, msgs;
		size_t n;

		t = tr->truth.v[i];
		if (!json_get_int(t, "src", &src) || src != parent || !json_get_int(t, "dst", &dst) ||
		    dst != child)
			continue;
		signo = truth_int(t, "signo");
		msgs = truth_int(t, "msgs");
		/* tgkill's SIGUSR2 is the parent's only SIGUSR2 to the child */
		n = ev_count(tr, &(struct ev_match){ .mech = "signal", .op = "sigwait", .pid = child,
						     .peer = -1, .signo = signo });
		cr_expect_eq(n, (size_t)msgs, "child's sigwaits ended by %" PRId64 ": %zu, truth %"
			     PRId64, signo, n, msgs);
		to_child += msgs;
	}
	cr_expect_eq(ev_count(tr, &(struct ev_match){ .mech = "signal", .op = "sigwait",
						      .pid = child, .peer = -1, .signo = -1 }),
		     (size_t)to_child);
	t = truth_of(tr, "signal", 0); /* the child's acks */
	cr_expect_eq(truth_int(t, "src"), child);
	cr_expect_eq(ev_count(tr, &(struct ev_match){ .mech = "signal", .op = "sigwait",
						      .pid = parent, .peer = -1, .signo = 12 }),
		     (size_t)truth_int(t, "msgs"));
	cr_expect_eq(ev_count(tr, &(struct ev_match){ .mech = "signal", .op = "sigwait",
						      .pid = parent, .peer = -1, .signo = -1 }),
		     (size_t)truth_int(t, "msgs"));
	for (size_t i = 0; i < tr->events.n; i++) {
		const struct json_object *e = tr->events.v[i];
		int64_t ret;

		if (!ev_is(e, &(struct ev_match){ .mech = "signal", .op = "sigwait", ANY }))
			continue;
		cr_expect_str_eq(state_str(e, "call"), "sigsuspend");
		cr_expect(json_get_int(e, "ret", &ret) && ret == -4, "sigsuspend returns EINTR");
		/* a sender named is the one the truth says sent that signal */
		if (json_get(e, "peer")) {
			int64_t pid, peer;

			json_get_int(e, "pid", &pid);
			json_get_int(json_get(e, "peer"), "pid", &peer);
			cr_expect_eq(peer, pid == child ? parent : child);
			cr_expect_geq(state_int(e, "since_sent_ns"), 0);
		}
	}
	harness_traced_free(tr);
}

/* The stages' SIGCHLDs, each its own record with the parent as peer, after the stage's exit. */
Test(events_sig, pipeline_sigchld_exit_fork)
{
	struct traced *tr;
	int64_t parent = -1, kids[3];

	harness_require_bpf();
	harness_require_binaries("pipeline");
	tr = harness_trace_example_opts("pipeline", ARGS("--events"), ARGS("-n", "100"));
	expect_signal_truth(tr);
	expect_exits(tr, 4);
	for (size_t i = 0; i < 3; i++) {
		const struct json_object *t = truth_of(tr, "signal", i);
		struct ev_match x = { .mech = "process", .op = "exit", .peer = -1, .signo = -1 };
		struct ev_match s = { .mech = "signal", .op = "signal", .signo = 17 };
		size_t ix = tr->events.n, is = tr->events.n;

		kids[i] = truth_int(t, "src");
		parent = truth_int(t, "dst");
		x.pid = s.pid = kids[i];
		s.peer = parent;
		for (size_t k = 0; k < tr->events.n; k++) {
			if (ev_is(tr->events.v[k], &x))
				ix = k;
			if (ev_is(tr->events.v[k], &s))
				is = k;
		}
		cr_expect(ix < is && is < tr->events.n,
			  "%" PRId64 ": its exit record comes before its SIGCHLD", kids[i]);
	}
	expect_forks(tr, parent, kids, 3);
	harness_traced_free(tr);
}

/*
 * SysV: the parent shmats once and shmdts once; the child inherits the
 * attachment and shmdts it, while the parent is still attached.  The
 * kernel's shm_nattch: 1 after the parent's shmat, 1 after the child's
 * shmdt, 0 after the parent's.
 */
Test(events_sig, sysv_shm_attach_detach)
{
	const struct json_object *t, *e;
	struct traced *tr;
	const char *obj;
	int64_t parent, child, size;

	harness_require_bpf();
	harness_require_binaries("sysv_shm_sem");
	harness_wait_detached();
	tr = harness_trace_example_opts("sysv_shm_sem", ARGS("--events"), ARGS("-n", "50"));
	t = truth_of(tr, "shm", 0);
	obj = json_get_str(t, "object");
	parent = truth_int(t, "src");
	child = truth_int(t, "dst");
	size = truth_int(t, "size");
	expect_attach(tr, "shm", obj, parent, 1, 1, size);
	expect_attach(tr, "shm", obj, child, 0, 1, size);
	e = ev_nth(tr, &(struct ev_match){ .mech = "shm", .op = "attach", .pid = parent,
					   .peer = -1, .signo = -1 }, 0);
	cr_assert(e);
	cr_expect_str_eq(state_str(e, "kind"), "sysv");
	cr_expect_str_eq(state_str(e, "call"), "shmat");
	cr_expect_eq(state_int(e, "nattch"), 1);
	cr_expect_eq(state_int(e, "shmid"), strtoll(obj + 4, NULL, 10));
	e = ev_nth(tr, &(struct ev_match){ .mech = "shm", .op = "detach", .pid = child,
					   .peer = -1, .signo = -1 }, 0);
	cr_assert(e);
	cr_expect_eq(state_int(e, "nattch"), 1);
	e = ev_nth(tr, &(struct ev_match){ .mech = "shm", .op = "detach", .pid = parent,
					   .peer = -1, .signo = -1 }, 0);
	cr_assert(e);
	cr_expect_eq(state_int(e, "nattch"), 0);
	expect_signal_truth(tr);
	expect_exits(tr, 2);
	expect_forks(tr, parent, &child, 1);
	harness_traced_free(tr);
}

/* POSIX shm: the parent maps and unmaps the ring once, the consumer too after its exec. */
Test(events_sig, posix_shm_attach_detach)
{
	const struct json_object *t;
	struct traced *tr;
	const char *obj;
	int64_t parent, child, size;

	harness_require_bpf();
	harness_require_binaries("posix_shm_sem");
	tr = harness_trace_example_opts("posix_shm_sem", ARGS("--events"), ARGS("-n", "50"));
	t = truth_of(tr, "shm", 0);
	obj = json_get_str(t, "object");
	parent = truth_int(t, "src");
	child = truth_int(t, "dst");
	size = truth_int(t, "size");
	expect_attach(tr, "shm", obj, parent, 1, 1, size);
	expect_attach(tr, "shm", obj, child, 1, 1, size);
	cr_expect_eq(ev_count(tr, &(struct ev_match){ .mech = "process", .op = "exec",
						      .pid = child, .peer = -1, .signo = -1 }), 1);
	expect_signal_truth(tr);
	expect_exits(tr, 2);
	harness_traced_free(tr);
}

/*
 * memfd: the parent maps it twice (and unmaps twice); A only inherits it;
 * B and C each map and unmap it once.
 */
Test(events_sig, memfd_attach_detach)
{
	const struct json_object *t;
	struct traced *tr;
	const char *obj;
	int64_t parent, a, b, c, size;

	harness_require_bpf();
	harness_require_binaries("memfd");
	tr = harness_trace_example_opts("memfd", ARGS("--events"), ARGS("-s", "65536"));
	t = truth_of(tr, "shm", 0);
	obj = json_get_str(t, "object");
	parent = truth_int(t, "src");
	a = truth_int(t, "dst");
	size = truth_int(t, "size");
	c = truth_int(truth_of(tr, "shm", 1), "dst");
	b = truth_int(truth_of(tr, "signal", 1), "src"); /* SIGCHLDs: a, b, c */
	cr_assert_eq(truth_int(truth_of(tr, "signal", 0), "src"), a);
	expect_attach(tr, "shm", obj, parent, 2, 2, size);
	expect_attach(tr, "shm", obj, a, 0, 0, size);
	expect_attach(tr, "shm", obj, b, 1, 1, size);
	expect_attach(tr, "shm", obj, c, 1, 1, size);
	cr_expect_eq(ev_count(tr, &(struct ev_match){ .mech = "shm", .op = "attach", ANY }), 4);
	expect_signal_truth(tr);
	expect_exits(tr, 4);
	expect_forks(tr, parent, (int64_t[]){ a, b, c }, 3);
	harness_traced_free(tr);
}

/* A shared file: each maps and unmaps it once; C msyncs once, as the truth says. */
Test(events_sig, mmap_file_attach_detach_msync)
{
	const struct json_object *t;
	struct traced *tr;
	const char *obj;
	int64_t p, c, size;

	harness_require_bpf();
	harness_require_binaries("mmap_file");
	tr = harness_trace_example_opts("mmap_file", ARGS("--events"), ARGS("-s", "65536"));
	t = truth_of(tr, "mmap", 0);
	obj = json_get_str(t, "object");
	p = truth_int(t, "src");
	c = truth_int(t, "dst");
	size = truth_int(t, "size");
	expect_attach(tr, "mmap", obj, p, 1, 1, size);
	expect_attach(tr, "mmap", obj, c, 1, 1, size);
	cr_expect_eq(ev_count(tr, &(struct ev_match){ .mech = "mmap", .op = "msync", .object = obj,
						      .pid = c, .peer = -1, .signo = -1 }),
		     (size_t)truth_int(json_get(t, "msyncs"), "dst"));
	cr_expect_eq(ev_count(tr, &(struct ev_match){ .mech = "mmap", .op = "msync", .pid = p,
						      .peer = -1, .signo = -1 }),
		     (size_t)truth_int(json_get(t, "msyncs"), "src"));
	expect_signal_truth(tr);
	expect_exits(tr, 2);
	harness_traced_free(tr);
}

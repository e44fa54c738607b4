// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * --events over the message queue examples: for every queue edge the
 * example knows, the sender's successful send records and the receiver's
 * receive records add up to its truth exactly (messages, bytes, the
 * priorities or mtypes), on the object the report names; the queue state
 * they carry stays within the queue's limits; the order receivers took
 * messages in is the one the kernel guarantees; and the moments the
 * examples arrange (a full queue, a sender asleep on it) are in the
 * records as such.
 */
#include <criterion/criterion.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "harness.h"

#define ARGS(...) ((const char *const[]){ __VA_ARGS__, NULL })

TestSuite(events_mq, .timeout = 180);

static struct traced *trace_events(const char *example, const char *const args[])
{
	return harness_trace_example_opts(example, ARGS("--events"), args);
}

/* pid's records of op on object, in the order the kernel committed them. */
struct picked {
	const struct json_object **v;
	const char **raw;
	size_t n;
};

static struct picked pick(const struct traced *tr, int64_t pid, const char *op,
			  const char *object)
{
	struct picked p = { calloc(tr->events.n + 1, sizeof(*p.v)),
			    calloc(tr->events.n + 1, sizeof(*p.raw)), 0 };
	int64_t epid;

	cr_assert(p.v && p.raw);
	for (size_t i = 0; i < tr->events.n; i++) {
		const struct json_object *e = tr->events.v[i];

		if (!json_get_int(e, "pid", &epid) || epid != pid ||
		    strcmp(json_get_str(e, "op") ?: "", op) ||
		    (object && strcmp(json_get_str(e, "object") ?: "", object)))
			continue;
		p.raw[p.n] = tr->events.raw[i];
		p.v[p.n++] = e;
	}
	return p;
}

static void picked_free(struct picked *p)
{
	free(p->v);
	free(p->raw);
}

static int64_t ret_of(const struct json_object *e)
{
	int64_t ret = INT64_MIN;

	cr_assert(json_get_int(e, "ret", &ret));
	return ret;
}

static int64_t state_int(const struct json_object *e, const char *raw, const char *key)
{
	int64_t x = 0;

	cr_assert(json_get_int(json_get(e, "state"), key, &x), "no state.%s: %s", key, raw);
	return x;
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

/* The successful records (a send returns 0, a receive the bytes it took), tag by tag. */
struct tally {
	uint64_t n, bytes;
	int64_t tag[64];
	uint64_t count[64];
	int n_tags;
};

static void tally_add(struct tally *t, int64_t tag, uint64_t bytes)
{
	int i;

	t->n++;
	t->bytes += bytes;
	for (i = 0; i < t->n_tags && t->tag[i] != tag; i++)
		;
	cr_assert(i < 64, "too many tags");
	if (i == t->n_tags) {
		t->tag[t->n_tags] = tag;
		t->count[t->n_tags++] = 0;
	}
	t->count[i]++;
}

/* The tally's tags are exactly the truth's histogram ("priorities" or "mtypes"). */
static void expect_tags(const struct tally *t, const struct json_object *hist, const char *who)
{
	int n = 0;

	cr_assert(hist, "the truth has no tag histogram");
	json_object_object_foreach((struct json_object *)hist, key, val) {
		int64_t tag = strtoll(key, NULL, 10), want = json_object_get_int64(val);
		uint64_t got = 0;

		for (int i = 0; i < t->n_tags; i++)
			if (t->tag[i] == tag)
				got = t->count[i];
		cr_expect_eq(got, (uint64_t)want, "%s: %" PRIu64 " messages tagged %" PRId64
			     ", truth %" PRId64, who, got, tag, want);
		n++;
	}
	cr_expect_eq(t->n_tags, n, "%s: %d tags, the truth has %d", who, t->n_tags, n);
}

/*
 * One queue edge of the truth: src's successful sends and dst's receives
 * on its object add up to its messages and bytes, tag by tag.  Returns
 * the records (sends, receives) for further checks.
 */
static void expect_edge(const struct traced *tr, const struct json_object *t, bool mq,
			struct picked *tx, struct picked *rx)
{
	const char *obj = json_get_str(t, "object");
	const char *tag = mq ? "prio" : "mtype";
	struct tally st = {}, rt = {};
	int64_t src, dst, msgs, bytes;

	cr_assert(obj && json_get_int(t, "src", &src) && json_get_int(t, "dst", &dst) &&
		  json_get_int(t, "msgs", &msgs) && json_get_int(t, "bytes", &bytes));
	*tx = pick(tr, src, mq ? "mq_send" : "msgsnd", obj);
	*rx = pick(tr, dst, mq ? "mq_receive" : "msgrcv", obj);
	for (size_t i = 0; i < tx->n; i++) {
		int64_t asked;

		if (ret_of(tx->v[i]) != 0)
			continue;
		cr_assert(json_get_int(tx->v[i], "bytes", &asked));
		tally_add(&st, state_int(tx->v[i], tx->raw[i], tag), asked);
	}
	for (size_t i = 0; i < rx->n; i++) {
		int64_t got = ret_of(rx->v[i]), asked;

		if (got < 0)
			continue;
		cr_assert(json_get_int(rx->v[i], "bytes", &asked));
		cr_expect(got <= asked, "took more than its buffer: %s", rx->raw[i]);
		tally_add(&rt, state_int(rx->v[i], rx->raw[i], tag), got);
	}
	if (st.n != (uint64_t)msgs || st.bytes != (uint64_t)bytes || rt.n != (uint64_t)msgs ||
	    rt.bytes != (uint64_t)bytes)
		harness_dump(tr, "event sums differ from the truth");
	cr_expect_eq(st.n, (uint64_t)msgs, "%s: %" PRId64 " -> %" PRId64 ": %" PRIu64
		     " sends, truth %" PRId64, obj, src, dst, st.n, msgs);
	cr_expect_eq(st.bytes, (uint64_t)bytes, "%s: sent %" PRIu64 " bytes, truth %" PRId64, obj,
		     st.bytes, bytes);
	cr_expect_eq(rt.n, (uint64_t)msgs, "%s: %" PRIu64 " receives, truth %" PRId64, obj, rt.n,
		     msgs);
	cr_expect_eq(rt.bytes, (uint64_t)bytes, "%s: received %" PRIu64 " bytes, truth %" PRId64,
		     obj, rt.bytes, bytes);
	expect_tags(&st, json_get(t, mq ? "priorities" : "mtypes"), "sent");
	expect_tags(&rt, json_get(t, mq ? "priorities" : "mtypes"), "received");
}

/* An mq record's depth within mq_maxmsg, the limits the truth's, the flag for what it found. */
static void expect_mq_state(const struct picked *p, const struct json_object *queue, bool send)
{
	int64_t maxmsg, msgsize;

	cr_assert(json_get_int(queue, "maxmsg", &maxmsg) &&
		  json_get_int(queue, "msgsize", &msgsize));
	for (size_t i = 0; i < p->n; i++) {
		const struct json_object *e = p->v[i];
		int64_t d0 = state_int(e, p->raw[i], "depth_before");
		int64_t d1 = state_int(e, p->raw[i], "depth");

		cr_expect_eq(state_int(e, p->raw[i], "maxmsg"), maxmsg, "%s", p->raw[i]);
		cr_expect_eq(state_int(e, p->raw[i], "msgsize"), msgsize, "%s", p->raw[i]);
		cr_expect(d0 >= 0 && d0 <= maxmsg && d1 >= 0 && d1 <= maxmsg,
			  "depth out of range: %s", p->raw[i]);
		cr_expect(json_get(json_get(e, "state"), send ? "found_full" : "found_empty"),
			  "%s", p->raw[i]);
		if (send)
			cr_expect(json_is_true(json_get(e, "state"), "found_full") == (d0 >= maxmsg),
				  "found_full is not depth_before >= maxmsg: %s", p->raw[i]);
		else
			cr_expect(json_is_true(json_get(e, "state"), "found_empty") == (d0 == 0),
				  "found_empty is not depth_before == 0: %s", p->raw[i]);
	}
}

/*
 * mq_receive takes the oldest message of the highest priority queued.  One
 * sender and one receiver: when receive j (0-based) came in, depth_before
 * + j messages had gone in, the first ones the sender sent; the j taken
 * before are gone.  Of each priority at least (sent among those) - (taken
 * so far) were there when it took its message: none of a higher priority
 * may be left behind.  Returns how many receives had such a lower bound
 * to respect.
 */
static size_t expect_priority_order(const struct picked *tx, const struct picked *rx)
{
	int64_t *sent = calloc(tx->n + 1, sizeof(*sent));
	size_t ns = 0, j = 0, bounded = 0;
	struct tally taken = {};

	cr_assert(sent);
	for (size_t i = 0; i < tx->n; i++)
		if (ret_of(tx->v[i]) == 0)
			sent[ns++] = state_int(tx->v[i], tx->raw[i], "prio");
	for (size_t i = 0; i < rx->n; i++) {
		int64_t prio, d0;
		size_t in;
		struct tally there = {};

		if (ret_of(rx->v[i]) < 0)
			continue;
		prio = state_int(rx->v[i], rx->raw[i], "prio");
		d0 = state_int(rx->v[i], rx->raw[i], "depth_before");
		in = (size_t)d0 + j;
		cr_assert(in <= ns, "%zu messages in before receive %zu, %zu sent: %s", in, j, ns,
			  rx->raw[i]);
		for (size_t k = 0; k < in; k++)
			tally_add(&there, sent[k], 0);
		for (int a = 0; a < there.n_tags; a++) {
			int64_t left = (int64_t)there.count[a];

			for (int b = 0; b < taken.n_tags; b++)
				if (taken.tag[b] == there.tag[a])
					left -= (int64_t)taken.count[b];
			if (left > 0)
				bounded++;
			cr_expect(left <= 0 || there.tag[a] <= prio,
				  "receive %zu took priority %" PRId64 " while %" PRId64
				  " of priority %" PRId64 " were queued: %s", j, prio, left,
				  there.tag[a], rx->raw[i]);
		}
		tally_add(&taken, prio, 0);
		j++;
	}
	free(sent);
	return bounded;
}

static bool is_mech(const struct json_object *t, const char *mech)
{
	return !strcmp(json_get_str(t, "mech") ?: "", mech);
}

Test(events_mq, posix_mq)
{
	struct traced *tr = trace_events("posix_mq", ARGS("-n", "400"));
	size_t edges = 0;

	for (size_t i = 0; i < tr->truth.n; i++) {
		const struct json_object *t = tr->truth.v[i], *queue = json_get(t, "queue");
		struct picked tx, rx;

		if (!is_mech(t, "mq"))
			continue;
		expect_edge(tr, t, true, &tx, &rx);
		expect_mq_state(&tx, queue, true);
		expect_mq_state(&rx, queue, false);
		/* the reply queue holds one message: only the big one has an order to keep */
		if (tx.n > 1)
			cr_expect(expect_priority_order(&tx, &rx) > 0,
				  "no receive found several priorities queued");
		picked_free(&tx);
		picked_free(&rx);
		edges++;
	}
	cr_expect_eq(edges, 2);
	harness_traced_free(tr);
}

/*
 * The example fills the queue (-q 8) and lets the producer fall asleep on
 * it before the first receive: the ninth send found it full and slept, the
 * first receive found 8 messages, took the highest priority of them and
 * woke the producer.  Then the queue's lifecycle: two mq_open, one
 * mq_notify registration, two mq_unlink by the consumer.
 */
Test(events_mq, posix_mq_full_and_lifecycle)
{
	struct traced *tr = trace_events("posix_mq", ARGS("-n", "100", "-q", "8"));
	const struct json_object *big = NULL, *small = NULL;
	int64_t src, dst, depth_max, first_max = -1, blocked;
	struct picked tx, rx, open, notify, unlink;

	for (size_t i = 0; i < tr->truth.n; i++) {
		const struct json_object *t = tr->truth.v[i];
		int64_t msgs;

		if (is_mech(t, "mq") && json_get_int(t, "msgs", &msgs))
			*(msgs > 1 ? &big : &small) = t;
	}
	cr_assert(big && small);
	cr_assert(json_get_int(big, "src", &src) && json_get_int(big, "dst", &dst) &&
		  json_get_int(json_get(big, "queue"), "depth_max", &depth_max));
	cr_assert_eq(depth_max, 8);
	tx = pick(tr, src, "mq_send", json_get_str(big, "object"));
	rx = pick(tr, dst, "mq_receive", json_get_str(big, "object"));
	cr_assert(tx.n > 8 && rx.n > 0, "%zu sends, %zu receives", tx.n, rx.n);
	cr_expect(json_is_true(json_get(tx.v[8], "state"), "found_full"), "%s", tx.raw[8]);
	cr_expect_eq(state_int(tx.v[8], tx.raw[8], "depth_before"), 8, "%s", tx.raw[8]);
	cr_expect(json_get_int(tx.v[8], "blocked_ns", &blocked) && blocked > 0,
		  "the send on the full queue did not sleep: %s", tx.raw[8]);
	for (size_t i = 0; i < 8; i++) {
		int64_t p = state_int(tx.v[i], tx.raw[i], "prio");

		cr_expect(!json_is_true(json_get(tx.v[i], "state"), "found_full"), "%s", tx.raw[i]);
		first_max = p > first_max ? p : first_max;
	}
	cr_expect_eq(state_int(rx.v[0], rx.raw[0], "depth_before"), 8, "%s", rx.raw[0]);
	cr_expect_eq(state_int(rx.v[0], rx.raw[0], "prio"), first_max, "%s", rx.raw[0]);
	cr_expect(woke_has(rx.v[0], src), "the first receive does not name the sender: %s",
		  rx.raw[0]);

	open = pick(tr, dst, "mq_open", NULL);
	notify = pick(tr, dst, "mq_notify", NULL);
	unlink = pick(tr, dst, "mq_unlink", NULL);
	cr_expect_eq(open.n, 2);
	cr_expect_eq(unlink.n, 2);
	cr_expect_eq(notify.n, 1);
	for (size_t i = 0; i < open.n && i < 2; i++) {
		const struct json_object *t = i ? small : big;

		cr_expect_str_eq(json_get_str(open.v[i], "object"), json_get_str(t, "object"));
		cr_expect(ret_of(open.v[i]) >= 0, "%s", open.raw[i]);
		cr_expect_eq(state_int(open.v[i], open.raw[i], "depth"), 0, "%s", open.raw[i]);
		cr_expect_eq(state_int(open.v[i], open.raw[i], "maxmsg"), i ? 1 : 8, "%s",
			     open.raw[i]);
	}
	for (size_t i = 0; i < unlink.n && i < 2; i++) {
		cr_expect_str_eq(json_get_str(unlink.v[i], "object"),
				 json_get_str(i ? small : big, "object"));
		cr_expect_eq(ret_of(unlink.v[i]), 0, "%s", unlink.raw[i]);
	}
	if (notify.n == 1) {
		cr_expect_str_eq(json_get_str(notify.v[0], "object"), json_get_str(big, "object"));
		cr_expect_eq(ret_of(notify.v[0]), 0);
		cr_expect(!json_is_true(json_get(notify.v[0], "state"), "unregister"), "%s",
			  notify.raw[0]);
	}
	picked_free(&tx);
	picked_free(&rx);
	picked_free(&open);
	picked_free(&notify);
	picked_free(&unlink);
	harness_traced_free(tr);
}

/* A msg record: q_cbytes within q_qbytes (the truth's), the flag for what it found. */
static void expect_msg_state(const struct picked *p, const struct json_object *queue, bool send)
{
	int64_t qbytes;

	cr_assert(json_get_int(queue, "qbytes", &qbytes));
	for (size_t i = 0; i < p->n; i++) {
		const struct json_object *e = p->v[i];
		int64_t q0 = state_int(e, p->raw[i], "qnum_before");
		int64_t q1 = state_int(e, p->raw[i], "qnum");
		int64_t c0 = state_int(e, p->raw[i], "cbytes_before");
		int64_t c1 = state_int(e, p->raw[i], "cbytes");

		cr_expect_eq(state_int(e, p->raw[i], "qbytes"), qbytes, "%s", p->raw[i]);
		/* ipc/msg.c msg_fits_inqueue(): messages and bytes both within q_qbytes */
		cr_expect(c0 >= 0 && c0 <= qbytes && c1 >= 0 && c1 <= qbytes && q0 >= 0 &&
			  q0 <= qbytes && q1 >= 0 && q1 <= qbytes, "out of range: %s", p->raw[i]);
		cr_expect(json_get(json_get(e, "state"), send ? "found_full" : "found_empty"),
			  "%s", p->raw[i]);
	}
}

Test(events_mq, sysv_msg)
{
	struct traced *tr = trace_events("sysv_msg", ARGS("-n", "600", "-s", "64", "-t", "5"));
	size_t edges = 0;
	int64_t parent = 0;
	struct picked rmid;

	for (size_t i = 0; i < tr->truth.n; i++) {
		const struct json_object *t = tr->truth.v[i], *queue = json_get(t, "queue");
		struct picked tx, rx;
		size_t k = 0;

		if (!is_mech(t, "msg"))
			continue;
		expect_edge(tr, t, false, &tx, &rx);
		expect_msg_state(&tx, queue, true);
		expect_msg_state(&rx, queue, false);
		/* msgrcv(..., msgtyp 0): first in, first out, whatever the mtype */
		for (size_t a = 0; a < tx.n; a++) {
			if (ret_of(tx.v[a]) != 0)
				continue;
			while (k < rx.n && ret_of(rx.v[k]) < 0)
				k++;
			cr_assert(k < rx.n, "fewer receives than sends");
			cr_expect_eq(state_int(rx.v[k], rx.raw[k], "mtype"),
				     state_int(tx.v[a], tx.raw[a], "mtype"),
				     "message %zu out of order: %s", a, rx.raw[k]);
			k++;
		}
		picked_free(&tx);
		picked_free(&rx);
		edges++;
	}
	cr_expect_eq(edges, 2);

	/* both queues removed by the parent (the edge whose sender made the reply) */
	for (size_t i = 0; i < tr->truth.n; i++) {
		int64_t msgs;

		if (is_mech(tr->truth.v[i], "msg") && json_get_int(tr->truth.v[i], "msgs", &msgs) &&
		    msgs == 1)
			cr_assert(json_get_int(tr->truth.v[i], "src", &parent));
	}
	rmid = pick(tr, parent, "msgctl", NULL);
	cr_expect_eq(rmid.n, 2);
	for (size_t i = 0; i < rmid.n; i++) {
		cr_expect_eq(ret_of(rmid.v[i]), 0, "%s", rmid.raw[i]);
		cr_expect_str_eq(json_get_str(json_get(rmid.v[i], "state"), "cmd"), "IPC_RMID");
		/* everything sent was taken before */
		cr_expect_eq(state_int(rmid.v[i], rmid.raw[i], "qnum_before"), 0, "%s",
			     rmid.raw[i]);
	}
	picked_free(&rmid);
	harness_traced_free(tr);
}

/*
 * The example lets q_qbytes fill and the producer sleep before the first
 * msgrcv: the send after the last that fit found the queue full and slept;
 * the first receive found depth_max messages, bytes_max bytes, and woke
 * the producer.
 */
Test(events_mq, sysv_msg_full)
{
	struct traced *tr = trace_events("sysv_msg", ARGS("-n", "600", "-s", "64"));
	const struct json_object *big = NULL, *queue;
	int64_t src, dst, depth_max, bytes_max, blocked;
	struct picked tx, rx;

	for (size_t i = 0; i < tr->truth.n; i++) {
		int64_t msgs;

		if (is_mech(tr->truth.v[i], "msg") && json_get_int(tr->truth.v[i], "msgs", &msgs) &&
		    msgs > 1)
			big = tr->truth.v[i];
	}
	cr_assert(big);
	queue = json_get(big, "queue");
	cr_assert(json_get_int(big, "src", &src) && json_get_int(big, "dst", &dst) &&
		  json_get_int(queue, "depth_max", &depth_max) &&
		  json_get_int(queue, "bytes_max", &bytes_max));
	cr_assert(depth_max < 600, "the queue never filled: raise -n");
	tx = pick(tr, src, "msgsnd", json_get_str(big, "object"));
	rx = pick(tr, dst, "msgrcv", json_get_str(big, "object"));
	cr_assert(tx.n > (size_t)depth_max && rx.n > 0, "%zu sends, %zu receives", tx.n, rx.n);
	for (int64_t i = 0; i < depth_max; i++)
		cr_expect(!json_is_true(json_get(tx.v[i], "state"), "found_full"), "%s", tx.raw[i]);
	cr_expect(json_is_true(json_get(tx.v[depth_max], "state"), "found_full"), "%s",
		  tx.raw[depth_max]);
	cr_expect_eq(state_int(tx.v[depth_max], tx.raw[depth_max], "qnum_before"), depth_max);
	cr_expect_eq(state_int(tx.v[depth_max], tx.raw[depth_max], "cbytes_before"), bytes_max);
	cr_expect(json_get_int(tx.v[depth_max], "blocked_ns", &blocked) && blocked > 0,
		  "the send on the full queue did not sleep: %s", tx.raw[depth_max]);
	cr_expect_eq(state_int(rx.v[0], rx.raw[0], "qnum_before"), depth_max, "%s", rx.raw[0]);
	cr_expect_eq(state_int(rx.v[0], rx.raw[0], "cbytes_before"), bytes_max, "%s", rx.raw[0]);
	cr_expect(woke_has(rx.v[0], src), "the first receive does not name the sender: %s",
		  rx.raw[0]);
	picked_free(&tx);
	picked_free(&rx);
	harness_traced_free(tr);
}

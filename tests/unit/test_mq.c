// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* Message queues in the model and renderers: histograms per edge, queue statistics, names. */
#include <criterion/criterion.h>
#include <stdlib.h>
#include <string.h>
#include "output/render.h"
#include "unit/testutil.h"

#define QINO 77 /* the queue's obj_b; feed_ep() uses obj_a 0xc */

static struct model *m;

static void setup(void)
{
	m = model_new();
	cr_assert_not_null(m);
}

static void teardown(void)
{
	model_free(m);
}

TestSuite(mq, .init = setup, .fini = teardown);

static struct snapshot *snap(const struct model_filter *f)
{
	struct snapshot *s = model_snapshot(m, false, true, 1.0, 1700000000, f);

	cr_assert_not_null(s);
	return s;
}

/* count messages of `tag` whose sizes fall in bucket, on one endpoint of the queue */
static void feed_hist(struct proc_ref p, int mech, int dir, int64_t tag, uint32_t bucket,
		      uint64_t count, uint64_t bytes)
{
	struct mqhist_obs o = {
		.proc = p, .mech = mech, .dir = dir, .obj_a = 0xc, .obj_b = QINO,
		.tag = tag, .size_bucket = bucket, .count = count, .bytes = bytes,
	};

	mq_update_hist(m, &o);
}

static void feed_obj(int mech, const struct queue_stats *q, bool has_key, int32_t key)
{
	struct mqobj_obs o = { .mech = mech, .obj_a = 0xc, .obj_b = QINO, .has_key = has_key,
			       .key = key };

	o.q = *q;
	mq_update_queue(m, &o);
}

/* The bins of kind on e, as "key:count,..." (keys in the order the edge holds them). */
static char *bins_str(const struct snapshot *s, const struct edge *e, int kind)
{
	static char buf[256];
	size_t used = 0;

	buf[0] = '\0';
	const struct mq_ext *x = MQX(s, e);

	cr_assert(x, "an mq/msg edge always has its extension");
	cr_assert_leq(sizeof(*x) + x->n_bins * sizeof(x->bins[0]), e->ext_len);
	for (uint32_t i = 0; i < x->n_bins; i++) {
		const struct mq_bin *b = &x->bins[i];

		if (b->kind == kind)
			used += snprintf(buf + used, sizeof(buf) - used, "%s%lld:%llu",
					 used ? "," : "", (long long)b->key,
					 (unsigned long long)b->count);
	}
	return buf;
}

static const struct edge *must(const struct snapshot *s, uint32_t src, uint32_t dst,
			       const char *object)
{
	const struct edge *e = find_edge(s, src, dst, object);

	cr_assert_not_null(e, "no edge %u -> %u on %s", src, dst, object);
	return e;
}

/* One producer, one consumer: the producer's priorities and sizes, marginalised. */
static void one_to_one(void)
{
	struct queue_stats q = { .limit = 8, .msgsize = 64, .samples = 10, .depth_sum = 30,
				 .depth_max = 8, .found_full = 2, .found_empty = 1,
				 .notifies = 1, .removes = 1 };

	model_set_object_name(m, MECH_MQ, 0xc, QINO, "mq:/orders");
	feed_ep(m, P(10), "prod", MECH_MQ, 0, QINO, 5, 194, 1000);
	feed_ep(m, P(11), "cons", MECH_MQ, 1, QINO, 5, 194, 2000);
	feed_hist(P(10), MECH_MQ, 0, 0, 7, 2, 128);  /* prio 0, 64..127 bytes */
	feed_hist(P(10), MECH_MQ, 0, 5, 7, 1, 64);   /* prio 5, 64..127 */
	feed_hist(P(10), MECH_MQ, 0, 5, 1, 1, 1);    /* prio 5, 1 byte */
	feed_hist(P(10), MECH_MQ, 0, 0, 0, 1, 0);    /* prio 0, empty */
	/* the consumer did not ask for priorities */
	feed_hist(P(11), MECH_MQ, 1, MQ_TAG_NONE, 7, 3, 192);
	feed_obj(MECH_MQ, &q, false, 0);
}

Test(mq, one_to_one_histograms_are_the_senders)
{
	struct snapshot *s;
	const struct edge *e;

	one_to_one();
	s = snap(NULL);
	e = must(s, 10, 11, "mq:/orders");
	cr_expect_eq(e->msgs, 5);
	cr_expect_eq(e->bytes, 194);
	cr_expect(e->exact);
	cr_expect_str_eq(bins_str(s, e, MQ_BIN_TAG), "0:3,5:2");
	cr_expect_str_eq(bins_str(s, e, MQ_BIN_SIZE), "0:1,1:1,7:3");
	cr_expect(MQX(s, e)->has_queue);
	cr_expect_eq(MQX(s, e)->queue.limit, 8);
	cr_expect_eq(MQX(s, e)->queue.depth_max, 8);
	cr_expect_eq(MQX(s, e)->queue.notifies, 1);
	cr_expect_eq(MQX(s, e)->queue.removes, 1);
	snapshot_free(s);
}

Test(mq, json_members)
{
	struct snapshot *s;
	char *out;

	one_to_one();
	s = snap(NULL);
	out = render_json_str(s);
	cr_expect(ndjson_valid(out), "invalid JSON:\n%s", out);
	cr_expect(strstr(out, "\"mech\":\"mq\",\"object\":\"mq:/orders\""), "%s", out);
	cr_expect(strstr(out, ",\"priorities\":{\"0\":3,\"5\":2},\"size_hist\":{\"0\":1,\"1\":1,"
			      "\"64\":3},\"queue\":{\"maxmsg\":8,\"msgsize\":64,\"depth_max\":8,"
			      "\"depth_samples\":10,\"depth_sum\":30,\"found_full\":2,"
			      "\"found_empty\":1,\"notifies\":1,\"unlinks\":1}}"), "%s", out);
	free(out);
	snapshot_free(s);
}

/* Observations are cumulative: a second read replaces, it does not add. */
Test(mq, updates_replace)
{
	struct snapshot *s;
	const struct edge *e;

	one_to_one();
	feed_hist(P(10), MECH_MQ, 0, 0, 7, 4, 256);
	s = snap(NULL);
	e = must(s, 10, 11, "mq:/orders");
	cr_expect_str_eq(bins_str(s, e, MQ_BIN_TAG), "0:5,5:2");
	cr_expect_str_eq(bins_str(s, e, MQ_BIN_SIZE), "0:1,1:1,7:5");
	snapshot_free(s);
}

Test(mq, unknown_priority_and_one_sender_many_receivers)
{
	struct snapshot *s;
	const struct edge *e;
	char *out;

	/* 1:N: each receiver's own histogram is the exact one */
	feed_ep(m, P(10), "prod", MECH_MQ, 0, QINO, 6, 60, 0);
	feed_ep(m, P(11), "c1", MECH_MQ, 1, QINO, 4, 40, 0);
	feed_ep(m, P(12), "c2", MECH_MQ, 1, QINO, 2, 20, 0);
	feed_hist(P(10), MECH_MQ, 0, 3, 4, 6, 60);
	feed_hist(P(11), MECH_MQ, 1, 3, 4, 4, 40);
	feed_hist(P(12), MECH_MQ, 1, MQ_TAG_NONE, 4, 2, 20);
	s = snap(NULL);
	e = must(s, 10, 11, "mq:[77]");
	cr_expect_eq(e->msgs, 4);
	cr_expect_str_eq(bins_str(s, e, MQ_BIN_TAG), "3:4");
	e = must(s, 10, 12, "mq:[77]");
	cr_expect_str_eq(bins_str(s, e, MQ_BIN_TAG), "-1:2");
	cr_expect_not(MQX(s, e)->has_queue);
	out = render_json_str(s);
	cr_expect(strstr(out, "\"priorities\":{\"unknown\":2},\"size_hist\":{\"8\":2}}"), "%s", out);
	cr_expect_null(strstr(out, "\"queue\""), "%s", out);
	free(out);
	snapshot_free(s);
}

Test(mq, several_senders_one_receiver)
{
	struct snapshot *s;

	feed_ep(m, P(10), "a", MECH_MQ, 0, QINO, 3, 30, 0);
	feed_ep(m, P(11), "b", MECH_MQ, 0, QINO, 1, 10, 0);
	feed_ep(m, P(12), "r", MECH_MQ, 1, QINO, 4, 40, 0);
	feed_hist(P(10), MECH_MQ, 0, 1, 4, 3, 30);
	feed_hist(P(11), MECH_MQ, 0, 2, 4, 1, 10);
	feed_hist(P(12), MECH_MQ, 1, 1, 4, 3, 30);
	feed_hist(P(12), MECH_MQ, 1, 2, 4, 1, 10);
	s = snap(NULL);
	cr_expect_str_eq(bins_str(s, must(s, 10, 12, "mq:[77]"), MQ_BIN_TAG), "1:3");
	cr_expect_str_eq(bins_str(s, must(s, 11, 12, "mq:[77]"), MQ_BIN_TAG), "2:1");
	snapshot_free(s);
}

/* N:M: which messages went where is unknown, so no histogram is shown. */
Test(mq, many_to_many_has_no_histograms)
{
	struct queue_stats q = { .limit = 4, .samples = 1 };
	struct snapshot *s;
	const struct edge *e;
	char *out;

	feed_ep(m, P(10), "a", MECH_MQ, 0, QINO, 2, 20, 0);
	feed_ep(m, P(11), "b", MECH_MQ, 0, QINO, 2, 20, 0);
	feed_ep(m, P(12), "c", MECH_MQ, 1, QINO, 2, 20, 0);
	feed_ep(m, P(13), "d", MECH_MQ, 1, QINO, 2, 20, 0);
	feed_hist(P(10), MECH_MQ, 0, 1, 4, 2, 20);
	feed_obj(MECH_MQ, &q, false, 0);
	s = snap(NULL);
	e = must(s, 10, 12, "mq:[77]");
	cr_expect_not(e->exact);
	cr_expect_eq(MQX(s, e)->n_bins, 0);
	cr_expect(MQX(s, e)->has_queue);
	out = render_json_str(s);
	cr_expect_null(strstr(out, "priorities"), "%s", out);
	cr_expect(strstr(out, "\"queue\":{\"maxmsg\":4,"), "%s", out);
	free(out);
	snapshot_free(s);
}

Test(mq, sysv_names_and_mtypes)
{
	struct queue_stats q = { .limit = 16384, .samples = 4, .depth_sum = 6, .depth_max = 3,
				 .bytes_max = 300, .removes = 1 };
	struct snapshot *s;
	const struct edge *e;
	char *out;

	feed_ep(m, P(20), "snd", MECH_MSG, 0, QINO, 3, 300, 0);
	feed_ep(m, P(21), "rcv", MECH_MSG, 1, QINO, 3, 300, 0);
	feed_hist(P(20), MECH_MSG, 0, 1, 7, 2, 200);
	feed_hist(P(20), MECH_MSG, 0, 2, 7, 1, 100);
	feed_obj(MECH_MSG, &q, true, 0x6970abcd);
	s = snap(NULL);
	e = must(s, 20, 21, "msg:77 key 0x6970abcd");
	cr_expect_str_eq(bins_str(s, e, MQ_BIN_TAG), "1:2,2:1");
	out = render_json_str(s);
	cr_expect(ndjson_valid(out), "%s", out);
	cr_expect(strstr(out, "\"mtypes\":{\"1\":2,\"2\":1},\"size_hist\":{\"64\":3},"
			      "\"queue\":{\"qbytes\":16384,\"bytes_max\":300,\"depth_max\":3,"
			      "\"depth_samples\":4,\"depth_sum\":6,\"found_full\":0,"
			      "\"found_empty\":0,\"removes\":1}"), "%s", out);
	free(out);
	snapshot_free(s);

	/* a queue whose msg_queue was not found has no key: just its id */
	feed_obj(MECH_MSG, &q, false, 0);
	s = snap(NULL);
	must(s, 20, 21, "msg:77");
	snapshot_free(s);
}

/* Filtering copies edges; their bins must still be the right ones. */
Test(mq, filter_keeps_bins_aligned)
{
	struct model_filter f = { .pids = (const uint32_t[]){ 31 }, .n_pids = 1 };
	struct snapshot *s;
	const struct edge *e;

	one_to_one();
	feed_ep(m, P(30), "x", MECH_MQ, 0, QINO + 1, 1, 1, 0);
	feed_ep(m, P(31), "y", MECH_MQ, 1, QINO + 1, 1, 1, 0);
	{
		struct mqhist_obs o = { .proc = P(30), .mech = MECH_MQ, .dir = 0, .obj_a = 0xc,
					.obj_b = QINO + 1, .tag = 9, .size_bucket = 1,
					.count = 1, .bytes = 1 };

		mq_update_hist(m, &o);
	}
	s = snap(&f);
	cr_assert_eq(s->n_edges, 1);
	e = must(s, 30, 31, "mq:[78]");
	cr_expect_str_eq(bins_str(s, e, MQ_BIN_TAG), "9:1");
	cr_expect_str_eq(bins_str(s, e, MQ_BIN_SIZE), "1:1");
	snapshot_free(s);
}

Test(mq, table_note_shows_depth)
{
	struct snapshot *s;
	char *out;

	one_to_one();
	s = snap(NULL);
	out = render_table_str(s, false);
	cr_expect(strstr(out, "q8/8 1.0us/2.0us\n"), "%s", out);
	free(out);
	snapshot_free(s);
}

Test(mq, bucket_floor)
{
	cr_expect_eq(mq_bucket_floor(0), 0);
	cr_expect_eq(mq_bucket_floor(1), 1);
	cr_expect_eq(mq_bucket_floor(2), 2);
	cr_expect_eq(mq_bucket_floor(7), 64);
	cr_expect_eq(mq_bucket_floor(64), 1ULL << 63);
}

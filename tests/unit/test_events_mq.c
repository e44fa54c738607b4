// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * --events records of message queues, as bpf/mq.bpf.c fills them, through
 * the core's view and the mq module (events_view(), no model) to the line
 * and the JSON record.
 */
#include <criterion/criterion.h>
#include <stdlib.h>
#include <string.h>
#include "core/events.h"
#include "output/render_events.h"
#include "unit/testutil.h"

TestSuite(events_mq);

static struct ipc_event rec(int mech, int op, int64_t ret, uint64_t bytes)
{
	struct ipc_event e;

	memset(&e, 0, sizeof(e));
	e.ts_ns = 5000000000ull;
	e.pid = e.tid = 4242;
	memcpy(e.comm, "producer", 9);
	e.mech = mech;
	e.op = op;
	e.obj_a = 0x2a;
	e.obj_b = 7;
	e.ret = ret;
	e.bytes = bytes;
	e.state[MQ_EV_TAG] = MQ_TAG_UNKNOWN;
	return e;
}

/* The view of e (object: the core's, or `object` where a model would name it), rendered. */
static char *render(const struct ipc_event *e, const char *object, bool json)
{
	struct ev_view v;
	char *text = NULL;
	size_t len = 0;
	FILE *f;

	events_view(e, NULL, &v);
	if (object)
		snprintf(v.object, sizeof(v.object), "%s", object);
	f = open_memstream(&text, &len);
	cr_assert_not_null(f);
	render_event(&v, 1500000000ull, json, f);
	fclose(f);
	return text;
}

/* A send that found the queue full, slept, and woke the receiver. */
Test(events_mq, mq_send_line_and_json)
{
	struct ipc_event e = rec(MECH_MQ, EV_OP_MQ_SEND, 0, 64);
	char *line, *json;

	e.state[MQ_EV_DEPTH0] = 10;
	e.state[MQ_EV_DEPTH1] = 10;
	e.state[MQ_EV_LIMIT] = 10;
	e.state[MQ_EV_MSGSIZE] = 128;
	e.state[MQ_EV_TAG] = 5;
	e.state[MQ_EV_FLAGS] = MQ_EVF_ENTRY | MQ_EVF_RETURN | MQ_EVF_FULL;
	e.flags = EV_F_SLEPT;
	e.blocked_ns = 2500000;
	e.n_woke = 1;
	e.woke_pid[0] = 4243;
	memcpy(e.woke_comm[0], "consumer", 9);
	e.dir = DIR_TX;

	line = render(&e, "mq:/q", false);
	cr_expect_str_eq(line, "1.500000 producer[4242] mq_send mq:/q 64 -> 0  prio 5 depth 10/10 "
			 "(was full)  blocked 2.5ms  woke consumer[4243]\n");
	json = render(&e, "mq:/q", true);
	cr_expect(ndjson_valid(json), "%s", json);
	cr_expect(strstr(json, "\"mech\":\"mq\",\"op\":\"mq_send\",\"object\":\"mq:/q\","
			 "\"bytes\":64,\"ret\":0,\"blocked_ns\":2500000"), "%s", json);
	cr_expect(strstr(json, "\"state\":{\"prio\":5,\"depth_before\":10,\"depth\":10,"
			 "\"maxmsg\":10,\"msgsize\":128,\"found_full\":true}}"), "%s", json);
	free(line);
	free(json);
}

/* A receive that failed (EAGAIN on an empty queue): no priority, was empty. */
Test(events_mq, mq_receive_failed)
{
	struct ipc_event e = rec(MECH_MQ, EV_OP_MQ_RECEIVE, -11, 128);
	char *line, *json;

	e.state[MQ_EV_LIMIT] = 10;
	e.state[MQ_EV_MSGSIZE] = 128;
	e.state[MQ_EV_FLAGS] = MQ_EVF_ENTRY | MQ_EVF_RETURN | MQ_EVF_EMPTY;
	e.dir = DIR_RX;
	line = render(&e, "mq:/q", false);
	cr_expect_str_eq(line, "1.500000 producer[4242] mq_receive mq:/q 128 -> EAGAIN  "
			 "depth 0/10 (was empty)\n");
	json = render(&e, "mq:/q", true);
	cr_expect(strstr(json, "\"errno\":\"EAGAIN\""), "%s", json);
	cr_expect(strstr(json, "\"state\":{\"depth_before\":0,\"depth\":0,\"maxmsg\":10,"
			 "\"msgsize\":128,\"found_empty\":true}}"), "%s", json);
	free(line);
	free(json);
}

/* msgrcv: the module names the queue by id and key, as the report does. */
Test(events_mq, msgrcv_names_by_key)
{
	struct ipc_event e = rec(MECH_MSG, EV_OP_MSGRCV, 100, 8192);
	char *line, *json;

	e.obj_b = 131078;
	e.state[MQ_EV_DEPTH0] = 163;
	e.state[MQ_EV_DEPTH1] = 162;
	e.state[MQ_EV_CBYTES0] = 16300;
	e.state[MQ_EV_CBYTES1] = 16200;
	e.state[MQ_EV_LIMIT] = 16384;
	e.state[MQ_EV_TAG] = 2;
	e.state[MQ_EV_FLAGS] = MQ_EVF_ENTRY | MQ_EVF_RETURN | MQ_EVF_KEY |
			       (int64_t)((uint64_t)0x69703ceau << 32);
	line = render(&e, NULL, false);
	cr_expect_str_eq(line, "1.500000 producer[4242] msgrcv msg:131078 key 0x69703cea 8192 -> "
			 "100  mtype 2 q 162 msgs 16200/16384B\n");
	json = render(&e, NULL, true);
	cr_expect(ndjson_valid(json), "%s", json);
	cr_expect(strstr(json, "\"object\":\"msg:131078 key 0x69703cea\""), "%s", json);
	cr_expect(strstr(json, "\"state\":{\"mtype\":2,\"qnum_before\":163,\"cbytes_before\":16300,"
			 "\"qnum\":162,\"cbytes\":16200,\"qbytes\":16384,\"key\":1768963306,"
			 "\"found_empty\":false}}"), "%s", json);
	free(line);
	free(json);
}

/* Ops that move no bytes show none; msgctl says what the queue held. */
Test(events_mq, lifecycle_ops)
{
	struct ipc_event rm = rec(MECH_MSG, EV_OP_MSGCTL, 0, 0);
	struct ipc_event un = rec(MECH_MQ, EV_OP_MQ_NOTIFY, 0, 0);
	struct ipc_event op = rec(MECH_MQ, EV_OP_MQ_OPEN, 3, 0);
	char *line;

	rm.state[MQ_EV_DEPTH0] = 3;
	rm.state[MQ_EV_CBYTES0] = 192;
	rm.state[MQ_EV_LIMIT] = 16384;
	rm.state[MQ_EV_FLAGS] = MQ_EVF_ENTRY | MQ_EVF_KEY;
	line = render(&rm, NULL, false);
	cr_expect_str_eq(line, "1.500000 producer[4242] msgctl msg:7 key 0x00000000 -> 0  "
			 "IPC_RMID q 3 msgs 192B\n");
	free(line);

	un.state[MQ_EV_FLAGS] = MQ_EVF_UNREG;
	line = render(&un, "mq:/q", false);
	cr_expect_str_eq(line, "1.500000 producer[4242] mq_notify mq:/q -> 0  unregister\n");
	free(line);

	op.state[MQ_EV_LIMIT] = 8;
	op.state[MQ_EV_MSGSIZE] = 64;
	op.state[MQ_EV_FLAGS] = MQ_EVF_RETURN;
	line = render(&op, "mq:/q", false);
	cr_expect_str_eq(line, "1.500000 producer[4242] mq_open mq:/q -> 3  depth 0/8 msgsize 64\n");
	free(line);
}

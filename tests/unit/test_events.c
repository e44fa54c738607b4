// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * --events' common part: a record becomes a view (core/events.c) and a
 * line or a JSON record (output/render_events.c), whatever bytes the names
 * hold; pipes' state as the pipe module words it.
 */
#include <criterion/criterion.h>
#include <json-c/json.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "core/events.h"
#include "output/render_events.h"
#include "testutil.h"

static char *render(const struct ipc_event *e, bool json)
{
	struct ev_view v;
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);

	events_view(e, NULL, &v);
	render_event(&v, 1500000000ull, json, f);
	fclose(f);
	return buf;
}

/* A write of 4096 bytes into a full pipe that blocked 1.2 ms and woke one reader. */
static struct ipc_event pipe_write(void)
{
	struct ipc_event e = {
		.ts_ns = 5000, .start_ns = 1, .obj_a = 12, .obj_b = 8425, .ret = 4096,
		.bytes = 4096, .blocked_ns = 1200000, .pid = 101, .tid = 101,
		.op = EV_OP_WRITE, .mech = MECH_PIPE, .flags = EV_F_SLEPT, .n_woke = 1,
		.dir = DIR_TX,
		.state = { 16, 16, 16, 16, 1, 1, 65536 },
	};

	strcpy(e.comm, "producer");
	e.woke_pid[0] = 102;
	strcpy(e.woke_comm[0], "consumer");
	return e;
}

Test(events, pipe_line)
{
	struct ipc_event e = pipe_write();
	char *out = render(&e, false);

	cr_expect_str_eq(out, "1.500000 producer[101] write pipe:[8425] 4096 -> 4096  "
			 "buf 16/16 65536B (was full)  blocked 1.2ms  woke consumer[102]\n");
	free(out);
}

Test(events, pipe_json)
{
	struct ipc_event e = pipe_write();
	char *out = render(&e, true);
	struct json_object *j = json_tokener_parse(out), *st, *w;

	cr_assert(j, "not JSON: %s", out);
	cr_expect_str_eq(json_object_get_string(json_object_object_get(j, "type")), "event");
	cr_expect_str_eq(json_object_get_string(json_object_object_get(j, "mech")), "pipe");
	cr_expect_str_eq(json_object_get_string(json_object_object_get(j, "op")), "write");
	cr_expect_str_eq(json_object_get_string(json_object_object_get(j, "object")),
			 "pipe:[8425]");
	cr_expect_eq(json_object_get_int64(json_object_object_get(j, "blocked_ns")), 1200000);
	cr_expect_eq(json_object_get_int64(json_object_object_get(j, "ret")), 4096);
	st = json_object_object_get(j, "state");
	cr_expect_eq(json_object_get_int64(json_object_object_get(st, "bufs_after")), 16);
	cr_expect_eq(json_object_get_int64(json_object_object_get(st, "max_usage")), 16);
	cr_expect(json_object_get_boolean(json_object_object_get(st, "found_full")));
	w = json_object_object_get(j, "woke");
	cr_assert_eq(json_object_array_length(w), 1);
	cr_expect_eq(json_object_get_int64(json_object_object_get(json_object_array_get_idx(w, 0),
								   "pid")), 102);
	json_object_put(j);
	free(out);
}

/* A failed call shows its errno by name; one that did not sleep shows no time. */
Test(events, errno_by_name)
{
	struct ipc_event e = pipe_write();
	char *out, *js;

	e.ret = -32; /* EPIPE */
	e.flags = 0;
	e.n_woke = 0;
	e.state[4] = 0;
	out = render(&e, false);
	cr_expect(strstr(out, "-> EPIPE") && strstr(out, "no reader") && !strstr(out, "blocked"),
		  "%s", out);
	js = render(&e, true);
	cr_expect(strstr(js, "\"ret\":-32,\"errno\":\"EPIPE\""), "%s", js);
	cr_expect(strstr(js, "\"blocked_ns\":0"), "%s", js);
	free(out);
	free(js);
}

/* Names are the kernel's bytes: a terminal sees no control byte, JSON stays valid. */
Test(events, hostile_names)
{
	struct ipc_event e = pipe_write();
	static const char evil[IPC_COMM_LEN] = "a\x1b[2J\n\"\\\xff\xfe";
	char *out, *js;
	struct json_object *j;

	memcpy(e.comm, evil, IPC_COMM_LEN);           /* no NUL within 16 bytes */
	memset(e.woke_comm[0], 'x', IPC_COMM_LEN);
	e.woke_comm[0][3] = '\x7f';
	e.n_woke = 200;                               /* more woken than named */
	out = render(&e, false);
	for (const char *p = out; *p; p++)
		cr_expect((unsigned char)*p >= 0x20 || *p == '\n', "control byte in %s", out);
	cr_expect_eq(strchr(out, '\n'), out + strlen(out) - 1, "one line: %s", out);
	cr_expect(strstr(out, "+196 more"), "%s", out);
	js = render(&e, true);
	j = json_tokener_parse(js);
	cr_assert(j, "not JSON: %s", js);
	cr_expect_eq(json_object_get_int(json_object_object_get(j, "n_woke")), 200);
	cr_expect_eq(json_object_array_length(json_object_object_get(j, "woke")), 4);
	json_object_put(j);
	free(out);
	free(js);
}

Test(events, unknown_op_and_mech)
{
	struct ipc_event e = pipe_write();
	char *js;

	e.op = 9999;
	e.mech = 31;
	js = render(&e, true);
	cr_expect(strstr(js, "\"op\":\"op?\"") && strstr(js, "\"mech\":\"unknown\""), "%s", js);
	cr_expect(strstr(js, "\"state\":{}"), "a module's state only from its module: %s", js);
	free(js);
}

Test(events, op_names)
{
	cr_expect_str_eq(events_op_name(EV_OP_READ), "read");
	cr_expect_str_eq(events_op_name(EV_OP_MQ_SEND), "mq_send");
	cr_expect_str_eq(events_op_name(EV_OP_MAX), "op?");
}

static char *lost_line(bool json)
{
	const char *names[] = { "pipe", "mq" };
	const uint64_t n[] = { 120, 3 };
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);

	render_events_lost(123, names, n, 2, 2250000000ull, json, f);
	fclose(f);
	return buf;
}

Test(events, lost_note)
{
	char *t = lost_line(false), *js = lost_line(true);

	cr_expect_str_eq(t, "2.250000 -- 123 events lost so far (pipe 120, mq 3): the ring was "
			 "full; a larger --ring-mb keeps them\n");
	cr_expect_str_eq(js, "{\"type\":\"lost\",\"t\":2.250000,\"events\":123,"
			 "\"by_mech\":{\"pipe\":120,\"mq\":3}}\n");
	free(t);
	free(js);
}

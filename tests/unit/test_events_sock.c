// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * --events for sockets: records built as bpf/sock_event.bpf.h fills them,
 * through events_view() (no model: the module names what it must) and
 * render_event(), as a line and as JSON whose "state" says what the
 * kernel kept.
 */
#include <criterion/criterion.h>
#include <json-c/json.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "kernel/abi.h"
#include "core/events.h"
#include "output/render_events.h"

TestSuite(events_sock);

static struct ipc_event base(uint8_t mech, uint16_t op, uint8_t dir)
{
	struct ipc_event e;

	memset(&e, 0, sizeof(e));
	e.ts_ns = 5000000000ull;
	e.pid = e.tid = 100;
	memcpy(e.comm, "client", 7);
	e.mech = mech;
	e.op = op;
	e.dir = dir;
	return e;
}

/* state[] in bpf/sock_event.bpf.h's order */
static void set_state(struct ipc_event *e, int64_t qlen, int64_t unread, int64_t s2, int64_t s3,
		      int64_t wmem, int64_t sndbuf, int64_t msgs, int64_t creds, int64_t moved)
{
	int64_t v[IPC_EV_STATE] = { qlen, unread, s2, s3, wmem, sndbuf, msgs | creds << 32, moved };

	memcpy(e->state, v, sizeof(v));
}

static char *render(const struct ipc_event *e, bool json, struct ev_view *v)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);

	cr_assert_not_null(f);
	events_view(e, NULL, v);
	render_event(v, 500000000ull, json, f);
	cr_assert_eq(fclose(f), 0);
	return buf;
}

static struct json_object *state_of(const struct ipc_event *e, struct json_object **root)
{
	struct ev_view v;
	char *text = render(e, true, &v);
	struct json_object *st;

	*root = json_tokener_parse(text);
	cr_assert_not_null(*root, "not JSON: %s", text);
	cr_assert(json_object_object_get_ex(*root, "state", &st), "no state: %s", text);
	free(text);
	return st;
}

static int64_t st_int(struct json_object *st, const char *key)
{
	struct json_object *x;

	cr_assert(json_object_object_get_ex(st, key, &x), "state has no %s", key);
	cr_assert_eq(json_object_get_type(x), json_type_int, "%s is no integer", key);
	return json_object_get_int64(x);
}

static bool st_has(struct json_object *st, const char *key)
{
	return json_object_object_get_ex(st, key, NULL);
}

/* A unix stream send that passed two fds and credentials, slept, and woke its reader. */
Test(events_sock, unix_stream_send_line_and_state)
{
	struct ipc_event e = base(MECH_UNIX_STREAM, EV_OP_SENDMSG, DIR_TX);
	struct json_object *root, *st, *x;
	struct ev_view v;
	char *line;

	e.obj_a = SOCK_OBJ_UNIX;
	e.obj_b = 1234;
	e.ret = 64;
	e.bytes = 64;
	e.flags = EV_F_SLEPT;
	e.blocked_ns = 1500000;
	e.n_woke = 1;
	e.woke_pid[0] = 200;
	memcpy(e.woke_comm[0], "server", 7);
	set_state(&e, 1, 64, -1, 2, 768, 212992, 1, 1, 64);

	line = render(&e, false, &v);
	cr_expect_str_eq(line, "0.500000 client[100] sendmsg unix_stream:[1234] 64 -> 64  rq 64B wmem 768/212992 fds 2"
			       "  blocked 1.5ms  woke server[200]\n");
	free(line);

	st = state_of(&e, &root);
	cr_assert(json_object_object_get_ex(st, "dir", &x));
	cr_expect_str_eq(json_object_get_string(x), "send");
	cr_expect_eq(st_int(st, "rcv_qlen"), 1);
	cr_expect_eq(st_int(st, "rcv_bytes"), 64);
	cr_expect_eq(st_int(st, "fds"), 2);
	cr_expect_eq(st_int(st, "creds"), 1);
	cr_expect_eq(st_int(st, "wmem"), 768);
	cr_expect_eq(st_int(st, "sndbuf"), 212992);
	cr_expect_eq(st_int(st, "msgs"), 1);
	cr_expect_eq(st_int(st, "moved"), 64);
	/* nothing a unix socket does not keep */
	cr_expect(!st_has(st, "rmem") && !st_has(st, "rcvbuf") && !st_has(st, "max_qlen"));
	cr_assert(json_object_object_get_ex(root, "mech", &x));
	cr_expect_str_eq(json_object_get_string(x), "unix_stream");
	cr_assert(json_object_object_get_ex(root, "blocked_ns", &x));
	cr_expect_eq(json_object_get_int64(x), 1500000);
	json_object_put(root);
}

/* A send to an accepted socket before accept(): no inode, no key; the object says why. */
Test(events_sock, unix_send_not_accepted_yet)
{
	struct ipc_event e = base(MECH_UNIX_SEQPACKET, EV_OP_SENDTO, DIR_TX);
	struct ev_view v;
	char *line;

	e.ret = 10;
	e.bytes = 10;
	set_state(&e, 1, -1, -1, 0, 768, 212992, 1, 0, 10);
	line = render(&e, false, &v);
	cr_expect_str_eq(v.object, "unix_seqpacket:(not accepted yet)");
	cr_expect_str_eq(line, "0.500000 client[100] sendto unix_seqpacket:(not accepted yet) 10 -> 10"
			       "  rq 1 wmem 768/212992\n");
	free(line);

	/* no receiver known at all (a datagram to an address that was not delivered) */
	e = base(MECH_UNIX_DGRAM, EV_OP_SENDTO, DIR_TX);
	e.ret = -11;
	e.bytes = 10;
	set_state(&e, -1, -1, -1, 0, 212992, 212992, 0, 0, 0);
	line = render(&e, false, &v);
	cr_expect_str_eq(v.object, "unix_dgram:(receiver unknown)");
	cr_expect_str_eq(line, "0.500000 client[100] sendto unix_dgram:(receiver unknown) 10 -> EAGAIN"
			       "  wmem 212992/212992\n");
	free(line);
}

/* A datagram queue: its length against the receiver's limit. */
Test(events_sock, unix_dgram_queue_limit)
{
	struct ipc_event e = base(MECH_UNIX_DGRAM, EV_OP_SENDTO, DIR_TX);
	struct json_object *root, *st;
	struct ev_view v;
	char *line;

	e.obj_a = SOCK_OBJ_UNIX;
	e.obj_b = 77;
	e.ret = 64;
	e.bytes = 64;
	set_state(&e, 3, -1, 10, 0, 2304, 212992, 1, 0, 64);
	line = render(&e, false, &v);
	cr_expect(strstr(line, "  rq 3/10 wmem 2304/212992\n"), "%s", line);
	free(line);
	st = state_of(&e, &root);
	cr_expect_eq(st_int(st, "rcv_qlen"), 3);
	cr_expect_eq(st_int(st, "max_qlen"), 10);
	cr_expect(!st_has(st, "rcv_bytes"));
	json_object_put(root);
}

/* TCP: the receiver's unread bytes and memory against its buffer. */
Test(events_sock, tcp_recv_state)
{
	struct ipc_event e = base(MECH_TCP, EV_OP_READ, DIR_RX);
	struct json_object *root, *st, *x;
	struct ev_view v;
	char *line;

	e.obj_b = SOCK_OBJ_INET | 5000ull << 16 | 40000;
	e.ret = 100;
	e.bytes = 4096;
	set_state(&e, 1, 28, 1280, 131072, 0, 2626560, 1, 0, 100);
	line = render(&e, false, &v);
	cr_expect(strstr(line, "] 4096 -> 100  rq 28B rmem 1280/131072 wmem 0/2626560\n"), "%s",
		  line);
	free(line);
	st = state_of(&e, &root);
	cr_assert(json_object_object_get_ex(st, "dir", &x));
	cr_expect_str_eq(json_object_get_string(x), "recv");
	cr_expect_eq(st_int(st, "rcv_bytes"), 28);
	cr_expect_eq(st_int(st, "rmem"), 1280);
	cr_expect_eq(st_int(st, "rcvbuf"), 131072);
	cr_expect(!st_has(st, "fds") && !st_has(st, "creds"), "a receive sent no fds");
	json_object_put(root);
}

/* sendmmsg over UDP, receiver not seen: the messages and bytes of the one record. */
Test(events_sock, udp_sendmmsg_counts_messages)
{
	struct ipc_event e = base(MECH_UDP, EV_OP_SENDMMSG, DIR_TX);
	struct json_object *root, *st, *x;
	struct ev_view v;
	char *line;

	e.obj_b = SOCK_OBJ_INET | SOCK_OBJ_UDP | 5000;
	e.ret = 3;
	e.bytes = 192;
	set_state(&e, -1, -1, -1, -1, 0, 212992, 3, 0, 192);
	line = render(&e, false, &v);
	cr_expect(strstr(line, "] 192 -> 3  wmem 0/212992 3 msgs 192B\n"), "%s", line);
	free(line);
	st = state_of(&e, &root);
	cr_expect(!st_has(st, "rcv_qlen") && !st_has(st, "rmem"), "no receiver, no receiver state");
	cr_expect_eq(st_int(st, "msgs"), 3);
	cr_expect_eq(st_int(st, "moved"), 192);
	cr_assert(json_object_object_get_ex(root, "ret", &x));
	cr_expect_eq(json_object_get_int64(x), 3);
	json_object_put(root);
}

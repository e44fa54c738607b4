// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * --events records of semaphores and futexes, as bpf/sem.bpf.c and
 * bpf/futex.bpf.c fill them, through the core's view (events_view) and
 * the modules' formatting (user/mech/sem.c, futex.c) to a line and a JSON
 * record (render_event).
 */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "kernel/abi.h"
#include "core/events.h"
#include "core/model.h"
#include "output/render_events.h"

#define NS_INUM 4026531839ull
#define FILE_A(dev) ((uint64_t)(dev) << 32)

static struct ipc_event record(uint8_t mech, uint16_t op, uint32_t pid, const char *comm)
{
	struct ipc_event e;

	memset(&e, 0, sizeof(e));
	e.ts_ns = 1500000000;
	e.pid = e.tid = pid;
	e.mech = mech;
	e.op = op;
	snprintf(e.comm, sizeof(e.comm), "%s", comm);
	return e;
}

static void woke(struct ipc_event *e, uint32_t pid, const char *comm)
{
	e->woke_pid[e->n_woke] = pid;
	snprintf(e->woke_comm[e->n_woke], sizeof(e->woke_comm[0]), "%s", comm);
	e->n_woke++;
}

/* The line (json false) or JSON record of e, named with m (NULL: no model); freed by the caller. */
static char *render(const struct ipc_event *e, const struct model *m, bool json)
{
	struct ev_view v;
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);

	cr_assert_not_null(f);
	events_view(e, m, &v);
	render_event(&v, 500000000ull, json, f);
	fclose(f);
	return buf;
}

static void expect_has(const char *s, const char *part)
{
	cr_expect(strstr(s, part), "no %s in %s", part, s);
}

TestSuite(events_sync);

/* A P() that blocked and was woken by the other's V(): the value after, what it asked. */
Test(events_sync, semop_wait)
{
	struct ipc_event e = record(MECH_SEM, EV_OP_SEMOP, 102, "consumer");
	struct model *m = model_new();
	char *s;

	e.obj_a = NS_INUM;
	e.obj_b = 5ull << 16 | 1;
	e.bytes = 1;
	e.flags = EV_F_SLEPT;
	e.blocked_ns = 150000;
	e.state[0] = 0;    /* value after */
	e.state[1] = 1;    /* sem_num */
	e.state[2] = -1;   /* sem_op */
	e.state[3] = 1;    /* nsops */
	e.state[4] = 0x1000; /* SEM_UNDO */
	e.state[5] = 2;    /* nsems */
	e.state[6] = 101;  /* woken by */
	s = render(&e, m, false);
	cr_expect_str_eq(s, "0.500000 consumer[102] semop sem:5[1] 1 -> 0  op -1 val 0 posted by 101"
			 "  blocked 150us\n");
	free(s);
	s = render(&e, m, true);
	expect_has(s, "\"mech\":\"sem\",\"op\":\"semop\",\"object\":\"sem:5[1]\",\"bytes\":1,"
		   "\"ret\":0,\"blocked_ns\":150000");
	expect_has(s, "\"state\":{\"value\":0,\"sem_num\":1,\"sem_op\":-1,\"nsops\":1,"
		   "\"nowait\":false,\"undo\":true,\"nsems\":2,\"woken_by\":101}}");
	free(s);
	model_free(m);
}

/* A V() of several sembufs that woke a waiter; a set removed before the value was read. */
Test(events_sync, semop_post_many_ops_set_gone)
{
	struct ipc_event e = record(MECH_SEM, EV_OP_SEMOP, 101, "producer");
	char *s;

	e.obj_a = NS_INUM;
	e.obj_b = 7ull << 16;
	e.bytes = 2;
	e.state[0] = -1;
	e.state[2] = 2;
	e.state[3] = 3;
	e.state[4] = 04000; /* IPC_NOWAIT */
	woke(&e, 102, "consumer");
	s = render(&e, NULL, false);
	/* no model: the module leaves the object to it */
	cr_expect_str_eq(s, "0.500000 producer[101] semop sem:7[0] 2 -> 0  op +2 (set gone) (+2 ops)"
			 "  woke consumer[102]\n");
	free(s);
	s = render(&e, NULL, true);
	expect_has(s, "\"woke\":[{\"pid\":102,\"comm\":\"consumer\"}],\"n_woke\":1");
	expect_has(s, "\"state\":{\"sem_num\":0,\"sem_op\":2,\"nsops\":3,\"nowait\":true,"
		   "\"undo\":false}}");
	free(s);
}

Test(events_sync, semctl_setval)
{
	struct ipc_event e = record(MECH_SEM, EV_OP_SEMCTL, 101, "setter");
	struct model *m = model_new();
	char *s;

	e.obj_a = NS_INUM;
	e.obj_b = 9ull << 16 | 3;
	e.state[0] = 4;
	e.state[1] = 3;
	e.state[2] = 16; /* SETVAL */
	e.state[5] = 4;
	woke(&e, 102, "waiter");
	s = render(&e, m, false);
	cr_expect_str_eq(s, "0.500000 setter[101] semctl sem:9[3] -> 0  SETVAL val 4"
			 "  woke waiter[102]\n");
	free(s);
	s = render(&e, m, true);
	expect_has(s, "\"state\":{\"value\":4,\"cmd\":\"SETVAL\",\"nsems\":4}}");
	free(s);
	model_free(m);
}

/* POSIX: the name sem_open recorded, the value and glibc's waiters after. */
Test(events_sync, sem_post_named)
{
	struct ipc_event e = record(MECH_SEM, EV_OP_SEM_POST, 101, "producer");
	struct model *m = model_new();
	char *s;

	e.obj_a = FILE_A(26) | 64;
	e.obj_b = 1234;
	e.bytes = 1;
	e.state[0] = 1;
	e.state[1] = 1;
	woke(&e, 102, "consumer");
	model_set_object_name(m, MECH_SEM, e.obj_a, e.obj_b, "psem:/items");
	s = render(&e, m, false);
	cr_expect_str_eq(s, "0.500000 producer[101] sem_post psem:/items 1 -> 0  val 1 waiters 1"
			 "  woke consumer[102]\n");
	free(s);
	s = render(&e, m, true);
	expect_has(s, "\"op\":\"sem_post\",\"object\":\"psem:/items\"");
	expect_has(s, "\"state\":{\"value\":1,\"waiters\":1}}");
	free(s);
	/* unnamed: the page's inode and the offset */
	model_free(m);
	m = model_new();
	s = render(&e, m, false);
	expect_has(s, " sem_post psem:[1234+64] 1 -> 0 ");
	free(s);
	model_free(m);
}

/* A sem_trywait that failed: -errno, no value read. */
Test(events_sync, sem_wait_failed)
{
	struct ipc_event e = record(MECH_SEM, EV_OP_SEM_WAIT, 102, "consumer");
	char *s;

	e.obj_a = FILE_A(26) | 64;
	e.obj_b = 1234;
	e.bytes = 1;
	e.ret = -11;
	e.state[0] = e.state[1] = -1;
	s = render(&e, NULL, false);
	cr_expect_str_eq(s, "0.500000 consumer[102] sem_wait psem:[1234+64] 1 -> EAGAIN  val ?\n");
	free(s);
	s = render(&e, NULL, true);
	expect_has(s, "\"ret\":-11,\"errno\":\"EAGAIN\"");
	expect_has(s, "\"state\":{}}");
	free(s);
}

/* A wake: the word named as the edges name it, its value, what it woke. */
Test(events_sync, futex_wake_named)
{
	struct ipc_event e = record(MECH_FUTEX, EV_OP_FUTEX_WAKE, 101, "futex_raw");
	struct model *m = model_new();
	char *s;

	e.obj_a = FILE_A(1);
	e.obj_b = 77;
	e.ret = 1;
	e.bytes = 1;
	e.state[0] = 1;    /* word */
	e.state[1] = 0x40; /* offset */
	e.state[2] = 1;    /* FUTEX_WAKE */
	e.state[3] = 1;    /* nr_wake */
	e.state[5] = 1;
	woke(&e, 102, "futex_raw");
	model_set_object_name(m, MECH_FUTEX, e.obj_a, e.obj_b, "memfd:ipctrace-futex");
	s = render(&e, m, false);
	cr_expect_str_eq(s, "0.500000 futex_raw[101] futex_wake futex:memfd:ipctrace-futex+0x40"
			 " -> 1  FUTEX_WAKE word 0x1  woke futex_raw[102]\n");
	free(s);
	s = render(&e, m, true);
	expect_has(s, "\"object\":\"futex:memfd:ipctrace-futex+0x40\"");
	expect_has(s, "\"state\":{\"cmd\":\"FUTEX_WAKE\",\"word\":1,\"nr_wake\":1,\"woken\":1}}");
	free(s);
	model_free(m);
}

/* A wait that blocked, unnamed file, no model: the inode and the offset. */
Test(events_sync, futex_wait_blocked)
{
	struct ipc_event e = record(MECH_FUTEX, EV_OP_FUTEX_WAIT, 102, "futex_raw");
	struct model *m = model_new();
	char *s;

	e.obj_a = FILE_A(1);
	e.obj_b = 77;
	e.flags = EV_F_SLEPT;
	e.blocked_ns = 2000000;
	e.state[0] = 1;
	e.state[1] = 0x1040;
	e.state[2] = 9;    /* FUTEX_WAIT_BITSET */
	e.state[3] = 0;    /* expected */
	e.state[6] = 101;
	s = render(&e, NULL, false);
	cr_expect_str_eq(s, "0.500000 futex_raw[102] futex_wait futex:[77]+0x1040 -> 0"
			 "  FUTEX_WAIT_BITSET word 0x1 expected 0x0 woken by 101  blocked 2.0ms\n");
	free(s);
	/* a model without the file's name: the same */
	s = render(&e, m, true);
	expect_has(s, "\"object\":\"futex:[77]+0x1040\"");
	expect_has(s, "\"blocked_ns\":2000000");
	expect_has(s, "\"state\":{\"cmd\":\"FUTEX_WAIT_BITSET\",\"word\":1,\"expected\":0,"
		   "\"blocked\":true,\"woken_by\":101}}");
	free(s);
	model_free(m);
}

/* A requeue (its result counts woken and moved), an unlock, a futex2 wait that did not block. */
Test(events_sync, futex_requeue_unlock_futex2)
{
	struct ipc_event e = record(MECH_FUTEX, EV_OP_FUTEX_REQUEUE, 101, "w");
	char *s;

	e.obj_b = 77;
	e.ret = 1;
	e.state[0] = 0;
	e.state[1] = 0x40;
	e.state[2] = 4;    /* FUTEX_CMP_REQUEUE */
	e.state[3] = 0;
	e.state[4] = 1;
	e.state[5] = 2;
	s = render(&e, NULL, true);
	expect_has(s, "\"op\":\"futex_requeue\",\"object\":\"futex:[77]+0x40\"");
	expect_has(s, "\"state\":{\"cmd\":\"FUTEX_CMP_REQUEUE\",\"word\":0,\"nr_wake\":0,"
		   "\"nr_requeue\":1,\"woken_or_requeued\":1,\"words\":2}}");
	free(s);

	e = record(MECH_FUTEX, EV_OP_FUTEX_UNLOCK, 101, "w");
	e.obj_b = 77;
	e.state[0] = 0x80000066;
	e.state[1] = 0x40;
	e.state[2] = 7;    /* FUTEX_UNLOCK_PI */
	woke(&e, 102, "l");
	s = render(&e, NULL, false);
	cr_expect_str_eq(s, "0.500000 w[101] futex_unlock futex:[77]+0x40 -> 0  FUTEX_UNLOCK_PI"
			 " word 0x80000066  woke l[102]\n");
	free(s);

	e = record(MECH_FUTEX, EV_OP_FUTEX_WAIT, 102, "l");
	e.obj_b = 77;
	e.ret = -11;
	e.state[0] = -1;
	e.state[1] = 0x40;
	e.state[2] = FX2_WAIT;
	e.state[3] = 5;
	s = render(&e, NULL, false);
	cr_expect_str_eq(s, "0.500000 l[102] futex_wait futex:[77]+0x40 -> EAGAIN  futex_wait"
			 " expected 0x5\n");
	free(s);
	s = render(&e, NULL, true);
	expect_has(s, "\"state\":{\"cmd\":\"futex_wait\",\"expected\":5,\"blocked\":false}}");
	free(s);
}

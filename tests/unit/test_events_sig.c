// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * --events records of signals, process lifecycle and shared memory, built
 * by hand, through events_view() (no model: the modules name the object)
 * and render_event(): the line and the JSON record.
 */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "kernel/abi.h"
#include "core/events.h"
#include "output/render_events.h"

static struct ipc_event rec(uint8_t mech, uint16_t op, uint32_t pid, const char *comm)
{
	struct ipc_event e;

	memset(&e, 0, sizeof(e));
	e.ts_ns = 1000;
	e.mech = mech;
	e.op = op;
	e.pid = e.tid = pid;
	strncpy(e.comm, comm, sizeof(e.comm));
	return e;
}

static void peer(struct ipc_event *e, uint32_t pid, const char *comm)
{
	e->flags |= EV_F_PEER;
	e->peer_pid = pid;
	strncpy(e->peer_comm, comm, sizeof(e->peer_comm));
}

/* The record as a line (json false) or a JSON record; free() it. */
static char *render(const struct ipc_event *e, bool json)
{
	struct ev_view v;
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);

	cr_assert(f);
	events_view(e, NULL, &v);
	render_event(&v, 500000000ull, json, f);
	fclose(f);
	return buf;
}

static void expect_line(const struct ipc_event *e, const char *want)
{
	char *got = render(e, false);

	cr_expect_str_eq(got, want);
	free(got);
}

static void expect_json_has(const struct ipc_event *e, const char *part)
{
	char *got = render(e, true);

	cr_expect(strstr(got, part), "no %s in %s", part, got);
	free(got);
}

Test(events_sig, sigchld_generated_by_an_exiting_child)
{
	struct ipc_event e = rec(MECH_SIGNAL, EV_OP_SIGNAL, 102, "consumer");

	peer(&e, 100, "pipeline");
	e.obj_a = 17;
	e.obj_b = 1;
	e.state[0] = 17;      /* SIGCHLD */
	e.state[1] = 1;       /* CLD_EXITED */
	e.state[2] = SIGRES_DELIVERED;
	e.state[3] = 0;       /* exit status */
	e.state[4] = 100;
	e.state[5] = 1;       /* to the process */
	expect_line(&e, "0.500000 consumer[102] signal SIGCHLD -> 0  CLD_EXITED status 0 (queued)"
			"  to pipeline[100]\n");
	expect_json_has(&e, "\"mech\":\"signal\",\"op\":\"signal\",\"object\":\"SIGCHLD\",\"bytes\":0");
	expect_json_has(&e, "\"peer\":{\"pid\":100,\"comm\":\"pipeline\"}");
	expect_json_has(&e, "\"state\":{\"signo\":17,\"code\":\"CLD_EXITED\",\"si_code\":1,"
			    "\"status\":0,\"result\":\"queued\",\"target_tid\":100,\"group\":true}");
}

Test(events_sig, tgkill_to_another_thread_and_the_kernel_s_verdicts)
{
	struct ipc_event e = rec(MECH_SIGNAL, EV_OP_SIGNAL, 10, "sender");

	peer(&e, 20, "target");
	e.state[0] = 12;      /* SIGUSR2 */
	e.state[1] = -6;      /* SI_TKILL */
	e.state[2] = SIGRES_ALREADY_PENDING;
	e.state[4] = 21;
	e.state[5] = 0;
	expect_line(&e, "0.500000 sender[10] signal SIGUSR2 -> 0  SI_TKILL (already_pending) "
			"thread 21  to target[20]\n");
	e.state[2] = SIGRES_IGNORED;
	e.state[4] = 20;      /* the target's main thread: no need to say it */
	expect_line(&e, "0.500000 sender[10] signal SIGUSR2 -> 0  SI_TKILL (ignored)  to target[20]\n");
	e.state[2] = 99;
	expect_json_has(&e, "\"result\":\"unknown\"");
}

Test(events_sig, deliver_with_latency_and_disposition)
{
	struct ipc_event e = rec(MECH_SIGNAL, EV_OP_DELIVER, 100, "pipeline");

	e.state[0] = 10;      /* SIGUSR1 */
	e.state[1] = 0;       /* SI_USER */
	e.state[2] = 14000;
	e.state[3] = 2;
	e.state[4] = 0x4;     /* SA_SIGINFO */
	expect_line(&e, "0.500000 pipeline[100] deliver SIGUSR1 -> 0  SI_USER +14us handler\n");
	expect_json_has(&e, "\"state\":{\"signo\":10,\"code\":\"SI_USER\",\"si_code\":0,"
			    "\"latency_ns\":14000,\"disposition\":\"handler\",\"sa_flags\":4}");
	/* generation not seen: no latency at all, rather than a made-up one */
	e.state[2] = -1;
	e.state[3] = 0;
	expect_line(&e, "0.500000 pipeline[100] deliver SIGUSR1 -> 0  SI_USER default\n");
	expect_json_has(&e, "\"si_code\":0,\"disposition\":\"default\"");
}

Test(events_sig, sigwait_ended_by_a_sender)
{
	struct ipc_event e = rec(MECH_SIGNAL, EV_OP_SIGWAIT, 20, "waiter");

	peer(&e, 10, "sender");
	e.ret = -514;         /* ERESTARTNOHAND: the caller sees EINTR */
	e.flags |= EV_F_SLEPT;
	e.blocked_ns = 397000;
	e.state[0] = 34;      /* SIGRTMIN (glibc's 34) */
	e.state[1] = 2;       /* sigsuspend */
	e.state[2] = 3800;
	e.state[3] = -1;      /* SI_QUEUE */
	expect_line(&e, "0.500000 waiter[20] sigwait SIGRTMIN -> EINTR  sigsuspend +3.8us"
			"  to sender[10]  blocked 397us\n");
	expect_json_has(&e, "\"ret\":-4,\"errno\":\"EINTR\",\"blocked_ns\":397000");
	expect_json_has(&e, "\"state\":{\"signo\":34,\"call\":\"sigsuspend\",\"code\":\"SI_QUEUE\","
			    "\"si_code\":-1,\"since_sent_ns\":3800}");
	/* a sigtimedwait that timed out: no signal, no sender */
	e = rec(MECH_SIGNAL, EV_OP_SIGWAIT, 20, "waiter");
	e.ret = -11;
	e.state[1] = 1;
	e.state[2] = -1;
	expect_line(&e, "0.500000 waiter[20] sigwait - -> EAGAIN  sigtimedwait\n");
}

Test(events_sig, fork_exec_exit_as_process)
{
	struct ipc_event e = rec(MECH_SIGNAL, EV_OP_FORK, 100, "pipeline");

	peer(&e, 102, "pipeline");
	e.ret = 102;
	expect_line(&e, "0.500000 pipeline[100] fork pid:102 -> 102  to pipeline[102]\n");
	expect_json_has(&e, "\"mech\":\"process\",\"op\":\"fork\",\"object\":\"pid:102\"");

	e = rec(MECH_SIGNAL, EV_OP_EXEC, 102, "consumer");
	e.state[0] = 103;     /* a thread called execve */
	expect_line(&e, "0.500000 consumer[102] exec pid:102 -> 0  by thread 103\n");
	expect_json_has(&e, "\"state\":{\"old_tid\":103}");

	e = rec(MECH_SIGNAL, EV_OP_EXIT, 102, "consumer");
	e.ret = e.state[0] = 3 << 8;
	e.state[1] = 100;
	expect_line(&e, "0.500000 consumer[102] exit pid:102 -> 3  exited 3\n");
	expect_json_has(&e, "\"state\":{\"exit_code\":768,\"status\":3,\"ppid\":100}");
	e.ret = e.state[0] = 0x80 | 11; /* SIGSEGV, core dumped */
	expect_line(&e, "0.500000 consumer[102] exit pid:102 -> 139  killed by SIGSEGV (core dumped)\n");
	expect_json_has(&e, "\"signal\":\"SIGSEGV\",\"core_dumped\":true,\"ppid\":100");
}

Test(events_sig, shm_attach_detach_without_a_model)
{
	struct ipc_event e = rec(MECH_SHM, EV_OP_ATTACH, 100, "producer");

	e.obj_a = 5;
	e.obj_b = 131080;
	e.state[0] = 72;
	e.state[1] = 1;
	e.state[2] = SHM_KIND_SYSV;
	e.state[3] = 131080;
	e.state[4] = 1;
	e.state[5] = 0;
	e.state[6] = 0x7f0000001000;
	e.state[7] = 1;       /* shmat */
	/* no model: SysV is still named as the topology names it */
	expect_line(&e, "0.500000 producer[100] attach shm:131080 -> 0  72B rw nattch 1\n");
	expect_json_has(&e, "\"object\":\"shm:131080\",\"bytes\":0");
	expect_json_has(&e, "\"state\":{\"size\":72,\"writable\":true,\"kind\":\"sysv\","
			    "\"shmid\":131080,\"nattch\":1,\"writable_maps\":0,"
			    "\"addr\":139637976731648,\"call\":\"shmat\"}");

	e = rec(MECH_MMAP, EV_OP_DETACH, 101, "reader");
	e.obj_a = 5;
	e.obj_b = 77;
	e.state[0] = 65536;
	e.state[1] = 0;
	e.state[2] = SHM_KIND_MMAP;
	e.state[3] = -1;
	e.state[4] = -1;
	e.state[5] = 0x1000;
	expect_line(&e, "0.500000 reader[101] detach mmap:[77] -> 0  mapped 64.0KB ro\n");
	expect_json_has(&e, "\"state\":{\"length\":65536,\"writable\":false,\"kind\":\"mmap\","
			    "\"addr\":4096}");
}

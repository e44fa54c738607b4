// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * Sockets under ipctrace: unix stream, seqpacket and datagram sockets
 * (paths, abstract names, socketpairs, fd passing) and loopback TCP and
 * UDP.  Every edge, both directions, must match the example's own truth:
 * object name, msgs, bytes and, for unix sockets, fds passed and
 * credentials.  Needs root and BPF; see harness_require_bpf().
 */
#include <criterion/criterion.h>
#include <inttypes.h>
#include <string.h>

#include "harness.h"

#define ARGS(...) ((const char *const[]){ __VA_ARGS__, NULL })

static void check(const char *example, const char *const args[])
{
	harness_traced_free(harness_trace_example(example, args));
}

TestSuite(sockets, .timeout = 180);

/* Several clients by path; the waiting ones send before accept(). */
Test(sockets, unix_stream)
{
	check("unix_stream", ARGS("-n", "200", "-s", "100", "-c", "4"));
}

Test(sockets, unix_stream_large)
{
	check("unix_stream", ARGS("-n", "20", "-s", "60000", "-c", "2"));
}

Test(sockets, unix_seqpacket)
{
	check("unix_stream", ARGS("-t", "seqpacket", "-n", "200", "-s", "64", "-c", "3"));
}

/* sendto(path) unconnected, send() connected, abstract names, replies by address. */
Test(sockets, unix_dgram)
{
	check("unix_dgram", ARGS("-n", "300", "-s", "128"));
}

/* Both ways, SCM_RIGHTS on every 7th message, SCM_CREDENTIALS once. */
Test(sockets, socketpair_stream)
{
	check("socketpair", ARGS("-n", "200", "-s", "64", "-f", "3", "-e", "7"));
}

Test(sockets, socketpair_seqpacket)
{
	check("socketpair", ARGS("-t", "seqpacket", "-n", "100", "-f", "1", "-e", "1"));
}

Test(sockets, socketpair_dgram)
{
	check("socketpair", ARGS("-t", "dgram", "-n", "100", "-s", "1000", "-f", "16", "-e", "50"));
}

Test(sockets, tcp_loopback)
{
	check("tcp_loopback", ARGS("-n", "200", "-s", "100", "-c", "3"));
}

Test(sockets, tcp_loopback_v6)
{
	check("tcp_loopback", ARGS("-6", "-n", "100", "-s", "3000", "-c", "2"));
}

Test(sockets, udp_loopback)
{
	check("udp_loopback", ARGS("-n", "300", "-s", "200"));
}

/* A server on the wildcard address: counted because recvfrom names a loopback source. */
Test(sockets, udp_wildcard)
{
	check("udp_loopback", ARGS("-w", "-n", "100", "-s", "64"));
}

Test(sockets, udp_loopback_v6)
{
	check("udp_loopback", ARGS("-6", "-n", "100", "-s", "64"));
}

/* The benchmark workload: write()/read() on a socketpair and on loopback TCP. */
Test(sockets, sock_pingpong_unix)
{
	check("sock_pingpong", ARGS("-n", "2000", "-s", "64"));
}

Test(sockets, sock_pingpong_tcp)
{
	check("sock_pingpong", ARGS("-t", "tcp", "-n", "2000", "-s", "64"));
}

/* sendmmsg()/recvmmsg(): every message counts, and its own fds with it. */
Test(sockets, socketpair_mmsg_dgram)
{
	check("socketpair", ARGS("-t", "dgram", "-b", "8", "-n", "203", "-f", "2", "-e", "3"));
}

Test(sockets, socketpair_mmsg_stream)
{
	check("socketpair", ARGS("-b", "5", "-n", "100", "-s", "256", "-f", "1", "-e", "2"));
}

/* sendfile() and splice() into a socket: each call is one socket send. */
Test(sockets, sendfile_into_socket)
{
	check("sock_pingpong", ARGS("-m", "sendfile", "-n", "500", "-s", "1000"));
}

Test(sockets, splice_into_tcp)
{
	check("sock_pingpong", ARGS("-t", "tcp", "-m", "splice", "-n", "500", "-s", "4096"));
}

/* One socketpair end shared by forked children: N:1 and 1:N, both exact. */
Test(sockets, shared_after_fork_stream)
{
	check("sock_shared", ARGS("-w", "3", "-n", "300", "-s", "100"));
}

Test(sockets, shared_after_fork_dgram)
{
	check("sock_shared", ARGS("-t", "dgram", "-w", "4", "-n", "200"));
}

/*
 * Kernels without task storage or bpf_rdonly_cast() in tracepoint programs
 * take the LRU-hash stash and probe-read path, where nothing is read at
 * sys_enter for the socket tracepoints: force it so that it stays exact.
 */
Test(sockets, unix_stream_fallback_path)
{
	setenv("IPCTRACE_SLOW_PATH", "1", 1);
	check("unix_stream", ARGS("-n", "200", "-s", "100", "-c", "4"));
}

Test(sockets, socketpair_stream_fallback_path)
{
	setenv("IPCTRACE_SLOW_PATH", "1", 1);
	check("socketpair", ARGS("-n", "200", "-s", "64", "-f", "3", "-e", "7"));
}

Test(sockets, tcp_loopback_fallback_path)
{
	setenv("IPCTRACE_SLOW_PATH", "1", 1);
	check("tcp_loopback", ARGS("-n", "200", "-s", "100", "-c", "3"));
}

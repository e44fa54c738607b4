/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * Ground truth of the shared memory and semaphore examples:
 *
 *   {"type":"truth","mech":"shm","object":"shm:32769","src":A,"dst":B,"size":4096}
 *   {"type":"truth","mech":"sem","object":"sem:5[1]","src":A,"dst":B,"msgs":1000,
 *    "bytes":1000,"posts":1000,"waits":1000,"wakes":1000,"wake_blocked_max_ns":N}
 *
 * shm: A and B were attached to the segment at the same time; A attached
 * first.  sem: A posted the semaphore, B waited on it.  msgs = A's posts,
 * bytes = units B took, posts/waits the same counts by name, wakes = the
 * waits of B that blocked and were ended by A's post (the examples make
 * each of those certain by posting only once B is asleep), and
 * wake_blocked_max_ns the time B measured around those waits: the kernel's
 * blocked time of them cannot be larger.
 */
#ifndef IPCTRACE_EXAMPLES_TRUTH_SYNC_H
#define IPCTRACE_EXAMPLES_TRUTH_SYNC_H

#include <stdbool.h>
#include "truth.h"

static inline void truth_shm(const char *object, pid_t src, pid_t dst, uint64_t size)
{
	struct truth_buf b = { .len = 0 };

	tb_printf(&b, "{\"type\":\"truth\",\"mech\":\"shm\",\"object\":");
	tb_str(&b, object);
	tb_printf(&b, ",\"src\":%d,\"dst\":%d,\"size\":%" PRIu64 "}", (int)src, (int)dst, size);
	tb_emit(&b);
}

/*
 * An mmap edge: a regular file both mapped MAP_SHARED at the same time;
 * object is "mmap:" and its path.  w_src/w_dst: who mapped it writable;
 * msyncs of each side on it; writer (0: none said) the one that wrote.
 */
static inline void truth_mmap(const char *path, pid_t src, pid_t dst, uint64_t size, bool w_src,
			      bool w_dst, uint64_t msyncs_src, uint64_t msyncs_dst, pid_t writer)
{
	struct truth_buf b = { .len = 0 };
	char object[4200];

	snprintf(object, sizeof(object), "mmap:%s", path);
	tb_printf(&b, "{\"type\":\"truth\",\"mech\":\"mmap\",\"object\":");
	tb_str(&b, object);
	tb_printf(&b, ",\"src\":%d,\"dst\":%d,\"size\":%" PRIu64
		  ",\"writable\":{\"src\":%s,\"dst\":%s}"
		  ",\"msyncs\":{\"src\":%" PRIu64 ",\"dst\":%" PRIu64 "}",
		  (int)src, (int)dst, size, w_src ? "true" : "false", w_dst ? "true" : "false",
		  msyncs_src, msyncs_dst);
	if (writer > 0)
		tb_printf(&b, ",\"writer\":%d", (int)writer);
	tb_printf(&b, "}");
	tb_emit(&b);
}

static inline void truth_sem(const char *object, pid_t src, pid_t dst, uint64_t posts,
			     uint64_t units, uint64_t waits, uint64_t wakes, uint64_t blocked_max)
{
	struct truth_buf b = { .len = 0 };

	tb_printf(&b, "{\"type\":\"truth\",\"mech\":\"sem\",\"object\":");
	tb_str(&b, object);
	tb_printf(&b, ",\"src\":%d,\"dst\":%d,\"msgs\":%" PRIu64 ",\"bytes\":%" PRIu64
		  ",\"posts\":%" PRIu64 ",\"waits\":%" PRIu64 ",\"wakes\":%" PRIu64
		  ",\"wake_blocked_max_ns\":%" PRIu64 "}",
		  (int)src, (int)dst, posts, units, posts, waits, wakes, blocked_max);
	tb_emit(&b);
}

/*
 * Wait until the wchan file at path (/proc/PID/wchan, or a thread's) names
 * a kernel function whose name starts with wchan (e.g. "futex"), polling
 * every 20 us.  Returns 0, or -1 if it could not be read (errno set).
 */
static inline int ex_wait_wchan(const char *path, const char *wchan)
{
	char buf[128];

	for (;;) {
		FILE *f = fopen(path, "re");
		size_t n;

		if (!f)
			return -1;
		n = fread(buf, 1, sizeof(buf) - 1, f);
		fclose(f);
		buf[n] = '\0';
		if (!strncmp(buf, wchan, strlen(wchan)))
			return 0;
		ex_sleep_ns(20000);
	}
}

/* Until the single-threaded process pid sleeps in wchan... (see above). */
static inline int ex_wait_asleep_in(pid_t pid, const char *wchan)
{
	char path[64];

	snprintf(path, sizeof(path), "/proc/%d/wchan", (int)pid);
	return ex_wait_wchan(path, wchan);
}

#endif /* IPCTRACE_EXAMPLES_TRUTH_SYNC_H */

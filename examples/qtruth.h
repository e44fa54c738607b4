/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * Ground truth of the message-queue examples (posix_mq, sysv_msg): one
 * line per queue edge, on top of truth.h's fields:
 *
 *   {"type":"truth","mech":"mq","object":"mq:/name","src":..,"dst":..,
 *    "msgs":N,"bytes":B,"priorities":{"0":10,"5":3},"size_hist":{"64":13},
 *    "queue":{"maxmsg":8,"depth_max":8,"notifies":1,"unlinks":1}}
 *
 * "priorities" (mq) or "mtypes" (msg) count messages per priority / mtype;
 * "size_hist" per size bucket, keyed by the bucket's lower bound: 0 for an
 * empty message, else the largest power of two <= the size.  "queue" holds
 * only what the example knows for certain about the queue.
 */
#ifndef IPCTRACE_EXAMPLES_QTRUTH_H
#define IPCTRACE_EXAMPLES_QTRUTH_H

#include <fcntl.h>
#include <stdbool.h>
#include "truth.h"

#define QT_MAX_KEYS 64

/* Message counts by key, in first-seen order. */
struct qt_hist {
	int64_t key[QT_MAX_KEYS];
	uint64_t count[QT_MAX_KEYS];
	int n;
};

/* Count one message under key; 0, or -1 if QT_MAX_KEYS distinct keys are used. */
static inline int qt_add(struct qt_hist *h, int64_t key)
{
	for (int i = 0; i < h->n; i++) {
		if (h->key[i] == key) {
			h->count[i]++;
			return 0;
		}
	}
	if (h->n == QT_MAX_KEYS)
		return -1;
	h->key[h->n] = key;
	h->count[h->n++] = 1;
	return 0;
}

static inline bool qt_equal(const struct qt_hist *a, const struct qt_hist *b)
{
	if (a->n != b->n)
		return false;
	for (int i = 0; i < a->n; i++) {
		int j;

		for (j = 0; j < b->n && b->key[j] != a->key[i]; j++)
			;
		if (j == b->n || b->count[j] != a->count[i])
			return false;
	}
	return true;
}

/* The lower bound of size's bucket: 0, 1, 2, 4, 8, ... */
static inline int64_t qt_size_floor(uint64_t size)
{
	uint64_t f = 1;

	if (!size)
		return 0;
	while (f <= size / 2)
		f *= 2;
	return (int64_t)f;
}

static inline void qt_put_hist(struct truth_buf *b, const char *name, const struct qt_hist *h)
{
	tb_printf(b, ",\"%s\":{", name);
	for (int i = 0; i < h->n; i++)
		tb_printf(b, "%s\"%" PRId64 "\":%" PRIu64, i ? "," : "", h->key[i], h->count[i]);
	tb_printf(b, "}");
}

/*
 * One queue edge.  tags: priorities (mq) or mtypes (msg); queue: the
 * members of the "queue" object, already JSON ("\"maxmsg\":8,...").
 */
static inline void truth_queue(const char *mech, const char *object, pid_t src, pid_t dst,
			       uint64_t msgs, uint64_t bytes, const struct qt_hist *tags,
			       const struct qt_hist *sizes, const char *queue)
{
	struct truth_buf b = { .len = 0 };

	if (!msgs)
		return;
	tb_printf(&b, "{\"type\":\"truth\",\"mech\":\"%s\",\"object\":", mech);
	tb_str(&b, object);
	tb_printf(&b, ",\"src\":%d,\"dst\":%d,\"msgs\":%" PRIu64 ",\"bytes\":%" PRIu64, (int)src,
		  (int)dst, msgs, bytes);
	qt_put_hist(&b, strcmp(mech, "mq") ? "mtypes" : "priorities", tags);
	qt_put_hist(&b, "size_hist", sizes);
	tb_printf(&b, ",\"queue\":{%s}}", queue);
	tb_emit(&b);
}

/*
 * Is pid asleep inside syscall nr?  /proc/PID/syscall shows the number
 * while the task is blocked in a syscall ("running" otherwise).  If it
 * cannot be read (no permission, no CONFIG_HAVE_ARCH_TRACEHOOK), answers
 * true: the caller then does not wait for it.
 */
static inline bool ex_in_syscall(pid_t pid, long nr)
{
	char path[64], buf[64];
	ssize_t n;
	int fd;

	snprintf(path, sizeof(path), "/proc/%d/syscall", (int)pid);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return true;
	n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (n <= 0)
		return true;
	buf[n] = '\0';
	return strtol(buf, NULL, 10) == nr && buf[0] >= '0' && buf[0] <= '9';
}

#endif /* IPCTRACE_EXAMPLES_QTRUTH_H */

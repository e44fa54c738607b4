/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/* Helpers shared by the unit tests: feeding the model, capturing output. */
#ifndef IPCTRACE_TESTUTIL_H
#define IPCTRACE_TESTUTIL_H

#include <stdbool.h>
#include <stddef.h>
#include "core/mech.h"
#include "core/model.h"
#include "kernel/abi.h"
#include "mech/futex.h"
#include "mech/mq.h"
#include "mech/sem.h"
#include "mech/shm.h"
#include "mech/signal.h"
#include "mech/sock.h"
#include "mech/wake.h"

/* An edge's extension, as its mechanism's module lays it out. */
#define SIGX(s, e) ((const struct sig_ext *)edge_ext((s), (e)))
#define SEMX(s, e) ((const struct sem_ext *)edge_ext((s), (e)))
#define FUTX(s, e) ((const struct futex_ext *)edge_ext((s), (e)))
#define SHMX(s, e) ((const struct shm_ext *)edge_ext((s), (e)))
#define MQX(s, e) ((const struct mq_ext *)edge_ext((s), (e)))
#define SOCKX(s, e) ((const struct sock_ext *)edge_ext((s), (e)))

/* A process of the tests: pid with a start time derived from it. */
struct proc_ref P(uint32_t pid);
/* The same pid, reused by a later process. */
struct proc_ref P2(uint32_t pid, uint64_t start_ns);

/* Feed one endpoint (dir 0 = tx, 1 = rx) of pipe inode `ino`. */
void feed_ep(struct model *m, struct proc_ref p, const char *comm, int mech, int dir,
	     uint64_t ino, uint64_t ops, uint64_t bytes, uint64_t blocked_ns);
void feed_sig(struct model *m, struct proc_ref src, const char *src_comm, struct proc_ref dst,
	      int sig, int code, uint64_t generated);
void feed_sigdel(struct model *m, struct proc_ref p, const char *comm, int sig,
		 uint64_t delivered, uint64_t lat_count, uint64_t lat_sum, uint64_t lat_max);

/* The edge src -> dst on the object named `object`, or NULL. */
const struct edge *find_edge(const struct snapshot *s, uint32_t src, uint32_t dst,
			     const char *object);

/* What a renderer wrote, as a malloc'd NUL-terminated string. */
char *render_json_str(const struct snapshot *s);
char *render_table_str(const struct snapshot *s, bool ansi);
char *render_dot_str(const struct snapshot *s);
/* What fn(f, str, arg) wrote, for the escaping functions. */
char *capture(void (*fn)(FILE *, const char *), const char *str);
char *capture_w(void (*fn)(FILE *, const char *, int), const char *str, int width);

/*
 * true if buf[0..len) is exactly one JSON value (RFC 8259) in valid UTF-8,
 * with nothing but whitespace around it.
 */
bool json_valid(const char *buf, size_t len);
/* true if every line of text is a valid JSON value. */
bool ndjson_valid(const char *text);

#endif /* IPCTRACE_TESTUTIL_H */

/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * The --prometheus HTTP server (libmicrohttpd, a thread of its own): it
 * serves GET /metrics from the last text the main loop handed it, and
 * never touches the model.  404 for other paths, 405 for other methods,
 * 503 until the first text is in.
 */
#ifndef IPCTRACE_PROMSRV_H
#define IPCTRACE_PROMSRV_H

#include <stddef.h>
#include <sys/socket.h>

struct promsrv;

/*
 * "[ADDR:]PORT": ADDR an IPv4 literal (default 127.0.0.1) or an IPv6
 * literal in brackets ("[::1]:9464"), PORT 1 to 65535.  0, or -1 with a
 * one-line reason in msg.
 */
int promsrv_parse_addr(const char *spec, struct sockaddr_storage *ss, socklen_t *len,
		       char *msg, size_t msglen);

/* Bind, listen and start serving spec.  NULL with a one-line reason in msg. */
struct promsrv *promsrv_start(const char *spec, char *msg, size_t msglen);

/* Serve text (len bytes, malloc'd) from now on; the server takes it. */
void promsrv_set_text(struct promsrv *p, char *text, size_t len);

/* Stop serving (waits for requests in progress) and free; NULL is fine. */
void promsrv_stop(struct promsrv *p);

#endif /* IPCTRACE_PROMSRV_H */

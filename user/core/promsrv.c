// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * The listening socket is ipctrace's own (bound before BPF is loaded, so
 * a port in use is one line with errno's words, and exit 2), handed to
 * libmicrohttpd, whose internal polling thread answers the requests.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <limits.h>
#include <microhttpd.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "core/promsrv.h"

#define CONTENT_TYPE "text/plain; version=0.0.4; charset=utf-8"

struct promsrv {
	struct MHD_Daemon *d;
	int fd;
	pthread_mutex_t lock;
	char *text;   /* guarded by lock */
	size_t len;
};

int promsrv_parse_addr(const char *spec, struct sockaddr_storage *ss, socklen_t *len,
		       char *msg, size_t msglen)
{
	char host[64] = "127.0.0.1";
	const char *port_s = spec, *colon;
	char *end;
	unsigned long port;

	memset(ss, 0, sizeof(*ss));
	if (spec[0] == '[') {
		const char *close = strchr(spec, ']');

		if (!close || close[1] != ':' || (size_t)(close - spec - 1) >= sizeof(host)) {
			snprintf(msg, msglen, "invalid --prometheus address '%s' (expected "
				 "[ADDR:]PORT, an IPv6 ADDR in brackets)", spec);
			return -1;
		}
		memcpy(host, spec + 1, close - spec - 1);
		host[close - spec - 1] = '\0';
		port_s = close + 2;
	} else if ((colon = strrchr(spec, ':'))) {
		if ((size_t)(colon - spec) >= sizeof(host) || colon == spec) {
			snprintf(msg, msglen, "invalid --prometheus address '%s' (expected "
				 "[ADDR:]PORT)", spec);
			return -1;
		}
		memcpy(host, spec, colon - spec);
		host[colon - spec] = '\0';
		port_s = colon + 1;
	}
	errno = 0;
	port = strtoul(port_s, &end, 10);
	if (errno || end == port_s || *end || *port_s == '-' || *port_s == '+' || port < 1 ||
	    port > 65535) {
		snprintf(msg, msglen, "invalid --prometheus port '%s' (1 to 65535)", port_s);
		return -1;
	}
	if (spec[0] == '[') {
		struct sockaddr_in6 *a = (struct sockaddr_in6 *)ss;

		if (inet_pton(AF_INET6, host, &a->sin6_addr) != 1) {
			snprintf(msg, msglen, "invalid --prometheus address '%s' (not an IPv6 "
				 "literal)", host);
			return -1;
		}
		a->sin6_family = AF_INET6;
		a->sin6_port = htons(port);
		*len = sizeof(*a);
	} else {
		struct sockaddr_in *a = (struct sockaddr_in *)ss;

		if (inet_pton(AF_INET, host, &a->sin_addr) != 1) {
			snprintf(msg, msglen, "invalid --prometheus address '%s' (an IPv4 literal, "
				 "or an IPv6 one in brackets)", host);
			return -1;
		}
		a->sin_family = AF_INET;
		a->sin_port = htons(port);
		*len = sizeof(*a);
	}
	return 0;
}

static enum MHD_Result reply(struct MHD_Connection *c, unsigned int code, const char *body,
			     size_t len, bool copy, const char *allow)
{
	struct MHD_Response *r;
	enum MHD_Result ret;

	r = MHD_create_response_from_buffer(len, (void *)body,
					    copy ? MHD_RESPMEM_MUST_COPY : MHD_RESPMEM_PERSISTENT);
	if (!r)
		return MHD_NO;
	MHD_add_response_header(r, MHD_HTTP_HEADER_CONTENT_TYPE,
				code == MHD_HTTP_OK ? CONTENT_TYPE : "text/plain; charset=utf-8");
	if (allow)
		MHD_add_response_header(r, MHD_HTTP_HEADER_ALLOW, allow);
	ret = MHD_queue_response(c, code, r);
	MHD_destroy_response(r);
	return ret;
}

static enum MHD_Result on_request(void *cls, struct MHD_Connection *c, const char *url,
				  const char *method, const char *version,
				  const char *upload_data, size_t *upload_data_size,
				  void **req_cls)
{
	static const char not_found[] = "not found: ipctrace serves /metrics\n";
	static const char not_allowed[] = "method not allowed: use GET\n";
	static const char not_ready[] = "no metrics yet\n";
	struct promsrv *p = cls;
	enum MHD_Result ret;

	/* the first call is for the headers only; a body, if any, is ignored */
	if (!*req_cls) {
		*req_cls = (void *)1;
		return MHD_YES;
	}
	if (*upload_data_size) {
		*upload_data_size = 0;
		return MHD_YES;
	}
	if (strcmp(method, MHD_HTTP_METHOD_GET) && strcmp(method, MHD_HTTP_METHOD_HEAD))
		return reply(c, MHD_HTTP_METHOD_NOT_ALLOWED, not_allowed, sizeof(not_allowed) - 1,
			     false, "GET, HEAD");
	if (strcmp(url, "/metrics"))
		return reply(c, MHD_HTTP_NOT_FOUND, not_found, sizeof(not_found) - 1, false, NULL);
	pthread_mutex_lock(&p->lock);
	if (p->text)
		ret = reply(c, MHD_HTTP_OK, p->text, p->len, true, NULL);
	else
		ret = reply(c, MHD_HTTP_SERVICE_UNAVAILABLE, not_ready, sizeof(not_ready) - 1,
			    false, NULL);
	pthread_mutex_unlock(&p->lock);
	return ret;
}

struct promsrv *promsrv_start(const char *spec, char *msg, size_t msglen)
{
	struct sockaddr_storage ss;
	socklen_t len;
	struct promsrv *p;
	int one = 1;

	if (promsrv_parse_addr(spec, &ss, &len, msg, msglen))
		return NULL;
	p = calloc(1, sizeof(*p));
	if (!p) {
		snprintf(msg, msglen, "--prometheus: out of memory");
		return NULL;
	}
	pthread_mutex_init(&p->lock, NULL);
	p->fd = socket(ss.ss_family, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
	if (p->fd < 0 ||
	    setsockopt(p->fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one)) ||
	    (ss.ss_family == AF_INET6 &&
	     setsockopt(p->fd, IPPROTO_IPV6, IPV6_V6ONLY, &one, sizeof(one))) ||
	    bind(p->fd, (struct sockaddr *)&ss, len) || listen(p->fd, 64)) {
		snprintf(msg, msglen, "cannot listen on %s for --prometheus: %s", spec,
			 strerror(errno));
		goto fail;
	}
	p->d = MHD_start_daemon(MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_ITC |
				(ss.ss_family == AF_INET6 ? MHD_USE_IPv6 : 0),
				0, NULL, NULL, on_request, p,
				MHD_OPTION_LISTEN_SOCKET, (MHD_socket)p->fd,
				MHD_OPTION_CONNECTION_TIMEOUT, (unsigned int)30,
				MHD_OPTION_END);
	if (!p->d) {
		snprintf(msg, msglen, "cannot start the --prometheus HTTP server on %s", spec);
		goto fail;
	}
	return p;
fail:
	if (p->fd >= 0)
		close(p->fd);
	pthread_mutex_destroy(&p->lock);
	free(p);
	return NULL;
}

void promsrv_set_text(struct promsrv *p, char *text, size_t len)
{
	char *old;

	pthread_mutex_lock(&p->lock);
	old = p->text;
	p->text = text;
	p->len = len;
	pthread_mutex_unlock(&p->lock);
	free(old);
}

void promsrv_stop(struct promsrv *p)
{
	if (!p)
		return;
	/* quiesced, the daemon hands its listening socket back instead of closing it */
	if (MHD_quiesce_daemon(p->d) == MHD_INVALID_SOCKET)
		p->fd = -1;
	MHD_stop_daemon(p->d);
	if (p->fd >= 0)
		close(p->fd);
	pthread_mutex_destroy(&p->lock);
	free(p->text);
	free(p);
}

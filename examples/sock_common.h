/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * Helpers shared by the socket examples: whole-message sends that must
 * succeed in one call (so a message is exactly one send, as the truth
 * says), unix addresses, and the truth line of a socket edge:
 *
 *   {"type":"truth","mech":"unix_stream","object":"/tmp/x:[1234]","src":..,"dst":..,
 *    "msgs":N,"bytes":B[,"fds_passed":F,"creds":C]}
 *
 * The object is the name ipctrace gives the socket at which the bytes
 * arrive: "PATH:[INODE]", "@abstract:[INODE]" or "socketpair:[INODE]" for
 * unix sockets, "SRC:PORT->DST:PORT" for TCP, "ADDR:PORT" of the receiving
 * socket for UDP.
 */
#ifndef IPCTRACE_EXAMPLES_SOCK_COMMON_H
#define IPCTRACE_EXAMPLES_SOCK_COMMON_H

#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdbool.h>
#include <stddef.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include "truth.h"

/* ipctrace keeps 47 bytes of a name: a longer one keeps its tail. */
#define SOCK_NAME_MAX 47

/*
 * One send() that must move all len bytes: a message is one call.  Returns
 * 0, or -1 (errno EIO for a short send).
 */
static inline int sock_send_msg(int fd, const void *buf, size_t len, uint64_t *msgs,
				uint64_t *bytes)
{
	ssize_t n;

	do
		n = send(fd, buf, len, 0);
	while (n < 0 && errno == EINTR);
	if (n < 0)
		return -1;
	*msgs += 1;
	*bytes += n;
	if ((size_t)n != len) {
		errno = EIO;
		return -1;
	}
	return 0;
}

/* sendmsg() of one message, same rules. */
static inline int sock_sendmsg_msg(int fd, const struct msghdr *mh, size_t len, uint64_t *msgs,
				   uint64_t *bytes)
{
	ssize_t n;

	do
		n = sendmsg(fd, mh, 0);
	while (n < 0 && errno == EINTR);
	if (n < 0)
		return -1;
	*msgs += 1;
	*bytes += n;
	if ((size_t)n != len) {
		errno = EIO;
		return -1;
	}
	return 0;
}

/*
 * A unix address: "@name" is abstract (no trailing NUL in the address),
 * anything else a path.  Returns the address length.
 */
static inline socklen_t sock_unix_addr(struct sockaddr_un *sa, const char *name)
{
	size_t len = strlen(name);

	memset(sa, 0, sizeof(*sa));
	sa->sun_family = AF_UNIX;
	if (len >= sizeof(sa->sun_path))
		len = sizeof(sa->sun_path) - 1;
	memcpy(sa->sun_path, name, len);
	if (name[0] == '@') {
		sa->sun_path[0] = '\0';
		return offsetof(struct sockaddr_un, sun_path) + len;
	}
	return offsetof(struct sockaddr_un, sun_path) + len + 1;
}

static inline uint64_t sock_inode(int fd)
{
	struct stat st;

	if (fstat(fd, &st))
		return 0;
	return st.st_ino;
}

/* "NAME:[INO]" as ipctrace shows a unix socket, tail kept when too long. */
static inline void sock_unix_object(char *buf, size_t len, const char *name, uint64_t ino)
{
	char suffix[32];
	size_t slen = snprintf(suffix, sizeof(suffix), ":[%" PRIu64 "]", ino);
	size_t nlen = strlen(name), avail = SOCK_NAME_MAX - slen;

	if (nlen > avail)
		snprintf(buf, len, "...%s%s", name + nlen - (avail - 3), suffix);
	else
		snprintf(buf, len, "%s%s", name, suffix);
}

/* "127.0.0.1:5000" or "[::1]:5000" */
static inline void sock_inet_name(char *buf, size_t len, const struct sockaddr_storage *ss)
{
	char ip[INET6_ADDRSTRLEN];

	if (ss->ss_family == AF_INET6) {
		const struct sockaddr_in6 *s6 = (const void *)ss;

		inet_ntop(AF_INET6, &s6->sin6_addr, ip, sizeof(ip));
		snprintf(buf, len, "[%s]:%u", ip, ntohs(s6->sin6_port));
	} else {
		const struct sockaddr_in *s4 = (const void *)ss;

		inet_ntop(AF_INET, &s4->sin_addr, ip, sizeof(ip));
		snprintf(buf, len, "%s:%u", ip, ntohs(s4->sin_port));
	}
}

/* A socket edge; fds and creds are left out when negative. */
static inline void truth_sock(const char *mech, const char *object, pid_t src, pid_t dst,
			      uint64_t msgs, uint64_t bytes, int64_t fds, int64_t creds)
{
	struct truth_buf b = { .len = 0 };

	if (!msgs)
		return;
	tb_printf(&b, "{\"type\":\"truth\",\"mech\":\"%s\",\"object\":", mech);
	tb_str(&b, object);
	tb_printf(&b, ",\"src\":%d,\"dst\":%d,\"msgs\":%" PRIu64 ",\"bytes\":%" PRIu64, (int)src,
		  (int)dst, msgs, bytes);
	if (fds >= 0)
		tb_printf(&b, ",\"fds_passed\":%" PRId64, fds);
	if (creds >= 0)
		tb_printf(&b, ",\"creds\":%" PRId64, creds);
	tb_printf(&b, "}");
	tb_emit(&b);
}

#endif /* IPCTRACE_EXAMPLES_SOCK_COMMON_H */

// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * socketpair: parent and child talk both ways over socketpair(AF_UNIX),
 * with fd passing.  The parent sends -n messages of -s bytes with
 * sendmsg(); every -e-th message (the first, then every E) carries -f
 * file descriptors (of /dev/null) as SCM_RIGHTS.  -b BATCH > 1 sends them
 * BATCH at a time with sendmmsg() and receives with recvmmsg().  The child
 * answers each message with one of the same size; its first answer also
 * carries its SCM_CREDENTIALS.  -t stream|seqpacket|dgram picks the type.
 *
 * Truth (stderr, printed by the parent): parent -> child on the child's end
 * "socketpair:[INO]" with fds_passed and creds 0, child -> parent on the
 * parent's end with fds_passed 0 and creds 1, and the child's SIGCHLD.  The
 * child exits 1 unless it received every message and every fd (so what the
 * parent sent is what arrived), and sends each answer in one call.
 */
#include <fcntl.h>
#include <getopt.h>
#include "sock_common.h"

static const char usage[] =
	"[-n MSGS] [-s SIZE] [-f FDS] [-e EVERY] [-b BATCH] [-t stream|seqpacket|dgram]";

#define MAX_FDS 16
#define MAX_BATCH 8 /* under net.unix.max_dgram_qlen's default of 10 */

/* One message's buffers: data, control data, the fds it carries. */
struct slot {
	struct iovec iov;
	union {
		char buf[CMSG_SPACE(sizeof(int) * MAX_FDS) + CMSG_SPACE(sizeof(struct ucred))];
		struct cmsghdr align;
	} ctl;
	int fds[MAX_FDS];
	int nfds;
};

/* A message of buf with nfds fresh fds of /dev/null and/or our credentials. */
static void fill_msg(struct msghdr *mh, struct slot *sl, char *buf, size_t size, int nfds,
		     bool creds)
{
	struct cmsghdr *c;

	memset(mh, 0, sizeof(*mh));
	memset(&sl->ctl, 0, sizeof(sl->ctl));
	sl->iov.iov_base = buf;
	sl->iov.iov_len = size;
	sl->nfds = nfds;
	mh->msg_iov = &sl->iov;
	mh->msg_iovlen = 1;
	if (!nfds && !creds)
		return;
	mh->msg_control = sl->ctl.buf;
	mh->msg_controllen = (nfds ? CMSG_SPACE(sizeof(int) * nfds) : 0) +
			     (creds ? CMSG_SPACE(sizeof(struct ucred)) : 0);
	c = CMSG_FIRSTHDR(mh);
	if (nfds) {
		for (int i = 0; i < nfds; i++)
			sl->fds[i] = open("/dev/null", O_RDONLY | O_CLOEXEC);
		c->cmsg_level = SOL_SOCKET;
		c->cmsg_type = SCM_RIGHTS;
		c->cmsg_len = CMSG_LEN(sizeof(int) * nfds);
		memcpy(CMSG_DATA(c), sl->fds, sizeof(int) * nfds);
		c = CMSG_NXTHDR(mh, c);
	}
	if (creds) {
		struct ucred uc = { .pid = getpid(), .uid = getuid(), .gid = getgid() };

		c->cmsg_level = SOL_SOCKET;
		c->cmsg_type = SCM_CREDENTIALS;
		c->cmsg_len = CMSG_LEN(sizeof(uc));
		memcpy(CMSG_DATA(c), &uc, sizeof(uc));
	}
}

static void close_fds(struct slot *sl)
{
	for (int i = 0; i < sl->nfds; i++)
		close(sl->fds[i]);
	sl->nfds = 0;
}

/* One message with sendmsg(), with nfds fds and/or credentials attached. */
static int send_with(int sock, char *buf, size_t size, int nfds, bool creds, uint64_t *msgs,
		     uint64_t *bytes)
{
	struct slot sl;
	struct msghdr mh;
	int ret;

	fill_msg(&mh, &sl, buf, size, nfds, creds);
	ret = sock_sendmsg_msg(sock, &mh, size, msgs, bytes);
	close_fds(&sl);
	return ret;
}

/*
 * k messages in one sendmmsg(); message j carries nfds[j] fds.  Every one
 * must go whole: msgs counts the messages sent.
 */
static int send_batch(int sock, char *buf, size_t size, int k, const int *nfds, uint64_t *msgs,
		      uint64_t *bytes)
{
	struct mmsghdr v[MAX_BATCH];
	struct slot sl[MAX_BATCH];
	int n, ret = 0;

	for (int j = 0; j < k; j++)
		fill_msg(&v[j].msg_hdr, &sl[j], buf, size, nfds[j], false);
	do
		n = sendmmsg(sock, v, k, 0);
	while (n < 0 && errno == EINTR);
	for (int j = 0; j < (n > 0 ? n : 0); j++) {
		*msgs += 1;
		*bytes += v[j].msg_len;
		if (v[j].msg_len != size)
			ret = -1;
	}
	for (int j = 0; j < k; j++)
		close_fds(&sl[j]);
	if (n != k || ret) {
		errno = n < 0 ? errno : EIO;
		return -1;
	}
	return 0;
}

/* Count and close the fds that came with a received message. */
static int take_fds(struct msghdr *mh, size_t n, size_t size, uint64_t *fds_got)
{
	for (struct cmsghdr *c = CMSG_FIRSTHDR(mh); c; c = CMSG_NXTHDR(mh, c)) {
		if (c->cmsg_level != SOL_SOCKET || c->cmsg_type != SCM_RIGHTS)
			continue;
		for (size_t i = 0; i < (c->cmsg_len - CMSG_LEN(0)) / sizeof(int); i++) {
			int fd;

			memcpy(&fd, CMSG_DATA(c) + i * sizeof(int), sizeof(fd));
			close(fd);
			(*fds_got)++;
		}
	}
	if (n != size || (mh->msg_flags & MSG_CTRUNC)) {
		errno = EIO;
		return -1;
	}
	return 0;
}

/* k messages of exactly size bytes, with recvmsg() (k = 1) or one recvmmsg(). */
static int recv_msgs(int sock, char *buf, size_t size, int k, uint64_t *bytes, uint64_t *fds_got)
{
	struct mmsghdr v[MAX_BATCH];
	struct slot sl[MAX_BATCH];
	int n;

	for (int j = 0; j < k; j++) {
		fill_msg(&v[j].msg_hdr, &sl[j], buf, size, 0, false);
		v[j].msg_hdr.msg_control = sl[j].ctl.buf;
		v[j].msg_hdr.msg_controllen = sizeof(sl[j].ctl.buf);
	}
	if (k == 1) {
		ssize_t r;

		do
			r = recvmsg(sock, &v[0].msg_hdr, MSG_WAITALL | MSG_CMSG_CLOEXEC);
		while (r < 0 && errno == EINTR);
		n = r > 0 ? 1 : (int)r;
		v[0].msg_len = r > 0 ? r : 0;
	} else {
		do
			n = recvmmsg(sock, v, k, MSG_WAITALL | MSG_CMSG_CLOEXEC, NULL);
		while (n < 0 && errno == EINTR);
	}
	if (n <= 0)
		return n;
	for (int j = 0; j < n; j++) {
		*bytes += v[j].msg_len;
		if (take_fds(&v[j].msg_hdr, v[j].msg_len, size, fds_got))
			return -1;
	}
	if (n != k) {
		errno = EIO;
		return -1;
	}
	return 1;
}

int main(int argc, char **argv)
{
	uint64_t n = 100, size = 64, nfds = 2, every = 10, batch = 1;
	uint64_t msgs = 0, bytes = 0, got = 0, fds_sent = 0, fds_got = 0;
	int opt, type = SOCK_STREAM, sv[2], err = 0, status;
	const char *mech = "unix_stream";
	char obj_parent[64], obj_child[64];
	pid_t child;
	char *buf;

	while ((opt = getopt(argc, argv, "n:s:f:e:b:t:h")) != -1) {
		switch (opt) {
		case 'n': n = ex_parse_u64(optarg, 'n', 1, UINT32_MAX, usage); break;
		case 's': size = ex_parse_u64(optarg, 's', 1, 65536, usage); break;
		case 'f': nfds = ex_parse_u64(optarg, 'f', 0, MAX_FDS, usage); break;
		case 'e': every = ex_parse_u64(optarg, 'e', 1, UINT32_MAX, usage); break;
		case 'b': batch = ex_parse_u64(optarg, 'b', 1, MAX_BATCH, usage); break;
		case 't':
			if (!strcmp(optarg, "stream"))
				type = SOCK_STREAM, mech = "unix_stream";
			else if (!strcmp(optarg, "seqpacket"))
				type = SOCK_SEQPACKET, mech = "unix_seqpacket";
			else if (!strcmp(optarg, "dgram"))
				type = SOCK_DGRAM, mech = "unix_dgram";
			else
				ex_die_usage(usage, "-t: unknown socket type '%s'", optarg);
			break;
		default: ex_die_usage(usage, NULL);
		}
	}
	if (optind != argc)
		ex_die_usage(usage, "unexpected argument '%s'", argv[optind]);
	ex_setup();

	buf = malloc(size);
	if (!buf || socketpair(AF_UNIX, type, 0, sv)) {
		perror("socketpair");
		return 1;
	}
	memset(buf, 's', size);
	sock_unix_object(obj_parent, sizeof(obj_parent), "socketpair", sock_inode(sv[0]));
	sock_unix_object(obj_child, sizeof(obj_child), "socketpair", sock_inode(sv[1]));

	child = fork();
	if (child < 0) {
		perror("fork");
		return 1;
	}
	if (child == 0) {
		uint64_t expect_fds = 0;

		/* receive what the parent sends in one call, answer each message */
		close(sv[0]);
		for (uint64_t i = 0; i < n; ) {
			int k = n - i < batch ? (int)(n - i) : (int)batch;

			for (int j = 0; j < k; j++)
				expect_fds += (i + j) % every == 0 ? nfds : 0;
			if (recv_msgs(sv[1], buf, size, k, &got, &fds_got) <= 0)
				goto child_fail;
			for (int j = 0; j < k; j++)
				if (send_with(sv[1], buf, size, 0, i + j == 0, &msgs, &bytes))
					goto child_fail;
			i += k;
		}
		if (got != n * size || fds_got != expect_fds) {
			fprintf(stderr, "socketpair: child got %" PRIu64 " bytes, %" PRIu64 " fds\n",
				got, fds_got);
			_exit(1);
		}
		_exit(0);
child_fail:
		perror("socketpair: child");
		_exit(1);
	}

	/* -b 1: sendmsg() and recvmsg(); else batches with sendmmsg() and recvmmsg() */
	close(sv[1]);
	for (uint64_t i = 0; i < n; ) {
		int k = n - i < batch ? (int)(n - i) : (int)batch, f[MAX_BATCH];
		uint64_t unused = 0;

		for (int j = 0; j < k; j++) {
			f[j] = (i + j) % every == 0 ? (int)nfds : 0;
			fds_sent += f[j];
		}
		if ((batch == 1 ? send_with(sv[0], buf, size, f[0], false, &msgs, &bytes) :
				  send_batch(sv[0], buf, size, k, f, &msgs, &bytes)) ||
		    recv_msgs(sv[0], buf, size, k, &got, &unused) <= 0) {
			perror("socketpair: parent");
			err = 1;
			break;
		}
		i += k;
	}
	close(sv[0]);
	status = ex_wait(child);
	err |= ex_child_ok("child", status);

	truth_sock(mech, obj_child, getpid(), child, msgs, bytes, fds_sent, 0);
	truth_sock(mech, obj_parent, child, getpid(), n, got, 0, 1);
	truth_sigchld(child, getpid(), status);
	free(buf);
	return err;
}

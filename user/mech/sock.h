/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/* Unix sockets, loopback TCP and UDP (bpf/sock.bpf.c). */
#ifndef IPCTRACE_MECH_SOCK_H
#define IPCTRACE_MECH_SOCK_H

#include <stdint.h>
#include "core/mech.h"
#include "core/model.h"

extern const struct mech_ops mech_sock;

/*
 * The extension of a unix socket edge whose receiver is the object's only
 * one (then every passed fd reached it): what the sender passed.  Absent
 * otherwise: with several receivers nobody knows which got them.
 */
struct sock_ext {
	uint64_t fds_passed; /* SCM_RIGHTS file descriptors */
	uint64_t creds;      /* messages carrying SCM_CREDENTIALS */
};

#endif

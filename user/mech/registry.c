// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * The mechanism table: the one place that lists the modules.  Adding a
 * mechanism is a bpf/<name>.bpf.c, a user/mech/<name>.c, and a line here.
 * The order is the order of -m's word list and of --check.
 */
#include <stdio.h>
#include <string.h>
#include "core/mech.h"
#include "mech/file.h"
#include "mech/futex.h"
#include "mech/hist.h"
#include "mech/ipcwake.h"
#include "mech/mq.h"
#include "mech/pipe.h"
#include "mech/proc.h"
#include "mech/sem.h"
#include "mech/shm.h"
#include "mech/signal.h"
#include "mech/sock.h"

const struct mech_ops *const mech_modules[] = {
	&mech_pipe,   /* pipe, fifo */
	&mech_sock,   /* unix_stream, unix_dgram, unix_seqpacket, tcp, udp */
	&mech_mq,     /* mq, msg */
	&mech_shm,    /* shm */
	&mech_sem,    /* sem (SysV and POSIX) */
	&mech_futex,  /* futex (shared futex words) */
	&mech_signal, /* signal */
	&mech_file,   /* file (opt-in: -m file) */
	&mech_proc,   /* process lifecycle: no edges of its own */
	&mech_ipcwake, /* wake-ups through pipes, sockets and queues: onto their edges */
	&mech_hist,   /* --hist: histograms of blocked time, onto the joined edges */
};
const size_t mech_n_modules = sizeof(mech_modules) / sizeof(mech_modules[0]);

const struct mech_kind *mech_kind_of(int id)
{
	for (size_t i = 0; i < mech_n_modules; i++)
		for (const struct mech_kind *k = mech_modules[i]->kinds; k && k->name; k++)
			if (k->id == id)
				return k;
	return NULL;
}

const struct mech_ops *mech_module_of(int id)
{
	for (size_t i = 0; i < mech_n_modules; i++)
		for (const struct mech_kind *k = mech_modules[i]->kinds; k && k->name; k++)
			if (k->id == id)
				return mech_modules[i];
	return NULL;
}

const char *mech_name(int id)
{
	const struct mech_kind *k = mech_kind_of(id);

	return k ? k->name : NULL;
}

int mech_parse(const char *name)
{
	for (size_t i = 0; name && i < mech_n_modules; i++)
		for (const struct mech_kind *k = mech_modules[i]->kinds; k && k->name; k++)
			if (!strcmp(k->name, name))
				return k->id;
	return -1;
}

uint32_t mech_opt_mask(const char *opt)
{
	uint32_t mask = 0;

	for (size_t i = 0; opt && i < mech_n_modules; i++)
		for (const struct mech_kind *k = mech_modules[i]->kinds; k && k->name; k++)
			if (k->opt && !strcmp(k->opt, opt))
				mask |= 1u << k->id;
	return mask;
}

static uint32_t kinds_mask(bool opt_in)
{
	uint32_t mask = 0;

	for (size_t i = 0; i < mech_n_modules; i++)
		for (const struct mech_kind *k = mech_modules[i]->kinds; k && k->name; k++)
			if (opt_in || !k->opt_in)
				mask |= 1u << k->id;
	return mask;
}

uint32_t mech_all_mask(void)
{
	return kinds_mask(false);
}

uint32_t mech_every_mask(void)
{
	return kinds_mask(true);
}

void mech_opt_list(char *buf, size_t len)
{
	size_t used = 0;

	if (len)
		buf[0] = '\0';
	for (size_t i = 0; i < mech_n_modules; i++) {
		for (const struct mech_kind *k = mech_modules[i]->kinds; k && k->name; k++) {
			/* "unix" stands for three kinds: list it once */
			if (!k->opt || (k != mech_modules[i]->kinds && k[-1].opt &&
					!strcmp(k[-1].opt, k->opt)))
				continue;
			used += snprintf(buf + used, used < len ? len - used : 0, "%s%s",
					 used ? "," : "", k->opt);
		}
	}
}

/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/* Command-line options (DESIGN.md §4).  Pure C: unit-tested without root. */
#ifndef IPCTRACE_OPTS_H
#define IPCTRACE_OPTS_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

enum out_format {
	FMT_TABLE = 0,
	FMT_JSON,
	FMT_DOT,
};

struct opts {
	enum out_format format;
	double interval_s;   /* 0: only the final report */
	double duration_s;   /* 0: until Ctrl-C or the command exits */
	uint32_t *pids;      /* -p, only edges with one of these pids at one end */
	int n_pids;
	char **comms;        /* -c */
	int n_comms;
	uint32_t mech_mask;  /* bits (1 << id) of the mechanisms to trace (core/mech.h) */
	const char *output;  /* -o, NULL for stdout */
	bool check;          /* --check */
	bool bench_noop;     /* --bench-noop: attach empty programs (benchmark floor) */
	char **cmd;          /* argv after "--", NULL-terminated, or NULL */
};

/*
 * Parse argv into o.  is_tty tells whether stdout is a terminal (it picks
 * the default format and interval).  Returns 0 to run, 1 when help was
 * printed (exit 0), -1 after printing a one-line error to err (exit 2).
 * On 0 the caller owns o and frees it with opts_free().
 */
int opts_parse(struct opts *o, int argc, char **argv, bool is_tty, FILE *out, FILE *err);
void opts_free(struct opts *o);

#endif /* IPCTRACE_OPTS_H */

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
	FMT_SVG,   /* one picture of the final report, drawn by libgvc */
};

#define OPTS_RETENTION_DEFAULT 300.0
#define OPTS_MAP_ENTRIES_MAX (1u << 24)
#define OPTS_MAX_SERIES_DEFAULT 10000
#define OPTS_MAX_SERIES_MAX 10000000
#define OPTS_RING_MB_DEFAULT 8
#define OPTS_RING_MB_MAX 1024

struct opts {
	enum out_format format;
	double interval_s;   /* 0: only the final report */
	double duration_s;   /* 0: until Ctrl-C or the command exits */
	uint32_t *pids;      /* -p, only edges with one of these pids at one end */
	int n_pids;
	char **comms;        /* -c */
	int n_comms;
	char **cgroups;      /* --cgroup: cgroup v2 paths, each a subtree */
	int n_cgroups;
	uint32_t mech_mask;  /* bits (1 << id) of the mechanisms to trace (core/mech.h) */
	const char *output;  /* -o, NULL for stdout */
	int aggregate;       /* -a: an enum agg_key (core/model.h), AGG_PID (0) by default */
	bool full;           /* --full: every report carries every edge */
	bool hist;           /* --hist: log2 histograms of blocked time per edge end */
	bool events;         /* --events: one record per IPC operation, then the final report */
	uint32_t ring_mb;    /* --ring-mb: the events ring's size in MiB (a power of 2) */
	double retention_s;  /* --retention: exited processes' edges kept with pids this long */
	uint32_t map_entries; /* --map-entries: BPF map size, 0 = the built-in default */
	const char *prometheus; /* --prometheus [ADDR:]PORT, NULL when not an exporter */
	uint32_t max_series; /* --max-series: Prometheus label sets with a series of their own */
	bool quiet;          /* no reports: --prometheus without -f or -o */
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

/*
 * Whom COMMAND runs as under sudo, from the SUDO_UID and SUDO_GID values
 * (uid_s, gid_s; NULL when unset).  Returns 1 with *uid and *gid set when
 * both are plain decimal ids, 0 when SUDO_UID is unset (COMMAND runs as
 * ipctrace does), or -1 after a one-line error on err naming cmd when
 * SUDO_UID is malformed, or SUDO_GID missing or malformed: a mangled
 * environment must not end in COMMAND running as root.
 */
int opts_sudo_ids(const char *uid_s, const char *gid_s, const char *cmd, uint32_t *uid,
		  uint32_t *gid, FILE *err);

#endif /* IPCTRACE_OPTS_H */

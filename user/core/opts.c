// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * getopt_long rather than argp: argp's errors are two lines and it exits by
 * itself; ipctrace wants one-line errors and a parser tests can call twice.
 */
#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include "core/mech.h"
#include "core/model.h"
#include "core/opts.h"

static const char usage[] =
"Usage: ipctrace [OPTIONS] [-- COMMAND [ARGS...]]\n"
"Show which processes talk to which through pipes, FIFOs, signals, message\n"
"queues, shared memory, semaphores, shared futexes (process-shared mutexes\n"
"and condition variables), unix sockets and loopback TCP/UDP.\n"
"\n"
"  -f, --format FMT     table (default), json (JSON lines), dot (Graphviz), svg\n"
"                       (a picture of the final report, drawn with Graphviz)\n"
"  -i, --interval SEC   report every SEC seconds (default: 1 for a table on a\n"
"                       terminal, else only the final report)\n"
"  -d, --duration SEC   stop after SEC seconds\n"
"  -p, --pid PID        only IPC where PID is one end (repeatable, or a comma list)\n"
"  -c, --comm NAME      only IPC where a process named NAME is one end (repeatable)\n"
"      --cgroup PATH    only IPC where one end is in cgroup v2 PATH or below it,\n"
"                       e.g. /system.slice (repeatable, or a comma list)\n"
"  -m, --mech LIST      pipe,fifo,unix,tcp,udp,mq,msg,shm,mmap,sem,futex,signal,file\n"
"                       or all (default: all, which is every one but file: file\n"
"                       traces every regular-file read and write; -m all,file)\n"
"  -a, --aggregate KEY  pid (default), comm, exe or cgroup (one node per KEY:\n"
"                       an edge sums the process pairs it holds)\n"
"  -o, --output FILE    write reports to FILE instead of stdout\n"
"      --full           every report carries all edges (default: interval reports\n"
"                       carry the edges that changed; the final report all)\n"
"      --events         one line (-f json: one record) per IPC operation as it\n"
"                       happens, with the kernel state it found and the tasks it\n"
"                       woke; then the final report (no interval reports\n"
"                       unless -i is given)\n"
"      --ring-mb N      --events: the ring buffer's size in MiB, a power of 2\n"
"                       (default 8); records it has no room for are counted\n"
"      --hist           log2 histograms of the blocked time of each edge end\n"
"                       (the table: after it; JSON: \"hist\" on the edge)\n"
"      --retention SEC  keep exited processes' edges with their pids this long\n"
"                       after they last changed, then fold them by name\n"
"                       (default 300)\n"
"      --map-entries N  size of the per-process BPF maps (default 65536;\n"
"                       the endpoint map 131072)\n"
"      --prometheus [ADDR:]PORT\n"
"                       run as a Prometheus exporter: serve GET /metrics on\n"
"                       ADDR (default 127.0.0.1; [::1] for IPv6) port PORT;\n"
"                       prints no report unless -f or -o is given\n"
"      --max-series N   Prometheus label sets with a series of their own; the\n"
"                       rest are summed into src/dst \"other\" (default 10000)\n"
"      --check          print what this kernel supports and exit\n"
"  -h, --help           this help\n"
"  -- COMMAND           run COMMAND (as the invoking user under sudo), trace it\n"
"                       and its descendants, stop when it exits; exit with its status\n";

enum { OPT_CHECK = 256, OPT_BENCH_NOOP, OPT_FULL, OPT_HIST, OPT_RETENTION, OPT_MAP_ENTRIES,
       OPT_PROMETHEUS, OPT_MAX_SERIES, OPT_CGROUP, OPT_EVENTS, OPT_RING_MB };

static const struct option longopts[] = {
	{ "format", required_argument, NULL, 'f' },
	{ "interval", required_argument, NULL, 'i' },
	{ "duration", required_argument, NULL, 'd' },
	{ "pid", required_argument, NULL, 'p' },
	{ "comm", required_argument, NULL, 'c' },
	{ "cgroup", required_argument, NULL, OPT_CGROUP },
	{ "mech", required_argument, NULL, 'm' },
	{ "output", required_argument, NULL, 'o' },
	{ "aggregate", required_argument, NULL, 'a' },
	{ "check", no_argument, NULL, OPT_CHECK },
	{ "bench-noop", no_argument, NULL, OPT_BENCH_NOOP },
	{ "full", no_argument, NULL, OPT_FULL },
	{ "hist", no_argument, NULL, OPT_HIST },
	{ "events", no_argument, NULL, OPT_EVENTS },
	{ "ring-mb", required_argument, NULL, OPT_RING_MB },
	{ "retention", required_argument, NULL, OPT_RETENTION },
	{ "map-entries", required_argument, NULL, OPT_MAP_ENTRIES },
	{ "prometheus", required_argument, NULL, OPT_PROMETHEUS },
	{ "max-series", required_argument, NULL, OPT_MAX_SERIES },
	{ "help", no_argument, NULL, 'h' },
	{ NULL, 0, NULL, 0 },
};

static int parse_seconds(const char *s, double *out)
{
	char *end;
	double v;

	errno = 0;
	v = strtod(s, &end);
	if (errno || end == s || *end || !isfinite(v) || v <= 0 || v > 1e7)
		return -1;
	*out = v;
	return 0;
}

static int add_pids(struct opts *o, const char *list, FILE *err)
{
	char *copy = strdup(list), *tok, *save = NULL;
	int ret = 0;

	if (!copy)
		return -1;
	for (tok = strtok_r(copy, ",", &save); tok; tok = strtok_r(NULL, ",", &save)) {
		char *end;
		unsigned long v;
		uint32_t *grown;

		errno = 0;
		v = strtoul(tok, &end, 10);
		if (errno || end == tok || *end || v == 0 || v > INT_MAX || tok[0] == '-') {
			fprintf(err, "ipctrace: invalid pid '%s' (expected a positive number)\n", tok);
			ret = -1;
			break;
		}
		grown = realloc(o->pids, (o->n_pids + 1) * sizeof(*o->pids));
		if (!grown) {
			ret = -1;
			break;
		}
		o->pids = grown;
		o->pids[o->n_pids++] = v;
	}
	if (!tok && ret == 0 && o->n_pids == 0) {
		fprintf(err, "ipctrace: -p needs at least one pid\n");
		ret = -1;
	}
	free(copy);
	return ret;
}

static int add_comm(struct opts *o, const char *name, FILE *err)
{
	char **grown;

	if (!*name) {
		fprintf(err, "ipctrace: -c needs a process name\n");
		return -1;
	}
	grown = realloc(o->comms, (o->n_comms + 1) * sizeof(*o->comms));
	if (!grown)
		return -1;
	o->comms = grown;
	o->comms[o->n_comms] = strdup(name);
	return o->comms[o->n_comms++] ? 0 : -1;
}

/*
 * --cgroup: paths, each starting with '/'; in a list a comma followed by
 * '/' starts the next one, so a comma inside a cgroup's name stays.
 */
static int add_cgroups(struct opts *o, const char *list, FILE *err)
{
	const char *p = list;

	do {
		const char *next = strstr(p, ",/");
		size_t len = next ? (size_t)(next - p) : strlen(p);
		char **grown;

		if (len == 0 || p[0] != '/') {
			fprintf(err, "ipctrace: invalid --cgroup '%.*s' (a cgroup v2 path: "
				"/ or /system.slice, ...)\n", (int)len, p);
			return -1;
		}
		grown = realloc(o->cgroups, (o->n_cgroups + 1) * sizeof(*o->cgroups));
		if (!grown)
			return -1;
		o->cgroups = grown;
		if (!(o->cgroups[o->n_cgroups] = strndup(p, len)))
			return -1;
		o->n_cgroups++;
		p = next ? next + 1 : NULL;
	} while (p);
	return 0;
}

/* A map size: a whole number of entries, within what the kernel will allocate. */
static int parse_entries(const char *s, uint32_t *out)
{
	char *end;
	unsigned long v;

	errno = 0;
	v = strtoul(s, &end, 10);
	if (errno || end == s || *end || *s == '-' || v < 1024 || v > OPTS_MAP_ENTRIES_MAX)
		return -1;
	*out = v;
	return 0;
}

/* A comma list of -m words (core/mech.h), or "all". */
static int parse_mechs(struct opts *o, const char *list, FILE *err)
{
	char *copy = strdup(list), *tok, *save = NULL, avail[256];
	int ret = 0;

	if (!copy)
		return -1;
	mech_opt_list(avail, sizeof(avail));
	o->mech_mask = 0;
	for (tok = strtok_r(copy, ",", &save); tok; tok = strtok_r(NULL, ",", &save)) {
		uint32_t mask = strcmp(tok, "all") ? mech_opt_mask(tok) : mech_all_mask();

		if (!mask) {
			fprintf(err, "ipctrace: unknown mechanism '%s' (available: %s, or all)\n",
				tok, avail);
			ret = -1;
			break;
		}
		o->mech_mask |= mask;
	}
	if (!ret && !o->mech_mask) {
		fprintf(err, "ipctrace: -m needs at least one mechanism\n");
		ret = -1;
	}
	free(copy);
	return ret;
}

static int parse_format(struct opts *o, const char *s, FILE *err)
{
	if (!strcmp(s, "table"))
		o->format = FMT_TABLE;
	else if (!strcmp(s, "json"))
		o->format = FMT_JSON;
	else if (!strcmp(s, "dot"))
		o->format = FMT_DOT;
	else if (!strcmp(s, "svg"))
		o->format = FMT_SVG;
	else if (!strcmp(s, "events")) {
		fprintf(err, "ipctrace: 'events' is not a format: use --events (with -f table "
			"or json)\n");
		return -1;
	} else {
		fprintf(err, "ipctrace: unknown format '%s' (use table, json, dot or svg)\n", s);
		return -1;
	}
	return 0;
}

int opts_parse(struct opts *o, int argc, char **argv, bool is_tty, FILE *out, FILE *err)
{
	bool interval_set = false, format_set = false, ring_set = false;
	int c;

	memset(o, 0, sizeof(*o));
	o->format = FMT_TABLE;
	o->mech_mask = mech_all_mask();
	o->retention_s = OPTS_RETENTION_DEFAULT;
	o->max_series = OPTS_MAX_SERIES_DEFAULT;
	o->ring_mb = OPTS_RING_MB_DEFAULT;

	optind = 0; /* full reset, so tests can parse more than once */
	opterr = 0;
	/* '+': stop at the first non-option, so COMMAND's own flags are left alone */
	while ((c = getopt_long(argc, argv, "+:f:i:d:p:c:m:o:a:h", longopts, NULL)) != -1) {
		switch (c) {
		case 'f':
			if (parse_format(o, optarg, err))
				goto fail;
			format_set = true;
			break;
		case 'i':
			if (parse_seconds(optarg, &o->interval_s)) {
				fprintf(err, "ipctrace: invalid interval '%s' (seconds > 0)\n", optarg);
				goto fail;
			}
			interval_set = true;
			break;
		case 'd':
			if (parse_seconds(optarg, &o->duration_s)) {
				fprintf(err, "ipctrace: invalid duration '%s' (seconds > 0)\n", optarg);
				goto fail;
			}
			break;
		case 'p':
			if (add_pids(o, optarg, err))
				goto fail;
			break;
		case 'c':
			if (add_comm(o, optarg, err))
				goto fail;
			break;
		case OPT_CGROUP:
			if (add_cgroups(o, optarg, err))
				goto fail;
			break;
		case 'm':
			if (parse_mechs(o, optarg, err))
				goto fail;
			break;
		case 'a':
			if ((o->aggregate = agg_key_parse(optarg)) < 0) {
				fprintf(err, "ipctrace: invalid aggregate key '%s' (pid, comm, exe or "
					"cgroup)\n", optarg);
				goto fail;
			}
			break;
		case 'o':
			if (!*optarg) {
				fprintf(err, "ipctrace: -o needs a file name\n");
				goto fail;
			}
			/* `-o -- CMD` forgot the file: a report named "--" is never meant */
			if (!strcmp(optarg, "--")) {
				fprintf(err, "ipctrace: -o needs a file name before '--'\n");
				goto fail;
			}
			o->output = optarg;
			break;
		case OPT_CHECK:
			o->check = true;
			break;
		case OPT_BENCH_NOOP:
			o->bench_noop = true;
			break;
		case OPT_FULL:
			o->full = true;
			break;
		case OPT_HIST:
			o->hist = true;
			break;
		case OPT_EVENTS:
			o->events = true;
			break;
		case OPT_RING_MB: {
			char *end;
			unsigned long v;

			errno = 0;
			v = strtoul(optarg, &end, 10);
			if (errno || end == optarg || *end || *optarg == '-' || v < 1 ||
			    v > OPTS_RING_MB_MAX || (v & (v - 1))) {
				fprintf(err, "ipctrace: invalid --ring-mb '%s' (a power of 2, 1 to "
					"%u)\n", optarg, OPTS_RING_MB_MAX);
				goto fail;
			}
			o->ring_mb = v;
			ring_set = true;
			break;
		}
		case OPT_RETENTION:
			if (parse_seconds(optarg, &o->retention_s)) {
				fprintf(err, "ipctrace: invalid retention '%s' (seconds > 0)\n", optarg);
				goto fail;
			}
			break;
		case OPT_MAP_ENTRIES:
			if (parse_entries(optarg, &o->map_entries)) {
				fprintf(err, "ipctrace: invalid map size '%s' (entries, 1024 to %u)\n",
					optarg, OPTS_MAP_ENTRIES_MAX);
				goto fail;
			}
			break;
		case OPT_PROMETHEUS:
			if (!*optarg || !strcmp(optarg, "--")) {
				fprintf(err, "ipctrace: --prometheus needs [ADDR:]PORT\n");
				goto fail;
			}
			o->prometheus = optarg;
			break;
		case OPT_MAX_SERIES: {
			char *end;
			unsigned long v;

			errno = 0;
			v = strtoul(optarg, &end, 10);
			if (errno || end == optarg || *end || *optarg == '-' || v < 1 ||
			    v > OPTS_MAX_SERIES_MAX) {
				fprintf(err, "ipctrace: invalid --max-series '%s' (1 to %u)\n", optarg,
					OPTS_MAX_SERIES_MAX);
				goto fail;
			}
			o->max_series = v;
			break;
		}
		case 'h':
			fputs(usage, out);
			opts_free(o);
			return 1;
		case ':':
			fprintf(err, "ipctrace: option '%s' needs an argument (see --help)\n",
				argv[optind - 1]);
			goto fail;
		default:
			if (optopt)
				fprintf(err, "ipctrace: unknown option '-%c' (see --help)\n", optopt);
			else
				fprintf(err, "ipctrace: unknown option '%s' (see --help)\n",
					argv[optind - 1]);
			goto fail;
		}
	}

	if (optind < argc) {
		/* getopt consumed a "--" if there was one; anything left is COMMAND */
		if (strcmp(argv[optind - 1], "--") != 0) {
			fprintf(err, "ipctrace: unexpected argument '%s' (put COMMAND after --)\n",
				argv[optind]);
			goto fail;
		}
		o->cmd = &argv[optind];
	} else if (optind > 0 && optind == argc && !strcmp(argv[optind - 1], "--")) {
		fprintf(err, "ipctrace: '--' must be followed by a command\n");
		goto fail;
	}

	/*
	 * An SVG file holds one picture: interval reports would be pictures
	 * glued into a file no viewer opens.  Nor is it for a terminal.
	 */
	if (o->format == FMT_SVG && interval_set && !o->check) {
		fprintf(err, "ipctrace: -f svg draws one picture, of the final report; it takes "
			"no -i (use -f dot or json for interval reports)\n");
		goto fail;
	}
	if (o->format == FMT_SVG && is_tty && !o->output && !o->check) {
		fprintf(err, "ipctrace: -f svg writes a file: use -o FILE or redirect standard "
			"output\n");
		goto fail;
	}
	/*
	 * An exporter takes a full snapshot every second: interval reports,
	 * whose deltas and changes span the time since the previous snapshot,
	 * would span that second instead.  It prints no report unless asked.
	 */
	if (o->prometheus && interval_set && !o->check) {
		fprintf(err, "ipctrace: --prometheus takes no -i (the exporter's counters are "
			"what interval reports would be; use -f or -o for a final report)\n");
		goto fail;
	}
	if (ring_set && !o->events && !o->check) {
		fprintf(err, "ipctrace: --ring-mb sizes the --events ring: add --events\n");
		goto fail;
	}
	/* events are lines of text or JSON, between which a graph has no place */
	if (o->events && (o->format == FMT_DOT || o->format == FMT_SVG) && !o->check) {
		fprintf(err, "ipctrace: --events prints lines: use it with -f table or -f json\n");
		goto fail;
	}
	if (o->events && o->prometheus && !o->check) {
		fprintf(err, "ipctrace: --events and --prometheus do not go together (the "
			"exporter serves counters; run two ipctrace)\n");
		goto fail;
	}
	if (o->prometheus) {
		o->quiet = !format_set && !o->output;
		return 0;
	}
	/* an event stream is not a live table: reports only when -i asks */
	if (o->events)
		return 0;
	if (!interval_set && o->format == FMT_TABLE && is_tty && !o->output)
		o->interval_s = 1.0;
	return 0;
fail:
	opts_free(o);
	return -1;
}

/*
 * Strict, unlike strtoul(): " 12", "+12", "12x" and "" would all become
 * some number, and any number but the right one runs COMMAND as someone
 * else.  (uint32_t)-1 is "no id" to setuid(), so it is refused too.
 */
static int parse_id(const char *s, uint32_t *out)
{
	uint64_t v = 0;

	if (!s || !*s)
		return -1;
	for (; *s; s++) {
		if (*s < '0' || *s > '9')
			return -1;
		v = v * 10 + (*s - '0');
		if (v >= UINT32_MAX)
			return -1;
	}
	*out = v;
	return 0;
}

int opts_sudo_ids(const char *uid_s, const char *gid_s, const char *cmd, uint32_t *uid,
		  uint32_t *gid, FILE *err)
{
	if (!uid_s)
		return 0;
	if (parse_id(uid_s, uid)) {
		fprintf(err, "ipctrace: SUDO_UID='%s' is not a user id; refusing to run '%s' as "
			"root\n", uid_s, cmd);
		return -1;
	}
	if (!gid_s) {
		fprintf(err, "ipctrace: SUDO_UID is set but SUDO_GID is not; refusing to run '%s' "
			"as root\n", cmd);
		return -1;
	}
	if (parse_id(gid_s, gid)) {
		fprintf(err, "ipctrace: SUDO_GID='%s' is not a group id; refusing to run '%s' as "
			"root\n", gid_s, cmd);
		return -1;
	}
	return 1;
}

void opts_free(struct opts *o)
{
	for (int i = 0; i < o->n_comms; i++)
		free(o->comms[i]);
	free(o->comms);
	for (int i = 0; i < o->n_cgroups; i++)
		free(o->cgroups[i]);
	free(o->cgroups);
	o->cgroups = NULL;
	o->n_cgroups = 0;
	free(o->pids);
	o->comms = NULL;
	o->pids = NULL;
	o->n_comms = o->n_pids = 0;
}

// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * ipctrace: lifecycle only.  Parse options, check the machine, start the
 * command (if any), load and attach, then collect and report every interval
 * until the command exits, the duration is over, a stop signal comes
 * (SIGINT, SIGTERM, SIGHUP, SIGQUIT) or the report can no longer be
 * written; finish with a final report of the whole run whenever it can
 * still be written.
 */
#include <errno.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include "core/child.h"
#include "core/cgroup.h"
#include "core/collect.h"
#include "core/events.h"
#include "core/model.h"
#include "core/opts.h"
#include "core/out.h"
#include "core/procfs.h"
#include "core/promsrv.h"
#include "core/waitfor.h"
#include "kernel/features.h"
#include "kernel/loader.h"
#include "output/render.h"

#define TICK_NS (100 * 1000000L) /* drain process events this often */
#define GRACE_S 2                /* a stopped command gets this long to finish */
#define PROM_PERIOD_S 1.0        /* --prometheus: the metrics are rebuilt this often */

#ifndef IPCTRACE_VERSION
#define IPCTRACE_VERSION "unknown"
#endif

static const int stop_signals[] = { SIGINT, SIGTERM, SIGHUP, SIGQUIT };

static volatile sig_atomic_t stop_signal, stop_from_tty, child_changed;

static void on_stop(int sig, siginfo_t *si, void *ctx)
{
	/*
	 * SI_KERNEL is the terminal's line discipline (Ctrl-C, Ctrl-\, a
	 * hangup), which signals the whole foreground process group.
	 */
	stop_from_tty = si && si->si_code == SI_KERNEL;
	stop_signal = sig;
}

static void on_child(int sig)
{
	child_changed = 1;
}

/*
 * Stop signals are caught before loading, which takes a second or more: a
 * SIGINT sent meanwhile must still end in a clean detach and a final
 * report, and a shell script's `ipctrace &` starts with SIGINT ignored, so
 * a late handler would lose it and run forever.  No SA_RESTART, so the
 * sleep between ticks ends at once, for a stop and for COMMAND's exit
 * alike.  SIGPIPE stays ignored: a closed pipe shows as EPIPE from the
 * write, which ends the run in order instead of killing it mid-report.
 * What the caller had ignored is collected in ignored, for COMMAND.
 */
static void catch_signals(sigset_t *ignored)
{
	struct sigaction stop = {}, chld = {}, ign = {}, old;

	sigemptyset(ignored);
	stop.sa_sigaction = on_stop;
	stop.sa_flags = SA_SIGINFO;
	for (size_t i = 0; i < sizeof(stop_signals) / sizeof(*stop_signals); i++)
		if (sigaction(stop_signals[i], &stop, &old) == 0 && old.sa_handler == SIG_IGN)
			sigaddset(ignored, stop_signals[i]);
	/* a handler, not SIG_IGN: an ignored SIGCHLD reaps by itself and waitpid() fails */
	chld.sa_handler = on_child;
	chld.sa_flags = SA_NOCLDSTOP;
	if (sigaction(SIGCHLD, &chld, &old) == 0 && old.sa_handler == SIG_IGN)
		sigaddset(ignored, SIGCHLD);
	ign.sa_handler = SIG_IGN;
	if (sigaction(SIGPIPE, &ign, &old) == 0 && old.sa_handler == SIG_IGN)
		sigaddset(ignored, SIGPIPE);
}

static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

static void sleep_tick(void)
{
	struct timespec ts = { 0, TICK_NS };

	/* COMMAND may have exited since the last look: do not wait out a tick for it */
	if (child_changed) {
		child_changed = 0;
		return;
	}
	nanosleep(&ts, NULL); /* EINTR is how a stop signal or SIGCHLD arrives */
}

struct run {
	struct opts opts;
	struct out out;
	bool ansi;
	struct model *model;
	struct collector *coll;
	struct model_filter filter;
	double t0;
	int werr; /* errno of the first failed write of a report, 0 while all is well */
	bool render_failed; /* a report could not be drawn (-f svg: Graphviz failed) */
	struct promsrv *prom; /* --prometheus: the HTTP server */
	struct events *ev;    /* --events: the ring's consumer */
	struct prom_state *prom_st;
};

/* The first write error ends the run; it is told once (EPIPE not at all: the reader left). */
static void note_write_error(struct run *r, int err)
{
	if (!err || r->werr)
		return;
	r->werr = err;
	if (err != EPIPE)
		fprintf(stderr, "ipctrace: writing the report to %s failed: %s\n", r->out.name,
			strerror(err));
}

/* One report; false when it could not be written (r->werr says why). */
static bool report(struct run *r, bool final)
{
	struct snapshot *s;
	char msg[512];

	collector_read(r->coll);
	/* the records drained above came before this report: their loss too */
	events_tick(r->ev, (uint64_t)(now_s() * 1e9));
	/* a live table counts the idle edges it hides: it needs them all */
	s = model_snapshot(r->model, final, final || r->opts.full || r->ansi, now_s() - r->t0,
			   time(NULL), &r->filter);
	if (!s) {
		fprintf(stderr, "ipctrace: out of memory taking a snapshot\n");
		return true;
	}
	if (r->opts.quiet)
		goto done;
	/* who waits on whom; NULL (out of memory) leaves the report without it */
	s->wait = waitfor_analyze(s);
	switch (r->opts.format) {
	case FMT_JSON:
		render_json(s, r->out.f);
		break;
	case FMT_DOT:
		render_dot(s, r->out.f);
		break;
	case FMT_SVG:
		if (render_svg(s, r->out.f, msg, sizeof(msg))) {
			fprintf(stderr, "ipctrace: %s\n", msg);
			r->render_failed = true;
		}
		break;
	default:
		/* after an event stream, a blank line sets the table apart */
		if (r->ev)
			fputc('\n', r->out.f);
		render_table(s, r->out.f, r->ansi && !final);
		break;
	}
	note_write_error(r, out_check(&r->out));
done:
	if (final)
		render_lost_warning(s, stderr);
	snapshot_free(s);
	return !r->werr;
}

/*
 * --prometheus: the counters as they are now, from a full snapshot, handed
 * to the HTTP thread, which only ever copies the last text it was given.
 */
static void prom_update(struct run *r)
{
	struct snapshot *s;
	char *text = NULL;
	size_t len = 0;
	FILE *f;

	collector_read(r->coll);
	s = model_snapshot(r->model, false, true, now_s() - r->t0, time(NULL), &r->filter);
	if (!s) {
		fprintf(stderr, "ipctrace: out of memory taking a snapshot\n");
		return;
	}
	f = open_memstream(&text, &len);
	if (f && render_prom(s, f, r->prom_st, IPCTRACE_VERSION) == 0 && fclose(f) == 0) {
		promsrv_set_text(r->prom, text, len);
	} else {
		if (f)
			fclose(f);
		free(text);
		fprintf(stderr, "ipctrace: out of memory building the metrics\n");
	}
	snapshot_free(s);
}

/*
 * Pass the stop on to COMMAND and give it GRACE_S to finish its IPC,
 * collecting meanwhile.  A terminal signals its whole foreground group,
 * which holds COMMAND too unless COMMAND moved to a group of its own:
 * passing such a signal on would deliver one Ctrl-C twice.  Returns true
 * once COMMAND has exited (wait status in *status); false, after saying
 * so, if it is still running.
 */
static bool stop_child(struct run *r, struct child *ch, int sig, bool from_tty, int *status)
{
	double end;

	if (!from_tty || getpgid(ch->pid) != getpgrp())
		kill(ch->pid, sig);
	end = now_s() + GRACE_S;
	while (now_s() < end) {
		sleep_tick();
		collector_tick(r->coll);
		if (child_reap(ch, status, false))
			return true;
	}
	/* its parent-death signal is SIGTERM: any other it may ignore and live through our exit */
	fprintf(stderr, "ipctrace: '%s' (pid %d) did not exit within %d s of SIG%s; it is left "
		"running%s\n", ch->name, (int)ch->pid, GRACE_S, sigabbrev_np(sig),
		sig == SIGTERM ? "" : " (and gets SIGTERM as ipctrace exits)");
	return false;
}

/*
 * A stdout found closed at start: with no -o the reports have nowhere to
 * go, which is said before loading, not after; with -o it gets /dev/null,
 * like 0 and 2 (see main).  Returns 0, or the exit code after a one-line
 * error.
 */
static int fix_stdio(struct run *r, bool stdout_closed)
{
	if (!stdout_closed)
		return 0;
	if (r->opts.check) {
		fprintf(stderr, "ipctrace: standard output is closed; --check prints its report "
			"there, so run it with stdout open\n");
		return 2;
	}
	if (!r->opts.output) {
		fprintf(stderr, "ipctrace: standard output is closed; use -o FILE\n");
		return 2;
	}
	if (out_fd_fill(STDOUT_FILENO)) {
		fprintf(stderr, "ipctrace: cannot open /dev/null on the closed standard output: "
			"%s\n", strerror(errno));
		return 1;
	}
	return 0;
}

int main(int argc, char **argv)
{
	struct loader_cfg cfg = {};
	struct loader *ld = NULL;
	struct child ch = { .pid = -1 };
	struct run r = {};
	sigset_t ignored;
	char msg[512];
	double next_report, next_prom, deadline;
	int ret, e, stop = 0, status = 0, exit_code = 0;
	bool stdout_closed, drop = false, stop_tty = false, child_done = false;
	uint32_t uid = 0, gid = 0;

	/*
	 * Before anything is opened: a closed 0, 1 or 2 is the next descriptor
	 * open() hands out, and a BPF map or the -o file landing there would be
	 * COMMAND's input, or written to as "stdout".
	 */
	stdout_closed = out_fd_closed(STDOUT_FILENO);
	if (out_fd_fill(STDIN_FILENO) || out_fd_fill(STDERR_FILENO)) {
		fprintf(stderr, "ipctrace: cannot open /dev/null for a closed standard stream: "
			"%s\n", strerror(errno));
		return 1;
	}
	ret = opts_parse(&r.opts, argc, argv, !stdout_closed && isatty(STDOUT_FILENO), stdout,
			 stderr);
	if (ret)
		return ret > 0 ? 0 : 2;
	exit_code = fix_stdio(&r, stdout_closed);
	if (exit_code)
		goto out;

	if (r.opts.check) {
		exit_code = loader_check_report(stdout);
		opts_free(&r.opts);
		return exit_code;
	}
	for (int i = 0; i < r.opts.n_pids; i++) {
		if (!procfs_pid_exists(r.opts.pids[i])) {
			fprintf(stderr, "ipctrace: no process with pid %u\n", r.opts.pids[i]);
			exit_code = 2;
			goto out;
		}
	}
	if (r.opts.cmd && geteuid() == 0) {
		ret = opts_sudo_ids(getenv("SUDO_UID"), getenv("SUDO_GID"), r.opts.cmd[0], &uid,
				    &gid, stderr);
		if (ret < 0) {
			exit_code = 1;
			goto out;
		}
		drop = ret > 0 && uid != 0;
	}
	catch_signals(&ignored);

	/* the -o file first: a mistyped path is told before a second of loading */
	e = out_open(&r.out, r.opts.output, msg, sizeof(msg));
	if (e) {
		if (e == EINTR && stop_signal) {
			/* stopped while a FIFO waited for its reader: nowhere to report to */
			exit_code = 128 + stop_signal;
			goto out;
		}
		fprintf(stderr, "ipctrace: %s\n", msg);
		exit_code = 1;
		goto out;
	}
	/* the exporter's port before loading: a port in use is said at once */
	if (r.opts.prometheus) {
		r.prom_st = prom_state_new(r.opts.max_series);
		r.prom = r.prom_st ? promsrv_start(r.opts.prometheus, msg, sizeof(msg)) : NULL;
		if (!r.prom) {
			fprintf(stderr, "ipctrace: %s\n", r.prom_st ? msg : "out of memory");
			exit_code = 2;
			goto out;
		}
	}
	if (loader_check_env(msg, sizeof(msg))) {
		fprintf(stderr, "ipctrace: %s\n", msg);
		exit_code = 1;
		goto out;
	}

	r.filter.pids = r.opts.pids;
	r.filter.n_pids = r.opts.n_pids;
	r.filter.comms = (const char *const *)r.opts.comms;
	r.filter.n_comms = r.opts.n_comms;
	r.filter.cgroups = (const char *const *)r.opts.cgroups;
	r.filter.n_cgroups = r.opts.n_cgroups;
	if (r.opts.n_cgroups && !cgroup_root()) {
		fprintf(stderr, "ipctrace: --cgroup: no cgroup v2 hierarchy is mounted\n");
		exit_code = 1;
		goto out;
	}
	/* in a pid namespace (a container) -p names pids as it numbers them */
	if (procfs_self_pidns() && procfs_self_pidns() != PROCFS_INIT_PIDNS)
		r.filter.pidns = procfs_self_pidns();

	cfg.mech_mask = r.opts.mech_mask;
	cfg.filter_traced = r.opts.cmd != NULL;
	cfg.bench_noop = r.opts.bench_noop;
	cfg.want_hist = r.opts.hist;
	cfg.want_events = r.opts.events;
	cfg.ring_bytes = r.opts.ring_mb << 20;
	cfg.map_entries = r.opts.map_entries;
	/* BPF sees the kernel's pids: getpid() differs inside a pid namespace */
	if (kernel_global_tgid(&cfg.self_tgid))
		cfg.self_tgid = getpid();
	ld = loader_start(&cfg, msg, sizeof(msg));
	if (!ld) {
		fprintf(stderr, "ipctrace: %s\n", msg);
		exit_code = 1;
		goto out;
	}
	/* only now may an existing -o file lose its content */
	if (out_commit(&r.out, msg, sizeof(msg))) {
		fprintf(stderr, "ipctrace: %s\n", msg);
		exit_code = 1;
		goto out;
	}
	/* an event stream scrolls: no live table over it */
	r.ansi = r.opts.format == FMT_TABLE && isatty(r.out.fd) && r.opts.interval_s > 0 &&
		 !r.opts.events;
	r.model = model_new();
	if (r.model) {
		model_set_retention(r.model, (uint64_t)(r.opts.retention_s * 1e9));
		model_set_aggregate(r.model, (enum agg_key)r.opts.aggregate);
	}
	r.coll = r.model ? collector_new(loader_kif(ld), r.model) : NULL;
	if (!r.coll) {
		fprintf(stderr, "ipctrace: cannot set up the collector: %s\n", strerror(errno));
		exit_code = 1;
		goto out;
	}

	r.t0 = now_s();
	if (r.opts.events) {
		r.ev = events_start(r.coll, loader_kif(ld), r.model, &r.filter, r.out.f,
				    r.opts.format == FMT_JSON, (uint64_t)(r.t0 * 1e9));
		if (!r.ev) {
			fprintf(stderr, "ipctrace: cannot read the events ring buffer: %s\n",
				strerror(errno));
			exit_code = 1;
			goto out;
		}
	}

	/* system-wide, what was there before the hooks (a command's processes are all new) */
	if (!r.opts.cmd)
		collector_predate(r.coll, r.opts.mech_mask);

	/* a stop during loading: no command is started, the (empty) final report is printed */
	if (r.opts.cmd && !stop_signal) {
		child_init(&ch, r.opts.cmd, &ignored, drop, uid, gid);
		if (child_fork(&ch, r.opts.cmd) || loader_trace_pid(ld, ch.kernel_pid)) {
			fprintf(stderr, "ipctrace: cannot start '%s': %s\n", r.opts.cmd[0],
				strerror(errno));
			exit_code = 1;
			goto out;
		}
		if (r.ev) {
			struct stat st;

			/* a pipe's key is (s_dev as the kernel encodes it, inode) */
			if (fstat(ch.go_fd, &st) == 0)
				events_hide(r.ev, (uint64_t)major(st.st_dev) << 20 | minor(st.st_dev),
					    st.st_ino);
		}
		e = child_release(&ch);
		if (e) {
			fprintf(stderr, "ipctrace: cannot run '%s': %s\n", r.opts.cmd[0], strerror(e));
			child_reap(&ch, &status, true);
			exit_code = 127;
			goto out;
		}
	}

	next_prom = r.t0 + PROM_PERIOD_S;
	if (r.prom)
		prom_update(&r);
	next_report = r.opts.interval_s > 0 ? r.t0 + r.opts.interval_s : 0;
	deadline = r.opts.duration_s > 0 ? r.t0 + r.opts.duration_s : 0;
	while (!stop_signal) {
		double t;

		sleep_tick();
		collector_tick(r.coll);
		if (r.ev) {
			events_tick(r.ev, (uint64_t)(now_s() * 1e9));
			note_write_error(&r, out_check(&r.out));
			if (r.werr)
				break;
		}
		if (child_reap(&ch, &status, false)) {
			child_done = true;
			break;
		}
		t = now_s();
		if (deadline && t >= deadline)
			break;
		if (r.prom && t >= next_prom) {
			prom_update(&r);
			next_prom += PROM_PERIOD_S;
			if (next_prom < t)
				next_prom = t + PROM_PERIOD_S;
		}
		if (next_report && t >= next_report) {
			if (!report(&r, false))
				break;
			next_report += r.opts.interval_s;
			if (next_report < t)
				next_report = t + r.opts.interval_s;
		}
	}

	/*
	 * What stopped the run, as the signal COMMAND gets: a reader that went
	 * away is SIGPIPE, as COMMAND would get from that same pipe; any other
	 * write error ends the run as SIGTERM would.
	 */
	if (r.werr) {
		stop = r.werr == EPIPE ? SIGPIPE : SIGTERM;
	} else if (stop_signal) {
		stop = stop_signal;
		stop_tty = stop_from_tty;
	}
	if (stop && ch.pid > 0)
		child_done = stop_child(&r, &ch, stop, stop_tty, &status);
	/* after a failed write the stream holds a torn report: add nothing to it */
	if (!r.werr)
		report(&r, true);
	note_write_error(&r, out_close(&r.out));

	if ((r.werr && r.werr != EPIPE) || r.render_failed)
		exit_code = 1;
	else if (child_done)
		exit_code = child_exit_code(status);
	else if (r.werr == EPIPE)
		exit_code = 128 + SIGPIPE;
	else if (stop)
		exit_code = 128 + stop;
out:
	/* the detach below forks a helper of its own; its exit is no news to us */
	signal(SIGCHLD, SIG_DFL);
	promsrv_stop(r.prom);
	prom_state_free(r.prom_st);
	events_free(r.ev);
	collector_free(r.coll);
	loader_stop(ld);
	model_free(r.model);
	out_close(&r.out);
	opts_free(&r.opts);
	return exit_code;
}

// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * ipctrace: lifecycle only.  Parse options, check the machine, start the
 * command (if any), load and attach, then collect and report every interval
 * until the command exits, the duration is over, or SIGINT/SIGTERM; always
 * finish with a final report of the whole run.
 */
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <pwd.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include "core/collect.h"
#include "core/model.h"
#include "core/opts.h"
#include "core/procfs.h"
#include "kernel/loader.h"
#include "output/render.h"

#define TICK_NS (100 * 1000000L) /* drain process events this often */

static volatile sig_atomic_t stop_signal;

static void on_stop(int sig)
{
	stop_signal = sig;
}

static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

/* Under sudo, COMMAND runs as the user who ran sudo, not as root. */
static int drop_to_sudo_user(void)
{
	const char *uid_s = getenv("SUDO_UID"), *gid_s = getenv("SUDO_GID");
	struct passwd *pw;
	uid_t uid;
	gid_t gid;

	if (geteuid() != 0 || !uid_s || !gid_s)
		return 0;
	uid = strtoul(uid_s, NULL, 10);
	gid = strtoul(gid_s, NULL, 10);
	if (uid == 0)
		return 0;
	pw = getpwuid(uid);
	if ((pw ? initgroups(pw->pw_name, gid) : setgroups(0, NULL)) || setgid(gid) || setuid(uid))
		return -1;
	return 0;
}

struct child {
	pid_t pid;
	int go_fd;   /* write end: one byte releases the child into exec */
	int err_fd;  /* read end: errno of a failed exec, EOF on success */
};

/*
 * Fork COMMAND but hold it before exec until it is in the traced set, so
 * not one of its operations is missed.  It waits on a pipe it reads before
 * it is traced; the release write comes from ipctrace, which is never traced.
 */
static int child_fork(struct child *ch, char **cmd)
{
	int go[2], err[2];

	if (pipe2(go, O_CLOEXEC) || pipe2(err, O_CLOEXEC))
		return -1;
	ch->pid = fork();
	if (ch->pid < 0)
		return -1;
	if (ch->pid == 0) {
		char b;
		int e;

		close(go[1]);
		close(err[0]);
		if (read(go[0], &b, 1) != 1)
			_exit(127);
		if (drop_to_sudo_user()) {
			e = errno;
			if (write(err[1], &e, sizeof(e)) < 0)
				_exit(127);
			_exit(127);
		}
		execvp(cmd[0], cmd);
		e = errno;
		if (write(err[1], &e, sizeof(e)) < 0)
			_exit(127);
		_exit(127);
	}
	close(go[0]);
	close(err[1]);
	ch->go_fd = go[1];
	ch->err_fd = err[0];
	return 0;
}

/* Release the child; 0 once it has exec'd, else the exec errno. */
static int child_release(struct child *ch)
{
	int e = 0;
	ssize_t n;

	if (write(ch->go_fd, "g", 1) != 1)
		e = errno;
	close(ch->go_fd);
	do {
		n = read(ch->err_fd, &e, sizeof(e));
	} while (n < 0 && errno == EINTR);
	close(ch->err_fd);
	return n == sizeof(e) ? e : 0;
}

static int exit_code_of(int status)
{
	if (WIFEXITED(status))
		return WEXITSTATUS(status);
	if (WIFSIGNALED(status))
		return 128 + WTERMSIG(status);
	return 1;
}

struct run {
	struct opts opts;
	FILE *out;
	bool ansi;
	struct model *model;
	struct collector *coll;
	struct model_filter filter;
	double t0;
};

static void report(struct run *r, bool final)
{
	struct snapshot *s;

	collector_read(r->coll);
	s = model_snapshot(r->model, final, now_s() - r->t0, time(NULL), &r->filter);
	if (!s) {
		fprintf(stderr, "ipctrace: out of memory taking a snapshot\n");
		return;
	}
	switch (r->opts.format) {
	case FMT_JSON:
		render_json(s, r->out);
		break;
	case FMT_DOT:
		render_dot(s, r->out);
		break;
	default:
		render_table(s, r->out, r->ansi && !final);
		break;
	}
	fflush(r->out);
	snapshot_free(s);
	collector_reap(r->coll);
}

static void sleep_tick(void)
{
	struct timespec ts = { 0, TICK_NS };

	nanosleep(&ts, NULL); /* EINTR is how a stop signal arrives */
}

int main(int argc, char **argv)
{
	struct loader_cfg cfg = {};
	struct loader *ld = NULL;
	struct child ch = { .pid = -1 };
	struct sigaction sa = {};
	struct run r = {};
	char msg[512];
	double next_report, deadline;
	int ret, status = 0, exit_code = 0;
	bool child_done = false;

	ret = opts_parse(&r.opts, argc, argv, isatty(STDOUT_FILENO), stdout, stderr);
	if (ret)
		return ret > 0 ? 0 : 2;

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
	/*
	 * Stop signals are caught before loading, which takes a second or
	 * more: a SIGINT sent meanwhile must still end in a clean detach and a
	 * final report, and a shell script's `ipctrace &` starts with SIGINT
	 * ignored, so a late handler would lose it and run forever.
	 */
	sa.sa_handler = on_stop;
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGHUP, &sa, NULL);
	signal(SIGPIPE, SIG_IGN);

	if (loader_check_env(msg, sizeof(msg))) {
		fprintf(stderr, "ipctrace: %s\n", msg);
		exit_code = 1;
		goto out;
	}

	r.out = stdout;
	if (r.opts.output) {
		r.out = fopen(r.opts.output, "we");
		if (!r.out) {
			fprintf(stderr, "ipctrace: cannot write '%s': %s\n", r.opts.output,
				strerror(errno));
			exit_code = 1;
			goto out;
		}
	}
	r.ansi = r.opts.format == FMT_TABLE && isatty(fileno(r.out)) && r.opts.interval_s > 0;
	r.filter.pids = r.opts.pids;
	r.filter.n_pids = r.opts.n_pids;
	r.filter.comms = (const char *const *)r.opts.comms;
	r.filter.n_comms = r.opts.n_comms;

	cfg.mech_mask = r.opts.mech_mask;
	cfg.filter_traced = r.opts.cmd != NULL;
	cfg.bench_noop = r.opts.bench_noop;
	cfg.self_tgid = getpid();
	ld = loader_start(&cfg, msg, sizeof(msg));
	if (!ld) {
		fprintf(stderr, "ipctrace: %s\n", msg);
		exit_code = 1;
		goto out;
	}
	r.model = model_new();
	r.coll = r.model ? collector_new(loader_kif(ld), r.model) : NULL;
	if (!r.coll) {
		fprintf(stderr, "ipctrace: cannot set up the collector: %s\n", strerror(errno));
		exit_code = 1;
		goto out;
	}

	/* a stop during loading: no command is started, the (empty) final report is printed */
	if (r.opts.cmd && !stop_signal) {
		int e;

		if (child_fork(&ch, r.opts.cmd) || loader_trace_pid(ld, ch.pid)) {
			fprintf(stderr, "ipctrace: cannot start '%s': %s\n", r.opts.cmd[0],
				strerror(errno));
			exit_code = 1;
			goto out;
		}
		e = child_release(&ch);
		if (e) {
			fprintf(stderr, "ipctrace: cannot run '%s': %s\n", r.opts.cmd[0], strerror(e));
			waitpid(ch.pid, &status, 0);
			ch.pid = -1;
			exit_code = 127;
			goto out;
		}
	}

	r.t0 = now_s();
	next_report = r.opts.interval_s > 0 ? r.t0 + r.opts.interval_s : 0;
	deadline = r.opts.duration_s > 0 ? r.t0 + r.opts.duration_s : 0;
	while (!stop_signal) {
		double t;

		sleep_tick();
		collector_drain(r.coll);
		if (ch.pid > 0 && waitpid(ch.pid, &status, WNOHANG) == ch.pid) {
			child_done = true;
			break;
		}
		t = now_s();
		if (deadline && t >= deadline)
			break;
		if (next_report && t >= next_report) {
			report(&r, false);
			next_report += r.opts.interval_s;
			if (next_report < t)
				next_report = t + r.opts.interval_s;
		}
	}

	if (stop_signal && ch.pid > 0 && !child_done) {
		/* pass the stop on, and give the command a moment to finish its IPC */
		kill(ch.pid, stop_signal);
		for (int i = 0; i < 20 && !child_done; i++) {
			sleep_tick();
			child_done = waitpid(ch.pid, &status, WNOHANG) == ch.pid;
		}
	}
	report(&r, true);

	if (child_done)
		exit_code = exit_code_of(status);
	else if (stop_signal)
		exit_code = 128 + stop_signal;
out:
	collector_free(r.coll);
	loader_stop(ld);
	model_free(r.model);
	if (r.out && r.out != stdout)
		fclose(r.out);
	opts_free(&r.opts);
	return exit_code;
}

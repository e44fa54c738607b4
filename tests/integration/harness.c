// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
#include <criterion/criterion.h>
#include <criterion/logging.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "harness.h"

static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

static void child_exec(char *const argv[], const char *stdout_path, const char *stderr_path)
{
	int in, out, err;
	sigset_t none;

	setpgid(0, 0);
	in = open("/dev/null", O_RDONLY);
	out = open(stdout_path, O_WRONLY | O_CREAT | O_APPEND, 0644);
	err = open(stderr_path, O_WRONLY | O_CREAT | O_APPEND, 0644);
	if (in < 0 || out < 0 || err < 0)
		_exit(126);
	dup2(in, 0);
	dup2(out, 1);
	dup2(err, 2);
	closefrom(3);
	/*
	 * Ignored signals and the mask survive exec: do not hand the test
	 * runner's to the tracer and the examples (an ignored SIGCHLD would
	 * change what the kernel sends them).
	 */
	for (int sig = 1; sig < NSIG; sig++)
		signal(sig, SIG_DFL);
	sigemptyset(&none);
	sigprocmask(SIG_SETMASK, &none, NULL);
	execv(argv[0], argv);
	dprintf(2, "harness: exec %s: %s\n", argv[0], strerror(errno));
	_exit(127);
}

int harness_run(char *const argv[], const char *stdout_path, const char *stderr_path,
		int timeout_s, struct run_result *res)
{
	double start = now_s(), deadline = start + timeout_s, kill_at = 0;
	pid_t pid;

	memset(res, 0, sizeof(*res));
	pid = fork();
	if (pid < 0)
		return -1;
	if (pid == 0)
		child_exec(argv, stdout_path, stderr_path);
	setpgid(pid, pid); /* also in the child: whichever runs first */
	res->pid = pid;

	for (;;) {
		pid_t r = waitpid(pid, &res->status, WNOHANG);
		struct timespec tick = { 0, 10 * 1000 * 1000 };

		if (r == pid)
			break;
		if (r < 0 && errno != EINTR)
			return -1;
		if (!res->timed_out && now_s() > deadline) {
			/* SIGTERM first: ipctrace should still print its final report. */
			res->timed_out = true;
			kill(-pid, SIGTERM);
			kill_at = now_s() + 5;
		} else if (res->timed_out && kill_at && now_s() > kill_at) {
			kill(-pid, SIGKILL);
			kill_at = 0;
		}
		nanosleep(&tick, NULL);
	}
	/* Whatever the command left behind in its group. */
	kill(-pid, SIGKILL);
	res->elapsed_s = now_s() - start;
	return 0;
}

char *harness_slurp(const char *path)
{
	FILE *f = fopen(path, "r");
	char *buf = NULL;
	size_t len = 0, n;
	char chunk[8192];
	FILE *m = open_memstream(&buf, &len);

	if (f) {
		while ((n = fread(chunk, 1, sizeof(chunk), f)) > 0)
			fwrite(chunk, 1, n, m);
		fclose(f);
	}
	fclose(m);
	return buf;
}

const char *harness_describe(const struct run_result *res, char *buf, size_t len)
{
	const char *t = res->timed_out ? " (timed out, was sent SIGTERM)" : "";

	if (WIFEXITED(res->status))
		snprintf(buf, len, "exited with status %d after %.2fs%s", WEXITSTATUS(res->status),
			 res->elapsed_s, t);
	else if (WIFSIGNALED(res->status))
		snprintf(buf, len, "killed by signal %d (%s) after %.2fs%s", WTERMSIG(res->status),
			 strsignal(WTERMSIG(res->status)), res->elapsed_s, t);
	else
		snprintf(buf, len, "wait status 0x%x%s", res->status, t);
	return buf;
}

void harness_require_bpf(void)
{
	const char *req = getenv("IPCTRACE_REQUIRE_BPF");
	const char *why = NULL;

	if (geteuid() != 0)
		why = "not running as root";
	else if (access("/sys/kernel/btf/vmlinux", R_OK))
		why = "/sys/kernel/btf/vmlinux is missing (kernel built without BTF)";
	if (!why)
		return;
	if (req && !strcmp(req, "1"))
		cr_assert_fail("IPCTRACE_REQUIRE_BPF=1 but BPF tracing cannot run: %s", why);
	fprintf(stderr,
		"\n*** SKIPPED %s::%s: %s; BPF integration tests need root and kernel BTF ***\n",
		criterion_current_test->category, criterion_current_test->name, why);
	cr_skip_test("BPF tracing unavailable: %s", why);
}

void harness_require_binaries(const char *example)
{
	char path[256];

	cr_assert(access(IPCTRACE_BIN, X_OK) == 0,
		  "%s is not built (run `make` in the repository root): %s", IPCTRACE_BIN,
		  strerror(errno));
	if (!example)
		return;
	snprintf(path, sizeof(path), EXAMPLES_DIR "/%s", example);
	cr_assert(access(path, X_OK) == 0, "%s is not built (run `make examples`): %s", path,
		  strerror(errno));
}

/* --- parsing ---------------------------------------------------------------- */

static void lines_add(struct lines *l, struct json_object *v, const char *raw, size_t len)
{
	l->v = realloc(l->v, (l->n + 1) * sizeof(*l->v));
	l->raw = realloc(l->raw, (l->n + 1) * sizeof(*l->raw));
	cr_assert(l->v && l->raw, "out of memory");
	l->v[l->n] = v;
	l->raw[l->n] = strndup(raw, len);
	l->n++;
}

static void lines_free(struct lines *l)
{
	for (size_t i = 0; i < l->n; i++) {
		json_object_put(l->v[i]);
		free(l->raw[i]);
	}
	free(l->v);
	free(l->raw);
	memset(l, 0, sizeof(*l));
}

/* Call fn for every line of text (without its '\n'). */
static void for_each_line(const char *text, void (*fn)(const char *line, size_t len, void *arg),
			  void *arg)
{
	while (text && *text) {
		const char *nl = strchr(text, '\n');
		size_t len = nl ? (size_t)(nl - text) : strlen(text);

		fn(text, len, arg);
		text += len + (nl ? 1 : 0);
	}
}

struct stderr_split {
	struct lines *truth;
	FILE *diag;
};

/* A line of the shared stderr: a truth record, or something to show on failure. */
static void split_stderr_line(const char *line, size_t len, void *arg)
{
	struct stderr_split *s = arg;
	char *copy = strndup(line, len);
	struct json_object *j = NULL;
	const char *type;

	if (copy[0] == '{')
		j = json_parse(copy, NULL, 0);
	type = json_get_str(j, "type");
	if (type && !strcmp(type, "truth")) {
		lines_add(s->truth, j, line, len);
	} else {
		json_object_put(j);
		fprintf(s->diag, "%s\n", copy);
	}
	free(copy);
}

struct out_parse {
	struct lines all;
	FILE *problems;
	size_t lineno;
};

static void problem(FILE *p, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static void problem(FILE *p, const char *fmt, ...)
{
	va_list ap;

	fputs("  - ", p);
	va_start(ap, fmt);
	vfprintf(p, fmt, ap);
	va_end(ap);
	fputc('\n', p);
}

static void parse_out_line(const char *line, size_t len, void *arg)
{
	struct out_parse *op = arg;
	char *copy = strndup(line, len);
	char err[128];
	struct json_object *j;

	op->lineno++;
	j = json_parse(copy, err, sizeof(err));
	if (!j)
		problem(op->problems, "output line %zu is not JSON (%s): %s", op->lineno, err, copy);
	else if (!json_object_is_type(j, json_type_object) || !json_get_str(j, "type"))
		problem(op->problems, "output line %zu is not an object with a \"type\": %s",
			op->lineno, copy);
	if (j)
		lines_add(&op->all, j, line, len);
	free(copy);
}

/* --- comparing ------------------------------------------------------------- */

/* Signal number from a name: "SIGUSR1", "USR1", "SIGRTMIN+1" (libc's SIGRTMIN), "10". */
static int signame_to_num(const char *name)
{
	static const struct {
		const char *name;
		int sig;
	} tab[] = {
		{ "HUP", SIGHUP },   { "INT", SIGINT },     { "QUIT", SIGQUIT }, { "ILL", SIGILL },
		{ "TRAP", SIGTRAP }, { "ABRT", SIGABRT },   { "IOT", SIGIOT },   { "BUS", SIGBUS },
		{ "FPE", SIGFPE },   { "KILL", SIGKILL },   { "USR1", SIGUSR1 }, { "SEGV", SIGSEGV },
		{ "USR2", SIGUSR2 }, { "PIPE", SIGPIPE },   { "ALRM", SIGALRM }, { "TERM", SIGTERM },
		{ "STKFLT", SIGSTKFLT }, { "CHLD", SIGCHLD }, { "CONT", SIGCONT },
		{ "STOP", SIGSTOP }, { "TSTP", SIGTSTP },   { "TTIN", SIGTTIN }, { "TTOU", SIGTTOU },
		{ "URG", SIGURG },   { "XCPU", SIGXCPU },   { "XFSZ", SIGXFSZ },
		{ "VTALRM", SIGVTALRM }, { "PROF", SIGPROF }, { "WINCH", SIGWINCH },
		{ "IO", SIGIO },     { "POLL", SIGPOLL },   { "PWR", SIGPWR },   { "SYS", SIGSYS },
	};
	const char *s = name;
	char *end;
	long v;

	if (!s)
		return -1;
	if (!strncmp(s, "SIG", 3))
		s += 3;
	for (size_t i = 0; i < sizeof(tab) / sizeof(tab[0]); i++)
		if (!strcmp(s, tab[i].name))
			return tab[i].sig;
	if (!strncmp(s, "RTMIN", 5) || !strncmp(s, "RTMAX", 5)) {
		int base = s[3] == 'I' ? SIGRTMIN : SIGRTMAX;

		s += 5;
		if (!*s)
			return base;
		v = strtol(s, &end, 10); /* SIGRTMIN+1, SIGRTMAX-1 */
		if (*end || (base == SIGRTMIN && v <= 0) || (base == SIGRTMAX && v >= 0))
			return -1;
		return base + (int)v;
	}
	if (*s < '0' || *s > '9')
		return -1;
	v = strtol(s, &end, 10);
	return *end ? -1 : (int)v;
}

/* The pid of an edge end: {"pid":N,...}, or a bare number. */
static int64_t end_pid(const struct json_object *rec, const char *side)
{
	int64_t pid;

	if (json_get_int(rec, side, &pid) || json_get_int(json_get(rec, side), "pid", &pid))
		return pid;
	return -1;
}

static int edge_signo(const struct json_object *e)
{
	int64_t v;

	if (json_get_int(e, "signo", &v))
		return (int)v;
	return signame_to_num(json_get_str(e, "signal"));
}

static bool str_eq(const char *a, const char *b)
{
	return a && b && !strcmp(a, b);
}

bool harness_allow_event_records_lost;

/* Of a report's "lost", those that are --events records (causes "events_<mech>"). */
static int64_t events_records_lost(const struct json_object *lost)
{
	const struct json_object *causes = json_get(lost, "causes");
	int64_t sum = 0;

	if (!causes)
		return 0;
	json_object_object_foreach((struct json_object *)causes, key, val) {
		if (!strncmp(key, "events_", 7))
			sum += json_object_get_int64(val);
	}
	return sum;
}

/* Does final edge e describe the same (mech, src, dst[, object | signal, code]) as truth t? */
static bool edge_matches(const struct json_object *t, const struct json_object *e)
{
	const char *mech = json_get_str(t, "mech");
	int64_t signo;

	if (!str_eq(mech, json_get_str(e, "mech")))
		return false;
	if (end_pid(t, "src") != end_pid(e, "src") || end_pid(t, "dst") != end_pid(e, "dst"))
		return false;
	/* a FIFO's path, a socket's name: one pair may talk through several objects */
	if (!strcmp(mech, "fifo") || json_get_str(t, "object"))
		return str_eq(json_get_str(t, "object"), json_get_str(e, "object"));
	if (!strcmp(mech, "signal")) {
		if (!json_get_int(t, "signo", &signo))
			signo = signame_to_num(json_get_str(t, "signal"));
		return signo == edge_signo(e) &&
		       str_eq(json_get_str(t, "code"), json_get_str(e, "code"));
	}
	return true;
}

const struct json_object *harness_edge_for(const struct traced *tr, const struct json_object *t)
{
	for (size_t i = 0; i < tr->edges.n; i++)
		if (edge_matches(t, tr->edges.v[i]))
			return tr->edges.v[i];
	return NULL;
}

bool harness_is_member(const struct json_object *t, int64_t pid)
{
	struct json_object *a = json_get(t, "members");
	size_t n = a && json_object_is_type(a, json_type_array) ? json_object_array_length(a) : 0;

	for (size_t i = 0; i < n; i++)
		if (json_object_get_int64(json_object_array_get_idx(a, i)) == pid)
			return true;
	return false;
}

/*
 * A "members" truth line (the futex examples that cannot know who woke
 * whom): an edge of its mech on its object (or on any object starting with
 * object_prefix) between two of its members.
 */
bool harness_member_edge(const struct json_object *t, const struct json_object *e)
{
	const char *obj = json_get_str(t, "object"), *pfx = json_get_str(t, "object_prefix");
	const char *eobj = json_get_str(e, "object");

	if (!json_get(t, "members") || !str_eq(json_get_str(t, "mech"), json_get_str(e, "mech")))
		return false;
	if (!eobj || (obj && strcmp(obj, eobj)) || (pfx && strncmp(pfx, eobj, strlen(pfx))))
		return false;
	return harness_is_member(t, end_pid(e, "src")) && harness_is_member(t, end_pid(e, "dst"));
}

/* Compare one counter of truth t with edge e; complain if different. */
static void compare_field(FILE *p, const struct json_object *t, const char *traw,
			  const struct json_object *e, const char *field)
{
	int64_t want, got;

	if (!json_get_int(t, field, &want))
		return;
	if (!json_get_int(e, field, &got))
		problem(p, "edge has no integer \"%s\" (truth %" PRId64 ") for truth %s", field,
			want, traw);
	else if (got != want)
		problem(p, "\"%s\": ipctrace %" PRId64 ", truth %" PRId64 " for truth %s", field,
			got, want, traw);
}

static bool pid_in(const int64_t *set, size_t n, int64_t pid)
{
	for (size_t i = 0; i < n; i++)
		if (set[i] == pid)
			return true;
	return false;
}

/*
 * The example's processes: every pid its truth names, the process ipctrace
 * started (its parent is ipctrace), and descendants of those that the
 * final report lists.
 */
static size_t example_pids(const struct traced *tr, int64_t **out)
{
	size_t n = 0, cap = 2 * tr->truth.n + tr->procs.n + 1;
	int64_t *set = calloc(cap, sizeof(*set));
	bool grew = true;

	cr_assert(set, "out of memory");
	for (size_t i = 0; i < tr->truth.n; i++) {
		int64_t s = end_pid(tr->truth.v[i], "src"), d = end_pid(tr->truth.v[i], "dst");

		struct json_object *a = json_get(tr->truth.v[i], "members");
		size_t na = a && json_object_is_type(a, json_type_array) ?
				    json_object_array_length(a) : 0;

		if (s > 0 && !pid_in(set, n, s))
			set[n++] = s;
		if (d > 0 && !pid_in(set, n, d))
			set[n++] = d;
		for (size_t k = 0; k < na; k++) {
			int64_t pid = json_object_get_int64(json_object_array_get_idx(a, k));

			if (n == cap) {
				int64_t *grown = realloc(set, 2 * cap * sizeof(*set));

				cr_assert(grown, "out of memory");
				set = grown;
				cap *= 2;
			}
			if (pid > 0 && !pid_in(set, n, pid))
				set[n++] = pid;
		}
	}
	if (cap < n + tr->procs.n + 1) {
		int64_t *grown = realloc(set, (n + tr->procs.n + 1) * sizeof(*set));

		cr_assert(grown, "out of memory");
		set = grown;
	}
	while (grew) {
		grew = false;
		for (size_t i = 0; i < tr->procs.n; i++) {
			int64_t pid, ppid;

			if (!json_get_int(tr->procs.v[i], "pid", &pid) ||
			    !json_get_int(tr->procs.v[i], "ppid", &ppid) || pid_in(set, n, pid))
				continue;
			if (ppid == tr->run.pid || (ppid > 0 && pid_in(set, n, ppid))) {
				set[n++] = pid;
				grew = true;
			}
		}
	}
	*out = set;
	return n;
}

static void compare(struct traced *tr, FILE *p)
{
	int64_t *pids, lost, count, seq = -1;
	const struct json_object *l;
	size_t npids;
	bool *used = calloc(tr->edges.n + 1, sizeof(*used));

	cr_assert(used, "out of memory");
	if (!tr->report) {
		problem(p, "no final report ({\"type\":\"report\",\"final\":true}) in the output");
	} else {
		json_get_int(tr->report, "seq", &seq);
		l = json_get(tr->report, "lost");
		if (!l)
			problem(p, "the final report has no \"lost\" object");
		/* --events records lost on a full ring leave the counts exact: a test may allow it */
		if (json_get_int(l, "events", &lost) && lost &&
		    (!harness_allow_event_records_lost || lost != events_records_lost(l)))
			problem(p, "ipctrace lost %" PRId64 " events", lost);
		if (json_get_int(l, "map_full", &lost) && lost)
			problem(p, "ipctrace missed %" PRId64 " operations (map full)", lost);
		if (json_get_int(tr->report, "edges", &count) && count != (int64_t)tr->edges.n)
			problem(p, "the final report says %" PRId64 " edges, %zu edge lines follow",
				count, tr->edges.n);
	}

	if (!tr->truth.n)
		problem(p, "the example printed no truth lines");
	for (size_t i = 0; i < tr->truth.n; i++) {
		const struct json_object *t = tr->truth.v[i], *e = NULL;
		const char *traw = tr->truth.raw[i], *mech = json_get_str(t, "mech");
		size_t matches = 0;
		int64_t want_edges;

		if (json_get(t, "members")) {
			/* the edges its members may have: expected, at least one unless "edges":0 */
			for (size_t k = 0; k < tr->edges.n; k++) {
				if (!harness_member_edge(t, tr->edges.v[k]))
					continue;
				matches++;
				used[k] = true;
			}
			if (json_get_int(t, "edges", &want_edges) && want_edges == 0 && matches)
				problem(p, "%zu final edges, none expected, for truth %s", matches, traw);
			else if (!json_get_int(t, "edges", &want_edges) && !matches)
				problem(p, "no final edge between the members of truth %s", traw);
			continue;
		}
		for (size_t k = 0; k < tr->edges.n; k++) {
			if (!edge_matches(t, tr->edges.v[k]))
				continue;
			matches++;
			used[k] = true;
			e = tr->edges.v[k];
		}
		if (matches == 0) {
			problem(p, "no final edge for truth %s", traw);
			continue;
		}
		if (matches > 1) {
			problem(p, "%zu final edges match truth %s", matches, traw);
			continue;
		}
		compare_field(p, t, traw, e, "msgs");
		if (mech && strcmp(mech, "signal")) {
			const struct json_object *exact = json_get(e, "exact");

			compare_field(p, t, traw, e, "bytes");
			compare_field(p, t, traw, e, "fds_passed");
			compare_field(p, t, traw, e, "creds");
			/* Every example has one writer and one reader per object. */
			if (json_object_is_type(exact, json_type_boolean) &&
			    !json_object_get_boolean(exact))
				problem(p, "a 1:1 edge is marked \"exact\":false for truth %s", traw);
		} else {
			compare_field(p, t, traw, e, "delivered");
		}
		if (seq >= 0) {
			int64_t eseq;

			if (json_get_int(e, "seq", &eseq) && eseq != seq)
				problem(p, "edge seq %" PRId64 " differs from the final report's %" PRId64
					" for truth %s", eseq, seq, traw);
		}
	}

	npids = example_pids(tr, &pids);
	for (size_t k = 0; k < tr->edges.n; k++) {
		int64_t s = end_pid(tr->edges.v[k], "src"), d = end_pid(tr->edges.v[k], "dst");

		if (!used[k] && pid_in(pids, npids, s) && pid_in(pids, npids, d))
			problem(p, "unexpected edge between the example's processes: %s",
				tr->edges.raw[k]);
	}
	free(pids);
	free(used);
}

static void dump_lines(const char *title, const struct lines *l)
{
	fprintf(stderr, "--- %s (%zu lines)\n", title, l->n);
	for (size_t i = 0; i < l->n; i++)
		fprintf(stderr, "    %s\n", l->raw[i]);
}

void harness_dump(const struct traced *tr, const char *problems)
{
	char how[160];

	fprintf(stderr, "\n===== %s::%s FAILED =====\n", criterion_current_test->category,
		criterion_current_test->name);
	fprintf(stderr, "command: %s\n", tr->cmdline);
	fprintf(stderr, "ipctrace (pid %d) %s\n", (int)tr->run.pid,
		harness_describe(&tr->run, how, sizeof(how)));
	if (problems && *problems)
		fprintf(stderr, "--- problems\n%s", problems);
	dump_lines("ground truth printed by the example", &tr->truth);
	fprintf(stderr, "--- final report of ipctrace\n    %s\n",
		tr->report_raw ? tr->report_raw : "(none)");
	dump_lines("final edges", &tr->edges);
	dump_lines("final processes", &tr->procs);
	fprintf(stderr, "--- whole ipctrace output (%s)\n%s", tr->out_path,
		tr->out_text && *tr->out_text ? tr->out_text : "    (empty)\n");
	fprintf(stderr, "--- stderr of ipctrace and the example, truth lines removed (%s)\n%s",
		tr->err_path, tr->diag && *tr->diag ? tr->diag : "    (empty)\n");
	fprintf(stderr, "--- files kept in %s\n===== end of %s =====\n\n", tr->dir,
		criterion_current_test->name);
}

static void remove_dir(const char *dir, const char *const *files, size_t n)
{
	for (size_t i = 0; i < n; i++)
		unlink(files[i]);
	rmdir(dir);
}

void harness_traced_free(struct traced *tr)
{
	if (!tr)
		return;
	if (tr->dir[0]) {
		const char *files[] = { tr->out_path, tr->err_path };

		remove_dir(tr->dir, files, 2);
	}
	lines_free(&tr->truth);
	lines_free(&tr->edges);
	lines_free(&tr->procs);
	lines_free(&tr->events);
	lines_free(&tr->misc);
	json_object_put(tr->report);
	free(tr->report_raw);
	free(tr->cmdline);
	free(tr->out_text);
	free(tr->diag);
	free(tr);
}

struct traced *harness_trace_example(const char *example, const char *const args[])
{
	return harness_trace_example_opts(example, NULL, args);
}

struct traced *harness_trace_example_opts(const char *example, const char *const opts[],
					  const char *const args[])
{
	struct traced *tr = calloc(1, sizeof(*tr));
	char *argv[64], expath[256], *problems = NULL, *cmd = NULL;
	size_t argc = 0, plen = 0, clen = 0;
	struct out_parse op = { 0 };
	struct stderr_split split;
	FILE *p, *c, *d;
	size_t diag_len = 0;
	int64_t seq = -1;

	harness_require_bpf();
	harness_require_binaries(example);
	cr_assert(tr, "out of memory");

	strcpy(tr->dir, "/tmp/ipctrace-it.XXXXXX");
	cr_assert(mkdtemp(tr->dir), "mkdtemp: %s", strerror(errno));
	snprintf(tr->out_path, sizeof(tr->out_path), "%s/out.json", tr->dir);
	snprintf(tr->err_path, sizeof(tr->err_path), "%s/stderr.txt", tr->dir);
	snprintf(expath, sizeof(expath), EXAMPLES_DIR "/%s", example);

	argv[argc++] = IPCTRACE_BIN;
	argv[argc++] = "-f";
	argv[argc++] = "json";
	argv[argc++] = "-o";
	argv[argc++] = tr->out_path;
	for (size_t i = 0; opts && opts[i]; i++) {
		cr_assert(argc < sizeof(argv) / sizeof(argv[0]) - 8, "too many options");
		argv[argc++] = (char *)opts[i];
	}
	argv[argc++] = "--";
	argv[argc++] = expath;
	for (size_t i = 0; args && args[i]; i++) {
		cr_assert(argc < sizeof(argv) / sizeof(argv[0]) - 1, "too many arguments");
		argv[argc++] = (char *)args[i];
	}
	argv[argc] = NULL;
	c = open_memstream(&cmd, &clen);
	for (size_t i = 0; i < argc; i++)
		fprintf(c, "%s%s", i ? " " : "", argv[i]);
	fclose(c);
	tr->cmdline = cmd;

	/*
	 * The example's stderr (its truth) and ipctrace's own stderr go to one
	 * file opened O_APPEND: ipctrace passes its stderr on to the command
	 * it runs, and without a shell there is no other way to split them.
	 * Each truth line is one write(), so lines never interleave; the lines
	 * that are not truth are ipctrace's (or the example's) diagnostics.
	 */
	cr_assert(harness_run(argv, "/dev/null", tr->err_path, HARNESS_TIMEOUT_S, &tr->run) == 0,
		  "cannot run %s: %s", IPCTRACE_BIN, strerror(errno));

	d = open_memstream(&tr->diag, &diag_len);
	split = (struct stderr_split){ .truth = &tr->truth, .diag = d };
	{
		char *err_text = harness_slurp(tr->err_path);

		for_each_line(err_text, split_stderr_line, &split);
		free(err_text);
	}
	fclose(d);

	p = open_memstream(&problems, &plen);
	op.problems = p;
	tr->out_text = harness_slurp(tr->out_path);
	for_each_line(tr->out_text, parse_out_line, &op);

	/* The final report, then the records that belong to it. */
	for (size_t i = 0; i < op.all.n; i++) {
		const char *type = json_get_str(op.all.v[i], "type");

		if (!str_eq(type, "report") || !json_is_true(op.all.v[i], "final"))
			continue;
		if (tr->report) {
			problem(p, "more than one final report");
			continue;
		}
		tr->report = op.all.v[i];
		tr->report_raw = strdup(op.all.raw[i]);
		op.all.v[i] = NULL;
		json_get_int(tr->report, "seq", &seq);
	}
	for (size_t i = 0; i < op.all.n; i++) {
		struct json_object *j = op.all.v[i];
		const char *type = json_get_str(j, "type");
		int64_t s = -2;
		bool final;

		if (!j)
			continue;
		json_get_int(j, "seq", &s);
		final = json_is_true(j, "final") || (seq >= 0 && s == seq);
		if (final && str_eq(type, "edge"))
			lines_add(&tr->edges, j, op.all.raw[i], strlen(op.all.raw[i]));
		else if (final && str_eq(type, "process"))
			lines_add(&tr->procs, j, op.all.raw[i], strlen(op.all.raw[i]));
		else if (str_eq(type, "event"))
			lines_add(&tr->events, j, op.all.raw[i], strlen(op.all.raw[i]));
		else if (str_eq(type, "lost"))
			lines_add(&tr->misc, j, op.all.raw[i], strlen(op.all.raw[i]));
		else
			json_object_put(j);
		op.all.v[i] = NULL;
	}
	lines_free(&op.all);

	if (tr->run.timed_out || !WIFEXITED(tr->run.status) || WEXITSTATUS(tr->run.status) != 0) {
		char how[160];

		problem(p, "ipctrace %s; the example exits 0 when its workload succeeded, and "
			"ipctrace must exit with the example's status",
			harness_describe(&tr->run, how, sizeof(how)));
	}
	compare(tr, p);
	fclose(p);

	if (plen) {
		harness_dump(tr, problems);
		cr_log_error("%s: ipctrace disagrees with the ground truth:\n%s", tr->cmdline,
			     problems);
		free(problems);
		/* Keep the files for a post-mortem: do not harness_traced_free(). */
		cr_assert_fail("ipctrace's report does not match the truth of %s (details above; "
			       "files in %s)", example, tr->dir);
	}
	free(problems);
	return tr;
}

/* Whether an earlier run's detach keeper (comm "ipctrace-detach") is still at work. */
static bool detach_in_progress(void)
{
	DIR *d = opendir("/proc");
	struct dirent *de;
	bool found = false;

	while (d && !found && (de = readdir(d))) {
		char path[300], comm[32] = "";
		FILE *f;

		if (de->d_name[0] < '1' || de->d_name[0] > '9')
			continue;
		snprintf(path, sizeof(path), "/proc/%s/comm", de->d_name);
		if (!(f = fopen(path, "re")))
			continue;
		found = fgets(comm, sizeof(comm), f) && !strcmp(comm, "ipctrace-detach\n");
		fclose(f);
	}
	if (d)
		closedir(d);
	return found;
}

void harness_wait_detached(void)
{
	for (int i = 0; i < 200 && detach_in_progress(); i++)
		usleep(50000);
}

void cli_run_for(struct cli_run *r, char *const args[], int timeout_s)
{
	char *argv[32];
	size_t n = 0;

	memset(r, 0, sizeof(*r));
	harness_require_binaries(NULL);
	strcpy(r->dir, "/tmp/ipctrace-cli.XXXXXX");
	cr_assert(mkdtemp(r->dir), "mkdtemp: %s", strerror(errno));
	snprintf(r->out_path, sizeof(r->out_path), "%s/stdout", r->dir);
	snprintf(r->err_path, sizeof(r->err_path), "%s/stderr", r->dir);
	snprintf(r->json_path, sizeof(r->json_path), "%s/out.json", r->dir);
	for (; args[n] && n < sizeof(argv) / sizeof(argv[0]) - 1; n++)
		argv[n] = strcmp(args[n], OUT_FILE) ? args[n] : r->json_path;
	argv[n] = NULL;
	cr_assert(harness_run(argv, r->out_path, r->err_path, timeout_s, &r->res) == 0,
		  "cannot run %s: %s", argv[0], strerror(errno));
	r->out = harness_slurp(r->out_path);
	r->err = harness_slurp(r->err_path);
	r->json = harness_slurp(r->json_path);
}

void cli_free(struct cli_run *r)
{
	unlink(r->out_path);
	unlink(r->err_path);
	unlink(r->json_path);
	rmdir(r->dir);
	free(r->out);
	free(r->err);
	free(r->json);
}

/* Is word one of the comma-separated list? */
static bool in_list(const char *list, const char *word)
{
	size_t n = strlen(word);

	for (const char *p = list; p && *p;) {
		size_t len = strcspn(p, ",");

		if (len == n && !strncmp(p, word, n))
			return true;
		p += len + (p[len] == ',');
	}
	return false;
}

struct ev_sum harness_events_sum(const struct traced *tr, int64_t pid, const char *mech,
				 const char *ops, const char *object)
{
	struct ev_sum s = {};

	for (size_t i = 0; i < tr->events.n; i++) {
		const struct json_object *e = tr->events.v[i];
		const char *op = json_get_str(e, "op");
		int64_t p, ret, bytes;

		if (!json_get_int(e, "pid", &p) || p != pid)
			continue;
		if (mech && !str_eq(mech, json_get_str(e, "mech")))
			continue;
		if (ops && (!op || !in_list(ops, op)))
			continue;
		if (object && !str_eq(object, json_get_str(e, "object")))
			continue;
		s.n++;
		if (json_get_int(e, "bytes", &bytes))
			s.bytes_sum += bytes;
		if (json_get_int(e, "ret", &ret) && ret > 0) {
			s.n_pos++;
			s.ret_sum += ret;
		}
	}
	return s;
}

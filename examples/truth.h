/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * Helpers shared by the example workloads: argument parsing, counted
 * writes and reads, and the ground-truth lines every example prints to
 * stderr, one JSON object per line:
 *
 *   {"type":"truth","mech":"pipe","src":1234,"dst":1235,"msgs":1000,"bytes":64000}
 *   {"type":"truth","mech":"fifo","object":"/tmp/x","src":..,"dst":..,"msgs":..,"bytes":..}
 *   {"type":"truth","mech":"signal","signal":"SIGUSR1","signo":10,"code":"SI_USER",
 *    "src":..,"dst":..,"msgs":N[,"delivered":N]}
 *   {"type":"bench",...}
 *
 * msgs counts the write() calls that moved at least one byte (a short write
 * and its retry are two), bytes what those calls returned.  Each line goes
 * out in a single write(2), so lines from several processes sharing one
 * stderr never interleave.
 *
 * The examples do no IPC between their own processes other than what they
 * report: ipctrace sees all of it, and an unreported pipe would be an
 * "unexpected edge" in the integration tests.  If stderr is a pipe, the
 * truth lines themselves are pipe writes to whoever reads it (not one of
 * the example's processes); the tests send stderr to a file.
 *
 * Readers drain everything and exit 1 unless they read exactly what the
 * writer means to send, so "bytes" was both written and read when the
 * example exits 0.
 *
 * Real-time signals are named relative to the C library's SIGRTMIN (34 with
 * glibc), like kill -l and signal(7): "SIGRTMIN", "SIGRTMIN+1", ...; the
 * "signo" field removes any doubt.
 */
#ifndef IPCTRACE_EXAMPLES_TRUTH_H
#define IPCTRACE_EXAMPLES_TRUTH_H

#include <errno.h>
#include <inttypes.h>
#include <sched.h>
#include <signal.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define TRUTH_LINE_MAX 4096

/* Largest -s accepted; bigger writes are still counted exactly. */
#define EX_MAX_SIZE (1u << 20)

static inline void ex_die_usage(const char *usage, const char *fmt, ...)
	__attribute__((format(printf, 2, 3), noreturn));

static inline void ex_die_usage(const char *usage, const char *fmt, ...)
{
	va_list ap;

	if (fmt) {
		fprintf(stderr, "%s: ", program_invocation_short_name);
		va_start(ap, fmt);
		vfprintf(stderr, fmt, ap);
		va_end(ap);
		fputc('\n', stderr);
	}
	fprintf(stderr, "usage: %s %s\n", program_invocation_short_name, usage);
	exit(2);
}

/* Parse an unsigned decimal option value in [min, max]; exit 2 otherwise. */
static inline uint64_t ex_parse_u64(const char *arg, char opt, uint64_t min, uint64_t max,
				    const char *usage)
{
	char *end;
	unsigned long long v;

	errno = 0;
	if (!arg || *arg < '0' || *arg > '9')
		ex_die_usage(usage, "-%c: not a number: '%s'", opt, arg ? arg : "");
	v = strtoull(arg, &end, 10);
	if (errno || *end || v < min || v > max)
		ex_die_usage(usage, "-%c: '%s' out of range [%" PRIu64 ", %" PRIu64 "]", opt, arg,
			     min, max);
	return v;
}

/* Pin this process (and what it forks) to cpu; -1 leaves it free.  0, or -1 said on stderr. */
static inline int ex_pin_cpu(int cpu)
{
	cpu_set_t set;

	if (cpu < 0)
		return 0;
	CPU_ZERO(&set);
	CPU_SET(cpu, &set);
	if (sched_setaffinity(0, sizeof(set), &set)) {
		fprintf(stderr, "%s: cannot pin to CPU %d: %s\n", program_invocation_short_name, cpu,
			strerror(errno));
		return -1;
	}
	return 0;
}

static inline uint64_t ex_now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + ts.tv_nsec;
}

static inline void ex_sleep_ns(uint64_t ns)
{
	struct timespec ts = { .tv_sec = ns / 1000000000ull, .tv_nsec = ns % 1000000000ull };

	while (nanosleep(&ts, &ts) && errno == EINTR)
		;
}

/*
 * Write all len bytes, counting every call that moved bytes into *msgs and
 * the bytes into *bytes.  Returns 0, or -1 with errno set (what was written
 * before the error is still counted).
 */
static inline int ex_write_all(int fd, const void *buf, size_t len, uint64_t *msgs,
			       uint64_t *bytes)
{
	const char *p = buf;

	while (len) {
		ssize_t n = write(fd, p, len);

		if (n < 0) {
			if (errno == EINTR)
				continue;
			return -1;
		}
		if (n == 0) {
			errno = EIO;
			return -1;
		}
		*msgs += 1;
		*bytes += n;
		p += n;
		len -= n;
	}
	return 0;
}

/*
 * Read exactly len bytes (several reads if needed).  Returns len, 0 at EOF
 * before any byte, or -1 (errno set; also on EOF in the middle).
 */
static inline ssize_t ex_read_full(int fd, void *buf, size_t len, uint64_t *bytes)
{
	char *p = buf;
	size_t got = 0;

	while (got < len) {
		ssize_t n = read(fd, p + got, len - got);

		if (n < 0) {
			if (errno == EINTR)
				continue;
			return -1;
		}
		if (n == 0) {
			if (got == 0)
				return 0;
			errno = EPIPE;
			return -1;
		}
		got += n;
		*bytes += n;
	}
	return got;
}

/* Read until EOF with a bufsz buffer, counting bytes.  Returns 0 or -1. */
static inline int ex_drain(int fd, size_t bufsz, uint64_t *bytes)
{
	char *buf = malloc(bufsz);

	if (!buf)
		return -1;
	for (;;) {
		ssize_t n = read(fd, buf, bufsz);

		if (n < 0) {
			if (errno == EINTR)
				continue;
			free(buf);
			return -1;
		}
		if (n == 0)
			break;
		*bytes += n;
	}
	free(buf);
	return 0;
}

/*
 * waitpid() that retries on EINTR.  Returns the wait status, or -1 (and
 * reports it) if the child could not be waited for.
 */
static inline int ex_wait(pid_t pid)
{
	int status;

	while (waitpid(pid, &status, 0) < 0) {
		if (errno != EINTR) {
			perror("waitpid");
			return -1;
		}
	}
	return status;
}

/* 0 if a child exited with status 0, else complain and return 1. */
static inline int ex_child_ok(const char *what, int status)
{
	if (status != -1 && WIFEXITED(status) && WEXITSTATUS(status) == 0)
		return 0;
	if (status == -1)
		return 1;
	if (WIFEXITED(status))
		fprintf(stderr, "%s: %s exited with status %d\n", program_invocation_short_name,
			what, WEXITSTATUS(status));
	else if (WIFSIGNALED(status))
		fprintf(stderr, "%s: %s killed by signal %d\n", program_invocation_short_name,
			what, WTERMSIG(status));
	return 1;
}

/*
 * Call first in every example that forks.  A SIGCHLD left ignored by
 * whoever started us (SIG_IGN survives exec) would make the kernel reap
 * children silently and send no SIGCHLD, while the truth reports one.
 */
static inline void ex_setup(void)
{
	sigset_t chld;

	signal(SIGCHLD, SIG_DFL);
	sigemptyset(&chld);
	sigaddset(&chld, SIGCHLD);
	sigprocmask(SIG_UNBLOCK, &chld, NULL);
}

/* --- output -------------------------------------------------------------- */

struct truth_buf {
	char s[TRUTH_LINE_MAX];
	size_t len;
};

static inline void tb_printf(struct truth_buf *b, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

static inline void tb_printf(struct truth_buf *b, const char *fmt, ...)
{
	va_list ap;
	int n;

	if (b->len >= sizeof(b->s))
		return;
	va_start(ap, fmt);
	n = vsnprintf(b->s + b->len, sizeof(b->s) - b->len, fmt, ap);
	va_end(ap);
	if (n > 0)
		b->len += n;
	if (b->len >= sizeof(b->s))
		b->len = sizeof(b->s) - 1;
}

/* A JSON string: quotes, backslash and control bytes escaped. */
static inline void tb_str(struct truth_buf *b, const char *str)
{
	const unsigned char *p = (const unsigned char *)str;

	tb_printf(b, "\"");
	for (; *p; p++) {
		if (*p == '"' || *p == '\\')
			tb_printf(b, "\\%c", *p);
		else if (*p < 0x20 || *p == 0x7f)
			tb_printf(b, "\\u%04x", *p);
		else
			tb_printf(b, "%c", *p);
	}
	tb_printf(b, "\"");
}

/* One write(2) of the line plus '\n'; stderr is unbuffered by us. */
static inline void tb_emit(struct truth_buf *b)
{
	const char *p = b->s;
	size_t left;

	tb_printf(b, "\n");
	if (b->s[b->len - 1] != '\n')
		b->s[b->len - 1] = '\n';
	left = b->len;
	while (left) {
		ssize_t n = write(STDERR_FILENO, p, left);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return;
		p += n;
		left -= n;
	}
}


static inline const char *ex_signame(int sig, char *buf, size_t len)
{
	static const char *const names[] = {
		[SIGHUP] = "SIGHUP",   [SIGINT] = "SIGINT",     [SIGQUIT] = "SIGQUIT",
		[SIGILL] = "SIGILL",   [SIGTRAP] = "SIGTRAP",   [SIGABRT] = "SIGABRT",
		[SIGBUS] = "SIGBUS",   [SIGFPE] = "SIGFPE",     [SIGKILL] = "SIGKILL",
		[SIGUSR1] = "SIGUSR1", [SIGSEGV] = "SIGSEGV",   [SIGUSR2] = "SIGUSR2",
		[SIGPIPE] = "SIGPIPE", [SIGALRM] = "SIGALRM",   [SIGTERM] = "SIGTERM",
		[SIGSTKFLT] = "SIGSTKFLT", [SIGCHLD] = "SIGCHLD", [SIGCONT] = "SIGCONT",
		[SIGSTOP] = "SIGSTOP", [SIGTSTP] = "SIGTSTP",   [SIGTTIN] = "SIGTTIN",
		[SIGTTOU] = "SIGTTOU", [SIGURG] = "SIGURG",     [SIGXCPU] = "SIGXCPU",
		[SIGXFSZ] = "SIGXFSZ", [SIGVTALRM] = "SIGVTALRM", [SIGPROF] = "SIGPROF",
		[SIGWINCH] = "SIGWINCH", [SIGIO] = "SIGIO",     [SIGPWR] = "SIGPWR",
		[SIGSYS] = "SIGSYS",
	};

	if (sig > 0 && sig < (int)(sizeof(names) / sizeof(names[0])) && names[sig])
		return names[sig];
	if (sig == SIGRTMIN)
		return "SIGRTMIN";
	if (sig > SIGRTMIN && sig <= SIGRTMAX)
		snprintf(buf, len, "SIGRTMIN+%d", sig - SIGRTMIN);
	else
		snprintf(buf, len, "SIG%d", sig);
	return buf;
}

/* si_code names; the positive ones depend on the signal. */
static inline const char *ex_codename(int sig, int code, char *buf, size_t len)
{
	switch (code) {
	case SI_USER: return "SI_USER";
	case SI_KERNEL: return "SI_KERNEL";
	case SI_QUEUE: return "SI_QUEUE";
	case SI_TIMER: return "SI_TIMER";
	case SI_MESGQ: return "SI_MESGQ";
	case SI_ASYNCIO: return "SI_ASYNCIO";
	case SI_SIGIO: return "SI_SIGIO";
	case SI_TKILL: return "SI_TKILL";
	}
	if (sig == SIGCHLD) {
		switch (code) {
		case CLD_EXITED: return "CLD_EXITED";
		case CLD_KILLED: return "CLD_KILLED";
		case CLD_DUMPED: return "CLD_DUMPED";
		case CLD_TRAPPED: return "CLD_TRAPPED";
		case CLD_STOPPED: return "CLD_STOPPED";
		case CLD_CONTINUED: return "CLD_CONTINUED";
		}
	}
	snprintf(buf, len, "%d", code);
	return buf;
}

/*
 * A byte-stream edge; object is the FIFO's path or the socket's name, NULL
 * for a pipe; extra (may be NULL) is more members, each starting with a
 * comma.  Nothing is printed for msgs == 0: no bytes moved, so there is no
 * edge.
 */
static inline void truth_stream_ex(const char *mech, const char *object, pid_t src, pid_t dst,
				   uint64_t msgs, uint64_t bytes, const char *extra)
{
	struct truth_buf b = { .len = 0 };

	if (!msgs)
		return;
	tb_printf(&b, "{\"type\":\"truth\",\"mech\":\"%s\"", mech);
	if (object) {
		tb_printf(&b, ",\"object\":");
		tb_str(&b, object);
	}
	tb_printf(&b, ",\"src\":%d,\"dst\":%d,\"msgs\":%" PRIu64 ",\"bytes\":%" PRIu64 "%s}",
		  (int)src, (int)dst, msgs, bytes, extra ? extra : "");
	tb_emit(&b);
}

/* A pipe or FIFO edge; object is the FIFO's path, NULL for a pipe. */
static inline void truth_stream(const char *mech, const char *object, pid_t src, pid_t dst,
				uint64_t msgs, uint64_t bytes)
{
	truth_stream_ex(mech, object, src, dst, msgs, bytes, NULL);
}

static inline void truth_pipe(pid_t src, pid_t dst, uint64_t msgs, uint64_t bytes)
{
	truth_stream("pipe", NULL, src, dst, msgs, bytes);
}

/*
 * A signal edge: msgs signals generated (successful send calls), and, when
 * delivered >= 0, how many of them ran the target's handler; extra (may be
 * NULL): more members, each starting with a comma.
 */
static inline void truth_signal_ex(int sig, int code, pid_t src, pid_t dst, uint64_t msgs,
				   int64_t delivered, const char *extra)
{
	struct truth_buf b = { .len = 0 };
	char sbuf[32], cbuf[32];

	if (!msgs)
		return;
	tb_printf(&b, "{\"type\":\"truth\",\"mech\":\"signal\",\"signal\":\"%s\",\"signo\":%d,"
		  "\"code\":\"%s\",\"src\":%d,\"dst\":%d,\"msgs\":%" PRIu64,
		  ex_signame(sig, sbuf, sizeof(sbuf)), sig,
		  ex_codename(sig, code, cbuf, sizeof(cbuf)), (int)src, (int)dst, msgs);
	if (delivered >= 0)
		tb_printf(&b, ",\"delivered\":%" PRId64, delivered);
	tb_printf(&b, "%s}", extra ? extra : "");
	tb_emit(&b);
}

static inline void truth_signal(int sig, int code, pid_t src, pid_t dst, uint64_t msgs,
				int64_t delivered)
{
	truth_signal_ex(sig, code, src, dst, msgs, delivered, NULL);
}

/*
 * The SIGCHLD the kernel sent parent when child terminated, given the wait
 * status: exactly one per child (no example stops or traces its children).
 */
static inline void truth_sigchld(pid_t child, pid_t parent, int status)
{
	int code;

	if (status == -1)
		return;
	if (WIFEXITED(status))
		code = CLD_EXITED;
	else if (WIFSIGNALED(status))
		code = WCOREDUMP(status) ? CLD_DUMPED : CLD_KILLED;
	else
		return;
	truth_signal(SIGCHLD, code, child, parent, 1, -1);
}

#endif /* IPCTRACE_EXAMPLES_TRUTH_H */

// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* Signal and si_code names from static tables. */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include "output/signames.h"

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

/*
 * Indexed by the <signal.h> constants rather than literal numbers: a few
 * signals move between architectures (SIGBUS is 7 on x86 and arm, 10 on
 * mips), and the kernel we trace is the one we are built for.
 */
static const char *const sig_names[] = {
	[SIGHUP] = "SIGHUP",	 [SIGINT] = "SIGINT",	  [SIGQUIT] = "SIGQUIT",
	[SIGILL] = "SIGILL",	 [SIGTRAP] = "SIGTRAP",	  [SIGABRT] = "SIGABRT",
	[SIGBUS] = "SIGBUS",	 [SIGFPE] = "SIGFPE",	  [SIGKILL] = "SIGKILL",
	[SIGUSR1] = "SIGUSR1",	 [SIGSEGV] = "SIGSEGV",	  [SIGUSR2] = "SIGUSR2",
	[SIGPIPE] = "SIGPIPE",	 [SIGALRM] = "SIGALRM",	  [SIGTERM] = "SIGTERM",
#ifdef SIGSTKFLT
	[SIGSTKFLT] = "SIGSTKFLT",
#endif
	[SIGCHLD] = "SIGCHLD",	 [SIGCONT] = "SIGCONT",	  [SIGSTOP] = "SIGSTOP",
	[SIGTSTP] = "SIGTSTP",	 [SIGTTIN] = "SIGTTIN",	  [SIGTTOU] = "SIGTTOU",
	[SIGURG] = "SIGURG",	 [SIGXCPU] = "SIGXCPU",	  [SIGXFSZ] = "SIGXFSZ",
	[SIGVTALRM] = "SIGVTALRM", [SIGPROF] = "SIGPROF", [SIGWINCH] = "SIGWINCH",
	[SIGIO] = "SIGIO",	 [SIGPWR] = "SIGPWR",	  [SIGSYS] = "SIGSYS",
};

/*
 * The kernel numbers real-time signals from 32, but glibc keeps 32 and 33
 * for its threads (cancellation, setxid): its SIGRTMIN, which programs and
 * `kill -l` use, is 34.  Naming from 34 matches what users wrote.  We do not
 * call SIGRTMIN itself: that is the tracer's libc, not the target's.
 */
#define RT_FIRST 34
#ifdef __SIGRTMAX
#define RT_LAST __SIGRTMAX
#else
#define RT_LAST 64
#endif

const char *sig_name(int sig, char *buf, size_t len)
{
	if (sig > 0 && (size_t)sig < ARRAY_SIZE(sig_names) && sig_names[sig])
		return sig_names[sig];
	if (sig == RT_FIRST)
		return "SIGRTMIN";
	if (sig == RT_LAST)
		return "SIGRTMAX";
	if (sig > RT_FIRST && sig < RT_LAST)
		snprintf(buf, len, "SIGRTMIN+%d", sig - RT_FIRST);
	else
		snprintf(buf, len, "SIG%d", sig);
	return buf;
}

/* Parse all of s as a decimal int in [min, max]; -1 otherwise. */
static int parse_int(const char *s, int min, int max)
{
	char *end;
	long v;

	if (*s < '0' || *s > '9')
		return -1;
	errno = 0;
	v = strtol(s, &end, 10);
	if (errno || *end || v < min || v > max)
		return -1;
	return (int)v;
}

int sig_parse(const char *s)
{
	size_t i;
	int n;

	if (!s || !*s)
		return -1;
	if (*s >= '0' && *s <= '9')
		return parse_int(s, 1, RT_LAST);
	if (strncasecmp(s, "SIG", 3) == 0)
		s += 3;
	for (i = 1; i < ARRAY_SIZE(sig_names); i++) {
		if (sig_names[i] && strcasecmp(s, sig_names[i] + 3) == 0)
			return (int)i;
	}
	if (strncasecmp(s, "RTMIN", 5) == 0) {
		if (s[5] == '\0')
			return RT_FIRST;
		if (s[5] != '+')
			return -1;
		n = parse_int(s + 6, 0, RT_LAST - RT_FIRST);
		return n < 0 ? -1 : RT_FIRST + n;
	}
	if (strncasecmp(s, "RTMAX", 5) == 0) {
		if (s[5] == '\0')
			return RT_LAST;
		if (s[5] != '-')
			return -1;
		n = parse_int(s + 6, 0, RT_LAST - RT_FIRST);
		return n < 0 ? -1 : RT_LAST - n;
	}
	return -1;
}

/*
 * Positive si_codes, per signal, indexed by code.  The values are the
 * kernel's (include/uapi/asm-generic/siginfo.h), the same on every
 * architecture, and spelled out here because older libc headers lack the
 * recent ones (SEGV_CPERR, TRAP_PERF).
 */
static const char *const cld_codes[] = {
	NULL, "CLD_EXITED", "CLD_KILLED", "CLD_DUMPED",
	"CLD_TRAPPED", "CLD_STOPPED", "CLD_CONTINUED",
};
static const char *const segv_codes[] = {
	NULL, "SEGV_MAPERR", "SEGV_ACCERR", "SEGV_BNDERR", "SEGV_PKUERR",
	"SEGV_ACCADI", "SEGV_ADIDERR", "SEGV_ADIPERR", "SEGV_MTEAERR",
	"SEGV_MTESERR", "SEGV_CPERR",
};
static const char *const bus_codes[] = {
	NULL, "BUS_ADRALN", "BUS_ADRERR", "BUS_OBJERR", "BUS_MCEERR_AR", "BUS_MCEERR_AO",
};
static const char *const ill_codes[] = {
	NULL, "ILL_ILLOPC", "ILL_ILLOPN", "ILL_ILLADR", "ILL_ILLTRP",
	"ILL_PRVOPC", "ILL_PRVREG", "ILL_COPROC", "ILL_BADSTK", "ILL_BADIADDR",
};
static const char *const fpe_codes[] = {
	NULL, "FPE_INTDIV", "FPE_INTOVF", "FPE_FLTDIV", "FPE_FLTOVF",
	"FPE_FLTUND", "FPE_FLTRES", "FPE_FLTINV", "FPE_FLTSUB", "FPE_DECOVF",
	"FPE_DECDIV", "FPE_DECERR", "FPE_INVASC", "FPE_INVDEC", "FPE_FLTUNK",
	"FPE_CONDTRAP",
};
static const char *const trap_codes[] = {
	NULL, "TRAP_BRKPT", "TRAP_TRACE", "TRAP_BRANCH", "TRAP_HWBKPT",
	"TRAP_UNK", "TRAP_PERF",
};
static const char *const poll_codes[] = {
	NULL, "POLL_IN", "POLL_OUT", "POLL_MSG", "POLL_ERR", "POLL_PRI", "POLL_HUP",
};
static const char *const sys_codes[] = {
	NULL, "SYS_SECCOMP", "SYS_USER_DISPATCH",
};

#define CODES(sig, tab) { sig, tab, ARRAY_SIZE(tab) }
static const struct {
	int sig;
	const char *const *names;
	size_t n;
} sig_codes[] = {
	CODES(SIGCHLD, cld_codes),   CODES(SIGSEGV, segv_codes),
	CODES(SIGBUS, bus_codes),    CODES(SIGILL, ill_codes),
	CODES(SIGFPE, fpe_codes),    CODES(SIGTRAP, trap_codes),
	CODES(SIGPOLL, poll_codes),  CODES(SIGSYS, sys_codes),
};

/* The codes every signal shares: who sent it, rather than why. */
static const char *generic_code_name(int code)
{
	switch (code) {
	case 0:    return "SI_USER";	/* kill() */
	case 0x80: return "SI_KERNEL";
	case -1:   return "SI_QUEUE";	/* sigqueue() */
	case -2:   return "SI_TIMER";	/* POSIX timer */
	case -3:   return "SI_MESGQ";	/* mq_notify() */
	case -4:   return "SI_ASYNCIO";
	case -5:   return "SI_SIGIO";
	case -6:   return "SI_TKILL";	/* tkill(), tgkill() */
	case -7:   return "SI_DETHREAD";	/* execve() killing other threads */
	case -60:  return "SI_ASYNCNL";
	default:   return NULL;
	}
}

const char *si_code_name(int sig, int code, char *buf, size_t len)
{
	const char *name = generic_code_name(code);
	size_t i;

	if (name)
		return name;
	for (i = 0; code > 0 && i < ARRAY_SIZE(sig_codes); i++) {
		if (sig_codes[i].sig == sig && (size_t)code < sig_codes[i].n)
			return sig_codes[i].names[code];
	}
	snprintf(buf, len, "CODE%d", code);
	return buf;
}

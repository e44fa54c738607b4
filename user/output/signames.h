/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * Names of signal numbers and si_codes, from static tables: strsignal()
 * gives prose ("User defined signal 1") that depends on the locale.
 */
#ifndef IPCTRACE_SIGNAMES_H
#define IPCTRACE_SIGNAMES_H

#include <stddef.h>

/*
 * "SIGUSR1", "SIGRTMIN+3", or "SIG<n>" for a number without a name.  Returns
 * a static string or buf (which must hold at least 16 bytes to be useful).
 */
const char *sig_name(int sig, char *buf, size_t len);

/*
 * Parse "SIGUSR1", "usr1", "SIGRTMIN+3", "RTMAX-1" or a number.  Returns the
 * signal number, or -1 if s names no signal.
 */
int sig_parse(const char *s);

/*
 * Name of a siginfo si_code: "SI_USER", "SI_TKILL", "CLD_EXITED",
 * "SEGV_MAPERR", ...  Positive codes mean different things per signal, hence
 * sig.  Returns a static string, or "CODE<n>" formatted into buf.
 */
const char *si_code_name(int sig, int code, char *buf, size_t len);

#endif /* IPCTRACE_SIGNAMES_H */

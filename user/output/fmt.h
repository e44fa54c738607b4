/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/* Numbers for people: what the table and the mechanisms' notes print. */
#ifndef IPCTRACE_FMT_H
#define IPCTRACE_FMT_H

#include <stddef.h>
#include <stdint.h>

/*
 * v with a unit suffix in at most 6 characters: exact below one unit
 * ("640"), else one decimal ("62.5K").  base is 1024 for bytes and 1000
 * for counts.  Returns buf.
 */
const char *fmt_human(double v, double base, char *buf, size_t len);
/* A duration in at most 5 characters: "850ns", "12us", "1.2ms", "3.4s".  Returns buf. */
const char *fmt_ns(uint64_t ns, char *buf, size_t len);

#endif /* IPCTRACE_FMT_H */

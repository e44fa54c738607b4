/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/* Numbers and names for people: what the table and the mechanisms' notes print. */
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

/*
 * An object's name in at most width characters, without cutting what
 * identifies it; "..." (ASCII: terminals need not be UTF-8) marks what was
 * left out:
 *  - "ADDR:PORT->ADDR:PORT" and "ADDR:PORT" (IPv4, or IPv6 in brackets)
 *    keep their ports: loopback addresses become "lo"
 *    ("lo:5000->lo:41234"), then the addresses keep their tails, then they
 *    go ("5000->41234");
 *  - a path keeps its last component whole and what follows it
 *    ("/tmp/d.../fifo", "futex:/d.../x+0x40");
 *  - another name with a bracketed id keeps its head and that id from the
 *    last '[' on ("socketp...[8425]"); without one, its head ("msg:32...");
 *  - a last component or id wider than width keeps its tail ("...id]").
 * The result is clean for a terminal (text_put_clean()): control bytes,
 * bidi overrides and invalid UTF-8 are '?'.  Returns the characters (not
 * bytes) written to buf; SIZE_MAX as width measures the whole name.
 */
size_t fmt_fit_object(const char *obj, size_t width, char *buf, size_t len);

#endif /* IPCTRACE_FMT_H */

/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * Function offsets in a shared library, for uprobes.  libbpf 1.1 cannot
 * attach a uprobe by function name when the library has versioned
 * duplicates of it (glibc: sem_post@GLIBC_2.2.5 and sem_post@@GLIBC_2.34),
 * so symbols are resolved here with libelf: every address a name has,
 * converted to a file offset through the program header that loads it.
 */
#ifndef IPCTRACE_ELFSYM_H
#define IPCTRACE_ELFSYM_H

#include <stddef.h>

struct elfsym;

/* The C library mapped into this process (the one traced programs use too).  0 or -errno. */
int elfsym_libc_path(char *path, size_t len);
/* Open an ELF file; NULL with a one-line reason in msg. */
struct elfsym *elfsym_open(const char *path, char *msg, size_t len);
/* File offsets of the function name, at most max distinct ones; returns how many. */
int elfsym_func_offsets(struct elfsym *e, const char *name, size_t *offs, int max);
void elfsym_close(struct elfsym *e);

#endif /* IPCTRACE_ELFSYM_H */

/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * The loader's part for shared memory and semaphores.  POSIX semaphores
 * live in libc: some sem_* programs of bpf/sem.bpf.c are uprobes on the C
 * library's sem_post, sem_wait, sem_timedwait, sem_clockwait, sem_trywait
 * and sem_open, attached here.  And the programs that read a task's memory
 * map need bpf_find_vma(), which older kernels lack.
 */
#ifndef IPCTRACE_LOADER_SYNC_H
#define IPCTRACE_LOADER_SYNC_H

#include <stdbool.h>
#include <stddef.h>
#include <bpf/libbpf.h>

struct uprobe_set;

/*
 * false (with the reason) for a program this kernel cannot load: those of
 * shm.bpf.c and the POSIX semaphore uprobes need bpf_find_vma() and the
 * BTF task pointer (Linux 5.17+).
 */
bool sync_prog_loadable(const struct bpf_program *prog, char *why, size_t len);

/* True for a program that is attached here, not by bpf_program__attach(). */
bool uprobe_sem_prog(const struct bpf_program *prog);

/*
 * Attach the loaded semaphore uprobes of obj to the C library this process
 * uses (every process mapping the same file is covered).  Returns the set,
 * or NULL with a one-line reason in msg.
 */
struct uprobe_set *uprobe_sem_attach(struct bpf_object *obj, char *msg, size_t len);
/* Number of probes attached (for --check). */
int uprobe_set_count(const struct uprobe_set *set);
const char *uprobe_set_path(const struct uprobe_set *set);
void uprobe_set_free(struct uprobe_set *set);

#endif

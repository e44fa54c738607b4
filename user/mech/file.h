/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * File hand-off (-m file, opt-in; bpf/file.bpf.h): bytes of a regular file
 * that one process wrote and another later read.  Per file, the module
 * keeps which traced process wrote each byte last, as sorted ranges; a
 * read of bytes another process wrote is an edge writer -> reader.
 */
#ifndef IPCTRACE_MECH_FILE_H
#define IPCTRACE_MECH_FILE_H

#include <stdbool.h>
#include <stdint.h>
#include "core/mech.h"
#include "core/model.h"

extern const struct mech_ops mech_file;

/*
 * One call, in the order the kernel reported them.  A file is (dev, ino);
 * gen (i_generation) tells a new file on a reused inode number from the
 * old one.  WRITE: [off, off + len) now holds proc's bytes (traced false:
 * a process outside the traced set wrote them, which nobody traced did).
 * READ: proc read [off, off + len).  TRUNC: the file is now size bytes.
 * Every record carries size, the file's size after the call: bytes past it
 * are gone, whoever cut them.
 */
enum file_obs_type { FILE_OBS_WRITE = 1, FILE_OBS_READ, FILE_OBS_TRUNC };
struct file_obs {
	int type;
	bool traced;
	struct proc_ref proc;
	uint64_t ts_ns;
	uint64_t dev, ino;
	uint32_t gen;
	uint32_t nlink;      /* the file's links after the call (0: unlinked) */
	uint64_t off, len;
	uint64_t size;
	char comm[MODEL_COMM_LEN + 1];
};
void file_event(struct model *m, const struct file_obs *o);

/*
 * The bounds of the range table (defaults FILE_RANGES_PER_FILE and
 * FILE_RANGES_MAX): past one, the oldest ranges (by their latest write)
 * are dropped, each counted with model_count_dropped().
 */
#define FILE_RANGES_PER_FILE 4096
#define FILE_RANGES_MAX 65536
void file_set_caps(struct model *m, uint64_t per_file, uint64_t total);
/* Ranges held now (for tests): in one file (dev, ino), or in all (dev = ino = 0). */
uint64_t file_ranges(const struct model *m, uint64_t dev, uint64_t ino);

#endif /* IPCTRACE_MECH_FILE_H */

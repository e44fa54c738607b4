/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * The kernel interface as the mechanism modules and the collector see it:
 * the BPF object the loader opened, its maps by name, and a place to hand
 * links the loader should detach.  Implemented by kernel/loader.c, the only
 * file that includes the skeleton.
 */
#ifndef IPCTRACE_KIF_H
#define IPCTRACE_KIF_H

#include <stdbool.h>
#include <stdint.h>

struct kif;
struct bpf_object;
struct bpf_link;

/* The fd of the map called name, or -1 (no such map, or not loaded yet). */
int kif_map_fd(const struct kif *k, const char *name);
/*
 * Before loading: a map the chosen path never touches still has to be
 * created; make it one entry, and a task storage (which an old kernel
 * cannot create) an array with the same key.
 */
void kif_map_shrink(struct kif *k, const char *name);
/*
 * Before loading: a map of per-process counters takes the size the user
 * asked for (--map-entries), if any.
 */
void kif_map_resize(struct kif *k, const char *name);
/*
 * Before loading: a ring buffer's size in bytes (a power of 2, at least a
 * page), e.g. a small one for a mechanism -m did not select.
 */
void kif_ring_size(struct kif *k, const char *name, uint32_t bytes);
/* The -m selection (bits 1 << mechanism id), for configure(). */
uint32_t kif_mech_mask(const struct kif *k);
/* --events: records are made (their maps need their size), for configure(). */
bool kif_want_events(const struct kif *k);
/* The BPF object, for programs a module attaches itself (uprobes). */
struct bpf_object *kif_object(struct kif *k);
/* The loader detaches link with every other at the end.  0 or -ENOMEM (link destroyed). */
int kif_own_link(struct kif *k, struct bpf_link *link);

#endif /* IPCTRACE_KIF_H */

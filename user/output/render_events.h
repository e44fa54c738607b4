/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/* --events' lines and records (docs/events.md); no state, unit-tested. */
#ifndef IPCTRACE_RENDER_EVENTS_H
#define IPCTRACE_RENDER_EVENTS_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include "core/event.h"

/* One operation; t_ns: since the run began.  json: a JSON line, else text. */
void render_event(const struct ev_view *v, uint64_t t_ns, bool json, FILE *f);
/*
 * The stream's note that records were lost: total so far, and by
 * mechanism (count names mech[i] with n[i] each).
 */
void render_events_lost(uint64_t total, const char *const *mech, const uint64_t *n, int count,
			uint64_t t_ns, bool json, FILE *f);

#endif /* IPCTRACE_RENDER_EVENTS_H */

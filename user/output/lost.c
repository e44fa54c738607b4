// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
#include <inttypes.h>
#include <string.h>
#include "output/render.h"

void render_lost_warning(const struct snapshot *s, FILE *f)
{
	uint64_t records = 0;

	if (!s->lost.events && !s->lost.map_full)
		return;
	/* --events' own records (causes events_<mech>) leave the counts exact */
	for (int i = 0; i < s->lost.n_causes; i++)
		if (!strncmp(s->lost.cause[i].name, "events_", 7))
			records += s->lost.cause[i].n;
	fprintf(f, "ipctrace: warning: this run lost %" PRIu64 " event records and %" PRIu64
		" operations (", s->lost.events, s->lost.map_full);
	for (int i = 0; i < s->lost.n_causes; i++)
		fprintf(f, "%s%s %" PRIu64, i ? ", " : "", s->lost.cause[i].name, s->lost.cause[i].n);
	if (records == s->lost.events && !s->lost.map_full) {
		fputs("); the counts above are exact, the --events stream misses those lines "
		      "(a larger --ring-mb, or trace less with -m, -p or -- COMMAND)\n", f);
		return;
	}
	fputs("); the counts above are short by that much (raise --map-entries, or trace less "
	      "with -m, -p or -- COMMAND)\n", f);
}

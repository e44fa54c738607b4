// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
#include <inttypes.h>
#include "output/render.h"

void render_lost_warning(const struct snapshot *s, FILE *f)
{
	if (!s->lost.events && !s->lost.map_full)
		return;
	fprintf(f, "ipctrace: warning: this run lost %" PRIu64 " event records and %" PRIu64
		" operations (", s->lost.events, s->lost.map_full);
	for (int i = 0; i < s->lost.n_causes; i++)
		fprintf(f, "%s%s %" PRIu64, i ? ", " : "", s->lost.cause[i].name, s->lost.cause[i].n);
	fputs("); the counts above are short by that much (raise --map-entries, or trace less "
	      "with -m, -p or -- COMMAND)\n", f);
}

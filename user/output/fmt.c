// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
#include <inttypes.h>
#include <stdio.h>
#include "output/fmt.h"

const char *fmt_human(double v, double base, char *buf, size_t len)
{
	static const char units[] = "KMGTPE";
	int u = -1;

	if (v < base) {
		if (v > 0 && v < 10 && v != (double)(uint64_t)v)
			snprintf(buf, len, "%.1f", v);
		else
			snprintf(buf, len, "%.0f", v);
		return buf;
	}
	while (v >= base && u < (int)sizeof(units) - 2) {
		v /= base;
		u++;
	}
	/* "1000.0K" would not fit: 999.95K and up is shown as 1.0M. */
	if (v >= 999.95 && u < (int)sizeof(units) - 2) {
		v /= base;
		u++;
	}
	snprintf(buf, len, "%.1f%c", v, units[u]);
	return buf;
}

const char *fmt_ns(uint64_t ns, char *buf, size_t len)
{
	static const struct {
		uint64_t div;
		const char *unit;
	} scale[] = { { 1000000000, "s" }, { 1000000, "ms" }, { 1000, "us" } };

	for (size_t i = 0; i < sizeof(scale) / sizeof(scale[0]); i++) {
		if (ns < scale[i].div)
			continue;
		if (ns < 10 * scale[i].div)
			snprintf(buf, len, "%.1f%s", (double)ns / scale[i].div, scale[i].unit);
		else
			snprintf(buf, len, "%" PRIu64 "%s", ns / scale[i].div, scale[i].unit);
		return buf;
	}
	snprintf(buf, len, "%" PRIu64 "%s", ns, ns ? "ns" : "");
	return buf;
}

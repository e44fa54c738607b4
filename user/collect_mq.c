// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
#include <stdlib.h>
#include <string.h>
#include <bpf/bpf.h>
#include "collect_mq.h"
#include "ipctrace.h"
#include "model_mq.h"

_Static_assert(sizeof(struct mq_hist_key) == 48, "mq_hist_key layout");
_Static_assert(sizeof(struct mq_hist_val) == 16, "mq_hist_val layout");
_Static_assert(sizeof(struct mq_obj_key) == 24, "mq_obj_key layout");
/* A multiple of 8: per-CPU values come back packed, 8-byte aligned. */
_Static_assert(sizeof(struct mq_obj_val) == 96, "mq_obj_val layout");
_Static_assert(MQ_TAG_UNKNOWN == MODEL_MQ_TAG_UNKNOWN, "unknown tag");

static void read_hist(int fd, struct model *m)
{
	struct mq_hist_key key, *prev = NULL;
	struct mq_hist_val val;

	while (bpf_map_get_next_key(fd, prev, &key) == 0) {
		struct mqhist_obs o = {};

		prev = &key;
		if (bpf_map_lookup_elem(fd, &key, &val))
			continue; /* deleted meanwhile */
		o.proc.pid = key.ep.tgid;
		o.proc.start_ns = key.ep.start_ns;
		o.mech = key.ep.mech;
		o.dir = key.ep.dir;
		o.obj_a = key.ep.obj_a;
		o.obj_b = key.ep.obj_b;
		o.tag = key.tag;
		o.size_bucket = key.size_bucket;
		o.count = val.count;
		o.bytes = val.bytes;
		model_update_mq_hist(m, &o);
	}
}

#define MAX(a, b) ((a) > (b) ? (a) : (b))

/* Each CPU counted its own operations: add them up; maxima of maxima. */
static void read_objs(int fd, int ncpus, struct model *m)
{
	struct mq_obj_val *v = calloc(ncpus, sizeof(*v));
	struct mq_obj_key key, *prev = NULL;

	if (!v)
		return;
	while (bpf_map_get_next_key(fd, prev, &key) == 0) {
		struct mqobj_obs o = {};

		prev = &key;
		if (bpf_map_lookup_elem(fd, &key, v))
			continue;
		o.mech = key.mech;
		o.obj_a = key.obj_a;
		o.obj_b = key.obj_b;
		for (int i = 0; i < ncpus; i++) {
			o.q.limit = MAX(o.q.limit, v[i].limit);
			o.q.msgsize = MAX(o.q.msgsize, v[i].msgsize);
			o.q.depth_max = MAX(o.q.depth_max, v[i].depth_max);
			o.q.bytes_max = MAX(o.q.bytes_max, v[i].bytes_max);
			o.q.samples += v[i].samples;
			o.q.depth_sum += v[i].depth_sum;
			o.q.found_full += v[i].found_full;
			o.q.found_empty += v[i].found_empty;
			o.q.notifies += v[i].notifies;
			o.q.removes += v[i].removes;
			if (v[i].has_key) {
				o.has_key = true;
				o.key = (int32_t)v[i].key;
			}
		}
		model_update_mq_obj(m, &o);
	}
	free(v);
}

void collect_mq_read(int hist_fd, int objs_fd, int ncpus, struct model *m)
{
	if (hist_fd >= 0)
		read_hist(hist_fd, m);
	if (objs_fd >= 0 && ncpus > 0)
		read_objs(objs_fd, ncpus, m);
}

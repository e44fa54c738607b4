// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
#include <errno.h>
#include <glob.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/utsname.h>
#include <unistd.h>
#include <linux/capability.h>
#include <bpf/bpf.h>
#include <bpf/btf.h>
#include <bpf/libbpf.h>
#include "kernel/abi.h"
#include "ipctrace.skel.h"
#include "core/mech.h"
#include "kernel/kif.h"
#include "kernel/loader.h"

_Static_assert(MECH_MAX <= MECH_ID_MAX, "mechanism ids must fit a uint32_t mask");

#define BTF_PATH "/sys/kernel/btf/vmlinux"
#define TRACEFS "/sys/kernel/tracing"
#define DEBUGFS_TRACING "/sys/kernel/debug/tracing"

#ifndef CAP_PERFMON
#define CAP_PERFMON 38
#endif
#ifndef CAP_BPF
#define CAP_BPF 39
#endif

struct kif {
	struct ipctrace_bpf *skel;
	struct bpf_link **links;
	int n_links, cap_links;
};

struct loader {
	struct kif k;
	uint32_t mech_mask;
};

static bool debug_enabled(void)
{
	const char *e = getenv("IPCTRACE_DEBUG");

	return e && *e && strcmp(e, "0");
}

static int libbpf_print(enum libbpf_print_level level, const char *fmt, va_list args)
{
	if (!debug_enabled())
		return 0;
	return vfprintf(stderr, fmt, args);
}

static bool has_events_dir(const char *base)
{
	char path[256];

	snprintf(path, sizeof(path), "%s/events", base);
	return access(path, F_OK) == 0;
}

/* Where tracefs is, in the order libbpf 1.1 looks (debugfs first). */
static const char *tracefs_dir(void)
{
	if (has_events_dir(DEBUGFS_TRACING))
		return DEBUGFS_TRACING;
	if (has_events_dir(TRACEFS))
		return TRACEFS;
	return NULL;
}

static bool has_bpf_caps(void)
{
	struct __user_cap_header_struct hdr = { .version = _LINUX_CAPABILITY_VERSION_3 };
	struct __user_cap_data_struct data[2] = {};

	if (syscall(SYS_capget, &hdr, data))
		return false;
	if (data[0].effective & (1u << CAP_SYS_ADMIN))
		return true;
	/* CAP_BPF and CAP_PERFMON live in the second 32-bit word */
	return (data[1].effective & (1u << (CAP_BPF - 32))) &&
	       (data[1].effective & (1u << (CAP_PERFMON - 32)));
}

int loader_check_env(char *msg, size_t len)
{
	/* capabilities, not the uid: root in a container may have none */
	if (!has_bpf_caps()) {
		snprintf(msg, len, "needs root (or CAP_BPF and CAP_PERFMON) to load BPF programs: "
			 "run it with sudo");
		return -1;
	}
	if (access(BTF_PATH, R_OK) != 0) {
		snprintf(msg, len, "this kernel exposes no BTF (%s: %s); ipctrace needs a kernel "
			 "built with CONFIG_DEBUG_INFO_BTF=y", BTF_PATH, strerror(errno));
		return -1;
	}
	if (!tracefs_dir()) {
		/* Tracepoint ids come from tracefs; a fresh machine may not have it mounted. */
		if (mount("nodev", TRACEFS, "tracefs", 0, NULL) != 0 || !has_events_dir(TRACEFS)) {
			snprintf(msg, len, "tracefs is not mounted and mounting it failed (%s): "
				 "run 'mount -t tracefs nodev %s' as root", strerror(errno), TRACEFS);
			return -1;
		}
	}
	return 0;
}

/* Whether name starts with one of the space-separated prefixes in list. */
static bool has_prefix_in(const char *name, const char *list)
{
	while (list && *list) {
		size_t n = strcspn(list, " ");

		if (n && !strncmp(name, list, n))
			return true;
		list += n + (list[n] == ' ');
	}
	return false;
}

/* The module that owns a program, by its name prefix; NULL if none does. */
static const struct mech_ops *prog_owner(const struct bpf_program *prog)
{
	const char *name = bpf_program__name(prog);
	const struct mech_ops *ops;

	for_each_mech(i, ops)
		if (has_prefix_in(name, ops->prefixes))
			return ops;
	return NULL;
}

/* A program is loaded if its module always is, or a selected kind needs it. */
static bool prog_wanted(const struct bpf_program *prog, uint32_t mask)
{
	const struct mech_ops *owner = prog_owner(prog), *ops;
	const char *name = bpf_program__name(prog);

	if (!owner || owner->always)
		return true;
	for_each_mech(i, ops)
		for (const struct mech_kind *k = ops->kinds; k && k->name; k++)
			if ((mask & (1u << k->id)) && has_prefix_in(name, k->progs))
				return true;
	return false;
}

/* Whether any kind of ops is selected. */
static bool module_selected(const struct mech_ops *ops, uint32_t mask)
{
	for (const struct mech_kind *k = ops->kinds; k && k->name; k++)
		if (mask & (1u << k->id))
			return true;
	return false;
}

/* "tracepoint/syscalls/sys_enter_read" -> events/syscalls/sys_enter_read */
static bool hook_exists(const struct bpf_program *prog, char *hook, size_t len)
{
	const char *sec = bpf_program__section_name(prog), *dir = tracefs_dir();
	char path[512];
	glob_t g;
	bool found;

	if (!strncmp(sec, "tracepoint/", 11)) {
		snprintf(hook, len, "%s", sec + 11);
		if (!dir)
			return false;
		snprintf(path, sizeof(path), "%s/events/%s/id", dir, sec + 11);
		return access(path, F_OK) == 0;
	}
	if (!strncmp(sec, "raw_tracepoint/", 15)) {
		snprintf(hook, len, "%s", sec + 15);
		if (!dir)
			return false;
		snprintf(path, sizeof(path), "%s/events/*/%s", dir, sec + 15);
		found = glob(path, GLOB_NOSORT, NULL, &g) == 0;
		if (found) {
			/* name it as category:event, like the classic ones */
			const char *ev = g.gl_pathv[0] + strlen(dir) + strlen("/events/");
			snprintf(hook, len, "%s (raw)", ev);
		}
		globfree(&g);
		return found;
	}
	snprintf(hook, len, "%s", sec);
	return true;
}

/* Does the running kernel have the kfunc `name`? */
static bool kernel_has_kfunc(const char *name)
{
	struct btf *vmlinux = btf__load_vmlinux_btf();
	bool found;

	if (!vmlinux)
		return false;
	found = btf__find_by_name_kind(vmlinux, name, BTF_KIND_FUNC) > 0;
	btf__free(vmlinux);
	return found;
}

/*
 * Task storage and bpf_get_current_task_btf() from tracepoint programs, and
 * the bpf_rdonly_cast() kfunc (6.2), make the per-syscall stash and the fd
 * walk much cheaper; older kernels lack them, so ask before loading.
 */
static bool probe_fast_task(void)
{
	/* IPCTRACE_SLOW_PATH=1 forces the fallback, so tests cover both paths */
	const char *force = getenv("IPCTRACE_SLOW_PATH");

	if (force && *force && strcmp(force, "0"))
		return false;
	return libbpf_probe_bpf_map_type(BPF_MAP_TYPE_TASK_STORAGE, NULL) == 1 &&
	       libbpf_probe_bpf_helper(BPF_PROG_TYPE_TRACEPOINT, BPF_FUNC_task_storage_get,
				       NULL) == 1 &&
	       libbpf_probe_bpf_helper(BPF_PROG_TYPE_TRACEPOINT, BPF_FUNC_get_current_task_btf,
				       NULL) == 1 &&
	       kernel_has_kfunc("bpf_rdonly_cast");
}

int kif_map_fd(const struct kif *k, const char *name)
{
	struct bpf_map *map = bpf_object__find_map_by_name(k->skel->obj, name);

	return map ? bpf_map__fd(map) : -1;
}

void kif_map_shrink(struct kif *k, const char *name)
{
	struct bpf_map *map = bpf_object__find_map_by_name(k->skel->obj, name);

	if (!map)
		return;
	if (bpf_map__type(map) == BPF_MAP_TYPE_TASK_STORAGE) {
		bpf_map__set_type(map, BPF_MAP_TYPE_ARRAY);
		bpf_map__set_map_flags(map, 0);
	}
	bpf_map__set_max_entries(map, 1);
}

struct bpf_object *kif_object(struct kif *k)
{
	return k->skel->obj;
}

int kif_own_link(struct kif *k, struct bpf_link *link)
{
	if (k->n_links == k->cap_links) {
		int cap = k->cap_links ? 2 * k->cap_links : 64;
		struct bpf_link **l = realloc(k->links, cap * sizeof(*l));

		if (!l) {
			bpf_link__destroy(link);
			return -ENOMEM;
		}
		k->links = l;
		k->cap_links = cap;
	}
	k->links[k->n_links++] = link;
	return 0;
}

static void configure(struct loader *ld, const struct loader_cfg *cfg)
{
	struct ipctrace_bpf *skel = ld->k.skel;
	const struct mech_ops *ops;
	bool fast = probe_fast_task();

	skel->rodata->self_tgid = cfg->self_tgid;
	skel->rodata->filter_traced = cfg->filter_traced;
	skel->rodata->mech_mask = cfg->mech_mask;
	skel->rodata->bench_noop = cfg->bench_noop;
	skel->rodata->fast_task = fast;
	for_each_mech(i, ops)
		if (ops->configure)
			ops->configure(&ld->k, fast);
}

/* A uprobe needs a target: its module attaches it (mech_ops.attach). */
static bool attached_by_module(const struct bpf_program *prog)
{
	const char *sec = bpf_program__section_name(prog);

	return !strncmp(sec, "uprobe", 6) || !strncmp(sec, "uretprobe", 9);
}

struct loader *loader_start(const struct loader_cfg *cfg, char *msg, size_t len)
{
	const struct mech_ops *ops, *owner;
	struct bpf_program *prog;
	struct loader *ld;
	char hook[256];
	int err;

	libbpf_set_print(libbpf_print);
	ld = calloc(1, sizeof(*ld));
	if (!ld) {
		snprintf(msg, len, "out of memory");
		return NULL;
	}
	ld->mech_mask = cfg->mech_mask;
	ld->k.skel = ipctrace_bpf__open();
	if (!ld->k.skel) {
		snprintf(msg, len, "opening the BPF object failed: %s", strerror(errno));
		goto fail;
	}
	configure(ld, cfg);

	bpf_object__for_each_program(prog, ld->k.skel->obj) {
		if (!prog_wanted(prog, cfg->mech_mask)) {
			bpf_program__set_autoload(prog, false);
			continue;
		}
		owner = prog_owner(prog);
		if (!hook_exists(prog, hook, sizeof(hook))) {
			fprintf(stderr, "ipctrace: warning: this kernel has no %s; %s is not traced\n",
				hook, bpf_program__name(prog));
			bpf_program__set_autoload(prog, false);
		} else if (owner && owner->prog_loadable &&
			   !owner->prog_loadable(prog, hook, sizeof(hook))) {
			fprintf(stderr, "ipctrace: warning: %s; %s is not traced\n", hook,
				bpf_program__name(prog));
			bpf_program__set_autoload(prog, false);
		}
	}

	err = ipctrace_bpf__load(ld->k.skel);
	if (err) {
		snprintf(msg, len, "loading the BPF programs failed: %s (IPCTRACE_DEBUG=1 shows "
			 "libbpf's log)", strerror(-err));
		goto fail;
	}

	bpf_object__for_each_program(prog, ld->k.skel->obj) {
		struct bpf_link *link;

		if (!bpf_program__autoload(prog) || attached_by_module(prog))
			continue;
		link = bpf_program__attach(prog);
		if (!link) {
			err = -errno;
			hook_exists(prog, hook, sizeof(hook));
			snprintf(msg, len, "attaching to %s failed: %s (IPCTRACE_DEBUG=1 shows "
				 "libbpf's log)", hook, strerror(-err));
			goto fail;
		}
		if (kif_own_link(&ld->k, link)) {
			snprintf(msg, len, "out of memory");
			goto fail;
		}
	}
	for_each_mech(i, ops) {
		char why[1200];

		/* What a module attaches itself is a part of it: warn, trace the rest. */
		if (ops->attach && module_selected(ops, cfg->mech_mask) &&
		    ops->attach(&ld->k, why, sizeof(why)))
			fprintf(stderr, "ipctrace: warning: %s\n", why);
	}
	return ld;
fail:
	loader_stop(ld);
	return NULL;
}

struct kif *loader_kif(struct loader *ld)
{
	return &ld->k;
}

int loader_trace_pid(struct loader *ld, uint32_t tgid)
{
	__u8 one = 1;

	return bpf_map_update_elem(bpf_map__fd(ld->k.skel->maps.traced), &tgid, &one, BPF_ANY);
}

struct detach_job {
	struct bpf_link **links;
	int n;
};

static void *detach_links(void *arg)
{
	struct detach_job *job = arg;

	for (int i = 0; i < job->n; i++)
		bpf_link__destroy(job->links[i]);
	return NULL;
}

/*
 * Detaching a tracepoint link waits for the kernel (tens of ms each here),
 * so dozens of them one after another keep the user waiting seconds after
 * the final report.  The waits overlap when the links go in parallel.
 */
#define DETACH_THREADS 16

static void loader_detach_links(struct bpf_link **links, int n)
{
	struct detach_job jobs[DETACH_THREADS];
	pthread_t tids[DETACH_THREADS];
	bool started[DETACH_THREADS] = {};
	int per = (n + DETACH_THREADS - 1) / DETACH_THREADS;

	for (int t = 0; t < DETACH_THREADS; t++) {
		jobs[t].links = links + t * per;
		jobs[t].n = t * per >= n ? 0 : (n - t * per < per ? n - t * per : per);
		if (jobs[t].n > 0)
			started[t] = pthread_create(&tids[t], NULL, detach_links, &jobs[t]) == 0;
		if (jobs[t].n > 0 && !started[t])
			detach_links(&jobs[t]); /* no thread: do it here */
	}
	for (int t = 0; t < DETACH_THREADS; t++)
		if (started[t])
			pthread_join(tids[t], NULL);
}

void loader_stop(struct loader *ld)
{
	if (!ld)
		return;
	loader_detach_links(ld->k.links, ld->k.n_links);
	free(ld->k.links);
	ipctrace_bpf__destroy(ld->k.skel);
	free(ld);
}

int loader_check_report(FILE *out)
{
	struct loader_cfg cfg = { .mech_mask = mech_all_mask(), .self_tgid = getpid() };
	const struct mech_ops *ops;
	struct bpf_program *prog;
	struct ipctrace_bpf *skel;
	struct loader *ld;
	struct utsname u;
	char msg[512], hook[256];
	const char *dir;
	int missing = 0;

	uname(&u);
	fprintf(out, "kernel      %s %s\n", u.release, u.machine);
	fprintf(out, "privileges  %s\n", geteuid() == 0 ? "root" :
		has_bpf_caps() ? "CAP_BPF + CAP_PERFMON" : "insufficient (run with sudo)");
	fprintf(out, "BTF         %s: %s\n", BTF_PATH, access(BTF_PATH, R_OK) ? "missing" : "present");
	if (loader_check_env(msg, sizeof(msg))) {
		fprintf(out, "environment NOT READY: %s\n", msg);
		return 1;
	}
	dir = tracefs_dir();
	fprintf(out, "tracefs     %s\n", dir ? dir : "not mounted");
	fprintf(out, "fast path   task storage + BTF task pointer in tracepoints: %s\n",
		probe_fast_task() ? "yes" : "no (map + probe-read fallback)");

	fprintf(out, "hooks:\n");
	libbpf_set_print(libbpf_print);
	skel = ipctrace_bpf__open();
	if (!skel) {
		fprintf(out, "opening the BPF object failed: %s\n", strerror(errno));
		return 1;
	}
	bpf_object__for_each_program(prog, skel->obj) {
		const struct mech_ops *owner = prog_owner(prog);
		bool ok = hook_exists(prog, hook, sizeof(hook));

		missing += !ok;
		fprintf(out, "  %-10s %-40s %s\n", owner ? owner->name : "?", hook,
			ok ? "yes" : "MISSING");
	}
	ipctrace_bpf__destroy(skel);

	ld = loader_start(&cfg, msg, sizeof(msg));
	if (!ld) {
		fprintf(out, "load+attach FAILED: %s\n", msg);
		return 1;
	}
	fprintf(out, "load+attach ok (%d links%s)\n", ld->k.n_links,
		missing ? ", missing hooks skipped" : "");
	for_each_mech(i, ops)
		if (ops->check_line)
			ops->check_line(&ld->k, out);
	fprintf(out, "status      %s\n", missing ? "some hooks missing: their mechanisms are "
		"partly traced" : "every hook of this build is supported");
	loader_stop(ld);
	return 0;
}

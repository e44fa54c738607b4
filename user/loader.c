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
#include "ipctrace.h"
#include "ipctrace.skel.h"
#include "loader.h"
#include "model.h"
#include "loader_sync.h"

/* The model's mechanism numbers are the BPF side's: one enum, two spellings. */
_Static_assert((int)M_PIPE == (int)MECH_PIPE && (int)M_FIFO == (int)MECH_FIFO &&
	       (int)M_SIGNAL == (int)MECH_SIGNAL,
	       "model and BPF mechanism numbers differ");

#define BTF_PATH "/sys/kernel/btf/vmlinux"
#define TRACEFS "/sys/kernel/tracing"
#define DEBUGFS_TRACING "/sys/kernel/debug/tracing"

#ifndef CAP_PERFMON
#define CAP_PERFMON 38
#endif
#ifndef CAP_BPF
#define CAP_BPF 39
#endif

struct loader {
	struct ipctrace_bpf *skel;
	struct bpf_link **links;
	int n_links;
	struct uprobe_set *uprobes; /* POSIX semaphores: libc uprobes */
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

#define BIT(m) (1u << (m))
#define SOCK_BITS (BIT(M_UNIX_STREAM) | BIT(M_UNIX_DGRAM) | BIT(M_UNIX_SEQPACKET) | BIT(M_TCP) | \
		   BIT(M_UDP))

/*
 * Which mechanisms a program serves, by its name prefix.  A program whose
 * mechanisms are all deselected is not loaded; mask 0 means always needed.
 */
static const struct {
	const char *prefix;
	uint32_t mask;
	const char *label;
} prog_groups[] = {
	/* pipe_ also marks sockets in the shared stash, for sock_ (bpf/stash.bpf.h) */
	{ "pipe_", BIT(M_PIPE) | BIT(M_FIFO) | SOCK_BITS, "pipe,fifo" },
	{ "sock_", SOCK_BITS, "sockets" },
	{ "sig_", BIT(M_SIGNAL), "signal" },
	{ "mq_", BIT(M_MQ), "mq" },
	{ "msg_", BIT(M_MSG), "msg" },
	{ "shm_", BIT(M_SHM), "shm" },
	{ "sem_", BIT(M_SEM), "sem" },
	{ "proc_", 0, "process" },
};

static int prog_group(const char *name)
{
	for (size_t i = 0; i < sizeof(prog_groups) / sizeof(*prog_groups); i++)
		if (!strncmp(name, prog_groups[i].prefix, strlen(prog_groups[i].prefix)))
			return i;
	return -1;
}

static uint32_t prog_mechs(const char *name)
{
	int g = prog_group(name);

	return g < 0 ? 0 : prog_groups[g].mask;
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

/*
 * A map the chosen path never touches still has to be created: make it
 * tiny, and turn a task storage (which an old kernel cannot create) into an
 * array with the same int key.
 */
static void shrink_map(struct bpf_map *map)
{
	if (bpf_map__type(map) == BPF_MAP_TYPE_TASK_STORAGE) {
		bpf_map__set_type(map, BPF_MAP_TYPE_ARRAY);
		bpf_map__set_map_flags(map, 0);
	}
	bpf_map__set_max_entries(map, 1);
}

static void configure(struct ipctrace_bpf *skel, const struct loader_cfg *cfg)
{
	bool fast = probe_fast_task();

	skel->rodata->self_tgid = cfg->self_tgid;
	skel->rodata->filter_traced = cfg->filter_traced;
	skel->rodata->mech_mask = cfg->mech_mask;
	skel->rodata->bench_noop = cfg->bench_noop;
	skel->rodata->fast_task = fast;
	shrink_map(fast ? skel->maps.pipe_stash : skel->maps.pipe_tstash);
	shrink_map(fast ? skel->maps.mq_stash : skel->maps.mq_tstash);
	shrink_map(fast ? skel->maps.mq_scratch : skel->maps.mq_tscratch);
	shrink_map(fast ? skel->maps.sock_scratch : skel->maps.sock_tscratch);
}

struct loader *loader_start(const struct loader_cfg *cfg, char *msg, size_t len)
{
	struct bpf_program *prog;
	struct loader *ld;
	char hook[256];
	int err, n = 0;

	libbpf_set_print(libbpf_print);
	ld = calloc(1, sizeof(*ld));
	if (!ld) {
		snprintf(msg, len, "out of memory");
		return NULL;
	}
	ld->skel = ipctrace_bpf__open();
	if (!ld->skel) {
		snprintf(msg, len, "opening the BPF object failed: %s", strerror(errno));
		goto fail;
	}
	configure(ld->skel, cfg);

	bpf_object__for_each_program(prog, ld->skel->obj) {
		uint32_t m = prog_mechs(bpf_program__name(prog));

		n++;
		if (m && !(m & cfg->mech_mask)) {
			bpf_program__set_autoload(prog, false);
			continue;
		}
		if (!hook_exists(prog, hook, sizeof(hook))) {
			fprintf(stderr, "ipctrace: warning: this kernel has no %s; %s is not traced\n",
				hook, bpf_program__name(prog));
			bpf_program__set_autoload(prog, false);
		} else if (!sync_prog_loadable(prog, hook, sizeof(hook))) {
			fprintf(stderr, "ipctrace: warning: %s; %s is not traced\n", hook,
				bpf_program__name(prog));
			bpf_program__set_autoload(prog, false);
		}
	}

	err = ipctrace_bpf__load(ld->skel);
	if (err) {
		snprintf(msg, len, "loading the BPF programs failed: %s (IPCTRACE_DEBUG=1 shows "
			 "libbpf's log)", strerror(-err));
		goto fail;
	}

	ld->links = calloc(n, sizeof(*ld->links));
	if (!ld->links) {
		snprintf(msg, len, "out of memory");
		goto fail;
	}
	bpf_object__for_each_program(prog, ld->skel->obj) {
		struct bpf_link *link;

		if (!bpf_program__autoload(prog) || uprobe_sem_prog(prog))
			continue;
		link = bpf_program__attach(prog);
		if (!link) {
			err = -errno;
			hook_exists(prog, hook, sizeof(hook));
			snprintf(msg, len, "attaching to %s failed: %s (IPCTRACE_DEBUG=1 shows "
				 "libbpf's log)", hook, strerror(-err));
			goto fail;
		}
		ld->links[ld->n_links++] = link;
	}
	if (cfg->mech_mask & BIT(M_SEM)) {
		char why[512];

		/* SysV semaphores are traced either way: not worth failing for. */
		ld->uprobes = uprobe_sem_attach(ld->skel->obj, why, sizeof(why));
		if (!ld->uprobes)
			fprintf(stderr, "ipctrace: warning: %s; POSIX semaphores are not traced\n", why);
	}
	return ld;
fail:
	loader_stop(ld);
	return NULL;
}

void loader_maps(const struct loader *ld, struct loader_maps *maps)
{
	maps->endpoints = bpf_map__fd(ld->skel->maps.endpoints);
	maps->objnames = bpf_map__fd(ld->skel->maps.objnames);
	maps->sigs = bpf_map__fd(ld->skel->maps.sigs);
	maps->sigdels = bpf_map__fd(ld->skel->maps.sigdels);
	maps->stats = bpf_map__fd(ld->skel->maps.stats);
	maps->traced = bpf_map__fd(ld->skel->maps.traced);
	maps->proc_events = bpf_map__fd(ld->skel->maps.proc_events);
	maps->mq_hist = bpf_map__fd(ld->skel->maps.mq_hist);
	maps->mq_objs = bpf_map__fd(ld->skel->maps.mq_objs);
	maps->shm_events = bpf_map__fd(ld->skel->maps.shm_events);
	maps->sem_wakes = bpf_map__fd(ld->skel->maps.sem_wakes);
}

int loader_trace_pid(struct loader *ld, uint32_t tgid)
{
	__u8 one = 1;

	return bpf_map_update_elem(bpf_map__fd(ld->skel->maps.traced), &tgid, &one, BPF_ANY);
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

void loader_detach_links(struct bpf_link **links, int n)
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
	loader_detach_links(ld->links, ld->n_links);
	free(ld->links);
	uprobe_set_free(ld->uprobes);
	ipctrace_bpf__destroy(ld->skel);
	free(ld);
}

int loader_check_report(FILE *out)
{
	struct loader_cfg cfg = { .mech_mask = ~0u, .self_tgid = getpid() };
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
		int g = prog_group(bpf_program__name(prog));
		bool ok = hook_exists(prog, hook, sizeof(hook));

		missing += !ok;
		fprintf(out, "  %-10s %-40s %s\n", g < 0 ? "?" : prog_groups[g].label, hook,
			ok ? "yes" : "MISSING");
	}
	ipctrace_bpf__destroy(skel);

	ld = loader_start(&cfg, msg, sizeof(msg));
	if (!ld) {
		fprintf(out, "load+attach FAILED: %s\n", msg);
		return 1;
	}
	fprintf(out, "load+attach ok (%d programs attached%s)\n", ld->n_links,
		missing ? ", missing hooks skipped" : "");
	fprintf(out, "uprobes     %d on %s (POSIX semaphores)\n", uprobe_set_count(ld->uprobes),
		ld->uprobes ? uprobe_set_path(ld->uprobes) : "nothing: not traced");
	fprintf(out, "status      %s\n", missing ? "some hooks missing: their mechanisms are "
		"partly traced" : "every hook of this build is supported");
	loader_stop(ld);
	return 0;
}

// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <glob.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/utsname.h>
#include <sys/wait.h>
#include <unistd.h>
#include <linux/capability.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include "kernel/abi.h"
#include "ipctrace.skel.h"
#include "core/mech.h"
#include "kernel/features.h"
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
	uint32_t map_entries;       /* loader_cfg.map_entries */
	uint32_t mech_mask;         /* loader_cfg.mech_mask */
	bool want_events;           /* loader_cfg.want_events */
	struct bpf_link **links;
	int n_links, cap_links;
};

struct loader {
	struct kif k;
	uint32_t mech_mask;
	int hold_fd;       /* the keeper's pipe: closing it detaches; -1 without a keeper */
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
	/*
	 * AT_EACCESS: with the effective ids and capabilities, as libbpf's
	 * open() will be.  access() asks for the real uid, which for a user
	 * granted CAP_DAC_READ_SEARCH is refused what the open is allowed.
	 */
	return faccessat(AT_FDCWD, path, F_OK, AT_EACCESS) == 0;
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
	struct __user_cap_header_struct hdr = { .version = _LINUX_CAPABILITY_VERSION_3 };
	struct __user_cap_data_struct data[2] = {};
	char missing[128] = "";
	bool admin;

	/*
	 * Capabilities, not the uid: root in a container may have none, and a
	 * user may be granted them.  CAP_SYS_ADMIN stands for CAP_BPF and
	 * CAP_PERFMON (the kernel's bpf_capable(), perfmon_capable()).
	 */
	if (syscall(SYS_capget, &hdr, data))
		memset(data, 0, sizeof(data));
	admin = data[0].effective & (1u << CAP_SYS_ADMIN);
	/* CAP_BPF and CAP_PERFMON live in the second 32-bit word */
	if (!admin && !(data[1].effective & (1u << (CAP_BPF - 32))))
		strcat(missing, ", CAP_BPF");
	if (!admin && !(data[1].effective & (1u << (CAP_PERFMON - 32))))
		strcat(missing, ", CAP_PERFMON");
	/*
	 * tracefs is mode 0700, root's: tracepoint ids are read there, so
	 * anyone else needs CAP_DAC_READ_SEARCH (or CAP_DAC_OVERRIDE), unless
	 * it was mounted open.  Only the answer counts, not the capability.
	 */
	if (!tracefs_dir() && faccessat(AT_FDCWD, TRACEFS "/events", F_OK, AT_EACCESS) &&
	    errno == EACCES)
		strcat(missing, ", CAP_DAC_READ_SEARCH");
	if (missing[0]) {
		snprintf(msg, len, "needs root, or CAP_BPF, CAP_PERFMON and CAP_DAC_READ_SEARCH "
			 "(missing %s): run it with sudo, or grant the missing capabilities",
			 missing + 2);
		return -1;
	}
	if (faccessat(AT_FDCWD, BTF_PATH, R_OK, AT_EACCESS) != 0) {
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

/*
 * A program is loaded if a selected kind needs it.  One that no kind lists
 * is loaded if its module always is (or it has none): a program of such a
 * module that kinds list (ipcwake's sched_waking program, which several
 * mechanisms share) loads only for them.
 */
static bool prog_wanted(const struct bpf_program *prog, uint32_t mask)
{
	const struct mech_ops *owner = prog_owner(prog), *ops;
	const char *name = bpf_program__name(prog);
	bool listed = false;

	for_each_mech(i, ops)
		for (const struct mech_kind *k = ops->kinds; k && k->name; k++) {
			if (!has_prefix_in(name, k->progs))
				continue;
			if (mask & (1u << k->id))
				return true;
			listed = true;
		}
	return !listed && (!owner || owner->always);
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
		/* the effective ids: a non-root user with capabilities reads tracefs */
		return faccessat(AT_FDCWD, path, F_OK, AT_EACCESS) == 0;
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
	       kernel_btf_has_name("bpf_rdonly_cast");
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

void kif_ring_size(struct kif *k, const char *name, uint32_t bytes)
{
	struct bpf_map *map = bpf_object__find_map_by_name(k->skel->obj, name);

	if (map && bpf_map__type(map) == BPF_MAP_TYPE_RINGBUF)
		bpf_map__set_max_entries(map, bytes);
}

uint32_t kif_mech_mask(const struct kif *k)
{
	return k->mech_mask;
}

bool kif_want_events(const struct kif *k)
{
	return k->want_events;
}

void kif_map_resize(struct kif *k, const char *name)
{
	struct bpf_map *map = bpf_object__find_map_by_name(k->skel->obj, name);

	if (map && k->map_entries)
		bpf_map__set_max_entries(map, k->map_entries);
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
	ld->k.mech_mask = cfg->mech_mask;
	ld->k.want_events = cfg->want_events;
	skel->rodata->bench_noop = cfg->bench_noop;
	skel->rodata->want_hist = cfg->want_hist;
	skel->rodata->want_events = cfg->want_events;
	skel->rodata->fast_task = fast;
	ld->k.map_entries = cfg->map_entries;
	/* the shared per-process maps; modules size their own in configure() */
	kif_map_resize(&ld->k, "endpoints");
	kif_map_resize(&ld->k, "traced");
	/* --events: the ring and the per-thread list of woken tasks (bpf/event.bpf.h) */
	if (cfg->want_events)
		kif_ring_size(&ld->k, "ipc_events", cfg->ring_bytes);
	kif_map_shrink(&ld->k, fast ? "ev_stash" : "ev_tstash");
	if (!cfg->want_events)
		kif_map_shrink(&ld->k, fast ? "ev_tstash" : "ev_stash");
	if (cfg->want_hist)
		kif_map_resize(&ld->k, "blk_hist");
	else
		kif_map_shrink(&ld->k, "blk_hist");
	/* a name is 400 bytes and lives in the map only until the next tick */
	if (cfg->map_entries > 4 * 16384) {
		struct bpf_map *names = bpf_object__find_map_by_name(skel->obj, "objnames");

		if (names)
			bpf_map__set_max_entries(names, cfg->map_entries / 4);
	}
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

static void *close_one(void *arg)
{
	close((int)(intptr_t)arg);
	return NULL;
}

/* Close every fd at once: each close waits out its own grace period, and they overlap. */
static void close_in_parallel(const int *fds, int n)
{
	pthread_t *tids = calloc(n, sizeof(*tids));
	bool *started = calloc(n, sizeof(*started));

	for (int i = 0; i < n; i++) {
		if (tids && started)
			started[i] = pthread_create(&tids[i], NULL, close_one,
						    (void *)(intptr_t)fds[i]) == 0;
		if (!started || !started[i])
			close(fds[i]);
	}
	for (int i = 0; tids && started && i < n; i++)
		if (started[i])
			pthread_join(tids[i], NULL);
	free(tids);
	free(started);
}

static bool in_set(int fd, const int *fds, int n)
{
	for (int i = 0; i < n; i++)
		if (fds[i] == fd)
			return true;
	return false;
}

/* The detach helper keeps only the links (and the pipe it waits on). */
static void keep_only(const int *fds, int n, int also)
{
	int null = open("/dev/null", O_RDWR | O_CLOEXEC), close_fds[1024], m = 0;
	DIR *d = opendir("/proc/self/fd");
	struct dirent *de;

	for (int fd = 0; fd < 3 && null >= 0; fd++)
		dup2(null, fd);
	while (d && (de = readdir(d)) && m < (int)(sizeof(close_fds) / sizeof(*close_fds))) {
		int fd = atoi(de->d_name);

		if (de->d_name[0] != '.' && fd > 2 && fd != also && fd != dirfd(d) &&
		    !in_set(fd, fds, n))
			close_fds[m++] = fd;
	}
	if (d)
		closedir(d);
	for (int i = 0; i < m; i++)
		close(close_fds[i]);
}

/*
 * Detaching a syscall tracepoint's link waits out an RCU tasks-trace grace
 * period in the kernel (~0.8 s each on 6.18 here, where these tracepoints
 * are faultable), and the libc uprobes wait the same way: done by ipctrace,
 * that kept the user waiting seconds for the exit status after the final
 * report, and a killed ipctrace seconds in its exit (its command's
 * parent-death signal comes only after).  So once everything is attached a
 * keeper process, parented by init and holding nothing but a copy of the
 * links, waits for ipctrace to go (EOF on a pipe, whether it stops or is
 * killed), then closes them all at once; ipctrace's own closes are cheap,
 * and it exits at once.  The programs run on for that second, counting
 * into maps nobody reads.  Returns false (ipctrace detaches itself at the
 * end) if the keeper cannot be started.
 */
static bool start_keeper(struct kif *k, int *hold_fd)
{
	int hold[2], *fds, n = 0;
	pid_t pid;

	fds = calloc(k->n_links ? k->n_links : 1, sizeof(*fds));
	if (!fds || pipe2(hold, O_CLOEXEC)) {
		free(fds);
		return false;
	}
	for (int i = 0; i < k->n_links; i++)
		if (bpf_link__fd(k->links[i]) >= 0)
			fds[n++] = bpf_link__fd(k->links[i]);
	pid = fork();
	if (pid == 0) {
		char c;

		if (fork() != 0)
			_exit(0);
		setsid();
		/* what ps shows while it waits: not a second tracer */
		prctl(PR_SET_NAME, "ipctrace-detach");
		keep_only(fds, n, hold[0]);
		/* EOF once ipctrace closed its end: our references are the last */
		while (read(hold[0], &c, 1) < 0 && errno == EINTR)
			;
		close_in_parallel(fds, n);
		_exit(0);
	}
	free(fds);
	close(hold[0]);
	if (pid < 0 || waitpid(pid, NULL, 0) != pid) {
		close(hold[1]);
		return false;
	}
	*hold_fd = hold[1];
	return true;
}

static bool sync_detach_wanted(void)
{
	const char *e = getenv("IPCTRACE_SYNC_DETACH");

	return e && *e && strcmp(e, "0");
}

/*
 * IPCTRACE_VERIFIER_STATS=1: a line per program on stderr, "verifier: NAME
 * USEC INSNS", the kernel's own verification time and instructions
 * processed (log level 4, which logs nothing else).  Verification is most
 * of start-up; bench/run.sh prints the programs that cost the most.
 */
#define VSTATS_LOG 1024

static char *vstats_begin(struct bpf_object *obj)
{
	const char *e = getenv("IPCTRACE_VERIFIER_STATS");
	struct bpf_program *prog;
	size_t n = 0;
	char *bufs;

	if (!e || !*e || !strcmp(e, "0"))
		return NULL;
	bpf_object__for_each_program(prog, obj)
		n++;
	bufs = calloc(n ? n : 1, VSTATS_LOG);
	if (!bufs)
		return NULL;
	n = 0;
	bpf_object__for_each_program(prog, obj) {
		bpf_program__set_log_buf(prog, bufs + n++ * VSTATS_LOG, VSTATS_LOG);
		bpf_program__set_log_level(prog, 4);
	}
	return bufs;
}

static void vstats_end(struct bpf_object *obj, char *bufs)
{
	struct bpf_program *prog;
	const char *t, *p;
	size_t sz;

	if (!bufs)
		return;
	bpf_object__for_each_program(prog, obj) {
		const char *log = bpf_program__log_buf(prog, &sz);

		if (!bpf_program__autoload(prog) || !log)
			continue;
		t = strstr(log, "verification time ");
		p = strstr(log, "processed ");
		if (t && p)
			fprintf(stderr, "verifier: %s %ld %ld\n", bpf_program__name(prog),
				strtol(t + strlen("verification time "), NULL, 10),
				strtol(p + strlen("processed "), NULL, 10));
		bpf_program__set_log_buf(prog, NULL, 0);
	}
	free(bufs);
}

struct loader *loader_start(const struct loader_cfg *cfg, char *msg, size_t len)
{
	const struct mech_ops *ops, *owner;
	struct bpf_program *prog;
	struct loader *ld;
	char hook[256];
	char *vstats;
	int err;

	libbpf_set_print(libbpf_print);
	ld = calloc(1, sizeof(*ld));
	if (!ld) {
		snprintf(msg, len, "out of memory");
		return NULL;
	}
	ld->mech_mask = cfg->mech_mask;
	ld->hold_fd = -1;
	ld->k.skel = ipctrace_bpf__open();
	if (!ld->k.skel) {
		snprintf(msg, len, "opening the BPF object failed: %s", strerror(errno));
		goto fail;
	}
	configure(ld, cfg);

	bpf_object__for_each_program(prog, ld->k.skel->obj) {
		/* ev_*: --events' own programs (bpf/event.bpf.c) */
		if (!prog_wanted(prog, cfg->mech_mask) ||
		    (!cfg->want_events && !strncmp(bpf_program__name(prog), "ev_", 3))) {
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

	vstats = vstats_begin(ld->k.skel->obj);
	err = ipctrace_bpf__load(ld->k.skel);
	vstats_end(ld->k.skel->obj, vstats);
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
	if (ld->k.n_links && !sync_detach_wanted())
		start_keeper(&ld->k, &ld->hold_fd);
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

void loader_stop(struct loader *ld)
{
	int hold = ld ? ld->hold_fd : -1, *fds;
	int n = 0;

	if (!ld)
		return;
	if (ld->k.n_links && hold < 0) {
		/* here and now: still all at once */
		fds = calloc(ld->k.n_links, sizeof(*fds));
		for (int i = 0; fds && i < ld->k.n_links; i++)
			if ((fds[n] = dup(bpf_link__fd(ld->k.links[i]))) >= 0)
				n++;
		/* the dups are the last references: libbpf's closes below are cheap */
		for (int i = 0; i < ld->k.n_links; i++)
			bpf_link__destroy(ld->k.links[i]);
		close_in_parallel(fds, n);
		free(fds);
	} else {
		for (int i = 0; i < ld->k.n_links; i++)
			bpf_link__destroy(ld->k.links[i]);
	}
	free(ld->k.links);
	ipctrace_bpf__destroy(ld->k.skel);
	if (hold >= 0)
		close(hold);
	free(ld);
}

int loader_check_report(FILE *out)
{
	struct loader_cfg cfg = { .mech_mask = mech_every_mask(), .self_tgid = getpid() };
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

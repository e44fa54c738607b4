// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
#include <dirent.h>
#include <fcntl.h>
#include <mntent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>
#include "core/cgroup.h"
#include "core/ktab.h"

#define WALK_EVERY_NS 1000000000ull
#define WALK_MAX_DEPTH 64

struct cg_ent {
	uint64_t key[1]; /* cgroup id */
	char *path;
};

struct cgroup_cache {
	struct ktab ids;
	char *root;
	size_t max_entries;
	uint64_t last_walk_ns;
	unsigned walks;
};

struct cgroup_cache *cgroup_cache_new(const char *root, size_t max_entries)
{
	struct cgroup_cache *c = calloc(1, sizeof(*c));

	if (!c || !(c->root = strdup(root))) {
		free(c);
		return NULL;
	}
	c->max_entries = max_entries;
	ktab_init(&c->ids, sizeof(struct cg_ent), 1);
	return c;
}

static void cache_clear(struct cgroup_cache *c)
{
	for (size_t i = 0; i < c->ids.n; i++)
		free(((struct cg_ent *)ktab_at(&c->ids, i))->path);
	ktab_free(&c->ids);
}

void cgroup_cache_free(struct cgroup_cache *c)
{
	if (!c)
		return;
	cache_clear(c);
	free(c->root);
	free(c);
}

size_t cgroup_cache_size(const struct cgroup_cache *c)
{
	return c->ids.n;
}

unsigned cgroup_cache_walks(const struct cgroup_cache *c)
{
	return c->walks;
}

static void cache_put(struct cgroup_cache *c, uint64_t id, const char *rel)
{
	uint64_t key[1] = { id };
	struct cg_ent *e;
	bool created;
	long i = ktab_get(&c->ids, key, &created);
	char *dup;

	if (i < 0 || !created || !(dup = strdup(rel)))
		return; /* out of memory: a miss, asked again later */
	e = ktab_at(&c->ids, i);
	e->path = dup;
}

/*
 * The directories below dir_fd (path rel, "" for the root), depth first: an
 * entry each while there is room, and always the one sought.  Cgroups come
 * and go during the walk: what cannot be opened is skipped.
 */
static void walk(struct cgroup_cache *c, int dir_fd, char *rel, size_t rel_len, int depth,
		 uint64_t want)
{
	struct dirent *d;
	DIR *dir = fdopendir(dir_fd);

	if (!dir) {
		close(dir_fd);
		return;
	}
	while ((d = readdir(dir))) {
		struct stat st;
		size_t nlen = strlen(d->d_name);
		int fd;

		if (d->d_type != DT_DIR && d->d_type != DT_UNKNOWN)
			continue;
		if (!strcmp(d->d_name, ".") || !strcmp(d->d_name, ".."))
			continue;
		if (rel_len + 1 + nlen + 1 > CGROUP_PATH_MAX)
			continue;
		fd = openat(dirfd(dir), d->d_name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
		if (fd < 0)
			continue;
		if (fstat(fd, &st)) {
			close(fd);
			continue;
		}
		rel[rel_len] = '/';
		memcpy(rel + rel_len + 1, d->d_name, nlen + 1);
		if (c->ids.n < c->max_entries || (uint64_t)st.st_ino == want)
			cache_put(c, st.st_ino, rel);
		if (depth < WALK_MAX_DEPTH)
			walk(c, fd, rel, rel_len + 1 + nlen, depth + 1, want);
		else
			close(fd);
		rel[rel_len] = '\0';
	}
	closedir(dir);
}

bool cgroup_cache_path(struct cgroup_cache *c, uint64_t id, uint64_t now_ns, char *buf,
		       size_t len)
{
	uint64_t key[1] = { id };
	const struct cg_ent *e;
	long i = ktab_find(&c->ids, key);

	if (i < 0 && id) {
		char rel[CGROUP_PATH_MAX];
		struct stat st;
		int fd;

		if (c->walks && now_ns - c->last_walk_ns < WALK_EVERY_NS)
			return false;
		c->last_walk_ns = now_ns;
		c->walks++;
		/* a fresh walk is the whole truth: what the cache held before may be gone */
		cache_clear(c);
		fd = open(c->root, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
		if (fd < 0)
			return false;
		if (fstat(fd, &st) == 0)
			cache_put(c, st.st_ino, "/");
		rel[0] = '\0';
		walk(c, fd, rel, 0, 0, id);
		i = ktab_find(&c->ids, key);
	}
	if (i < 0)
		return false;
	e = ktab_at(&c->ids, i);
	if (strlen(e->path) >= len)
		return false;
	strcpy(buf, e->path);
	return true;
}

uint64_t cgroup_cache_id(const struct cgroup_cache *c, const char *path)
{
	char full[CGROUP_PATH_MAX + 512];
	struct stat st;

	if (path[0] != '/' ||
	    (size_t)snprintf(full, sizeof(full), "%s%s", c->root, path) >= sizeof(full) ||
	    stat(full, &st) || !S_ISDIR(st.st_mode))
		return 0;
	return st.st_ino;
}

/* ---- this system's ---- */

static struct cgroup_cache *sys_cache;
static bool sys_tried;

const char *cgroup_root(void)
{
	static char root[512];
	struct mntent *me;
	FILE *f;

	if (sys_tried)
		return root[0] ? root : NULL;
	sys_tried = true;
	if (!(f = setmntent("/proc/self/mounts", "re")))
		return NULL;
	while ((me = getmntent(f))) {
		if (!strcmp(me->mnt_type, "cgroup2") && strlen(me->mnt_dir) < sizeof(root)) {
			strcpy(root, me->mnt_dir);
			break;
		}
	}
	endmntent(f);
	if (root[0])
		sys_cache = cgroup_cache_new(root, CGROUP_CACHE_MAX);
	return root[0] ? root : NULL;
}

bool cgroup_path(uint64_t id, char *buf, size_t len)
{
	struct timespec ts;

	if (!cgroup_root() || !sys_cache)
		return false;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return cgroup_cache_path(sys_cache, id, (uint64_t)ts.tv_sec * 1000000000ull + ts.tv_nsec,
				 buf, len);
}

uint64_t cgroup_id(const char *path)
{
	if (!cgroup_root() || !sys_cache)
		return 0;
	return cgroup_cache_id(sys_cache, path);
}

bool cgroup_under(const char *path, const char *top)
{
	size_t n = strlen(top);

	while (n > 1 && top[n - 1] == '/')
		n--;
	if (n == 1 && top[0] == '/')
		return path[0] == '/';
	return strncmp(path, top, n) == 0 && (path[n] == '\0' || path[n] == '/');
}

// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include "core/procfs.h"

bool procfs_lookup(uint32_t pid, uint64_t start_ns, uint32_t *ppid, char *comm)
{
	char path[64], buf[1024], *open_paren, *close_paren, *p;
	unsigned long long starttime = 0;
	unsigned int pp = 0;
	long hz = sysconf(_SC_CLK_TCK);
	size_t n, clen;
	FILE *f;

	snprintf(path, sizeof(path), "/proc/%u/stat", pid);
	f = fopen(path, "re");
	if (!f)
		return false;
	n = fread(buf, 1, sizeof(buf) - 1, f);
	fclose(f);
	buf[n] = '\0';

	/* comm may hold spaces and parentheses: it ends at the LAST ')' */
	open_paren = strchr(buf, '(');
	close_paren = strrchr(buf, ')');
	if (!open_paren || !close_paren || close_paren < open_paren || hz <= 0)
		return false;
	/* after ") ": state(3) ppid(4) ... starttime(22) */
	p = close_paren + 2;
	if (sscanf(p, "%*c %u %*d %*d %*d %*d %*u %*u %*u %*u %*u %*u %*u %*d %*d %*d %*d %*d %*d %llu",
		   &pp, &starttime) != 2)
		return false;
	if (starttime != start_ns / (1000000000ULL / hz))
		return false;
	clen = close_paren - open_paren - 1;
	if (clen > 16)
		clen = 16;
	memcpy(comm, open_paren + 1, clen);
	comm[clen] = '\0';
	*ppid = pp;
	return true;
}

bool procfs_pid_exists(uint32_t pid)
{
	char path[64];
	struct stat st;

	snprintf(path, sizeof(path), "/proc/%u", pid);
	return stat(path, &st) == 0;
}

bool procfs_ns_pid(uint32_t pid, uint32_t *ns_pid, uint64_t *pidns)
{
	char path[64], line[256], link[64];
	unsigned long long ino;
	bool found = false;
	ssize_t n;
	FILE *f;

	snprintf(path, sizeof(path), "/proc/%u/ns/pid", pid);
	n = readlink(path, link, sizeof(link) - 1);
	if (n <= 0)
		return false;
	link[n] = '\0';
	if (sscanf(link, "pid:[%llu]", &ino) != 1)
		return false;
	snprintf(path, sizeof(path), "/proc/%u/status", pid);
	if (!(f = fopen(path, "re")))
		return false;
	/* "NSpid:\t4242\t7": the pid in each namespace from /proc's down; the last is its own */
	while (fgets(line, sizeof(line), f)) {
		char *last;

		if (strncmp(line, "NSpid:", 6))
			continue;
		line[strcspn(line, "\n")] = '\0';
		last = strrchr(line, '\t');
		found = last && sscanf(last + 1, "%u", ns_pid) == 1;
		break;
	}
	fclose(f);
	if (found)
		*pidns = ino;
	return found;
}

bool procfs_cgroup(uint32_t pid, char *buf, size_t len)
{
	char path[64], *line = NULL;
	size_t cap = 0;
	bool found = false;
	ssize_t n;
	FILE *f;

	snprintf(path, sizeof(path), "/proc/%u/cgroup", pid);
	if (!(f = fopen(path, "re")))
		return false;
	/* the v2 hierarchy is the line "0::PATH"; v1 lines have a number and controllers */
	while ((n = getline(&line, &cap, f)) > 0) {
		if (strncmp(line, "0::", 3))
			continue;
		if (line[n - 1] == '\n')
			line[--n] = '\0';
		if (line[3] == '/' && (size_t)(n - 3) < len) {
			memcpy(buf, line + 3, n - 2);
			found = true;
		}
		break;
	}
	free(line);
	fclose(f);
	return found;
}

uint64_t procfs_self_pidns(void)
{
	struct stat st;

	return stat("/proc/self/ns/pid", &st) ? 0 : st.st_ino;
}

bool procfs_exe(uint32_t pid, uint64_t start_ns, char *buf, size_t len)
{
	char path[64], comm[17];
	uint32_t ppid;
	ssize_t n;

	if (!len)
		return false;
	snprintf(path, sizeof(path), "/proc/%u/exe", pid);
	n = readlink(path, buf, len);
	if (n <= 0 || (size_t)n >= len)
		return false;
	buf[n] = '\0';
	/* still the same process after the read: then it was its exe */
	return procfs_lookup(pid, start_ns, &ppid, comm);
}

bool procfs_maps_line(const char *line, struct procfs_map *m)
{
	unsigned long long start, end, off, ino;
	unsigned int major, minor;
	char perms[5];
	const char *p;
	size_t len;
	int pos = 0;

	if (sscanf(line, "%llx-%llx %4s %llx %x:%x %llu%n", &start, &end, perms, &off, &major,
		   &minor, &ino, &pos) != 7 || strlen(perms) != 4 || end < start)
		return false;
	m->start = start;
	m->end = end;
	m->offset = off;
	/* fs/proc/task_mmu.c prints MAJOR(dev), MINOR(dev) of the kernel's dev_t */
	m->dev = (uint64_t)major << 20 | minor;
	m->ino = ino;
	m->read = perms[0] == 'r';
	m->write = perms[1] == 'w';
	m->exec = perms[2] == 'x';
	m->shared = perms[3] == 's';
	for (p = line + pos; *p == ' ' || *p == '\t'; p++)
		;
	len = strcspn(p, "\n");
	if (len >= sizeof(m->path))
		len = sizeof(m->path) - 1;
	memcpy(m->path, p, len);
	m->path[len] = '\0';
	m->deleted = len >= 10 && !strcmp(m->path + len - 10, " (deleted)");
	if (m->deleted)
		m->path[len - 10] = '\0';
	return true;
}

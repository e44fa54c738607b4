// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * libbpf 1.1 cannot attach a uprobe by function name when the C library has
 * versioned duplicates of it (glibc: sem_post@GLIBC_2.2.5 and
 * sem_post@@GLIBC_2.34), so the symbols are resolved here with libelf:
 * every address a name has, converted to a file offset through the
 * program header that loads it.
 */
#include <errno.h>
#include <fcntl.h>
#include <gelf.h>
#include <libelf.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <bpf/bpf.h>
#include "loader.h"
#include "loader_sync.h"

#define MAX_OFFS 4 /* distinct addresses kept per name */

struct uprobe_set {
	char path[512];
	struct bpf_link **links;
	int n, cap;
};

/* Which program goes on which functions; ret: a uretprobe. */
static const struct {
	const char *prog;
	bool ret;
	const char *funcs[4];
} probes[] = {
	{ "sem_post_enter", false, { "sem_post" } },
	{ "sem_post_ret", true, { "sem_post" } },
	{ "sem_wait_enter", false, { "sem_wait", "sem_timedwait", "sem_clockwait", "sem_trywait" } },
	{ "sem_wait_ret", true, { "sem_wait", "sem_timedwait", "sem_clockwait", "sem_trywait" } },
	{ "sem_open_enter", false, { "sem_open" } },
	{ "sem_open_ret", true, { "sem_open" } },
};

static bool has_find_vma(void)
{
	static int known = -1;

	if (known < 0)
		known = libbpf_probe_bpf_helper(BPF_PROG_TYPE_TRACEPOINT, BPF_FUNC_find_vma,
						NULL) == 1 &&
			libbpf_probe_bpf_helper(BPF_PROG_TYPE_TRACEPOINT,
						BPF_FUNC_get_current_task_btf, NULL) == 1;
	return known;
}

bool sync_prog_loadable(const struct bpf_program *prog, char *why, size_t len)
{
	/* shm_fork/exec/exit do not call it, but alone they serve nothing */
	if ((strncmp(bpf_program__name(prog), "shm_", 4) && !uprobe_sem_prog(prog)) ||
	    has_find_vma())
		return true;
	snprintf(why, len, "this kernel has no bpf_find_vma() for tracing programs");
	return false;
}

bool uprobe_sem_prog(const struct bpf_program *prog)
{
	const char *sec = bpf_program__section_name(prog);

	return !strncmp(sec, "uprobe", 6) || !strncmp(sec, "uretprobe", 9);
}

/* The C library mapped into this process: the one the traced programs use too. */
static int find_libc(char *path, size_t len)
{
	FILE *f = fopen("/proc/self/maps", "r");
	char line[1024];
	int err = -ENOENT;

	if (!f)
		return -errno;
	while (fgets(line, sizeof(line), f)) {
		char *p = strchr(line, '/'), *base;

		if (!p)
			continue;
		p[strcspn(p, "\n")] = '\0';
		base = strrchr(p, '/') + 1;
		if (!strncmp(base, "libc.so", 7) || !strncmp(base, "libc-", 5)) {
			snprintf(path, len, "%s", p);
			err = 0;
			break;
		}
	}
	fclose(f);
	return err;
}

/* File offsets of the function `name` (up to MAX_OFFS distinct ones). */
static int elf_func_offsets(Elf *elf, const char *name, size_t *offs)
{
	size_t nphdr, n = 0;
	Elf_Scn *scn = NULL;
	GElf_Shdr sh;

	if (elf_getphdrnum(elf, &nphdr))
		return 0;
	while ((scn = elf_nextscn(elf, scn))) {
		Elf_Data *data;

		if (!gelf_getshdr(scn, &sh) || (sh.sh_type != SHT_DYNSYM && sh.sh_type != SHT_SYMTAB))
			continue;
		data = elf_getdata(scn, NULL);
		for (size_t i = 0; data && sh.sh_entsize && i < sh.sh_size / sh.sh_entsize; i++) {
			const char *sname;
			GElf_Sym sym;
			size_t off = 0, k;

			if (!gelf_getsym(data, i, &sym) || GELF_ST_TYPE(sym.st_info) != STT_FUNC ||
			    sym.st_shndx == SHN_UNDEF || !sym.st_value)
				continue;
			sname = elf_strptr(elf, sh.sh_link, sym.st_name);
			if (!sname || strcmp(sname, name))
				continue;
			for (size_t p = 0; p < nphdr; p++) {
				GElf_Phdr ph;

				if (!gelf_getphdr(elf, p, &ph) || ph.p_type != PT_LOAD ||
				    !(ph.p_flags & PF_X) || sym.st_value < ph.p_vaddr ||
				    sym.st_value >= ph.p_vaddr + ph.p_memsz)
					continue;
				off = sym.st_value - ph.p_vaddr + ph.p_offset;
				break;
			}
			for (k = 0; k < n && offs[k] != off; k++)
				;
			if (off && k == n && n < MAX_OFFS)
				offs[n++] = off;
		}
	}
	return n;
}

static int set_add(struct uprobe_set *set, struct bpf_link *link)
{
	if (set->n == set->cap) {
		int cap = set->cap ? 2 * set->cap : 16;
		struct bpf_link **l = realloc(set->links, cap * sizeof(*l));

		if (!l)
			return -ENOMEM;
		set->links = l;
		set->cap = cap;
	}
	set->links[set->n++] = link;
	return 0;
}

struct uprobe_set *uprobe_sem_attach(struct bpf_object *obj, char *msg, size_t len)
{
	struct uprobe_set *set = calloc(1, sizeof(*set));
	Elf *elf = NULL;
	int fd = -1, err;

	if (!set) {
		snprintf(msg, len, "out of memory");
		return NULL;
	}
	if ((err = find_libc(set->path, sizeof(set->path)))) {
		snprintf(msg, len, "cannot find the C library in /proc/self/maps: %s", strerror(-err));
		goto fail;
	}
	if (elf_version(EV_CURRENT) == EV_NONE || (fd = open(set->path, O_RDONLY | O_CLOEXEC)) < 0 ||
	    !(elf = elf_begin(fd, ELF_C_READ, NULL))) {
		snprintf(msg, len, "cannot read %s: %s", set->path,
			 fd < 0 ? strerror(errno) : elf_errmsg(-1));
		goto fail;
	}
	for (size_t i = 0; i < sizeof(probes) / sizeof(*probes); i++) {
		struct bpf_program *prog = bpf_object__find_program_by_name(obj, probes[i].prog);

		if (!prog || !bpf_program__autoload(prog))
			continue;
		for (int f = 0; f < 4 && probes[i].funcs[f]; f++) {
			size_t offs[MAX_OFFS];
			int n = elf_func_offsets(elf, probes[i].funcs[f], offs);

			/* sem_clockwait is glibc 2.30+: an older libc simply lacks it */
			if (!n && strcmp(probes[i].funcs[f], "sem_clockwait")) {
				snprintf(msg, len, "%s has no function %s", set->path,
					 probes[i].funcs[f]);
				goto fail;
			}
			for (int k = 0; k < n; k++) {
				struct bpf_link *link = bpf_program__attach_uprobe(
					prog, probes[i].ret, -1, set->path, offs[k]);

				if (!link) {
					err = -errno;
					snprintf(msg, len, "uprobe on %s:%s failed: %s", set->path,
						 probes[i].funcs[f], strerror(-err));
					goto fail;
				}
				if (set_add(set, link)) {
					bpf_link__destroy(link);
					snprintf(msg, len, "out of memory");
					goto fail;
				}
			}
		}
	}
	elf_end(elf);
	close(fd);
	return set;
fail:
	if (elf)
		elf_end(elf);
	if (fd >= 0)
		close(fd);
	uprobe_set_free(set);
	return NULL;
}

int uprobe_set_count(const struct uprobe_set *set)
{
	return set ? set->n : 0;
}

const char *uprobe_set_path(const struct uprobe_set *set)
{
	return set ? set->path : "";
}

void uprobe_set_free(struct uprobe_set *set)
{
	if (!set)
		return;
	loader_detach_links(set->links, set->n);
	free(set->links);
	free(set);
}

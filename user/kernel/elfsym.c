// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
#include <errno.h>
#include <fcntl.h>
#include <gelf.h>
#include <libelf.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "kernel/elfsym.h"

struct elfsym {
	int fd;
	Elf *elf;
};

int elfsym_libc_path(char *path, size_t len)
{
	FILE *f = fopen("/proc/self/maps", "re");
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

struct elfsym *elfsym_open(const char *path, char *msg, size_t len)
{
	struct elfsym *e = calloc(1, sizeof(*e));

	if (!e) {
		snprintf(msg, len, "out of memory");
		return NULL;
	}
	e->fd = -1;
	if (elf_version(EV_CURRENT) == EV_NONE || (e->fd = open(path, O_RDONLY | O_CLOEXEC)) < 0 ||
	    !(e->elf = elf_begin(e->fd, ELF_C_READ, NULL))) {
		snprintf(msg, len, "cannot read %s: %s", path,
			 e->fd < 0 ? strerror(errno) : elf_errmsg(-1));
		elfsym_close(e);
		return NULL;
	}
	return e;
}

void elfsym_close(struct elfsym *e)
{
	if (!e)
		return;
	if (e->elf)
		elf_end(e->elf);
	if (e->fd >= 0)
		close(e->fd);
	free(e);
}

/* The file offset of a symbol's address: through the executable PT_LOAD holding it. */
static size_t file_offset(Elf *elf, size_t nphdr, uint64_t addr)
{
	for (size_t p = 0; p < nphdr; p++) {
		GElf_Phdr ph;

		if (!gelf_getphdr(elf, p, &ph) || ph.p_type != PT_LOAD || !(ph.p_flags & PF_X) ||
		    addr < ph.p_vaddr || addr >= ph.p_vaddr + ph.p_memsz)
			continue;
		return addr - ph.p_vaddr + ph.p_offset;
	}
	return 0;
}

int elfsym_func_offsets(struct elfsym *e, const char *name, size_t *offs, int max)
{
	size_t nphdr;
	Elf_Scn *scn = NULL;
	GElf_Shdr sh;
	int n = 0;

	if (elf_getphdrnum(e->elf, &nphdr))
		return 0;
	while ((scn = elf_nextscn(e->elf, scn))) {
		Elf_Data *data;

		if (!gelf_getshdr(scn, &sh) || (sh.sh_type != SHT_DYNSYM && sh.sh_type != SHT_SYMTAB))
			continue;
		data = elf_getdata(scn, NULL);
		for (size_t i = 0; data && sh.sh_entsize && i < sh.sh_size / sh.sh_entsize; i++) {
			const char *sname;
			GElf_Sym sym;
			size_t off;
			int k;

			if (!gelf_getsym(data, i, &sym) || GELF_ST_TYPE(sym.st_info) != STT_FUNC ||
			    sym.st_shndx == SHN_UNDEF || !sym.st_value)
				continue;
			sname = elf_strptr(e->elf, sh.sh_link, sym.st_name);
			if (!sname || strcmp(sname, name))
				continue;
			off = file_offset(e->elf, nphdr, sym.st_value);
			for (k = 0; k < n && offs[k] != off; k++)
				;
			if (off && k == n && n < max)
				offs[n++] = off;
		}
	}
	return n;
}

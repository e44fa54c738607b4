# SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
# ipctrace build.  `make` builds ./ipctrace; `make V=1` shows the commands.
# `sudo make demo` / `sudo make test` first install missing Debian packages.

OUTPUT ?= .output
CLANG ?= clang
BPFTOOL ?= bpftool
CC ?= cc
ARCH := $(shell uname -m | sed -e 's/x86_64/x86/' -e 's/aarch64/arm64/')
VMLINUX_DIR := vmlinux/$(ARCH)
ifeq ($(wildcard $(VMLINUX_DIR)/vmlinux.h),)
$(error no vmlinux.h for architecture '$(ARCH)': generate $(VMLINUX_DIR)/vmlinux.h, see vmlinux/README.md)
endif

# Build dependencies, checked before anything is built, so that a missing
# one is one line saying what to install rather than a compiler error.
# Goals that build nothing skip it, and so do test and demo: they install
# what is missing first, then build in a sub-make, which checks.  Debian
# puts bpftool in /usr/sbin, off a user's PATH: it is looked for there too.
DEPCHECK_SKIP := clean deps test demo uninstall layers
ifneq ($(filter-out $(DEPCHECK_SKIP),$(or $(MAKECMDGOALS),all)),)
ifeq ($(origin BPFTOOL)$(shell command -v $(BPFTOOL)),file)
BPFTOOL := $(firstword $(wildcard /usr/sbin/bpftool /sbin/bpftool) bpftool)
endif
# header:package; graphviz only once -f svg (output/render_svg.c) is built
DEPCHECK_HEADERS := bpf/bpf_helpers.h:libbpf-dev gelf.h:libelf-dev zlib.h:zlib1g-dev \
	microhttpd.h:libmicrohttpd-dev \
	$(if $(wildcard user/output/render_svg.c),graphviz/gvc.h:libgraphviz-dev)
# One word per missing dependency, '@' for a space.  The headers are looked
# up by one preprocessor run (__has_include), which says nothing if it fails.
DEPCHECK_MISSING := $(shell \
	command -v $(firstword $(CC)) >/dev/null 2>&1 || echo 'gcc@($(firstword $(CC)))'; \
	command -v $(firstword $(CLANG)) >/dev/null 2>&1 || echo 'clang'; \
	command -v $(firstword $(BPFTOOL)) >/dev/null 2>&1 || echo 'bpftool'; \
	printf '\043if !__has_include(<%s>)\nipctrace_missing %s\n\043endif\n' \
		$(foreach h,$(DEPCHECK_HEADERS),'$(word 1,$(subst :, ,$(h)))' \
			'$(word 2,$(subst :, ,$(h)))@($(word 1,$(subst :, ,$(h))))') | \
		$(CC) $(CPPFLAGS) -E -P -x c - 2>/dev/null | sed -n 's/^ipctrace_missing //p')
ifneq ($(DEPCHECK_MISSING),)
depcheck_comma := ,
depcheck_empty :=
depcheck_space := $(depcheck_empty) $(depcheck_empty)
depcheck_many := $(word 2,$(DEPCHECK_MISSING))
$(error ipctrace: missing build dependenc$(if $(depcheck_many),ies,y): $(subst @, ,$(subst $(depcheck_space),$(depcheck_comma) ,$(strip $(DEPCHECK_MISSING)))); install $(if $(depcheck_many),them,it) with: sudo scripts/install-deps.sh)
endif
endif

ifeq ($(V),1)
Q =
msg =
else
Q = @
msg = @printf '  %-8s %s\n' "$(1)" "$(2)";
endif

CFLAGS ?= -O2 -g
CFLAGS += -Wall -Wextra -Wno-unused-parameter -std=gnu11 -D_GNU_SOURCE
DEPFLAGS := -MMD -MP
CPPFLAGS += -I$(OUTPUT) -Ibpf -Iuser
BPF_CFLAGS := -g -O2 -target bpf -D__TARGET_ARCH_$(ARCH) -I$(VMLINUX_DIR) -Ibpf -Wall -MMD -MP
# Graphviz's libraries (libgraphviz-dev) draw -f svg: output/render_svg.c.
GVC_CFLAGS := $(shell pkg-config --cflags libgvc 2>/dev/null || echo -I/usr/include/graphviz)
GVC_LIBS := $(shell pkg-config --libs libgvc 2>/dev/null || echo -lgvc -lcgraph -lcdt)
# libmicrohttpd (libmicrohttpd-dev) serves --prometheus: core/promsrv.c.
MHD_LIBS := $(shell pkg-config --libs libmicrohttpd 2>/dev/null || echo -lmicrohttpd)
LIBS := -lbpf -lelf -lz -lpthread $(GVC_LIBS) $(MHD_LIBS)
# ipctrace_build_info's version label: git describe at build time.
IPCTRACE_VERSION := $(shell git describe --always --dirty 2>/dev/null || echo unknown)
$(OUTPUT)/user/core/main.o: CPPFLAGS += -DIPCTRACE_VERSION='"$(IPCTRACE_VERSION)"'
$(OUTPUT)/user/output/render_svg.o: CPPFLAGS += $(GVC_CFLAGS)

BPF_SRCS := $(wildcard bpf/*.bpf.c)
BPF_OBJS := $(patsubst bpf/%.bpf.c,$(OUTPUT)/bpf/%.bpf.o,$(BPF_SRCS))
SKEL := $(OUTPUT)/ipctrace.skel.h

# Userspace, by layer: core/ (lifecycle, options, collector, model), kernel/
# (the BPF object: loader, maps, uprobes), mech/ (one module per mechanism
# and the table of them), output/ (renderers).  The unit tests link
# everything but main.c.
USER_SRCS := $(wildcard user/*/*.c)
USER_OBJS := $(patsubst user/%.c,$(OUTPUT)/user/%.o,$(USER_SRCS))
LIB_OBJS := $(filter-out $(OUTPUT)/user/core/main.o,$(USER_OBJS))
USER_DIRS := $(sort $(dir $(USER_OBJS)))

EXAMPLE_SRCS := $(wildcard examples/*.c)
EXAMPLES := $(patsubst examples/%.c,examples/bin/%,$(EXAMPLE_SRCS))

UNIT_SRCS := $(wildcard tests/unit/*.c)
UNIT_OBJS := $(patsubst tests/unit/%.c,$(OUTPUT)/tests/unit/%.o,$(UNIT_SRCS))
INTEG_SRCS := $(wildcard tests/integration/*.c)
INTEG_OBJS := $(patsubst tests/integration/%.c,$(OUTPUT)/tests/integration/%.o,$(INTEG_SRCS))

.DELETE_ON_ERROR:
.PHONY: all examples check layers unit integration test demo deps bench soak clean

all: ipctrace examples

$(OUTPUT)/bpf/%.bpf.o: bpf/%.bpf.c | $(OUTPUT)/bpf
	$(call msg,BPF,$@)
	$(Q)$(CLANG) $(BPF_CFLAGS) -c $< -o $@

# Several BPF files, one object, one skeleton.
$(OUTPUT)/ipctrace.bpf.o: $(BPF_OBJS)
	$(call msg,LINK,$@)
	$(Q)$(BPFTOOL) gen object $@ $^

$(SKEL): $(OUTPUT)/ipctrace.bpf.o
	$(call msg,SKEL,$@)
	$(Q)$(BPFTOOL) gen skeleton $< name ipctrace_bpf > $@

# Only the loader includes the skeleton; everything includes ipctrace.h.
$(OUTPUT)/user/kernel/loader.o: $(SKEL)

$(OUTPUT)/user/%.o: user/%.c | $(USER_DIRS)
	$(call msg,CC,$@)
	$(Q)$(CC) $(CFLAGS) $(DEPFLAGS) $(CPPFLAGS) -c $< -o $@

ipctrace: $(USER_OBJS)
	$(call msg,LINK,$@)
	$(Q)$(CC) $(CFLAGS) $^ $(LIBS) -o $@

examples: $(EXAMPLES)

examples/bin/%: examples/%.c $(wildcard examples/*.h) | examples/bin
	$(call msg,CC,$@)
	$(Q)$(CC) $(CFLAGS) -Iexamples $< -o $@ -lrt -lpthread

$(OUTPUT)/tests/unit/%.o: tests/unit/%.c | $(OUTPUT)/tests/unit
	$(call msg,CC,$@)
	$(Q)$(CC) $(CFLAGS) $(DEPFLAGS) $(CPPFLAGS) -Itests -c $< -o $@

$(OUTPUT)/tests/integration/%.o: tests/integration/%.c | $(OUTPUT)/tests/integration
	$(call msg,CC,$@)
	$(Q)$(CC) $(CFLAGS) $(DEPFLAGS) $(CPPFLAGS) -Itests -c $< -o $@

$(OUTPUT)/unit_tests: $(UNIT_OBJS) $(LIB_OBJS)
	$(call msg,LINK,$@)
	$(Q)$(CC) $(CFLAGS) $^ -lcriterion -ljson-c $(LIBS) -o $@

$(OUTPUT)/integration_tests: $(INTEG_OBJS)
	$(call msg,LINK,$@)
	$(Q)$(CC) $(CFLAGS) $^ -lcriterion -ljson-c -o $@

$(OUTPUT)/bpf $(USER_DIRS) $(OUTPUT)/tests/unit $(OUTPUT)/tests/integration examples/bin:
	$(Q)mkdir -p $@

# Unit tests need no privileges; integration tests need root and BPF and
# refuse to be skipped when IPCTRACE_REQUIRE_BPF=1 (CI sets it).
unit: $(OUTPUT)/unit_tests
	$(OUTPUT)/unit_tests --jobs 2

integration: ipctrace examples $(OUTPUT)/integration_tests
	$(OUTPUT)/integration_tests --jobs 1

# core/, kernel/ and output/ name no mechanism; no include cycles.
layers:
	$(Q)./scripts/check-layers.sh

check: layers unit integration

# The two README commands: they install what is missing, then build and run.
deps:
	$(Q)./scripts/install-deps.sh

test: deps
	$(Q)$(MAKE) --no-print-directory check
	$(Q)$(MAKE) --no-print-directory install-test

demo: deps
	$(Q)$(MAKE) --no-print-directory all
	$(Q)IPCTRACE_DEMO_SVG=$(OUTPUT)/pipeline.svg ./scripts/demo.sh

bench: all
	$(Q)BASE="$(BASE)" ./bench/run.sh

# Minutes of process churn under `ipctrace -i 1`: memory, report size, losses.
soak: all
	$(Q)./bench/soak.sh

clean:
	$(call msg,CLEAN)
	$(Q)rm -rf $(OUTPUT) ipctrace examples/bin

# `make install` (PREFIX=/usr/local; DESTDIR=/staging/dir for packages):
# the binary, the man page (uncompressed: man reads it as is, packagers
# compress it), the bash completion.  `make uninstall`, with the same
# PREFIX and DESTDIR, removes exactly these three files.
PREFIX ?= /usr/local
SBINDIR = $(PREFIX)/sbin
MANDIR = $(PREFIX)/share/man
BASHCOMPDIR = $(PREFIX)/share/bash-completion/completions
INSTALL ?= install
.PHONY: install uninstall install-test

install: ipctrace
	$(call msg,INSTALL,$(DESTDIR)$(PREFIX))
	$(Q)$(INSTALL) -d '$(DESTDIR)$(SBINDIR)' '$(DESTDIR)$(MANDIR)/man8' '$(DESTDIR)$(BASHCOMPDIR)'
	$(Q)$(INSTALL) -m 0755 ipctrace '$(DESTDIR)$(SBINDIR)/ipctrace'
	$(Q)$(INSTALL) -m 0644 docs/ipctrace.8 '$(DESTDIR)$(MANDIR)/man8/ipctrace.8'
	$(Q)$(INSTALL) -m 0644 completion/ipctrace '$(DESTDIR)$(BASHCOMPDIR)/ipctrace'

uninstall:
	$(call msg,REMOVE,$(DESTDIR)$(PREFIX))
	$(Q)rm -f '$(DESTDIR)$(SBINDIR)/ipctrace' '$(DESTDIR)$(MANDIR)/man8/ipctrace.8' \
		'$(DESTDIR)$(BASHCOMPDIR)/ipctrace'

# Installs into a temporary DESTDIR and uninstalls again; no root needed.
install-test: ipctrace
	$(Q)MAKE='$(MAKE)' ./tests/install/run.sh

-include $(wildcard $(OUTPUT)/bpf/*.d $(OUTPUT)/user/*/*.d $(OUTPUT)/tests/*/*.d)

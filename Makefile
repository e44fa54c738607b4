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
LIBS := -lbpf -lelf -lz -lpthread

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

demo: deps
	$(Q)$(MAKE) --no-print-directory all
	$(Q)./scripts/demo.sh

bench: all
	$(Q)./bench/run.sh

# Minutes of process churn under `ipctrace -i 1`: memory, report size, losses.
soak: all
	$(Q)./bench/soak.sh

clean:
	$(call msg,CLEAN)
	$(Q)rm -rf $(OUTPUT) ipctrace examples/bin

-include $(wildcard $(OUTPUT)/bpf/*.d $(OUTPUT)/user/*/*.d $(OUTPUT)/tests/*/*.d)

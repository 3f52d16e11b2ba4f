# SPDX-License-Identifier: GPL-2.0
#
# iscsi_portal: module, UAPI, libiscsiportal, portalctl, selftests.
# `make help` lists the targets.

# The kernel to build against: the running kernel's build tree where one
# exists, else the newest installed Debian cloud headers.
KDIR ?= $(shell \
	if [ -d /lib/modules/$$(uname -r)/build ]; then \
		echo /lib/modules/$$(uname -r)/build; \
	else \
		ls -d /usr/src/linux-headers-*-cloud-amd64 2>/dev/null | sort -V | tail -n 1; \
	fi)
# The kernel the VM boots (tools/testing/qemu/kernels.sh knows the names).
KERNEL ?= 6.1
# The kernels of check-all, and the fuzzer's time budget in check-debug.
KERNELS ?= 6.1 6.12 6.12-rt
FUZZ_SECONDS ?= 90

PREFIX ?= /usr/local
DESTDIR ?=
export PREFIX DESTDIR

TOP := $(CURDIR)
QEMU := tools/testing/qemu/run.sh

# The one version of module, library and tools; the module's Kbuild, the
# library's and portalctl's Makefiles and debian/rules read the same file.
VERSION := $(shell cat $(TOP)/VERSION)

# DKMS: the module's sources under /usr/src/iscsi-portal-VERSION, and the
# kernels dkms-install builds for (default: the running one, when its
# headers are installed).
DKMS_NAME := iscsi-portal
DKMS_SRC = $(DESTDIR)/usr/src/$(DKMS_NAME)-$(VERSION)
DKMS_FILES := Kbuild VERSION drivers/iscsi_portal/Kbuild \
	$(sort $(filter-out %.mod.c,$(wildcard $(TOP)/drivers/iscsi_portal/*.[ch]))) \
	include/linux/iscsi_portal.h include/uapi/linux/iscsi_portal.h
DKMS_KERNELS ?= $(shell k=$$(uname -r); [ -d /lib/modules/$$k/build ] && echo $$k)
# make deb: the packages, built from a copy of the tracked files (what a
# fresh clone has) in build/deb, never in this tree.
DEB_DIR := build/deb

.PHONY: all help module lib portalctl iscsi-portald selftests fuzz ksrc deps \
	unit check demo check-all check-debug lint lint-checks install \
	modules_install clean bench dkms-src dkms-install dkms-uninstall deb \
	version

all: module lib portalctl iscsi-portald selftests fuzz

help:
	@echo 'Targets:'
	@echo '  all (default)    module, library, portalctl and selftests'
	@echo '  module           drivers/iscsi_portal/iscsi_portal.ko against KDIR=$(KDIR)'
	@echo '  lib              tools/lib: libiscsiportal.so, .a and .pc'
	@echo '  portalctl        tools/portalctl/portalctl'
	@echo '  iscsi-portald    tools/iscsi-portald/iscsi-portald, the LIO bridge'
	@echo '  selftests        selftests/iscsi_portal (kselftest harness from linux-source-6.12)'
	@echo '  fuzz             tools/testing/fuzz: ioctl fuzzer and allocation-fault test'
	@echo '  deps             install what is missing from Debian packages'
	@echo '  unit             host unit tests: library, portalctl, iscsi-portald'
	@echo '  check            deps + unit tests + the selftest suite in a QEMU VM (KERNEL=$(KERNEL))'
	@echo '  check-all        unit tests once + the suite on each of KERNELS=$(KERNELS)'
	@echo '  check-debug      build (once, cached) a lockdep/KASAN/UBSAN/kmemleak/fault-injection'
	@echo '                   kernel from linux-source-6.12; run the suite, kmemleak, fault_inject'
	@echo '                   and ioctl_fuzz (FUZZ_SECONDS=$(FUZZ_SECONDS)) on it'
	@echo '  demo             boot the VM: a scripted portalctl session, then LIO with iscsi-portald and an initiator'
	@echo '  bench            section 9 benchmark in the VM (KERNEL=$(KERNEL)); writes bench-results.json;'
	@echo '                   PERF=1 also profiles the GET and SET loops with perf inside the VM'
	@echo '  lint             checkpatch --strict, sparse (C=2), W=1 and the kernel'\''s Coccinelle'
	@echo '                   scripts (coccicheck) on the module, cppcheck on the userspace code'
	@echo '  install          library, headers, portalctl and man page under PREFIX=$(PREFIX)'
	@echo '  modules_install  install the module into the KDIR kernel'\''s module tree'
	@echo '  dkms-install     the module'\''s sources to /usr/src/$(DKMS_NAME)-$(VERSION), dkms add,'
	@echo '                   dkms install for DKMS_KERNELS=$(DKMS_KERNELS)'
	@echo '  dkms-uninstall   dkms remove --all, and the sources'
	@echo '  dkms-src         only the sources, under DESTDIR (debian/rules uses it)'
	@echo '  deb              dpkg-buildpackage -us -uc -b of the tracked files, then'
	@echo '                   lintian: the .debs in $(DEB_DIR)/'
	@echo '  version          print the version ($(VERSION))'
	@echo '  clean            remove build products'
	@echo 'Variables: KDIR (kernel build tree), KERNEL (VM kernel: 6.1, 6.12, 6.12-rt, debug),'
	@echo '  KERNELS, FUZZ_SECONDS, PERF, PREFIX, DESTDIR, DKMS_KERNELS'

module:
	@test -n "$(KDIR)" || { echo 'no kernel headers: run make deps or set KDIR=' >&2; exit 1; }
	$(MAKE) -C $(KDIR) M=$(TOP) modules

lib:
	$(MAKE) -C tools/lib

portalctl: lib
	$(MAKE) -C tools/portalctl

iscsi-portald: lib
	$(MAKE) -C tools/iscsi-portald

ksrc:
	tools/testing/get-ksrc.sh

selftests: ksrc
	$(MAKE) -C selftests/iscsi_portal

fuzz: ksrc
	$(MAKE) -C tools/testing/fuzz

deps:
	tools/testing/install-deps.sh $(KERNEL)

# The host tests: the library's and portalctl's, then the daemon's; one
# log with one summed "N passed, N failed" line for the VM verdict.
UNIT_LOG := build/unit.log
unit: ksrc lib
	$(MAKE) -C tools/lib test
	$(MAKE) -C tools/iscsi-portald test
	mkdir -p build
	cat tools/lib/unit.log tools/iscsi-portald/unit.log >$(UNIT_LOG)
	for log in tools/lib/unit.log tools/iscsi-portald/unit.log; do \
		grep -E '^[0-9]+ passed, [0-9]+ failed' $$log | tail -n 1; \
	done | awk '{ p += $$1; f += $$3; s += $$5 } \
		END { printf "%d passed, %d failed", p, f; \
		      if (s) printf ", %d skipped", s; print "" }' | tee -a $(UNIT_LOG)

# The VM suite needs the module built against the VM kernel's headers.
check: deps
	$(MAKE) unit
	kdir=$$(tools/testing/qemu/kernels.sh kdir $(KERNEL)) && $(MAKE) all KDIR=$$kdir
	$(QEMU) --kernel $(KERNEL) --mode suite --unit-log $(UNIT_LOG)

# Each kernel in a VM of its own, a failure does not stop the others; the
# last line sums them all (build/vm/KERNEL/suite.log has each run).
check-all:
	tools/testing/install-deps.sh
	$(MAKE) unit
	tools/testing/check-kernels.sh --unit-log $(UNIT_LOG) $(KERNELS)

# The debug kernel is cached outside the tree (tools/testing/qemu/debug-kernel.sh).
check-debug:
	tools/testing/install-deps.sh debug
	$(MAKE) ksrc
	tools/testing/check-kernels.sh --fuzz $(FUZZ_SECONDS) debug

demo: deps
	kdir=$$(tools/testing/qemu/kernels.sh kdir $(KERNEL)) && $(MAKE) all KDIR=$$kdir
	$(QEMU) --kernel $(KERNEL) --mode demo

# A benchmark, not a test: ratios from one VM run, figures in bench-results.json.
bench: deps
	kdir=$$(tools/testing/qemu/kernels.sh kdir $(KERNEL)) && $(MAKE) all KDIR=$$kdir
	$(MAKE) -C tools/testing/bench
	$(QEMU) --kernel $(KERNEL) --mode bench $(if $(PERF),--perf)

# Every step must be clean: checkpatch, sparse (C=2), W=1 and the kernel's
# Coccinelle scripts in report mode (coccicheck) on the module, cppcheck on
# the userspace code.  The checks run in a sub-make so that KDIR is looked up
# after install-deps.sh has installed the headers.  Debian's headers have no
# scripts/coccicheck: kbuild's coccicheck target runs $(BASH) in its place,
# here tools/testing/coccicheck.sh, with the scripts of build/ksrc.
lint:
	tools/testing/install-deps.sh
	$(MAKE) ksrc
	$(MAKE) lint-checks

# checkpatch's LINUX_VERSION_CODE warning is for code merged into one kernel;
# an out-of-tree module keys its compat on it (include/linux/iscsi_portal.h,
# the one place that does).
lint-checks:
	perl build/ksrc/scripts/checkpatch.pl --strict --no-tree --terse -q \
		--ignore LINUX_VERSION_CODE \
		-f $$(git ls-files "drivers/*.[ch]" "include/*.h" Kbuild "drivers/*Kbuild")
	@test -n "$(KDIR)" || { echo 'no kernel headers: run make deps or set KDIR=' >&2; exit 1; }
	mkdir -p build
	$(MAKE) -C $(KDIR) M=$(TOP) W=1 C=2 modules >build/lint.log 2>&1; \
		rc=$$?; cat build/lint.log; exit $$rc
	@! grep -E 'warning:|error:' build/lint.log
	$(MAKE) -C $(KDIR) M=$(TOP) coccicheck MODE=report \
		BASH=$(TOP)/tools/testing/coccicheck.sh
	tools/testing/cppcheck.sh

install: lib portalctl iscsi-portald
	$(MAKE) -C tools/lib install
	$(MAKE) -C tools/portalctl install
	$(MAKE) -C tools/iscsi-portald install
	install -D -m 0644 include/uapi/linux/iscsi_portal.h \
		$(DESTDIR)$(PREFIX)/include/linux/iscsi_portal.h

modules_install: module
	$(MAKE) -C $(KDIR) M=$(TOP) modules_install

version:
	@echo $(VERSION)

# dkms.conf's PACKAGE_VERSION becomes VERSION's (as dh_dkms -V does).
dkms-src:
	rm -rf $(DKMS_SRC)
	for f in $(patsubst $(TOP)/%,%,$(DKMS_FILES)); do \
		install -D -m 0644 "$$f" "$(DKMS_SRC)/$$f" || exit 1; \
	done
	sed 's/#MODULE_VERSION#/$(VERSION)/' dkms.conf > $(DKMS_SRC)/dkms.conf
	chmod 0644 $(DKMS_SRC)/dkms.conf

dkms-install:
	@test -z "$(DESTDIR)" || { echo 'dkms-install works on this system: use dkms-src with DESTDIR' >&2; exit 1; }
	@command -v dkms >/dev/null || { echo 'dkms not found: apt install dkms' >&2; exit 1; }
	$(MAKE) dkms-src
	dkms status -m $(DKMS_NAME) -v $(VERSION) | grep -q . || \
		dkms add -m $(DKMS_NAME) -v $(VERSION)
	@for k in $(DKMS_KERNELS); do \
		echo "dkms install -m $(DKMS_NAME) -v $(VERSION) -k $$k"; \
		dkms install -m $(DKMS_NAME) -v $(VERSION) -k $$k || exit 1; \
	done
	@[ -n "$(DKMS_KERNELS)" ] || echo 'no kernel headers for $(shell uname -r): next, dkms install -m $(DKMS_NAME) -v $(VERSION) -k KERNEL'

dkms-uninstall:
	-dkms remove -m $(DKMS_NAME) -v $(VERSION) --all
	rm -rf /usr/src/$(DKMS_NAME)-$(VERSION)

deb:
	rm -rf $(DEB_DIR)
	mkdir -p $(DEB_DIR)/$(DKMS_NAME)-$(VERSION)
	git ls-files -z | tar --null -T - --ignore-failed-read -cf - | \
		tar -C $(DEB_DIR)/$(DKMS_NAME)-$(VERSION) -xf -
	cd $(DEB_DIR)/$(DKMS_NAME)-$(VERSION) && dpkg-buildpackage -us -uc -b
	lintian --fail-on error --info $(DEB_DIR)/*.changes

clean:
	-$(MAKE) -C $(KDIR) M=$(TOP) clean
	$(MAKE) -C tools/lib clean
	$(MAKE) -C tools/portalctl clean
	$(MAKE) -C selftests/iscsi_portal clean
	$(MAKE) -C tools/testing/fuzz clean
	rm -rf build/vm build/lint.log $(DEB_DIR)

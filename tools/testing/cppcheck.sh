#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# cppcheck over the userspace C code (library, portalctl, selftests, fuzzers),
# part of `make lint`: any finding fails.  False positives are listed, with
# their reason, in tools/testing/cppcheck.suppress.
set -eu
top=$(cd "$(dirname "$0")/../.." && pwd)
cd "$top"
command -v cppcheck >/dev/null 2>&1 ||
	{ echo "cppcheck not found; run tools/testing/install-deps.sh" >&2; exit 1; }
# shellcheck disable=SC2046 # one word per file
exec cppcheck -q -j "$(nproc)" --enable=warning,portability,performance \
	--std=c11 --inline-suppr --error-exitcode=1 \
	--suppressions-list=tools/testing/cppcheck.suppress \
	-D__x86_64__ -D__linux__ -DPORTALCTL_VERSION=\"cppcheck\" \
	-I include/uapi -I tools/lib -I build/ksrc/tools/testing/selftests \
	-I selftests/iscsi_portal -I drivers/iscsi_portal \
	$(git ls-files 'tools/*.c' 'selftests/*.c')

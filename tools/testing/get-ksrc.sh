#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# Extract the few kernel files the build uses (kselftest harness, checkpatch)
# from Debian's linux-source-6.12 package into build/ksrc.  Nothing from the
# kernel tree is ever committed; this runs at build time.
set -eu
top=$(cd "$(dirname "$0")/../.." && pwd)
out="$top/build/ksrc"
stamp="$out/.stamp"
[ -f "$stamp" ] && exit 0
tarball=$(ls /usr/src/linux-source-6.12.tar.* 2>/dev/null | head -n 1 || true)
if [ -z "$tarball" ]; then
	echo "get-ksrc: /usr/src/linux-source-6.12.tar.* missing;" \
	     "run tools/testing/install-deps.sh (apt-get install linux-source-6.12)" >&2
	exit 1
fi
mkdir -p "$out"
tar -xf "$tarball" -C "$out" --strip-components=1 \
	linux-source-6.12/tools/testing/selftests/kselftest_harness.h \
	linux-source-6.12/tools/testing/selftests/kselftest.h \
	linux-source-6.12/scripts/checkpatch.pl \
	linux-source-6.12/scripts/spelling.txt \
	linux-source-6.12/scripts/const_structs.checkpatch
touch "$stamp"

#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# Extract the few kernel files the build uses (kselftest harness, checkpatch,
# the Coccinelle scripts of make lint) from Debian's linux-source-6.12
# package into build/ksrc.  Nothing from the kernel tree is ever committed;
# this runs at build time.  A member already there is not extracted again,
# so adding one to the list extracts only it.
set -eu
top=$(cd "$(dirname "$0")/../.." && pwd)
out="$top/build/ksrc"
stamp="$out/.stamp"
members="tools/testing/selftests/kselftest_harness.h
tools/testing/selftests/kselftest.h
scripts/checkpatch.pl
scripts/spelling.txt
scripts/const_structs.checkpatch
scripts/coccinelle"
[ -f "$stamp" ] && [ "$(cat "$stamp")" = "$members" ] && exit 0
tarball=
for t in /usr/src/linux-source-6.12.tar.*; do
	[ -f "$t" ] && { tarball=$t; break; }
done
if [ -z "$tarball" ]; then
	echo "get-ksrc: /usr/src/linux-source-6.12.tar.* missing;" \
	     "run tools/testing/install-deps.sh (apt-get install linux-source-6.12)" >&2
	exit 1
fi
missing=
for m in $members; do
	[ -e "$out/$m" ] || missing="$missing linux-source-6.12/$m"
done
mkdir -p "$out"
if [ -n "$missing" ]; then
	# shellcheck disable=SC2086 # one word per member
	tar -xf "$tarball" -C "$out" --strip-components=1 $missing
fi
echo "$members" >"$stamp"

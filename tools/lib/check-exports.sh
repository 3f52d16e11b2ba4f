#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# check-exports.sh LIB HEADER: the shared library exports exactly the
# functions HEADER declares, all in version node LIBISCSIPORTAL_1, and has
# SONAME libiscsiportal.so.1.
set -eu
lib=$1 header=$2
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

grep -oE '\bipl_[a-z0-9_]+\(' "$header" | tr -d '(' | sort -u > "$tmp/declared"
nm -D --defined-only "$lib" | awk '$2 == "T" { print $3 }' | sort -u \
	> "$tmp/exported"

status=0
if ! sed 's/@@LIBISCSIPORTAL_1$//' "$tmp/exported" | sort -u |
	diff -u "$tmp/declared" - >&2; then
	echo "$lib: exports differ from $header (- declared, + exported)" >&2
	status=1
fi
if grep -v '@@LIBISCSIPORTAL_1$' "$tmp/exported" >&2; then
	echo "$lib: symbols above are not in node LIBISCSIPORTAL_1" >&2
	status=1
fi
if ! readelf -d "$lib" | grep -q 'Library soname: \[libiscsiportal\.so\.1\]'; then
	echo "$lib: SONAME is not libiscsiportal.so.1" >&2
	status=1
fi
[ $status -eq 0 ] && echo "exports: $(wc -l < "$tmp/declared") symbols, all declared, node LIBISCSIPORTAL_1"
exit $status

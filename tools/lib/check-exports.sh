#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# check-exports.sh LIB HEADER MAP: the shared library exports exactly the
# functions HEADER declares, each in the version node MAP gives it (a node
# per release of the API: LIBISCSIPORTAL_1, then LIBISCSIPORTAL_2 which
# inherits it, ...), every node after the first inherits the one before,
# and the SONAME is libiscsiportal.so.1.  Which symbols node 1 holds is the
# unit tests' concern (tests/test_abi.c pins them).
set -eu
lib=$1 header=$2 map=$3
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

grep -oE '\bipl_[a-z0-9_]+\(' "$header" | tr -d '(' | sort -u > "$tmp/declared"
# "name@@NODE" for every function the library defines.
nm -D --defined-only "$lib" | awk '$2 == "T" { print $3 }' | sort -u \
	> "$tmp/exported"
# "name@@NODE" for every global of the map, and its nodes in order.
awk '
	/^[A-Z0-9_]+[ \t]*\{/ { node = $1; print node > nodes; next }
	/^\}/ { node = ""; next }
	/global:/ { global = 1; next }
	/local:/ { global = 0; next }
	node != "" && global && /^[ \t]*ipl_[a-z0-9_]+;/ {
		gsub(/[ \t;]/, ""); print $0 "@@" node
	}' nodes="$tmp/nodes" "$map" | sort -u > "$tmp/mapped"

status=0
if ! sed 's/@@.*$//' "$tmp/exported" | sort -u |
	diff -u "$tmp/declared" - >&2; then
	echo "$lib: exports differ from $header (- declared, + exported)" >&2
	status=1
fi
if ! diff -u "$tmp/mapped" "$tmp/exported" >&2; then
	echo "$lib: symbol versions differ from $map (- map, + library)" >&2
	status=1
fi
# Each node after the first names the one before as its parent.
prev=
while read -r node; do
	if [ -n "$prev" ] &&
	   ! readelf -V "$lib" | grep -A1 "Name: $node\$" |
		grep -q "Parent 1: $prev\$"; then
		echo "$lib: node $node does not inherit $prev" >&2
		status=1
	fi
	prev=$node
done < "$tmp/nodes"
if ! readelf -d "$lib" | grep -q 'Library soname: \[libiscsiportal\.so\.1\]'; then
	echo "$lib: SONAME is not libiscsiportal.so.1" >&2
	status=1
fi
if [ $status -eq 0 ]; then
	printf 'exports: %s symbols, all declared:' "$(wc -l < "$tmp/declared")"
	while read -r node; do
		printf ' %s %s' "$(grep -c "@@$node\$" "$tmp/exported")" "$node"
	done < "$tmp/nodes"
	echo
fi
exit $status

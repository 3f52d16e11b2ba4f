#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# check-man.sh: the section 3 man pages of libiscsiportal, on the host.
#   - every symbol of a global: section of libiscsiportal.map has a page
#     man/NAME.3 (the page itself or a ".so man3/PAGE.3" link to it);
#   - a link names a page of this directory that is no link itself;
# and, when man(1) is installed (Debian: man-db, groff-base):
#   - every page that is no link formats without a groff warning, with
#     the command and environment lintian uses;
#   - the page of each symbol names it in its NAME section and shows its
#     prototype, exactly as iscsiportal.h declares it (white space aside),
#     in its SYNOPSIS.
# Prints one line of counts; exits non-zero, naming what failed, otherwise.
set -eu
dir=$(cd "$(dirname "$0")" && pwd)
map=$dir/../libiscsiportal.map
header=$dir/../iscsiportal.h
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

status=0
fail() {
	echo "check-man: $*" >&2
	status=1
}

# The globals of every version node, in map order.
awk '
	/^[A-Z0-9_]+[ \t]*\{/ { node = 1; next }
	/^\}/ { node = 0; global = 0; next }
	/global:/ { global = 1; next }
	/local:/ { global = 0; next }
	node && global && /^[ \t]*ipl_[a-z0-9_]+;/ { gsub(/[ \t;]/, ""); print }
' "$map" > "$tmp/symbols"
[ -s "$tmp/symbols" ] || fail "no symbols found in $map"

# The page a link (or a page) stands for: "" when the link is broken.
target() {
	so=$(sed -n '1s/^\.so man3\/\([A-Za-z0-9_.-]*\.3\)$/\1/p' "$1")
	if [ -z "$so" ]; then
		if grep -q '^\.so' "$1"; then
			echo ""
		else
			basename "$1"
		fi
	elif [ -f "$dir/$so" ] && ! grep -q '^\.so' "$dir/$so"; then
		echo "$so"
	else
		echo ""
	fi
}

pages=0
links=0
for f in "$dir"/*.3; do
	[ -e "$f" ] || continue
	if grep -q '^\.so' "$f"; then
		links=$((links + 1))
		[ "$(wc -l < "$f")" -eq 1 ] ||
			fail "$(basename "$f"): a link page holds one .so line only"
		[ -n "$(target "$f")" ] ||
			fail "$(basename "$f"): $(head -n 1 "$f") is no page of $dir"
	else
		pages=$((pages + 1))
	fi
done

while read -r sym; do
	[ -f "$dir/$sym.3" ] || fail "$sym (exported by $(basename "$map")) has no man page $sym.3"
done < "$tmp/symbols"

if ! command -v man >/dev/null 2>&1; then
	echo "man pages: $(wc -l < "$tmp/symbols") symbols, $pages pages," \
		"$links links; man(1) not installed: groff warnings and" \
		"prototypes not checked (apt install man-db groff-base)"
	exit $status
fi

# Format @1 as lintian does; its text (formatting removed) on stdout,
# groff's messages in $tmp/warnings.
render() {
	LC_ALL=C.UTF-8 MANROFFSEQ='' MANWIDTH=80 \
		man --warnings -E UTF-8 -l -Tutf8 -Z "$1" 2>"$tmp/warnings" \
		>/dev/null || echo "man exited with status $?" >> "$tmp/warnings"
	LC_ALL=C.UTF-8 MANROFFSEQ='' MANWIDTH=80 man -E UTF-8 -l "$1" \
		2>/dev/null | sed "s/.$(printf '\b')//g; s/$(printf '\033')\[[0-9;]*m//g"
}

# One line per page: the text of section @2 with white space collapsed.
section() {
	awk -v want="$1" '
		/^[A-Z][A-Z ]*$/ { on = ($0 == want); next }
		on { printf "%s ", $0 }
	' | tr -s ' \t' '  ' |
		sed 's/( /(/g; s/ )/)/g; s/^ //; s/ $//'
}

for f in "$dir"/*.3; do
	grep -q '^\.so' "$f" && continue
	name=$(basename "$f")
	render "$f" > "$tmp/$name.txt"
	if [ -s "$tmp/warnings" ]; then
		sed "s|^|check-man: $name: |" "$tmp/warnings" >&2
		fail "$name: groff warnings"
	fi
	section SYNOPSIS < "$tmp/$name.txt" > "$tmp/$name.synopsis"
	section NAME < "$tmp/$name.txt" > "$tmp/$name.name"
done

# The declaration of @1 in the header, on one line, white space collapsed.
declaration() {
	awk -v sym="$1" '
		!on && /^[a-z]/ && index($0, " " sym "(") ||
		!on && /^[a-z]/ && index($0, "*" sym "(") { on = 1 }
		on { printf "%s ", $0; if ($0 ~ /;[ \t]*$/) exit }
	' "$header" | tr -s ' \t' '  ' |
		sed 's/( /(/g; s/ )/)/g; s/^ //; s/ $//'
}

while read -r sym; do
	[ -f "$dir/$sym.3" ] || continue
	page=$(target "$dir/$sym.3")
	[ -n "$page" ] || continue
	decl=$(declaration "$sym")
	if [ -z "$decl" ]; then
		fail "$sym: no declaration in $(basename "$header")"
		continue
	fi
	grep -qF -- "$decl" "$tmp/$page.synopsis" ||
		fail "$sym: $page does not show the prototype: $decl"
	# The names before the dash: "ipl_open, ipl_close \- ...".
	awk '{ for (i = 1; i <= NF && $i ~ /^[a-z0-9_]+,?$/; i++) {
		sub(/,$/, "", $i); print $i } }' "$tmp/$page.name" |
		grep -qx -- "$sym" ||
		fail "$sym: $page does not name it in NAME"
done < "$tmp/symbols"

if [ $status -eq 0 ]; then
	echo "man pages: $(wc -l < "$tmp/symbols") symbols, $pages pages," \
		"$links links; no groff warnings; every prototype as declared"
fi
exit $status

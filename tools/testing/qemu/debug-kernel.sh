#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# The debug kernel of `make check-debug`, built from Debian's linux-source-6.12
# package: `make allnoconfig`, then tools/testing/qemu/debug.config merged on
# top with scripts/kconfig/merge_config.sh, then a full `make` (bzImage and
# Module.symvers, so the module can be built against the tree).
#
#   debug-kernel.sh build    build it unless the cache already holds it
#   debug-kernel.sh dir      the cache directory (whether built or not)
#   debug-kernel.sh kdir     the built tree (make -C KDIR M=...); fails if not built
#   debug-kernel.sh image    its bzImage; fails if not built
#   debug-kernel.sh release  its kernel release string; fails if not built
#
# The tree lives outside the source tree, in
#   ${ISCSI_PORTAL_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/iscsi_portal}/kernel-KEY
# where KEY hashes everything the .config and the build depend on: the
# fragment, the base config, the linux-source package version, the compiler
# and the recipe version below.  A second run with the same inputs rebuilds nothing.
set -eu

here=$(cd "$(dirname "$0")" && pwd)
fragment=$here/debug.config
base=allnoconfig
# Bump when the way the tree is configured or built changes (it is part of
# the cache key).
recipe=1
tarball=/usr/src/linux-source-6.12.tar.xz
cache=${ISCSI_PORTAL_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/iscsi_portal}

die() {
	echo "debug-kernel: $*" >&2
	exit 1
}

usage() {
	echo "usage: $0 build | dir | kdir | image | release" >&2
	exit 2
}

key() {
	[ -r "$tarball" ] || die "$tarball missing; run tools/testing/install-deps.sh debug" \
		"(apt-get install linux-source-6.12)"
	srcver=$(dpkg-query -W -f='${Version}' linux-source-6.12 2>/dev/null) ||
		srcver=$(stat -c '%s %Y' "$tarball")
	{
		echo "base=$base"
		echo "linux-source-6.12=$srcver"
		${CC:-gcc} --version | head -n 1
		echo "recipe=$recipe"
		cat "$fragment"
	} | sha256sum | cut -c 1-16
}

dir() {
	echo "$cache/kernel-$(key)"
}

# The option lines of the fragment that must hold in the final .config:
# CONFIG_X=val and "# CONFIG_X is not set".
check_config() {
	cfg=$1
	bad=0
	while IFS= read -r line; do
		case "$line" in
		CONFIG_*=*)
			grep -qxF "$line" "$cfg" && continue
			opt=${line%%=*}
			have=$(grep -E "^$opt=|^# $opt is not set" "$cfg" || echo "$opt absent")
			echo "debug-kernel: wanted $line, got: $have" >&2
			bad=1
			;;
		"# CONFIG_"*" is not set")
			opt=${line#\# }
			opt=${opt%% *}
			if grep -q "^$opt=" "$cfg"; then
				echo "debug-kernel: wanted $line, got: $(grep "^$opt=" "$cfg")" >&2
				bad=1
			fi
			;;
		esac
	done <"$fragment"
	return $bad
}

built() {
	d=$(dir)
	[ -f "$d/.built" ] || die "the debug kernel is not built yet ($d);" \
		"run: tools/testing/qemu/debug-kernel.sh build (make check-debug does)"
	echo "$d"
}

build() {
	d=$(dir)
	if [ -f "$d/.built" ]; then
		echo "debug-kernel: cached in $d" >&2
		return 0
	fi
	for t in make gcc flex bison bc xz perl; do
		command -v $t >/dev/null 2>&1 ||
			die "$t not found; run tools/testing/install-deps.sh debug"
	done
	[ -f /usr/include/libelf.h ] ||
		die "libelf headers missing; run tools/testing/install-deps.sh debug (libelf-dev)"
	mkdir -p "$cache"
	# One builder at a time per cache entry.
	exec 9>"$d.lock"
	flock 9
	if [ -f "$d/.built" ]; then
		echo "debug-kernel: cached in $d" >&2
		return 0
	fi
	start=$(date +%s)
	rm -rf "$d"
	mkdir -p "$d"
	echo "debug-kernel: extracting $tarball into $d/src" >&2
	mkdir "$d/src"
	tar -xf "$tarball" -C "$d/src" --strip-components=1
	cp "$fragment" "$d/debug.config"
	cd "$d/src"
	make -s $base >"$d/config.log" 2>&1 || { cat "$d/config.log" >&2; die "make $base failed"; }
	scripts/kconfig/merge_config.sh -m .config "$d/debug.config" >>"$d/config.log" 2>&1 ||
		{ cat "$d/config.log" >&2; die "merge_config.sh failed"; }
	make -s olddefconfig >>"$d/config.log" 2>&1 ||
		{ cat "$d/config.log" >&2; die "make olddefconfig failed"; }
	check_config .config ||
		die "the merged .config lacks options of $fragment (unmet dependencies?); see $d/src/.config"
	echo "debug-kernel: building with make -j$(nproc) (log: $d/build.log)" >&2
	if ! make -j"$(nproc)" >"$d/build.log" 2>&1; then
		tail -n 40 "$d/build.log" >&2
		die "kernel build failed; see $d/build.log"
	fi
	[ -f arch/x86/boot/bzImage ] && [ -f Module.symvers ] ||
		die "build finished without arch/x86/boot/bzImage or Module.symvers"
	touch "$d/.built"
	echo "debug-kernel: built $(cat include/config/kernel.release) in $(( $(date +%s) - start )) s: $d" >&2
}

[ $# -eq 1 ] || usage
case "$1" in
build) build ;;
dir) dir ;;
kdir) d=$(built); echo "$d/src" ;;
image) d=$(built); echo "$d/src/arch/x86/boot/bzImage" ;;
release) d=$(built); cat "$d/src/include/config/kernel.release" ;;
*) usage ;;
esac

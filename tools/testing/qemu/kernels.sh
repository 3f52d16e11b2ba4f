#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# The kernels the VM tests boot, by short name, all from Debian 12 packages.
#
#   kernels.sh list              the known names
#   kernels.sh packages NAME     apt packages that install the image and headers
#   kernels.sh release NAME      the installed release (uname -r) to boot
#   kernels.sh kdir NAME         its headers build dir (make -C KDIR M=...)
#   kernels.sh image NAME        its /boot/vmlinuz-... path
#
# "debug" is not a Debian package but the kernel tools/testing/qemu/debug-kernel.sh
# builds from Debian's linux-source-6.12 into a cache outside the tree
# (lockdep, KASAN, UBSAN, kmemleak, fault injection; `make check-debug`):
# its kdir is that tree, its image the tree's bzImage, and its packages are
# what building it needs.
#
# The release is resolved from what is installed (the newest one that has both
# /boot/vmlinuz-RELEASE and /usr/src/linux-headers-RELEASE), never hard-coded,
# so a Debian point release that bumps the ABI needs no change here.
# The 6.12 names use Debian's meta-packages, which track the newest 6.12 ABI
# in bookworm (linux-signed-6.12-amd64).
set -eu

KNOWN="6.1 6.12 6.12-rt debug"

usage() {
	echo "usage: $0 list | packages NAME | release NAME | kdir NAME | image NAME" >&2
	echo "known kernel names: $KNOWN" >&2
	exit 2
}

# Sets PACKAGES and GLOB (the release pattern) for a kernel name.
define() {
	case "$1" in
	6.1)
		PACKAGES="linux-image-cloud-amd64 linux-headers-cloud-amd64"
		GLOB="6.1.*-cloud-amd64"
		;;
	6.12)
		PACKAGES="linux-image-6.12-cloud-amd64 linux-headers-6.12-cloud-amd64"
		GLOB="6.12.*+deb12-cloud-amd64"
		;;
	6.12-rt)
		PACKAGES="linux-image-6.12-rt-amd64 linux-headers-6.12-rt-amd64"
		GLOB="6.12.*+deb12-rt-amd64"
		;;
	debug)
		PACKAGES="linux-source-6.12 flex bison bc libelf-dev libssl-dev xz-utils"
		GLOB=
		;;
	*)
		echo "$0: unknown kernel name '$1'; known names: $KNOWN" >&2
		exit 2
		;;
	esac
}

# The newest installed release matching GLOB with both image and headers.
release() {
	best=
	for img in /boot/vmlinuz-$GLOB; do
		[ -f "$img" ] || continue
		rel=${img#/boot/vmlinuz-}
		[ -f "/usr/src/linux-headers-$rel/Makefile" ] || continue
		best="$best$rel
"
	done
	best=$(printf '%s' "$best" | sort -V | tail -n 1)
	if [ -z "$best" ]; then
		echo "$0: kernel '$NAME' is not installed (no /boot/vmlinuz-$GLOB" \
		     "with matching /usr/src/linux-headers-*);" \
		     "run: tools/testing/install-deps.sh $NAME" >&2
		exit 1
	fi
	echo "$best"
}

[ $# -ge 1 ] || usage
cmd=$1
if [ "$cmd" = list ]; then
	[ $# -eq 1 ] || usage
	for k in $KNOWN; do
		echo "$k"
	done
	exit 0
fi
[ $# -eq 2 ] || usage
NAME=$2
define "$NAME"

if [ "$NAME" = debug ] && [ "$cmd" != packages ]; then
	here=$(cd "$(dirname "$0")" && pwd)
	case "$cmd" in
	release|kdir|image) exec "$here/debug-kernel.sh" "$cmd" ;;
	*) usage ;;
	esac
fi

case "$cmd" in
packages)
	for p in $PACKAGES; do
		echo "$p"
	done
	;;
release)
	release
	;;
kdir)
	rel=$(release)
	echo "/usr/src/linux-headers-$rel"
	;;
image)
	rel=$(release)
	echo "/boot/vmlinuz-$rel"
	;;
*)
	usage
	;;
esac

#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# Install, from Debian 12's archive, what building and testing iscsi_portal
# needs and is not installed yet:  tools/testing/install-deps.sh [KERNEL]
# KERNEL is a name known to tools/testing/qemu/kernels.sh (default 6.1).
# Idempotent and non-interactive; `apt-get update` runs only when something
# is missing.  Needs root (or sudo).
set -eu

here=$(cd "$(dirname "$0")" && pwd)
kernel=${1:-6.1}
[ $# -le 1 ] || { echo "usage: $0 [KERNEL]" >&2; exit 2; }

# gcc-multilib: the 32-bit compat_ioctl test.  kmod: modinfo.
# linux-source-6.12: the kselftest harness, checkpatch and the Coccinelle
# scripts (tools/testing/get-ksrc.sh).
# sparse, cppcheck, coccinelle (spatch): make lint.
# libiscsi-bin (iscsi-inq, iscsi-ls, iscsi-perf) and open-iscsi (iscsid,
# iscsiadm): the real initiators the VM's LIO tests log in with (their
# binaries and libraries are copied into the VM's initramfs); xz-utils:
# 6.12's modules are .ko.xz, decompressed for busybox insmod.
base="build-essential qemu-system-x86 busybox-static cpio kmod
linux-source-6.12 sparse cppcheck coccinelle gcc-multilib perl
libiscsi-bin open-iscsi xz-utils"
kpkgs=$("$here/qemu/kernels.sh" packages "$kernel")

installed() {
	[ "$(dpkg-query -W -f='${db:Status-Status}' "$1" 2>/dev/null)" = installed ]
}

missing=
for p in $base $kpkgs; do
	installed "$p" || missing="$missing $p"
done

if [ -z "$missing" ]; then
	echo "install-deps: all dependencies installed (kernel $kernel)"
	exit 0
fi

if [ "$(id -u)" -eq 0 ]; then
	sudo=
elif command -v sudo >/dev/null 2>&1; then
	sudo="sudo -n"
else
	echo "install-deps: missing:$missing; run as root or install sudo" >&2
	exit 1
fi

echo "install-deps: installing:$missing"
export DEBIAN_FRONTEND=noninteractive
# A freshly booted machine's apt-daily may hold the dpkg lock for minutes,
# and a mirror may drop a connection: wait for the one, retry the other.
apt_opts="-o DPkg::Lock::Timeout=600 -o Acquire::Retries=3"
# shellcheck disable=SC2086 # $sudo, $apt_opts and $missing are word lists
$sudo env DEBIAN_FRONTEND=noninteractive apt-get $apt_opts update -q </dev/null
# shellcheck disable=SC2086
$sudo env DEBIAN_FRONTEND=noninteractive apt-get $apt_opts install -y -q \
	--no-install-recommends $missing </dev/null

still=
for p in $missing; do
	installed "$p" || still="$still $p"
done
if [ -n "$still" ]; then
	echo "install-deps: still not installed:$still" >&2
	exit 1
fi

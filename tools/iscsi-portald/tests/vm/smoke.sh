#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# smoke.sh [KERNEL]: a developer's smoke test of iscsi-portald against real
# LIO and a real initiator (libiscsi's iscsi-ls and iscsi-perf) in a QEMU
# VM of one Debian kernel (tools/testing/qemu/kernels.sh names them; default
# 6.12).  Not part of make check (the project's VM suite is); it needs the
# kernel's image, headers and modules, busybox-static, libiscsi-bin, and
# iscsi-portald and portalctl built.  Builds the module in a temporary copy
# of the tree (the working tree is left alone), boots with a busybox
# initramfs whose /init is guest.sh, and prints guest.sh's verdict, the
# last line "N passed, N failed".  Exits 0 when nothing failed.
set -euo pipefail

kernel=${1:-6.12}
here=$(cd "$(dirname "$0")" && pwd)
top=$(cd "$here/../../../.." && pwd)
kernels=$top/tools/testing/qemu/kernels.sh
release=$("$kernels" release "$kernel")
kdir=$("$kernels" kdir "$kernel")
image=$("$kernels" image "$kernel")
moddir=/lib/modules/$release
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

for f in "$top/tools/iscsi-portald/iscsi-portald" "$top/tools/portalctl/portalctl" \
	 /bin/busybox /usr/bin/iscsi-ls /usr/bin/iscsi-perf; do
	[ -x "$f" ] || { echo "smoke.sh: $f missing" >&2; exit 1; }
done

# The module, against this kernel, in a copy of the tree.
mkdir "$work/src"
cp -r "$top/Kbuild" "$top/VERSION" "$top/include" "$top/drivers" "$work/src/"
find "$work/src" \( -name '*.o' -o -name '*.ko' -o -name '.*.cmd' -o -name '*.mod*' \) -delete
make -s -C "$kdir" M="$work/src" modules >"$work/build.log" 2>&1 ||
	{ cat "$work/build.log" >&2; exit 1; }

# The initramfs: busybox, the programs and their libraries, the modules.
root=$work/root
mkdir -p "$root"/{bin,sbin,usr/bin,usr/sbin,lio,proc,sys,dev,tmp,var/lib}
cp /bin/busybox "$root/bin/"
for a in $(/bin/busybox --list-full); do
	[ -e "$root/$a" ] || ln -s /bin/busybox "$root/$a"
done
cp "$top/tools/iscsi-portald/iscsi-portald" "$top/tools/portalctl/portalctl" "$root/usr/sbin/"
cp /usr/bin/iscsi-ls /usr/bin/iscsi-perf "$root/usr/bin/"
for bin in iscsi-portald portalctl; do
	bins="${bins:-} $root/usr/sbin/$bin"
done
for bin in $bins "$root/usr/bin/iscsi-ls" "$root/usr/bin/iscsi-perf"; do
	for lib in $(ldd "$bin" | grep -o '/[^ ]*\.so[^ ]*'); do
		mkdir -p "$root$(dirname "$lib")"
		cp -L "$lib" "$root$lib"
	done
done
for m in configfs scsi_common target_core_mod iscsi_target_mod inet_diag tcp_diag; do
	f=$(grep -oE "^[^:]*/$m\.ko(\.(xz|zst|gz))?:" "$moddir/modules.dep" | tr -d :)
	case "$f" in
	*.xz) xz -dc "$moddir/$f" ;;
	*.zst) zstd -dc "$moddir/$f" ;;
	*.gz) gzip -dc "$moddir/$f" ;;
	*) cat "$moddir/$f" ;;
	esac >"$root/lio/$m.ko"
done
cp "$work/src/drivers/iscsi_portal/iscsi_portal.ko" "$root/lio/"
install -m 0755 "$here/guest.sh" "$root/init"
(cd "$root" && find . | cpio -o -H newc 2>/dev/null | gzip) >"$work/initrd.gz"

# TCG: fast enough (a few seconds), and the same on every host.
timeout 900 qemu-system-x86_64 -display none -nodefaults -no-reboot \
	-monitor none -machine pc -accel tcg -smp 2 -m 1G -kernel "$image" \
	-initrd "$work/initrd.gz" \
	-append "console=ttyS0 loglevel=4 panic=-1 panic_on_warn=1 rdinit=/init" \
	-serial file:"$work/console.log" || true
grep -a '^SMOKE' "$work/console.log" || { cat "$work/console.log"; exit 1; }
if grep -aqE 'WARNING:|BUG:|Oops' "$work/console.log"; then
	grep -aE -A20 'WARNING:|BUG:|Oops' "$work/console.log"
	echo "smoke.sh: a kernel splat" >&2
	exit 1
fi
line=$(grep -a '^SMOKE RESULT' "$work/console.log" | tail -n 1)
echo "${line#SMOKE RESULT: }"
case "$line" in *" 0 failed") exit 0 ;; *) exit 1 ;; esac

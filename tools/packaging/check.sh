#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# check.sh - the packaging, as .ci/run's "packaging" step runs it on a
# fresh Debian 12 machine (root): installs what it needs from Debian, then
#   - VERSION and debian/changelog agree;
#   - make dkms-install builds and installs the module with DKMS for
#     Debian's 6.1 and 6.12 kernels (dkms status, modinfo's version, the
#     module where modprobe finds it), make dkms-uninstall removes it;
#   - make deb: dpkg-buildpackage -us -uc -b, then lintian with no error
#     (its warnings are printed);
#   - the packages install with apt, put every file where the README says
#     (libiscsiportal-dev: libiscsiportal.3.gz and the ipl_*.3.gz pages),
#     create the group, build the module for both kernels; then purged.
# Ends with one line "N passed, N failed"; exits non-zero when one failed.
set -uo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/../.." || exit 1

passed=0
failed=0
ok() { echo "ok: $*"; passed=$((passed + 1)); }
bad() { echo "FAILED: $*"; failed=$((failed + 1)); }
# check NAME COMMAND...: one check, its output shown.
check() {
	local name=$1
	shift
	if "$@"; then ok "$name"; else bad "$name"; fi
}

version=$(cat VERSION)
kernels=()
for k in 6.1 6.12; do
	tools/testing/install-deps.sh "$k" >/dev/null || bad "install-deps.sh $k"
	kdir=$(tools/testing/qemu/kernels.sh kdir "$k") || { bad "no kdir for $k"; continue; }
	kernels+=("$(basename "$(readlink -f "$kdir")" | sed 's/^linux-headers-//')")
done
echo "kernels: ${kernels[*]}"
export DEBIAN_FRONTEND=noninteractive
tools="build-essential dkms dh-dkms debhelper lintian devscripts"
apt_opts="-o DPkg::Lock::Timeout=600 -o Acquire::Retries=3"	# as install-deps.sh
# shellcheck disable=SC2086 # one word per package or option
apt-get $apt_opts install -y -q --no-install-recommends $tools >/dev/null 2>&1 ||
	{ apt-get $apt_opts update -q >/dev/null &&
	  apt-get $apt_opts install -y -q --no-install-recommends $tools >/dev/null; } ||
	bad "apt-get install $tools"

# ---- one version --------------------------------------------------------
check "debian/changelog's version is VERSION's ($version)" \
	test "$(dpkg-parsechangelog -S Version)" = "$version"

# dkms_ok KERNEL: the module is installed for KERNEL, of this version,
# where modprobe finds it.
dkms_ok() {
	local k=$1 path
	dkms status -m iscsi-portal -v "$version" -k "$k" | grep -q ': installed' ||
		{ dkms status; return 1; }
	test "$(modinfo -k "$k" -F version iscsi_portal)" = "$version" || return 1
	path=$(modprobe -n -v -S "$k" iscsi_portal | awk '/insmod/ { print $2 }')
	echo "  $k: $path"
	case "$path" in
	/lib/modules/"$k"/updates/dkms/iscsi_portal.ko*) return 0 ;;
	esac
	return 1
}

# ---- make dkms-install ----------------------------------------------------
if make -s dkms-install DKMS_KERNELS="${kernels[*]}" >build/dkms-install.log 2>&1; then
	ok "make dkms-install for ${kernels[*]}"
else
	tail -n 30 build/dkms-install.log
	bad "make dkms-install for ${kernels[*]}"
fi
check "/usr/src/iscsi-portal-$version/dkms.conf has the version" \
	grep -qx "PACKAGE_VERSION=\"$version\"" "/usr/src/iscsi-portal-$version/dkms.conf"
for k in "${kernels[@]}"; do
	check "dkms: installed for $k, version $version, found by modprobe" dkms_ok "$k"
done
make -s dkms-uninstall >/dev/null 2>&1
check "make dkms-uninstall removes it" \
	test -z "$(dkms status -m iscsi-portal)" -a ! -e "/usr/src/iscsi-portal-$version"

# ---- make deb, lintian ------------------------------------------------------
if make deb >build/deb.log 2>&1; then
	ok "make deb: dpkg-buildpackage -us -uc -b and lintian --fail-on error"
else
	tail -n 40 build/deb.log
	bad "make deb: dpkg-buildpackage -us -uc -b and lintian --fail-on error"
fi
built() { compgen -G "build/deb/$1_${version}_*.deb" >/dev/null; }
for p in iscsi-portal-dkms libiscsiportal1 libiscsiportal-dev portalctl iscsi-portald; do
	check "package $p built" built "$p"
done
echo "lintian (all tags, for the record):"
lintian -I -E --pedantic build/deb/*.changes 2>/dev/null | sed 's/^/  /'

# ---- the packages installed -------------------------------------------------
debs=()
for p in iscsi-portal-dkms libiscsiportal1 libiscsiportal-dev portalctl iscsi-portald; do
	debs+=("./build/deb/${p}_${version}_"*.deb)
done
# shellcheck disable=SC2086 # $apt_opts is a word list
if apt-get $apt_opts install -y -q --no-install-recommends "${debs[@]}" >build/deb-install.log 2>&1; then
	ok "apt install the five packages"
else
	tail -n 30 build/deb-install.log
	bad "apt install the five packages"
fi
multiarch=$(dpkg-architecture -qDEB_HOST_MULTIARCH)
for f in /usr/src/iscsi-portal-"$version"/dkms.conf \
	/lib/udev/rules.d/60-iscsi-portal.rules \
	/usr/lib/sysusers.d/iscsi-portal.conf \
	/usr/lib/modules-load.d/iscsi-portal.conf \
	/usr/lib/"$multiarch"/libiscsiportal.so.1 \
	/usr/include/iscsiportal.h /usr/include/linux/iscsi_portal.h \
	/usr/lib/"$multiarch"/libiscsiportal.so /usr/lib/"$multiarch"/libiscsiportal.a \
	/usr/lib/"$multiarch"/pkgconfig/libiscsiportal.pc \
	/usr/sbin/portalctl /usr/share/man/man8/portalctl.8.gz \
	/lib/systemd/system/iscsi-portal-restore.service \
	/usr/sbin/iscsi-portald /usr/share/man/man8/iscsi-portald.8.gz \
	/lib/systemd/system/iscsi-portald.service; do
	check "installed: $f" test -e "$f"
done
# dev_man3 NAME: libiscsiportal-dev ships /usr/share/man/man3/NAME and it
# is there.
dev_man3() {
	dpkg -L libiscsiportal-dev | grep -qxF "/usr/share/man/man3/$1" &&
		test -e "/usr/share/man/man3/$1"
}
check "installed by libiscsiportal-dev: /usr/share/man/man3/libiscsiportal.3.gz" \
	dev_man3 libiscsiportal.3.gz
# The API's ipl_*.3 pages (tools/lib/man, the .so links included), each
# compressed by dh_compress.
ipl_pages=$(find tools/lib/man -name 'ipl_*.3' | wc -l)
ipl_debs=$(dpkg -L libiscsiportal-dev | grep -c '^/usr/share/man/man3/ipl_[a-z0-9_]*\.3\.gz$')
echo "  libiscsiportal-dev: $ipl_debs ipl_*.3.gz pages, tools/lib/man has $ipl_pages"
check "installed by libiscsiportal-dev: /usr/share/man/man3/ipl_watch.3.gz" \
	dev_man3 ipl_watch.3.gz
check "installed by libiscsiportal-dev: every ipl_*.3 page of tools/lib/man, as .3.gz" \
	test "$ipl_debs" -ge 1 -a "$ipl_debs" -eq "$ipl_pages"
check "the group iscsi-portal exists" getent group iscsi-portal
check "the units are enabled" test -L /etc/systemd/system/multi-user.target.wants/iscsi-portal-restore.service \
	-a -L /etc/systemd/system/multi-user.target.wants/iscsi-portald.service
check "portalctl --version is $version" test "$(portalctl --version | head -n 1)" = "portalctl $version"
check "pkg-config --modversion libiscsiportal is $version" \
	test "$(pkg-config --modversion libiscsiportal)" = "$version"
for k in "${kernels[@]}"; do
	check "package: the module built for $k, version $version, found by modprobe" dkms_ok "$k"
done
apt-get purge -y -q iscsi-portal-dkms libiscsiportal1 libiscsiportal-dev portalctl \
	iscsi-portald >/dev/null 2>&1
check "apt purge removes the module" test -z "$(dkms status -m iscsi-portal)"

echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]

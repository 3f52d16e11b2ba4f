#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# LIO and open-iscsi inside the test VM (busybox sh), through configfs alone:
# installed as /bin/lio-setup by tools/testing/qemu/initramfs.sh, used by
# selftests/iscsi_portal/lio_test.sh and tools/testing/qemu/demo.sh.
#
#   lio-setup load                  the LIO, sock_diag and iscsi_tcp modules
#                                   (/lib/lio-modules, in order), configfs
#                                   mounted, lo up
#   lio-setup backstore NAME        an rd_mcp ramdisk (16 MiB) called NAME
#   lio-setup target IQN BACKSTORE NP...
#                                   a target, tpgt_1, LUN 0 on BACKSTORE, demo
#                                   mode (no auth, generated ACLs, writable),
#                                   one np per NP (ADDR:PORT), enabled
#   lio-setup np-add IQN NP | np-del IQN NP
#                                   an np of IQN's tpgt_1, by hand
#   lio-setup nps                   every np, one "IQN NP" line each
#   lio-setup clear                 every target and backstore removed
#   lio-setup iscsid                /etc/iscsi/initiatorname.iscsi generated
#                                   (iscsi-iname), iscsid started (setsid:
#                                   its SIGTERM kills its process group)
#   lio-setup iscsid-stop           every open-iscsi session logged out,
#                                   iscsid stopped
#
# Exits non-zero, with a message on stderr, when a step fails.
set -u

CFS=${LIO_CONFIGFS:-/sys/kernel/config}
MODDIR=${LIO_MODDIR:-/lib/lio-modules}
ISCSI=$CFS/target/iscsi
CORE=$CFS/target/core
HBA=$CORE/rd_mcp_0
ISCSID_LOG=${ISCSID_LOG:-/tmp/iscsid.log}

die() {
	echo "lio-setup: $*" >&2
	exit 1
}

# put VALUE FILE: a configfs attribute.
put() {
	echo "$1" >"$2" 2>/dev/null || die "cannot write '$1' to $2"
}

load() {
	if [ -f "$MODDIR/order" ]; then
		while read -r m; do
			name=$(echo "${m%.ko}" | tr - _)
			[ -d "/sys/module/$name" ] && continue
			insmod "$MODDIR/$m" || die "insmod $MODDIR/$m failed"
		done <"$MODDIR/order"
	fi
	grep -q " $CFS configfs " /proc/mounts ||
		mount -t configfs configfs "$CFS" || die "cannot mount configfs on $CFS"
	[ -d "$CFS/target" ] || die "no $CFS/target: target_core_mod is not loaded"
	mkdir -p "$ISCSI" 2>/dev/null
	[ -d "$ISCSI" ] || die "cannot create $ISCSI: iscsi_target_mod is not loaded"
	ip link set lo up || die "ip link set lo up failed"
}

backstore() {
	mkdir -p "$HBA/$1" || die "cannot create the rd_mcp backstore $1"
	put rd_pages=4096 "$HBA/$1/control"
	put 1 "$HBA/$1/enable"
}

np_add() {
	mkdir "$ISCSI/$1/tpgt_1/np/$2" || die "mkdir np $2 of $1 failed"
}

np_del() {
	rmdir "$ISCSI/$1/tpgt_1/np/$2" || die "rmdir np $2 of $1 failed"
}

target() {
	iqn=$1 bs=$2
	shift 2
	[ -d "$HBA/$bs" ] || die "no backstore $bs"
	tpg=$ISCSI/$iqn/tpgt_1
	mkdir -p "$tpg" || die "cannot create $tpg"
	mkdir -p "$tpg/lun/lun_0" || die "cannot create LUN 0 of $iqn"
	ln -s "$HBA/$bs" "$tpg/lun/lun_0/$bs" || die "cannot link $bs to LUN 0 of $iqn"
	put 0 "$tpg/attrib/authentication"
	put 1 "$tpg/attrib/generate_node_acls"
	put 1 "$tpg/attrib/cache_dynamic_acls"
	put 0 "$tpg/attrib/demo_mode_write_protect"
	for np in "$@"; do
		np_add "$iqn" "$np"
	done
	put 1 "$tpg/enable"
}

nps() {
	for d in "$ISCSI"/*/tpgt_*/np/*; do
		[ -d "$d" ] || continue
		n=${d##*/}
		t=${d%/tpgt_*}
		echo "${t##*/} $n"
	done
}

clear_all() {
	for tpg in "$ISCSI"/*/tpgt_*; do
		[ -d "$tpg" ] || continue
		echo 0 >"$tpg/enable" 2>/dev/null
		for d in "$tpg"/np/*; do
			[ -d "$d" ] && rmdir "$d"
		done
		for l in "$tpg"/lun/lun_*; do
			[ -d "$l" ] || continue
			for s in "$l"/*; do
				[ -L "$s" ] && rm -f "$s"
			done
			rmdir "$l"
		done
		rmdir "$tpg" || die "cannot remove $tpg"
	done
	for t in "$ISCSI"/*; do
		case "${t##*/}" in
		discovery_auth) continue ;;
		esac
		[ -d "$t" ] && { rmdir "$t" || die "cannot remove $t"; }
	done
	for b in "$HBA"/*; do
		[ -d "$b" ] && { rmdir "$b" || die "cannot remove $b"; }
	done
	[ -d "$HBA" ] && rmdir "$HBA"
	return 0
}

iscsid_start() {
	mkdir -p /etc/iscsi /run/lock/iscsi /var/lib/iscsi
	# iscsid serves iscsiadm only if getpwuid() names its uid "root"
	# (else "daemon access denied"): the VM has no /etc/passwd of its own.
	if [ ! -e /etc/passwd ] && [ ! -e /etc/group ]; then
		echo 'root:x:0:0:root:/:/bin/sh' >/etc/passwd
		echo 'root:x:0:' >/etc/group
		: >/run/lio-setup.passwd
	fi
	if [ ! -s /etc/iscsi/initiatorname.iscsi ]; then
		echo "InitiatorName=$(iscsi-iname -p iqn.2005-03.org.open-iscsi)" \
			>/etc/iscsi/initiatorname.iscsi || die "iscsi-iname failed"
	fi
	if pidof iscsid >/dev/null; then
		return 0
	fi
	setsid iscsid -f </dev/null >"$ISCSID_LOG" 2>&1 &
	# Ready when it listens on iscsiadm's abstract socket (at most 10 s).
	i=0
	while [ "$i" -lt 100 ]; do
		grep -q '@ISCSIADM_ABSTRACT_NAMESPACE' /proc/net/unix && return 0
		sleep 0.1
		i=$((i + 1))
	done
	cat "$ISCSID_LOG" >&2
	die "iscsid did not come up"
}

iscsid_stop() {
	iscsiadm -m node --logoutall=all >/dev/null 2>&1
	if pid=$(pidof iscsid); then
		# shellcheck disable=SC2086 # one pid per word
		kill $pid
		i=0
		while pidof iscsid >/dev/null && [ "$i" -lt 100 ]; do
			sleep 0.1
			i=$((i + 1))
		done
		! pidof iscsid >/dev/null || die "iscsid did not stop"
	fi
	if [ -e /run/lio-setup.passwd ]; then
		rm -f /etc/passwd /etc/group /run/lio-setup.passwd
	fi
	return 0
}

[ $# -ge 1 ] || die "usage: lio-setup load|backstore|target|np-add|np-del|nps|clear|iscsid|iscsid-stop ..."
cmd=$1
shift
case "$cmd" in
load) load ;;
backstore) [ $# -eq 1 ] || die "usage: lio-setup backstore NAME"; backstore "$1" ;;
target) [ $# -ge 2 ] || die "usage: lio-setup target IQN BACKSTORE NP..."; target "$@" ;;
np-add) [ $# -eq 2 ] || die "usage: lio-setup np-add IQN NP"; np_add "$@" ;;
np-del) [ $# -eq 2 ] || die "usage: lio-setup np-del IQN NP"; np_del "$@" ;;
nps) nps ;;
clear) clear_all ;;
iscsid) iscsid_start ;;
iscsid-stop) iscsid_stop ;;
*) die "unknown command '$cmd'" ;;
esac

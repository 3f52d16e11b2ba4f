#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# Runs inside the VM (tools/testing/qemu/run.sh --mode bench), after init has
# loaded iscsi_portal.ko: sets up a real LIO target (configfs,
# target_core_mod, iscsi_target_mod and their dependencies, staged by run.sh
# in /lib/bench-modules with their load order in /lib/bench-modules/order),
# reloads iscsi_portal with room for a million portals, runs /bin/bench and
# sends its JSON on ttyS3, a channel of its own.  A second target and lo up
# are for the LIO phase (bench --portald: iscsi-portald, when it is built).  With /bin/perf in the
# initramfs (make bench PERF=1) the benchmark also prints profiles.
set -u

IQN=iqn.2003-01.org.example.bench:t1
TPG=/sys/kernel/config/target/iscsi/$IQN/tpgt_1
# The second target of the LIO phase (an np shared by two targets).
TPG2=/sys/kernel/config/target/iscsi/${IQN%:t1}:t2/tpgt_1
PORTALD=/usr/sbin/iscsi-portald
MAX_PORTALS=1048576

fail() {
	echo "vm-bench: $*"
	exit 1
}

while read -r m; do
	insmod "/lib/bench-modules/$m" || fail "insmod $m failed"
done </lib/bench-modules/order
grep -q ' /sys/kernel/config ' /proc/mounts ||
	mount -t configfs configfs /sys/kernel/config || fail "mount configfs"
mkdir -p "$TPG" || fail "mkdir $TPG"
[ -f "$TPG/enable" ] || fail "$TPG/enable missing"
echo "vm-bench: LIO target $IQN tpgt_1 (enable=$(cat "$TPG/enable"))"
mkdir -p "$TPG2" || fail "mkdir $TPG2"
ip link set lo up || fail "ip link set lo up"

rmmod iscsi_portal || fail "rmmod iscsi_portal"
insmod "$ISCSI_PORTAL_KO" max_portals=$MAX_PORTALS ||
	fail "insmod iscsi_portal max_portals=$MAX_PORTALS"

echo "vm-bench: $(nproc) CPUs, $(sed -n 's/^MemTotal: *//p' /proc/meminfo) RAM," \
     "$(sed -n 's/^model name[[:space:]]*: //p' /proc/cpuinfo | head -n 1)"
set -- --json /tmp/bench.json --attr "$TPG/enable"
# The LIO phase: OFFLINE/ONLINE through iscsi-portald (staged when built).
if [ -x "$PORTALD" ]; then
	set -- "$@" --portald "$PORTALD" --portalctl /bin/portalctl
else
	echo "vm-bench: no $PORTALD in the VM: no LIO figures"
fi
if [ -x /bin/perf ]; then
	# Kernel and module symbols for perf, samples of the whole machine.
	echo 0 >/proc/sys/kernel/kptr_restrict || fail "kptr_restrict"
	echo -1 >/proc/sys/kernel/perf_event_paranoid || fail "perf_event_paranoid"
	set -- "$@" --perf /bin/perf
fi
/bin/bench "$@"
rc=$?
[ "$rc" -eq 0 ] || fail "bench exited with status $rc"
cat /tmp/bench.json >/dev/ttyS3 || fail "cannot write the results to ttyS3"

# Leave LIO as we found it (the module unload at the end frees the portals).
rmdir "$TPG" "${TPG%/*}" "$TPG2" "${TPG2%/*}" 2>/dev/null
exit 0

#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# PID 1 of the iscsi_portal test VM (busybox sh), installed as /init by
# tools/testing/qemu/initramfs.sh.  ttyS0 is the console, ttyS1 the verdict
# channel, ttyS2 receives dmesg, ttyS3 (bench mode) the benchmark's JSON.
#
# /etc/vmtest.conf, written by the host for this run and deleted here before
# anything else runs, says what to do (MODE suite|demo|bench, TESTS, ...) and
# holds NONCE, the run's token.  Every line on the verdict channel starts with
# it; tools/testing/qemu/verdict.sh reads only those lines:
#   kmemleak on | kmemleak clean | kmemleak N
#   insmod ok | insmod fail | rmmod ok | rmmod fail
#   test PROG rc=RC[ timeout] [# Totals: ...][1..0 ...]   (suite)
#   note PROG TEXT                                       (suite: fuzzer counts)
#   demo rc=RC | bench rc=RC
#   done                                                 (always last)
#
# shellcheck disable=SC2153 # MODE, TESTS, ... come from /etc/vmtest.conf
export PATH=/bin:/sbin:/usr/bin:/usr/sbin
mount -t devtmpfs devtmpfs /dev
exec </dev/console >/dev/console 2>&1
mount -t proc proc /proc
mount -t sysfs sysfs /sys
mount -t debugfs debugfs /sys/kernel/debug
mount -t tmpfs tmpfs /tmp
# shellcheck source=/dev/null # written per run by the host
. /etc/vmtest.conf
rm -f /etc/vmtest.conf
[ -n "$LIBDIRS" ] && export LD_LIBRARY_PATH="$LIBDIRS"
# The LIO modules this kernel lacks (lio_test.sh then skips, naming them).
export LIO_MISSING

# A WARN (or an oops) ends the VM; its splat is in the console log.
sysctl -qw kernel.panic_on_warn=1
sysctl -qw kernel.panic_on_oops=1
sysctl -qw kernel.panic=-1

result() {
	echo "$NONCE $*" >/dev/ttyS1
}

# With kmemleak (the debug kernel): after the module is gone, two scans a
# few seconds apart (as Documentation/dev-tools/kmemleak.rst advises), and
# every report it then holds fails the run; it was cleared before insmod,
# so the kernel's own boot-time reports do not count.
kmemleak_check() {
	[ -e /sys/kernel/debug/kmemleak ] || return 0
	echo scan >/sys/kernel/debug/kmemleak
	sleep 5
	echo scan >/sys/kernel/debug/kmemleak
	cat /sys/kernel/debug/kmemleak >/tmp/kmemleak
	n=$(grep -c '^unreferenced object' /tmp/kmemleak)
	if [ "$n" -eq 0 ]; then
		result "kmemleak clean"
	else
		echo "vmtest: kmemleak: $n unreferenced objects:"
		cat /tmp/kmemleak
		result "kmemleak $n"
	fi
}

# reboot -f, not poweroff -f: a kernel without ACPI (the debug kernel) halts
# on power-off, while a reset makes QEMU (-no-reboot) exit on every kernel.
finish() {
	[ "$MODE" = suite ] && kmemleak_check
	dmesg >/dev/ttyS2
	result "done"
	reboot -f
}

# run_test PROG: run one selftest in a session of its own, so that on a
# timeout (and after it exits) nothing it started survives to hold the
# output pipe open.  Its exit status goes to /tmp/rc.
run_test() {
	# shellcheck disable=SC2164 # /selftests is always there
	cd "/selftests/${1%/*}" 2>/dev/null || cd /selftests
	setsid "/selftests/$1" </dev/null &
	pid=$!
	setsid sh -c "sleep $TEST_TIMEOUT; touch /tmp/timedout;
		echo 'vmtest: $1 timed out after $TEST_TIMEOUT s' >/dev/console;
		kill -KILL -- -$pid" </dev/null >/dev/null 2>&1 &
	dog=$!
	wait "$pid"
	echo $? >/tmp/rc
	kill -KILL -- "-$dog" 2>/dev/null
	kill -KILL -- "-$pid" 2>/dev/null
	cd /
}

echo "vmtest: $(uname -r), mode $MODE"
export ISCSI_PORTAL_KO=/lib/iscsi_portal/iscsi_portal.ko
if [ -e /sys/kernel/debug/kmemleak ]; then
	# A scan skips objects younger than 5 s: scan again past that, so
	# what boot itself leaked is reported, and cleared, before insmod.
	echo scan >/sys/kernel/debug/kmemleak
	sleep 6
	echo scan >/sys/kernel/debug/kmemleak
	echo clear >/sys/kernel/debug/kmemleak
	result kmemleak on
fi
[ -n "$FUZZ_SECONDS" ] && export IPFUZZ_SECONDS="$FUZZ_SECONDS"
# Only the debug kernel has fault injection; elsewhere fault_inject skips
# (counted as skipped, never as passed) instead of failing.
[ "$FAULT_REQUIRED" = 0 ] && export IPFAULT_REQUIRED=0
if ! insmod "$ISCSI_PORTAL_KO"; then
	echo "vmtest: insmod $ISCSI_PORTAL_KO failed"
	result insmod fail
	finish
fi
result insmod ok

case "$MODE" in
suite)
	for t in $TESTS; do
		echo "vmtest: running $t"
		rm -f /tmp/timedout
		run_test "$t" 2>&1 | tee /tmp/out
		rc=$(cat /tmp/rc)
		[ -e /tmp/timedout ] && rc="$rc timeout"
		totals=$(grep '^# Totals:' /tmp/out | tail -n 1)
		plan=$(grep '^1\.\.0' /tmp/out | tail -n 1)
		result "test $t rc=$rc $totals$plan"
		# The fuzzer's call counts, for the summary.
		grep -E '^# [a-z_]+: [0-9]+ calls in ' /tmp/out | while read -r l; do
			result "note $t ${l#\# }"
		done
	done
	;;
demo)
	# Only emergencies reach the console while the demo runs.
	dmesg -n 1
	echo "===== iscsi_portal demo ====="
	sh /demo.sh
	rc=$?
	echo "===== end of demo ====="
	dmesg -n 5
	result "demo rc=$rc"
	;;
bench)
	dmesg -n 1
	echo "===== iscsi_portal bench ====="
	sh /bench.sh
	rc=$?
	echo "===== end of bench ====="
	dmesg -n 5
	result "bench rc=$rc"
	;;
esac

if rmmod iscsi_portal; then
	result rmmod ok
else
	echo "vmtest: rmmod iscsi_portal failed"
	result rmmod fail
fi
finish

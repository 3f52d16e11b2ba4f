#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# A scripted portalctl session, run by the test VM's init (busybox sh) right
# after the module is loaded: `make demo`.  First the table on its own, then
# a real LIO target with two portals, iscsi-portald, and a real initiator
# (libiscsi's iscsi-inq) refused on the portal taken offline and served on
# the other, then served again once it is back online.  Each command is echoed after a
# "$ " prompt and then run.  Expected refusals are shown with their exit
# status and do not stop the demo; the demo exits non-zero only when a
# command did not do what the script expects.
set -u

bad=0
dbg=/sys/kernel/debug/iscsi_portal

# Let the watcher print what the last command changed before going on.
settle() {
	[ -n "${watcher:-}" ] && sleep 0.3
	return 0
}

# run CMD...: a command that must succeed.
run() {
	echo "\$ $*"
	"$@"
	rc=$?
	settle
	if [ "$rc" -ne 0 ]; then
		echo "(exit $rc, unexpected)"
		bad=$((bad + 1))
	fi
	return 0
}

# refused CMD...: a command that must fail; show its exit status.
refused() {
	echo "\$ $*"
	"$@"
	rc=$?
	settle
	if [ "$rc" -eq 0 ]; then
		echo "(exit 0, expected a refusal)"
		bad=$((bad + 1))
	else
		echo "(exit $rc)"
	fi
	return 0
}

# write VALUE FILE: a debugfs knob.
write() {
	echo "\$ echo $1 > $2"
	if ! echo "$1" >"$2"; then
		echo "(write failed)"
		bad=$((bad + 1))
	fi
}

# The module was loaded just before this script, and ids start at 1 and are
# never reused (CONTRACT section 4), so the two portals get ids 1 and 2.
v4=1
v6=2

run portalctl version

# A watcher sees every committed change; its lines are marked "watch|".
# (A shell loop marks the lines: busybox sed reads one line ahead.)
echo "\$ portalctl watch &"
{ portalctl watch; echo $? >/tmp/watch.rc; } 2>&1 |
	while IFS= read -r line; do echo "    watch| $line"; done &
watcher=$!
sleep 0.5
run portalctl add 192.0.2.10:3260
run portalctl add '[2001:db8::10]:3260'
run portalctl list
run portalctl set "$v4" offline
run portalctl get "$v4"
run portalctl set "$v4" online

# Only the provider may set NOT_READY: EOPNOTSUPP.
refused portalctl set "$v4" not_ready

# A second mutating call on a busy portal fails at once with EBUSY.
write 2000 "$dbg/set_delay_ms"
echo "\$ portalctl set $v4 offline &"
portalctl set "$v4" offline &
bg=$!
echo "\$ sleep 0.3"
sleep 0.3
refused portalctl set "$v4" online
run portalctl get "$v4"
echo "\$ wait"
wait "$bg"
rc=$?
echo "(background set exited $rc)"
[ "$rc" -eq 0 ] || bad=$((bad + 1))
write 0 "$dbg/set_delay_ms"

# A removed portal is "deleted" (EIDRM), not "not found".
run portalctl remove "$v6"
refused portalctl get "$v6"

run portalctl --json list

# The watcher stops cleanly (exit 0) on SIGINT.
echo "\$ kill -INT \$(pidof portalctl)"
# shellcheck disable=SC2086 # pidof: one pid per word
pid=$(pidof portalctl) && kill -INT $pid
wait "$watcher"
rc=$(cat /tmp/watch.rc 2>/dev/null || echo none)
echo "(watcher exited $rc)"
[ "$rc" = 0 ] || bad=$((bad + 1))

# ---- LIO: one portal of a real iSCSI target offline and back -------------

# login ADDR: a real initiator (libiscsi's iscsi-inq) logs in to the
# target through ADDR and reads LUN 0's INQUIRY data; must succeed, or with
# "refused" first, must fail.
login() {
	want=ok
	if [ "$1" = refused ]; then
		want=refused
		shift
	fi
	echo "\$ iscsi-inq iscsi://$1/$IQN/0 | grep -E '^(Vendor|Product):'"
	iscsi-inq "iscsi://$1/$IQN/0" >/tmp/inq 2>&1 </dev/null
	rc=$?
	if [ "$rc" -eq 0 ]; then
		grep -E '^(Vendor|Product):' /tmp/inq
	else
		cat /tmp/inq
		echo "(exit $rc)"
	fi
	if { [ "$want" = ok ] && [ "$rc" -ne 0 ]; } ||
	   { [ "$want" = refused ] && [ "$rc" -eq 0 ]; }; then
		echo "(expected the login to be $want)"
		bad=$((bad + 1))
	fi
	return 0
}

# id_of ADDR: the id the daemon's portal for ADDR got.
id_of() {
	portalctl list | awk -v a="$1" '$2 == a { print $1; exit }'
}

IQN=iqn.2003-01.org.linux-iscsi.demo:disk
NP=/sys/kernel/config/target/iscsi/$IQN/tpgt_1/np
echo
watcher=	# gone: nothing to settle for
echo "# LIO, through configfs: one target, two portals in its TPG"
run lio-setup load
run lio-setup backstore rd0
run lio-setup target "$IQN" rd0 127.0.0.1:3260 127.0.0.1:3261
run ls "$NP"

# The bridge: each np of LIO becomes a portal of the table.
echo "\$ iscsi-portald --state-dir /tmp/portald &"
setsid iscsi-portald --foreground --state-dir /tmp/portald \
	--pidfile /tmp/portald.pid </dev/null >/tmp/portald.log 2>&1 &
pd=$!
i=0
while [ ! -s /tmp/portald.pid ] && [ "$i" -lt 100 ]; do
	sleep 0.1
	i=$((i + 1))
done
if [ ! -s /tmp/portald.pid ]; then
	echo "(iscsi-portald did not become ready)"
	cat /tmp/portald.log
	bad=$((bad + 1))
fi
run portalctl list
id=$(id_of 127.0.0.1:3261)
[ -n "$id" ] || { echo "(no portal for 127.0.0.1:3261)"; bad=$((bad + 1)); id=0; }
echo "# iscsi-portald gave 127.0.0.1:3261 the id $id"

run iscsi-ls iscsi://127.0.0.1:3260
login 127.0.0.1:3261

# Offline: the np leaves LIO, logins through it are refused, the other
# portal keeps serving, SendTargets no longer lists it.
run portalctl set "$id" offline
run portalctl get "$id"
run ls "$NP"
login refused 127.0.0.1:3261
login 127.0.0.1:3260
run iscsi-ls iscsi://127.0.0.1:3260

# Online: the np is back, logins through it are served again.
run portalctl set "$id" online
run ls "$NP"
login 127.0.0.1:3261

echo "\$ kill \$(cat /tmp/portald.pid)"
kill "$pd"
wait "$pd"
rc=$?
echo "(iscsi-portald exited $rc)"
[ "$rc" = 0 ] || { bad=$((bad + 1)); cat /tmp/portald.log; }
lio-setup clear || bad=$((bad + 1))

if [ "$bad" -ne 0 ]; then
	echo "demo: $bad step(s) did not behave as expected"
	exit 1
fi
exit 0

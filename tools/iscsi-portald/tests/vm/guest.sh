#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# The guest's /init for smoke.sh: LIO through configfs (two targets, two
# portals in t1's TPG, 127.0.0.1:3261 shared by both, an IPv6 portal and one
# on an address no interface has), iscsi-portald, then every rule of
# CONTRACT 8.3 checked with portalctl, iscsi-ls and iscsi-perf.  Prints
# "SMOKE ok: ..." / "SMOKE FAIL: ..." and "SMOKE RESULT: N passed, N failed".
export PATH=/usr/sbin:/usr/bin:/sbin:/bin
mount -t proc proc /proc
mount -t sysfs sys /sys
mount -t devtmpfs dev /dev
mount -t tmpfs tmp /tmp
for m in configfs scsi_common target_core_mod iscsi_target_mod inet_diag tcp_diag iscsi_portal; do
	insmod "/lio/$m.ko" || echo "SMOKE FAIL: insmod $m"
done
mount -t configfs none /sys/kernel/config
ip link set lo up

C=/sys/kernel/config/target/iscsi
T1=iqn.2003-01.org.example:t1
T2=iqn.2003-01.org.example:t2
R=/sys/kernel/config/target/core/rd_mcp_0/rd0
mkdir -p $R
echo rd_pages=4096 >$R/control
echo 1 >$R/enable
for t in $T1 $T2; do
	g=$C/$t/tpgt_1
	mkdir -p "$g/np" "$g/lun/lun_0"
	ln -s $R "$g/lun/lun_0/rd0"
	echo 0 >"$g/attrib/authentication"
	echo 1 >"$g/attrib/generate_node_acls"
	echo 1 >"$g/attrib/cache_dynamic_acls"
	echo 0 >"$g/attrib/demo_mode_write_protect"
done
mkdir $C/$T1/tpgt_1/np/127.0.0.1:3260 $C/$T1/tpgt_1/np/127.0.0.1:3261 \
	$C/$T2/tpgt_1/np/127.0.0.1:3261 $C/$T2/tpgt_1/np/192.0.2.1:3263 \
	"$C/$T2/tpgt_1/np/[::1]:3262"
for t in $T1 $T2; do echo 1 >"$C/$t/tpgt_1/enable"; done

ok=0
bad=0
check() {
	if [ "$1" = "$2" ]; then
		ok=$((ok + 1)); echo "SMOKE ok: $3"
	else
		bad=$((bad + 1)); echo "SMOKE FAIL: $3 (got '$1', want '$2')"
	fi
}
# login ADDR: 0 when a discovery session logs in, else 1.
login() { iscsi-ls "iscsi://$1" >/dev/null 2>&1 && echo 0 || echo 1; }
st() { portalctl list | awk -v a="$1" 'index($2, a) == 1 {print $3; exit}'; }
id() { portalctl list | awk -v a="$1" 'index($2, a) == 1 {print $1; exit}'; }
# nps PORT: how many TPGs have an np on 127.0.0.1:PORT.
nps() {
	n=0
	for d in "$C/$T1/tpgt_1/np/127.0.0.1:$1" "$C/$T2/tpgt_1/np/127.0.0.1:$1"; do
		[ -d "$d" ] && n=$((n + 1))
	done
	echo $n
}
# est HEXPORT: established connections whose local end is 127.0.0.1:PORT.
est() { grep -c " 0100007F:$1 [0-9A-F]*:[0-9A-F]* 01" /proc/net/tcp; }
start() {
	rm -f /tmp/pd.pid
	iscsi-portald --foreground --state-dir /var/lib/ip --pidfile /tmp/pd.pid \
		2>>/tmp/pd.log &
	i=0
	while [ ! -e /tmp/pd.pid ] && [ $i -lt 100 ]; do sleep 0.1; i=$((i + 1)); done
}

start
portalctl list
check "$(st 127.0.0.1:3260)" online "import: 127.0.0.1:3260"
check "$(st 127.0.0.1:3261)" online "import: 127.0.0.1:3261 (two targets)"
check "$(st '[::1]:3262')" online "import: [::1]:3262"
check "$(st 192.0.2.1:3263)" failed "import: an address on no interface is failed"
check "$(login 127.0.0.1:3260)" 0 "login on 3260"
check "$(login 127.0.0.1:3261)" 0 "login on 3261"
check "$(login '[::1]:3262')" 0 "login on [::1]:3262"
P0=$(id 127.0.0.1:3260)
P1=$(id 127.0.0.1:3261)
P6=$(id '[::1]:3262')

portalctl set "$P1" offline; check $? 0 "set 3261 offline"
check "$(st 127.0.0.1:3261)" offline "... offline"
check "$(nps 3261)" 0 "... np out of both targets"
check "$(login 127.0.0.1:3261)" 1 "... login refused"
check "$(login 127.0.0.1:3260)" 0 "... 3260 still serves"
check "$(grep -c '"offline": true' /var/lib/ip/state.json)" 1 "... in the state file"
portalctl set "$P1" online; check $? 0 "set 3261 online"
check "$(nps 3261)" 2 "... np back in both targets"
check "$(login 127.0.0.1:3261)" 0 "... login again"
portalctl set "$P6" offline; check $? 0 "set [::1]:3262 offline"
check "$(login '[::1]:3262')" 1 "... login refused"
portalctl set "$P6" online; check $? 0 "set [::1]:3262 online"

portalctl set "$P0" offline
nc -l -p 3260 >/dev/null </dev/null &
NC=$!
sleep 0.3
out=$(portalctl set "$P0" online 2>&1)
check $? 1 "online with the port held by another listener fails"
check "$(echo "$out" | grep -ci 'in use')" 1 "... with EADDRINUSE"
check "$(st 127.0.0.1:3260)" offline "... and stays offline"
check "$(nps 3260)" 0 "... np not left behind"
kill $NC
sleep 0.3
portalctl set "$P0" online; check $? 0 "online once the port is free"

ip addr add 192.0.2.1/32 dev lo
sleep 0.5
check "$(st 192.0.2.1:3263)" online "ip addr add: online"
ip addr del 192.0.2.1/32 dev lo
sleep 0.5
check "$(st 192.0.2.1:3263)" failed "ip addr del: failed"

iscsi-perf -i iqn.2003-01.org.example:i1 "iscsi://127.0.0.1:3261/$T1/0" >/tmp/perf1 2>&1 &
N1=$!
iscsi-perf -i iqn.2003-01.org.example:i2 "iscsi://127.0.0.1:3260/$T1/0" >/tmp/perf2 2>&1 &
N2=$!
sleep 3
check "$(est 0CBD)$(est 0CBC)" 11 "a session doing I/O on 3261 and on 3260"
portalctl set "$P1" offline; check $? 0 "offline of 3261"
sleep 1
check "$(est 0CBD)" 1 "... its session stays (LIO's behaviour)"
portalctl set "$P1" online
portalctl set "$P1" offline --drop-sessions; check $? 0 "offline --drop-sessions of 3261"
sleep 3
check "$(est 0CBD)" 0 "... its session ended"
check "$(est 0CBC)" 1 "... the session on 3260 stays"
kill $N1 $N2 2>/dev/null

kill -9 "$(cat /tmp/pd.pid)"
sleep 0.3
out=$(portalctl set "$P1" online 2>&1)
check "$(echo "$out" | grep -ci provider)" 1 "a SET while the daemon is gone: ENXIO"
mkdir $C/$T1/tpgt_1/np/127.0.0.1:3261 $C/$T2/tpgt_1/np/127.0.0.1:3261
check "$(login 127.0.0.1:3261)" 0 "np re-created by hand (a boot's restore) serves"
start
check "$(st 127.0.0.1:3261)" offline "after kill -9 and restart: offline again"
check "$(id 127.0.0.1:3261)" "$P1" "... with the same id"
check "$(login 127.0.0.1:3261)" 1 "... and no target answers"
check "$(id 127.0.0.1:3260)" "$P0" "the other portals keep their ids"

mkdir $C/$T1/tpgt_1/np/127.0.0.1:3265
sleep 0.5
check "$(st 127.0.0.1:3265)" online "an np made by hand: a portal"
rmdir $C/$T1/tpgt_1/np/127.0.0.1:3265
sleep 0.5
check "$(id 127.0.0.1:3265)" "" "that np removed by hand: the portal removed"
mkdir $C/$T1/tpgt_1/np/127.0.0.1:3266
kill -HUP "$(cat /tmp/pd.pid)"
sleep 0.5
check "$(st 127.0.0.1:3266)" online "SIGHUP imports"
portalctl reenumerate; check $? 0 "reenumerate"
portalctl refresh; check $? 0 "refresh"
check "$(st 127.0.0.1:3261)" offline "refresh keeps the held portal offline"

kill "$(cat /tmp/pd.pid)"
sleep 0.5
check "$(st 127.0.0.1:3260)" unknown "SIGTERM: portals orphaned"
check "$(login 127.0.0.1:3260)" 0 "... LIO untouched"

cp /var/lib/ip/state.json /tmp/state.good
head -c 100 /tmp/state.good >/var/lib/ip/state.json
iscsi-portald --foreground --state-dir /var/lib/ip 2>/tmp/err
check $? 3 "a truncated state file is refused (exit 3)"
check "$(grep -c /var/lib/ip/state.json /tmp/err)" 1 "... naming the file"
check "$(nps 3261)" 0 "... LIO untouched"
cp /tmp/state.good /var/lib/ip/state.json
iscsi-portald --state-dir /var/lib/ip --pidfile /tmp/pd.pid
check $? 0 "in the background: exits 0 once ready"
check "$(st 127.0.0.1:3260)" online "... adopted the orphans"
check "$(st 127.0.0.1:3261)" offline "... the held one still offline"

echo "==== iscsi-portald's log"
cat /tmp/pd.log
echo "SMOKE RESULT: $ok passed, $bad failed"
poweroff -f

#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# lio_test.sh - iscsi-portald, the LIO bridge (CONTRACT section 8.3, issue
# 14), against a real LIO target and real initiators: libiscsi's iscsi-inq,
# iscsi-ls and iscsi-perf, and open-iscsi's iscsid and iscsiadm with a real
# /dev/sdX.
#
# Runs inside the test VM (busybox sh, root, module loaded; the VM carries
# LIO's modules, the initiators, lio-setup and iscsi-portald: see
# tools/testing/qemu/initramfs.sh) and prints TAP ending with a kselftest
# "# Totals:" line.  LIO is configured through configfs alone (lio-setup):
#
#   target T1, tpgt_1: 127.0.0.1:3260 (A), 127.0.0.1:3261 (B),
#                      127.0.0.2:3260 (S), 192.0.2.1:3263 (F)
#   target T2, tpgt_1: 127.0.0.2:3260 (S, shared with T1)
#
# F's address is on no interface until a test adds it to lo.  Every state
# is waited for with a bounded poll, never a fixed sleep.  On exit every
# process started here is stopped, the initiators logged out, the daemon
# stopped and LIO cleared.
set -u

# The TAP helpers (tst_begin, fail, show, tst_end, totals, bail, poll,
# pc...), next to this script.
tap=$(dirname "$0")/tap.sh
[ -r "$tap" ] || { echo "$0: $tap (the shared TAP helpers) is missing" >&2; exit 1; }
# shellcheck source=SCRIPTDIR/tap.sh
. "$tap"

PLAN=18
T=$(mktemp -d /tmp/lio_test.XXXXXX) || exit 1
CFS=/sys/kernel/config
ISCSI=$CFS/target/iscsi
SD=$T/state			# the daemon's state directory
PIDF=$T/portald.pid
LOG=$T/portald.log		# the daemon's stderr, all runs
T1=iqn.2003-01.org.linux-iscsi.vm:t1
T2=iqn.2003-01.org.linux-iscsi.vm:t2
A=127.0.0.1:3260
B=127.0.0.1:3261
S=127.0.0.2:3260
F=192.0.2.1:3263
INI=iqn.2026-12.org.iscsi-portal.test
E_INUSE=0x80072740		# HRESULT_FROM_WIN32(WSAEADDRINUSE)
E_PROVIDER=0x80042442		# VDS_E_PROVIDER_FAILURE
# ENXIO's own text (tools/lib/errors.c): EIO and the other errnos a
# provider may return print the same HRESULT, but not this.
E_GONE="the portal's provider is gone (orphan), or a provider failed (VDS_E_PROVIDER_FAILURE $E_PROVIDER)"

bgpids=		# background processes started here
pdpid=		# the daemon's pid while it runs
fadded=0	# 192.0.2.1/32 is on lo

# ---- cleanup ---------------------------------------------------------------

cleanup() {
	for p in $bgpids; do
		kill -KILL "$p" 2>/dev/null
		wait "$p" 2>/dev/null
	done
	bgpids=
	[ "$fadded" = 1 ] && ip addr del 192.0.2.1/32 dev lo 2>/dev/null
	lio-setup iscsid-stop 2>/dev/null
	pd_kill TERM
	lio-setup clear || echo "# cleanup: lio-setup clear failed"
	if [ -s "$LOG" ] && [ "$nfail" != 0 ]; then
		echo "# iscsi-portald's log:"
		sed 's/^/#   /' "$LOG"
	fi
	rm -rf "$T"
}
trap cleanup EXIT
trap 'exit 1' HUP INT TERM

# ---- the table -------------------------------------------------------------

# fail_once TEXT: fail with TEXT, once per test (for the helpers that a
# poll calls again and again); false when TEXT was said already.
fo_n=
fo_seen=
fail_once() {
	[ "$fo_n" = "$n" ] || { fo_n=$n; fo_seen=; }
	case "$fo_seen" in
	*"|$*|"*) return 1 ;;
	esac
	fo_seen="$fo_seen|$*|"
	fail "$@"
}

LIST_HDR='ID ADDRESS STATUS FLAGS GENERATION PROVIDER'

# list_to FILE: portalctl list to FILE; when it fails or prints no table
# the test fails (once) and the status is 2, never taken for "no row".
list_to() {
	portalctl list >"$1" 2>"$T/list.err" </dev/null
	l_rc=$?
	[ "$l_rc" = 0 ] && [ "$(awk 'NR == 1 { $1 = $1; print }' "$1")" = "$LIST_HDR" ] &&
		return 0
	fail_once "portalctl list failed (exit $l_rc), or printed no table:" &&
		show "$1" "$T/list.err"
	return 2
}

# get_row ADDR: $row_v, "ID STATUS PROVIDER" of the portal with address
# ADDR ("" when there is none), from portalctl list (columns ID ADDRESS
# STATUS FLAGS GENERATION PROVIDER); status 2 when list_to fails.
get_row() {
	row_v=
	list_to "$T/list" || return 2
	row_v=$(awk -v a="$1" '$2 == a { print $1, $3, $6; exit }' "$T/list")
}

# row ADDR: get_row's row printed (for $(...)); a failed list prints
# "(portalctl list failed)", which matches no row, status or id.
row() {
	get_row "$1" >/dev/null || { echo "(portalctl list failed)"; return 2; }
	echo "$row_v"
}

# id_of ADDR: its id, or nothing (row's text when the list fails).
id_of() {
	i_r=$(row "$1") || { echo "$i_r"; return 2; }
	echo "${i_r%% *}"
}

# want_id ADDR ID: the portal of address ADDR has id ID; in this shell,
# so that a failed list fails the test (list_to) rather than compare
# one failure's text with another's.
want_id() {
	get_row "$1" || return 0
	[ "${row_v%% *}" = "$2" ] || fail "portal $1 has id '${row_v%% *}', was $2"
}

status_is() {
	get_row "$1" || return 2
	[ "$(echo "$row_v" | awk '{ print $2 }')" = "$2" ]
}

provider_is() {
	get_row "$1" || return 2
	[ "$(echo "$row_v" | awk '{ print $3 }')" = "$2" ]
}

# want_status ADDR STATUS [TENTHS]: the portal reaches STATUS (default 10 s).
want_status() {
	poll "${3:-100}" status_is "$1" "$2" && return 0
	fail "portal $1: status is '$(row "$1")', expected $2"
	return 1
}

# gone_from_table ADDR: portalctl list works and shows no portal ADDR.
gone_from_table() {
	get_row "$1" || return 2
	[ -z "$row_v" ]
}

# table_to FILE: "ID ADDRESS STATUS PROVIDER" of every portal, sorted, to
# FILE; false (the test failed) when portalctl list fails or lists none.
table_to() {
	list_to "$T/list" || return 2
	awk 'NR > 1 { print $1, $2, $3, $6 }' "$T/list" | sort >"$1"
	[ -s "$1" ] && return 0
	fail "portalctl list shows no portal"
	return 1
}

# pc_ok ARGS...: tap.sh's pc, which must succeed.
pc_ok() {
	pc "$@"
	[ "$rc" = 0 ] && return 0
	fail "$last: exit $rc"
	show "$T/out" "$T/err"
	return 1
}

# ---- LIO -------------------------------------------------------------------

# nps_to FILE: LIO's nps ("TARGET ADDR" each, sorted) to FILE; false (the
# test failed) when there is none to compare with: configfs unreadable.
nps_to() {
	lio-setup nps | sort >"$1"
	[ -s "$1" ] && return 0
	fail "lio-setup nps lists no np"
	return 1
}

# np_dir TARGET ADDR
np_dir() {
	echo "$ISCSI/$1/tpgt_1/np/$2"
}

has_np() {
	[ -d "$(np_dir "$1" "$2")" ]
}

# hexaddr ADDR:PORT: as /proc/net/tcp shows a local IPv4 address.
hexaddr() {
	echo "$1" | awk -F '[.:]' '{ printf "%02X%02X%02X%02X:%04X\n", $4, $3, $2, $1, $5 }'
}

# tcp_lines ADDR:PORT STATE: the /proc/net/tcp sockets whose local address
# is ADDR:PORT in STATE (0A listen, 01 established), "local remote" each.
tcp_lines() {
	awk -v l="$(hexaddr "$1")" -v s="$2" '$2 == l && $4 == s { print $2, $3 }' /proc/net/tcp
}

listening() {
	[ -n "$(tcp_lines "$1" 0A)" ]
}

not_listening() {
	! listening "$1"
}

established() {
	[ -n "$(tcp_lines "$1" 01)" ]
}

no_established() {
	! established "$1"
}

# sessions_of TARGET: the initiator names of its sessions (LIO's view; it
# ends each name with a newline and a NUL); false when LIO has no such
# file (no such TPG).
sessions_of() {
	tr -d '\000' <"$ISCSI/$1/tpgt_1/dynamic_sessions" 2>/dev/null
}

# has_session TARGET INITIATOR (iSCSI names compare without case: LIO
# shows them in lower case).  Status 2 (the test failed, once) when the
# sessions cannot be read: no_session takes that for no answer, not for
# "no session".
has_session() {
	if ! h_s=$(sessions_of "$1"); then
		fail_once "cannot read $ISCSI/$1/tpgt_1/dynamic_sessions"
		return 2
	fi
	printf '%s\n' "$h_s" | grep -qix "$2"
}

no_session() {
	has_session "$1" "$2"
	[ $? = 1 ]
}

# ---- the daemon ------------------------------------------------------------

# pd_start: iscsi-portald in the foreground (stderr to $LOG), in a session
# of its own; ready when its pid file is written (10 s at most).
pd_start() {
	rm -f "$PIDF"
	echo "--- iscsi-portald started" >>"$LOG"
	setsid iscsi-portald --foreground --verbose --state-dir "$SD" \
		--pidfile "$PIDF" </dev/null >>"$LOG" 2>&1 &
	pdpid=$!
	bgpids="$bgpids $pdpid"
	if ! poll 100 test -s "$PIDF"; then
		fail "iscsi-portald did not become ready (no $PIDF in 10 s)"
		return 1
	fi
	[ "$(cat "$PIDF")" = "$pdpid" ] || fail "pid file says $(cat "$PIDF"), started $pdpid"
	return 0
}

# pd_kill SIG: signal the daemon and reap it; its exit status in $pdrc.
pd_kill() {
	pdrc=
	[ -n "$pdpid" ] || return 0
	kill "-$1" "$pdpid" 2>/dev/null
	wait "$pdpid" 2>/dev/null
	pdrc=$?
	bgpids=$(echo " $bgpids " | sed "s/ $pdpid / /; s/^ *//; s/ *\$//")
	pdpid=
}

# ---- initiators ------------------------------------------------------------

# inq ADDR TARGET [NAME]: one libiscsi login and INQUIRY; $rc, $T/inq.
inq() {
	timeout 30 iscsi-inq -i "$INI:${3:-inq}" "iscsi://$1/$2/0" >"$T/inq" 2>&1 </dev/null
	rc=$?
}

# inq_ok ADDR TARGET: a login through ADDR and an INQUIRY of TARGET's LUN 0.
inq_ok() {
	inq "$1" "$2"
	if [ "$rc" != 0 ] || ! grep -q 'Vendor' "$T/inq"; then
		fail "iscsi-inq $2 through $1: exit $rc, expected 0 and the INQUIRY data:"
		show "$T/inq"
		return 1
	fi
	return 0
}

# inq_refused ADDR TARGET: the login fails (iscsi-inq exits 10, "Login
# Failed"... or, for a portal nothing listens on, the connect).
inq_refused() {
	inq "$1" "$2"
	if [ "$rc" != 10 ]; then
		fail "iscsi-inq $2 through $1: exit $rc, expected 10 (login failed):"
		show "$T/inq"
		return 1
	fi
	return 0
}

# connect ADDR:PORT: a raw TCP connect (busybox nc); $T/nc has its error.
connect_refused() {
	timeout 10 nc "${1%:*}" "${1##*:}" </dev/null >/dev/null 2>"$T/nc"
	if ! grep -qi 'refused' "$T/nc"; then
		fail "connect to $1: not refused:"
		show "$T/nc"
		return 1
	fi
	return 0
}

# sendtargets ADDR: the portals SendTargets through ADDR lists, one
# "TARGET ADDR" line each, from libiscsi (iscsi-ls) to $T/st.ls and
# open-iscsi (iscsiadm, nothing written to its node database) to $T/st.adm.
sendtargets() {
	timeout 30 iscsi-ls -i "$INI:ls" "iscsi://$1" </dev/null 2>&1 |
		sed -n 's/^Target:\([^ ]*\) Portal:\([^,]*\),.*/\1 \2/p' | sort >"$T/st.ls"
	timeout 30 iscsiadm -m discovery -t st -p "$1" -o nonpersistent </dev/null 2>&1 |
		sed -n 's/^\([^ ,]*\),[0-9]* \(.*\)$/\2 \1/p' | sort >"$T/st.adm"
}

# want_sendtargets ADDR [EXCEPT]: both initiators list exactly the lines
# of $ALL, but EXCEPT.
want_sendtargets() {
	echo "$ALL" | grep -vx "${2:-none}" | sort >"$T/st.want"
	sendtargets "$1"
	for w_f in ls adm; do
		cmp -s "$T/st.want" "$T/st.$w_f" && continue
		fail "SendTargets through $1 ($w_f): expected / got:"
		show "$T/st.want"
		echo "#   ---"
		show "$T/st.$w_f"
	done
}

# adm_login TARGET ADDR: an open-iscsi session through ADDR; its sysfs
# session name (sessionN) in $sess, its disk (sdX) in $disk.
adm_login() {
	sess='' disk=''
	iscsiadm -m node -o new -T "$1" -p "$2" >/dev/null 2>&1
	if ! timeout 60 iscsiadm -m node -T "$1" -p "$2" --login >"$T/adm" 2>&1 </dev/null; then
		fail "iscsiadm --login $1 through $2 failed:"
		show "$T/adm"
		return 1
	fi
	for s in /sys/class/iscsi_session/session*; do
		[ "$(cat "$s/targetname" 2>/dev/null)" = "$1" ] || continue
		c=/sys/class/iscsi_connection/connection${s##*/session}:0
		[ "$(cat "$c/persistent_address" 2>/dev/null):$(cat "$c/persistent_port" 2>/dev/null)" = "$2" ] || continue
		sess=${s##*/}
	done
	if [ -z "$sess" ]; then
		fail "no iscsi_session of $1 through $2 in sysfs"
		return 1
	fi
	poll 200 adm_find_disk || { fail "$sess: no disk after 20 s"; return 1; }
	return 0
}

adm_find_disk() {
	for b in /sys/class/iscsi_session/"$sess"/device/target*/*/block/*; do
		[ -e "$b" ] || continue
		disk=${b##*/}
		[ -b "/dev/$disk" ] && return 0
	done
	return 1
}

# adm_logout TARGET ADDR
adm_logout() {
	timeout 60 iscsiadm -m node -T "$1" -p "$2" --logout >/dev/null 2>&1 </dev/null
}

adm_refused() {
	iscsiadm -m node -o new -T "$1" -p "$2" >/dev/null 2>&1
	if timeout 60 iscsiadm -m node -T "$1" -p "$2" --login >"$T/adm" 2>&1 </dev/null; then
		fail "iscsiadm --login $1 through $2 succeeded, expected a failure"
		adm_logout "$1" "$2"
		return 1
	fi
	return 0
}

# disk_io DISK TAG: write 1 MiB of fresh data at an offset of its own (TAG
# 0-7), flush it, drop the page cache and read it back: the same data.
disk_io() {
	dd if=/dev/urandom of="$T/io.$2" bs=64k count=16 2>/dev/null
	if ! dd if="$T/io.$2" of="/dev/$1" bs=64k seek=$(($2 * 16)) count=16 \
		oflag=direct conv=fsync 2>"$T/dd"; then
		fail "write to /dev/$1 failed:"
		show "$T/dd"
		return 1
	fi
	echo 3 >/proc/sys/vm/drop_caches
	if ! dd if="/dev/$1" of="$T/io.$2.back" bs=64k skip=$(($2 * 16)) count=16 \
		iflag=direct 2>"$T/dd"; then
		fail "read from /dev/$1 failed:"
		show "$T/dd"
		return 1
	fi
	cmp -s "$T/io.$2" "$T/io.$2.back" || { fail "/dev/$1: read back other data"; return 1; }
	return 0
}

# perf_start ADDR NAME: iscsi-perf (initiator $INI:NAME, no reconnect) on
# T1's LUN through ADDR, in the background; its pid in $perfpid, once LIO
# shows its session.
perf_start() {
	iscsi-perf -i "$INI:$2" -x 0 -m 4 -b 8 "iscsi://$1/$T1/0" \
		</dev/null >"$T/perf.$2" 2>&1 &
	perfpid=$!
	bgpids="$bgpids $perfpid"
	poll 200 has_session "$T1" "$INI:$2" && return 0
	fail "iscsi-perf $2 through $1: no session after 20 s; LIO has:"
	sessions_of "$T1" | show
	tr '\r' '\n' <"$T/perf.$2" | tail -n 3 | show
	return 1
}

# alive PID: it runs (a zombie, exited but not reaped yet, does not).
alive() {
	read -r _ _ a_st _ 2>/dev/null <"/proc/$1/stat" && [ "$a_st" != Z ]
}

dead() {
	! alive "$1"
}

# grows FILE SIZE: FILE is larger than SIZE bytes.
grows() {
	[ "$(wc -c <"$1")" -gt "$2" ]
}

# ---- the tests ---------------------------------------------------------------

[ -z "${LIO_MISSING:-}" ] || tst_skip_all "this kernel has no $LIO_MISSING"
tst_plan

# 1
tst_begin "LIO through configfs: two targets, np $S shared by both, four nps in T1's TPG"
if ! lio-setup load >"$T/setup" 2>&1 ||
   ! lio-setup backstore rd1 >>"$T/setup" 2>&1 ||
   ! lio-setup backstore rd2 >>"$T/setup" 2>&1 ||
   ! lio-setup target "$T1" rd1 "$A" "$B" "$S" "$F" >>"$T/setup" 2>&1 ||
   ! lio-setup target "$T2" rd2 "$S" >>"$T/setup" 2>&1; then
	fail "lio-setup failed:"
	show "$T/setup"
fi
for a in "$A" "$B" "$S"; do
	poll 50 listening "$a" || fail "LIO does not listen on $a"
done
tst_end
[ "$tfail" = 0 ] || bail "LIO could not be set up"

if ! command -v iscsi-portald >/dev/null 2>&1; then
	bail "iscsi-portald is not in this VM (tools/iscsi-portald not built)"
fi

# 2
tst_begin "iscsi-portald imports every np: one portal per address, provider iscsi-portald; $F (on no interface) FAILED"
mkdir -p "$SD"
pd_start || bail "iscsi-portald did not start"
for a in "$A" "$B" "$S"; do
	want_status "$a" online
	provider_is "$a" iscsi-portald || fail "portal $a: provider '$(row "$a")', expected iscsi-portald"
done
want_status "$F" failed
idA=$(id_of "$A") idB=$(id_of "$B") idS=$(id_of "$S") idF=$(id_of "$F")
[ "$(portalctl list | awk -v a="$S" '$2 == a' | wc -l)" = 1 ] ||
	fail "the shared np $S is not exactly one portal"
tst_end
for v in "$A=$idA" "$B=$idB" "$S=$idS" "$F=$idF"; do
	case "${v#*=}" in
	''|*[!0-9]*) bail "the daemon gave no portal for ${v%=*} (id '${v#*=}')" ;;
	esac
done

# 3
tst_begin "logins through both portals of one TPG (libiscsi and open-iscsi), and through the shared one into both targets"
inq_ok "$A" "$T1"
inq_ok "$B" "$T1"
inq_ok "$S" "$T1"
inq_ok "$S" "$T2"
if lio-setup iscsid >"$T/iscsid" 2>&1; then
	adm_login "$T1" "$B" && sessB=$sess diskB=$disk && disk_io "$diskB" 0
	adm_login "$T1" "$A" && sessA=$sess diskA=$disk && disk_io "$diskA" 1
else
	fail "iscsid did not start:"
	show "$T/iscsid"
fi
tst_end
sessB=${sessB:-} diskB=${diskB:-} sessA=${sessA:-} diskA=${diskA:-}

ALL="$T1 $A
$T1 $B
$T1 $S
$T1 $F
$T2 $S"

# 4
tst_begin "SendTargets through either portal lists every portal of every target"
want_sendtargets "$A"
want_sendtargets "$S"
tst_end

# 5
tst_begin "set $B offline: its np is gone from the TPG, logins through it refused (iscsi-inq exit 10, connect refused), $A keeps serving"
pc_ok set "$idB" offline
want_status "$B" offline 10
has_np "$T1" "$B" && fail "np $B is still in $T1's TPG"
not_listening "$B" || fail "LIO still listens on $B"
inq_refused "$B" "$T1"
connect_refused "$B"
adm_refused "$T1" "$B"
inq_ok "$A" "$T1"
inq_ok "$S" "$T2"
tst_end

# 6
tst_begin "offline: $B is gone from SendTargets (libiscsi and open-iscsi)"
want_sendtargets "$A" "$T1 $B"
want_sendtargets "$S" "$T1 $B"
tst_end

# 7
tst_begin "offline: the open-iscsi session that logged in through $B keeps doing I/O"
if [ -z "$diskB" ]; then
	fail "no open-iscsi session through $B (test 3)"
else
	disk_io "$diskB" 2
	disk_io "$diskB" 3
	[ "$(cat "/sys/class/iscsi_session/$sessB/state" 2>/dev/null)" = LOGGED_IN ] ||
		fail "$sessB: state $(cat "/sys/class/iscsi_session/$sessB/state" 2>/dev/null)"
fi
tst_end

# 8
tst_begin "set $B online: its np is back with its attributes, logins through it again (libiscsi and open-iscsi)"
for f in "$(np_dir "$T1" "$A")"/*; do
	[ -f "$f" ] && echo "${f##*/}=$(cat "$f")"
done | sort >"$T/attrs.want"
pc_ok set "$idB" online
want_status "$B" online 10
has_np "$T1" "$B" || fail "np $B is not back in $T1's TPG"
for f in "$(np_dir "$T1" "$B")"/*; do
	[ -f "$f" ] && echo "${f##*/}=$(cat "$f")"
done | sort >"$T/attrs.got"
cmp -s "$T/attrs.want" "$T/attrs.got" || { fail "np $B's attributes:"; show "$T/attrs.got"; }
poll 50 listening "$B" || fail "LIO does not listen on $B again"
inq_ok "$B" "$T1"
if [ -n "$sessB" ]; then
	adm_logout "$T1" "$B" || fail "iscsiadm --logout through $B failed"
	adm_login "$T1" "$B" && sessB=$sess diskB=$disk && disk_io "$diskB" 4
fi
tst_end

# 9
tst_begin "offline --drop-sessions: the sessions through $B end, those through $A stay (same connections, I/O goes on)"
perf_start "$B" perfB && pB=$perfpid
perf_start "$A" perfA && pA=$perfpid
pB=${pB:-} pA=${pA:-}
poll 100 established "$B" || fail "no connection on $B before the drop"
tcp_lines "$A" 01 | sort >"$T/conn.A"
[ -s "$T/conn.A" ] || fail "no connection on $A before the drop"
pc_ok set "$idB" offline --drop-sessions
want_status "$B" offline 10
poll 150 no_established "$B" || { fail "connections on $B remain:"; tcp_lines "$B" 01 | show; }
[ -n "$pB" ] && { poll 150 dead "$pB" || fail "iscsi-perf through $B still runs"; }
poll 150 no_session "$T1" "$INI:perfB" || fail "LIO still has perfB's session"
tcp_lines "$A" 01 | sort >"$T/conn.A2"
grep -vxF -f "$T/conn.A2" "$T/conn.A" >"$T/conn.lost"
[ -s "$T/conn.lost" ] && { fail "connections on $A lost:"; show "$T/conn.lost"; }
if [ -n "$pA" ]; then
	alive "$pA" || { fail "iscsi-perf through $A ended:"; show "$T/perf.perfA"; }
	has_session "$T1" "$INI:perfA" || fail "LIO lost perfA's session"
	sz=$(wc -c <"$T/perf.perfA")
	poll 50 grows "$T/perf.perfA" "$sz" || fail "iscsi-perf through $A makes no progress"
fi
[ -n "$diskA" ] && disk_io "$diskA" 5
tst_end
for p in $pA $pB; do
	kill -INT "$p" 2>/dev/null
done

# 10
tst_begin "online after the drop: logins through $B again"
pc_ok set "$idB" online
want_status "$B" online 10
poll 50 listening "$B" || fail "LIO does not listen on $B again"
inq_ok "$B" "$T1"
[ -n "$sessB" ] && adm_logout "$T1" "$B"
tst_end

# 11
tst_begin "the shared portal $S: offline takes it out of both targets (nothing answers), online puts it back in both"
pc_ok set "$idS" offline
want_status "$S" offline 10
has_np "$T1" "$S" && fail "np $S still in $T1"
has_np "$T2" "$S" && fail "np $S still in $T2"
not_listening "$S" || fail "LIO still listens on $S"
connect_refused "$S"
inq_refused "$S" "$T1"
inq_refused "$S" "$T2"
inq_ok "$A" "$T1"
pc_ok set "$idS" online
want_status "$S" online 10
has_np "$T1" "$S" || fail "np $S not back in $T1"
has_np "$T2" "$S" || fail "np $S not back in $T2"
inq_ok "$S" "$T1"
inq_ok "$S" "$T2"
tst_end

# 12
tst_begin "a port held by another listener: online fails with EADDRINUSE ($E_INUSE), the portal stays offline"
pc_ok set "$idB" offline
want_status "$B" offline 10
poll 50 not_listening "$B" || fail "LIO still listens on $B"
nc -l -p "${B##*:}" </dev/null >/dev/null 2>&1 &
ncpid=$!
bgpids="$bgpids $ncpid"
# busybox nc listens on the IPv6 wildcard (dual stack): /proc/net/tcp6.
port_listened() {
	[ -n "$(awk -v p="$(printf ':%04X' "$1")" '$4 == "0A" && $2 ~ p "$"' /proc/net/tcp /proc/net/tcp6)" ]
}
poll 50 port_listened "${B##*:}" || fail "busybox nc does not listen on port ${B##*:}"
pc set "$idB" online
[ "$rc" = 1 ] || fail "$last: exit $rc, expected 1"
grep -q "$E_INUSE" "$T/err" || { fail "$last: no $E_INUSE in:"; show "$T/err"; }
status_is "$B" offline || fail "portal $B: '$(row "$B")', expected offline"
has_np "$T1" "$B" && fail "np $B was left in $T1 after the failed online"
kill "$ncpid"
wait "$ncpid" 2>/dev/null
bgpids=$(echo " $bgpids " | sed "s/ $ncpid / /")
pc_ok set "$idB" online
want_status "$B" online 10
inq_ok "$B" "$T1"
tst_end

# 13
tst_begin "ip addr add/del of $F's address flips it ONLINE/FAILED, seen by portalctl watch"
portalctl watch >"$T/watch" 2>"$T/watch.err" </dev/null &
wpid=$!
bgpids="$bgpids $wpid"
# Subscribed once it sits in ppoll() (x86_64 syscall 271).
poll 50 sh -c "read -r s _ </proc/$wpid/syscall && [ \"\$s\" = 271 ]" ||
	fail "portalctl watch never reached ppoll()"
inq_refused "$F" "$T1"
ip addr add 192.0.2.1/32 dev lo && fadded=1
poll 100 grep -Eq "  $idF  $F  modify  failed -> online\$" "$T/watch" ||
	{ fail "watch shows no FAILED -> ONLINE of $F:"; show "$T/watch" "$T/watch.err"; }
status_is "$F" online || fail "portal $F: '$(row "$F")', expected online"
inq_ok "$F" "$T1"
ip addr del 192.0.2.1/32 dev lo && fadded=0
poll 100 grep -Eq "  $idF  $F  modify  online -> failed\$" "$T/watch" ||
	{ fail "watch shows no ONLINE -> FAILED of $F:"; show "$T/watch" "$T/watch.err"; }
status_is "$F" failed || fail "portal $F: '$(row "$F")', expected failed"
has_np "$T1" "$F" || fail "np $F was removed from LIO"
kill -INT "$wpid"
wait "$wpid" 2>/dev/null
tst_end

# 14
tst_begin "kill -9 of the daemon while $B is offline: its portals orphaned with their ids, LIO untouched"
pc_ok set "$idB" offline
want_status "$B" offline 10
nps_to "$T/nps.before"
pd_kill KILL
for a in "$A" "$B" "$S" "$F"; do
	poll 50 provider_is "$a" orphan || fail "portal $a: '$(row "$a")', expected an orphan"
done
want_id "$B" "$idB"
lio-setup nps | sort >"$T/nps.after"
cmp -s "$T/nps.before" "$T/nps.after" || { fail "LIO's nps changed:"; show "$T/nps.after"; }
tst_end

# 15
tst_begin "a SET while the daemon is gone: ENXIO (VDS_E_PROVIDER_FAILURE $E_PROVIDER), nothing changes"
t 1 "" "portalctl: set $idA offline: $E_GONE" set "$idA" offline
t 1 "" "portalctl: set $idB online: $E_GONE" set "$idB" online
has_np "$T1" "$A" || fail "np $A is gone"
has_np "$T1" "$B" && fail "np $B is back"
inq_ok "$A" "$T1"
tst_end

# 16
tst_begin "np $B re-created by hand (a restore), daemon restarted: $B OFFLINE again with the same id, no target answers on it"
lio-setup np-add "$T1" "$B" || fail "cannot re-create np $B"
poll 50 listening "$B" || fail "LIO does not listen on the re-created $B"
pd_start || bail "iscsi-portald did not restart"
want_status "$B" offline 50
want_id "$B" "$idB"
has_np "$T1" "$B" && fail "np $B is in $T1's TPG again"
poll 50 not_listening "$B" || fail "LIO still listens on $B"
inq_refused "$B" "$T1"
for a in "$A" "$S"; do
	want_status "$a" online
	provider_is "$a" iscsi-portald || fail "portal $a: '$(row "$a")', not adopted"
done
want_id "$A" "$idA"
want_id "$S" "$idS"
pc_ok set "$idB" online
want_status "$B" online 10
inq_ok "$B" "$T1"
tst_end

# 17
tst_begin "targetcli's changes followed live: a new np becomes a portal, an np removed by hand removes its portal, an attribute written is imported"
# First an np's attribute written (the same value: iser 1 needs the
# hardware): it reaches the watch that the daemon's ONLINE of $B (test 16)
# put on the np it made, and the daemon imports again.
imports() { grep -c 'configfs changed (an attribute written)' "$LOG"; }
imported() { [ "$(imports)" -gt "$n0" ]; }
n0=$(imports)
echo 0 >"$(np_dir "$T1" "$B")/iser" || fail "write $(np_dir "$T1" "$B")/iser"
poll 50 imported || fail "no import after a write of $B's iser ($(imports) such lines in the log)"
N=127.0.0.1:3264
lio-setup np-add "$T2" "$N" || fail "mkdir np $N failed"
want_status "$N" online 50
provider_is "$N" iscsi-portald || fail "portal $N: '$(row "$N")'"
inq_ok "$N" "$T2"
lio-setup np-del "$T2" "$N" || fail "rmdir np $N failed"
poll 50 gone_from_table "$N" || fail "portal $N still in the table: '$(row "$N")'"
tst_end

# 18
tst_begin "SIGTERM detaches (exit 0, portals orphaned, LIO untouched); a corrupt or truncated state file is refused naming it, LIO untouched"
pc_ok set "$idB" offline
want_status "$B" offline 10
cp "$SD/state.json" "$T/state.good" 2>/dev/null || fail "no $SD/state.json while $B is held offline"
nps_to "$T/nps.before"
pd_kill TERM
[ "$pdrc" = 0 ] || fail "iscsi-portald exited $pdrc on SIGTERM, expected 0"
poll 50 provider_is "$A" orphan || fail "portal $A: '$(row "$A")', expected an orphan"
table_to "$T/table.before"
sz=$(wc -c <"$T/state.good")
for kind in corrupt truncated; do
	if [ "$kind" = corrupt ]; then
		printf '{"version": 1, "portals": [{"id": "seven"' >"$SD/state.json"
	else
		head -c $((sz / 2)) "$T/state.good" >"$SD/state.json"
	fi
	timeout 20 iscsi-portald --foreground --state-dir "$SD" </dev/null >"$T/refused" 2>&1
	rc=$?
	[ "$rc" = 3 ] || fail "$kind state file: exit $rc, expected 3"
	if ! grep -q "$SD/state.json" "$T/refused" || ! grep -qi "refused" "$T/refused"; then
		fail "$kind state file: the message does not name the file and the refusal:"
		show "$T/refused"
	fi
	lio-setup nps | sort >"$T/nps.after"
	cmp -s "$T/nps.before" "$T/nps.after" || { fail "$kind state file: LIO's nps changed:"; show "$T/nps.after"; }
	table_to "$T/table.after"
	cmp -s "$T/table.before" "$T/table.after" || { fail "$kind state file: the table changed:"; show "$T/table.after"; }
done
cp "$T/state.good" "$SD/state.json"
# With the good file back, the daemon starts and still holds $B offline.
pd_start && want_status "$B" offline 50
tst_end

totals

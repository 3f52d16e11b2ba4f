#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# portalctl_test.sh - the portalctl command-line tool (CONTRACT section 6,
# portalctl(8)) against the real module, asserting its exact output.
#
# Runs inside the test VM (busybox sh, root, module loaded, portalctl on
# PATH) and prints TAP ending with a kselftest "# Totals:" line.  The table
# is shared with the other selftests: only the portals added here (from
# 203.0.113.0/24 and 2001:db8:c7::/48) are looked at, and counts and
# generations are compared relatively.  Every debugfs knob, the device's
# mode, a temporary /etc/passwd and the module's parameters are put back on
# exit, even after a failure.
set -u

# The TAP helpers (tst_begin, fail, tst_end, totals, pc, t...), next to
# this script.
tap=$(dirname "$0")/tap.sh
[ -r "$tap" ] || { echo "$0: $tap (the shared TAP helpers) is missing" >&2; exit 1; }
# shellcheck source=SCRIPTDIR/tap.sh
. "$tap"

PLAN=31
DBG=/sys/kernel/debug/iscsi_portal
DEV=/dev/iscsi_portal
KO=${ISCSI_PORTAL_KO:-/lib/iscsi_portal/iscsi_portal.ko}
PARAMS=/sys/module/iscsi_portal/parameters
# The selftests' in-kernel provider (test_provider/), driven by its debugfs.
TPKO=${ISCSI_PORTAL_TEST_KO:-/lib/iscsi_portal/test_iscsi_portal_provider.ko}
TPDIR=/sys/kernel/debug/test_iscsi_portal_provider
tp_loaded=0	# loaded here, unloaded on exit

T=$(mktemp -d /tmp/portalctl_test.XXXXXX) || exit 1
PCTL=$(command -v portalctl) || PCTL=
ours=		# ids added here, removed on exit
bgpids=		# background processes started here
reloaded=0	# the module was reloaded with other parameters
made_passwd=0
dev_mode=
delay_saved=$(cat "$DBG/set_delay_ms" 2>/dev/null || echo 0)

E_DELETED='the portal has been removed (VDS_E_OBJECT_DELETED 0x8004240B)'
E_NOTFOUND='no such portal (VDS_E_OBJECT_NOT_FOUND 0x80042405)'
E_NOTSUP='this status can only be reported by a provider, not set (VDS_E_NOT_SUPPORTED 0x80042400)'
E_EXIST='the address is already a portal (HRESULT_FROM_WIN32(ERROR_ALREADY_EXISTS) 0x800700B7)'
E_BUSY='another call on this portal is in progress (VDS_E_ANOTHER_CALL_IN_PROGRESS 0x80042404)'
E_CORRUPT='the portal table is marked corrupt (reenumerate, then refresh) (VDS_E_PROVIDER_CACHE_CORRUPT 0x8004241F)'
E_PERM='permission denied (CAP_NET_ADMIN is needed) (E_ACCESSDENIED 0x80070005)'
TRY="Try 'portalctl --help'."
TIME_RE='[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}\.[0-9]{3}[+-][0-9]{2}:[0-9]{2}'

# ---- cleanup ---------------------------------------------------------------

cleanup() {
	if [ "$tp_loaded" = 1 ]; then
		rmmod test_iscsi_portal_provider || echo "# cleanup: rmmod test_iscsi_portal_provider failed"
		tp_loaded=0
	fi
	for p in $bgpids; do
		kill -KILL "$p" 2>/dev/null
		wait "$p" 2>/dev/null
	done
	bgpids=
	[ -e "$DBG/set_delay_ms" ] && echo "$delay_saved" >"$DBG/set_delay_ms"
	if [ "$(cat "$DBG/corrupt" 2>/dev/null)" = 1 ]; then
		portalctl reenumerate && portalctl refresh
	fi
	[ -n "$dev_mode" ] && chmod "$dev_mode" "$DEV"
	[ "$made_passwd" = 1 ] && rm -f /etc/passwd /etc/group
	if [ "$reloaded" = 1 ] || [ ! -d "$PARAMS" ]; then
		rmmod iscsi_portal 2>/dev/null
		insmod "$KO" || echo "# cleanup: insmod $KO failed"
		reloaded=0
		ours=
	fi
	for i in $ours; do
		portalctl remove "$i" 2>/dev/null
	done
	ours=
	rm -rf "$T"
}
trap cleanup EXIT
trap 'exit 1' HUP INT TERM

# ---- running portalctl and checking what it printed ----------------------

# (pc, want_rc, want_file and t are tap.sh's.)

# A usage error: exit 2, nothing on stdout, MESSAGE and the hint on stderr.
t_usage() {
	t_msg=$1
	shift
	t 2 "" "portalctl: $t_msg
$TRY" "$@"
}

# fmt_table: whitespace-separated rows (the header first) aligned the way
# portalctl prints them: each column as wide as its widest cell, two spaces
# between columns, the last one unpadded.
fmt_table() {
	awk '{
		for (i = 1; i <= NF; i++) {
			c[NR, i] = $i
			if (length($i) > w[i])
				w[i] = length($i)
		}
		nf[NR] = NF
	}
	END {
		for (r = 1; r <= NR; r++) {
			line = ""
			for (i = 1; i < nf[r]; i++)
				line = line sprintf("%-" w[i] "s  ", c[r, i])
			print line c[r, nf[r]]
		}
	}'
}

HDR='ID ADDRESS STATUS FLAGS GENERATION PROVIDER'

# table ROW...: the expected table holding these rows ("ID ADDR STATUS FLAGS
# GEN [PROVIDER]"); a row without a PROVIDER cell is a portal of none.
table() {
	{
		echo "$HDR"
		for r in "$@"; do
			# shellcheck disable=SC2086 # counting the cells
			set -- $r
			if [ $# = 5 ]; then
				echo "$r none"
			else
				echo "$r"
			fi
		done
	} | fmt_table
}

status_value() {
	case "$1" in
	unknown) echo 0 ;;
	online) echo 1 ;;
	not_ready) echo 2 ;;
	offline) echo 4 ;;
	failed) echo 5 ;;
	esac
}

# jobj ID ADDR PORT SCOPE STATUS BUSY GEN [FLAGS PROVIDER ORPHAN]: the JSON
# object of one portal; by default of no provider (flags from BUSY,
# "provider":null, "orphan":false).  PROVIDER is the JSON value: null or
# "\"name\"".
jobj() {
	case "$2" in
	\[*) j_fam=ipv6 ;;
	*) j_fam=ipv4 ;;
	esac
	if [ "$6" = true ]; then j_flags=1; else j_flags=0; fi
	printf '{"id":%s,"address":"%s","family":"%s","port":%s,"scope_id":%s,"status":"%s","status_value":%s,"busy":%s,"flags":%s,"generation":%s,"provider":%s,"orphan":%s}' \
		"$1" "$2" "$j_fam" "$3" "$4" "$5" "$(status_value "$5")" "$6" \
		"${8:-$j_flags}" "$7" "${9:-null}" "${10:-false}"
}

# add_ok SHOWN STATUS ARGS...: `portalctl add ARGS` succeeds printing
# "added ID SHOWN STATUS"; the new id goes to $id (and to the cleanup list).
add_ok() {
	a_shown=$1 a_status=$2
	shift 2
	pc add "$@"
	id=$(sed -n 's/^added \([1-9][0-9]*\) .*/\1/p' "$T/out")
	want_rc 0
	if [ -z "$id" ]; then
		fail "$last: no id in the output:"
		sed 's/^/#   /' "$T/out"
		id=0
		return 1
	fi
	ours="$ours $id"
	want_file "$T/out" stdout "added $id $a_shown $a_status"
	want_file "$T/err" stderr ""
}

# version_now: $vcount and $vgen from `portalctl --json version`, whose
# format is checked (uncorrupted table).
version_now() {
	pc --json version
	vcount=$(sed -n 's/.*"portal_count":\([0-9]*\),.*/\1/p' "$T/out")
	vgen=$(sed -n 's/.*"table_generation":\([0-9]*\)}$/\1/p' "$T/out")
	if [ "$rc" != 0 ] || [ -s "$T/err" ] || [ "$(wc -l <"$T/out")" != 1 ] ||
	   ! grep -Eqx '\{"api_version":2,"library_api_version":2,"flags":0,"corrupt":false,"portal_count":[0-9]+,"table_generation":[0-9]+\}' "$T/out"; then
		fail "$last: exit $rc, unexpected output:"
		sed 's/^/#   /' "$T/out" "$T/err"
		vcount=0 vgen=0
	fi
}

# ---- waiting for a background process --------------------------------------

# wait_polling PID: until the watcher PID sits in ppoll() (x86_64 syscall
# 271), i.e. it has subscribed and listed; 5 s at most.  Without
# /proc/PID/syscall that cannot be seen: a failure, not a guess.
wait_polling() {
	w_i=0
	while [ "$w_i" -lt 100 ]; do
		if ! read -r w_sc _ <"/proc/$1/syscall" 2>/dev/null; then
			fail "cannot read /proc/$1/syscall: is watcher $1 polling?"
			return 1
		fi
		[ "$w_sc" = 271 ] && return 0
		sleep 0.05
		w_i=$((w_i + 1))
	done
	fail "watcher $1 never reached ppoll()"
}

# wait_state PID STATE: until /proc/PID/stat shows STATE (T: stopped); 5 s.
wait_state() {
	w_i=0
	while [ "$w_i" -lt 100 ]; do
		read -r _ _ w_st _ <"/proc/$1/stat" && [ "$w_st" = "$2" ] && return 0
		sleep 0.05
		w_i=$((w_i + 1))
	done
	fail "process $1 never reached state $2"
}

# wait_lines FILE N: until FILE has N lines or more; 10 s at most.
wait_lines() {
	w_i=0
	while [ "$w_i" -lt 200 ]; do
		[ "$(wc -l <"$1")" -ge "$2" ] && return 0
		sleep 0.05
		w_i=$((w_i + 1))
	done
	fail "$1: expected $2 lines, got $(wc -l <"$1")"
}

# start_watch FILE ARGS...: `portalctl ARGS watch` in the background, output
# to FILE (stderr to FILE.err); its pid in $wpid once it is watching.
start_watch() {
	w_file=$1
	shift
	portalctl "$@" watch >"$w_file" 2>"$w_file.err" </dev/null &
	wpid=$!
	bgpids="$bgpids $wpid"
	wait_polling "$wpid"
}

# stop_watch SIG: signal the watcher, collect its exit status in $wrc.
stop_watch() {
	kill "-$1" "$wpid"
	wait "$wpid"
	wrc=$?
	bgpids=$(echo "$bgpids" | sed "s/ $wpid\$//; s/ $wpid / /")
}

# strip_time FILE: the watcher's lines, their leading timestamp replaced by
# TIME (a line whose timestamp is malformed keeps it, and so mismatches).
strip_time() {
	sed -E "s/^$TIME_RE  /TIME  /; s/^\\{\"time\":\"$TIME_RE\",/{\"time\":TIME,/" "$1"
}

# want_watch FILE EXPECTED: the watcher's output, timestamps stripped.
want_watch() {
	strip_time "$1" >"$T/watch.got"
	last="portalctl watch"
	want_file "$T/watch.got" "watch output" "$2"
	want_file "$1.err" "watch stderr" ""
}

# ---- the tests ---------------------------------------------------------------

tst_plan

if [ -z "$PCTL" ] || [ ! -c "$DEV" ]; then
	tst_error "portalctl not on PATH or $DEV missing"
fi

# 1
tst_begin "help: --help, -h and help print the usage on stdout, exit 0"
pc --help
want_rc 0
want_file "$T/err" stderr ""
cp "$T/out" "$T/help"
if ! head -n 1 "$T/help" | grep -qx 'Usage: portalctl \[--device PATH\] \[--json\] COMMAND \[ARGS\]' ||
   ! grep -qx 'Exit status: 0 success, 1 the operation failed, 2 usage error.' "$T/help"; then
	fail "--help: unexpected text:"
	sed 's/^/#   /' "$T/help"
fi
for h in -h help "--json --help"; do
	# shellcheck disable=SC2086 # "--json --help" is two words
	pc $h
	want_rc 0
	want_file "$T/err" stderr ""
	cmp -s "$T/help" "$T/out" || fail "$last: not the --help text"
done
tst_end

# 2
tst_begin "usage errors exit 2 with one message and a hint on stderr"
t_usage "missing command"
t_usage "unknown command 'frobnicate'" frobnicate
t_usage "unknown option '--bogus'" --bogus list
t_usage "option '--device' needs a value" --device
t_usage "get: missing argument" get
t_usage "get: too many arguments" get 1 2
t_usage "invalid portal id 'abc'" get abc
t_usage "invalid portal id '-1'" remove -1
t_usage "invalid portal id '99999999999999999999'" get 99999999999999999999
t_usage "list: too many arguments" list extra
t_usage "set: missing argument" set 1
t_usage "invalid status 'bogus'" set 1 bogus
t_usage "invalid status 'sideways'" report 1 sideways
t_usage "add: missing argument" add
t_usage "add: --status needs a value" add 203.0.113.10 --status
t_usage "add: unknown option '--force'" add 203.0.113.10 --force
t_usage "add: unexpected argument '203.0.113.11'" add 203.0.113.10 203.0.113.11
t_usage "invalid status 'sideways'" add 203.0.113.10 --status sideways
t_usage "watch: too many arguments" watch now
tst_end

# 3
tst_begin "a device that does not exist: exit 1, the open error on stderr"
t 1 "" "portalctl: open /nonexistent/iscsi_portal: No such file or directory (is the iscsi_portal module loaded?)" \
	--device /nonexistent/iscsi_portal list
t 1 "" "portalctl: open /nonexistent/iscsi_portal: No such file or directory (is the iscsi_portal module loaded?)" \
	-d /nonexistent/iscsi_portal add 203.0.113.10
tst_end

# 4
tst_begin "version: table and --json agree"
version_now
pc version
want_rc 0
want_file "$T/err" stderr ""
want_file "$T/out" stdout "api_version          2
library_api_version  2
table                ok
portal_count         $vcount
table_generation     $vgen"
tst_end

# 5
tst_begin "add IPv4 with a port; version counts it"
version_now
count0=$vcount gen0=$vgen
add_ok 203.0.113.10:3261 online 203.0.113.10:3261
v4=$id
version_now
[ "$vcount" = $((count0 + 1)) ] || fail "portal_count $vcount, expected $((count0 + 1))"
[ "$vgen" = $((gen0 + 1)) ] || fail "table_generation $vgen, expected $((gen0 + 1))"
tst_end

# 6
tst_begin "add IPv4 without a port: 3260"
add_ok 203.0.113.11:3260 online 203.0.113.11
v4d=$id
tst_end

# 7
tst_begin "add IPv6: bracketed with a port, bare without one"
add_ok '[2001:db8:c7::1]:3262' online '[2001:db8:c7::1]:3262'
v6=$id
add_ok '[2001:db8:c7::2]:3260' online 2001:db8:c7::2
v6d=$id
add_ok '[2001:db8:c7::3]:3260' online '[2001:db8:c7::3]'
tst_end

# 8
tst_begin "add link-local with a zone: %N and %lo shown as the index"
add_ok '[fe80::c7:1%1]:3263' online '[fe80::c7:1%1]:3263'
ll=$id
add_ok '[fe80::c7:2%1]:3260' online 'fe80::c7:2%lo'
tst_end

# 9
tst_begin "add --status offline, --status=offline, --json add"
add_ok 203.0.113.12:3264 offline 203.0.113.12:3264 --status offline
off=$id
add_ok 203.0.113.13:3264 offline --status=OFFLINE 203.0.113.13:3264
pc --json add 203.0.113.14:3264 --status online
id=$(sed -n 's/^{"id":\([1-9][0-9]*\),.*/\1/p' "$T/out")
[ -n "$id" ] && ours="$ours $id"
want_rc 0
want_file "$T/out" stdout "{\"id\":$id,\"address\":\"203.0.113.14:3264\",\"status\":\"online\",\"status_value\":1}"
want_file "$T/err" stderr ""
tst_end

# 10
tst_begin "add a bad address: usage error (exit 2), nothing added"
version_now
count0=$vcount
t_usage "add: invalid address '203.0.113.300'" add 203.0.113.300
t_usage "add: invalid address '203.0.113.15:0'" add 203.0.113.15:0
t_usage "add: invalid address '203.0.113.15:65536'" add 203.0.113.15:65536
t_usage "add: invalid address '224.0.0.1'" add 224.0.0.1
t_usage "add: invalid address '255.255.255.255'" add 255.255.255.255
t_usage "add: invalid address '[ff02::1]:3260'" add '[ff02::1]:3260'
t_usage "add: invalid address 'fe80::c7:9'" add fe80::c7:9
t_usage "add: invalid address '[2001:db8:c7::9%1]'" add '[2001:db8:c7::9%1]'
t_usage "add: no such interface in '[fe80::c7:9%nosuchif0]'" add '[fe80::c7:9%nosuchif0]'
t_usage "add: invalid address 'portal.example'" add portal.example
version_now
[ "$vcount" = "$count0" ] || fail "portal_count went from $count0 to $vcount"
tst_end

# 11
tst_begin "add an existing address: exit 1, ERROR_ALREADY_EXISTS"
t 1 "" "portalctl: add 203.0.113.10:3261: $E_EXIST" add 203.0.113.10:3261
t 1 "" "portalctl: add [2001:db8:c7::2]:3260: $E_EXIST" add '[2001:db8:c7::2]'
t 1 "" "portalctl: add [fe80::c7:1%1]:3263: $E_EXIST" add '[fe80::c7:1%lo]:3263'
tst_end

# 12
tst_begin "list: an aligned table, one row per portal, ours among them"
version_now
pc list
want_rc 0
want_file "$T/err" stderr ""
# The same cells, realigned: any misalignment shows as a difference.
fmt_table <"$T/out" >"$T/aligned"
last="portalctl list (alignment)"
want_file "$T/out" stdout "$(cat "$T/aligned")"
[ "$(awk 'NR == 1 { $1 = $1; print }' "$T/out")" = "$HDR" ] ||
	fail "list: bad header: $(head -n 1 "$T/out")"
rows=$(($(wc -l <"$T/out") - 1))
[ "$rows" = "$vcount" ] || fail "list: $rows rows, version says $vcount portals"
for r in "$v4 203.0.113.10:3261 online - 0 none" "$v4d 203.0.113.11:3260 online - 0 none" \
	 "$v6 [2001:db8:c7::1]:3262 online - 0 none" "$v6d [2001:db8:c7::2]:3260 online - 0 none" \
	 "$ll [fe80::c7:1%1]:3263 online - 0 none" "$off 203.0.113.12:3264 offline - 0 none"; do
	awk '{ $1 = $1; print }' "$T/out" | grep -qxF "$r" || fail "list: no row '$r'"
done
tst_end

# 13
tst_begin "list --json: one array, one well-formed object per portal"
pc --json list
want_rc 0
want_file "$T/err" stderr ""
[ "$(wc -l <"$T/out")" = 1 ] || fail "list --json: $(wc -l <"$T/out") lines, expected 1"
grep -q '^\[.*\]$' "$T/out" || fail "list --json: not [...]: $(cat "$T/out")"
awk '{ s = substr($0, 2, length($0) - 2); gsub(/\},\{/, "}\n{", s); if (s != "") print s }' \
	"$T/out" >"$T/objs"
objs=$(wc -l <"$T/objs")
[ "$objs" = "$vcount" ] || fail "list --json: $objs objects, version says $vcount portals"
if grep -Evx '\{"id":[1-9][0-9]*,"address":"[^"]+","family":"ipv(4|6)","port":[0-9]+,"scope_id":[0-9]+,"status":"[a-z_]+(\([0-9]+\))?","status_value":[0-9]+,"busy":(true|false),"flags":[0-9]+,"generation":[0-9]+,"provider":(null|"[^"]*"),"orphan":(true|false)\}' \
	"$T/objs" >"$T/badobjs"; then
	fail "list --json: malformed objects:"
	sed 's/^/#   /' "$T/badobjs"
fi
for o in "$(jobj "$v4" 203.0.113.10:3261 3261 0 online false 0)" \
	 "$(jobj "$v6" '[2001:db8:c7::1]:3262' 3262 0 online false 0)" \
	 "$(jobj "$ll" '[fe80::c7:1%1]:3263' 3263 1 online false 0)" \
	 "$(jobj "$off" 203.0.113.12:3264 3264 0 offline false 0)"; do
	grep -qxF "$o" "$T/objs" || fail "list --json: no object $o"
done
tst_end

# 14
tst_begin "get: table and --json, exactly"
t 0 "$(table "$v4 203.0.113.10:3261 online - 0")" "" get "$v4"
t 0 "$(table "$ll [fe80::c7:1%1]:3263 online - 0")" "" get "$ll"
t 0 "$(jobj "$v4" 203.0.113.10:3261 3261 0 online false 0)" "" --json get "$v4"
t 0 "$(jobj "$v6d" '[2001:db8:c7::2]:3260' 3260 0 online false 0)" "" -j get "$v6d"
# Global options come before the command.
t_usage "get: too many arguments" get "$v4" --json
tst_end

# 15
tst_begin "set online|offline: get shows the status and the generation"
version_now
gen0=$vgen
t 0 "" "" set "$v4" offline
t 0 "$(table "$v4 203.0.113.10:3261 offline - 1")" "" get "$v4"
t 0 "" "" set "$v4" offline
t 0 "$(table "$v4 203.0.113.10:3261 offline - 1")" "" get "$v4"
version_now
[ "$vgen" = $((gen0 + 1)) ] ||
	fail "table_generation $vgen, expected $((gen0 + 1)) (a same-status set changes nothing)"
t 0 "" "" set "$v4" ONLINE
t 0 "$(table "$v4 203.0.113.10:3261 online - 2")" "" get "$v4"
t 0 "" "" set "$off" online
t 0 "$(jobj "$off" 203.0.113.12:3264 3264 0 online false 1)" "" --json get "$off"
tst_end

# 16
tst_begin "report failed|not_ready|unknown: get shows them"
t 0 "" "" report "$v4" failed
t 0 "$(table "$v4 203.0.113.10:3261 failed - 3")" "" get "$v4"
t 0 "" "" report "$v4" not_ready
t 0 "$(table "$v4 203.0.113.10:3261 not_ready - 4")" "" get "$v4"
t 0 "" "" report "$v4" not-ready
t 0 "$(jobj "$v4" 203.0.113.10:3261 3261 0 not_ready false 4)" "" --json get "$v4"
t 0 "" "" report "$v4" unknown
t 0 "$(table "$v4 203.0.113.10:3261 unknown - 5")" "" get "$v4"
t 0 "" "" report "$v4" 1
t 0 "$(table "$v4 203.0.113.10:3261 online - 6")" "" get "$v4"
tst_end

# 17
tst_begin "set a status only a provider reports: VDS_E_NOT_SUPPORTED"
t 1 "" "portalctl: set $v4 not_ready: $E_NOTSUP" set "$v4" not_ready
t 1 "" "portalctl: set $v4 failed: $E_NOTSUP" set "$v4" failed
t 1 "" "portalctl: set $v4 unknown: $E_NOTSUP" set "$v4" unknown
t 1 "" "portalctl: set $v4 unknown(3): invalid argument (status, address or reserved field) (E_INVALIDARG 0x80070057)" \
	set "$v4" 3
t 1 "" "portalctl: report $v4 unknown(9): invalid argument (status, address or reserved field) (E_INVALIDARG 0x80070057)" \
	report "$v4" 'unknown(9)'
t 0 "$(table "$v4 203.0.113.10:3261 online - 6")" "" get "$v4"
tst_end

# 18
tst_begin "an id never issued: VDS_E_OBJECT_NOT_FOUND"
t 1 "" "portalctl: get 999999999: $E_NOTFOUND" get 999999999
t 1 "" "portalctl: get 0: $E_NOTFOUND" get 0
t 1 "" "portalctl: set 999999999 offline: $E_NOTFOUND" set 999999999 offline
t 1 "" "portalctl: remove 999999999: $E_NOTFOUND" remove 999999999
tst_end

# 19
tst_begin "remove: then get, remove, set, report fail with VDS_E_OBJECT_DELETED"
version_now
count0=$vcount
t 0 "" "" remove "$v6d"
t 1 "" "portalctl: get $v6d: $E_DELETED" get "$v6d"
t 1 "" "portalctl: get $v6d: $E_DELETED" --json get "$v6d"
t 1 "" "portalctl: remove $v6d: $E_DELETED" remove "$v6d"
t 1 "" "portalctl: set $v6d online: $E_DELETED" set "$v6d" online
t 1 "" "portalctl: report $v6d failed: $E_DELETED" report "$v6d" failed
version_now
[ "$vcount" = $((count0 - 1)) ] || fail "portal_count $vcount, expected $((count0 - 1))"
pc list
want_rc 0
want_file "$T/err" stderr ""
if [ "$(awk 'NR == 1 { $1 = $1; print }' "$T/out")" != "$HDR" ]; then
	fail "list: no table:"
	show "$T/out"
fi
awk 'NR > 1 { print $1 }' "$T/out" | grep -qx "$v6d" && fail "list still shows $v6d"
tst_end

# 20
tst_begin "a set while another set is in progress: VDS_E_ANOTHER_CALL_IN_PROGRESS, get shows busy"
# A portal of its own: a failed check here leaves the others alone.
add_ok 203.0.113.15:3265 online 203.0.113.15:3265
bz=$id
t 0 "" "" set "$bz" offline
t 0 "" "" set "$bz" online
# The window must outlast the checks below, a dozen execs: 10 s covers the
# debug kernel under TCG, and the last check says if it did not.
echo 10000 >"$DBG/set_delay_ms" || fail "cannot write $DBG/set_delay_ms"
portalctl set "$bz" offline >"$T/bg.out" 2>"$T/bg.err" </dev/null &
bg=$!
bgpids="$bgpids $bg"
i=0
while [ "$i" -lt 100 ]; do
	pc get "$bz"
	grep -q ' busy ' "$T/out" && break
	sleep 0.02
	i=$((i + 1))
done
[ "$i" -lt 100 ] || fail "get never showed $bz busy"
t 0 "$(table "$bz 203.0.113.15:3265 online busy 2")" "" get "$bz"
t 1 "" "portalctl: set $bz online: $E_BUSY" set "$bz" online
t 1 "" "portalctl: report $bz failed: $E_BUSY" report "$bz" failed
t 1 "" "portalctl: remove $bz: $E_BUSY" remove "$bz"
t 0 "$(jobj "$bz" 203.0.113.15:3265 3265 0 online true 2)" "" --json get "$bz"
pc list
awk '{ $1 = $1; print }' "$T/out" | grep -qxF "$bz 203.0.113.15:3265 online busy 2 none" ||
	fail "list: no busy row for $bz"
# Other portals are not busy.
t 0 "$(table "$v4d 203.0.113.11:3260 online - 0")" "" get "$v4d"
pc get "$bz"
grep -q ' busy ' "$T/out" ||
	fail "$bz was no longer busy after the checks: the 10 s window closed early (host too slow?)"
wait "$bg"
bgrc=$?
bgpids=$(echo "$bgpids" | sed "s/ $bg\$//")
echo "$delay_saved" >"$DBG/set_delay_ms"
last="portalctl set $bz offline (in the background)"
[ "$bgrc" = 0 ] || fail "the background set exited $bgrc"
want_file "$T/bg.out" stdout ""
want_file "$T/bg.err" stderr ""
t 0 "$(table "$bz 203.0.113.15:3265 offline - 3")" "" get "$bz"
tst_end

# 21
tst_begin "corrupt table: calls fail, version shows it, reenumerate + refresh recover"
echo 1 >"$DBG/corrupt" || fail "cannot write $DBG/corrupt"
t 1 "" "portalctl: list: $E_CORRUPT" list
t 1 "" "portalctl: list: $E_CORRUPT" --json list
t 1 "" "portalctl: get $v4: $E_CORRUPT" get "$v4"
t 1 "" "portalctl: set $v4 offline: $E_CORRUPT" set "$v4" offline
t 1 "" "portalctl: add 203.0.113.30:3260: $E_CORRUPT" add 203.0.113.30
pc version
want_rc 0
sed -n 3p "$T/out" | grep -qx 'table                corrupt' ||
	fail "version: no 'table corrupt' line: $(sed -n 3p "$T/out")"
pc --json version
want_rc 0
grep -Eqx '\{"api_version":2,"library_api_version":2,"flags":1,"corrupt":true,"portal_count":[0-9]+,"table_generation":[0-9]+\}' \
	"$T/out" || fail "version --json: $(cat "$T/out")"
t 1 "" "portalctl: refresh: $E_CORRUPT" refresh
t 1 "" "portalctl: list: $E_CORRUPT" list
t 0 "" "" reenumerate
t 0 "" "" refresh
[ "$(cat "$DBG/corrupt")" = 0 ] || fail "$DBG/corrupt still reads $(cat "$DBG/corrupt")"
version_now
t 0 "$(table "$v4 203.0.113.10:3261 online - 6")" "" get "$v4"
t 0 "" "" refresh
tst_end

# A user without privileges, through busybox su: it needs a passwd entry,
# made for the test when the VM has no /etc/passwd at all.
nruser=
if command -v su >/dev/null 2>&1; then
	if [ ! -e /etc/passwd ] && [ ! -e /etc/group ]; then
		made_passwd=1
		printf 'root:x:0:0::/:/bin/sh\nptest:x:65534:65534::/tmp:/bin/sh\n' >/etc/passwd
		printf 'root:x:0:\nptest:x:65534:\n' >/etc/group
		nruser=ptest
	else
		nruser=$(awk -F: '$3 == 65534 { print $1; exit }' /etc/passwd)
	fi
fi

# nr ARGS...: portalctl ARGS as the unprivileged user.
nr() {
	last="(uid 65534) portalctl $*"
	# shellcheck disable=SC2016 # expanded by the user's shell
	su -s /bin/sh "$nruser" -c 'exec "$0" "$@"' "$PCTL" "$@" \
		>"$T/out" 2>"$T/err" </dev/null
	rc=$?
}

# 22
if [ -z "$nruser" ]; then
	tst_skip "non-root cannot open the device: EACCES" "no su or no uid 65534 user in this VM"
else
	tst_begin "non-root cannot open the device: EACCES"
	for a in list "get $v4" version watch "add 203.0.113.31"; do
		# shellcheck disable=SC2086 # word splitting wanted
		nr $a
		want_rc 1
		want_file "$T/out" stdout ""
		want_file "$T/err" stderr "portalctl: open $DEV: Permission denied (need root, or access to the device)"
	done
	tst_end
fi

# 23
if [ -z "$nruser" ]; then
	tst_skip "non-root with access to the node reads but cannot change: E_ACCESSDENIED" \
		"no su or no uid 65534 user in this VM"
else
	tst_begin "non-root with access to the node reads but cannot change: E_ACCESSDENIED"
	dev_mode=$(stat -c %a "$DEV")
	chmod 0666 "$DEV"
	nr get "$v4"
	want_rc 0
	want_file "$T/out" stdout "$(table "$v4 203.0.113.10:3261 online - 6")"
	want_file "$T/err" stderr ""
	nr add 203.0.113.31
	want_rc 1
	want_file "$T/out" stdout ""
	want_file "$T/err" stderr "portalctl: add 203.0.113.31:3260: $E_PERM"
	nr set "$v4" online
	want_rc 1
	want_file "$T/err" stderr "portalctl: set $v4 online: $E_PERM"
	chmod "$dev_mode" "$DEV" && dev_mode=
	t 0 "$(table "$v4 203.0.113.10:3261 online - 6")" "" get "$v4"
	tst_end
fi

# ---- a provider's portals (the test provider module) -------------------------

# tp_cmd CMD: run one command of the test provider; its result on stdout.
tp_cmd() {
	echo "$1" >"$TPDIR/cmd" && cat "$TPDIR/cmd"
}

E_OWNED="permission denied: provider 'test_provider' owns the portal (only it may remove it or report its status) (E_ACCESSDENIED 0x80070005)"
E_GONE="the portal's provider is gone (orphan), or a provider failed (VDS_E_PROVIDER_FAILURE 0x80042442)"
tp=

# 23a
tst_begin "a provider's portal: its name in list and get, set --drop-sessions, EPERM naming it"
if ! insmod "$TPKO"; then
	fail "insmod $TPKO failed"
else
	tp_loaded=1
	r=$(tp_cmd "add 203.0.113.60 3290 1")
	tp=${r#0 }
	case "$r" in
	"0 "[1-9]*) ours="$ours $tp" ;;
	*) fail "the test provider's add: '$r'"; tp= ;;
	esac
fi
if [ -n "$tp" ]; then
	t 0 "$(table "$tp 203.0.113.60:3290 online provider 0 test_provider")" "" get "$tp"
	t 0 "$(jobj "$tp" 203.0.113.60:3290 3290 0 online false 0 2 '"test_provider"' false)" "" \
		--json get "$tp"
	pc list
	awk '{ $1 = $1; print }' "$T/out" |
		grep -qxF "$tp 203.0.113.60:3290 online provider 0 test_provider" ||
		fail "list: no row for the provider's portal $tp"
	t 0 "" "" set "$tp" offline --drop-sessions
	[ "$(cat "$TPDIR/last_set")" = "$tp 1 4 1" ] ||
		fail "the provider got '$(cat "$TPDIR/last_set")', expected '$tp 1 4 1'"
	t 0 "$(table "$tp 203.0.113.60:3290 offline provider 1 test_provider")" "" get "$tp"
	t 1 "" "portalctl: set $tp online --drop-sessions: --drop-sessions goes with offline only (E_INVALIDARG 0x80070057)" \
		set "$tp" online --drop-sessions
	t 1 "" "portalctl: set $v4d offline --drop-sessions: the portal has no provider, or its provider cannot end sessions (VDS_E_NOT_SUPPORTED 0x80042400)" \
		set "$v4d" offline --drop-sessions
	t 1 "" "portalctl: remove $tp: $E_OWNED" remove "$tp"
	t 1 "" "portalctl: report $tp failed: $E_OWNED" report "$tp" failed
	t 0 "$(table "$tp 203.0.113.60:3290 offline provider 1 test_provider")" "" get "$tp"
fi
tst_end

# 23b
tst_begin "a provider's errno is the set's, and reenumerate's"
if [ -n "$tp" ] && [ "$tp_loaded" = 1 ]; then
	echo -110 >"$TPDIR/set_result"
	t 1 "" "portalctl: set $tp online: the portal's provider did not answer in time (HRESULT_FROM_WIN32(ERROR_TIMEOUT) 0x800705B4)" \
		set "$tp" online
	echo -98 >"$TPDIR/set_result"
	t 1 "" "portalctl: set $tp online: the portal's address and port are in use (HRESULT_FROM_WIN32(WSAEADDRINUSE) 0x80072740)" \
		set "$tp" online
	echo 0 >"$TPDIR/set_result"
	t 0 "$(table "$tp 203.0.113.60:3290 offline provider 1 test_provider")" "" get "$tp"
	echo -19 >"$TPDIR/reenum_result"
	t 1 "" "portalctl: reenumerate: No such device (VDS_E_PROVIDER_FAILURE 0x80042442)" reenumerate
	echo 0 >"$TPDIR/reenum_result"
	t 0 "" "" reenumerate
else
	fail "no provider's portal (see the test before)"
fi
tst_end

# 23c
tst_begin "the provider gone: its portal an orphan in list and get, set refused, remove works"
if [ -n "$tp" ] && rmmod test_iscsi_portal_provider; then
	tp_loaded=0
	t 0 "$(table "$tp 203.0.113.60:3290 unknown orphan 2 orphan")" "" get "$tp"
	t 0 "$(jobj "$tp" 203.0.113.60:3290 3290 0 unknown false 2 4 null true)" "" --json get "$tp"
	pc list
	awk '{ $1 = $1; print }' "$T/out" |
		grep -qxF "$tp 203.0.113.60:3290 unknown orphan 2 orphan" ||
		fail "list: no orphan row for $tp"
	t 1 "" "portalctl: set $tp online: $E_GONE" set "$tp" online
	t 1 "" "portalctl: report $tp failed: $E_GONE" report "$tp" failed
	t 0 "" "" remove "$tp"
	t 1 "" "portalctl: get $tp: $E_DELETED" get "$tp"
else
	fail "no provider's portal, or rmmod test_iscsi_portal_provider failed"
fi
tst_end

# ---- watch -------------------------------------------------------------------

# The expected watcher output is built as the changes are made: commit
# counts a committed change (its seq is ev_gen0 + the count), ev also
# expects its line and waits for the watcher to print it, so that an ARRIVE
# is read while its portal still exists.
commit() {
	ev_k=$((ev_k + 1))
}

expect_line() {
	exp="$exp${exp:+
}$1"
	ev_lines=$((ev_lines + 1))
}

# ev ID ADDR TYPE OLD NEW
ev() {
	commit
	if [ "$ev_json" = 1 ]; then
		case "$3" in
		arrive) ev_tv=123 ;;
		depart) ev_tv=124 ;;
		modify) ev_tv=125 ;;
		esac
		expect_line "$(printf '{"time":TIME,"seq":%s,"id":%s,"address":"%s","event":"%s","event_value":%s,"old_status":"%s","old_status_value":%s,"new_status":"%s","new_status_value":%s}' \
			$((ev_gen0 + ev_k)) "$1" "$2" "$3" "$ev_tv" "$4" \
			"$(status_value "$4")" "$5" "$(status_value "$5")")"
	else
		expect_line "TIME  $1  $2  $3  $4 -> $5"
	fi
	[ "$ev_nowait" = 1 ] || wait_lines "$ev_file" "$ev_lines"
}

# watch_begin FILE JSON: start a watcher (--json when JSON is 1).
watch_begin() {
	ev_file=$1 ev_json=$2 ev_k=0 ev_lines=0 ev_nowait=0 exp=
	if [ "$ev_json" = 1 ]; then
		start_watch "$ev_file" --json
	else
		start_watch "$ev_file"
	fi
	version_now
	ev_gen0=$vgen
}

# watch_end: SIGINT; exit status 0 and exactly the expected lines.
watch_end() {
	stop_watch INT
	[ "$wrc" = 0 ] || fail "watch exited $wrc after SIGINT, expected 0"
	want_watch "$ev_file" "$exp"
}

# watch_session JSON OCTET: one change of each kind, and one that changes
# nothing, on portals 203.0.113.OCTET and on.
watch_session() {
	o=$2
	pa=203.0.113.$o:3270 pb=203.0.113.$((o + 1)):3271 pc6="[2001:db8:c7::$o]:3272"
	add_ok "$pa" online "$pa"
	pre=$id
	watch_begin "$T/watch$1" "$1"
	add_ok "$pb" online "$pb"
	b=$id
	ev "$b" "$pb" arrive unknown online
	add_ok "$pc6" offline "$pc6" --status offline
	c=$id
	ev "$c" "$pc6" arrive unknown offline
	t 0 "" "" set "$b" offline
	ev "$b" "$pb" modify online offline
	t 0 "" "" set "$b" offline	# no change, no line
	t 0 "" "" report "$b" failed
	ev "$b" "$pb" modify offline failed
	t 0 "" "" report "$c" not_ready
	ev "$c" "$pc6" modify offline not_ready
	t 0 "" "" set "$pre" offline
	ev "$pre" "$pa" modify online offline
	t 0 "" "" remove "$pre"
	ev "$pre" "$pa" depart offline unknown
	t 0 "" "" remove "$b"
	ev "$b" "$pb" depart failed unknown
	t 0 "" "" set "$c" online
	t 1 "" "portalctl: set $c not_ready: $E_NOTSUP" set "$c" not_ready	# no line
	t 0 "" "" remove "$c"
	# not_ready -> online is one MODIFY; the DEPART carries online.
	ev "$c" "$pc6" modify not_ready online
	ev "$c" "$pc6" depart online unknown
	watch_end
}

# 24
tst_begin "watch: arrive, modify, depart lines with ids, addresses and statuses; SIGINT exits 0"
watch_session 0 20
tst_end

# 25
tst_begin "watch --json: one well-formed object per change; SIGINT exits 0"
watch_session 1 24
tst_end

# 26
tst_begin "watch: SIGTERM exits 0; nothing to report prints nothing"
start_watch "$T/watch_term"
stop_watch TERM
[ "$wrc" = 0 ] || fail "watch exited $wrc after SIGTERM, expected 0"
want_watch "$T/watch_term" ""
start_watch "$T/watch_term_json" --json
stop_watch TERM
[ "$wrc" = 0 ] || fail "watch --json exited $wrc after SIGTERM, expected 0"
want_watch "$T/watch_term_json" ""
tst_end

# overflow_session JSON: a watcher stopped (SIGSTOP: it reads nothing)
# while 10 changes overflow its 4-record queue; after SIGCONT it prints the
# 4 queued records, the overflow marker and the whole table, then goes on.
overflow_session() {
	o=$((40 + $1 * 10))
	p1=203.0.113.$o:3280 pa=203.0.113.$((o + 1)):3281 pb=203.0.113.$((o + 2)):3282
	pc6="[2001:db8:c7::$o]:3283" pd=203.0.113.$((o + 3)):3284 pe=203.0.113.$((o + 4)):3285
	watch_begin "$T/overflow$1" "$1"
	add_ok "$p1" online "$p1"
	i1=$id
	ev "$i1" "$p1" arrive unknown online
	kill -STOP "$wpid"
	wait_state "$wpid" T
	add_ok "$pa" online "$pa"
	ia=$id
	add_ok "$pb" online "$pb"
	ib=$id
	add_ok "$pc6" online "$pc6"
	ic=$id
	t 0 "" "" set "$ia" offline
	# Those 4 fit in the queue; the next 6 do not.
	ev_nowait=1
	ev "$ia" "$pa" arrive unknown online
	ev "$ib" "$pb" arrive unknown online
	ev "$ic" "$pc6" arrive unknown online
	ev "$ia" "$pa" modify online offline
	ev_nowait=0
	t 0 "" "" set "$ia" online
	t 0 "" "" report "$ib" failed
	t 0 "" "" set "$ic" offline
	t 0 "" "" remove "$i1"
	t 0 "" "" report "$ib" unknown
	add_ok "$pd" online "$pd"
	id_d=$id
	for _ in 1 2 3 4 5 6; do
		commit
	done
	version_now
	g=$vgen
	[ "$g" = $((ev_gen0 + ev_k)) ] || fail "table_generation $g, expected $((ev_gen0 + ev_k))"
	kill -CONT "$wpid"
	if [ "$1" = 1 ]; then
		expect_line "{\"time\":TIME,\"event\":\"overflow\",\"event_value\":65535,\"table_generation\":$g,\"portals\":[$(jobj "$ia" "$pa" 3281 0 online false 2),$(jobj "$ib" "$pb" 3282 0 unknown false 2),$(jobj "$ic" "$pc6" 3283 0 offline false 1),$(jobj "$id_d" "$pd" 3284 0 online false 0)]}"
	else
		expect_line "TIME  overflow: events were lost; the table at generation $g:"
		ev_tab=$(table "$ia $pa online - 2" "$ib $pb unknown - 2" "$ic $pc6 offline - 1" \
			"$id_d $pd online - 0")
		exp="$exp
$ev_tab"
		ev_lines=$((ev_lines + 5))
	fi
	wait_lines "$ev_file" "$ev_lines"
	# Events flow again.
	add_ok "$pe" online "$pe"
	ev "$id" "$pe" arrive unknown online
	t 0 "" "" remove "$id_d"
	ev "$id_d" "$pd" depart online unknown
	watch_end
	for i in "$ia" "$ib" "$ic" "$id"; do
		t 0 "" "" remove "$i"
	done
}

# 27
tst_begin "watch: a queue overflow prints a marker and the whole table, then events go on"
# Reload the module with a 4-record queue: possible only while no fd is
# open (every portalctl started here has exited).  The table starts empty.
for i in $ours; do
	portalctl remove "$i" 2>/dev/null
done
ours=
if ! rmmod iscsi_portal; then
	fail "rmmod iscsi_portal failed (another fd open?)"
elif ! { reloaded=1; insmod "$KO" event_queue_len=4; }; then
	fail "insmod $KO event_queue_len=4 failed"
elif [ "$(cat "$PARAMS/event_queue_len")" != 4 ] || [ ! -c "$DEV" ]; then
	fail "event_queue_len $(cat "$PARAMS/event_queue_len"), or no $DEV"
else
	overflow_session 0
	overflow_session 1
fi
tst_end

# 28
tst_begin "the module is back with its default parameters"
for i in $ours; do
	portalctl remove "$i" 2>/dev/null
done
ours=
if [ "$reloaded" = 1 ]; then
	rmmod iscsi_portal || fail "rmmod iscsi_portal failed"
	insmod "$KO" || fail "insmod $KO failed"
	reloaded=0
fi
[ "$(cat "$PARAMS/event_queue_len" 2>/dev/null)" = 4096 ] ||
	fail "event_queue_len is $(cat "$PARAMS/event_queue_len" 2>/dev/null)"
[ -c "$DEV" ] || fail "$DEV missing"
version_now
tst_end

# ---- totals ------------------------------------------------------------------

totals

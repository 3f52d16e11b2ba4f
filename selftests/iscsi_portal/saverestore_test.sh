#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# saverestore_test.sh - portalctl save and restore (issue 15, portalctl(8))
# against the real module: the versioned JSON of the portals that have no
# provider, the atomic save, restore's per-portal report, a second restore
# that changes nothing, a portal already there kept, a portal that fails
# alone (all or nothing per portal), a malformed file refused with its line
# and column before anything changes.
#
# Runs inside the test VM (busybox sh, root, module loaded, portalctl on
# PATH) and prints TAP ending with a kselftest "# Totals:" line.  The table
# is shared with the other selftests: only the portals of 198.18.5.0/24 and
# 2001:db8:5a7e::/48 are looked at (a save's other lines are left out of
# the comparisons), and "changes nothing" is the table generation staying
# put.  The module is reloaded with a small max_portals for the failing
# portal, and reloaded as it was on exit, even after a failure; the test
# provider module is unloaded, /var/lib/iscsi-portal removed if made here.
set -u

# The TAP helpers (tst_begin, fail, tst_end, totals, pc, t...), next to
# this script.
tap=$(dirname "$0")/tap.sh
[ -r "$tap" ] || { echo "$0: $tap (the shared TAP helpers) is missing" >&2; exit 1; }
# shellcheck source=SCRIPTDIR/tap.sh
. "$tap"

PLAN=11
DEV=/dev/iscsi_portal
KO=${ISCSI_PORTAL_KO:-/lib/iscsi_portal/iscsi_portal.ko}
TP_KO=${KO%/*}/test_iscsi_portal_provider.ko
TP=/sys/kernel/debug/test_iscsi_portal_provider
DEFAULT=/var/lib/iscsi-portal/portals.json

T=$(mktemp -d /tmp/saverestore_test.XXXXXX) || exit 1
reloaded=0	# the module was reloaded with other parameters
tp_loaded=0
made_var=

A1=198.18.5.1:3260
A2=198.18.5.2:3261
A3='[2001:db8:5a7e::3]:3260'
A4=198.18.5.4:3260
A5=198.18.5.5:3260

# ---- cleanup ---------------------------------------------------------------

# list_json: portalctl --json list to $T/list.json; false, the error in
# $T/list.err, when portalctl fails or prints no JSON array.
list_json() {
	portalctl --json list >"$T/list.json" 2>"$T/list.err" </dev/null
	l_rc=$?
	if [ "$l_rc" != 0 ]; then
		echo "exit $l_rc" >>"$T/list.err"
		return 1
	fi
	grep -q '^\[.*\]$' "$T/list.json" && return 0
	echo "not a JSON array: $(cat "$T/list.json")" >>"$T/list.err"
	return 1
}

# list_failed: list_json's failure, one line (for messages and for the
# $(...) helpers: it is no id, count or generation).
list_failed() {
	echo "(portalctl --json list failed: $(tr '\n' ' ' <"$T/list.err"))"
}

# remove_ours: every portal of our ranges that no provider owns; false
# when the list or a remove fails.
remove_ours() {
	list_json || return 1
	r_ok=0
	for i in $(tr '{' '\n' <"$T/list.json" |
		sed -En 's/^"id":([0-9]+),"address":"(198\.18\.5\.[0-9]+:[0-9]+|\[2001:db8:5a7e::[0-9a-f:]*\]:[0-9]+)".*"provider":null.*/\1/p'); do
		portalctl remove "$i" >/dev/null 2>>"$T/list.err" </dev/null || r_ok=1
	done
	return "$r_ok"
}

# want_removed: remove_ours, which must succeed.
want_removed() {
	remove_ours && return 0
	fail "could not remove the portals of our ranges:"
	show "$T/list.err"
	return 1
}

cleanup() {
	if [ "$tp_loaded" = 1 ]; then
		tp_cmd unregister
		rmmod test_iscsi_portal_provider 2>/dev/null
		tp_loaded=0
	fi
	if [ "$reloaded" = 1 ]; then
		rmmod iscsi_portal 2>/dev/null
		insmod "$KO" || echo "# cleanup: insmod $KO failed"
		reloaded=0
	fi
	remove_ours || echo "# cleanup: the portals of our ranges not all removed"
	[ -n "$made_var" ] && rm -rf "$made_var"
	rm -rf "$T"
}
trap cleanup EXIT
trap 'exit 1' HUP INT TERM

# ---- the table -------------------------------------------------------------

# gen: $g, the table generation now.  When portalctl fails the test fails
# and $g is "failed-N": no number, equal to no other $g.
gen_fails=0
gen() {
	g=
	if g_out=$(portalctl --json version 2>"$T/gen.err" </dev/null); then
		g=$(echo "$g_out" | sed -n 's/.*"table_generation":\([0-9][0-9]*\)}$/\1/p')
		[ -n "$g" ] && return 0
	fi
	gen_fails=$((gen_fails + 1))
	g=failed-$gen_fails
	fail "portalctl --json version: no table generation:"
	echo "$g_out" | show
	show "$T/gen.err"
	return 1
}

# want_gen FROM BY WHAT: the generation is now FROM + BY (0: unchanged),
# else the test fails with WHAT.  FROM from gen; a failed one never passes.
want_gen() {
	gen || return 1
	case "$1" in
	failed-*) fail "$3: no generation to compare with"; return 1 ;;
	esac
	[ "$g" = $(($1 + $2)) ] && return 0
	fail "$3 (table generation $1 -> $g, expected $(($1 + $2)))"
	return 1
}

# id_of ADDR: the id of portal ADDR ("" when there is none); list_failed's
# line and false when the list fails.
id_of() {
	list_json || { list_failed; return 1; }
	tr '{' '\n' <"$T/list.json" |
		grep -F "\"address\":\"$1\"" | sed -n 's/^"id":\([0-9]*\),.*/\1/p'
}

# saved_count: how many portals save writes (no provider, no orphan), or
# list_failed's line.
saved_count() {
	list_json || { list_failed; return 1; }
	tr '{' '\n' <"$T/list.json" | grep -c '"provider":null,"orphan":false}'
}

# ours_of FILE: the lines of a saved FILE that are portals of our ranges.
ours_of() {
	grep -E '"address": "(198\.18\.5\.|\[2001:db8:5a7e::)' "$1"
}

# want_portal ADDR STATUS GEN: the table has ADDR with STATUS, generation
# GEN, no provider.
want_portal() {
	if ! w_id=$(id_of "$1"); then
		fail "portal $1: $w_id"
		return 1
	fi
	if [ -z "$w_id" ]; then
		fail "portal $1 is not in the table"
		return 1
	fi
	pc get "$w_id"
	printf 'ID ADDRESS STATUS FLAGS GENERATION PROVIDER\n%s %s %s - %s none\n' \
		"$w_id" "$1" "$2" "$3" | awk '
		{ for (i = 1; i <= NF; i++) { c[NR, i] = $i; if (length($i) > w[i]) w[i] = length($i) } }
		END { for (r = 1; r <= NR; r++) { l = ""; for (i = 1; i < 6; i++) l = l sprintf("%-" w[i] "s  ", c[r, i]); print l c[r, 6] } }' \
		>"$T/want_get"
	want_file "$T/out" "get $w_id" "$(cat "$T/want_get")"
}

# want_absent ADDR: portalctl list works and has no portal ADDR.
want_absent() {
	if ! w_id=$(id_of "$1"); then
		fail "portal $1: $w_id"
		return 1
	fi
	[ -z "$w_id" ] && return 0
	fail "portal $1 is in the table (id $w_id)"
	return 1
}

# tp_cmd CMD...: one command of the test provider; its result ("0",
# "0 ID" or "-ERRNO") in $tp_res; true when it is a success.
tp_cmd() {
	tp_res=
	{ echo "$*" >"$TP/cmd"; } 2>/dev/null || { tp_res="(cannot write $TP/cmd)"; return 1; }
	tp_res=$(cat "$TP/cmd" 2>/dev/null)
	case "$tp_res" in
	0 | "0 "*) return 0 ;;
	esac
	return 1
}

# tp_ok CMD...: tp_cmd, which must succeed.
tp_ok() {
	tp_cmd "$@" && return 0
	fail "test provider: '$*': '$tp_res'"
	return 1
}

# tp_add ADDR PORT STATUS: the test provider adds (or adopts) a portal,
# which must succeed; its id in $tp_id ("" when it failed).
tp_add() {
	tp_id=
	if tp_cmd add "$@"; then
		case "$tp_res" in
		"0 "[1-9]*) tp_id=${tp_res#0 }; return 0 ;;
		esac
	fi
	fail "test provider: 'add $*': '$tp_res', expected '0 ID'"
	return 1
}

# json_has ADDR TEXT: the --json list object of portal ADDR holds TEXT.
json_has() {
	list_json || { fail "$(list_failed)"; return 1; }
	tr '{' '\n' <"$T/list.json" | grep -F "\"address\":\"$1\"" | grep -qF "$2" && return 0
	fail "portal $1: not $2 in the list:"
	tr '{' '\n' <"$T/list.json" | grep -F "\"address\":\"$1\"" | show
	return 1
}

# A saved file of our portals A1 (online), A2 (offline), A3 (failed).
FILE3='{
  "format": "iscsi-portal-portals",
  "version": 1,
  "portals": [
    {"address": "198.18.5.1:3260", "status": "online"},
    {"address": "198.18.5.2:3261", "status": "offline"},
    {"address": "[2001:db8:5a7e::3]:3260", "status": "failed"}
  ]
}'

tst_plan
if ! command -v portalctl >/dev/null || [ ! -c "$DEV" ]; then
	tst_error "portalctl or $DEV missing"
fi
remove_ours || tst_error "cannot remove the portals of our ranges: $(cat "$T/list.err")"

# 1
tst_begin "save: versioned JSON of the portals, each with its status"
pc add "$A1"
want_rc 0
pc add "$A2" --status offline
want_rc 0
pc add "$A3" --status failed
want_rc 0
t 0 "saved $(saved_count) portals to $T/p.json" "" save "$T/p.json"
if [ "$(sed -n '1,4p' "$T/p.json")" != '{
  "format": "iscsi-portal-portals",
  "version": 1,
  "portals": [' ] || [ "$(tail -n 2 "$T/p.json")" != '  ]
}' ]; then
	fail "save: not the versioned format:"
	sed 's/^/#   /' "$T/p.json"
fi
ours_of "$T/p.json" | sed 's/,$//' >"$T/ours"
want_file "$T/ours" "our portals in the file" '    {"address": "198.18.5.1:3260", "status": "online"}
    {"address": "198.18.5.2:3261", "status": "offline"}
    {"address": "[2001:db8:5a7e::3]:3260", "status": "failed"}'
# What save writes, restore reads: the file is refused by nothing.
pc restore "$T/p.json"
want_rc 0
tst_end

# 2
tst_begin "save: a provider's portals and orphans are left out"
if [ ! -f "$TP_KO" ]; then
	tst_skip "$tname" "$TP_KO missing"
else
	if insmod "$TP_KO"; then
		tp_loaded=1
	else
		fail "insmod $TP_KO failed"
	fi
	tp_add 198.18.5.20 3260 1
	owned=$tp_id
	tp_add 198.18.5.21 3260 4
	orphan=$tp_id
	tp_ok unregister
	tp_ok register
	# Only the first is the provider's again (adopted: the same id); the
	# second stays an orphan.
	tp_add 198.18.5.20 3260 1
	[ -n "$owned" ] && [ "$tp_id" != "$owned" ] &&
		fail "the provider's add of 198.18.5.20 again: id '$tp_id', expected the adopted $owned"
	json_has 198.18.5.20:3260 '"provider":"test_provider","orphan":false}'
	json_has 198.18.5.21:3260 '"provider":null,"orphan":true}'
	t 0 "saved $(saved_count) portals to $T/p2.json" "" save "$T/p2.json"
	if grep -q '198\.18\.5\.2[01]' "$T/p2.json"; then
		fail "save wrote a provider's portal or an orphan:"
		grep '198\.18\.5\.2[01]' "$T/p2.json" | sed 's/^/#   /'
	fi
	ours_of "$T/p2.json" | sed 's/,$//' >"$T/ours"
	want_file "$T/ours" "our portals in the file" '    {"address": "198.18.5.1:3260", "status": "online"}
    {"address": "198.18.5.2:3261", "status": "offline"}
    {"address": "[2001:db8:5a7e::3]:3260", "status": "failed"}'
	# The provider takes its portals with it (an orphan of ours is
	# adopted by its address, then removed).
	tp_add 198.18.5.21 3260 4
	[ -n "$orphan" ] && [ "$tp_id" != "$orphan" ] &&
		fail "the provider's add of the orphan 198.18.5.21: id '$tp_id', expected the adopted $orphan"
	tp_ok remove "$owned"
	tp_ok remove "$orphan"
	tp_ok unregister
	if rmmod test_iscsi_portal_provider; then
		tp_loaded=0
	else
		fail "rmmod test_iscsi_portal_provider failed"
	fi
	want_absent 198.18.5.20:3260
	want_absent 198.18.5.21:3260
	tst_end
fi

# 3
tst_begin "save: atomic: a new file renamed over the old, no temporary left, a failure keeps the old"
cp "$T/p.json" "$T/p.before"
ino1=$(stat -c %i "$T/p.json")
pc save "$T/p.json"
want_rc 0
ino2=$(stat -c %i "$T/p.json")
[ "$ino1" != "$ino2" ] || fail "save rewrote $T/p.json in place (inode $ino1)"
left=$(find "$T" -name 'p.json.tmp.*')
[ -z "$left" ] || fail "temporary files left: $left"
cmp -s "$T/p.before" "$T/p.json" || fail "a save of the same table wrote another file"
# The device cannot be read: nothing is written.
t 1 "" "portalctl: open $T/nodev: No such file or directory (is the iscsi_portal module loaded?)" \
	--device "$T/nodev" save "$T/p.json"
cmp -s "$T/p.before" "$T/p.json" || fail "a failed save changed $T/p.json"
t 1 "" "portalctl: save $T/no/p.json: create a temporary file: No such file or directory" save "$T/no/p.json"
[ ! -e "$T/no" ] || fail "save created $T/no"
tst_end

# 4
tst_begin "save and restore without FILE: $DEFAULT, its directory created"
if [ ! -d /var ]; then
	made_var=/var
elif [ ! -d /var/lib ]; then
	made_var=/var/lib
elif [ ! -d /var/lib/iscsi-portal ]; then
	made_var=/var/lib/iscsi-portal
fi
pc save
want_rc 0
want_file "$T/err" stderr ""
[ -f "$DEFAULT" ] || fail "save: no $DEFAULT"
gen
g0=$g
pc restore
want_rc 0
[ "$(tail -n 1 "$T/out" | sed 's/:.*//')" = "restored $DEFAULT" ] || fail "restore: $(tail -n 1 "$T/out")"
want_gen "$g0" 0 "restore of what was just saved changed the table"
tst_end

# 5
tst_begin "restore: each portal added with its saved status, a report line each"
want_removed
printf '%s\n' "$FILE3" >"$T/three.json"
gen
g0=$g
pc restore "$T/three.json"
want_rc 0
want_file "$T/err" stderr ""
want_file "$T/out" stdout "added $(id_of "$A1") $A1 online
added $(id_of "$A2") $A2 offline
added $(id_of "$A3") $A3 failed
restored $T/three.json: 3 added, 0 kept, 0 failed"
want_portal "$A1" online 0
want_portal "$A2" offline 0
want_portal "$A3" failed 0
want_gen "$g0" 3 "not one ADD each"
tst_end

# 6
tst_begin "restore again: every portal kept, the table unchanged"
gen
g0=$g
pc --json restore "$T/three.json"
want_rc 0
want_file "$T/err" stderr ""
want_file "$T/out" stdout "{\"file\":\"$T/three.json\",\"added\":0,\"kept\":3,\"failed\":0,\"portals\":[{\"address\":\"$A1\",\"result\":\"kept\",\"id\":$(id_of "$A1"),\"status\":\"online\",\"status_value\":1},{\"address\":\"$A2\",\"result\":\"kept\",\"id\":$(id_of "$A2"),\"status\":\"offline\",\"status_value\":4},{\"address\":\"$A3\",\"result\":\"kept\",\"id\":$(id_of "$A3"),\"status\":\"failed\",\"status_value\":5}]}"
want_gen "$g0" 0 "a second restore changed the table"
tst_end

# 7
tst_begin "restore: a portal already there is kept as it is, not an error"
pc remove "$(id_of "$A2")"
want_rc 0
pc set "$(id_of "$A1")" offline
want_rc 0
gen
g0=$g
i1=$(id_of "$A1")
i3=$(id_of "$A3")
pc restore "$T/three.json"
want_rc 0
want_file "$T/err" stderr ""
want_file "$T/out" stdout "kept $i1 $A1 offline (already a portal)
added $(id_of "$A2") $A2 offline
kept $i3 $A3 failed (already a portal)
restored $T/three.json: 1 added, 2 kept, 0 failed"
want_portal "$A1" offline 1
want_portal "$A2" offline 0
want_gen "$g0" 1 "not the one ADD"
tst_end

# bad TEXT MESSAGE: restore of a file holding TEXT fails with MESSAGE and
# the table does not change.
bad() {
	printf '%s\n' "$1" >"$T/bad.json"
	gen
	b_gen=$g
	t 1 "" "portalctl: restore $T/bad.json: $2" restore "$T/bad.json"
	want_gen "$b_gen" 0 "a refused file changed the table"
}

# 8
tst_begin "restore: a malformed file is refused with its line and column, nothing changed"
want_removed
bad '{
  "format": "iscsi-portal-portals",
  "version": 1,
  "portals": [
    {"address": "198.18.5.1:3260", "status": "online"},
    {"address": "198.18.5.2:3261" "status": "offline"}
  ]
}' "line 6, column 35: expected ',' or '}', found '\"'"
bad '{"format": "iscsi-portal-portals", "version": 1, "portals": [
  {"address": "198.18.5.1:3260", "status": "online"},
  {"address": "198.18.5.300:3260", "status": "online"}]}' "line 3, column 15: invalid portal address \"198.18.5.300:3260\""
bad '{"format": "iscsi-portal-portals", "version": 2, "portals": []}' "line 1, column 47: version 2: this portalctl reads version 1 only"
bad '{"format": "iscsi-portal-portals", "version": 1, "portals": [
  {"address": "198.18.5.1:3260", "status": "online"},' "line 3, column 1: expected a value, found end of file (truncated?)"
want_absent "$A1"
want_absent "$A2"
tst_end

# 9
tst_begin "restore: a portal that fails alone is reported; the others are restored whole"
if rmmod iscsi_portal; then
	reloaded=1
	# An empty table with room for two portals: the third ADD fails.
	insmod "$KO" max_portals=2 || fail "insmod $KO max_portals=2 failed"
	pc restore "$T/three.json"
	want_rc 1
	want_file "$T/out" stdout "added $(id_of "$A1") $A1 online
added $(id_of "$A2") $A2 offline
failed $A3 failed: the portal table is full
restored $T/three.json: 2 added, 0 kept, 1 failed"
	want_file "$T/err" stderr "portalctl: restore $A3: the portal table is full (HRESULT_FROM_WIN32(ERROR_DISK_FULL) 0x80070070)"
	want_portal "$A1" online 0
	want_portal "$A2" offline 0
	want_absent "$A3"
	rmmod iscsi_portal && insmod "$KO" && reloaded=0
else
	fail "rmmod iscsi_portal failed (the module is in use)"
fi
tst_end

# 10
tst_begin "restore: --missing-ok, stdin, a file of another format"
t 0 "nothing to restore: $T/none.json does not exist" "" restore --missing-ok "$T/none.json"
t 1 "" "portalctl: restore $T/none.json: No such file or directory" restore "$T/none.json"
printf '%s\n' '{"format": "iscsi-portal-portals", "version": 1, "portals": [{"address": "198.18.5.4", "status": "offline"}]}' >"$T/in.json"
last="portalctl restore - <$T/in.json"
portalctl restore - <"$T/in.json" >"$T/out" 2>"$T/err"
rc=$?
want_rc 0
want_file "$T/out" stdout "added $(id_of "$A4") $A4 offline
restored -: 1 added, 0 kept, 0 failed"
bad '{"format": "something-else", "version": 1, "portals": [{"address": "198.18.5.5", "status": "online"}]}' \
	"line 1, column 12: \"format\" is not \"iscsi-portal-portals\": not a file of portalctl save"
want_absent "$A5"
tst_end

# 11
tst_begin "version: no warning when the loaded module is portalctl's version"
mv=$(cat /sys/module/iscsi_portal/version 2>/dev/null)
pc --version
want_rc 0
if [ -z "$mv" ]; then
	fail "/sys/module/iscsi_portal/version: the module has no version"
else
	want_file "$T/out" stdout "portalctl $mv
module $mv"
fi
pc version
want_rc 0
want_file "$T/err" stderr ""
tst_end

totals

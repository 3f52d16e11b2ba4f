#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# host_test.sh - portalctl's exact output on the host, against fakedev.so
# (an LD_PRELOAD stand-in for the module's ioctls, tests/fakedev.c): the
# provider column and keys, flags by name, set --drop-sessions, the texts
# and HRESULTs of the providers' errors; save and restore (the file, its
# atomic replacement, the per-portal report, a second restore that changes
# nothing, malformed files refused by line and column before any call);
# --version and version's warning when the module is another version.  What needs the real module is
# selftests/iscsi_portal/portalctl_test.sh's, in the VM.
#
# Prints TAP ending with a kselftest "# Totals:" line, for tools/lib's
# tests/run.sh; exits non-zero when a test failed.
set -u

here=$(cd "$(dirname "$0")" && pwd)
# The TAP helpers (tst_begin, fail, tst_end, totals, want_file, t...) of
# the selftests.
tap=$here/../../../selftests/iscsi_portal/tap.sh
[ -r "$tap" ] || { echo "$0: $tap (the shared TAP helpers) is missing" >&2; exit 1; }
# shellcheck source=SCRIPTDIR/../../../selftests/iscsi_portal/tap.sh
. "$tap"

PCTL=$here/../portalctl
FAKE=$here/fakedev.so
T=$(mktemp -d) || exit 1
trap 'rm -rf "$T"' EXIT
PLAN=20

# Portals: no provider; a provider's; an orphan; busy and a provider's.
TABLE='1,192.0.2.10:3260,1,0,0;2,[2001:db8::10]:3260,4,2,3,iscsi-portald;3,192.0.2.11:3260,0,4,1;4,203.0.113.5:3261,2,3,7,lio'
export FAKEDEV_TABLE="$TABLE" FAKEDEV_LOG="$T/log"

# tst_begin NAME: tap.sh's, and the fake module's call log emptied.
tst_begin() {
	tname=$1
	tfail=0
	: >"$T/log"
}

# pc ARGS...: instead of tap.sh's, portalctl on the fake, with the
# environment of with(); $rc, $T/out, $T/err.
fake_env=
pc() {
	last="portalctl $*"
	# shellcheck disable=SC2086 # one word per assignment
	env $fake_env LD_PRELOAD="$FAKE" "$PCTL" --device /dev/null "$@" \
		>"$T/out" 2>"$T/err" </dev/null
	rc=$?
}

# with 'VAR=VALUE ...' COMMAND...: COMMAND, portalctl run with those too.
with() {
	fake_env=$1
	shift
	"$@"
	fake_env=
}

# (want_rc, want_file and t, which runs pc, are tap.sh's.)

# want_log EXPECTED: the calls the fake module saw.
want_log() {
	last="$last (calls)"
	want_file "$T/log" "call log" "$1"
}

J1='{"id":1,"address":"192.0.2.10:3260","family":"ipv4","port":3260,"scope_id":0,"status":"online","status_value":1,"busy":false,"flags":0,"generation":0,"provider":null,"orphan":false}'
J2='{"id":2,"address":"[2001:db8::10]:3260","family":"ipv6","port":3260,"scope_id":0,"status":"offline","status_value":4,"busy":false,"flags":2,"generation":3,"provider":"iscsi-portald","orphan":false}'
J3='{"id":3,"address":"192.0.2.11:3260","family":"ipv4","port":3260,"scope_id":0,"status":"unknown","status_value":0,"busy":false,"flags":4,"generation":1,"provider":null,"orphan":true}'
J4='{"id":4,"address":"203.0.113.5:3261","family":"ipv4","port":3261,"scope_id":0,"status":"not_ready","status_value":2,"busy":true,"flags":3,"generation":7,"provider":"lio","orphan":false}'

E_NOTSUP='this status can only be reported by a provider, not set (VDS_E_NOT_SUPPORTED 0x80042400)'
E_PERM='permission denied (CAP_NET_ADMIN is needed) (E_ACCESSDENIED 0x80070005)'
E_OWNED="permission denied: provider 'iscsi-portald' owns the portal (only it may remove it or report its status) (E_ACCESSDENIED 0x80070005)"

tst_plan
if [ ! -x "$PCTL" ] || [ ! -f "$FAKE" ]; then
	tst_error "$PCTL or $FAKE missing"
fi

tst_begin "list: a PROVIDER column (name, none, orphan), flags by name"
t 0 "ID  ADDRESS              STATUS     FLAGS          GENERATION  PROVIDER
1   192.0.2.10:3260      online     -              0           none
2   [2001:db8::10]:3260  offline    provider       3           iscsi-portald
3   192.0.2.11:3260      unknown    orphan         1           orphan
4   203.0.113.5:3261     not_ready  busy,provider  7           lio" "" list
tst_end

tst_begin "list --json: provider (a name or null) and orphan keys, last"
t 0 "[$J1,$J2,$J3,$J4]" "" --json list
tst_end

tst_begin "get: the same row and object, for each kind of owner"
t 0 "ID  ADDRESS          STATUS  FLAGS  GENERATION  PROVIDER
1   192.0.2.10:3260  online  -      0           none" "" get 1
t 0 "ID  ADDRESS              STATUS   FLAGS     GENERATION  PROVIDER
2   [2001:db8::10]:3260  offline  provider  3           iscsi-portald" "" get 2
t 0 "$J3" "" --json get 3
t 0 "$J4" "" -j get 4
tst_end

tst_begin "no provider's portal, an old module: no GET_PROVIDER call at all"
with 'FAKEDEV_TABLE=1,192.0.2.10:3260,1,0,0;5,192.0.2.12:3262,4,1,2 FAKEDEV_API=1 FAKEDEV_ERR=GET_PROVIDER=25' \
	t 0 "ID  ADDRESS          STATUS   FLAGS  GENERATION  PROVIDER
1   192.0.2.10:3260  online   -      0           none
5   192.0.2.12:3262  offline  busy   2           none" "" list
tst_end

tst_begin "list: a portal removed since the LIST shows '-'; another error fails"
with 'FAKEDEV_ERR=GET_PROVIDER=43' t 0 "ID  ADDRESS              STATUS     FLAGS          GENERATION  PROVIDER
1   192.0.2.10:3260      online     -              0           none
2   [2001:db8::10]:3260  offline    provider       3           -
3   192.0.2.11:3260      unknown    orphan         1           orphan
4   203.0.113.5:3261     not_ready  busy,provider  7           -" "" list
with 'FAKEDEV_ERR=GET_PROVIDER=117' t 1 "" "portalctl: list: the portal table is marked corrupt (reenumerate, then refresh) (VDS_E_PROVIDER_CACHE_CORRUPT 0x8004241F)" --json list
with 'FAKEDEV_ERR=GET_PROVIDER=117' t 1 "" "portalctl: get 2: the portal table is marked corrupt (reenumerate, then refresh) (VDS_E_PROVIDER_CACHE_CORRUPT 0x8004241F)" get 2
tst_end

tst_begin "set --drop-sessions: the flag reaches SET_STATUS, anywhere after set"
t 0 "" "" set 2 offline --drop-sessions
want_log "SET_STATUS 2 4 1"
: >"$T/log"
t 0 "" "" set --drop-sessions 2 offline
want_log "SET_STATUS 2 4 1"
: >"$T/log"
t 0 "" "" set 2 offline
want_log "SET_STATUS 2 4 0"
t 2 "" "portalctl: set: missing argument
Try 'portalctl --help'." set 2 --drop-sessions
t 2 "" "portalctl: report: too many arguments
Try 'portalctl --help'." report 2 offline --drop-sessions
tst_end

tst_begin "set --drop-sessions refused: texts that name the option"
with 'FAKEDEV_ERR=SET_STATUS=95' t 1 "" "portalctl: set 1 offline --drop-sessions: the portal has no provider, or its provider cannot end sessions (VDS_E_NOT_SUPPORTED 0x80042400)" \
	set 1 offline --drop-sessions
with 'FAKEDEV_ERR=SET_STATUS=22' t 1 "" "portalctl: set 2 online --drop-sessions: --drop-sessions goes with offline only (E_INVALIDARG 0x80070057)" \
	set 2 online --drop-sessions
with 'FAKEDEV_ERR=SET_STATUS=95' t 1 "" "portalctl: set 2 failed --drop-sessions: $E_NOTSUP" \
	set 2 failed --drop-sessions
with 'FAKEDEV_ERR=SET_STATUS=95' t 1 "" "portalctl: set 2 failed: $E_NOTSUP" set 2 failed
tst_end

tst_begin "the providers' errors: section 4's rows; a provider's own errno"
with 'FAKEDEV_ERR=SET_STATUS=6' t 1 "" "portalctl: set 3 online: the portal's provider is gone (orphan), or a provider failed (VDS_E_PROVIDER_FAILURE 0x80042442)" set 3 online
with 'FAKEDEV_ERR=SET_STATUS=110' t 1 "" "portalctl: set 2 online: the portal's provider did not answer in time (HRESULT_FROM_WIN32(ERROR_TIMEOUT) 0x800705B4)" set 2 online
with 'FAKEDEV_ERR=SET_STATUS=98' t 1 "" "portalctl: set 2 online: the portal's address and port are in use (HRESULT_FROM_WIN32(WSAEADDRINUSE) 0x80072740)" set 2 online
with 'FAKEDEV_ERR=SET_STATUS=99' t 1 "" "portalctl: set 2 online: the portal's address is not configured on this host (HRESULT_FROM_WIN32(WSAEADDRNOTAVAIL) 0x80072741)" set 2 online
with 'FAKEDEV_ERR=SET_STATUS=5' t 1 "" "portalctl: set 2 offline: Input/output error (VDS_E_PROVIDER_FAILURE 0x80042442)" set 2 offline
with 'FAKEDEV_ERR=REENUMERATE=19' t 1 "" "portalctl: reenumerate: No such device (VDS_E_PROVIDER_FAILURE 0x80042442)" reenumerate
with 'FAKEDEV_ERR=REFRESH=110' t 1 "" "portalctl: refresh: the portal's provider did not answer in time (HRESULT_FROM_WIN32(ERROR_TIMEOUT) 0x800705B4)" refresh
# No provider answers these: another errno stays E_FAIL.
with 'FAKEDEV_ERR=REPORT_STATUS=5' t 1 "" "portalctl: report 1 failed: Input/output error (E_FAIL 0x80004005)" report 1 failed
with 'FAKEDEV_ERR=REMOVE=5' t 1 "" "portalctl: remove 1: Input/output error (E_FAIL 0x80004005)" remove 1
tst_end

tst_begin "EPERM on a provider's portal names its provider; on others, the capability"
with 'FAKEDEV_ERR=REMOVE=1' t 1 "" "portalctl: remove 2: $E_OWNED" remove 2
with 'FAKEDEV_ERR=REPORT_STATUS=1' t 1 "" "portalctl: report 2 failed: $E_OWNED" report 2 failed
with 'FAKEDEV_ERR=REMOVE=1' t 1 "" "portalctl: remove 1: $E_PERM" remove 1
with 'FAKEDEV_ERR=REMOVE=1' t 1 "" "portalctl: remove 3: $E_PERM" remove 3
with 'FAKEDEV_ERR=SET_STATUS=1' t 1 "" "portalctl: set 2 online: $E_PERM" set 2 online
tst_end

tst_begin "--help names --drop-sessions and the provider"
pc --help
[ "$rc" = 0 ] || fail "--help: exit status $rc"
grep -qx '      \[--drop-sessions\]       with offline: its provider also ends the' "$T/out" ||
	fail "--help: no --drop-sessions line"
grep -qx '  list                        every portal, with its provider' "$T/out" ||
	fail "--help: no provider in the list line"
tst_end

# ---- save and restore --------------------------------------------------------

# A table kept in $T/state between runs: two portals of no provider, a
# provider's, an orphan, a link-local one of lo (index 1).
STATE0='1,192.0.2.10:3260,1,0,0;2,[2001:db8::10]:3260,4,2,3,iscsi-portald;3,192.0.2.11:3260,0,4,1;5,[2001:db8::5]:3262,4,0,2;6,[fe80::1%1]:3260,5,0,0'
SAVED='{
  "format": "iscsi-portal-portals",
  "version": 1,
  "portals": [
    {"address": "192.0.2.10:3260", "status": "online"},
    {"address": "[2001:db8::5]:3262", "status": "offline"},
    {"address": "[fe80::1%lo]:3260", "status": "failed"}
  ]
}'
ST="FAKEDEV_STATE=$T/state"
state() { printf '%s\n' "$1" >"$T/state"; }
# want_state EXPECTED: the table the fake module holds now.
want_state() {
	last="$last (table)"
	want_file "$T/state" "table" "$1"
}

tst_begin "save: the portals with no provider, their statuses, a link-local one by name"
state "$STATE0"
with "$ST" t 0 "saved 3 portals to $T/p.json" "" save "$T/p.json"
want_file "$T/p.json" "saved file" "$SAVED"
with "$ST" t 0 "$SAVED" "" save -
with "$ST" t 0 "{\"file\":\"$T/p.json\",\"saved\":3}" "" --json save "$T/p.json"
tst_end

tst_begin "save: atomic: a new file renamed over the old, no temporary left, a failure keeps the old"
state "$STATE0"
ino1=$(stat -c %i "$T/p.json")
with "$ST" t 0 "saved 3 portals to $T/p.json" "" save "$T/p.json"
ino2=$(stat -c %i "$T/p.json")
[ "$ino1" != "$ino2" ] || fail "save rewrote $T/p.json in place (inode $ino1)"
left=$(find "$T" -name 'p.json.tmp.*')
[ -z "$left" ] || fail "temporary files left: $left"
with "$ST FAKEDEV_ERR=LIST=117" t 1 "" "portalctl: save: the portal table is marked corrupt (reenumerate, then refresh) (VDS_E_PROVIDER_CACHE_CORRUPT 0x8004241F)" save "$T/p.json"
want_file "$T/p.json" "saved file" "$SAVED"
with "$ST" t 1 "" "portalctl: save $T/no/p.json: create a temporary file: No such file or directory" save "$T/no/p.json"
[ ! -e "$T/no" ] || fail "save created $T/no"
tst_end

# The saved table, restored into an empty one: ids from 1, the statuses of
# the file, the interface name back to its index.
RESTORED='1,192.0.2.10:3260,1,0,0;2,[2001:db8::5]:3262,4,0,0;3,[fe80::1%1]:3260,5,0,0'

tst_begin "restore: each portal added with its saved status, one ADD each, a report line each"
state ""
with "$ST" t 0 "added 1 192.0.2.10:3260 online
added 2 [2001:db8::5]:3262 offline
added 3 [fe80::1%1]:3260 failed
restored $T/p.json: 3 added, 0 kept, 0 failed" "" restore "$T/p.json"
want_log "ADD 192.0.2.10:3260 1
ADD [2001:db8::5]:3262 4
ADD [fe80::1%1]:3260 5"
want_state "$RESTORED"
tst_end

tst_begin "restore again: every portal kept, no call that changes anything"
: >"$T/log"
with "$ST" t 0 "kept 1 192.0.2.10:3260 online (already a portal)
kept 2 [2001:db8::5]:3262 offline (already a portal)
kept 3 [fe80::1%1]:3260 failed (already a portal)
restored $T/p.json: 0 added, 3 kept, 0 failed" "" restore "$T/p.json"
want_log ""
want_state "$RESTORED"
tst_end

tst_begin "restore: a portal already there is kept as it is (not an error), the others added"
state '7,[2001:db8::5]:3262,1,2,4,iscsi-portald'
with "$ST" t 0 '{"file":"'"$T"'/p.json","added":2,"kept":1,"failed":0,"portals":[{"address":"192.0.2.10:3260","result":"added","id":8,"status":"online","status_value":1},{"address":"[2001:db8::5]:3262","result":"kept","id":7,"status":"online","status_value":1},{"address":"[fe80::1%1]:3260","result":"added","id":9,"status":"failed","status_value":5}]}' "" --json restore "$T/p.json"
want_log "ADD 192.0.2.10:3260 1
ADD [fe80::1%1]:3260 5"
want_state '7,[2001:db8::5]:3262,1,2,4,iscsi-portald;8,192.0.2.10:3260,1,0,0;9,[fe80::1%1]:3260,5,0,0'
tst_end

tst_begin "restore: a portal that fails is reported and fails the run; the others are restored"
state ""
with "$ST FAKEDEV_ADD_ERR=[2001:db8::5]:3262=28" t 1 "added 1 192.0.2.10:3260 online
failed [2001:db8::5]:3262 offline: the portal table is full
added 2 [fe80::1%1]:3260 failed
restored $T/p.json: 2 added, 0 kept, 1 failed" "portalctl: restore [2001:db8::5]:3262: the portal table is full (HRESULT_FROM_WIN32(ERROR_DISK_FULL) 0x80070070)" restore "$T/p.json"
want_state '1,192.0.2.10:3260,1,0,0;2,[fe80::1%1]:3260,5,0,0'
tst_end

# bad TEXT EXPECTED-MESSAGE: restore of a file holding TEXT is refused with
# it, before any call, and the table stays as it was.
bad() {
	printf '%s\n' "$1" >"$T/bad.json"
	: >"$T/log"
	with "$ST" t 1 "" "portalctl: restore $T/bad.json: $2" restore "$T/bad.json"
	want_log ""
	want_state "7,192.0.2.99:3260,4,0,1"
}

tst_begin "restore: a malformed file is refused with its line and column, nothing changed"
state "7,192.0.2.99:3260,4,0,1"
bad '{
  "format": "iscsi-portal-portals",
  "version": 1,
  "portals": [
    {"address": "192.0.2.1:3260", "status": "online"},
    {"address": "192.0.2.2:3260" "status": "online"}
  ]
}' "line 6, column 34: expected ',' or '}', found '\"'"
bad '{"format": "iscsi-portal-portals", "version": 1, "portals": [
  {"address": "192.0.2.1:3260", "status": "online"},
]}' "line 3, column 1: expected a value, found ']'"
bad '{"format": "iscsi-portal-portals", "version": 1, "portals": [' "line 2, column 1: expected a value, found end of file (truncated?)"
bad '{"format": "iscsi-portal-portals", "version": 1, "portals": []} x' "line 1, column 65: expected end of file after the value, found 'x'"
bad '{"format": "iscsi-portal-portals", "version": 1,
 "portals": [{"address": "192.0.2.1:3260
", "status": "online"}]}' "line 2, column 41: control character 0x0a in a string"
bad '' "line 2, column 1: expected a value, found end of file (truncated?)"
bad '{"format": "iscsi-portal-portals", "version": 1, "version": 1, "portals": []}' "line 1, column 50: duplicate key \"version\""
tst_end

tst_begin "restore: a well-formed file that is wrong is refused where it is wrong, nothing changed"
state "7,192.0.2.99:3260,4,0,1"
bad '[]' "line 1, column 1: expected an object, found an array"
bad '{"format": "something-else", "version": 1, "portals": []}' "line 1, column 12: \"format\" is not \"iscsi-portal-portals\": not a file of portalctl save"
bad '{"format": "iscsi-portal-portals", "version": 2, "portals": []}' "line 1, column 47: version 2: this portalctl reads version 1 only"
bad '{"format": "iscsi-portal-portals", "version": 1.0, "portals": []}' "line 1, column 47: \"version\" must be an integer"
bad '{"format": "iscsi-portal-portals", "version": 1}' "line 1, column 1: this object has no \"portals\""
bad '{"format": "iscsi-portal-portals", "version": 1, "portals": {}}' "line 1, column 61: \"portals\" must be an array, not an object"
bad '{"format": "iscsi-portal-portals", "version": 1, "portals": [
  {"address": "192.0.2.1:3260", "status": "online"},
  {"address": "192.0.2.300:3260", "status": "online"}]}' "line 3, column 15: invalid portal address \"192.0.2.300:3260\""
bad '{"format": "iscsi-portal-portals", "version": 1, "portals": [
  {"address": "[fe80::1%nosuchif0]:3260", "status": "online"}]}' "line 2, column 15: no such interface in \"[fe80::1%nosuchif0]:3260\""
bad '{"format": "iscsi-portal-portals", "version": 1, "portals": [
  {"address": "192.0.2.1:3260", "status": "sideways"}]}' "line 2, column 43: invalid status \"sideways\""
bad '{"format": "iscsi-portal-portals", "version": 1, "portals": [
  {"address": "192.0.2.1:3260", "status": "unknown(7)"}]}' "line 2, column 43: invalid status \"unknown(7)\""
bad '{"format": "iscsi-portal-portals", "version": 1, "portals": [
  {"address": "192.0.2.1:3260", "status": "online"},
  {"address": "192.0.2.1", "status": "offline"}]}' "line 3, column 15: portal \"192.0.2.1\" is already in the file"
bad '{"format": "iscsi-portal-portals", "version": 1, "portals": [
  {"address": "192.0.2.1:3260"}]}' "line 2, column 3: this object has no \"status\""
tst_end

tst_begin "restore: --missing-ok, stdin, unknown keys ignored, escapes"
state ""
with "$ST" t 0 "nothing to restore: $T/none.json does not exist" "" restore --missing-ok "$T/none.json"
with "$ST" t 1 "" "portalctl: restore $T/none.json: No such file or directory" restore "$T/none.json"
want_log ""
printf '%s\n' '{"format": "iscsi-portal-portals", "version": 1, "saved_by": "x", "portals": [
  {"address": "\u0031\u0039\u0032.0.2.1:3260", "status": "OFFLINE", "note": [1, 2.5e3, true, null, {}]}]}' >"$T/in.json"
last="portalctl restore - <$T/in.json"
env "$ST" LD_PRELOAD="$FAKE" "$PCTL" --device /dev/null restore - \
	<"$T/in.json" >"$T/out" 2>"$T/err"
rc=$?
want_rc 0
want_file "$T/err" stderr ""
want_file "$T/out" stdout "added 1 192.0.2.1:3260 offline
restored -: 1 added, 0 kept, 0 failed"
want_state "1,192.0.2.1:3260,4,0,0"
with "$ST" t 2 "" "portalctl: restore: unknown option '--force'
Try 'portalctl --help'." restore --force
with "$ST" t 2 "" "portalctl: save: too many arguments
Try 'portalctl --help'." save a b
tst_end

tst_begin "--version: the tool's and the loaded module's; version warns when they differ"
V=$(cat "$here/../../../VERSION")
with "FAKEDEV_MODVER=$V" t 0 "portalctl $V
module $V" "" --version
with "FAKEDEV_MODVER=0.9.0" t 0 "portalctl $V
module 0.9.0 (differs)" "" -V
with "FAKEDEV_MODVER=-" t 0 "portalctl $V
module loaded, no version" "" --version
VERSION_OUT='api_version          2
library_api_version  2
table                ok
portal_count         4
table_generation     10'
with "FAKEDEV_MODVER=$V" t 0 "$VERSION_OUT" "" version
with "FAKEDEV_MODVER=0.9.0" t 0 "$VERSION_OUT" "portalctl: warning: the loaded iscsi_portal module is version 0.9.0, portalctl is version $V: install matching packages, or reload the module" version
with "FAKEDEV_MODVER=-" t 0 "$VERSION_OUT" "portalctl: warning: the loaded iscsi_portal module has no version (older than portalctl $V?): install matching packages, or reload the module" version
with "FAKEDEV_MODVER=9.9.9 FAKEDEV_API=1" t 0 '{"api_version":1,"library_api_version":2,"flags":0,"corrupt":false,"portal_count":4,"table_generation":10}' "portalctl: warning: the loaded iscsi_portal module is version 9.9.9, portalctl is version $V: install matching packages, or reload the module" --json version
tst_end

totals

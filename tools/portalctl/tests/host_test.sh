#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# host_test.sh - portalctl's exact output on the host, against fakedev.so
# (an LD_PRELOAD stand-in for the module's ioctls, tests/fakedev.c): the
# provider column and keys, flags by name, set --drop-sessions, the texts
# and HRESULTs of the providers' errors.  What needs the real module is
# selftests/iscsi_portal/portalctl_test.sh's, in the VM.
#
# Prints TAP ending with a kselftest "# Totals:" line, for tools/lib's
# tests/run.sh; exits non-zero when a test failed.
set -u

here=$(cd "$(dirname "$0")" && pwd)
PCTL=$here/../portalctl
FAKE=$here/fakedev.so
T=$(mktemp -d) || exit 1
trap 'rm -rf "$T"' EXIT
n=0
npass=0
nfail=0
PLAN=10

# Portals: no provider; a provider's; an orphan; busy and a provider's.
TABLE='1,192.0.2.10:3260,1,0,0;2,[2001:db8::10]:3260,4,2,3,iscsi-portald;3,192.0.2.11:3260,0,4,1;4,203.0.113.5:3261,2,3,7,lio'
export FAKEDEV_TABLE="$TABLE" FAKEDEV_LOG="$T/log"

tst_begin() {
	tname=$1
	tfail=0
	: >"$T/log"
}

fail() {
	tfail=1
	printf '# %s: %s\n' "$tname" "$*"
}

tst_end() {
	n=$((n + 1))
	if [ "$tfail" = 0 ]; then
		echo "ok $n $tname"
		npass=$((npass + 1))
	else
		echo "not ok $n $tname"
		nfail=$((nfail + 1))
	fi
}

# pc ARGS...: portalctl on the fake, with the environment of with();
# $rc, $T/out, $T/err.
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

# want_file FILE WHAT EXPECTED: FILE holds exactly EXPECTED and a newline
# (nothing at all when EXPECTED is empty).
want_file() {
	if [ -z "$3" ]; then
		[ -s "$1" ] || return 0
		fail "$last: expected no $2, got:"
		sed 's/^/#   /' "$1"
		return 1
	fi
	printf '%s\n' "$3" >"$T/expect"
	cmp -s "$T/expect" "$1" && return 0
	fail "$last: $2 differs (--- expected +++ got):"
	diff -u "$T/expect" "$1" | sed '1,2d; s/^/#   /'
	return 1
}

# t RC OUT ERR ARGS...: portalctl ARGS exits RC printing exactly OUT and ERR.
t() {
	t_rc=$1 t_out=$2 t_err=$3
	shift 3
	pc "$@"
	[ "$rc" = "$t_rc" ] || fail "$last: exit status $rc, expected $t_rc"
	want_file "$T/out" stdout "$t_out"
	want_file "$T/err" stderr "$t_err"
}

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

echo "TAP version 13"
echo "1..$PLAN"
if [ ! -x "$PCTL" ] || [ ! -f "$FAKE" ]; then
	echo "# $PCTL or $FAKE missing"
	echo "# Totals: pass:0 fail:0 xfail:0 xpass:0 skip:0 error:1"
	exit 1
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

echo "# Totals: pass:$npass fail:$nfail xfail:0 xpass:0 skip:0 error:0"
[ "$nfail" = 0 ]

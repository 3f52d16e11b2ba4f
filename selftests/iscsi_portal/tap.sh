# SPDX-License-Identifier: GPL-2.0
# shellcheck shell=sh
#
# tap.sh - the TAP helpers of the shell tests, sourced, not run:
# portalctl_test.sh, saverestore_test.sh and lio_test.sh (busybox ash in the
# test VM, which has this file as /selftests/tap.sh: see
# tools/testing/qemu/initramfs.sh) and tools/portalctl/tests/host_test.sh
# (the host's sh).  POSIX sh only.
#
# What they print: "TAP version 13" and the plan "1..$PLAN" (tst_plan), per
# test its failures as "# NAME: WHY" comments and then "ok N NAME" or
# "not ok N NAME" (tst_begin, fail, tst_end; tst_skip), and last the
# kselftest totals line (totals), which tools/testing/qemu/verdict.sh and
# tools/lib/tests/run.sh parse:
#	# Totals: pass:P fail:F xfail:0 xpass:0 skip:S error:E
# E is 1 when the number of tests run is not the plan.  totals' status,
# the script's exit status, is 0 only when nothing failed.
#
# The script sets PLAN, and T (a directory of its own: pc and want_file
# write $T/out, $T/err and $T/expect) before it calls these.

n=0		# tests run (ok, not ok or skipped)
npass=0
nfail=0
nskip=0

# ---- TAP -------------------------------------------------------------------

# tst_plan: the TAP header and the plan.
tst_plan() {
	echo "TAP version 13"
	echo "1..$PLAN"
}

# tst_skip_all WHY: instead of tst_plan: the whole script skipped
# (kselftest's exit status 4).
tst_skip_all() {
	echo "TAP version 13"
	echo "1..0 # SKIP $1"
	exit 4
}

# tst_error WHY: after tst_plan, the script cannot run at all (what it
# needs is missing): WHY and the totals of one error; exit 1.
tst_error() {
	echo "# $1"
	echo "# Totals: pass:0 fail:0 xfail:0 xpass:0 skip:0 error:1"
	exit 1
}

# tst_begin NAME: a test starts; it passes unless fail is called.
tst_begin() {
	tname=$1
	tfail=0
}

# fail TEXT...: the test fails, TEXT as a TAP comment.
fail() {
	tfail=1
	printf '# %s: %s\n' "$tname" "$*"
}

# show [FILE...]: the files' (or stdin's) lines as TAP comments.
show() {
	sed 's/^/#   /' "$@"
}

# tst_end: the test's "ok" or "not ok" line.
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

# tst_skip NAME WHY: a test not run, counted as skipped (no tst_end).
tst_skip() {
	n=$((n + 1))
	echo "ok $n $1 # SKIP $2"
	nskip=$((nskip + 1))
}

# totals: the totals line, last; fails when a test failed or the number
# of tests run is not the plan.
totals() {
	nerr=0
	if [ "$n" != "$PLAN" ]; then
		echo "# planned $PLAN tests, ran $n"
		nerr=1
	fi
	echo "# Totals: pass:$npass fail:$nfail xfail:0 xpass:0 skip:$nskip error:$nerr"
	[ "$nfail" = 0 ] && [ "$nerr" = 0 ]
}

# bail WHY: every test not run yet fails with WHY (none passes unrun);
# the totals, exit 1.
bail() {
	while [ "$n" -lt "$PLAN" ]; do
		n=$((n + 1))
		echo "not ok $n # not run: $1"
		nfail=$((nfail + 1))
	done
	totals
	exit 1
}

# ---- polling ---------------------------------------------------------------

# poll TENTHS CMD...: CMD until it succeeds, every 0.1 s, TENTHS times at
# most; its status.
poll() {
	p_max=$1
	shift
	p_i=0
	while ! "$@"; do
		p_i=$((p_i + 1))
		[ "$p_i" -ge "$p_max" ] && return 1
		sleep 0.1
	done
	return 0
}

# ---- running portalctl and checking what it printed ------------------------

# pc ARGS...: run portalctl; $rc, $T/out, $T/err, and $last (the command,
# for the messages).  host_test.sh has its own (portalctl on a fake device).
pc() {
	last="portalctl $*"
	portalctl "$@" >"$T/out" 2>"$T/err" </dev/null
	rc=$?
}

want_rc() {
	[ "$rc" = "$1" ] || fail "$last: exit status $rc, expected $1"
}

# want_file FILE WHAT EXPECTED: FILE holds exactly EXPECTED and a newline
# (nothing at all when EXPECTED is empty).
want_file() {
	if [ -z "$3" ]; then
		[ -s "$1" ] || return 0
		fail "$last: expected no $2, got:"
		show "$1"
		return 1
	fi
	printf '%s\n' "$3" >"$T/expect"
	cmp -s "$T/expect" "$1" && return 0
	fail "$last: $2 differs (--- expected +++ got):"
	diff -u "$T/expect" "$1" | sed '1,2d; s/^/#   /'
	return 1
}

# t RC OUT ERR ARGS...: pc ARGS exits RC printing exactly OUT and ERR.
t() {
	t_rc=$1 t_out=$2 t_err=$3
	shift 3
	pc "$@"
	want_rc "$t_rc"
	want_file "$T/out" stdout "$t_out"
	want_file "$T/err" stderr "$t_err"
}

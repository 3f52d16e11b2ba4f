#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# run.sh [--log FILE] PROGRAM...: run kselftest_harness programs one after
# the other, their output (stdout and stderr) to the terminal and to FILE,
# and end with one line that sums them, the line .ci/run,
# tools/testing/qemu/run.sh --unit-log and check-kernels.sh parse:
#	N passed, N failed[, N skipped]
# The numbers are the harness's own, from each program's closing line
# "# Totals: pass:P fail:F xfail:XF xpass:XP skip:S error:E": passed is
# P + XF + XP (the tests the harness reports "ok"), failed F + E, skipped S.
# A program counts as one failed test more when it prints no Totals line
# (it died), when its totals disagree with its plan ("1..N") or with its
# "ok"/"not ok" lines, or when it exits non-zero with no failed test.
# Exits 0 when nothing failed, else 1.
set -u

log=/dev/null
if [ "${1:-}" = --log ]; then
	log=${2:?--log needs a file}
	shift 2
fi
[ $# -ge 1 ] || { echo "usage: $0 [--log FILE] PROGRAM..." >&2; exit 2; }
: >"$log" || exit 2
tmp=$(mktemp) || exit 2
trap 'rm -f "$tmp"' EXIT

passed=0
failed=0
skipped=0

# say LINE: to the terminal and the log.
say() {
	printf '%s\n' "$1" | tee -a "$log"
}

for prog in "$@"; do
	: >"$tmp"
	"$prog" 2>&1 | tee -a "$tmp" "$log"
	rc=${PIPESTATUS[0]}
	totals=$(sed -n 's/^# Totals: pass:\([0-9]*\) fail:\([0-9]*\) xfail:\([0-9]*\) xpass:\([0-9]*\) skip:\([0-9]*\) error:\([0-9]*\)$/\1 \2 \3 \4 \5 \6/p' "$tmp" | tail -n 1)
	if [ -z "$totals" ]; then
		say "# run.sh: $prog (exit $rc) printed no Totals line: one failure"
		failed=$((failed + 1))
		continue
	fi
	read -r p f xf xp s e <<<"$totals"
	plan=$(sed -n 's/^1\.\.\([0-9]*\)$/\1/p' "$tmp" | tail -n 1)
	oks=$(grep -c '^ok [0-9]' "$tmp")
	not_oks=$(grep -c '^not ok [0-9]' "$tmp")
	passed=$((passed + p + xf + xp))
	failed=$((failed + f + e))
	skipped=$((skipped + s))
	if [ "${plan:-x}" != $((p + f + xf + xp + s + e)) ] ||
	   [ "$oks" -ne $((p + xf + xp + s)) ] || [ "$not_oks" -ne "$f" ]; then
		say "# run.sh: $prog: plan ${plan:-none}, $oks ok, $not_oks not ok disagree with '$totals': one failure"
		failed=$((failed + 1))
	elif [ "$rc" -ne 0 ] && [ $((f + e)) -eq 0 ]; then
		say "# run.sh: $prog exited $rc with no failed test: one failure"
		failed=$((failed + 1))
	fi
done

line="$passed passed, $failed failed"
[ "$skipped" -eq 0 ] || line="$line, $skipped skipped"
say "$line"
[ "$failed" -eq 0 ]

# SPDX-License-Identifier: GPL-2.0
# shellcheck shell=bash disable=SC2154,SC2034 # run.sh's variables (Reads:, Sets:)
#
# The verdict of a test VM run, sourced by tools/testing/qemu/run.sh.  What
# passed is decided by the guest's own verdict channel (ttyS1, the result
# file): only lines that start with this run's token count (a fresh random
# token the guest's init read from a file it deleted, so neither console
# text nor a stale result file can fake a pass), and init must have said
# "done".  The console log and the guest's dmesg are only searched for
# kernel splats, which fail the run.  The selftests' own kselftest totals
# give the counts.
#
# Reads: top, mode, kernel, release, accel, tests[], unit_log, timeout,
# test_timeout, nonce (run.sh); qemu_rc, elapsed, console, resultf, dmesgf,
# benchf (boot.sh).  Sets: passed, failed, skipped, summary[], verdict
# (judge).

# vmfail TEXT: one failure of the run as a whole.
vmfail() {
	summary+=("FAIL  vm: $*")
	failed=$((failed + 1))
}

# has LINE: the verdict channel holds LINE (after the token).
has() {
	grep -qx -- "$1" <<<"$verdict"
}

# known_reports FILE: FILE (its \r stripped) without the kernel reports
# known to be another subsystem's own bug, each replaced by a line
# "#known NAME".  One so far, lio-time2retain: lockdep's "possible irq lock
# inversion" between iscsi_target_mod's se_tpg->session_lock, taken by its
# time2retain timer in softirq context, and its tpg->tpg_state_lock, taken
# with softirqs on.  LIO reports it when an initiator logs in again with
# the ISID of a session whose connection just closed, and the timer fires
# during that session reinstatement (seen in lio_test's SendTargets steps,
# in about 1 debug run in 3); its locks are all LIO's.  A report that names anything of this
# module (iscsi_portal, ispt_) is never dropped.
known_reports() {
	sed 's/\r$//' "$1" | awk '
		function flush(i) {
			if (blk ~ /iscsit_handle_time2retain_timeout/ &&
			    blk ~ /tpg_state_lock/ && blk !~ /iscsi_portal|ispt_/) {
				print "#known lio-time2retain"
			} else {
				for (i = 0; i < n; i++)
					print line[i]
			}
			inb = 0
			n = 0
			blk = ""
		}
		/WARNING: possible irq lock inversion dependency detected/ { inb = 1 }
		inb {
			line[n++] = $0
			blk = blk "\n" $0
			if ($0 ~ /<\/TASK>/)
				flush()
			next
		}
		{ print }
		END {
			for (i = 0; i < n; i++)
				print line[i]
		}'
}

# judge: count what passed and failed, from the verdict channel and logs.
judge() {
	passed=0
	failed=0
	skipped=0
	summary=()

	if [ "$qemu_rc" -eq 124 ] || [ "$qemu_rc" -eq 137 ]; then
		vmfail "timed out after $timeout s (hang?); see $console"
	elif [ "$qemu_rc" -ne 0 ]; then
		vmfail "qemu exited with status $qemu_rc; see $console"
	fi

	# Only lines with this run's token count; strip the tty's \r.
	verdict=$(sed -n "s/\r\$//; s/^$nonce //p" "$resultf")

	if ! has "done"; then
		vmfail "no result token from the VM's init (crash, panic or hang); see $console"
	fi
	if has "insmod fail"; then
		vmfail "insmod iscsi_portal.ko failed"
	fi

	splat='BUG:|WARNING:|Oops|KASAN|UBSAN|kernel BUG|possible circular locking|possible recursive locking|inconsistent lock state|suspicious RCU usage|sleeping function called from invalid context|Call Trace:|kmemleak: .*suspected memory leak|unreferenced object 0x|general protection fault|refcount_t:|list_add corruption|list_del corruption|stack-protector|Kernel panic'
	local logs
	logs=$(known_reports "$console"; known_reports "$dmesgf")
	splats=$(grep -v '^#known ' <<<"$logs" | grep -E "$splat" |
		awk '!seen[$0]++ { print "  " $0 }' | head -n 40 || true)
	if grep -qx '#known lio-time2retain' <<<"$logs"; then
		summary+=("note  iscsi_target_mod's own lockdep report (its time2retain timer vs tpg_state_lock; upstream LIO, not this module): not a failure, but lockdep was off for the rest of the boot")
	fi
	if [ -n "$splats" ]; then
		echo "run.sh: kernel splat:" >&2
		echo "$splats" >&2
		vmfail "kernel splat in the console log or dmesg"
	fi

	if has "done" && ! has "insmod fail" && ! has "rmmod ok"; then
		vmfail "rmmod iscsi_portal failed (module still in use or stuck)"
	fi

	# kmemleak, on kernels that have it (always on the debug kernel).
	if [ "$mode" = suite ] && { has "kmemleak on" || [ "$kernel" = debug ]; }; then
		leaks=$(sed -n 's/^kmemleak \([0-9][0-9]*\)$/\1/p' <<<"$verdict")
		if has "kmemleak clean"; then
			summary+=("ok    kmemleak: no unreferenced object after the suite and rmmod")
			passed=$((passed + 1))
		elif [ -n "$leaks" ]; then
			summary+=("FAIL  kmemleak: $leaks unreferenced objects after rmmod; see $console")
			failed=$((failed + 1))
		else
			summary+=("FAIL  kmemleak: no scan result (is CONFIG_DEBUG_KMEMLEAK on and not disabled?)")
			failed=$((failed + 1))
		fi
	fi

	case "$mode" in
	suite) judge_suite ;;
	bench) judge_bench ;;
	demo) judge_demo ;;
	esac
}

# judge_suite: each selftest's kselftest totals, and the unit tests' line.
judge_suite() {
	local t line rc p f s why unit up uf us
	for t in "${tests[@]}"; do
		line=$(grep -m 1 "^test $t rc=" <<<"$verdict" || true)
		if [ -z "$line" ]; then
			summary+=("FAIL  $t: did not run to completion")
			failed=$((failed + 1))
			continue
		fi
		rc=${line#"test $t rc="}
		rc=${rc%% *}
		if [[ "$line" =~ Totals:\ pass:([0-9]+)\ fail:([0-9]+)\ xfail:([0-9]+)\ xpass:([0-9]+)\ skip:([0-9]+)\ error:([0-9]+) ]]; then
			p=$((BASH_REMATCH[1] + BASH_REMATCH[3]))
			f=$((BASH_REMATCH[2] + BASH_REMATCH[4] + BASH_REMATCH[6]))
			s=${BASH_REMATCH[5]}
			if [ "$f" -eq 0 ] && [ "$rc" -ne 0 ] && [ "$rc" -ne 4 ]; then
				f=1	# died after printing its totals
			fi
			passed=$((passed + p))
			failed=$((failed + f))
			skipped=$((skipped + s))
			if [ "$f" -ne 0 ]; then
				summary+=("FAIL  $t: $p passed, $f failed, $s skipped (exit $rc)")
			else
				summary+=("ok    $t: $p passed, $f failed, $s skipped")
			fi
		elif [ "$rc" -eq 4 ] && [[ "$line" == *"1..0"* ]]; then
			skipped=$((skipped + 1))
			summary+=("skip  $t: skipped as a whole")
		else
			failed=$((failed + 1))
			case "$line" in
			*" timeout"*) why="timed out after $test_timeout s" ;;
			*) why="exit $rc" ;;
			esac
			summary+=("FAIL  $t: no kselftest totals, $why")
		fi
	done

	if [ -n "$unit_log" ]; then
		unit=$(sed -n 's/\r$//; /^[0-9][0-9]* passed, [0-9][0-9]* failed\(, [0-9][0-9]* skipped\)\{0,1\}$/p' \
			"$unit_log" | tail -n 1)
		if [ -z "$unit" ]; then
			summary+=("FAIL  unit: no 'N passed, N failed' line in $unit_log")
			failed=$((failed + 1))
		else
			read -r up _ uf _ us _ <<<"${unit//,/}"
			passed=$((passed + up))
			failed=$((failed + uf))
			skipped=$((skipped + ${us:-0}))
			if [ "$uf" -ne 0 ]; then
				summary+=("FAIL  unit ($unit_log): $unit")
			else
				summary+=("ok    unit ($unit_log): $unit")
			fi
		fi
	fi
}

# judge_bench: the bench finished and its JSON has every figure; it goes
# to bench-results.json.
judge_bench() {
	local bench_rc
	bench_rc=$(sed -n 's/^bench rc=//p' <<<"$verdict")
	if [ -z "$bench_rc" ]; then
		vmfail "the bench did not finish"
	elif [ "$bench_rc" -ne 0 ]; then
		vmfail "the bench exited with status $bench_rc"
	elif ! tr -d '\r' <"$benchf" | python3 -c '
import json, sys
want = {"null_ioctl_ns", "version_ns", "get_status_ns", "get_info_ns",
	"set_status_ns", "list_per_portal_ns", "attr_read_ns", "attr_write_ns",
	"get_status_ns_1m", "bytes_per_portal", "get_status_2t_speedup",
	"get_vs_null", "set_vs_null", "attr_read_vs_get", "scale_1m_vs_1",
	"attr_write_vs_set", "set_64_watchers_ns", "set_unread_watcher_ns",
	"set_64_watchers_vs_none", "set_unread_watcher_vs_none"}
r = json.load(sys.stdin)
assert want <= set(r), sorted(want - set(r))
assert all(type(v) in (int, float) for v in r.values())
json.dump(r, open(sys.argv[1], "w"), indent=2)
print(file=open(sys.argv[1], "a"))
' "$top/bench-results.json"; then
		vmfail "the bench's JSON ($benchf) is missing or malformed"
	else
		echo "run.sh: wrote $top/bench-results.json" >&2
	fi
}

# judge_demo: the demo script exited 0.
judge_demo() {
	local demo_rc
	demo_rc=$(sed -n 's/^demo rc=//p' <<<"$verdict")
	if [ -z "$demo_rc" ]; then
		vmfail "the demo did not finish"
	elif [ "$demo_rc" -ne 0 ]; then
		vmfail "the demo exited with status $demo_rc"
	fi
}

# report: the summary; the exit status is 0 only if nothing failed.
report() {
	echo "run.sh: kernel $release ($accel), VM ran ${elapsed} s; log: $console" >&2
	if [ "$mode" = demo ] || [ "$mode" = bench ]; then
		if [ "$failed" -ne 0 ]; then
			printf '%s\n' "${summary[@]}" >&2
			exit 1
		fi
		exit 0
	fi

	echo
	echo "Summary (kernel $release):"
	[ "${#summary[@]}" -eq 0 ] || printf '  %s\n' "${summary[@]}"
	sed -n 's/^note /  note  /p' <<<"$verdict"
	final="$passed passed, $failed failed"
	[ "$skipped" -eq 0 ] || final="$final, $skipped skipped"
	echo "$final"
	[ "$failed" -eq 0 ]
}

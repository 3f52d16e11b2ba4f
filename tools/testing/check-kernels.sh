#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# The selftest suite on several kernels, one VM each, one after the other:
#
#   tools/testing/check-kernels.sh [--unit-log FILE] [--fuzz SECONDS] KERNEL...
#
# For each KERNEL (tools/testing/qemu/kernels.sh list): install what it needs,
# build the debug kernel if KERNEL is "debug", build the module and the tests
# against its tree, and run tools/testing/qemu/run.sh --mode suite, whose
# output goes to build/vm/KERNEL/suite.log.  A failing kernel does not stop
# the others.  Ends with one line summing every run (and the unit tests'
# line from --unit-log, counted once): "N passed, N failed".  Exits non-zero
# if anything failed.
set -u

top=$(cd "$(dirname "$0")/../.." && pwd)
cd "$top" || exit 1
unit_log=
fuzz=
while [ $# -gt 0 ]; do
	case "$1" in
	--unit-log) unit_log=${2:?}; shift 2 ;;
	--fuzz) fuzz=${2:?}; shift 2 ;;
	-*) echo "usage: $0 [--unit-log FILE] [--fuzz SECONDS] KERNEL..." >&2; exit 2 ;;
	*) break ;;
	esac
done
[ $# -ge 1 ] || { echo "usage: $0 [--unit-log FILE] [--fuzz SECONDS] KERNEL..." >&2; exit 2; }
MAKE=${MAKE:-make}

logs=
lines=
for k in "$@"; do
	log=build/vm/$k/suite.log
	mkdir -p "build/vm/$k"
	logs="$logs $log"
	echo "=== kernel $k ==="
	start=$(date +%s)
	(
		set -e
		tools/testing/install-deps.sh "$k"
		if [ "$k" = debug ]; then
			tools/testing/qemu/debug-kernel.sh build
		fi
		kdir=$(tools/testing/qemu/kernels.sh kdir "$k")
		$MAKE --no-print-directory all KDIR="$kdir"
		opts=
		if [ -n "$fuzz" ]; then
			opts="--fuzz $fuzz"
		fi
		# KASAN, lockdep and kmemleak under TCG: several times slower,
		# for the VM and for each binary (settings' timeout= is 180 s).
		if [ "$k" = debug ]; then
			opts="$opts --timeout ${DEBUG_VM_TIMEOUT:-2400} --test-timeout 600"
		fi
		# shellcheck disable=SC2086 # opts is a word list
		tools/testing/qemu/run.sh --kernel "$k" --mode suite $opts
	) >"$log" 2>&1 </dev/null
	rc=$?
	tail -n 40 "$log" | sed -n '/^Summary (kernel/,$p'
	if [ "$rc" -ne 0 ]; then
		# What each failed test said (its "# " lines since its RUN or
		# the previous result), so a CI log that keeps only its tail
		# still shows why.
		sed 's/\r$//' "$log" | awk '
			/^vmtest: running / { prog = $3; n = 0 }
			/^#  RUN / || /^ok / { n = 0 }
			/^# / { if (n < 15) buf[n++] = $0; next }
			/^not ok / && !/# SKIP/ {
				print "  " prog ": " $0
				for (i = 0; i < n; i++)
					print "      " buf[i]
				n = 0
			}' | head -n 60
	fi
	line=$(sed -n 's/\r$//; /^[0-9][0-9]* passed, [0-9][0-9]* failed\(, [0-9][0-9]* skipped\)\{0,1\}$/p' "$log" | tail -n 1)
	if [ -z "$line" ]; then
		tail -n 30 "$log"
		line="0 passed, 1 failed"
		echo "FAIL  kernel $k: no result (exit $rc); see $log"
	elif [ "$rc" -ne 0 ] && [ "${line#* passed, 0 failed}" != "$line" ]; then
		line="${line%% passed,*} passed, 1 failed"
		echo "FAIL  kernel $k: exit $rc; see $log"
	fi
	echo "kernel $k: $line ($(( $(date +%s) - start )) s)"
	lines="$lines$line
"
done

if [ -n "$unit_log" ]; then
	u=$(sed -n 's/\r$//; /^[0-9][0-9]* passed, [0-9][0-9]* failed\(, [0-9][0-9]* skipped\)\{0,1\}$/p' \
		"$unit_log" 2>/dev/null | tail -n 1)
	[ -n "$u" ] || u="0 passed, 1 failed"
	echo "unit tests: $u"
	lines="$lines$u
"
fi

printf '%s' "$lines" | tr -d , | awk '
	{ p += $1; f += $3; if (NF >= 6) s += $5 }
	END {
		line = p " passed, " f " failed"
		if (s) line = line ", " s " skipped"
		print line
		exit f != 0
	}'

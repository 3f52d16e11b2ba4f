#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# Boot a Debian kernel under QEMU with iscsi_portal.ko loaded and run the
# selftest suite (--mode suite), the portalctl demo (--mode demo) or the
# benchmark (--mode bench: tools/testing/bench, results in bench-results.json).
# Modelled on the kernel's tools/testing/selftests/wireguard/qemu: a tiny
# busybox PID 1, the verdict reported on a serial port of its own (so console
# text cannot fake a pass), panic_on_warn, and an outer timeout.
#
# This does not build anything; `make check` / `make demo` build first.
# Everything it writes goes to build/vm/KERNEL/: initramfs.cpio.gz,
# console.log (the whole console), result (the verdict channel) and
# dmesg.log (the kernel log at the end of the run).
set -euo pipefail

usage() {
	cat >&2 <<EOF
usage: $0 --mode suite|demo|bench [options]
  --kernel NAME        kernel to boot (tools/testing/qemu/kernels.sh list; default 6.1)
  --mode suite|demo    run the selftests, or the scripted portalctl session
  --mode bench         run tools/testing/bench/bench against a real LIO target;
                       its figures go to bench-results.json (not a test)
  --perf               (bench) also profile the GET loops with the host's
                       perf (Debian package linux-perf) inside the VM
  --unit-log FILE      add the host unit tests' "N passed, N failed" line
  --fuzz SECONDS       also run tools/testing/fuzz (ioctl_fuzz for SECONDS,
                       and fault_inject, which fails without fault injection)
  --timeout SECONDS    outer timeout for the whole VM (default 600, bench 3600)
  --test-timeout SECS  per-selftest-binary timeout (default: the suite's
                       settings file timeout=, else 120)
  --memory SIZE        guest memory (default 2G)
  --accel auto|kvm|tcg auto (default) probes KVM with a short real boot
  --keep               keep the initramfs staging tree in build/vm/KERNEL/root
EOF
	exit 2
}

die() {
	echo "run.sh: $*" >&2
	exit 1
}

kernel=6.1
mode=
unit_log=
timeout=
test_timeout=
memory=2G
accel=auto
keep=0
fuzz=
perf=
while [ $# -gt 0 ]; do
	case "$1" in
	--kernel) kernel=${2:?--kernel needs a name}; shift 2 ;;
	--mode) mode=${2:?--mode needs suite or demo}; shift 2 ;;
	--unit-log) unit_log=${2:?--unit-log needs a file}; shift 2 ;;
	--timeout) timeout=${2:?--timeout needs seconds}; shift 2 ;;
	--test-timeout) test_timeout=${2:?--test-timeout needs seconds}; shift 2 ;;
	--memory) memory=${2:?--memory needs a size}; shift 2 ;;
	--accel) accel=${2:?--accel needs auto, kvm or tcg}; shift 2 ;;
	--keep) keep=1; shift ;;
	--fuzz) fuzz=${2:?--fuzz needs seconds}; shift 2 ;;
	--perf) perf=$(command -v perf) || die "--perf needs perf (apt-get install linux-perf)"; shift ;;
	-h|--help) usage ;;
	*) echo "run.sh: unknown argument '$1'" >&2; usage ;;
	esac
done
case "$mode" in suite|demo|bench) ;; *) usage ;; esac
[ -z "$perf" ] || [ "$mode" = bench ] || die "--perf is for --mode bench"
if [ -z "$timeout" ]; then
	timeout=600
	[ "$mode" != bench ] || timeout=3600
fi
case "$accel" in auto|kvm|tcg) ;; *) usage ;; esac
case "$timeout" in ''|*[!0-9]*) die "--timeout must be a number of seconds" ;; esac
case "$test_timeout" in *[!0-9]*) die "--test-timeout must be a number of seconds" ;; esac
case "$fuzz" in *[!0-9]*) die "--fuzz must be a number of seconds" ;; esac
if [ -n "$unit_log" ] && [ ! -r "$unit_log" ]; then
	die "unit test log $unit_log missing; run make unit"
fi

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
top=$(cd "$here/../../.." && pwd)
cd "$top"

# --- what to boot, and the artifacts --------------------------------------

release=$("$here/kernels.sh" release "$kernel")
image=$("$here/kernels.sh" image "$kernel")
vmdir=$top/build/vm/$kernel
ko=drivers/iscsi_portal/iscsi_portal.ko
ctl=tools/portalctl/portalctl
busybox=/bin/busybox
qemu="qemu-system-x86_64"

for tool in "$qemu:qemu-system-x86" cpio:cpio gzip:gzip modinfo:kmod \
	    readelf:binutils timeout:coreutils; do
	command -v "${tool%%:*}" >/dev/null 2>&1 ||
		die "${tool%%:*} not found; run tools/testing/install-deps.sh (package ${tool#*:})"
done
[ -r "$image" ] || die "$image is not readable (run as root, or chmod it)"
[ -x "$busybox" ] || die "$busybox missing; run tools/testing/install-deps.sh (busybox-static)"
if readelf -l "$busybox" 2>/dev/null | grep -q 'program interpreter'; then
	die "$busybox is dynamically linked; install busybox-static"
fi
[ -f "$ko" ] || die "$ko missing; build it for this kernel first:" \
	"make module KDIR=\$(tools/testing/qemu/kernels.sh kdir $kernel)"
[ -x "$ctl" ] || die "$ctl missing; run make portalctl"

vermagic=$(modinfo -F vermagic "$ko") || die "modinfo cannot read $ko"
if [ "${vermagic%% *}" != "$release" ]; then
	die "$ko was built for ${vermagic%% *}, but kernel $kernel is $release;" \
	    "rebuild it: make module KDIR=\$(tools/testing/qemu/kernels.sh kdir $kernel)"
fi

mkdir -p "$vmdir"

# The selftest programs, relative to selftests/iscsi_portal; with --fuzz,
# then tools/testing/fuzz's programs as fuzz/NAME.
tests=()
stdir=selftests/iscsi_portal
fzdir=tools/testing/fuzz
src_of() {
	case "$1" in
	fuzz/*) echo "$fzdir/${1#fuzz/}" ;;
	*) echo "$stdir/$1" ;;
	esac
}
if [ "$mode" = suite ]; then
	if ! progs=$(make -s --no-print-directory -C "$stdir" print-progs 2>"$vmdir/print-progs.err"); then
		if grep -q "No rule to make target 'print-progs'\|No targets\|No such file" "$vmdir/print-progs.err"; then
			echo "run.sh: WARNING: $stdir has no print-progs target yet; no selftests will run" >&2
			progs=
		else
			cat "$vmdir/print-progs.err" >&2
			die "make -C $stdir print-progs failed"
		fi
	fi
	rm -f "$vmdir/print-progs.err"
	for p in $progs; do
		[ -x "$stdir/$p" ] || die "selftest $stdir/$p missing; run make selftests"
		tests+=("$p")
	done
	if [ -n "$fuzz" ]; then
		progs=$(make -s --no-print-directory -C "$fzdir" print-progs) ||
			die "make -C $fzdir print-progs failed"
		for p in $progs; do
			[ -x "$fzdir/$p" ] || die "$fzdir/$p missing; run make -C $fzdir"
			tests+=("fuzz/$p")
		done
	fi
	if [ -z "$test_timeout" ]; then
		test_timeout=$(sed -n 's/^timeout=\([0-9][0-9]*\)$/\1/p' "$stdir/settings" 2>/dev/null || true)
		test_timeout=${test_timeout:-120}
	fi
	# The fuzzer runs for its whole budget, plus its checks.
	if [ -n "$fuzz" ] && [ "$test_timeout" -lt $((fuzz + 120)) ]; then
		test_timeout=$((fuzz + 120))
	fi
fi

# The bench program, and the LIO modules (with what they depend on, from the
# booted kernel's modules.dep) for its configfs attribute figures.
benchdir=tools/testing/bench
benchprogs=
lio_order=()
if [ "$mode" = bench ]; then
	benchprogs=$(make -s --no-print-directory -C "$benchdir" print-progs) ||
		die "make -C $benchdir print-progs failed"
	for p in $benchprogs; do
		[ -x "$benchdir/$p" ] || die "$benchdir/$p missing; run make -C $benchdir"
	done
	moddir=/lib/modules/$release
	[ -r "$moddir/modules.dep" ] || die "$moddir/modules.dep missing (package linux-image-$release)"
	declare -A lio_seen=()
	# lio_resolve NAME: append NAME's module file to lio_order after its
	# dependencies (modules.dep lists the whole closure, last loaded first).
	lio_resolve() {
		local name=$1 line deps i d
		[ -z "${lio_seen[$name]:-}" ] || return 0
		lio_seen[$name]=1
		line=$(grep -E "(^|/)${name}\.ko(\.(xz|zst|gz))?:" "$moddir/modules.dep" | head -n 1 || true)
		if [ -z "$line" ]; then
			grep -qE "(^|/)${name}\.ko\$" "$moddir/modules.builtin" 2>/dev/null && return 0
			die "module $name of $release is neither in modules.dep nor built in"
		fi
		read -r -a deps <<<"${line#*:}"
		for ((i = ${#deps[@]} - 1; i >= 0; i--)); do
			d=${deps[i]##*/}
			lio_resolve "${d%%.ko*}"
		done
		lio_order+=("${line%%:*}")
	}
	for m in configfs target_core_mod iscsi_target_mod; do
		lio_resolve "$m"
	done
fi

# --- the initramfs --------------------------------------------------------

root=$vmdir/root
rm -rf "$root"
mkdir -p "$root"/{bin,sbin,usr/bin,usr/sbin,dev,proc,sys,tmp,etc,lib/iscsi_portal,selftests}

# busybox with a link for each applet (busybox --list-full: bin/sh, sbin/insmod...).
install_busybox() {
	local dest=$1 applet
	cp "$busybox" "$dest/bin/busybox"
	while read -r applet; do
		[ -e "$dest/$applet" ] || ln -s /bin/busybox "$dest/$applet"
	done < <("$busybox" --list-full)
}
install_busybox "$root"

libdirs=
# copy_libs BINARY: the shared libraries (and loader) a dynamic ELF binary needs.
copy_libs() {
	local bin=$1 line lib dest
	readelf -l "$bin" 2>/dev/null | grep -q 'program interpreter' || return 0
	while read -r line; do
		case "$line" in
		*"not found"*)
			die "$bin needs ${line%% *}, which ldd cannot find" ;;
		*"=> /"*) lib=${line#*=> }; lib=${lib%% (*} ;;
		/*) lib=${line%% (*} ;;
		*) continue ;;
		esac
		case "$lib" in
		"$top"/*)	# built in this tree (libiscsiportal)
			dest=/usr/lib/iscsi_portal/${lib##*/}
			libdirs=/usr/lib/iscsi_portal ;;
		*) dest=$lib ;;
		esac
		mkdir -p "$root${dest%/*}"
		cp -L "$lib" "$root$dest"
	done < <(LD_LIBRARY_PATH="$top/tools/lib${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}" ldd "$bin")
}

cp "$ko" "$root/lib/iscsi_portal/iscsi_portal.ko"
cp "$ctl" "$root/bin/portalctl"
copy_libs "$ctl"
cp "$here/demo.sh" "$root/demo.sh"
for p in "${tests[@]}"; do
	mkdir -p "$root/selftests/$(dirname "$p")"
	cp "$(src_of "$p")" "$root/selftests/$p"
	copy_libs "$(src_of "$p")"
done

if [ "$mode" = bench ]; then
	for p in $benchprogs; do
		cp "$benchdir/$p" "$root/bin/$p"
		copy_libs "$benchdir/$p"
	done
	if [ -n "$perf" ]; then
		cp "$perf" "$root/bin/perf"
		copy_libs "$perf"
	fi
	cp "$benchdir/vm-bench.sh" "$root/bench.sh"
	chmod 0755 "$root/bench.sh"
	mkdir -p "$root/lib/bench-modules"
	: >"$root/lib/bench-modules/order"
	for f in ${lio_order[@]+"${lio_order[@]}"}; do
		m=${f##*/}
		m=${m%%.ko*}.ko
		case "$f" in	# busybox insmod may not decompress
		*.ko.xz) xz -dc "$moddir/$f" >"$root/lib/bench-modules/$m" ;;
		*.ko.zst) zstd -qdc "$moddir/$f" >"$root/lib/bench-modules/$m" ;;
		*.ko.gz) gzip -dc "$moddir/$f" >"$root/lib/bench-modules/$m" ;;
		*) cp "$moddir/$f" "$root/lib/bench-modules/$m" ;;
		esac || die "cannot stage $moddir/$f"
		echo "$m" >>"$root/lib/bench-modules/order"
	done
fi

# The verdict channel's token: fresh per run, read by init from a file it
# then deletes, so neither the console nor a stale result file can pass.
nonce=$(od -An -N16 -tx1 /dev/urandom | tr -d ' \n')
cat >"$root/etc/vmtest.conf" <<EOF
MODE=$mode
NONCE=$nonce
TEST_TIMEOUT=${test_timeout:-0}
TESTS="${tests[*]}"
LIBDIRS=$libdirs
FUZZ_SECONDS=$fuzz
FAULT_REQUIRED=$([ "$kernel" = debug ] && echo 1 || echo 0)
EOF

cp "$here/init.sh" "$root/init"
chmod 0755 "$root/init" "$root/demo.sh"

initrd=$vmdir/initramfs.cpio.gz
(cd "$root" && find . -print0 | LC_ALL=C sort -z |
	cpio --null -o -H newc -R 0:0 --quiet) | gzip -1 >"$initrd"
[ "$keep" = 1 ] || rm -rf "$root"

# --- KVM or TCG -----------------------------------------------------------

append="console=ttyS0 loglevel=5 panic=-1 panic_on_warn=1 oops=panic edd=off rdinit=/init"
# The debug kernel has no HPET: under TCG the clocksource watchdog sees the
# TSC skew against jiffies (the emulated CPU lags its timer ticks) and falls
# back to a 4 ms jiffies clock.  QEMU's TSC follows the host clock: keep it.
# (The Debian kernels fall back to the HPET, a fine clock; leave them be.)
if [ "$kernel" = debug ]; then
	append="$append tsc=reliable"
fi
# -display none rather than -nographic: the same, minus SeaBIOS's own
# output (and terminal escapes) on the console.
qemu_base=("$qemu" -display none -nodefaults -no-reboot -monitor none
	-machine pc -smp 2 -m "$memory" -kernel "$image")

# A real boot of this kernel with a tiny init: /dev/kvm can be present and
# still fail (missing MSRs abort QEMU, or the guest hangs).
probe_kvm() {
	local pdir=$vmdir/kvm-probe token
	[ -r /dev/kvm ] && [ -w /dev/kvm ] || return 1
	rm -rf "$pdir"
	mkdir -p "$pdir/root"/{bin,sbin,usr/bin,usr/sbin,dev}
	install_busybox "$pdir/root"
	token=$(od -An -N8 -tx1 /dev/urandom | tr -d ' \n')
	printf '#!/bin/sh\n/bin/mount -t devtmpfs d /dev\necho %s >/dev/ttyS1\n/sbin/reboot -f\n' \
		"$token" >"$pdir/root/init"
	chmod 0755 "$pdir/root/init"
	(cd "$pdir/root" && find . | cpio -o -H newc -R 0:0 --quiet) | gzip -1 >"$pdir/initrd"
	# A subshell, so an aborting QEMU is not reported by this shell.
	(timeout -k 5 30 "${qemu_base[@]}" -accel kvm -cpu host -initrd "$pdir/initrd" \
		-append "console=ttyS0 quiet panic=-1 rdinit=/init" \
		-serial "file:$pdir/console" -serial "file:$pdir/result" \
		</dev/null >"$pdir/qemu.log" 2>&1; echo "exit status $?" >>"$pdir/qemu.log") 2>/dev/null || true
	grep -q "$token" "$pdir/result" 2>/dev/null
}

if [ "$accel" = auto ]; then
	if probe_kvm; then
		accel=kvm
	else
		accel=tcg
		echo "run.sh: KVM unusable here (probe boot failed, see $vmdir/kvm-probe/qemu.log); using TCG" >&2
	fi
fi
if [ "$accel" = kvm ]; then
	cpu=host
else
	cpu=max
fi

# --- boot -----------------------------------------------------------------

console=$vmdir/console.log
resultf=$vmdir/result
dmesgf=$vmdir/dmesg.log
benchf=$vmdir/bench.json
rm -f "$console" "$resultf" "$dmesgf" "$benchf"
: >"$resultf"
: >"$dmesgf"
bench_serial=()
if [ "$mode" = bench ]; then
	: >"$benchf"
	bench_serial=(-serial "file:$benchf")
fi

# Demo and bench modes show only their own lines; the whole console is in
# the log.
show() {
	if [ "$mode" = demo ] || [ "$mode" = bench ]; then
		awk -v m="$mode" '$0 == "===== end of " m " =====" { on = 0 }
		     on { print; fflush() }
		     $0 == "===== iscsi_portal " m " =====" { on = 1 }'
	else
		cat
	fi
}

start=$(date +%s.%N)
set +e
timeout -k 10 "$timeout" "${qemu_base[@]}" -accel "$accel" -cpu "$cpu" \
	-initrd "$initrd" -append "$append" \
	-serial stdio -serial "file:$resultf" -serial "file:$dmesgf" \
	${bench_serial[@]+"${bench_serial[@]}"} </dev/null 2>&1 | sed -u 's/\r$//' | tee "$console" | show
qemu_rc=${PIPESTATUS[0]}
set -e
elapsed=$(echo "$start $(date +%s.%N)" | awk '{ printf "%.1f", $2 - $1 }')

# --- verdict --------------------------------------------------------------

passed=0
failed=0
skipped=0
summary=()
vmfail() {
	summary+=("FAIL  vm: $*")
	failed=$((failed + 1))
}

if [ "$qemu_rc" -eq 124 ] || [ "$qemu_rc" -eq 137 ]; then
	vmfail "timed out after $timeout s (hang?); see $console"
elif [ "$qemu_rc" -ne 0 ]; then
	vmfail "qemu exited with status $qemu_rc; see $console"
fi

# Only lines with this run's token count; strip the tty's \r.
verdict=$(sed -n "s/\r\$//; s/^$nonce //p" "$resultf")
has() {
	grep -qx -- "$1" <<<"$verdict"
}

if ! has "done"; then
	vmfail "no result token from the VM's init (crash, panic or hang); see $console"
fi
if has "insmod fail"; then
	vmfail "insmod iscsi_portal.ko failed"
fi

splat='BUG:|WARNING:|Oops|KASAN|UBSAN|kernel BUG|possible circular locking|possible recursive locking|inconsistent lock state|suspicious RCU usage|sleeping function called from invalid context|Call Trace:|kmemleak: .*suspected memory leak|unreferenced object 0x|general protection fault|refcount_t:|list_add corruption|list_del corruption|stack-protector|Kernel panic'
splats=$(grep -hE "$splat" "$console" "$dmesgf" | sed 's/\r$//' |
	awk '!seen[$0]++ { print "  " $0 }' | head -n 40 || true)
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

if [ "$mode" = suite ]; then
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
elif [ "$mode" = bench ]; then
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
	"get_vs_null", "set_vs_null", "attr_read_vs_get", "scale_1m_vs_1"}
r = json.load(sys.stdin)
assert set(r) == want, sorted(set(r) ^ want)
assert all(type(v) in (int, float) for v in r.values())
json.dump(r, open(sys.argv[1], "w"), indent=2)
print(file=open(sys.argv[1], "a"))
' "$top/bench-results.json"; then
		vmfail "the bench's JSON ($benchf) is missing or malformed"
	else
		echo "run.sh: wrote $top/bench-results.json" >&2
	fi
else
	demo_rc=$(sed -n 's/^demo rc=//p' <<<"$verdict")
	if [ -z "$demo_rc" ]; then
		vmfail "the demo did not finish"
	elif [ "$demo_rc" -ne 0 ]; then
		vmfail "the demo exited with status $demo_rc"
	fi
fi

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

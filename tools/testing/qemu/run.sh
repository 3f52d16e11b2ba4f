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
# The parts, in the order they run:
#   run.sh        the options, what the run needs, and the plan: which
#                 programs go into the VM
#   initramfs.sh  the initramfs: busybox, the module, the programs and their
#                 libraries, the LIO module closure, the iSCSI initiators and
#                 iscsi-portald (suite, demo); cached
#   init.sh       the guest's PID 1
#   boot.sh       KVM or TCG, and the boot under the outer timeout
#   verdict.sh    pass or fail, from the guest's verdict channel
#
# This does not build anything; `make check` / `make demo` build first.
# Everything it writes goes to build/vm/KERNEL/: initramfs.cpio.gz (the
# cached initramfs-base.cpio.gz and this run's etc/vmtest.conf),
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
                       (a failed probe is remembered until the host reboots)
  --only PROG          (suite) run only this selftest (repeatable), e.g.
                       --only lio_test.sh
  --keep               keep the initramfs staging tree in build/vm/KERNEL/root
  --lio-optional       a kernel without LIO (a custom one) boots, lio_test.sh
                       skips; without it, a kernel that lacks LIO is an error
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
only=
lio_optional=
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
	--lio-optional) lio_optional=1; shift ;;
	--only) only="$only ${2:?--only needs a selftest name}"; shift 2 ;;
	--fuzz) fuzz=${2:?--fuzz needs seconds}; shift 2 ;;
	--perf) perf=$(command -v perf) || die "--perf needs perf (apt-get install linux-perf)"; shift ;;
	-h|--help) usage ;;
	*) echo "run.sh: unknown argument '$1'" >&2; usage ;;
	esac
done
case "$mode" in suite|demo|bench) ;; *) usage ;; esac
[ -z "$perf" ] || [ "$mode" = bench ] || die "--perf is for --mode bench"
[ -z "$only" ] || [ "$mode" = suite ] || die "--only is for --mode suite"
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

# shellcheck source=tools/testing/qemu/initramfs.sh
. "$here/initramfs.sh"
# shellcheck source=tools/testing/qemu/boot.sh
. "$here/boot.sh"
# shellcheck source=tools/testing/qemu/verdict.sh
. "$here/verdict.sh"

# --- what to boot, and what it needs -------------------------------------

release=$("$here/kernels.sh" release "$kernel")
image=$("$here/kernels.sh" image "$kernel")
vmdir=$top/build/vm/$kernel
ko=drivers/iscsi_portal/iscsi_portal.ko
ctl=tools/portalctl/portalctl
busybox=/bin/busybox
qemu="qemu-system-x86_64"

for tool in "$qemu:qemu-system-x86" cpio:cpio gzip:gzip modinfo:kmod \
	    readelf:binutils timeout:coreutils xz:xz-utils flock:util-linux; do
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
# tools/testing/fuzz's programs as fuzz/NAME come after the C programs and
# before the shell tests.  The shell tests drive LIO, whose own lockdep
# report (verdict.sh, known_reports) turns lockdep off for the rest of
# the boot: the fuzzers run before that can happen.
tests=()
shell_tests=()
stdir=selftests/iscsi_portal
fzdir=tools/testing/fuzz
src_of() {
	case "$1" in
	fuzz/*) echo "$fzdir/${1#fuzz/}" ;;
	*) echo "$stdir/$1" ;;
	esac
}
if [ "$mode" = suite ]; then
	progs=$(make -s --no-print-directory -C "$stdir" print-progs) ||
		die "make -C $stdir print-progs failed"
	# --only: these programs instead (a new one need not be listed yet).
	[ -z "$only" ] || progs=$only
	# A suite of no program would pass on the unit log alone.
	[ -n "${progs//[[:space:]]/}" ] || die "no selftest to run (print-progs gave none)"
	for p in $progs; do
		[ -x "$stdir/$p" ] || die "selftest $stdir/$p missing; run make selftests"
		case "$p" in
		*.sh) shell_tests+=("$p") ;;
		*) tests+=("$p") ;;
		esac
	done
	if [ -n "$fuzz" ]; then
		progs=$(make -s --no-print-directory -C "$fzdir" print-progs) ||
			die "make -C $fzdir print-progs failed"
		for p in $progs; do
			[ -x "$fzdir/$p" ] || die "$fzdir/$p missing; run make -C $fzdir"
			tests+=("fuzz/$p")
		done
	fi
	tests+=(${shell_tests[@]+"${shell_tests[@]}"})
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
if [ "$mode" = bench ]; then
	benchprogs=$(make -s --no-print-directory -C "$benchdir" print-progs) ||
		die "make -C $benchdir print-progs failed"
	for p in $benchprogs; do
		[ -x "$benchdir/$p" ] || die "$benchdir/$p missing; run make -C $benchdir"
	done
	lio_closure "$release"
fi

# The suite's and the demo's iSCSI pieces (lio_test.sh, demo.sh): LIO with
# an rd_mcp backstore, sock_diag for --drop-sessions, iscsi_tcp and sd_mod
# for open-iscsi; the initiators from Debian's libiscsi-bin and open-iscsi;
# the LIO bridge.  Every kernel of kernels.sh has them (the debug kernel
# built in), so one that lacks any is an error: the suite's proof of
# CONTRACT 8.3 must not vanish behind a skip.  With --lio-optional (a
# custom kernel) it boots all the same and lio_test.sh skips, naming them.
iscsi_bins=()
portald=
lio_missing_mods=
if [ "$mode" != bench ]; then
	lio_mods="configfs target_core_mod target_core_file iscsi_target_mod inet_diag tcp_diag iscsi_tcp sd_mod"
	# shellcheck disable=SC2086 # a word list
	lio_missing_mods=$(lio_missing "$release" $lio_mods) || exit 1
	# Both ends of a login allocate crc32c, a module on 6.12-rt (no
	# modprobe in the VM loads it): crc32c_generic, where there is one.
	if [ -z "$(lio_missing "$release" crc32c_generic)" ]; then
		lio_mods="crc32c_generic $lio_mods"
	fi
	# Needed by the demo and lio_test.sh; not by an --only without it.
	lio_needed=
	[ "$mode" != demo ] || lio_needed=1
	for t in "${tests[@]}"; do
		[ "$t" != lio_test.sh ] || lio_needed=1
	done
	if [ -n "$lio_missing_mods" ]; then
		[ -n "$lio_optional" ] || [ -z "$lio_needed" ] ||
			die "kernel $kernel has no $lio_missing_mods: the LIO tests cannot run (--lio-optional lets them skip)"
		echo "run.sh: WARNING: kernel $kernel has no $lio_missing_mods; the LIO tests will skip" >&2
	else
		# shellcheck disable=SC2086
		lio_closure "$release" $lio_mods
	fi
	for b in /usr/bin/iscsi-inq /usr/bin/iscsi-ls /usr/bin/iscsi-perf \
		 /usr/bin/iscsi-readcapacity16 /usr/sbin/iscsid /usr/sbin/iscsiadm \
		 /usr/sbin/iscsi-iname; do
		[ -x "$b" ] || die "$b missing; run tools/testing/install-deps.sh (packages libiscsi-bin, open-iscsi)"
		iscsi_bins+=("$b")
	done
	if [ -x tools/iscsi-portald/iscsi-portald ]; then
		portald=tools/iscsi-portald/iscsi-portald
	else
		echo "run.sh: WARNING: tools/iscsi-portald/iscsi-portald not built; the LIO tests that need it will fail" >&2
	fi
fi

# --- the initramfs, the boot and the verdict -------------------------------

# One VM at a time on this host (others may share the tree, and
# build/vm/KERNEL): wait for the one that runs, before writing the
# initramfs it may still be about to boot.
exec 9>"$top/build/vm/.lock"
if ! flock -n 9; then
	echo "run.sh: another test VM is running (build/vm/.lock); waiting" >&2
	flock 9
fi

# The verdict channel's token: fresh per run (initramfs.sh, verdict.sh).
nonce=$(od -An -N16 -tx1 /dev/urandom | tr -d ' \n')
build_initramfs

boot_setup
choose_accel
boot_vm

judge
report

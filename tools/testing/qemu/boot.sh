# SPDX-License-Identifier: GPL-2.0
# shellcheck shell=bash disable=SC2154,SC2034 # run.sh's variables (Reads:, Sets:)
#
# Booting the test VM, sourced by tools/testing/qemu/run.sh: the kernel
# command line, KVM or TCG, and the boot itself with the outer timeout.
#
# Serial ports: ttyS0 the console (build/vm/KERNEL/console.log, and the
# terminal), ttyS1 the verdict channel (result), ttyS2 the guest's dmesg at
# the end (dmesg.log), ttyS3 in bench mode the benchmark's JSON (bench.json).
#
# Reads: qemu, vmdir, kernel, image, memory, accel, mode, timeout and
# initrd (run.sh); uses install_busybox (initramfs.sh).  Sets: append and
# qemu_base[] (boot_setup); accel and cpu (choose_accel); console, resultf,
# dmesgf, benchf, qemu_rc and elapsed (boot_vm).

# boot_setup: the kernel command line and QEMU's options for every boot.
boot_setup() {
	append="console=ttyS0 loglevel=5 panic=-1 panic_on_warn=1 oops=panic edd=off rdinit=/init"
	# Under TCG a host that deschedules QEMU's vCPU thread for 20 s looks
	# like a soft lockup or an RCU stall to the guest, a splat that fails
	# the run: give them the longest thresholds (60 s, 120 s) instead.
	append="$append watchdog_thresh=60 rcupdate.rcu_cpu_stall_timeout=120"
	# The debug kernel has no HPET: under TCG the clocksource watchdog
	# sees the TSC skew against jiffies (the emulated CPU lags its timer
	# ticks) and falls back to a 4 ms jiffies clock.  QEMU's TSC follows
	# the host clock: keep it.  (The Debian kernels fall back to the
	# HPET, a fine clock; leave them be.)
	if [ "$kernel" = debug ]; then
		append="$append tsc=reliable"
	fi
	# -display none rather than -nographic: the same, minus SeaBIOS's
	# own output (and terminal escapes) on the console.
	qemu_base=("$qemu" -display none -nodefaults -no-reboot -monitor none
		-machine pc -smp 2 -m "$memory" -kernel "$image")
}

# probe_kvm: a real boot of this kernel with a tiny init: /dev/kvm can be
# present and still fail (missing MSRs abort QEMU, or the guest hangs).
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

# probe_key: what the probe's answer depends on: this boot of the host, the
# kernel image, QEMU and /dev/kvm.
probe_key() {
	{
		cat /proc/sys/kernel/random/boot_id
		ls -lL --time-style=+%s "$image" "$(command -v "$qemu")" /dev/kvm
	} 2>&1 | sha256sum | cut -d ' ' -f 1
}

# choose_accel: with --accel auto, KVM if the probe boot works, else TCG.
# A failed probe costs its 30 s timeout, so a failure is remembered in
# build/vm/KERNEL/kvm-probe.failed until probe_key changes; a success is
# not (if KVM stops working, the next run falls back to TCG).
choose_accel() {
	local failed=$vmdir/kvm-probe.failed key
	if [ "$accel" = auto ]; then
		key=$(probe_key)
		if [ "$(cat "$failed" 2>/dev/null)" = "$key" ]; then
			accel=tcg
			echo "run.sh: KVM unusable here (probe boot failed, see $vmdir/kvm-probe/qemu.log; remembered in $failed); using TCG" >&2
		elif probe_kvm; then
			accel=kvm
			rm -f "$failed"
		else
			accel=tcg
			echo "$key" >"$failed"
			echo "run.sh: KVM unusable here (probe boot failed, see $vmdir/kvm-probe/qemu.log); using TCG" >&2
		fi
	fi
	if [ "$accel" = kvm ]; then
		cpu=host
	else
		cpu=max
	fi
}

# show: demo and bench modes show only their own lines; the whole console
# is in the log.
show() {
	if [ "$mode" = demo ] || [ "$mode" = bench ]; then
		awk -v m="$mode" '$0 == "===== end of " m " =====" { on = 0 }
		     on { print; fflush() }
		     $0 == "===== iscsi_portal " m " =====" { on = 1 }'
	else
		cat
	fi
}

# boot_vm: boot $initrd under the outer timeout; the console to the
# terminal (through show) and console.log.
boot_vm() {
	local start bench_serial=()
	console=$vmdir/console.log
	resultf=$vmdir/result
	dmesgf=$vmdir/dmesg.log
	benchf=$vmdir/bench.json
	rm -f "$console" "$resultf" "$dmesgf" "$benchf"
	: >"$resultf"
	: >"$dmesgf"
	if [ "$mode" = bench ]; then
		: >"$benchf"
		bench_serial=(-serial "file:$benchf")
	fi

	start=$(date +%s.%N)
	set +e
	timeout -k 10 "$timeout" "${qemu_base[@]}" -accel "$accel" -cpu "$cpu" \
		-initrd "$initrd" -append "$append" \
		-serial stdio -serial "file:$resultf" -serial "file:$dmesgf" \
		${bench_serial[@]+"${bench_serial[@]}"} </dev/null 2>&1 | sed -u 's/\r$//' | tee "$console" | show
	qemu_rc=${PIPESTATUS[0]}
	set -e
	elapsed=$(echo "$start $(date +%s.%N)" | awk '{ printf "%.1f", $2 - $1 }')
}

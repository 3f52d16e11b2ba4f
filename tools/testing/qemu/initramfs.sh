# SPDX-License-Identifier: GPL-2.0
# shellcheck shell=bash disable=SC2154,SC2034 # run.sh's variables (Reads:, Sets:)
#
# The test VM's initramfs, sourced by tools/testing/qemu/run.sh: a busybox
# PID 1 (tools/testing/qemu/init.sh), the module, portalctl, the programs of
# the run with the shared libraries they need, and the LIO modules with
# their dependencies: for the bench; for the suite and the demo also the
# iSCSI initiators, iscsi_tcp and sock_diag, lio-setup and iscsi-portald.
#
# The archive is two concatenated cpio archives (the kernel unpacks each in
# turn): initramfs-base.cpio.gz, everything but etc/vmtest.conf, rebuilt only
# when the staged tree differs from the one it was built from (its hash is
# in initramfs-base.key); and etc/vmtest.conf alone, with the run's token,
# written fresh every run.
#
# Reads: top, here, vmdir, mode, kernel, busybox, ko, ctl, perf, tests[],
# benchdir, benchprogs, iscsi_bins[], portald, lio_missing_mods,
# test_timeout, fuzz, nonce and keep (run.sh); uses die and src_of.
# Sets: libdirs (copy_libs); lio_order[], lio_release and moddir
# (lio_closure); root and initrd (build_initramfs).

# install_busybox DEST: busybox with a link for each applet
# (busybox --list-full: bin/sh, sbin/insmod...).
install_busybox() {
	local dest=$1 applet
	cp "$busybox" "$dest/bin/busybox"
	while read -r applet; do
		[ -e "$dest/$applet" ] || ln -s /bin/busybox "$dest/$applet"
	done < <("$busybox" --list-full)
}

# copy_libs BINARY: the shared libraries (and loader) a dynamic ELF binary
# needs, into $root; the ones built in this tree go to /usr/lib/iscsi_portal,
# which is then in libdirs (the guest's LD_LIBRARY_PATH).
libdirs=
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

# lio_closure RELEASE [MODULE...]: lio_order[] gets the module files
# (relative to $moddir) of the MODULEs (default: the LIO modules of the
# bench's configfs attribute figures), each after its dependencies, from
# the kernel's modules.dep; a module built into the kernel needs no file.
# The debug kernel is a tree, not a package: its moddir is the tree, whose
# modules.builtin lists what its config builds in.
lio_order=()
lio_closure() {
	lio_release=$1
	shift
	[ $# -gt 0 ] || set -- configfs target_core_mod iscsi_target_mod
	moddir=/lib/modules/$lio_release
	if [ "$kernel" = debug ]; then
		moddir=$("$here/kernels.sh" kdir debug)
		[ -r "$moddir/modules.builtin" ] || die "$moddir/modules.builtin missing (debug kernel not built?)"
	fi
	declare -gA lio_seen=()
	local m
	for m in "$@"; do
		lio_resolve "$m"
	done
}

# lio_missing RELEASE MODULE...: the MODULEs this kernel has neither as a
# module nor built in (the debug kernel has them built in).
lio_missing() {
	local dir=/lib/modules/$1 m dep missing=
	shift
	[ "$kernel" != debug ] || dir=$("$here/kernels.sh" kdir debug)
	dep=$dir/modules.dep
	# A build tree with everything built in may have no modules.dep; with
	# neither file, every module would look missing.
	[ -r "$dep" ] || [ -r "$dir/modules.builtin" ] ||
		die "neither $dep nor $dir/modules.builtin is readable"
	[ -r "$dep" ] || dep=/dev/null
	for m in "$@"; do
		grep -qE "(^|/)${m}\.ko(\.(xz|zst|gz))?:" "$dep" && continue
		grep -qE "(^|/)${m}\.ko\$" "$dir/modules.builtin" 2>/dev/null && continue
		missing="$missing $m"
	done
	echo "${missing# }"
}

# lio_resolve NAME: append NAME's module file to lio_order after its
# dependencies (modules.dep lists the whole closure, last loaded first).
lio_resolve() {
	local name=$1 line deps i d
	[ -z "${lio_seen[$name]:-}" ] || return 0
	lio_seen[$name]=1
	line=$(grep -E "(^|/)${name}\.ko(\.(xz|zst|gz))?:" "$moddir/modules.dep" 2>/dev/null | head -n 1 || true)
	if [ -z "$line" ]; then
		grep -qE "(^|/)${name}\.ko\$" "$moddir/modules.builtin" 2>/dev/null && return 0
		die "module $name of $lio_release is neither in modules.dep nor built in"
	fi
	read -r -a deps <<<"${line#*:}"
	for ((i = ${#deps[@]} - 1; i >= 0; i--)); do
		d=${deps[i]##*/}
		lio_resolve "${d%%.ko*}"
	done
	lio_order+=("${line%%:*}")
}

# stage_lio DIR: the modules of lio_order, decompressed (busybox insmod may
# not decompress), and their load order in DIR/order.
stage_lio() {
	local dir=$1 f m
	mkdir -p "$dir"
	: >"$dir/order"
	for f in ${lio_order[@]+"${lio_order[@]}"}; do
		m=${f##*/}
		m=${m%%.ko*}.ko
		case "$f" in
		*.ko.xz) xz -dc "$moddir/$f" >"$dir/$m" ;;
		*.ko.zst) zstd -qdc "$moddir/$f" >"$dir/$m" ;;
		*.ko.gz) gzip -dc "$moddir/$f" >"$dir/$m" ;;
		*) cp "$moddir/$f" "$dir/$m" ;;
		esac || die "cannot stage $moddir/$f"
		echo "$m" >>"$dir/order"
	done
}

# stage_iscsi: for the suite and the demo, LIO's modules (the closure of
# lio_order) in /lib/lio-modules, the initiators (libiscsi's tools and
# open-iscsi's iscsid and iscsiadm) with their libraries, open-iscsi's
# directories and a configuration for the VM (the initiator name is
# generated in the guest, by lio-setup iscsid, so the cached archive stays
# the same), lio-setup, and iscsi-portald when it is built.
stage_iscsi() {
	local b
	stage_lio "$root/lib/lio-modules"
	for b in ${iscsi_bins[@]+"${iscsi_bins[@]}"}; do
		mkdir -p "$root${b%/*}"
		cp "$b" "$root$b"
		copy_libs "$b"
	done
	mkdir -p "$root"/etc/iscsi "$root"/run/lock/iscsi "$root"/var/lib/iscsi
	cat >"$root/etc/iscsi/iscsid.conf" <<'EOF'
# The test VM's open-iscsi (tools/testing/qemu/initramfs.sh): manual logins,
# one login try, a short recovery, no NOP-Out pings (TCG is slow).
node.startup = manual
node.leading_login = No
node.session.timeo.replacement_timeout = 5
node.conn[0].timeo.login_timeout = 5
node.conn[0].timeo.logout_timeout = 5
node.conn[0].timeo.noop_out_interval = 0
node.conn[0].timeo.noop_out_timeout = 0
node.session.err_timeo.abort_timeout = 5
node.session.err_timeo.lu_reset_timeout = 5
node.session.err_timeo.tgt_reset_timeout = 5
node.session.err_timeo.host_reset_timeout = 5
node.session.initial_login_retry_max = 1
node.session.cmds_max = 128
node.session.queue_depth = 32
node.session.iscsi.InitialR2T = No
node.session.iscsi.ImmediateData = Yes
node.session.iscsi.FirstBurstLength = 262144
node.session.iscsi.MaxBurstLength = 16776192
node.conn[0].iscsi.MaxRecvDataSegmentLength = 262144
node.conn[0].iscsi.MaxXmitDataSegmentLength = 0
discovery.sendtargets.iscsi.MaxRecvDataSegmentLength = 32768
node.session.nr_sessions = 1
node.session.reopen_max = 0
node.session.scan = auto
EOF
	cp "$here/lio-setup.sh" "$root/bin/lio-setup"
	chmod 0755 "$root/bin/lio-setup"
	if [ -n "$portald" ]; then
		cp "$portald" "$root/usr/sbin/iscsi-portald"
		copy_libs "$portald"
	fi
}

# stage_root: the whole guest tree in $root, etc/vmtest.conf included.
stage_root() {
	local p
	rm -rf "$root"
	mkdir -p "$root"/{bin,sbin,usr/bin,usr/sbin,dev,proc,sys,tmp,etc,lib/iscsi_portal,selftests}
	install_busybox "$root"
	cp "$ko" "$root/lib/iscsi_portal/iscsi_portal.ko"
	# The selftests' in-kernel provider, which they insmod themselves.
	p=selftests/iscsi_portal/test_provider/test_iscsi_portal_provider.ko
	if [ "$mode" = suite ] && [ -f "$p" ]; then
		cp "$p" "$root/lib/iscsi_portal/"
	fi
	cp "$ctl" "$root/bin/portalctl"
	copy_libs "$ctl"
	cp "$here/demo.sh" "$root/demo.sh"
	for p in ${tests[@]+"${tests[@]}"}; do
		mkdir -p "$root/selftests/$(dirname "$p")"
		cp "$(src_of "$p")" "$root/selftests/$p"
		copy_libs "$(src_of "$p")"
	done
	# The shell tests' TAP helpers, which they source from their own
	# directory.
	if [ "$mode" = suite ]; then
		cp "$(src_of tap.sh)" "$root/selftests/tap.sh"
	fi
	if [ "$mode" = bench ]; then
		for p in $benchprogs; do
			cp "$benchdir/$p" "$root/bin/$p"
			copy_libs "$benchdir/$p"
		done
		if [ -n "$perf" ]; then
			cp "$perf" "$root/bin/perf"
			copy_libs "$perf"
		fi
		# The LIO phase's bridge (make bench builds it with make all).
		if [ -x tools/iscsi-portald/iscsi-portald ]; then
			cp tools/iscsi-portald/iscsi-portald "$root/usr/sbin/iscsi-portald"
			copy_libs tools/iscsi-portald/iscsi-portald
		fi
		# coreutils' rmdir and mkdir: the LIO phase's direct commands.
		mkdir -p "$root/usr/lib/bench"
		for p in rmdir mkdir; do
			cp "/usr/bin/$p" "$root/usr/lib/bench/$p"
			copy_libs "/usr/bin/$p"
		done
		# strace, when the host has it: the LIO phase traces the daemon.
		if [ -x /usr/bin/strace ]; then
			cp /usr/bin/strace "$root/usr/bin/strace"
			copy_libs /usr/bin/strace
		fi
		cp "$benchdir/vm-bench.sh" "$root/bench.sh"
		chmod 0755 "$root/bench.sh"
		stage_lio "$root/lib/bench-modules"
	else
		stage_iscsi
	fi
	cp "$here/init.sh" "$root/init"
	chmod 0755 "$root/init" "$root/demo.sh"

	# The verdict channel's token: fresh per run, read by init from a
	# file it then deletes, so neither the console nor a stale result
	# file can pass.
	cat >"$root/etc/vmtest.conf" <<EOF
MODE=$mode
NONCE=$nonce
TEST_TIMEOUT=${test_timeout:-0}
TESTS="${tests[*]}"
LIBDIRS=$libdirs
FUZZ_SECONDS=$fuzz
FAULT_REQUIRED=$([ "$kernel" = debug ] && echo 1 || echo 0)
LIO_MISSING="$lio_missing_mods"
EOF
}

# tree_key DIR EXCLUDED: a hash of DIR's names, types, modes, link targets
# and file contents, EXCLUDED (a ./path) left out.
tree_key() {
	(cd "$1" && {
		find . ! -path "$2" -printf '%y %m %p %l\n' | LC_ALL=C sort
		find . ! -path "$2" -type f -print0 | LC_ALL=C sort -z |
			xargs -0 sha256sum
	}) | sha256sum | cut -d ' ' -f 1
}

# pack DIR FIND-ARGS...: a gzipped newc archive (owner root) on stdout of
# the entries of DIR that find(1) selects, in a fixed order.
pack() {
	local dir=$1
	shift
	(cd "$dir" && find . "$@" -print0 | LC_ALL=C sort -z |
		cpio --null -o -H newc -R 0:0 --quiet) | gzip -1
}

# build_initramfs: stage the tree, reuse or rebuild the base archive, and
# write $initrd = base + this run's etc/vmtest.conf.
build_initramfs() {
	local base=$vmdir/initramfs-base.cpio.gz key conf=./etc/vmtest.conf
	root=$vmdir/root
	initrd=$vmdir/initramfs.cpio.gz
	stage_root
	key=$(tree_key "$root" "$conf")
	if [ ! -f "$base" ] || [ "$(cat "$vmdir/initramfs-base.key" 2>/dev/null)" != "$key" ]; then
		rm -f "$vmdir/initramfs-base.key"
		pack "$root" ! -path "$conf" >"$base.tmp"
		mv "$base.tmp" "$base"
		echo "$key" >"$vmdir/initramfs-base.key"
	fi
	{ cat "$base"; pack "$root" -path "$conf"; } >"$initrd"
	[ "$keep" = 1 ] || rm -rf "$root"
}

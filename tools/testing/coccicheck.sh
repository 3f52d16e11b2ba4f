#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# The kernel's own Coccinelle scripts, scripts/coccinelle/*/*.cocci of Debian's
# linux-source-6.12 (extracted into build/ksrc by tools/testing/get-ksrc.sh),
# in report mode over the module's sources: part of `make lint`, and any
# report fails it.
#
#   make -C KDIR M=$PWD coccicheck MODE=report BASH=$PWD/tools/testing/coccicheck.sh
#   tools/testing/coccicheck.sh KDIR          (the same)
#
# The kernel's way is `make -C KDIR M=$PWD coccicheck MODE=report`, whose
# recipe is `$(BASH) $(srctree)/scripts/coccicheck`; but Debian's headers
# packages ship neither scripts/coccicheck nor scripts/coccinelle.  With
# BASH= this script, kbuild runs it in the script's place, in KDIR and with
# the environment it gives scripts/coccicheck (LINUXINCLUDE, KBUILD_EXTMOD,
# MODE, J, COCCI, SPFLAGS), and it does what scripts/coccicheck does in
# report mode:
#   spatch -D report --no-show-diff --very-quiet --cocci-file F <F's Options:>
#          <LINUXINCLUDE as spatch options> FILES
# for each script F (skipped when its "Requires:" is newer than spatch),
# J scripts at a time (default nproc).  The differences:
# - FILES are the module's tracked sources (and headers, for the scripts
#   whose Options: ask for them), not every file under M=, which holds
#   the userspace code too;
# - the exit status is 1 when a script reports anything;
# - spatch gets a few macro hints (macros.h below) for the scoped guards of
#   <linux/cleanup.h>, which Coccinelle 1.1 does not know: without them it
#   silently skips every function that uses one;
# - as what spatch cannot parse no script sees, a line of the sources that
#   spatch cannot parse fails the lint too;
# - a few scripts are skipped (skip= below, with the reasons).
set -euo pipefail

top=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)

# Not from kbuild: let kbuild run us.
if [ -z "${KBUILD_EXTMOD:-}" ]; then
	[ $# -eq 1 ] || { echo "usage: $0 KDIR" >&2; exit 2; }
	exec make --no-print-directory -C "$1" M="$top" coccicheck MODE=report \
		BASH="$top/tools/testing/coccicheck.sh"
fi

# Scripts not run, and why (every other one has a report mode and runs):
#   misc/add_namespace.cocci: a helper of scripts/nsdeps, which runs it
#     with -D ns=NAMESPACE to add a MODULE_IMPORT_NS; its report mode is an
#     empty placeholder.
#   null/badzero.cocci, api/check_bq27xxx_data.cocci: scripted in OCaml,
#     which spatch compiles at run time (Debian's ocaml, 285 MB, for two
#     scripts).  badzero's finding, a pointer compared with 0, is sparse's
#     "Using plain integer as NULL pointer", and make lint fails on sparse's
#     warnings; check_bq27xxx_data checks one driver's tables
#     (drivers/power/supply/bq27xxx_battery.c).
skip="misc/add_namespace.cocci null/badzero.cocci api/check_bq27xxx_data.cocci"

die() {
	echo "coccicheck: $*" >&2
	exit 1
}

case "${MODE:-report}" in
report) ;;
*) die "only MODE=report is supported (the lint reports, it does not patch)" ;;
esac
command -v spatch >/dev/null 2>&1 || die "spatch not found; run tools/testing/install-deps.sh (coccinelle)"
cocci_dir=$top/build/ksrc/scripts/coccinelle
[ -d "$cocci_dir" ] || die "$cocci_dir missing; run tools/testing/get-ksrc.sh"
spatch_version=$(spatch --version | awk 'NR == 1 { print $3 }')

# kbuild's include path, as scripts/coccicheck turns it into spatch's
# syntax ("-I dir", "--include file"), with the objtree's relative
# directories made absolute (spatch runs in M=), then the module's own
# ccflags-y (drivers/iscsi_portal/Kbuild: -I$(src)/../../include).
objtree=$(pwd)
includes=()
set -f
# shellcheck disable=SC2086 # LINUXINCLUDE is a word list
set -- $LINUXINCLUDE
set +f
while [ $# -gt 0 ]; do
	case "$1" in
	-I) includes+=(-I "$2"); shift 2 ;;
	-I*) includes+=(-I "${1#-I}"); shift ;;
	-include) includes+=(--include "$2"); shift 2 ;;
	*) shift ;;
	esac
done
for i in "${!includes[@]}"; do
	case "${includes[i]}" in
	./*) includes[i]=$objtree/${includes[i]#./} ;;
	esac
done
includes+=(-I "$top/include")

cd "$top"
out=$top/build/coccicheck
rm -rf "$out"
mkdir -p "$out"

# The macro hints: what <linux/cleanup.h>'s guards look like to a parser.
cat >"$out/macros.h" <<'EOF'
#define scoped_guard(_name, args...) for (;;)
#define scoped_cond_guard(_name, _fail, args...) for (;;)
#define guard(_name) __guard_ ## _name
EOF

# The module's sources; headers too for the scripts that ask for them.
mapfile -t cfiles < <(git ls-files 'drivers/*.c')
mapfile -t hfiles < <(git ls-files 'drivers/*.h' 'include/*.h')
[ "${#cfiles[@]}" -gt 0 ] || die "no drivers/*.c files"

# run_one SCRIPT: spatch SCRIPT over the sources; its reports go to
# $out/NAME.out, its diagnostics to $out/NAME.err, a failure to $out/NAME.rc.
run_one() {
	local cocci=$1 name opt req files
	name=${cocci#"$cocci_dir"/}
	name=${name//\//_}
	opt=$(sed -n 's/^\/\/ *Options: *//p' "$cocci")
	req=$(sed -n 's/^\/\/ *Requires: *//p' "$cocci" | tr -d ' ')
	if [ -n "$req" ] && ! printf '%s\n%s\n' "$req" "$spatch_version" | sort -CV; then
		echo "skipped: needs spatch $req, have $spatch_version" >"$out/$name.skip"
		return 0
	fi
	files=("${cfiles[@]}")
	case " $opt " in
	*" --include-headers "*) files+=("${hfiles[@]}") ;;
	esac
	# shellcheck disable=SC2086 # opt and SPFLAGS are word lists
	spatch -D report --no-show-diff --very-quiet --cocci-file "$cocci" $opt \
		--macro-file "$out/macros.h" "${includes[@]}" ${SPFLAGS:-} \
		"${files[@]}" >"$out/$name.out" 2>"$out/$name.err" ||
		echo "$?" >"$out/$name.rc"
}

scripts=()
if [ -n "${COCCI:-}" ]; then
	scripts=("$(readlink -f "$COCCI")")
else
	while read -r f; do
		case " $skip " in
		*" ${f#"$cocci_dir"/} "*) continue ;;
		esac
		scripts+=("$f")
	done < <(find "$cocci_dir" -name '*.cocci' -type f | LC_ALL=C sort)
fi

# J jobs at a time, one per script (spatch's own --jobs splits the files,
# and they are few), and first one more: whether spatch parses every line.
jobs=${J:-$(nproc)}
spatch --parse-c --macro-file "$out/macros.h" "${includes[@]}" "${cfiles[@]}" \
	>"$out/parse-c.log" 2>&1 &
running=1
for cocci in "${scripts[@]}"; do
	run_one "$cocci" &
	running=$((running + 1))
	if [ "$running" -ge "$jobs" ]; then
		wait -n || true
		running=$((running - 1))
	fi
done
wait

reports=0
failures=0
bad=$(sed -n 's/^nb good = [0-9]*,  nb bad = \([0-9]*\) .*/\1/p' "$out/parse-c.log")
if [ "${bad:-x}" != 0 ]; then
	echo "coccicheck: spatch cannot parse ${bad:-some} lines of the sources, which" \
	     "no script then sees (a macro it does not know? add a hint to" \
	     "macros.h in $0); from $out/parse-c.log:" >&2
	grep '^bad:' "$out/parse-c.log" | head -n 20 >&2 || true
	failures=$((failures + 1))
fi
for cocci in "${scripts[@]}"; do
	name=${cocci#"$cocci_dir"/}
	base=$out/${name//\//_}
	if [ -s "$base.out" ]; then
		sed "s|^|$name: |" "$base.out"
		reports=$((reports + $(wc -l <"$base.out")))
	fi
	if [ -e "$base.rc" ]; then
		echo "coccicheck: $name: spatch exited $(cat "$base.rc"):" >&2
		sed 's/^/  /' "$base.err" >&2
		failures=$((failures + 1))
	fi
	[ ! -e "$base.skip" ] || echo "coccicheck: $name: $(cat "$base.skip")" >&2
done

echo "coccicheck: ${#scripts[@]} scripts over ${#cfiles[@]} files:" \
     "$reports reports, $failures failures (spatch $spatch_version)" >&2
[ "$reports" -eq 0 ] && [ "$failures" -eq 0 ]

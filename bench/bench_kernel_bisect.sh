#!/usr/bin/env bash
# bench_kernel_bisect.sh [WORKDIR]: the lab doing its job on real kernel
# code: `git bisect run mptcp-lab bisect-run --tree ...` over ten MPTCP
# commits of linux-source-6.12, one of which really slows the default
# packet scheduler down. Made from scratch every time:
#
#   1. linux-source-6.12 (apt-get install when missing) unpacked into
#      WORKDIR/linux, made a git repository: the base commit, with the
#      fixed dates below (so the commit ids are the same on every run);
#   2. the series of bench/kernel-bisect/ applied with git am: ten commits
#      touching net/mptcp/ - comments, a renamed local, a factored-out
#      helper, a new MIB counter - and 0005, which makes the scheduler's
#      linger-time estimate the queued bytes alone (no longer divided by
#      the pacing rate: the slow, long-RTT subflow gets as much data queued
#      as the fast one, and the shared receive window holds the fast path
#      back);
#   3. the base commit's lab kernel (`mptcp-lab kernel build`, fresh, into
#      WORKDIR/out), and a baseline of BASE_REPS runs of
#      bench/kernel-bisect/sched-hetero.json in it under TCG; then the
#      tip's kernel (incremental) and BAD_REPS runs in it: the bad
#      endpoint, which tells bisect-run the size of the regression it
#      bisects (README, "Bisecting a regression with git bisect");
#   4. `git bisect start <tip> <base>`, then
#        git bisect run mptcp-lab bisect-run --db DB --baseline tag:commit=<base>
#            --bad tag:commit=<tip> --tree . --out WORKDIR/out --accel tcg SCENARIO
#      each step building its commit's kernel incrementally in the same
#      output directory, booting it and measuring until decided;
#   5. unless CONFIRM_ROUNDS=0, the effect at the culprit again: its parent's
#      and its own kernel booted in turn, CONFIRM_ROUNDS rounds of
#      CONFIRM_REPS runs each, then `compare`.
#
# Prints: the culprit git names and whether it is the planted commit; the
# steps against ceil(log2 N) + 2; per step the commit, its build (configure
# and compile seconds, objects compiled), the VM time (boots and runs: the
# sum of the `vm:` lines' "VM ended"), the runs, the wall time and the
# verdict; the first build and the baseline; the effect at the culprit with
# its 95 % CI (the bisect step's comparison, then the interleaved one); the
# total wall time. Everything it ran is logged in WORKDIR/*.log.
#
# Environment: MPL_BIN (default build/mptcp-lab), BASE_REPS (10), BAD_REPS
# (BASE_REPS),
# CONFIRM_ROUNDS (3), CONFIRM_REPS (3), BUILD_NICE (19: make's niceness;
# the VMs run at ours), LOCK (a file: the measuring part, from the baseline
# on, holds flock on it, e.g. /tmp/mpl-quiet.lock). Needs root, ~4 GiB in
# WORKDIR (default /var/tmp/mptcp-lab-kernel-bisect), git, make, gcc, jq,
# qemu-system-x86. Runtime on 2 cores: the first kernel build (~7-14 min),
# then about 1 min per step: ~30 min in all.
set -u
here=$(cd "$(dirname "$0")" && pwd)
MPL_BIN=${MPL_BIN:-$here/../build/mptcp-lab}
BASE_REPS=${BASE_REPS:-10}
BAD_REPS=${BAD_REPS:-$BASE_REPS}
CONFIRM_ROUNDS=${CONFIRM_ROUNDS:-3}
CONFIRM_REPS=${CONFIRM_REPS:-3}
BUILD_NICE=${BUILD_NICE:-19}
WORK=$(mkdir -p "${1:-/var/tmp/mptcp-lab-kernel-bisect}" && cd "${1:-/var/tmp/mptcp-lab-kernel-bisect}" && pwd)
SERIES=$here/kernel-bisect
SC=$SERIES/sched-hetero.json
PLANTED_SUBJECT="mptcp: sched: estimate the linger time from the queued bytes"
PKG=linux-source-6.12
TREE=$WORK/linux
OUT=$WORK/out
DB=$WORK/bisect.db
export GIT_AUTHOR_NAME="mptcp-lab bench" GIT_AUTHOR_EMAIL=bench@mptcp-lab.invalid
export GIT_COMMITTER_NAME="mptcp-lab bench" GIT_COMMITTER_EMAIL=bench@mptcp-lab.invalid

die() { echo "bench_kernel_bisect: $*" >&2; exit 1; }
now() { date +%s.%N; }
since() { awk -v a="$1" -v b="$(now)" 'BEGIN { printf "%.1f", b - a }'; }
# stamp: each line of stdin with the seconds since $T0, for the step times
stamp() { while IFS= read -r l; do printf '%s %s\n' "$(since "$T0")" "$l"; done; }

[ "$(id -u)" -eq 0 ] || die "needs root"
for t in git make gcc jq qemu-system-x86_64 tar; do command -v "$t" >/dev/null || die "needs $t"; done
[ -x "$MPL_BIN" ] || die "MPL_BIN '$MPL_BIN' is not an executable"
T_START=$(now)
T0=$T_START
echo "# bench_kernel_bisect $(date -u +%FT%TZ), $(nproc) cores, load $(cut -d' ' -f1-3 /proc/loadavg)"

# ---- 1. the tree ---------------------------------------------------------------
if ! dpkg-query -W -f='${Status}' "$PKG" 2>/dev/null | grep -q 'install ok installed'; then
	t=$(now)
	DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "$PKG" >"$WORK/apt.log" 2>&1 ||
		die "cannot install $PKG (see $WORK/apt.log)"
	echo "# apt-get install $PKG: $(since "$t") s"
fi
version=$(dpkg-query -W -f='${Version}' "$PKG")
rm -rf "$TREE" "$OUT" "$DB" "$DB-wal" "$DB-shm" "$WORK"/img-*
t=$(now)
mkdir -p "$TREE" && tar -xf "/usr/src/$PKG.tar.xz" -C "$TREE" --strip-components=1 ||
	die "cannot unpack /usr/src/$PKG.tar.xz"
t_unpack=$(since "$t")
t=$(now)
cd "$TREE" || die "cannot enter $TREE"
# Debian's .gitignore ignores the whole top level (its packaging repository
# holds only debian/): without those two lines git sees no file.
sed -i -e '\#^/\*$#d' -e '\#^!/debian/$#d' .gitignore
git init -q . && git add -A &&
	GIT_AUTHOR_DATE="2025-01-01T00:00:00Z" GIT_COMMITTER_DATE="2025-01-01T00:00:00Z" \
		git commit -q -m "Linux $(make -s kernelversion) as packaged by Debian ($PKG $version)" ||
	die "cannot commit the base"
base=$(git rev-parse HEAD)
git am -q --committer-date-is-author-date "$SERIES"/0*.patch >"$WORK/am.log" 2>&1 ||
	die "the series does not apply (see $WORK/am.log)"
tip=$(git rev-parse HEAD)
t_git=$(since "$t")
n=$(git rev-list --count "$base..$tip")
planted=$(git log --format=%H --fixed-strings --grep="$PLANTED_SUBJECT" "$base..$tip")
[ -n "$planted" ] || die "no commit '$PLANTED_SUBJECT' in the series"
bound=$(awk -v n="$n" 'BEGIN { l = log(n) / log(2); c = int(l); if (c < l) c++; print c + 2 }')
echo "# tree: $PKG $version, base ${base:0:12}, $n commits on net/mptcp/ ($(git diff --stat "$base" "$tip" | tail -n 1 | sed 's/^ *//'))"
echo "# planted: ${planted:0:12} $PLANTED_SUBJECT"
echo "# unpack $t_unpack s, git repository and series $t_git s"

# ---- 2. the base's kernel and the baseline ---------------------------------------
git checkout -q "$base"
t=$(now)
"$MPL_BIN" kernel build --tree "$TREE" --out "$OUT" --nice "$BUILD_NICE" >"$WORK/build-base.log" 2>&1 ||
	die "the base kernel does not build (see $WORK/build-base.log)"
t_build=$(since "$t")
image=$(awk '/^image: / { print $2 }' "$WORK/build-base.log")
echo "# first build (fresh, make -j$(nproc), nice $BUILD_NICE): $t_build s, $(grep -o '[0-9]* objects compiled' "$WORK/build-base.log"), $(awk '/^release: / { print $2 }' "$WORK/build-base.log"), $(stat -c %s "$image") bytes"

if [ -n "${LOCK:-}" ]; then
	exec 9>"$LOCK" || die "cannot open the lock $LOCK"
	t=$(now)
	flock 9
	echo "# waited $(since "$t") s for the lock $LOCK"
fi
t=$(now)
"$MPL_BIN" run --db "$DB" --reps "$BASE_REPS" --tag "commit=$base" --kernel "$image" --accel tcg \
	"$SC" >"$WORK/baseline.log" 2>&1 || [ $? -eq 1 ] || die "the baseline run failed (see $WORK/baseline.log)"
echo "# baseline: $BASE_REPS runs at the base in $(since "$t") s: $(grep -E '^[0-9]+ ok' "$WORK/baseline.log"), load $(cut -d' ' -f1 /proc/loadavg)"
grep -E 'vm: ' "$WORK/baseline.log" | sed 's/^mptcp-lab: /#   /'

# The bad endpoint: the tip's kernel (an incremental build) and its runs.
git checkout -q "$tip"
t=$(now)
"$MPL_BIN" kernel build --tree "$TREE" --out "$OUT" --nice "$BUILD_NICE" >"$WORK/build-tip.log" 2>&1 ||
	die "the tip's kernel does not build (see $WORK/build-tip.log)"
echo "# the tip's build (incremental): $(since "$t") s, $(grep -o '[0-9]* objects compiled' "$WORK/build-tip.log")"
image=$(awk '/^image: / { print $2 }' "$WORK/build-tip.log")
t=$(now)
"$MPL_BIN" run --db "$DB" --reps "$BAD_REPS" --tag "commit=$tip" --kernel "$image" --accel tcg \
	"$SC" >"$WORK/bad.log" 2>&1 || [ $? -eq 1 ] || die "the tip's run failed (see $WORK/bad.log)"
echo "# bad endpoint: $BAD_REPS runs at the tip in $(since "$t") s: $(grep -E '^[0-9]+ ok' "$WORK/bad.log")"
"$MPL_BIN" compare --db "$DB" --baseline "tag:commit=$base" --candidate "tag:commit=$tip" 2>&1 |
	sed 's/^/#   /'

# ---- 3. the bisection --------------------------------------------------------------
git checkout -q "$tip"
t=$(now)
T0=$t
git bisect start "$tip" "$base" >/dev/null
git bisect run "$MPL_BIN" bisect-run --db "$DB" --baseline "tag:commit=$base" \
	--bad "tag:commit=$tip" --tree . --out "$OUT" \
	--build-nice "$BUILD_NICE" --accel tcg --timeout 3600 --build-timeout 3000 "$SC" 2>&1 |
	stamp >"$WORK/bisect.log"
t_bisect=$(since "$t")
git bisect log >"$WORK/bisect.gitlog"
found=$(awk '/ is the first bad commit$/ { print $2; exit }' "$WORK/bisect.log")
git bisect reset >/dev/null 2>&1

# One line per step, from the stamped log: a step starts at its baseline
# line and ends at its verdict.
awk -v planted="$planted" '
	/bisect-run: commit .*: bisect=/ { s++; c = $4; sub(/:$/, "", c); commit[s] = c; t0[s] = $1; runs[s] = 0; vm[s] = 0 }
	/bisect-run: commit .*: built / {
		for (i = 1; i <= NF; i++) {
			if ($i == "in" && $(i + 2) == "s") build[s] = $(i + 1)
			if ($i == "(configure") cfg[s] = $(i + 1)
			if ($i == "compile") comp[s] = $(i + 1)
			if ($i == "objects") objs[s] = $(i - 1)
		}
	}
	/bisect-run: commit .*: batch [0-9]+: [0-9]+ runs? of/ { for (i = 1; i <= NF; i++) if ($i == "batch") runs[s] += $(i + 2) }
	/mptcp-lab: vm: / { for (i = 1; i <= NF; i++) if ($i == "ended" && $(i + 1) == "at") vm[s] += $(i + 2) }
	/bisect-run: (GOOD|BAD|SKIP) / { verdict[s] = $3; wall[s] = $1 - t0[s]; line[s] = $0 }
	END {
		printf "%-4s %-12s %8s %6s %8s %5s %7s %5s %8s  %s\n", "step", "commit", "build(s)", "cfg(s)",
			"compile", "objs", "vm(s)", "runs", "wall(s)", "verdict"
		for (i = 1; i <= s; i++)
			printf "%-4d %-12s %8.1f %6.1f %8.1f %5d %7.1f %5d %8.1f  %s\n", i, commit[i], build[i],
				cfg[i], comp[i], objs[i], vm[i], runs[i], wall[i], verdict[i]
	}' "$WORK/bisect.log" | tee "$WORK/steps.txt"
steps=$(($(wc -l <"$WORK/steps.txt") - 1))
echo "# steps: $steps (bound ceil(log2 $n) + 2 = $bound)"
echo "# culprit named by git: ${found:-none}"
if [ "$found" = "$planted" ]; then
	echo "# the planted commit, exactly: FOUND"
	result=0
else
	echo "# NOT the planted commit (${planted:0:12}); git says:"
	grep -E 'first bad commit could be any of|^[0-9.]+ [0-9a-f]{40}$|cannot bisect|skip' "$WORK/bisect.log" |
		grep -v 'bisect-run' | sed 's/^[0-9.]* /#   /'
	result=1
fi
[ "$steps" -le "$bound" ] || { echo "# more steps than the bound"; result=1; }

# The culprit's own step: its comparison with the baseline.
culprit=${found:-$planted}
grep -E "bisect-run: commit ${culprit:0:7}: batch [0-9]+ \([0-9]+ runs?\):" "$WORK/bisect.log" | tail -n 1 |
	sed -E 's/^[0-9.]+ bisect-run: commit [0-9a-f]+: batch [0-9]+ \(([0-9]+) runs?\): goodput_bps median ([0-9.]+ [A-Za-z/]+) vs baseline ([0-9.]+ [A-Za-z/]+) \(([^,]+), ([0-9.]+) % CI ([^ ]+) %, p=([^,]+),.*-> (.*)$/# effect at the culprit (its bisect step, \1 runs vs the baseline): \2 vs \3, \4 [\5 % CI \6 %], p = \7: \8/'

# ---- 4. the effect at the culprit again, interleaved ----------------------------------
if [ "$CONFIRM_ROUNDS" -gt 0 ] && [ -n "$found" ]; then
	t=$(now)
	for side in parent culprit; do
		[ "$side" = parent ] && git checkout -q "$found^" || git checkout -q "$found"
		"$MPL_BIN" kernel build --tree "$TREE" --out "$OUT" --nice "$BUILD_NICE" >"$WORK/build-$side.log" 2>&1 ||
			die "the $side kernel does not build (see $WORK/build-$side.log)"
		cp "$OUT/arch/x86/boot/bzImage" "$WORK/img-$side"
	done
	git checkout -q "$tip"
	for r in $(seq "$CONFIRM_ROUNDS"); do
		for side in parent culprit; do
			"$MPL_BIN" run --db "$DB" --reps "$CONFIRM_REPS" --tag "ab=$side" --kernel "$WORK/img-$side" \
				--accel tcg "$SC" >>"$WORK/confirm.log" 2>&1 || true
		done
	done
	"$MPL_BIN" compare --db "$DB" --baseline tag:ab=parent --candidate tag:ab=culprit >"$WORK/confirm.txt" 2>&1
	echo "# effect at the culprit, interleaved ($CONFIRM_ROUNDS rounds x $CONFIRM_REPS runs on each side, $(since "$t") s; load $(cut -d' ' -f1 /proc/loadavg)):"
	sed 's/^/#   /' "$WORK/confirm.txt"
fi
echo "# wall time: bisection $t_bisect s; in all $(since "$T_START") s"
exit "$result"

#!/usr/bin/env bash
# bench_vm.sh [BOOTS]: boot-to-first-measurement of the VM path.
#
# BOOTS times (default 3) `mptcp-lab run --kernel IMAGE` of a one-run
# scenario (tests/vm/vm-netem.json, 1 repetition) under TCG, and under KVM
# too when /dev/kvm really boots a guest, all in this one invocation. From
# the "vm:" line mptcp-lab prints: qemu start -> guest init started (boot),
# -> the command started, -> the first run's result, -> the VM ended.
#
# IMAGE: $MPL_KERNEL_IMAGE, else `mptcp-lab kernel fetch` into
# $MPL_KERNEL_DIR (default /var/tmp/mptcp-lab-kernels). Needs root, qemu.
set -euo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
bin=${MPL_BIN:-$top/build/mptcp-lab}
boots=${1:-3}
scenario=$top/tests/vm/vm-netem.json
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

image=${MPL_KERNEL_IMAGE:-}
if [ -z "$image" ]; then
	"$bin" kernel fetch --dir "${MPL_KERNEL_DIR:-/var/tmp/mptcp-lab-kernels}" >"$tmp/fetch"
	image=$(awk '/^image: / { print $2 }' "$tmp/fetch")
fi
accels="tcg"
if [ -w /dev/kvm ]; then
	if "$bin" run --db "$tmp/probe.db" --kernel "$image" --accel kvm --reps 1 \
		"$scenario" >/dev/null 2>"$tmp/kvm.err"; then
		accels="tcg kvm"
	else
		echo "# kvm: $(grep -m1 'mptcp-lab:' "$tmp/kvm.err" | cut -c1-150) -> TCG only"
	fi
fi

echo "# $(basename "$image"), $boots boots per accelerator, scenario $(basename "$scenario") x 1"
printf '%-5s %4s %9s %11s %14s %10s\n' accel boot "init (s)" "command (s)" "1st result (s)" "ended (s)"
for accel in $accels; do
	for i in $(seq "$boots"); do
		"$bin" run --db "$tmp/lab.db" --kernel "$image" --accel "$accel" --reps 1 \
			"$scenario" >/dev/null 2>"$tmp/err" || { cat "$tmp/err"; exit 1; }
		grep -m1 'vm: ' "$tmp/err" | sed -E 's/.*init at ([0-9.]+) s, command at ([0-9.]+) s, first result at ([0-9.]+) s, VM ended at ([0-9.]+) s.*/\1 \2 \3 \4/' |
			while read -r init cmd first end; do
				printf '%-5s %4d %9s %11s %14s %10s\n' "$accel" "$i" "$init" "$cmd" "$first" "$end"
			done
	done
done | tee "$tmp/table"
for accel in $accels; do
	awk -v a="$accel" '$1 == a { print $5 }' "$tmp/table" | sort -g |
		awk -v a="$accel" '{ v[NR] = $1 }
			END { if (NR) printf "# %s: median boot-to-first-measurement %.1f s over %d boots\n", a,
				NR % 2 ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2, NR }'
done

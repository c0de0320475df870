#!/usr/bin/env bash
# bench_vm.sh [BOOTS]: boot to first measurement of the VM path, step by
# step.
#
# BOOTS times (default 5) `mptcp-lab run --kernel IMAGE --vm-timeline` of
# one run of tests/vm/vm-netem.json with a 3 s transfer (--set
# traffic.duration=3s) under TCG, and under KVM too when `check` says
# Linux boots under it, all in this one invocation. Each boot is one row of
# the `vm timeline:` lines, in seconds after qemu started:
#
#   kernel   the guest kernel started (its clock's 0)
#   init     the guest init started
#   cmd      the command (this binary's `run`) was started
#   run      its main() ran (the binary and its libraries loaded over 9p)
#   probes   its capability probes were done
#   labup    the first lab was up
#   xfer     the first transfer was over
#   stored   the first result was stored (the guest's database)
#   host     the host learned of it (the run's line reached the host)
#   end      the VM ended
#
# then, per accelerator, the median and the worst of each column, and a
# check of the `vm:` line: the host must learn of a result after it was
# stored (never before: the guest steps are placed by the init's markers)
# and within 0.5 s of it (not when the VM ends).
#
# IMAGE: $MPL_KERNEL_IMAGE; else a lab kernel built from $MPL_KERNEL_TREE
# (`mptcp-lab kernel build`, into its default output directory:
# incremental after the first time); else `mptcp-lab kernel fetch` of the
# newest Debian 6.1 kernel into $MPL_KERNEL_DIR (default
# /var/tmp/mptcp-lab-kernels). Needs root, qemu.
set -euo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
bin=${MPL_BIN:-$top/build/mptcp-lab}
boots=${1:-5}
scenario=$top/tests/vm/vm-netem.json
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

image=${MPL_KERNEL_IMAGE:-}
if [ -z "$image" ] && [ -n "${MPL_KERNEL_TREE:-}" ]; then
	"$bin" kernel build --tree "$MPL_KERNEL_TREE" --nice 19 >"$tmp/build" 2>&1 ||
		{ cat "$tmp/build"; exit 1; }
	image=$(awk '/^image: / { print $2 }' "$tmp/build")
	echo "# $(grep '^built in' "$tmp/build")"
fi
if [ -z "$image" ]; then
	"$bin" kernel fetch --dir "${MPL_KERNEL_DIR:-/var/tmp/mptcp-lab-kernels}" >"$tmp/fetch"
	image=$(awk '/^image: / { print $2 }' "$tmp/fetch")
fi
accels="tcg"
if "$bin" check --json 2>/dev/null | jq -e '.[] | select(.name == "kvm") | .available' >/dev/null; then
	accels="tcg kvm"
else
	echo "# kvm: $("$bin" check --json 2>/dev/null | jq -r '.[] | select(.name == "kvm") | .detail' | cut -c1-200) -> TCG only"
fi

echo "# $image ($(stat -c %s "$image") bytes), $boots boots per accelerator, $(basename "$scenario") x 1, a 3 s transfer; load $(cut -d' ' -f1-3 /proc/loadavg)"
cols="kernel init cmd run probes labup xfer stored host end"
printf '%-5s %4s' accel boot
for c in $cols; do printf ' %6s' "$c"; done
printf '\n'
for accel in $accels; do
	for i in $(seq "$boots"); do
		"$bin" run --db "$tmp/lab.db" --kernel "$image" --accel "$accel" --reps 1 --vm-timeline \
			--set traffic.duration=3s "$scenario" >"$tmp/out" 2>"$tmp/err" || { cat "$tmp/out" "$tmp/err"; exit 1; }
		awk -v accel="$accel" -v i="$i" -v cols="$cols" -F': ' '
			BEGIN { split("kernel started|guest init started|command started|run started|probes done|first lab up|first transfer over|first result stored|host learned of it|VM ended", names, "|")
				n = split(cols, c, " "); for (k = 1; k <= n; k++) key[names[k]] = c[k] }
			/vm timeline: / { if ($3 in key) { v = $4; sub(/ s$/, "", v); val[key[$3]] = v } }
			END { printf "%-5s %4d", accel, i; for (k = 1; k <= n; k++) printf " %6s", (c[k] in val) ? val[c[k]] : "-"; printf "\n" }' \
			"$tmp/err"
	done
done | tee "$tmp/table"
for accel in $accels; do
	awk -v a="$accel" -v cols="$cols" '
		$1 == a { rows++; for (k = 3; k <= NF; k++) v[k, rows] = $k }
		function median(k,   m, i, j, t, x) {
			for (i = 1; i <= rows; i++) x[i] = v[k, i]
			for (i = 1; i <= rows; i++) for (j = i + 1; j <= rows; j++) if (x[j] < x[i]) { t = x[i]; x[i] = x[j]; x[j] = t }
			return rows % 2 ? x[(rows + 1) / 2] : (x[rows / 2] + x[rows / 2 + 1]) / 2 }
		function worst(k,   i, m) { m = v[k, 1]; for (i = 2; i <= rows; i++) if (v[k, i] > m) m = v[k, i]; return m }
		END {
			if (!rows) exit
			n = split(cols, c, " ")
			printf "%-5s %4s", a, "med"; for (k = 3; k <= n + 2; k++) printf " %6.2f", median(k); printf "\n"
			printf "%-5s %4s", a, "max"; for (k = 3; k <= n + 2; k++) printf " %6.2f", worst(k); printf "\n"
			late = 0; early = 0
			for (i = 1; i <= rows; i++) {
				d = v[11, i] - v[10, i]  # host - stored
				if (d < -0.05) early++
				if (d > 0.5) late++
				if (i == 1 || d > dmax) dmax = d
				if (i == 1 || d < dmin) dmin = d
			}
			printf "# %s: first result stored at %.2f s (median of %d boots, worst %.2f s); the host learned of it %.3f..%.3f s after it was stored%s\n",
				a, median(10), rows, worst(10), dmin, dmax,
				early || late ? " - NOT within [-0.05, 0.5] s: the vm: line is wrong" : " (checked: within [-0.05, 0.5] s)"
			if (early || late) exit 1
		}' "$tmp/table"
done

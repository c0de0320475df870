#!/bin/bash
# vm_netem: a Debian 6.1 kernel, booted under TCG, runs a netem scenario
# this host cannot run, and its runs land in the host database.
#
#   - `kernel fetch` gets linux-image-6.1.0-*-amd64-unsigned (skip, with
#     apt's reason, when it cannot be fetched); cached in
#     $MPL_KERNEL_DIR (default /var/tmp/mptcp-lab-kernels) between runs;
#   - `run --kernel IMAGE --accel tcg tests/vm/vm-netem.json` exits 0;
#   - the host database has the scenario's 2 runs: status ok, kernel
#     release = the image's, boot mode qemu-tcg, the host's name, 2
#     subflows seen each;
#   - errors are clear and leave nothing: an image that is not a bzImage
#     (exit 65), a guest that outlives --vm-timeout (exit 70, qemu gone);
#   - no qemu process and no scratch directory is left behind.
# shellcheck source=../netns/lib.sh
. "$(dirname "$0")/../netns/lib.sh"
mpl_init

command -v qemu-system-x86_64 >/dev/null 2>&1 ||
	mpl_skip "qemu-system-x86_64 is not installed (Debian package qemu-system-x86)"
KDIR=${MPL_KERNEL_DIR:-/var/tmp/mptcp-lab-kernels}
SCEN="$MPL_SOURCE_DIR/tests/vm/vm-netem.json"
DB="$MPL_TMP/lab.db"
export TMPDIR="$MPL_TMP/vmtmp"
mkdir -p "$TMPDIR"

no_qemu_left() { ! pgrep -f 'qemu-system-x86_64 .*mptcp-lab-guest' >/dev/null; }
no_scratch_left() { [ -z "$(ls -A "$TMPDIR")" ]; }

# An image that is not a kernel: a clear error before anything boots.
"$MPL_BIN" run --db "$DB" --kernel /etc/hostname "$SCEN" >"$MPL_TMP/out" 2>"$MPL_TMP/err"
mpl_eq "a file that is not a bzImage exits 65" 65 "$?"
mpl_check "the error says what the image lacks" grep -q "bzImage" "$MPL_TMP/err"
mpl_log "$(head -n 1 "$MPL_TMP/err")"

if ! "$MPL_BIN" kernel fetch --dir "$KDIR" >"$MPL_TMP/fetch" 2>&1; then
	sed 's/^/#   /' "$MPL_TMP/fetch"
	[ "$MPL_FAIL" -eq 0 ] || mpl_finish
	mpl_skip "the Debian kernel package cannot be fetched: $(tail -n 1 "$MPL_TMP/fetch")"
fi
IMAGE=$(awk '/^image: / { print $2 }' "$MPL_TMP/fetch")
RELEASE=$(basename "$IMAGE" | sed 's/^vmlinuz-//')
[ -r "$IMAGE" ] || mpl_die "kernel fetch printed no readable image: $(cat "$MPL_TMP/fetch")"
mpl_log "guest kernel $RELEASE from $IMAGE"

start=$(date +%s.%N)
"$MPL_BIN" run --db "$DB" --kernel "$IMAGE" --accel tcg --vm-timeout 600 \
	--tag test=vm_netem "$SCEN" >"$MPL_TMP/out" 2>"$MPL_TMP/err"
rc=$?
end=$(date +%s.%N)
sed 's/^/#   out: /' "$MPL_TMP/out"
sed 's/^/#   err: /' "$MPL_TMP/err"
mpl_eq "run --kernel exits 0" 0 "$rc"
mpl_log "wall time $(awk -v a="$start" -v b="$end" 'BEGIN { printf "%.1f", b - a }') s"

"$MPL_BIN" export --db "$DB" --format json tag:test=vm_netem >"$MPL_TMP/runs.json" ||
	mpl_die "export failed"
mpl_eq "runs stored in the host database" 2 "$(jq '.runs | length' "$MPL_TMP/runs.json")"
mpl_eq "every run is ok" "ok ok" "$(jq -r '[.runs[].status] | join(" ")' "$MPL_TMP/runs.json")"
mpl_eq "kernel release is the guest's" "$RELEASE $RELEASE" \
	"$(jq -r '[.runs[].kernel.release] | join(" ")' "$MPL_TMP/runs.json")"
mpl_eq "boot mode is recorded" "qemu-tcg qemu-tcg" \
	"$(jq -r '[.runs[].kernel.boot_mode] | join(" ")' "$MPL_TMP/runs.json")"
mpl_eq "the guest takes the host's name" "$(hostname) $(hostname)" \
	"$(jq -r '[.runs[].host.hostname] | join(" ")' "$MPL_TMP/runs.json")"
mpl_eq "each run saw 2 subflows" "2 2" \
	"$(jq -r '[.runs[].metrics.subflows_seen] | join(" ")' "$MPL_TMP/runs.json")"
mpl_check "each run moved data" jq -e '[.runs[].metrics.goodput_bps > 1e6] | all' "$MPL_TMP/runs.json"
mpl_check "the kernels listing shows the guest kernel" \
	bash -c "'$MPL_BIN' kernels --db '$DB' | grep -q -- '$RELEASE'"
mpl_check "no qemu is left" no_qemu_left
mpl_check "no scratch directory is left" no_scratch_left

# A guest that outlives --vm-timeout is stopped, with a clear error.
"$MPL_BIN" run --db "$DB" --kernel "$IMAGE" --accel tcg --vm-timeout 3 --tag test=timeout \
	"$SCEN" >"$MPL_TMP/out" 2>"$MPL_TMP/err"
mpl_eq "a guest over --vm-timeout exits 70" 70 "$?"
mpl_check "the error names the timeout" grep -q "vm-timeout" "$MPL_TMP/err"
mpl_check "no qemu is left after the timeout" no_qemu_left
rm -rf "${TMPDIR:?}"/*
mpl_finish

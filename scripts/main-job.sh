#!/usr/bin/env bash
# The main job on a fresh Debian 12 machine, as root: install what is
# needed, build, check the kernel's capabilities, run the default suite
# (scenarios/nightly.json) into the embedded database results/lab.db and
# list what this job stored.
#
#   scripts/main-job.sh [SUITE]
set -euo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
suite=${1:-$top/scenarios/nightly.json}
"$top/scripts/deps.sh"
"$top/scripts/build.sh"
bin="$top/build/mptcp-lab"
db="$top/results/lab.db"

"$bin" check
tag="job=$(date -u +%Y%m%dT%H%M%SZ)"
status=0
"$bin" run --db "$db" --tag "$tag" "$suite" || status=$?
echo
"$bin" runs --db "$db" "tag:$tag"
echo
echo "results: $db (mptcp-lab export --db $db --format json tag:$tag)"
exit "$status"

#!/usr/bin/env bash
# The main job on a fresh Debian 12 machine, as root: install what is
# needed, build, check the kernel's capabilities, then `mptcp-lab nightly`:
# run the default suite (scenarios/nightly.json) into the embedded database
# results/lab.db, compare with the previous nights of this host, trend, and
# write the report into results/nightly/report/index.html.
#
#   scripts/main-job.sh [SUITE]
set -euo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
suite=${1:-$top/scenarios/nightly.json}
"$top/scripts/deps.sh"
"$top/scripts/build.sh"
bin="$top/build/mptcp-lab"

"$bin" check
cd "$top"
"$bin" nightly --suite "$suite" --db results/lab.db --out results/nightly

#!/usr/bin/env bash
# The main job on a fresh Debian 12 machine, as root: install what is
# needed, build, check the kernel's capabilities, then bring the default
# two-path topology up, show it, and take it down again.
set -euo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
"$top/scripts/deps.sh"
"$top/scripts/build.sh"
bin="$top/build/mptcp-lab"

"$bin" check
name="main$$"
"$bin" topo up "$top/topologies/two-path.json" --name "$name"
trap '"$bin" topo down "$name" >/dev/null 2>&1 || true' EXIT
"$bin" topo show "$name"
"$bin" topo down "$name"
trap - EXIT

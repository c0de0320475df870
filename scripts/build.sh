#!/usr/bin/env bash
# Configure and build mptcp-lab into build/ (the binary is build/mptcp-lab).
# Extra arguments go to cmake's configure step.
set -euo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
cmake -S "$top" -B "$top/build" -DCMAKE_BUILD_TYPE=RelWithDebInfo "$@" >/dev/null
cmake --build "$top/build" -j"$(nproc)"

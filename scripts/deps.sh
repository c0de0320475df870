#!/usr/bin/env bash
# Install the Debian 12 packages mptcp-lab needs to build, run and test.
# Idempotent and quiet when everything is there already (no apt-get update).
set -euo pipefail

# Build and run, then what only the tests use: jq, sqlite3 and iproute2
# (ip, tc, ss) as witnesses, xmllint (libxml2-utils) and chromium for the
# report pages, curl and victoria-metrics for push, ping (iputils-ping)
# for netem delays, clang for the fuzzers, qemu and kmod for the VM tier,
# linux-source-6.12 and Kbuild's tools for lab kernels.
# A test whose tool is missing skips, and fails with --strict.
packages=(
	build-essential cmake pkg-config git
	libnl-3-dev libnl-route-3-dev libnl-genl-3-dev
	libsqlite3-dev sqlite3 libjansson-dev libcurl4-openssl-dev
	iproute2 iperf3 mptcpize gnuplot-nox
	jq clang libxml2-utils victoria-metrics chromium curl iputils-ping
	qemu-system-x86 kmod
	# the lab kernel's fragment checked on a real tree (tests/cli/
	# kernel_fragment.sh; 153 MB once) and built by `kernel build`:
	# make, gcc (build-essential), and what Kbuild itself runs
	linux-source-6.12 bc bison flex libelf-dev libssl-dev
	libgsl-dev
	# the statistics' reference checks (tests/unit/stats_ref.py) only
	python3-scipy
	# the Grafana provisioning files' check (tests/cli/grafana_dashboard.sh)
	python3-yaml
)

missing=()
for p in "${packages[@]}"; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
done
if [ ${#missing[@]} -eq 0 ]; then
	exit 0
fi
if [ "$(id -u)" -ne 0 ]; then
	echo "deps: need root to install: ${missing[*]}" >&2
	exit 1
fi
echo "deps: installing ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
# victoria-metrics is only for the push test, which starts its own instance
# on loopback: keep the packaged service from running on the lab box.
if command -v systemctl >/dev/null && systemctl is-enabled victoria-metrics >/dev/null 2>&1; then
	systemctl disable --now victoria-metrics >/dev/null 2>&1 || true
fi

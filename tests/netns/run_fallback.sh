#!/bin/bash
# run_fallback: with MPTCP disabled in the server's namespace the transfer
# still works, over plain TCP; the run must be stored as `invalid` with a
# fallback reason, never as a measurement.
# shellcheck source=lib.sh
. "$(dirname "$0")/lib.sh"
# shellcheck source=run_lib.sh
. "$(dirname "$0")/run_lib.sh"
mpl_run_init

mpl_topology base two-path
topo="$MPL_TMP/no-mptcp-server.json"
jq '.nodes.server.sysctls["net.mptcp.enabled"] = "0"' "$base" >"$topo"
sc="$MPL_TMP/fallback.json"
mpl_scenario_with_topology smoke "$topo" "$sc"

"$MPL_BIN" run --db "$MPL_DB" --reps 1 --set traffic.duration=2s "$sc" >"$MPL_TMP/out" 2>"$MPL_TMP/err"
rc=$?
sed 's/^/#   /' "$MPL_TMP/out" "$MPL_TMP/err"
mpl_eq "run exits 1 (a run was not ok)" 1 "$rc"
mpl_export >"$MPL_TMP/export.json"
mpl_eq "one run stored" 1 "$(jq '.runs | length' "$MPL_TMP/export.json")"
mpl_eq "its status" invalid "$(jq -r '.runs[0].status' "$MPL_TMP/export.json")"
reason=$(jq -r '.runs[0].reason' "$MPL_TMP/export.json")
mpl_check "the reason says fallback ($reason)" grep -qi fallback <<<"$reason"
mpl_check "no run namespace left" mpl_no_run_netns
mpl_finish

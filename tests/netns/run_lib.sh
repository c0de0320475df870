# shellcheck shell=bash
#
# run_lib.sh: helpers for the tests of `mptcp-lab run` (sourced after
# lib.sh, never run). Run labs are named run-<random>, so these tests clean
# up by killing the runner and sweeping with `cleanup --stale` (the tests
# run one at a time, and the sweep only removes labs whose owner is dead).

MPL_RUN_PIDS=()

mpl_run_cleanup()
{
	local rc=$? pid
	for pid in "${MPL_RUN_PIDS[@]}"; do
		kill -KILL "$pid" 2>/dev/null || true
		wait "$pid" 2>/dev/null || true
	done
	"$MPL_BIN" cleanup --stale >/dev/null 2>&1 || true
	# mpl_cleanup exits with $?: hand it the test's own status.
	(exit "$rc")
	mpl_cleanup
}

mpl_run_init()
{
	mpl_init sqlite3 "$@"
	trap mpl_run_cleanup EXIT
	MPL_DB="$MPL_TMP/lab.db"
	export MPL_DB
}

# Namespaces of run labs that exist right now.
mpl_run_netns() { ip netns list 2>/dev/null | awk '{print $1}' | grep -E '^mpl-run-' || true; }
mpl_no_run_netns() { [ -z "$(mpl_run_netns)" ]; }

# mpl_export [SELECTOR...]: the JSON export of the test's database.
mpl_export() { "$MPL_BIN" export --db "$MPL_DB" --format json "$@"; }

# mpl_sql QUERY: one value from the test's database, read by sqlite3 itself
# (an independent witness of what results/ stored).
mpl_sql() { sqlite3 -batch -noheader "$MPL_DB" "$1"; }

# A copy of a shipped scenario in the temp dir whose topology is a given
# file (so a test can change the topology without touching the tree).
mpl_scenario_with_topology()
{
	local scenario=$1 topo=$2 out=$3
	jq --arg t "$topo" '.topology = $t' "$MPL_SOURCE_DIR/scenarios/$scenario.json" >"$out"
}

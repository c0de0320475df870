# shellcheck shell=bash
#
# run_lib.sh: helpers for the tests of `mptcp-lab run` (sourced after
# lib.sh, never run). Run labs are named run-<random> by the runner, so
# these tests find their own through the lab registry
# (/run/mptcp-lab/NAME.lab says which process built a lab: its pid and
# start time). At exit they stop the runners they started (mpl_track_pid:
# TERM, which tears the lab down, then KILL) and sweep with
# `cleanup --stale`, which removes only labs whose owner is dead.
#
# Other run labs on the host (another suite's, a user's) are never
# touched, and a live one is never taken for a leftover of this test.

mpl_run_init()
{
	mpl_init sqlite3 "$@"
	mpl_on_exit mpl_run_sweep
	MPL_DB="$MPL_TMP/lab.db"
	export MPL_DB
}

mpl_run_sweep() { "$MPL_BIN" cleanup --stale >/dev/null 2>&1 || true; }

# mpl_run_lab_owner LAB -> the owner's process id ("PID:START", as
# mpl_proc_id prints it), nothing when LAB has no registry entry.
mpl_run_lab_owner()
{
	awk -F= '$1 == "owner" { pid = $2 } $1 == "owner_start" { start = $2 }
		END { if (pid != "") print pid ":" start }' "/run/mptcp-lab/$1.lab" 2>/dev/null
}

# Run labs with a namespace right now, one per line.
mpl_run_labs()
{
	ip netns list 2>/dev/null | awk '{print $1}' | sed -n 's/^mpl-\(run-[a-z0-9_]*\)-.*/\1/p' |
		sort -u
}

# mpl_run_labs_of PID: the run labs built by PID or by a process it
# started (bisect-run measures through a worker).
mpl_run_labs_of()
{
	local lab owner ours
	ours=" $1 $(mpl_descendants "$1" | tr '\n' ' ')"
	for lab in $(mpl_run_labs); do
		owner=$(mpl_run_lab_owner "$lab")
		case $ours in
		*" ${owner%%:*} "*) echo "$lab" ;;
		esac
	done
}

mpl_run_has_lab() { [ -n "$(mpl_run_labs_of "$1")" ]; }

# mpl_no_run_netns: no run lab is left whose builder is gone (or that has
# no registry entry at all): what a run of this test would leave behind.
# A run lab of a process that still runs is another run's, not a leftover.
mpl_no_run_netns()
{
	local lab owner left=""
	for lab in $(mpl_run_labs); do
		owner=$(mpl_run_lab_owner "$lab")
		[ -n "$owner" ] && mpl_proc_alive "$owner" && continue
		left="$left $lab"
	done
	[ -z "$left" ] || mpl_log "run labs left behind:$left"
	[ -z "$left" ]
}

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

# mpl_native_scenario DIR NAME: DIR/topo.json, the two-path topology with
# paths of 80 and 10 Mbit/s, and DIR/scenario.json NAME on it: a 2 s MPTCP
# upload after 1 s of warm-up with the native engine and CUBIC. The runs of
# this set-up vary by well under 1 % here, so a few runs tell a 4 % change.
mpl_native_scenario()
{
	jq '.description = "two paths, 80 + 10 Mbit/s"
		| .paths.path1.shaping.rate = "80mbit" | .paths.path2.shaping.rate = "10mbit"' \
		"$MPL_SOURCE_DIR/topologies/two-path.json" >"$1/topo.json" ||
		mpl_die "cannot write $1/topo.json"
	jq -n --arg name "$2" '{name: $name,
		description: "a 2 s MPTCP upload over topo.json, the native engine, CUBIC",
		topology: "topo.json",
		traffic: {engine: "native", direction: "upload", duration: "2s", omit: "1s"},
		variants: {cc: ["cubic"]}, expect: {subflows: 2}}' >"$1/scenario.json" ||
		mpl_die "cannot write $1/scenario.json"
}

# shellcheck shell=bash
#
# lib.sh: the one shell harness of the test scripts under tests/ (sourced,
# never run). Every tier's scripts use it: cli/*.sh, vm/*.sh, and netns/*.sh
# through netns/lib.sh, which adds the namespace helpers on top.
#
# What it gives a test:
#   - counted "ok - ..." / "not ok - ..." lines (mpl_ok, mpl_notok), a
#     command that must succeed (mpl_check), a value (mpl_eq), an exit code
#     (mpl_expect_rc: the command's output is kept in $MPL_TMP/out and
#     $MPL_TMP/err, and shown when the code is not the one expected), and
#     mpl_finish to end with the counts;
#   - honest skips: mpl_skip ends the test with exit 77 (CTest's
#     SKIP_RETURN_CODE) and the reason; mpl_skip_part says a part cannot
#     run here, the rest goes on and the test ends with 77 too. With
#     MPL_STRICT=1 (scripts/run-tests.sh --strict) either one is a failure
#     naming the reason: CI that expects every feature must not pass on a
#     machine that lacks one;
#   - a temp dir, $MPL_TMP, and an exit trap that stops the processes the
#     test started (mpl_track_pid), runs the clean-ups it registered
#     (mpl_on_exit, last registered first), removes the temp dir and keeps
#     the test's exit status;
#   - the test's own processes: mpl_descendants (what a process it started
#     started in turn) and process identities that survive pid reuse
#     (mpl_proc_id, mpl_proc_alive, mpl_procs_gone). A test checks and
#     signals only processes it started, never all of a name on the host
#     (other suites and users run there too);
#   - the environment CTest sets (MPL_BIN, MPL_SOURCE_DIR, MPL_BUILD_DIR),
#     with defaults for a run by hand from a build in build/.
#
# What it does not do: anything of one tier (namespaces and witnesses are
# in netns/lib.sh), or print anything a test did not ask for.

set -u
set -o pipefail

MPL_PASS=0
MPL_FAIL=0
MPL_SKIPPED=()
MPL_PIDS=()
MPL_ON_EXIT=()
MPL_TMP=""

mpl_log() { printf '# %s\n' "$*"; }
mpl_die() { printf 'FAIL: %s\n' "$*" >&2; exit 1; }

mpl_strict() { [ "${MPL_STRICT:-0}" = 1 ]; }

# ---- ok / not ok ---------------------------------------------------------------

mpl_ok() { MPL_PASS=$((MPL_PASS + 1)); printf 'ok - %s\n' "$*"; }
mpl_notok() { MPL_FAIL=$((MPL_FAIL + 1)); printf 'not ok - %s\n' "$*"; }

# mpl_check DESCRIPTION CMD...: ok if CMD succeeds.
mpl_check()
{
	local what=$1
	shift
	if "$@"; then
		mpl_ok "$what"
	else
		mpl_notok "$what"
	fi
}

# mpl_eq DESCRIPTION EXPECTED FOUND
mpl_eq()
{
	if [ "$2" = "$3" ]; then
		mpl_ok "$1 ($3)"
	else
		mpl_notok "$1: expected '$2', found '$3'"
	fi
}

# mpl_expect_rc WANT DESCRIPTION CMD...: CMD exits WANT. Its stdout and
# stderr stay in $MPL_TMP/out and $MPL_TMP/err for the checks that follow;
# both are shown when the exit code is not WANT.
mpl_expect_rc()
{
	local want=$1 what=$2 rc
	shift 2
	"$@" >"$MPL_TMP/out" 2>"$MPL_TMP/err"
	rc=$?
	if [ "$rc" -eq "$want" ]; then
		mpl_ok "$what (exit $rc)"
	else
		mpl_notok "$what: expected exit $want, got $rc"
		sed 's/^/#   /' "$MPL_TMP/out" "$MPL_TMP/err"
	fi
}

# ---- skips ---------------------------------------------------------------------

# mpl_skip REASON: the test cannot run here. A check that already failed
# still fails the test: a skip never hides a failure.
mpl_skip()
{
	[ "$MPL_FAIL" -eq 0 ] || mpl_finish
	if mpl_strict; then
		mpl_notok "strict mode, would skip: $*"
		mpl_finish
	fi
	printf 'SKIP: %s\n' "$*"
	exit 77
}

# mpl_skip_part REASON: one part of the test cannot run here; the others
# go on, and mpl_finish reports the test as skipped, naming the part.
mpl_skip_part()
{
	if mpl_strict; then
		mpl_notok "strict mode, would skip a part: $*"
		return
	fi
	MPL_SKIPPED+=("$*")
	printf '# SKIP (part): %s\n' "$*"
}

# mpl_finish: the counts, then exit 1 if a check failed, 77 if a part was
# skipped, else 0.
mpl_finish()
{
	local why
	printf '# %d passed, %d failed\n' "$MPL_PASS" "$MPL_FAIL"
	[ "$MPL_FAIL" -eq 0 ] || exit 1
	if [ ${#MPL_SKIPPED[@]} -gt 0 ]; then
		for why in "${MPL_SKIPPED[@]}"; do
			printf 'SKIP: %s\n' "$why"
		done
		exit 77
	fi
	exit 0
}

# ---- prerequisites ---------------------------------------------------------------

mpl_require_root()
{
	[ "$(id -u)" -eq 0 ] || mpl_skip "needs root (network namespaces)"
}

# mpl_require_tools TOOL...: each is a command on PATH, or the test skips.
mpl_require_tools()
{
	local t
	for t in "$@"; do
		command -v "$t" >/dev/null 2>&1 || mpl_skip "'$t' is not installed"
	done
}

# mpl_setup [TOOL...]: the environment, the tools, the temp dir and the
# exit trap. Every test calls it (netns tests through mpl_init) first.
mpl_setup()
{
	local here
	here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
	: "${MPL_SOURCE_DIR:=$(cd "$here/.." && pwd)}"
	: "${MPL_BUILD_DIR:=$MPL_SOURCE_DIR/build}"
	: "${MPL_BIN:=$MPL_BUILD_DIR/mptcp-lab}"
	export MPL_SOURCE_DIR MPL_BUILD_DIR MPL_BIN
	mpl_require_tools "$@"
	[ -x "$MPL_BIN" ] || mpl_die "MPL_BIN '$MPL_BIN' is not an executable"
	mpl_tmp_init
}

# mpl_tmp_init: the temp dir and the exit trap alone (mpl_setup does it).
mpl_tmp_init()
{
	MPL_TMP=$(mktemp -d "${TMPDIR:-/tmp}/mpl-test.XXXXXX") || mpl_die "cannot create a temp dir"
	trap mpl_cleanup EXIT
	trap 'exit 130' INT
	trap 'exit 143' TERM
}

# ---- the test's own processes ------------------------------------------------------

# mpl_pid_running PID: alive and not a zombie (kill -0 succeeds on a
# zombie our shell has not reaped yet).
mpl_pid_running()
{
	local st
	st=$(sed -n 's/^[0-9]* (.*) \([A-Za-z]\) .*/\1/p' "/proc/$1/stat" 2>/dev/null) || return 1
	[ -n "$st" ] && [ "$st" != Z ] && [ "$st" != X ]
}

mpl_not_running() { ! mpl_pid_running "$1"; }

# mpl_proc_id PID -> "PID:START" (START: field 22 of /proc/PID/stat, the
# start time in clock ticks), which names one process even after its pid
# is reused; nothing when PID is gone.
mpl_proc_id()
{
	local start
	start=$(sed -n 's/^[0-9]* (.*) [A-Za-z] \(.*\)$/\1/p' "/proc/$1/stat" 2>/dev/null |
		awk '{ print $19 }') || return 0
	[ -z "$start" ] || printf '%s:%s\n' "$1" "$start"
}

# mpl_proc_alive ID: the process ID (from mpl_proc_id) still runs.
mpl_proc_alive()
{
	[ "$(mpl_proc_id "${1%%:*}")" = "$1" ] && mpl_pid_running "${1%%:*}"
}

# mpl_procs_left FILE: the pids of the processes FILE names (one
# mpl_proc_id a line) that still run.
mpl_procs_left()
{
	local id
	while read -r id; do
		! mpl_proc_alive "$id" || echo "${id%%:*}"
	done <"$1"
}

mpl_procs_gone() { [ -z "$(mpl_procs_left "$1")" ]; }

# mpl_descendants PID: the processes PID started, and theirs, one per line.
# The parent links are read from /proc/*/stat (this kernel has no
# /proc/PID/task/*/children); only PID's subtree is printed.
mpl_descendants()
{
	cat /proc/[0-9]*/stat 2>/dev/null |
		sed -n 's/^\([0-9]*\) (.*) [A-Za-z] \([0-9]*\) .*/\1 \2/p' |
		awk -v root="$1" '{ kids[$2] = kids[$2] " " $1 }
			END { n = split(kids[root], q, " ")
			      for (i = 1; i <= n; i++) { print q[i]
				      m = split(kids[q[i]], more, " ")
				      for (j = 1; j <= m; j++) q[++n] = more[j] } }'
}

# mpl_parent PID -> the parent's pid
mpl_parent() { sed -n 's/^[0-9]* (.*) [A-Za-z] \([0-9]*\) .*/\1/p' "/proc/$1/stat" 2>/dev/null; }

# mpl_wait_until TIMEOUT_S CMD...: poll CMD every 50 ms until it succeeds.
mpl_wait_until()
{
	local deadline=$((SECONDS + $1))
	shift
	while ! "$@"; do
		[ "$SECONDS" -lt "$deadline" ] || return 1
		sleep 0.05
	done
}

# ---- clean-up ------------------------------------------------------------------------

# mpl_track_pid PID: stop PID (TERM, then KILL) at exit if it still runs.
# Only a child of this shell is signalled: a pid that was reaped and reused
# by some other process on the host is left alone.
mpl_track_pid() { MPL_PIDS+=("$1"); }

# mpl_on_exit CMD...: run CMD at exit (its words as given, no eval), after
# the tracked processes are stopped; the last registered runs first.
mpl_on_exit()
{
	local words
	printf -v words '%q ' "$@"
	MPL_ON_EXIT+=("$words")
}

mpl_stop_pid()
{
	local pid=$1 _
	[ "$(mpl_parent "$pid")" = "$$" ] || return 0
	kill -TERM "$pid" 2>/dev/null || return 0
	for _ in $(seq 100); do
		mpl_pid_running "$pid" || break
		sleep 0.1
	done
	kill -KILL "$pid" 2>/dev/null || true
	wait "$pid" 2>/dev/null || true
}

mpl_cleanup()
{
	local rc=$? pid i
	trap - EXIT INT TERM
	for pid in "${MPL_PIDS[@]}"; do
		mpl_stop_pid "$pid"
	done
	for ((i = ${#MPL_ON_EXIT[@]} - 1; i >= 0; i--)); do
		eval "${MPL_ON_EXIT[i]}"
	done
	[ -z "$MPL_TMP" ] || [ -n "${KEEP:-}" ] || rm -rf "$MPL_TMP"
	[ -z "${KEEP:-}" ] || printf '# KEEP: the temp dir %s is kept\n' "$MPL_TMP"
	exit "$rc"
}

#!/bin/bash
# run_interrupt: Ctrl-C (SIGINT) during a run keeps what was stored, discards
# the run in progress and tears its lab down; SIGKILL during a run leaves the
# database consistent with no partial run, and `cleanup --stale` removes the
# lab it left.
# shellcheck source=lib.sh
. "$(dirname "$0")/lib.sh"
# shellcheck source=run_lib.sh
. "$(dirname "$0")/run_lib.sh"
mpl_run_init

SC="$MPL_SOURCE_DIR/scenarios/smoke.json"
stored() { [ "$(mpl_sql 'SELECT count(*) FROM runs' 2>/dev/null || echo 0)" -ge "$1" ]; }

# --- SIGINT after the first run is stored, during the second.
"$MPL_BIN" run --db "$MPL_DB" --reps 3 --set traffic.duration=2s "$SC" \
	>"$MPL_TMP/out" 2>"$MPL_TMP/err" &
pid=$!
mpl_track_pid "$pid"
mpl_check "the first run is stored" mpl_wait_until 60 stored 1
mpl_check "the next run's lab is up" mpl_wait_until 20 mpl_run_has_lab "$pid"
kill -INT "$pid"
wait "$pid"
rc=$?
sed 's/^/#   /' "$MPL_TMP/out" "$MPL_TMP/err"
mpl_eq "run exits 130 after SIGINT" 130 "$rc"
n=$(mpl_sql 'SELECT count(*) FROM runs')
mpl_eq "exactly the completed run is kept" 1 "$n"
mpl_eq "integrity_check after SIGINT" ok "$(mpl_sql 'PRAGMA integrity_check')"
mpl_check "no run namespace left after SIGINT" mpl_no_run_netns

# --- SIGKILL in the middle of a run.
"$MPL_BIN" run --db "$MPL_DB" --reps 1 --set traffic.duration=3s "$SC" >/dev/null 2>&1 &
pid=$!
mpl_track_pid "$pid"
mpl_check "a lab is up" mpl_wait_until 20 mpl_run_has_lab "$pid"
lab=$(mpl_run_labs_of "$pid" | head -n 1)
sleep 1 # let the transfer start: this test wants a kill mid-run
# Who the runner started: the SIGKILL leaves them to `cleanup --stale`.
for p in $(mpl_descendants "$pid"); do mpl_proc_id "$p"; done >"$MPL_TMP/procs"
mpl_log "lab $lab, $(wc -l <"$MPL_TMP/procs") processes started by the runner"
kill -KILL "$pid"
wait "$pid" 2>/dev/null
mpl_eq "integrity_check after SIGKILL" ok "$(mpl_sql 'PRAGMA integrity_check')"
mpl_eq "no partial run stored" "$n" "$(mpl_sql 'SELECT count(*) FROM runs')"
mpl_eq "every stored run is complete (has its metrics)" 0 \
	"$(mpl_sql 'SELECT count(*) FROM runs r WHERE NOT EXISTS (SELECT 1 FROM metrics m WHERE m.run_id = r.id) AND r.status = '"'"'ok'"'"'')"
mpl_check "the killed run's lab is still there" test -n "$(mpl_lab_netns "$lab")"
"$MPL_BIN" cleanup --stale | sed 's/^/#   /'
mpl_check "cleanup --stale removed it" mpl_no_lab_netns "$lab"
mpl_check "no run namespace left" mpl_no_run_netns
mpl_check "no process the killed run had started is left running" \
	mpl_wait_until 5 mpl_procs_gone "$MPL_TMP/procs"
mpl_procs_gone "$MPL_TMP/procs" || mpl_log "still running: $(mpl_procs_left "$MPL_TMP/procs")"
mpl_finish

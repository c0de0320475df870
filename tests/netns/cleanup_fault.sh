#!/bin/bash
# cleanup_fault: setup that fails half-way is torn down completely.
#
# MPTCP_LAB_FAULT_STEP=N makes `topo up` fail right before step N; the
# command must exit 70 and leave no namespace, no registry entry and the
# root namespace unchanged. The named steps (1 2 5 10 20) always run; then
# every step number is tried in turn until `topo up` succeeds (N is past
# the last step), so a new step in lab_up() is covered without editing
# this test.
# shellcheck source=lib.sh
. "$(dirname "$0")/lib.sh"
mpl_init

mpl_topology TOPO two-path
mpl_snapshot before

# try_step N -> 0 if the fault fired and was cleaned up, 2 if the lab came
# up (N is past the last step), 1 on a failure.
try_step()
{
	local n=$1 lab rc left
	mpl_new_lab lab "f$n"
	MPTCP_LAB_FAULT_STEP=$n "$MPL_BIN" topo up "$TOPO" --name "$lab" \
		>/dev/null 2>"$MPL_TMP/err.$n"
	rc=$?
	if [ "$rc" -eq 0 ]; then
		"$MPL_BIN" topo down "$lab" >/dev/null 2>&1
		return 2
	fi
	left=$(mpl_lab_netns "$lab" | tr '\n' ' ')
	if [ "$rc" -ne 70 ]; then
		mpl_notok "fault at step $n: exit $rc, expected 70"
		sed 's/^/#   /' "$MPL_TMP/err.$n"
		return 1
	fi
	if [ -n "$left" ] || [ -e "/run/mptcp-lab/$lab.lab" ]; then
		mpl_notok "fault at step $n: left behind: ${left:-registry entry}"
		return 1
	fi
	return 0
}

for n in 1 2 5 10 20; do
	try_step "$n"
	case $? in
	0) mpl_ok "fault at step $n: exit 70, nothing left ($(head -n 1 "$MPL_TMP/err.$n"))" ;;
	2) mpl_log "step $n is past the last step (topo up succeeded)" ;;
	esac
done

# Every other step, until the lab comes up.
last=0
for n in $(seq 1 300); do
	case $n in 1 | 2 | 5 | 10 | 20) continue ;; esac
	try_step "$n"
	rc=$?
	[ "$rc" -ne 2 ] || { last=$((n - 1)); break; }
	[ "$rc" -eq 0 ] || break
done
if [ "$last" -gt 0 ]; then
	mpl_ok "every fault step 1..$last exits 70 and leaves nothing"
else
	mpl_notok "the step sweep did not reach a successful topo up"
fi
mpl_snapshot_check before

mpl_finish

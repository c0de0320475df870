#!/usr/bin/env bash
# check.sh: `mptcp-lab check` against independent witnesses.
#
# - `check --json` is an array of {name, available, detail, required} with
#   unique names, and every capability the shipped scenarios need is there
#   and marked required;
# - mptcp and qdisc.tbf are available (this project's reference kernel has
#   both), and every qdisc kind's availability matches what `tc` itself
#   manages in a throwaway namespace (netem and fq are missing on the
#   reference kernel, so "available" must not be a constant);
# - net.mptcp.enabled of a fresh namespace matches the mptcp capability;
# - `check --strict` exits 69 exactly when a required capability is false,
#   and names the missing ones on stderr; plain `check` exits 0;
# - kvm: where qemu started as `run --kernel` starts it under KVM fails at
#   once, the kvm line says Linux does not boot under this KVM, quoting
#   qemu's error (here: "failed to set MSR 0x10a");
# - a bad option is a usage error (64);
# - no probe namespace is left behind.
# shellcheck source=../lib.sh
. "$(dirname "$0")/../lib.sh"
mpl_require_root
mpl_setup jq ip tc

ns="mpl-chk-$$"
del_ns() { ip netns del "$ns" 2>/dev/null || true; }
mpl_on_exit del_ns
tmp=$MPL_TMP

# ---- the JSON contract ---------------------------------------------------------
"$MPL_BIN" check --json >"$tmp/check.json" 2>"$tmp/check.err"
rc=$?
[ "$rc" = 0 ] || mpl_notok "check --json exited $rc: $(cat "$tmp/check.err")"
if ! jq -e 'type == "array" and length > 0' "$tmp/check.json" >/dev/null; then
	mpl_notok "check --json is not a non-empty array"
	sed 's/^/#   /' "$tmp/check.json"
	mpl_finish
fi
bad=$(jq -r '.[] | select((.name | type) != "string" or (.available | type) != "boolean"
	or (.detail | type) != "string" or (.required | type) != "boolean") | tostring' "$tmp/check.json")
[ -z "$bad" ] || mpl_notok "malformed entries: $bad"
dups=$(jq -r '[.[].name] | group_by(.) | map(select(length > 1) | .[0]) | join(" ")' "$tmp/check.json")
[ -z "$dups" ] || mpl_notok "duplicate names: $dups"
# Every detail says something: a value when available, a reason when not.
empty=$(jq -r '[.[] | select(.detail == "") | .name] | join(" ")' "$tmp/check.json")
[ -z "$empty" ] || mpl_notok "empty detail for: $empty"

required="mptcp mptcp.pm_genl qdisc.tbf qdisc.htb qdisc.netem qdisc.ingress link.ifb link.veth
	filter.u32 action.mirred sockopt.mptcp_info tool.gnuplot"
for name in $required; do
	jq -e --arg n "$name" 'any(.[]; .name == $n and .required == true)' "$tmp/check.json" \
		>/dev/null || mpl_notok "'$name' missing or not marked required"
done
# The shipped scenarios run the native engine: iperf3 is shown, not required.
for name in tool.iperf3 iperf3.mptcp; do
	jq -e --arg n "$name" 'any(.[]; .name == $n and .required == false)' "$tmp/check.json" \
		>/dev/null || mpl_notok "'$name' missing or marked required"
done

avail() { # name -> "true" / "false" / "" (absent)
	jq -r --arg n "$1" '.[] | select(.name == $n) | .available' "$tmp/check.json"
}

[ "$(avail mptcp)" = true ] || mpl_notok "mptcp not available: $(jq -c '.[] | select(.name == "mptcp")' "$tmp/check.json")"
[ "$(avail qdisc.tbf)" = true ] || mpl_notok "qdisc.tbf not available"

# ---- independent witnesses -------------------------------------------------------
ip netns add "$ns" || mpl_die "cannot create the witness namespace '$ns'"

enabled=$(ip netns exec "$ns" cat /proc/sys/net/mptcp/enabled 2>/dev/null)
if [ "$enabled" = 1 ]; then want=true; else want=false; fi
[ "$(avail mptcp)" = "$want" ] || mpl_notok "mptcp: check says $(avail mptcp), net.mptcp.enabled is '$enabled'"

declare -A qargs=([tbf]="rate 1mbit burst 10kb limit 10kb" [htb]="" [netem]="" [fq]="" [fq_codel]="")
for kind in tbf htb netem fq fq_codel; do
	# shellcheck disable=SC2086 # the arguments are words on purpose
	if tc -n "$ns" qdisc add dev lo root $kind ${qargs[$kind]} 2>"$tmp/tc.err"; then
		want=true
		tc -n "$ns" qdisc del dev lo root
	else
		want=false
	fi
	got=$(avail "qdisc.$kind")
	if [ "$got" != "$want" ]; then
		mpl_notok "qdisc.$kind: check says '$got', tc says $want ($(cat "$tmp/tc.err"))"
	else
		mpl_ok "qdisc.$kind = $got (tc agrees)"
	fi
done
if tc -n "$ns" qdisc add dev lo ingress 2>/dev/null; then want=true; else want=false; fi
[ "$(avail qdisc.ingress)" = "$want" ] || mpl_notok "qdisc.ingress: check says $(avail qdisc.ingress), tc says $want"
ip netns del "$ns"

# ---- kvm: does Linux run under it? -------------------------------------------------
# The witness: qemu started the way `run --kernel --accel kvm` starts it
# (-accel kvm -cpu host), with nothing to boot. Where it dies at once (a
# host whose KVM runs a test guest but not qemu's vCPU set-up: "failed to
# set MSR 0x10a"), the kvm line must say Linux does not boot and quote
# qemu's error; where it runs, the line must not say that.
if [ -e /dev/kvm ] && command -v qemu-system-x86_64 >/dev/null 2>&1; then
	timeout 3 qemu-system-x86_64 -nodefaults -no-user-config -accel kvm -cpu host -m 64 \
		-display none -monitor none -serial none -no-reboot >/dev/null 2>"$tmp/qemu.err"
	rc=$?
	kvm_detail=$(jq -r '.[] | select(.name == "kvm") | .detail' "$tmp/check.json")
	mpl_log "kvm: $(avail kvm): $kvm_detail"
	if [ "$rc" -ne 124 ] && grep -q error "$tmp/qemu.err"; then
		err=$(grep -m1 error "$tmp/qemu.err")
		mpl_log "qemu -accel kvm -cpu host: exit $rc: $err"
		mpl_eq "kvm: not available when qemu cannot run a KVM guest" false "$(avail kvm)"
		case $kvm_detail in
		*"Linux does not boot under this KVM"*"$err"*) mpl_ok "kvm: says Linux does not boot, with qemu's words" ;;
		*) mpl_notok "kvm: the detail does not say Linux does not boot with qemu's error '$err'" ;;
		esac
	else
		case $kvm_detail in
		*"fails before the guest runs"*) mpl_notok "kvm: says qemu fails, but it ran a KVM guest here" ;;
		*) mpl_ok "kvm: qemu runs a KVM guest here, and check does not say it fails" ;;
		esac
	fi
fi

# ---- exit codes ------------------------------------------------------------------
n_missing=$(jq '[.[] | select(.required and (.available | not))] | length' "$tmp/check.json")
missing=$(jq -r '[.[] | select(.required and (.available | not)) | .name] | join(", ")' "$tmp/check.json")
"$MPL_BIN" check --strict >/dev/null 2>"$tmp/strict.err"
rc=$?
if [ "$n_missing" -gt 0 ]; then
	[ "$rc" = 69 ] || mpl_notok "check --strict exited $rc with required capabilities missing ($missing)"
	for name in $(jq -r '.[] | select(.required and (.available | not)) | .name' "$tmp/check.json"); do
		grep -qF "$name" "$tmp/strict.err" || mpl_notok "check --strict does not name '$name': $(cat "$tmp/strict.err")"
	done
else
	[ "$rc" = 0 ] || mpl_notok "check --strict exited $rc with nothing required missing"
fi
mpl_ok "check --strict exited $rc (required missing: ${missing:-none})"

"$MPL_BIN" check >"$tmp/table.txt" 2>&1
rc=$?
[ "$rc" = 0 ] || mpl_notok "check exited $rc"
grep -q '^mptcp  *yes' "$tmp/table.txt" || mpl_notok "table has no 'mptcp yes' row: $(cat "$tmp/table.txt")"

"$MPL_BIN" check --bogus >/dev/null 2>&1
rc=$?
[ "$rc" = 64 ] || mpl_notok "check --bogus exited $rc, expected 64"

# ---- nothing left behind -------------------------------------------------------------
left=$(ip netns list | awk '{print $1}' | grep '^mpl-probe' || true)
[ -z "$left" ] || mpl_notok "probe namespaces left behind: $left"

mpl_finish

#!/bin/bash
# native_modes.sh: the native engine's client and server (`mptcp-lab xfer`,
# the hidden command the engine spawns) on the two-path topology, run by
# hand in the lab's namespaces, checked from their JSON lines:
#   - bulk upload of a byte count (8 MiB): the server's summary says it got
#     exactly 8388608 bytes, the client's gives a completion time, and the
#     samples of each end show two distinct subflows (one per path: two
#     local addresses on the client), whose acked bytes add up to the
#     connection's within 1 %;
#   - bulk download of a byte count: the client got exactly the bytes;
#   - request/response: 0 < p50 <= p90 <= p99 <= max, n > 0, tps > 0;
#   - a server that gets garbage instead of a request header fails (exit 1,
#     no summary), never prints a partial one;
#   - a server namespace with net.mptcp.enabled = 0: TCP, said so, and the
#     client's samples show the fallback;
#   - the engine itself through `mptcp-lab run` (engine "native" on the
#     smoke scenario): one run, status ok, engine recorded as native;
# and `topo down` leaves nothing behind. Skips (77) without root.
# shellcheck source=lib.sh
. "$(dirname "$0")/lib.sh"

mpl_init
mpl_topology topo two-path
mpl_new_lab lab
mpl_snapshot before
mpl_lab_up "$lab" "$topo"

cns="mpl-$lab-client"
sns="mpl-$lab-server"
addr=$(mpl_server_addr "$topo" path1 inet)
port=5301

# ---- bulk upload of a byte count -------------------------------------------------

bytes=8388608
if mpl_xfer_server "$sns" "$port" "$MPL_TMP/up.s"; then
	ip netns exec "$cns" "$MPL_BIN" xfer client --connect "$addr" --port "$port" \
		--bytes 8MiB --interval 50ms --timeout 60s >"$MPL_TMP/up.c" 2>"$MPL_TMP/up.c.err"
	rc=$?
	mpl_eq "bulk upload: client exits 0" 0 "$rc"
	[ "$rc" -eq 0 ] || sed 's/^/#   /' "$MPL_TMP/up.c.err"
	mpl_xfer_server_wait
	mpl_eq "bulk upload: server exits 0" 0 "$?"
	mpl_log "server: $(mpl_xfer_summary "$MPL_TMP/up.s" | cut -c1-400)"
	mpl_eq "bulk upload: server received exactly the bytes asked" "$bytes" \
		"$(mpl_xfer_jq "$MPL_TMP/up.s" '.bytes // "none"')"
	mpl_eq "bulk upload: client sent exactly the bytes asked" "$bytes" \
		"$(mpl_xfer_jq "$MPL_TMP/up.c" '.bytes_sent // "none"')"
	mpl_eq "bulk upload: both ends were MPTCP" "true true" \
		"$(mpl_xfer_jq "$MPL_TMP/up.c" .mptcp) $(mpl_xfer_jq "$MPL_TMP/up.s" .mptcp)"
	mpl_check "bulk upload: completion time and goodput are positive" \
		test "$(mpl_xfer_jq "$MPL_TMP/up.c" '(.completion_us > 0) and (.wall_us > 0)')" = true -a \
		"$(mpl_xfer_jq "$MPL_TMP/up.s" '(.goodput_bps > 0) and (.duration_us > 0)')" = true
	mpl_log "goodput $(mpl_xfer_jq "$MPL_TMP/up.s" '.goodput_bps / 1e6 | floor') Mbit/s," \
		"completion $(mpl_xfer_jq "$MPL_TMP/up.c" '.completion_us / 1000 | floor') ms"
	for end in c s; do
		f="$MPL_TMP/up.$end"
		n=$(jq -s '[.[] | select(.type == "subflow") | .id] | unique | length' <(grep '^{' "$f"))
		if [ "$n" -ge 2 ]; then
			mpl_ok "bulk upload: samples of '$end' show $n distinct subflows"
		else
			mpl_notok "bulk upload: samples of '$end' show $n distinct subflow(s), expected 2"
		fi
	done
	n=$(jq -s '[.[] | select(.type == "subflow") | .local | split(":")[0]] | unique | length' \
		<(grep '^{' "$MPL_TMP/up.c"))
	mpl_eq "bulk upload: client subflows leave from 2 local addresses" 2 "$n"
	# The sender's last sample: per-subflow acked bytes vs the connection's.
	# Data the scheduler reinjected on a second subflow is acked there
	# too: the subflows carry the connection's bytes plus what it
	# retransmitted (mptcpi_bytes_retrans; measured here: equal to the
	# excess within 3 bytes).
	read -r sum conn retrans < <(jq -rs '
		(map(select(.type == "conn")) | last) as $c
		| [.[] | select(.type == "subflow" and .t_us == $c.t_us) | .bytes_acked] | add as $s
		| "\($s) \($c.bytes_acked) \($c.bytes_retrans // 0)"' <(grep '^{' "$MPL_TMP/up.c"))
	if [ -n "$sum" ] && [ "$sum" != null ] && [ "$conn" != null ] &&
		awk -v s="$sum" -v c="$conn" -v r="$retrans" \
			'BEGIN { d = s - (c + r); if (d < 0) d = -d; exit !(d <= c * 0.01) }'; then
		mpl_ok "bulk upload: subflows' acked bytes ($sum) = connection's ($conn, $retrans reinjected) within 1 %"
	else
		mpl_notok "bulk upload: subflows' acked bytes '$sum' vs connection's '$conn' + reinjected '$retrans'"
	fi
fi

# ---- bulk download of a byte count ----------------------------------------------------

if mpl_xfer_server "$sns" "$port" "$MPL_TMP/down.s"; then
	ip netns exec "$cns" "$MPL_BIN" xfer client --connect "$addr" --port "$port" \
		--direction download --bytes 3MiB --timeout 60s >"$MPL_TMP/down.c" \
		2>"$MPL_TMP/down.c.err"
	mpl_eq "bulk download: client exits 0" 0 "$?"
	mpl_xfer_server_wait
	mpl_eq "bulk download: client received exactly 3 MiB" 3145728 \
		"$(mpl_xfer_jq "$MPL_TMP/down.c" '.bytes // "none"')"
fi

# ---- request/response ---------------------------------------------------------------------

if mpl_xfer_server "$sns" "$port" "$MPL_TMP/rr.s"; then
	ip netns exec "$cns" "$MPL_BIN" xfer client --connect "$addr" --port "$port" \
		--mode rr --duration 2s --request 100 --response 1000 --timeout 60s \
		>"$MPL_TMP/rr.c" 2>"$MPL_TMP/rr.c.err"
	rc=$?
	mpl_eq "rr: client exits 0" 0 "$rc"
	[ "$rc" -eq 0 ] || sed 's/^/#   /' "$MPL_TMP/rr.c.err"
	mpl_xfer_server_wait
	mpl_eq "rr: server exits 0" 0 "$?"
	mpl_log "rr: $(mpl_xfer_jq "$MPL_TMP/rr.c" '"n \(.n) tps \(.tps) p50 \(.p50_us) p90 \(.p90_us) p99 \(.p99_us) max \(.max_us) us"')"
	mpl_eq "rr: 0 < p50 <= p90 <= p99 <= max" true \
		"$(mpl_xfer_jq "$MPL_TMP/rr.c" '.p50_us > 0 and .p50_us <= .p90_us and .p90_us <= .p99_us and .p99_us <= .max_us')"
	mpl_eq "rr: transactions and tps > 0" true "$(mpl_xfer_jq "$MPL_TMP/rr.c" '.n > 0 and .tps > 0')"
	mpl_eq "rr: the server served every transaction" "$(mpl_xfer_jq "$MPL_TMP/rr.c" .n)" \
		"$(mpl_xfer_jq "$MPL_TMP/rr.s" .n)"
fi

# ---- a request that is not ours -------------------------------------------------------------

if mpl_xfer_server "$sns" "$port" "$MPL_TMP/bad.s"; then
	# 64 bytes that are not an xfer header, through a plain TCP socket of
	# bash (/dev/tcp): the server must refuse them, not act on them.
	ip netns exec "$cns" bash -c 'exec 3<>"/dev/tcp/$1/$2" && printf "%064d" 0 >&3 && cat <&3 >/dev/null' \
		_ "$addr" "$port" 2>/dev/null
	mpl_xfer_server_wait
	mpl_eq "garbage header: server exits 1" 1 "$?"
	mpl_eq "garbage header: no summary" "" "$(mpl_xfer_summary "$MPL_TMP/bad.s")"
	mpl_check "garbage header: the server says why" grep -q "not an mptcp-lab xfer client" \
		"$MPL_TMP/bad.s.err"
fi

"$MPL_BIN" topo down "$lab" >/dev/null 2>"$MPL_TMP/err"
mpl_eq "topo down exits 0" 0 "$?"
mpl_check_gone "$lab" before

# ---- a server namespace without MPTCP ---------------------------------------------------------
# net.mptcp.enabled = 0 in the server: it cannot open an MPTCP socket, says
# so and listens on TCP; the client's MPTCP connection falls back, and its
# samples say so (TCP_INFO of the one subflow, fallback: true).

mpl_new_lab lab2 b
mpl_lab_up "$lab2" "$topo" --set 'nodes.server.sysctls["net.mptcp.enabled"]=0'
cns="mpl-$lab2-client"
sns="mpl-$lab2-server"
if mpl_xfer_server "$sns" "$port" "$MPL_TMP/tcp.s"; then
	ip netns exec "$cns" "$MPL_BIN" xfer client --connect "$addr" --port "$port" \
		--bytes 1MiB --timeout 60s >"$MPL_TMP/tcp.c" 2>"$MPL_TMP/tcp.c.err"
	mpl_eq "no MPTCP: client exits 0" 0 "$?"
	mpl_xfer_server_wait
	mpl_eq "no MPTCP: server used TCP, client an MPTCP socket, no MPTCP connection" \
		"tcp false mptcp false" \
		"$(mpl_xfer_jq "$MPL_TMP/tcp.s" '"\(.proto) \(.mptcp)"') $(mpl_xfer_jq "$MPL_TMP/tcp.c" '"\(.proto) \(.mptcp)"')"
	mpl_check "no MPTCP: the server says why" grep -q '"mptcp_unavailable":"cannot create an MPTCP socket' \
		"$MPL_TMP/tcp.s"
	mpl_eq "no MPTCP: all bytes arrived" 1048576 "$(mpl_xfer_jq "$MPL_TMP/tcp.s" .bytes)"
	mpl_eq "no MPTCP: the client's samples say fallback, from TCP_INFO" "true tcp_info 1" \
		"$(grep '"type":"conn"' "$MPL_TMP/tcp.c" | tail -n 1 |
			jq -r '"\(.fallback // "absent") \(.source) \(.subflows_total)"')"
fi
"$MPL_BIN" topo down "$lab2" >/dev/null 2>&1
mpl_check_gone "$lab2" before

# ---- the engine through the runner ------------------------------------------------------------

"$MPL_BIN" run --db "$MPL_TMP/lab.db" --reps 1 --set traffic.engine=native \
	"$MPL_SOURCE_DIR/scenarios/smoke.json" >"$MPL_TMP/run.out" 2>&1
rc=$?
sed 's/^/#   /' "$MPL_TMP/run.out"
mpl_eq "run with engine native exits 0" 0 "$rc"
"$MPL_BIN" export --db "$MPL_TMP/lab.db" --format json >"$MPL_TMP/export.json" 2>/dev/null
mpl_eq "the run is ok and recorded as native" "ok native native" \
	"$(jq -r '.runs[0] | "\(.status) \(.engine.name) \(.engine.mptcp_method)"' "$MPL_TMP/export.json")"

mpl_finish

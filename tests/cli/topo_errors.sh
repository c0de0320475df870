#!/bin/bash
# topo_errors: bad topology files and bad command lines fail the way
# scripts rely on, and create nothing.
#
#   bad file (syntax, duplicate key, 16-byte ifname, rate "fast", loss 120,
#   unknown key, a bad --set value)  -> exit 65, stderr names the place:
#                                       "FILE:LINE:COL: ..." for syntax,
#                                       "FILE: json.path: ..." for meaning
#   several mistakes in one file     -> all of them reported at once
#   usage errors                     -> exit 64
# and in every case `ip netns list` is unchanged and no namespace of the
# lab name we passed exists.
#
# The semantic cases are made from topologies/two-path.json with jq, so
# each file has exactly one mistake and tracks the format as it evolves.
# shellcheck source=../netns/lib.sh
. "$(dirname "$0")/../netns/lib.sh"
mpl_init

mpl_topology BASE two-path
mpl_new_lab LAB e
D=$MPL_TMP
netns_before=$(ip netns list | awk '{print $1}' | grep -v '^mpl-' | sort)

nothing_created()
{
	local now
	now=$(ip netns list | awk '{print $1}' | grep -v '^mpl-' | sort)
	[ "$now" = "$netns_before" ] && mpl_no_lab_netns "$LAB" &&
		[ ! -e "/run/mptcp-lab/$LAB.lab" ]
}

# expect_fail CASE EXIT REGEX CMD...: CMD exits EXIT, stderr matches the
# extended REGEX, nothing was created.
expect_fail()
{
	local what=$1 want=$2 re=$3 rc
	shift 3
	"$@" >"$D/out" 2>"$D/err"
	rc=$?
	if [ "$rc" -ne "$want" ]; then
		mpl_notok "$what: exit $rc, expected $want"
		sed 's/^/#   /' "$D/err"
		"$MPL_BIN" topo down "$LAB" >/dev/null 2>&1
		return
	fi
	if ! grep -Eq -- "$re" "$D/err"; then
		mpl_notok "$what: stderr does not match /$re/"
		sed 's/^/#   /' "$D/err"
		return
	fi
	if ! nothing_created; then
		mpl_notok "$what: something was created"
		"$MPL_BIN" topo down "$LAB" >/dev/null 2>&1
		return
	fi
	mpl_ok "$what: exit $want, '$(grep -Em1 -- "$re" "$D/err")'"
}

# mutate NAME JQ_FILTER: write $D/NAME.json = two-path.json | filter.
mutate() { jq "$2" "$BASE" >"$D/$1.json" || mpl_die "jq failed for case '$1'"; }

# Quote a string for use inside an ERE.
re_quote() { printf '%s' "$1" | sed 's/[][\.*^$?+(){}|/]/\\&/g'; }

up() { "$MPL_BIN" topo up "$1" --name "$LAB" "${@:2}"; }

# ---- syntax: located as file:line:col ----------------------------------------

printf '{\n  "name": "broken",\n  "nodes": {\n    "client": {}\n  \n' >"$D/syntax.json"
f=$(re_quote "$D/syntax.json")
expect_fail "syntax error" 65 "$f:[0-9]+:[0-9]+: " up "$D/syntax.json"

printf '{\n  "name": "a",\n  "name": "b"\n}\n' >"$D/dup.json"
f=$(re_quote "$D/dup.json")
expect_fail "duplicate key" 65 "$f:3:[0-9]+: .*(duplicate|name)" up "$D/dup.json"

# ---- meaning: located by JSON path ------------------------------------------------

path1=$(jq -r '.paths | keys[0]' "$BASE")

mutate ifname '.links[0].a.ifname = "abcdefghijklmnop"'
f=$(re_quote "$D/ifname.json")
expect_fail "16-byte ifname" 65 "$f: links\\[0\\]\\.a\\.ifname: .*abcdefghijklmnop" up "$D/ifname.json"

mutate rate ".paths[\"$path1\"].shaping.rate = \"fast\""
f=$(re_quote "$D/rate.json")
expect_fail "rate 'fast'" 65 "$f: paths\\.$path1\\.shaping\\.rate: .*fast" up "$D/rate.json"

mutate loss ".paths[\"$path1\"].shaping.loss = 120"
f=$(re_quote "$D/loss.json")
expect_fail "loss 120" 65 "$f: paths\\.$path1\\.shaping\\.loss: .*120" up "$D/loss.json"

mutate unknown '.links[0].a.colour = "blue"'
f=$(re_quote "$D/unknown.json")
expect_fail "unknown key" 65 "$f: links\\[0\\]\\.a.*colour" up "$D/unknown.json"

mutate toplevel '.bogus = 1'
f=$(re_quote "$D/toplevel.json")
expect_fail "unknown top-level key" 65 "$f: .*bogus" up "$D/toplevel.json"

# All mistakes of a file in one go, not just the first.
mutate several ".links[0].a.ifname = \"abcdefghijklmnop\" | .paths[\"$path1\"].shaping.loss = 120"
"$MPL_BIN" topo up "$D/several.json" --name "$LAB" >/dev/null 2>"$D/err"
rc=$?
if [ "$rc" -eq 65 ] && grep -q 'links\[0\]\.a\.ifname' "$D/err" &&
	grep -q "paths\.$path1\.shaping\.loss" "$D/err" && nothing_created; then
	mpl_ok "two mistakes in one file: both reported"
else
	mpl_notok "two mistakes in one file: exit $rc, not both reported"
	sed 's/^/#   /' "$D/err"
fi

# An override is checked like the file it changes.
f=$(re_quote "$BASE")
expect_fail "--set rate=fast" 65 "paths\\.$path1\\.shaping\\.rate: .*fast" \
	up "$BASE" --set "paths.$path1.shaping.rate=fast"

# A file that does not exist: a clean failure naming it, nothing created.
"$MPL_BIN" topo up "$D/nope.json" --name "$LAB" >/dev/null 2>"$D/err"
rc=$?
if [ "$rc" -ne 0 ] && [ "$rc" -lt 128 ] && grep -q 'nope\.json' "$D/err" && nothing_created; then
	mpl_ok "missing file: exit $rc, '$(head -n 1 "$D/err")'"
else
	mpl_notok "missing file: exit $rc"
	sed 's/^/#   /' "$D/err"
fi

# ---- usage errors: exit 64 -----------------------------------------------------------

expect_fail "'topo' without subcommand" 64 "usage|subcommand" "$MPL_BIN" topo
expect_fail "'topo up' without a file" 64 "usage|file" "$MPL_BIN" topo up
expect_fail "'topo frobnicate'" 64 "frobnicate" "$MPL_BIN" topo frobnicate
expect_fail "unknown command" 64 "frobnicate" "$MPL_BIN" frobnicate
expect_fail "'topo up' with a bad lab name" 64 "Bad/Name|name" \
	"$MPL_BIN" topo up "$BASE" --name "Bad/Name"
expect_fail "'topo down' without a name" 64 "usage|name" "$MPL_BIN" topo down

mpl_finish

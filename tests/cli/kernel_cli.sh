#!/bin/bash
# kernel_cli: `mptcp-lab kernel fetch|list` without the network: usage
# errors (64), a bad ABI name (64), listing an empty and a populated
# kernel directory (a synthetic bzImage header, written here), a fetch of
# a kernel that is already there (0, with the "image:" and "modules:" lines
# scripts parse), the default directory from XDG_CACHE_HOME, and a package
# apt does not know (69 with apt's words and the 'apt-get update' hint;
# skipped without apt-get and depmod).
set -u
: "${MPL_BIN:?}"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
pass=0
fail=0
ok() { pass=$((pass + 1)); echo "ok - $*"; }
notok() { fail=$((fail + 1)); echo "not ok - $*"; }
expect_rc() # WANT DESCRIPTION CMD...
{
	local want=$1 what=$2 rc
	shift 2
	"$@" >"$tmp/out" 2>"$tmp/err"
	rc=$?
	if [ "$rc" -eq "$want" ]; then ok "$what (exit $rc)"; else
		notok "$what: expected exit $want, got $rc"
		sed 's/^/#   /' "$tmp/out" "$tmp/err"
	fi
}
expect_in() # FILE TEXT DESCRIPTION
{
	if grep -qF -- "$2" "$1"; then ok "$3"; else
		notok "$3: '$2' not in $(basename "$1")"
		sed 's/^/#   /' "$1"
	fi
}

expect_rc 64 "no subcommand" "$MPL_BIN" kernel
expect_rc 64 "unknown subcommand" "$MPL_BIN" kernel frob
expect_in "$tmp/err" "'kernel frob' is not a subcommand" "unknown subcommand is named"
expect_rc 64 "two kernels" "$MPL_BIN" kernel fetch --dir "$tmp/k" 6.1.0-1-amd64 6.1.0-2-amd64
expect_rc 64 "list takes no kernel" "$MPL_BIN" kernel list --dir "$tmp/k" 6.1.0-1-amd64
expect_rc 64 "--dir without a value" "$MPL_BIN" kernel fetch --dir
expect_rc 64 "unknown option" "$MPL_BIN" kernel list --frob
expect_rc 64 "a name that is no ABI" "$MPL_BIN" kernel fetch --dir "$tmp/k" '6.1;rm -rf'
expect_in "$tmp/err" "is neither a kernel ABI" "bad name is explained"
expect_rc 64 "a name that looks like an option" "$MPL_BIN" kernel fetch --dir "$tmp/k" -- -o
[ ! -e "$tmp/k" ] && ok "usage errors create nothing" || notok "usage errors created '$tmp/k'"

expect_rc 0 "list a missing directory" "$MPL_BIN" kernel list --dir "$tmp/k"
expect_in "$tmp/out" "no kernels in '$tmp/k'" "empty list says so"
expect_rc 0 "default directory from XDG_CACHE_HOME" env XDG_CACHE_HOME="$tmp/xdg" "$MPL_BIN" kernel list
expect_in "$tmp/out" "$tmp/xdg/mptcp-lab/kernels" "XDG_CACHE_HOME is used"
expect_rc 64 "no HOME, no XDG_CACHE_HOME, no --dir" env -u HOME -u XDG_CACHE_HOME "$MPL_BIN" kernel list

# A synthetic kernel: a setup header whose version string says the release
# (boot protocol 2.15, setup_sects 7, kernel_version -> 0xc00).
rel=6.1.0-99-amd64
mkdir -p "$tmp/k/$rel/boot" "$tmp/k/$rel/lib/modules/$rel"
img="$tmp/k/$rel/boot/vmlinuz-$rel"
poke() { printf "$2" | dd of="$img" bs=1 seek=$(($1)) conv=notrunc status=none; }
head -c $((0x3000)) /dev/zero >"$img"
poke 0x1f1 '\007'
poke 0x202 'HdrS'
poke 0x206 '\017\002'      # protocol 2.15, little-endian
poke 0x20e '\000\012'      # kernel_version = 0xa00 (+ 0x200 = 0xc00)
poke 0xc00 "$rel (test) #1 SMP\\000"
printf 'kernel/fs/9p/9p.ko:\n' >"$tmp/k/$rel/lib/modules/$rel/modules.dep"
printf 'kernel/drivers/virtio/virtio_pci.ko\nkernel/net/9p/9pnet_virtio.ko\n' >"$tmp/k/$rel/lib/modules/$rel/modules.builtin"
mkdir -p "$tmp/k/.fetch-half"   # an interrupted fetch is never listed

expect_rc 0 "list one kernel" "$MPL_BIN" kernel list --dir "$tmp/k"
expect_in "$tmp/out" "$rel" "the kernel is listed"
expect_in "$tmp/out" "$tmp/k/$rel/boot/vmlinuz-$rel" "its image is listed"
if grep -q fetch-half "$tmp/out"; then notok "a half fetch is listed"; else ok "a half fetch is not listed"; fi

expect_rc 0 "fetch a kernel that is already there" "$MPL_BIN" kernel fetch --dir "$tmp/k" "$rel"
expect_in "$tmp/out" "already" "fetch says it is already there"
expect_in "$tmp/out" "image: $tmp/k/$rel/boot/vmlinuz-$rel" "image line"
expect_in "$tmp/out" "modules: $tmp/k/$rel/lib/modules/$rel" "modules line"
expect_in "$tmp/out" "guest modules: 1" "the 9p module is counted, built-ins skipped"
expect_rc 0 "the same by package name" "$MPL_BIN" kernel fetch --dir "$tmp/k" "linux-image-$rel-unsigned"

if command -v apt-get >/dev/null && { command -v depmod >/dev/null || [ -x /usr/sbin/depmod ] || [ -x /sbin/depmod ]; }; then
	expect_rc 69 "a package apt does not know" "$MPL_BIN" kernel fetch --dir "$tmp/k" 0.0.0-0-nosuch
	expect_in "$tmp/err" "linux-image-0.0.0-0-nosuch-unsigned" "the package is named"
	expect_in "$tmp/err" "apt-get update" "the hint names apt-get update"
	n=$(find "$tmp/k" -maxdepth 1 -name '.fetch-*' ! -name .fetch-half | wc -l)
	[ "$n" -eq 0 ] && ok "a failed fetch leaves no work directory" || notok "$n work directories left"
else
	echo "# skip: apt-get or depmod missing, the apt failure path is not checked"
fi

echo "# $pass passed, $fail failed"
[ "$fail" -eq 0 ]

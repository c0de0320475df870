#!/bin/bash
# kernel_cli: `mptcp-lab kernel fetch|list` without the network: usage
# errors (64), a bad ABI name (64), listing an empty and a populated
# kernel directory (a synthetic bzImage header, written here), a fetch of
# a kernel that is already there (0, with the "image:" and "modules:" lines
# scripts parse), the default directory from XDG_CACHE_HOME, and a package
# apt does not know (69 with apt's words and the 'apt-get update' hint;
# skipped without apt-get and depmod).
# shellcheck source=../lib.sh
. "$(dirname "$0")/../lib.sh"
mpl_setup
expect_in() # FILE TEXT DESCRIPTION
{
	if grep -qF -- "$2" "$1"; then mpl_ok "$3"; else
		mpl_notok "$3: '$2' not in $(basename "$1")"
		sed 's/^/#   /' "$1"
	fi
}

mpl_expect_rc 64 "no subcommand" "$MPL_BIN" kernel
mpl_expect_rc 64 "unknown subcommand" "$MPL_BIN" kernel frob
expect_in "$MPL_TMP/err" "'kernel frob' is not a subcommand" "unknown subcommand is named"
mpl_expect_rc 64 "two kernels" "$MPL_BIN" kernel fetch --dir "$MPL_TMP/k" 6.1.0-1-amd64 6.1.0-2-amd64
mpl_expect_rc 64 "list takes no kernel" "$MPL_BIN" kernel list --dir "$MPL_TMP/k" 6.1.0-1-amd64
mpl_expect_rc 64 "--dir without a value" "$MPL_BIN" kernel fetch --dir
mpl_expect_rc 64 "unknown option" "$MPL_BIN" kernel list --frob
mpl_expect_rc 64 "a name that is no ABI" "$MPL_BIN" kernel fetch --dir "$MPL_TMP/k" '6.1;rm -rf'
expect_in "$MPL_TMP/err" "is neither a kernel ABI" "bad name is explained"
mpl_expect_rc 64 "a name that looks like an option" "$MPL_BIN" kernel fetch --dir "$MPL_TMP/k" -- -o
[ ! -e "$MPL_TMP/k" ] && mpl_ok "usage errors create nothing" || mpl_notok "usage errors created '$MPL_TMP/k'"

mpl_expect_rc 0 "list a missing directory" "$MPL_BIN" kernel list --dir "$MPL_TMP/k"
expect_in "$MPL_TMP/out" "no kernels in '$MPL_TMP/k'" "empty list says so"
mpl_expect_rc 0 "default directory from XDG_CACHE_HOME" env XDG_CACHE_HOME="$MPL_TMP/xdg" "$MPL_BIN" kernel list
expect_in "$MPL_TMP/out" "$MPL_TMP/xdg/mptcp-lab/kernels" "XDG_CACHE_HOME is used"
mpl_expect_rc 64 "no HOME, no XDG_CACHE_HOME, no --dir" env -u HOME -u XDG_CACHE_HOME "$MPL_BIN" kernel list

# A synthetic kernel: a setup header whose version string says the release
# (boot protocol 2.15, setup_sects 7, kernel_version -> 0xc00).
rel=6.1.0-99-amd64
mkdir -p "$MPL_TMP/k/$rel/boot" "$MPL_TMP/k/$rel/lib/modules/$rel"
img="$MPL_TMP/k/$rel/boot/vmlinuz-$rel"
poke() { printf "$2" | dd of="$img" bs=1 seek=$(($1)) conv=notrunc status=none; }
head -c $((0x3000)) /dev/zero >"$img"
poke 0x1f1 '\007'
poke 0x202 'HdrS'
poke 0x206 '\017\002'      # protocol 2.15, little-endian
poke 0x20e '\000\012'      # kernel_version = 0xa00 (+ 0x200 = 0xc00)
poke 0xc00 "$rel (test) #1 SMP\\000"
printf 'kernel/fs/9p/9p.ko:\n' >"$MPL_TMP/k/$rel/lib/modules/$rel/modules.dep"
printf 'kernel/drivers/virtio/virtio_pci.ko\nkernel/net/9p/9pnet_virtio.ko\n' >"$MPL_TMP/k/$rel/lib/modules/$rel/modules.builtin"
mkdir -p "$MPL_TMP/k/.fetch-half"   # an interrupted fetch is never listed

mpl_expect_rc 0 "list one kernel" "$MPL_BIN" kernel list --dir "$MPL_TMP/k"
expect_in "$MPL_TMP/out" "$rel" "the kernel is listed"
expect_in "$MPL_TMP/out" "$MPL_TMP/k/$rel/boot/vmlinuz-$rel" "its image is listed"
if grep -q fetch-half "$MPL_TMP/out"; then mpl_notok "a half fetch is listed"; else mpl_ok "a half fetch is not listed"; fi

mpl_expect_rc 0 "fetch a kernel that is already there" "$MPL_BIN" kernel fetch --dir "$MPL_TMP/k" "$rel"
expect_in "$MPL_TMP/out" "already" "fetch says it is already there"
expect_in "$MPL_TMP/out" "image: $MPL_TMP/k/$rel/boot/vmlinuz-$rel" "image line"
expect_in "$MPL_TMP/out" "modules: $MPL_TMP/k/$rel/lib/modules/$rel" "modules line"
expect_in "$MPL_TMP/out" "guest modules: 1" "the 9p module is counted, built-ins skipped"
mpl_expect_rc 0 "the same by package name" "$MPL_BIN" kernel fetch --dir "$MPL_TMP/k" "linux-image-$rel-unsigned"
mpl_expect_rc 0 "the ABI without its flavour" "$MPL_BIN" kernel fetch --dir "$MPL_TMP/k" "${rel%-amd64}"
expect_in "$MPL_TMP/out" "'${rel%-amd64}' names no flavour: amd64 chosen (linux-image-$rel-unsigned" \
	"the flavour chosen is said"
expect_in "$MPL_TMP/out" "image: $MPL_TMP/k/$rel/boot/vmlinuz-$rel" "and it is the amd64 kernel"
mpl_expect_rc 0 "a full ABI says nothing of flavours" "$MPL_BIN" kernel fetch --dir "$MPL_TMP/k" "$rel"
if grep -q "flavour" "$MPL_TMP/out"; then mpl_notok "a full ABI got a flavour line"; else mpl_ok "no flavour line for a full ABI"; fi

if command -v apt-get >/dev/null && { command -v depmod >/dev/null || [ -x /usr/sbin/depmod ] || [ -x /sbin/depmod ]; }; then
	mpl_expect_rc 69 "a package apt does not know" "$MPL_BIN" kernel fetch --dir "$MPL_TMP/k" 0.0.0-0-nosuch
	expect_in "$MPL_TMP/err" "linux-image-0.0.0-0-nosuch-unsigned" "the package is named"
	expect_in "$MPL_TMP/err" "apt-get update" "the hint names apt-get update"
	n=$(find "$MPL_TMP/k" -maxdepth 1 -name '.fetch-*' ! -name .fetch-half | wc -l)
	[ "$n" -eq 0 ] && mpl_ok "a failed fetch leaves no work directory" || mpl_notok "$n work directories left"
else
	mpl_skip_part "apt-get or depmod missing: the apt failure path is not checked"
fi

mpl_finish

#!/bin/bash
# kernel_build: `mptcp-lab kernel build` on fake kernel trees written here
# (a Makefile that does what the test says, a Kconfig), without compiling
# anything: its exit codes and messages.
#
#   usage errors                                    64
#   no such tree, not a kernel tree, a tree
#   configured in place (hint: make mrproper),
#   a fragment with bad lines (each file:line)      65, nothing built
#   no make on PATH                                 69
#   make failing at tinyconfig, at bzImage          70, the log named, its
#                                                   last lines shown
#   olddefconfig dropping options                   65, each lost option
#                                                   named with the unmet
#                                                   condition of the fake
#                                                   Kconfig and its values
#   a build that works (a synthetic bzImage)        0, "release:" and
#                                                   "image:" lines, the
#                                                   lab's fragment and the
#                                                   user's merged in order
#   the same build again                            .config untouched (same
#                                                   mtime): "configuration
#                                                   unchanged"
#   --fragment changing an option                   .config replaced
# The real tree (linux-source-6.12) is kernel_fragment.sh's.
# shellcheck source=../lib.sh
. "$(dirname "$0")/../lib.sh"
mpl_setup
command -v make >/dev/null 2>&1 || mpl_skip "'make' is not installed"

expect_in() # FILE TEXT DESCRIPTION
{
	if grep -qF -- "$2" "$1"; then mpl_ok "$3"; else
		mpl_notok "$3: '$2' not in $(basename "$1")"
		sed 's/^/#   /' "$1"
	fi
}

# A fake x86 kernel tree (tests/fixtures/kernel/fake-tree.sh: its make
# targets obey FAKE_FAIL and FAKE_DROP; bzImage "builds" a synthetic image).
tree=$MPL_TMP/linux
rel=6.12.118-gfa4e
bash "$MPL_SOURCE_DIR/tests/fixtures/kernel/fake-tree.sh" "$tree" "$rel" || mpl_die "cannot write the fake tree"

KB=("$MPL_BIN" kernel build)
out=$MPL_TMP/kbuild

# ---- usage ---------------------------------------------------------------------
mpl_expect_rc 64 "no --tree" "${KB[@]}"
expect_in "$MPL_TMP/err" "needs --tree DIR" "no --tree: says so"
mpl_expect_rc 64 "--jobs 0" "${KB[@]}" --tree "$tree" --jobs 0
mpl_expect_rc 64 "--nice 30" "${KB[@]}" --tree "$tree" --nice 30
mpl_expect_rc 64 "an argument" "${KB[@]}" --tree "$tree" extra
mpl_expect_rc 64 "an unknown option" "${KB[@]}" --tree "$tree" --frob

# ---- the input: 65 --------------------------------------------------------------
mpl_expect_rc 65 "no such tree" "${KB[@]}" --tree "$MPL_TMP/nosuch" --out "$out"
expect_in "$MPL_TMP/err" "cannot use the kernel tree '$MPL_TMP/nosuch'" "no such tree: named"
mkdir -p "$MPL_TMP/empty"
mpl_expect_rc 65 "not a kernel tree" "${KB[@]}" --tree "$MPL_TMP/empty" --out "$out"
expect_in "$MPL_TMP/err" "is not a kernel tree: it has no 'Makefile'" "not a kernel tree: says what it lacks"
[ ! -e "$out" ] && mpl_ok "nothing made for a bad tree" || mpl_notok "'$out' made for a bad tree"
cp -r "$tree" "$MPL_TMP/inplace" && : >"$MPL_TMP/inplace/.config"
mpl_expect_rc 65 "a tree configured in place" "${KB[@]}" --tree "$MPL_TMP/inplace" --out "$out"
expect_in "$MPL_TMP/err" "has been configured in place" "configured in place: says so"
expect_in "$MPL_TMP/err" "make mrproper" "configured in place: the hint names make mrproper"
printf 'CONFIG_VETH=y\nVETH=y\n# a comment\nCONFIG_IFB\n' >"$MPL_TMP/bad.config"
mpl_expect_rc 65 "a fragment with bad lines" "${KB[@]}" --tree "$tree" --out "$out" \
	--fragment "$MPL_TMP/bad.config"
expect_in "$MPL_TMP/err" "$MPL_TMP/bad.config:2: expected 'CONFIG_<NAME>=<value>'" "bad fragment: line 2 located"
expect_in "$MPL_TMP/err" "$MPL_TMP/bad.config:4: " "bad fragment: line 4 located"
mpl_expect_rc 65 "a fragment that does not exist" "${KB[@]}" --tree "$tree" --out "$out" \
	--fragment "$MPL_TMP/nosuch.config"
expect_in "$MPL_TMP/err" "nosuch.config: cannot read the fragment" "missing fragment: named"

# ---- make missing: 69 -----------------------------------------------------------
mpl_expect_rc 69 "no make on PATH" env PATH="$MPL_TMP/empty" "${KB[@]}" --tree "$tree" --out "$out"
expect_in "$MPL_TMP/err" "'make' is not installed" "no make: says so"

# ---- make failing: 70 -----------------------------------------------------------
mpl_expect_rc 70 "make failing at tinyconfig" env FAKE_FAIL=tinyconfig "${KB[@]}" --tree "$tree" --out "$out"
expect_in "$MPL_TMP/err" "tinyconfig failed: make exited with 2" "failing tinyconfig: make's exit named"
expect_in "$MPL_TMP/err" "its log is '$out/mptcp-lab-build.log'" "failing tinyconfig: the log named"
expect_in "$MPL_TMP/err" "fake: tinyconfig broke: no kernel here" "failing tinyconfig: the log's last lines shown"
expect_in "$out/mptcp-lab-build.log" "fake: tinyconfig broke" "the log file holds make's output"
mpl_expect_rc 70 "make failing at bzImage" env FAKE_FAIL=bzImage "${KB[@]}" --tree "$tree" --out "$out"
expect_in "$MPL_TMP/err" "make bzImage failed: make exited with 2" "failing bzImage: make's exit named"
expect_in "$MPL_TMP/err" "fake: bzImage broke" "failing bzImage: the log's last lines shown"

# ---- options lost: 65 -----------------------------------------------------------
mpl_expect_rc 65 "olddefconfig dropping options" env FAKE_DROP="NETDEVICES VETH" \
	"${KB[@]}" --tree "$tree" --out "$out"
expect_in "$MPL_TMP/err" "2 options of the fragments did not survive 'make olddefconfig'" "lost: counted"
expect_in "$MPL_TMP/err" "CONFIG_VETH: wanted y, got n (" "lost: VETH named"
expect_in "$MPL_TMP/err" "inside 'if': NETDEVICES (drivers/net/Kconfig:4) is n: NETDEVICES=n" \
	"lost: VETH's unmet condition, where it is and its value"
expect_in "$MPL_TMP/err" "lab.config:" "lost: the fragment's line is named"

# ---- a build that works ---------------------------------------------------------
printf '# mine\nCONFIG_NR_CPUS=4\n' >"$MPL_TMP/mine.config"
mpl_expect_rc 0 "a build" "${KB[@]}" --tree "$tree" --out "$out" --fragment "$MPL_TMP/mine.config" --jobs 3
expect_in "$MPL_TMP/out" "tinyconfig + lab.config + $MPL_TMP/mine.config, olddefconfig" "the fragments in order"
expect_in "$MPL_TMP/out" "release: $rel" "the release line"
expect_in "$MPL_TMP/out" "image: $out/arch/x86/boot/bzImage" "the image line"
expect_in "$MPL_TMP/out" "config: $out/.config" "the config line"
expect_in "$MPL_TMP/out" "2 objects compiled" "the compiled objects counted"
expect_in "$out/mptcp-lab-build.log" "make -C $tree O=$out -j3" "make ran with -j and O= (the log)"
mpl_eq "the user's fragment won over the lab's" "CONFIG_NR_CPUS=4" "$(grep '^CONFIG_NR_CPUS=' "$out/.config")"
expect_in "$out/.config" "CONFIG_NET_SCH_NETEM=y" "the lab's fragment is in .config"
if ls "$out"/.config.mpl-* >/dev/null 2>&1; then mpl_notok "scratch configs left: $(ls "$out"/.config.mpl-*)"
else mpl_ok "no scratch config left"; fi
stamp=$(stat -c %Y.%y "$out/.config")
sleep 1.1
mpl_expect_rc 0 "the same build again" "${KB[@]}" --tree "$tree" --out "$out" --fragment "$MPL_TMP/mine.config"
expect_in "$MPL_TMP/out" "configuration unchanged" "again: says the configuration is unchanged"
mpl_eq "again: .config is untouched (make sees no change)" "$stamp" "$(stat -c %Y.%y "$out/.config")"
printf 'CONFIG_NR_CPUS=2\n' >"$MPL_TMP/mine.config"
mpl_expect_rc 0 "a changed fragment" "${KB[@]}" --tree "$tree" --out "$out" --fragment "$MPL_TMP/mine.config"
mpl_eq "changed: .config has the new value" "CONFIG_NR_CPUS=2" "$(grep '^CONFIG_NR_CPUS=' "$out/.config")"
if grep -q "configuration unchanged" "$MPL_TMP/out"; then mpl_notok "changed: said unchanged"
else mpl_ok "changed: not said unchanged"; fi

# ---- another tree in the same output directory -----------------------------------
ln -s "$tree" "$out/source" 2>/dev/null
cp -r "$tree" "$MPL_TMP/other"
mpl_expect_rc 65 "another tree's output directory" "${KB[@]}" --tree "$MPL_TMP/other" --out "$out"
expect_in "$MPL_TMP/err" "holds the build of another tree" "another tree: says so"
mpl_finish

#!/bin/bash
# kernel_fragment: the lab's kernel fragment against a real tree, Debian's
# linux-source-6.12, with `make olddefconfig` only (no compile):
#
#   - `kernel build --config-only` merges lab.config over tinyconfig and
#     exits 0;
#   - every line of lab.config is in the resulting .config, checked here
#     line by line with grep (not through mptcp-lab's own reader);
#   - a fragment that turns NAMESPACES and NET_CLS_ACT off (over that
#     configuration, --base) loses the options that need them: exit 65,
#     each named with the condition Kconfig gives and its values
#     (NET_NS: NAMESPACES=n; NET_ACT_MIRRED: NET_CLS_ACT=n; IFB:
#     NET_ACT_MIRRED || NFT_FWD_NETDEV), and nothing written to the tree.
#
# The tree is unpacked from /usr/src/linux-source-6.12.tar.xz once into
# $MPL_KSRC_DIR (default /var/tmp/mptcp-lab-ksrc, kept between runs, like
# the kernels of MPL_KERNEL_DIR); skipped when the package is not
# installed (scripts/deps.sh installs it).
# shellcheck source=../lib.sh
. "$(dirname "$0")/../lib.sh"
mpl_setup
command -v make >/dev/null 2>&1 || mpl_skip "'make' is not installed"
command -v gcc >/dev/null 2>&1 || mpl_skip "'gcc' is not installed (tinyconfig builds kconfig's conf)"

pkg=linux-source-6.12
version=$(dpkg-query -W -f='${Version}' "$pkg" 2>/dev/null)
tarball=/usr/src/$pkg.tar.xz
[ -n "$version" ] && [ -r "$tarball" ] ||
	mpl_skip "the Debian package '$pkg' is not installed (scripts/deps.sh installs it)"
cache=${MPL_KSRC_DIR:-/var/tmp/mptcp-lab-ksrc}
tree=$cache/$pkg-$version/$pkg
if [ ! -f "$tree/Makefile" ]; then
	mkdir -p "$cache" || mpl_die "cannot create $cache"
	work=$(mktemp -d "$cache/.unpack-XXXXXX") || mpl_die "cannot create a directory in $cache"
	t=$SECONDS
	tar -xf "$tarball" -C "$work" || { rm -rf "$work"; mpl_die "cannot unpack $tarball"; }
	mv -T "$work" "$cache/$pkg-$version" 2>/dev/null || rm -rf "$work"
	mpl_log "unpacked $tarball into $cache in $((SECONDS - t)) s (kept for the next run)"
fi
[ -f "$tree/Makefile" ] || mpl_die "no tree at $tree"
frag=$MPL_SOURCE_DIR/runner/vm/kconfig/lab.config
out=$MPL_TMP/kbuild

t=$SECONDS
mpl_expect_rc 0 "kernel build --config-only on $pkg $version" \
	"$MPL_BIN" kernel build --tree "$tree" --out "$out" --config-only
mpl_log "configured in $((SECONDS - t)) s"
grep -q "every one kept" "$MPL_TMP/out" && mpl_ok "it says every option was kept" ||
	{ mpl_notok "it does not say every option was kept"; sed 's/^/#   /' "$MPL_TMP/out" "$MPL_TMP/err"; }

# The witness: each line of the fragment, in the .config olddefconfig wrote.
lost=()
n=0
while IFS= read -r line; do
	case $line in
	CONFIG_*=*) grep -qxF -- "$line" "$out/.config" || lost+=("$line") ;;
	"# CONFIG_"*" is not set")
		sym=${line#\# }
		sym=${sym%% *}
		! grep -q "^$sym=" "$out/.config" || lost+=("$line") ;;
	*) continue ;;
	esac
	n=$((n + 1))
done <"$frag"
mpl_eq "every one of the fragment's $n options is in .config (grep)" "" "${lost[*]}"
[ "$n" -ge 90 ] && mpl_ok "the fragment sets $n options" || mpl_notok "the fragment sets only $n options"
mpl_eq "no module support (everything built in)" "" "$(grep '^CONFIG_MODULES=' "$out/.config")"

printf '# CONFIG_NAMESPACES is not set\n# CONFIG_NET_CLS_ACT is not set\n' >"$MPL_TMP/off.config"
cp "$out/.config" "$MPL_TMP/base.config"
mpl_expect_rc 65 "a fragment turning NAMESPACES and NET_CLS_ACT off" \
	"$MPL_BIN" kernel build --tree "$tree" --out "$out" --config-only --base "$MPL_TMP/base.config" \
	--fragment "$MPL_TMP/off.config"
sed 's/^/#   /' "$MPL_TMP/err"
expect() { grep -qF -- "$2" "$MPL_TMP/err" && mpl_ok "$1" || mpl_notok "$1: '$2' not said"; }
expect "NET_NS is named lost" "CONFIG_NET_NS: wanted y, got n"
expect "NET_NS: its enclosing if and NAMESPACES' value" "inside 'if': NAMESPACES (init/Kconfig:"
expect "NET_NS: NAMESPACES=n" "is n: NAMESPACES=n"
expect "NET_ACT_MIRRED is named lost" "CONFIG_NET_ACT_MIRRED: wanted y, got n"
expect "NET_ACT_MIRRED: depends on NET_CLS_ACT" "depends on NET_CLS_ACT (net/sched/Kconfig:"
expect "IFB: its dependency, evaluated, with each symbol's value" \
	"depends on NET_ACT_MIRRED || NFT_FWD_NETDEV (drivers/net/Kconfig:"
expect "IFB: the values" "NET_ACT_MIRRED=n NFT_FWD_NETDEV=n"
mpl_eq "the previous configuration is kept" "" "$(cmp "$out/.config" "$MPL_TMP/base.config" 2>&1)"
[ ! -e "$tree/.config" ] && [ ! -e "$tree/include/config" ] &&
	mpl_ok "nothing written into the tree (no .config, no include/config)" ||
	mpl_notok "the tree was configured in place"
mpl_finish

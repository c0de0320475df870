#!/usr/bin/env bash
# house_figures.sh [REV...]: the layout figures of the source tree at each
# git revision given (default HEAD), read from git itself (no checkout, no
# build), so a "before" and an "after" are measured the same way:
#
#   commands called by commands  calls of a cmd_NAME() function from a .c
#                                file other than its own (the command table
#                                names them without calling them); those
#                                from tests/ and bench/ counted apart
#   cmd_*.c writing HTML         command files that contain an HTML tag
#   libcurl in report/           report/ files that include curl/curl.h
#   largest C file               the longest .c file outside tests/ and
#                                bench/ (lines, wc -l)
#   largest folder               the folder (its own files, not its
#                                subfolders) holding the largest share of
#                                the .c/.h lines outside tests/ and bench/
#
# Example: bench/house_figures.sh 7cb8f37 HEAD (before and after "One
# house"). Needs git and awk.
set -euo pipefail
cd "$(dirname "$0")/.."
[ $# -gt 0 ] || set -- HEAD

# lines REV: "LINES PATH" for every .c/.h file of REV outside tests/ and bench/
lines()
{
	git ls-tree -r --name-only "$1" | grep -E '\.(c|h)$' | grep -Ev '^(tests|bench)/' |
		while read -r f; do
			printf '%s %s\n' "$(git show "$1:$f" | wc -l)" "$f"
		done
}

for rev in "$@"; do
	id=$(git rev-parse --short "$rev")
	echo "== $rev ($id)"
	files=$(git ls-tree -r --name-only "$rev" | grep -E '\.c$' || true)

	# commands called by commands
	calls=0
	detail=""
	tcalls=0
	tdetail=""
	for f in $files; do
		body=$(git show "$rev:$f")
		# every cmd_NAME( in the file that is not the file's own definition
		own=$(printf '%s\n' "$body" | sed -n 's/^int \(cmd_[a-z0-9_]*\)(.*/\1/p' | sort -u)
		used=$(printf '%s\n' "$body" | grep -v '^int cmd_' |
			grep -o '\bcmd_[a-z0-9_]*(' | tr -d '(' | sort -u || true)
		for u in $used; do
			printf '%s\n' "$own" | grep -qx "$u" && continue
			# a cmd_ function that is no command (a helper of the CLI)
			git grep -q "^int $u(int argc, char \*\*argv)" "$rev" -- '*.c' || continue
			n=$(printf '%s\n' "$body" | grep -v '^int cmd_' | grep -c "\b$u(" || true)
			case $f in
			tests/* | bench/*)
				tcalls=$((tcalls + n))
				tdetail="$tdetail $f->$u"
				;;
			*)
				calls=$((calls + n))
				detail="$detail $f->$u"
				;;
			esac
		done
	done
	echo "commands called by commands: $calls${detail:+ (${detail# })}"
	echo "commands called by tests and benchmarks: $tcalls${tdetail:+ (${tdetail# })}"

	html=0
	hdetail=""
	for f in $(printf '%s\n' "$files" | grep -E '(^|/)cmd_[a-z0-9_]*\.c$' || true); do
		if git show "$rev:$f" | grep -qE '<(html|table|div|svg|h[1-3])[ >]'; then
			html=$((html + 1))
			hdetail="$hdetail $f ($(git show "$rev:$f" | wc -l) lines)"
		fi
	done
	echo "cmd_*.c writing HTML: $html${hdetail:+ (${hdetail# })}"

	curl=$(git grep -l '#include <curl/curl.h>' "$rev" -- 'report/*' 2>/dev/null |
		sed "s/^$rev://" | tr '\n' ' ' || true)
	echo "libcurl in report/: ${curl:-none}"

	lines "$rev" >"${TMPDIR:-/tmp}/house_figures.$$"
	grep -E '\.c$' "${TMPDIR:-/tmp}/house_figures.$$" | sort -rn | head -n 3 |
		awk 'NR == 1 { printf "largest C file: %s (%d lines); next:", $2, $1 }
		     NR > 1 { printf " %s (%d)", $2, $1 } END { print "" }'
	awk '{ n = split($2, p, "/"); d = n > 1 ? substr($2, 1, length($2) - length(p[n]) - 1) : ".";
	       by[d] += $1; total += $1 }
	     END { for (d in by) if (by[d] > best) { best = by[d]; top = d }
		   printf "largest folder: %s/ %d of %d lines (%.1f %%)\n", top, best, total,
			  100 * best / total }' "${TMPDIR:-/tmp}/house_figures.$$"
	rm -f "${TMPDIR:-/tmp}/house_figures.$$"
done

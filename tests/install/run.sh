#!/usr/bin/env bash
# SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
# `make install-test` (part of `make test`): install into a temporary
# DESTDIR with PREFIX=/usr and check the exact tree and modes, that the man
# page renders without a warning, that the bash completion parses and
# completes; then `make uninstall` must leave no file behind.  Needs no
# root; needs groff and man (scripts/install-deps.sh installs them).
# Any failure is one line on stderr and exit status 1.
set -euo pipefail
cd "$(dirname "$0")/../.."
MAKE=${MAKE:-make}

fail()
{
	echo "install-test: $*" >&2
	exit 1
}
trap 'fail "unexpected failure at line $LINENO"' ERR

for tool in groff man bash install; do
	command -v "$tool" >/dev/null 2>&1 ||
		fail "$tool not found; install it with: sudo scripts/install-deps.sh"
done

tmp=$(mktemp -d "${TMPDIR:-/tmp}/ipctrace-install.XXXXXX")
trap 'rm -rf "$tmp"' EXIT
dest=$tmp/root
bin=$dest/usr/sbin/ipctrace
man=$dest/usr/share/man/man8/ipctrace.8
comp=$dest/usr/share/bash-completion/completions/ipctrace

# one line: the last line the failed command printed
last_line() { grep -v '^[[:space:]]*$' "$1" | tail -n 1; }

# --- install ------------------------------------------------------------
"$MAKE" --no-print-directory install DESTDIR="$dest" PREFIX=/usr >"$tmp/install.log" 2>&1 ||
	fail "make install DESTDIR=... PREFIX=/usr failed: $(last_line "$tmp/install.log")"

expected='.
./usr
./usr/sbin
./usr/sbin/ipctrace
./usr/share
./usr/share/bash-completion
./usr/share/bash-completion/completions
./usr/share/bash-completion/completions/ipctrace
./usr/share/man
./usr/share/man/man8
./usr/share/man/man8/ipctrace.8'
tree=$(cd "$dest" && find . | LC_ALL=C sort)
[[ $tree == "$expected" ]] ||
	fail "installed tree differs: $(diff <(echo "$expected") <(echo "$tree") | grep '^[<>]' | tr '\n' ' ')"

check_file()
{
	local path=$1 mode=$2 src=$3 got
	got=$(stat -c '%a %F' "$path")
	[[ $got == "$mode regular file" ]] || fail "${path#"$dest"}: '$got', expected mode $mode, a regular file"
	cmp -s "$path" "$src" || fail "${path#"$dest"} differs from $src"
}
check_file "$bin" 755 ipctrace
check_file "$man" 644 docs/ipctrace.8
check_file "$comp" 644 completion/ipctrace

"$bin" --help >"$tmp/help" 2>&1 || fail "installed ipctrace --help failed: $(last_line "$tmp/help")"

# --- the man page -------------------------------------------------------
# groff -ww is the strict check: every warning counts.
groff -man -ww -z "$man" >"$tmp/groff.err" 2>&1 ||
	fail "groff -man -ww failed on the man page: $(last_line "$tmp/groff.err")"
[[ ! -s $tmp/groff.err ]] || fail "groff -man -ww warns: $(head -n 1 "$tmp/groff.err")"
# man itself, with every troff warning on (MANROFFOPT), no pager
MANPAGER=cat PAGER=cat MANWIDTH=80 MANROFFOPT=-ww LC_ALL=C.UTF-8 \
	man -l "$man" >"$tmp/man.out" 2>"$tmp/man.err" ||
	fail "man -l failed on the installed page: $(last_line "$tmp/man.err")"
[[ ! -s $tmp/man.err ]] || fail "man -l warns: $(head -n 1 "$tmp/man.err")"
for want in NAME SYNOPSIS DESCRIPTION OPTIONS 'OUTPUT FORMATS' MECHANISMS ENVIRONMENT \
	'EXIT STATUS' FILES EXAMPLES BUGS 'SEE ALSO'; do
	grep -q "^$want\$" "$tmp/man.out" || fail "man -l output has no $want section"
done
grep -q '^ *ipctrace - show which processes talk' "$tmp/man.out" ||
	fail "man -l output has no NAME line"
# every option of --help is documented
for opt in $(grep -oE '(^|[ ,])--?[a-z][a-z-]*' "$tmp/help" | tr -d ' ,' | sort -u); do
	grep -qE "(^|[ ,])$opt([ ,]|\$)" "$tmp/man.out" || fail "the man page does not document $opt"
done

# --- the bash completion ------------------------------------------------
bash -n "$comp" 2>"$tmp/bash.err" || fail "the completion does not parse: $(last_line "$tmp/bash.err")"
got=$(bash --norc --noprofile -c 'source "$1" && complete -p ipctrace' _ "$comp" 2>&1) ||
	fail "sourcing the completion failed: $got"
[[ $got == 'complete -F _ipctrace ipctrace' ]] || fail "the completion defines '$got'"

# Complete in a fresh bash, plain and (when installed) with bash-completion;
# the words are checked against what the installed binary accepts.
cat >"$tmp/complete.sh" <<'EOF'
bc=$1 comp=$2 bin=$3
if [[ -n $bc ]]; then
	source "$bc" || exit 1
fi
source "$comp" || exit 1
# comp WORD...: the completions of the last word, one per line
comp()
{
	COMP_WORDS=("$@")
	COMP_CWORD=$(($# - 1))
	COMP_LINE="$*"
	COMP_POINT=${#COMP_LINE}
	COMPREPLY=()
	_ipctrace "$1" "${COMP_WORDS[COMP_CWORD]}" "${COMP_WORDS[COMP_CWORD - 1]}"
	printf '%s\n' "${COMPREPLY[@]}"
}
die() { echo "$*"; exit 1; }
has() { grep -qx -- "$1" <<<"$2" || die "$3: '$1' not offered"; }

out=$(comp "$bin" -f '')
for f in table json dot; do has "$f" "$out" "-f"; done
for f in $out; do
	"$bin" -f "$f" --help >/dev/null 2>&1 || die "-f offers '$f', which ipctrace refuses"
done
out=$(comp "$bin" --mech '')
for m in pipe fifo unix tcp udp mq msg shm sem futex signal all; do has "$m" "$out" "-m"; done
for m in $out; do
	"$bin" -m "$m" --help >/dev/null 2>&1 || die "-m offers '$m', which ipctrace refuses"
done
out=$(comp "$bin" -m pipe,u)
has pipe,unix "$out" "-m pipe,u"
has pipe,udp "$out" "-m pipe,u"
out=$(comp "$bin" --)
for o in --format --interval --duration --pid --comm --mech --output --full --retention \
	--map-entries --check --help; do
	has "$o" "$out" "--"
done
for o in $out; do
	[[ $o == -- ]] && continue
	grep -qE "(^|[ ,])$o([ ,]|\$)" <("$bin" --help) || die "offers $o, which --help does not list"
done
has "$$" "$(comp "$bin" -p '')" "-p"
has "1,$$" "$(comp "$bin" --pid "1,$$")" "--pid 1,"
out=$(cd "${comp%/*}" && comp "$bin" -o ipct)
has ipctrace "$out" "-o"
has bash "$(comp "$bin" -f json -- bas)" "the command after --"
true
EOF
bcs=('')
for bc in /usr/share/bash-completion/bash_completion; do
	[[ -r $bc ]] && bcs+=("$bc")
done
for bc in "${bcs[@]}"; do
	out=$(cd "$tmp" && bash --norc --noprofile "$tmp/complete.sh" "$bc" "$comp" "$bin" 2>&1) ||
		fail "completion${bc:+ with bash-completion}: $(tail -n 1 <<<"$out")"
done

# --- uninstall ----------------------------------------------------------
"$MAKE" --no-print-directory uninstall DESTDIR="$dest" PREFIX=/usr >"$tmp/uninstall.log" 2>&1 ||
	fail "make uninstall DESTDIR=... PREFIX=/usr failed: $(last_line "$tmp/uninstall.log")"
left=$(cd "$dest" && find . ! -type d)
[[ -z $left ]] || fail "make uninstall left: $(tr '\n' ' ' <<<"$left")"

echo "install-test: ok (install, man page, completion, uninstall)"

#!/bin/sh
# SPDX-License-Identifier: MIT
# man.sh - the manual pages are valid roff and match the code
#
# Lints each page with groff (warnings are failures) and mandoc.  Then
# checks, both ways, that:
#  - the options of tunnat(8)'s OPTIONS are those of usage() in src/main.c,
#    which are those of its getopt_long() table and option string;
#  - the keys documented in tunnat.yaml(5) (".TP/.B key" items and the
#    section headings) are the keys the parser accepts: the string tables
#    src/conf/conf.c passes to map_scan(), which is how it matches keys;
#  - tunnat -t accepts the full example of tunnat.yaml(5), which holds
#    every documented key, and the shipped etc/tunnat.yaml;
#  - the options of tunnatctl(8)'s OPTIONS and COMMANDS are those of
#    usage() in src/tunnatctl.c and of its getopt_long() tables and option
#    strings, and its commands those of its command table;
#  - the bash completion offers every command and option of tunnatctl;
#  - every drop-REASON (drops/REASON) counter the pages name is one the
#    engine has.

set -eu
TOP_SRCDIR=${TOP_SRCDIR:-$(cd "$(dirname "$0")/.." && pwd)}
TOP_BUILDDIR=${TOP_BUILDDIR:-$TOP_SRCDIR}
TUNNAT=${TUNNAT:-$TOP_BUILDDIR/src/tunnat}
LC_ALL=C	# one collation for sort and comm
export LC_ALL
FAILED=0

# skip MESSAGE: automake's SKIP, or an ERROR where skips are not allowed
# (TUNNAT_NO_SKIP set to anything but "" or 0, as in CI)
skip() {
	if [ "${TUNNAT_NO_SKIP:-0}" != 0 ]; then
		echo "ERROR: would skip ($*), but TUNNAT_NO_SKIP is set"
		exit 99
	fi
	echo "SKIP: $*"
	exit 77
}

command -v groff >/dev/null 2>&1 || skip "groff missing"
if ! command -v mandoc >/dev/null 2>&1; then
	[ "${TUNNAT_NO_SKIP:-0}" = 0 ] ||
		skip "mandoc missing (its lint is part of this test)"
	echo "SKIP: mandoc lint (mandoc missing)"
fi

for page in "$TOP_BUILDDIR/man/tunnat.8" "$TOP_BUILDDIR/man/tunnatctl.8" \
	"$TOP_SRCDIR/man/tunnat.yaml.5"; do
	out=$(groff -man -ww -z "$page" 2>&1)
	if [ -n "$out" ]; then
		echo "FAIL: groff warns about $page:"
		echo "$out" | sed 's/^/    | /'
		FAILED=$((FAILED + 1))
	else
		echo "PASS: groff accepts $(basename "$page")"
	fi
	if command -v mandoc >/dev/null 2>&1; then
		out=$(mandoc -T lint -W warning "$page" 2>&1 || true)
		if [ -n "$out" ]; then
			echo "FAIL: mandoc warns about $page:"
			echo "$out" | sed 's/^/    | /'
			FAILED=$((FAILED + 1))
		else
			echo "PASS: mandoc accepts $(basename "$page")"
		fi
	fi
done

WORK=$(mktemp -d /tmp/tunnat-man.XXXXXX)
trap 'rm -rf "$WORK"' EXIT

fail() {
	echo "FAIL: $*"
	FAILED=$((FAILED + 1))
}

# same WHAT A B: files A and B (sorted lists) hold the same lines; else
# name what is only in one of them
same() {
	if cmp -s "$2" "$3"; then
		echo "PASS: $1: $(tr '\n' ' ' <"$2")"
		return
	fi
	fail "$1"
	comm -23 "$2" "$3" | sed "s/^/    only in $(basename "$2"): /"
	comm -13 "$2" "$3" | sed "s/^/    only in $(basename "$3"): /"
}

# nonempty WHAT FILE MUST...: an extraction found something, including
# each of MUST; else it no longer understands its source
nonempty() {
	what=$1
	file=$2
	shift 2
	for want in "$@"; do
		grep -qx -- "$want" "$file" ||
			fail "$what: \"$want\" not found (is the extraction broken?)"
	done
	[ -s "$file" ] || fail "$what: nothing found"
}

# roff_section PAGE NAME: the lines of section .SH NAME
roff_section() {
	awk -v name="$2" '
		/^\.SH / { on = ($0 == ".SH " name); next }
		on' "$1"
}

# --- options: tunnat(8) OPTIONS, usage(), getopt_long() ---------------------
page8=$TOP_BUILDDIR/man/tunnat.8
main_c=$TOP_SRCDIR/src/main.c

# each option as "-c --config", from the .TP items of OPTIONS
roff_section "$page8" OPTIONS | sed 's/\\-/-/g' |
	sed -n 's/^\.BR* \(-[A-Za-z]\) ", " \(--[a-z][a-z-]*\).*/\1 \2/p' |
	sort >"$WORK/man-options"
# from usage(): its lines "  -c, --config FILE  ..."
sed -n '/^static void usage(/,/^}/p' "$main_c" |
	sed -n 's/^[[:space:]]*"  \(-[A-Za-z]\), \(--[a-z][a-z-]*\).*/\1 \2/p' |
	sort >"$WORK/usage-options"
# from the getopt_long() table: { "config", required_argument, NULL, 'c' }
sed -n "s/^[[:space:]]*{ \"\([a-z][a-z-]*\)\",.*'\([A-Za-z]\)' },*\$/-\2 --\1/p" \
	"$main_c" | sort >"$WORK/getopt-options"
# and the short options of getopt_long()'s option string
optstring=$(sed -n 's/.*getopt_long(argc, argv, "\([^"]*\)".*/\1/p' "$main_c")
printf '%s\n' "$optstring" | tr -d ':' | fold -w 1 | sed 's/^/-/' |
	sort >"$WORK/optstring-options"
cut -d' ' -f1 "$WORK/getopt-options" | sort >"$WORK/getopt-short"

nonempty "options in tunnat(8)" "$WORK/man-options" "-c --config" \
	"-t --check-config"
nonempty "options in usage()" "$WORK/usage-options" "-c --config" \
	"-t --check-config"
nonempty "getopt_long() table" "$WORK/getopt-options" "-c --config"
nonempty "getopt_long() option string" "$WORK/optstring-options" "-c"
same "tunnat(8) OPTIONS and usage() list the same options" \
	"$WORK/man-options" "$WORK/usage-options"
same "usage() lists the options getopt_long() takes" \
	"$WORK/usage-options" "$WORK/getopt-options"
same "getopt_long()'s table and option string agree" \
	"$WORK/getopt-short" "$WORK/optstring-options"

# --- configuration keys: tunnat.yaml(5) and the example ------------------
# (That the page documents exactly the keys of the parser's table, both
# ways and with dotted names, is check_conf's test_man_page.)
page5=$TOP_SRCDIR/man/tunnat.yaml.5

# The page: the ".TP" + ".B key" items and the words of the .SS headings,
# from the first .SS to the next .SH (the key sections)
awk '/^\.SS / { on = 1 } on && /^\.SH / { exit } on' "$page5" |
	sed 's/\\-/-/g' >"$WORK/keysections"
awk 'prev == ".TP" && /^\.B [a-z][a-z-]*$/ { print $2 } { prev = $0 }' \
	"$WORK/keysections" | sort -u >"$WORK/items"
sed -n 's/^\.SS //p' "$WORK/keysections" | tr ' ' '\n' | grep -vx and |
	sort -u >"$WORK/headings"
sort -u "$WORK/items" "$WORK/headings" >"$WORK/documented-keys"
nonempty "keys documented in tunnat.yaml(5)" "$WORK/documented-keys" \
	inside nat alg tcp-established router-address max-calls-per-server level

# The page's full example is valid and holds every documented key, so
# each is accepted where the page puts it.  So is the shipped file.
roff_section "$page5" EXAMPLES |
	awk '/^\.EX$/ { n++; on = (n == 1); next } /^\.EE$/ { on = 0 } on' |
	sed -e 's/\\-/-/g' -e 's/\\(dq/"/g' -e 's/\\e/\\/g' \
	>"$WORK/example.yaml"
if timeout 10 "$TUNNAT" -t -c "$WORK/example.yaml" >"$WORK/out" 2>&1; then
	echo "PASS: tunnat -t accepts the example of tunnat.yaml(5)"
else
	fail "tunnat -t rejects the example of tunnat.yaml(5):"
	sed 's/^/    | /' "$WORK/out"
	sed 's/^/    : /' "$WORK/example.yaml"
fi
sed 's/#.*//' "$WORK/example.yaml" | grep -o '[a-z][a-z-]*:' | tr -d : |
	sort -u >"$WORK/example-keys"
missing=$(comm -23 "$WORK/documented-keys" "$WORK/example-keys" | tr '\n' ' ')
if [ -z "$missing" ]; then
	echo "PASS: the example of tunnat.yaml(5) sets every documented key"
else
	fail "the example of tunnat.yaml(5) does not set: $missing"
fi
if timeout 10 "$TUNNAT" -t -c "$TOP_SRCDIR/etc/tunnat.yaml" \
	>"$WORK/out" 2>&1; then
	echo "PASS: tunnat -t accepts etc/tunnat.yaml"
else
	fail "tunnat -t rejects etc/tunnat.yaml:"
	sed 's/^/    | /' "$WORK/out"
fi

# --- tunnatctl(8): options and commands -------------------------------------
pagectl=$TOP_BUILDDIR/man/tunnatctl.8
ctl_c=$TOP_SRCDIR/src/tunnatctl.c

# "-s --socket" for an option with both forms, "--json" for a long one
{ roff_section "$pagectl" OPTIONS; roff_section "$pagectl" COMMANDS; } |
	sed 's/\\-/-/g' |
	sed -n -e 's/^\.BR* \(-[A-Za-z]\) ", " \(--[a-z][a-z-]*\).*/\1 \2/p' \
	       -e 's/^\.BI* \(--[a-z][a-z-]*\).*/\1/p' |
	sort -u >"$WORK/ctl-man-options"
sed -n '/^static void usage(/,/^}/p' "$ctl_c" |
	sed -n -e 's/^[[:space:]]*"  \(-[A-Za-z]\), \(--[a-z][a-z-]*\).*/\1 \2/p' \
	       -e 's/^[[:space:]]*"      \(--[a-z][a-z-]*\).*/\1/p' |
	sort -u >"$WORK/ctl-usage-options"
sed -n -e "s/^[[:space:]]*{ \"\([a-z][a-z-]*\)\",.*'\([A-Za-z]\)' },*\$/-\2 --\1/p" \
       -e 's/^[[:space:]]*{ "\([a-z][a-z-]*\)",.*NULL, OPT_[A-Z_]* },*$/--\1/p' \
	"$ctl_c" | sort -u >"$WORK/ctl-getopt-options"
sed -n 's/.*getopt_long([^"]*"\([^"]*\)".*/\1/p' "$ctl_c" | tr -d ':+' |
	fold -w 1 | sed 's/^/-/' | sort -u >"$WORK/ctl-optstring-options"
grep '^-' "$WORK/ctl-getopt-options" | cut -d' ' -f1 | grep -v '^--' |
	sort -u >"$WORK/ctl-getopt-short"
nonempty "options in tunnatctl(8)" "$WORK/ctl-man-options" "-s --socket" \
	"-p --protocol" "--json" "--prometheus" "--limit"
nonempty "options in tunnatctl's usage()" "$WORK/ctl-usage-options" \
	"-s --socket" "--inside"
nonempty "tunnatctl's getopt_long() tables" "$WORK/ctl-getopt-options" \
	"-s --socket" "--inside"
same "tunnatctl(8) and its usage() list the same options" \
	"$WORK/ctl-man-options" "$WORK/ctl-usage-options"
same "tunnatctl's usage() lists the options its getopt_long() takes" \
	"$WORK/ctl-usage-options" "$WORK/ctl-getopt-options"
same "tunnatctl's getopt_long() tables and option strings agree" \
	"$WORK/ctl-getopt-short" "$WORK/ctl-optstring-options"

# the commands: the .TP items of COMMANDS, usage()'s, the command table
roff_section "$pagectl" COMMANDS |
	awk 'prev == ".TP" && /^\.B [a-z]+$/ { print $2 } { prev = $0 }' |
	sort -u >"$WORK/ctl-man-commands"
sed -n '/^static void usage(/,/^}/p' "$ctl_c" |
	sed -n 's/^[[:space:]]*"  \([a-z][a-z]*\)[ \\].*/\1/p' |
	sort -u >"$WORK/ctl-usage-commands"
sed -n 's/^[[:space:]]*{ "\([a-z]*\)", CTL_CMD_.*/\1/p' "$ctl_c" |
	sort -u >"$WORK/ctl-table-commands"
nonempty "commands in tunnatctl(8)" "$WORK/ctl-man-commands" sessions \
	stats flush reload config
same "tunnatctl(8) documents the commands of its usage()" \
	"$WORK/ctl-man-commands" "$WORK/ctl-usage-commands"
same "tunnatctl's usage() lists the commands of its table" \
	"$WORK/ctl-usage-commands" "$WORK/ctl-table-commands"

# the bash completion: every command, and every option after the command
# that takes it (and the global ones before any)
completion=$TOP_SRCDIR/contrib/completion/tunnatctl
if command -v bash >/dev/null 2>&1; then
	bash -c '. "$1"; shift
		 for cmd in "" "$@"; do
			COMP_WORDS=(tunnatctl $cmd "")
			COMP_CWORD=$((${#COMP_WORDS[@]} - 1))
			_tunnatctl
			printf "%s\n" "${COMPREPLY[@]}"
		 done' sh "$completion" $(cat "$WORK/ctl-man-commands") | grep . |
		sort -u >"$WORK/ctl-completion"
	tr ' ' '\n' <"$WORK/ctl-man-options" | cat - "$WORK/ctl-man-commands" |
		sort -u >"$WORK/ctl-words"
	same "the bash completion offers the commands and options of tunnatctl(8)" \
		"$WORK/ctl-words" "$WORK/ctl-completion"
elif [ "${TUNNAT_NO_SKIP:-0}" != 0 ]; then
	fail "bash missing: cannot check the completion"
else
	echo "SKIP: bash completion (bash missing)"
fi

# --- drop counters: every drop-REASON the pages name exists ----------------
sed -n 's/^[[:space:]]*\[DROP_[A-Z0-9_]*\][[:space:]]*=[[:space:]]*"\([a-z0-9-]*\)",$/drop-\1/p' \
	"$TOP_SRCDIR/src/net/ipv4.c" | sort -u >"$WORK/drop-reasons"
nonempty "drop reasons in src/net/ipv4.c" "$WORK/drop-reasons" \
	drop-no-session drop-not-ipv4
cat "$page8" "$page5" "$pagectl" | sed 's/\\-/-/g' |
	grep -o 'drops*[-/][a-z0-9-]*[a-z0-9]' | sed 's|^drops/|drop-|' |
	sort -u >"$WORK/drop-named"
nonempty "drop counters named in the pages" "$WORK/drop-named" \
	drop-no-session
unknown=$(comm -23 "$WORK/drop-named" "$WORK/drop-reasons" | tr '\n' ' ')
if [ -z "$unknown" ]; then
	echo "PASS: every drop counter the pages name exists"
else
	fail "the pages name drop counters the engine does not have: $unknown"
fi

[ "$FAILED" -eq 0 ]

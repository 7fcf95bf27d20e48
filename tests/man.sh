#!/bin/sh
# SPDX-License-Identifier: MIT
# man.sh - the manual pages are valid roff and document every option
#
# Lints each page with groff (warnings are failures) and, if installed,
# mandoc; then checks that every long option in src/main.c appears in
# tunnat(8) and every key of etc/tunnat.yaml in tunnat.yaml(5).

set -eu
TOP_SRCDIR=${TOP_SRCDIR:-$(cd "$(dirname "$0")/.." && pwd)}
TOP_BUILDDIR=${TOP_BUILDDIR:-$TOP_SRCDIR}
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

for page in "$TOP_BUILDDIR/man/tunnat.8" "$TOP_SRCDIR/man/tunnat.yaml.5"; do
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

# every long option of main.c is in tunnat(8)
page8=$(sed 's/\\//g' "$TOP_BUILDDIR/man/tunnat.8")
for opt in $(sed -n 's/^[[:space:]]*{ "\([a-z-]*\)",.*/\1/p' \
	     "$TOP_SRCDIR/src/main.c"); do
	if printf '%s\n' "$page8" | grep -q -- "--$opt"; then
		echo "PASS: tunnat(8) documents --$opt"
	else
		echo "FAIL: tunnat(8) does not document --$opt"
		FAILED=$((FAILED + 1))
	fi
done

# every key of the shipped configuration has an entry in tunnat.yaml(5):
# a ".B key" item or a section heading
documented=$(sed 's/\\//g' "$TOP_SRCDIR/man/tunnat.yaml.5" |
	sed -n -e 's/^\.B \([a-z-]*\)$/\1/p' -e 's/^\.SS //p' | tr ' ' '\n')
for key in $(sed 's/#.*//' "$TOP_SRCDIR/etc/tunnat.yaml" |
	     grep -o '[a-z][a-z-]*:' | tr -d : | sort -u); do
	if printf '%s\n' "$documented" | grep -qx -- "$key"; then
		echo "PASS: tunnat.yaml(5) documents $key"
	else
		echo "FAIL: tunnat.yaml(5) does not document $key"
		FAILED=$((FAILED + 1))
	fi
done

[ "$FAILED" -eq 0 ]

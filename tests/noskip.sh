#!/bin/sh
# SPDX-License-Identifier: MIT
# noskip.sh - with TUNNAT_NO_SKIP set, a test that would skip fails
#
# automake counts a skipped test (status 77) as a success.  CI runs as root
# on Debian 12 with every tool installed, so there a skip is a bug, and
# .ci/run sets TUNNAT_NO_SKIP=1 to make each skip an error (status 99).
# This runs each kind of skip the suite has, once without the variable
# (it must still skip, for a person without root or a tool) and once with
# it (it must be an error):
#  - a lab test (basic.sh, through lib.sh) with a PATH that lacks tcpdump,
#    or as a user other than root;
#  - man.sh with a PATH that lacks groff, systemd.sh with one that lacks
#    systemd-analyze;
#  - cli.sh as a user other than root, which skips its last part.
# It needs no root itself; as root it runs cli.sh as nobody.

set -eu
TOP_SRCDIR=${TOP_SRCDIR:-$(cd "$(dirname "$0")/.." && pwd)}
TOP_BUILDDIR=${TOP_BUILDDIR:-$TOP_SRCDIR}
TUNNAT=${TUNNAT:-$TOP_BUILDDIR/src/tunnat}
WORK=$(mktemp -d /tmp/tunnat-noskip.XXXXXX)
trap 'rm -rf "$WORK"' EXIT
FAILED=0

# bin_with TOOL...: a directory of links to just these tools
bin_with() {
	dir=$(mktemp -d "$WORK/bin.XXXXXX")
	for tool in "$@"; do
		path=$(command -v "$tool") || {
			echo "ERROR: $tool is needed to build the test PATH"
			exit 99
		}
		ln -s "$path" "$dir/$tool"
	done
	echo "$dir"
}

# expect STATUS DESCRIPTION PATTERN COMMAND...: run COMMAND (at most
# 30 s), compare its exit status, and look for PATTERN in its output
expect() {
	want=$1
	desc=$2
	pattern=$3
	shift 3
	set +e
	timeout -k 2 30 "$@" >"$WORK/out" 2>&1
	got=$?
	set -e
	if [ "$got" -eq "$want" ] && grep -q -- "$pattern" "$WORK/out"; then
		echo "PASS: $desc"
	else
		echo "FAIL: $desc: exit status $got (want $want)," \
			"output (want \"$pattern\"):"
		sed 's/^/    | /' "$WORK/out"
		FAILED=$((FAILED + 1))
	fi
}

# A lab test that lacks a tool (or root): basic.sh needs tcpdump.
path=$(bin_with id dirname ip ping sysctl timeout)
if [ "$(id -u)" -eq 0 ]; then
	why="tcpdump not installed"
else
	why="needs root"
fi
expect 77 "basic.sh without tcpdump skips" "^SKIP: $why" \
	env -u TUNNAT_NO_SKIP PATH="$path" TUNNAT="$TUNNAT" \
	TOP_SRCDIR="$TOP_SRCDIR" /bin/sh "$TOP_SRCDIR/tests/lab/basic.sh"
expect 99 "basic.sh without tcpdump fails under TUNNAT_NO_SKIP=1" \
	"^ERROR: would skip ($why" \
	env TUNNAT_NO_SKIP=1 PATH="$path" TUNNAT="$TUNNAT" \
	TOP_SRCDIR="$TOP_SRCDIR" /bin/sh "$TOP_SRCDIR/tests/lab/basic.sh"
expect 77 "TUNNAT_NO_SKIP=0 allows the skip" "^SKIP: $why" \
	env TUNNAT_NO_SKIP=0 PATH="$path" TUNNAT="$TUNNAT" \
	TOP_SRCDIR="$TOP_SRCDIR" /bin/sh "$TOP_SRCDIR/tests/lab/basic.sh"

# man.sh without groff
path=$(bin_with dirname)
expect 77 "man.sh without groff skips" "^SKIP: groff missing" \
	env -u TUNNAT_NO_SKIP PATH="$path" TOP_SRCDIR="$TOP_SRCDIR" \
	TOP_BUILDDIR="$TOP_BUILDDIR" /bin/sh "$TOP_SRCDIR/tests/man.sh"
expect 99 "man.sh without groff fails under TUNNAT_NO_SKIP=1" \
	"^ERROR: would skip (groff missing)" \
	env TUNNAT_NO_SKIP=1 PATH="$path" TOP_SRCDIR="$TOP_SRCDIR" \
	TOP_BUILDDIR="$TOP_BUILDDIR" /bin/sh "$TOP_SRCDIR/tests/man.sh"

# systemd.sh without systemd-analyze
path=$(bin_with dirname)
expect 77 "systemd.sh without systemd-analyze skips" \
	"^SKIP: systemd-analyze missing" \
	env -u TUNNAT_NO_SKIP PATH="$path" TOP_SRCDIR="$TOP_SRCDIR" \
	TOP_BUILDDIR="$TOP_BUILDDIR" /bin/sh "$TOP_SRCDIR/tests/systemd.sh"
expect 99 "systemd.sh without systemd-analyze fails under TUNNAT_NO_SKIP=1" \
	"^ERROR: would skip (systemd-analyze missing" \
	env TUNNAT_NO_SKIP=1 PATH="$path" TOP_SRCDIR="$TOP_SRCDIR" \
	TOP_BUILDDIR="$TOP_BUILDDIR" /bin/sh "$TOP_SRCDIR/tests/systemd.sh"

# cli.sh without root skips its device check.  As root, run it as nobody,
# from copies that nobody can read wherever the tree is.
mkdir "$WORK/cli"
cp "$TOP_SRCDIR/tests/lab/cli.sh" "$TUNNAT" "$WORK/cli/"
as_user=""
if [ "$(id -u)" -eq 0 ]; then
	chmod 755 "$WORK" "$WORK/cli"
	as_user="setpriv --reuid=$(id -u nobody) --regid=$(id -g nobody)"
	as_user="$as_user --clear-groups"
fi
expect 0 "cli.sh as a user skips only its device check" \
	"^SKIP: device check" \
	env -u TUNNAT_NO_SKIP TUNNAT="$WORK/cli/tunnat" \
	$as_user /bin/sh "$WORK/cli/cli.sh"
expect 99 "cli.sh as a user fails under TUNNAT_NO_SKIP=1" \
	"^ERROR: would skip the device check" \
	env TUNNAT_NO_SKIP=1 TUNNAT="$WORK/cli/tunnat" \
	$as_user /bin/sh "$WORK/cli/cli.sh"

[ "$FAILED" -eq 0 ]

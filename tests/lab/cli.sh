#!/bin/sh
# SPDX-License-Identifier: MIT
# cli.sh - the command line: options, exit statuses, config checking
#
# Usage errors exit 64, configuration errors 78 with FILE:LINE:COLUMN
# messages, -t validates without touching anything.  The last part (a bad
# configuration must not create a device) needs root and is skipped without;
# with TUNNAT_NO_SKIP set (to anything but "" or 0) that is an error.

set -eu
TUNNAT=${TUNNAT:-$(cd "$(dirname "$0")/../.." && pwd)/src/tunnat}
WORK=$(mktemp -d /tmp/tunnat-cli.XXXXXX)
trap 'rm -rf "$WORK"' EXIT
FAILED=0

# expect STATUS DESCRIPTION COMMAND...: run, compare the exit status.
# Each of these commands should end at once; one that runs on (tunnat
# accepting what it should refuse, and forwarding) is killed after 10 s
# and fails with status 124.
expect() {
	want=$1
	desc=$2
	shift 2
	set +e
	timeout -k 2 10 "$@" >"$WORK/out" 2>&1
	got=$?
	set -e
	if [ "$got" -eq "$want" ]; then
		echo "PASS: $desc"
	else
		echo "FAIL: $desc: exit status $got, want $want"
		sed 's/^/    | /' "$WORK/out"
		FAILED=$((FAILED + 1))
	fi
}

# output_has PATTERN DESCRIPTION: the last command's output matches
output_has() {
	if grep -q -- "$1" "$WORK/out"; then
		echo "PASS: $2"
	else
		echo "FAIL: $2: no match for \"$1\" in:"
		sed 's/^/    | /' "$WORK/out"
		FAILED=$((FAILED + 1))
	fi
}

cat >"$WORK/good.yaml" <<'YAML'
inside: { device: tnclia0 }
outside: { device: tnclib0 }
nat: { addresses: [203.0.113.1] }
YAML
printf 'inside:\n  device: tnclia0\n  colour: blue\noutside: { device: tnclib0 }\nnat: { addresses: [203.0.113.1] }\n' \
	>"$WORK/bad.yaml"
sed 's/^nat.*/&\nuser: no-such-user-here/' "$WORK/good.yaml" \
	>"$WORK/nouser.yaml"

expect 0 "-V prints the version" "$TUNNAT" -V
output_has "^tunnat [0-9]" "version line"
expect 0 "--help" "$TUNNAT" --help
output_has "Usage: tunnat" "usage text"
output_has "check-config" "usage lists --check-config"
expect 64 "unknown option" "$TUNNAT" --frobnicate
expect 64 "unexpected argument" "$TUNNAT" extra
expect 64 "bad log level" "$TUNNAT" -l loud -c "$WORK/good.yaml"
output_has "unknown log level" "names the bad log level"
expect 0 "-t accepts a valid file" "$TUNNAT" -t -c "$WORK/good.yaml"
output_has "configuration is valid" "-t says so"
expect 78 "-t rejects an unknown key" "$TUNNAT" -t -c "$WORK/bad.yaml"
output_has "bad.yaml:3:3: inside: unknown key \"colour\"" \
	"the error has file, line and column"
expect 78 "-t rejects a missing file" "$TUNNAT" -t -c "$WORK/none.yaml"
output_has "none.yaml" "names the missing file"
expect 78 "-t rejects an unknown user" "$TUNNAT" -t -c "$WORK/nouser.yaml"
output_has "no-such-user-here" "names the unknown user"

if [ "$(id -u)" -eq 0 ]; then
	expect 78 "a bad file stops tunnat before any device" \
		"$TUNNAT" -c "$WORK/bad.yaml"
	if ip link show tnclia0 >/dev/null 2>&1; then
		echo "FAIL: device tnclia0 was created"
		FAILED=$((FAILED + 1))
	else
		echo "PASS: no device was created"
	fi
elif [ "${TUNNAT_NO_SKIP:-0}" != 0 ]; then
	echo "ERROR: would skip the device check (needs root), but TUNNAT_NO_SKIP is set"
	exit 99
else
	echo "SKIP: device check (needs root)"
fi

[ "$FAILED" -eq 0 ]

#!/bin/sh
# SPDX-License-Identifier: MIT
# systemd.sh - contrib/systemd/tunnat.service is a unit systemd accepts
#
# systemd cannot run here (it is not PID 1), so the unit is checked as
# far as that allows:
#  - "systemd-analyze verify" prints nothing about it: no unknown key, no
#    bad value, its commands exist (the unit is made from the template
#    with this build's tunnat and a copy of etc/tunnat.yaml, which the
#    ExecStartPre check must accept);
#  - it holds the settings that make tunnat work as a service: one
#    capability, the TUN device, a dynamic user, no writable /proc/sys
#    needed;
#  - "systemd-analyze security --offline" rates its exposure at most 2.0;
#  - the unit make wrote for this configuration names its paths.
# No root needed.

set -eu
TOP_SRCDIR=${TOP_SRCDIR:-$(cd "$(dirname "$0")/.." && pwd)}
TOP_BUILDDIR=${TOP_BUILDDIR:-$TOP_SRCDIR}
FAILED=0

skip() {
	if [ "${TUNNAT_NO_SKIP:-0}" != 0 ]; then
		echo "ERROR: would skip ($*), but TUNNAT_NO_SKIP is set"
		exit 99
	fi
	echo "SKIP: $*"
	exit 77
}

check() {
	desc=$1
	shift
	if "$@" >"$WORK/out" 2>&1; then
		echo "PASS: $desc"
	else
		echo "FAIL: $desc"
		sed 's/^/    | /' "$WORK/out"
		FAILED=$((FAILED + 1))
	fi
}

command -v systemd-analyze >/dev/null 2>&1 ||
	skip "systemd-analyze missing (Debian package systemd)"
WORK=$(mktemp -d /tmp/tunnat-systemd.XXXXXX)
trap 'rm -rf "$WORK"' EXIT

mkdir -p "$WORK/etc/tunnat"
cp "$TOP_SRCDIR/etc/tunnat.yaml" "$WORK/etc/tunnat/"
sed -e "s|@sbindir@|$TOP_BUILDDIR/src|g" -e "s|@sysconfdir@|$WORK/etc|g" \
	"$TOP_SRCDIR/contrib/systemd/tunnat.service.in" >"$WORK/tunnat.service"
unit=$WORK/tunnat.service

# verify_quiet: systemd-analyze verify succeeds and says nothing
verify_quiet() {
	(cd "$WORK" && systemd-analyze verify --man=no "$unit") \
		>"$WORK/verify.out" 2>&1 || { cat "$WORK/verify.out"; return 1; }
	cat "$WORK/verify.out"
	[ ! -s "$WORK/verify.out" ]
}
check "systemd-analyze verify accepts tunnat.service, silently" verify_quiet

for want in "AmbientCapabilities=CAP_NET_ADMIN" \
	"CapabilityBoundingSet=CAP_NET_ADMIN" "DeviceAllow=/dev/net/tun rw" \
	"DevicePolicy=closed" "DynamicUser=yes" "ProtectKernelTunables=yes" \
	"ExecReload=/bin/kill -HUP \$MAINPID"; do
	check "it sets $want" grep -qxF "$want" "$unit"
done
check_exec() {
	sed -n 's/^ExecStartPre=//p' "$unit" >"$WORK/pre"
	cat "$WORK/pre"
	# shellcheck disable=SC2046
	$(cat "$WORK/pre")
}
check "its ExecStartPre accepts the configuration" check_exec

exposure() {
	score=$(systemd-analyze security --offline=true "$unit" 2>&1 |
		sed -n 's/.*Overall exposure level for [^:]*: \([0-9.]*\).*/\1/p')
	echo "exposure: ${score:-unknown}"
	[ -n "$score" ] && awk -v s="$score" 'BEGIN { exit !(s <= 2.0) }'
}
check "systemd-analyze security rates its exposure 2.0 or less" exposure

built=$TOP_BUILDDIR/contrib/systemd/tunnat.service
check "make wrote contrib/systemd/tunnat.service with its paths" sh -c \
	"grep -q '^ExecStart=/.*/tunnat -c /.*/tunnat/tunnat.yaml\$' '$built' &&
	 ! grep -q '@[a-z]*dir@' '$built'"

[ "$FAILED" -eq 0 ]

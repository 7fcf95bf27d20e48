#!/bin/sh
# SPDX-License-Identifier: MIT
# rootless.sh - a whole lab run by an unprivileged user: labrun --rootless
#
#  (user nobody, no capabilities, no_new_privs)
#    labrun --rootless contrib/containerlab/nat.clab.yml
#      user + network + mount namespace of its own, where it is root:
#        lan 192.168.1.10 -- router (tunnat) 198.51.100.10 -- server
#
# User nobody, with no capability and no_new_privs, runs labrun
# --rootless on nat.clab.yml, which builds the lab inside a user and
# network namespace of its own; labrun runs this script again inside
# ("--check"): ping, TCP and UDP from the LAN host reach the server only as
# the public address, and tunnat, unable to become nobody (no such uid in
# that namespace), stays its root with no capabilities.  Outside, nothing
# may be left: no namespace, no interface.  "Outside" is a namespace of
# the test's own (NS_RTR), so that what others run on this machine at the
# same time cannot disturb the comparison.
#
# The one thing the user needs from the host is read-write access to
# /dev/net/tun.  udev makes it 0666 on most distributions; this machine's
# is 0600, so, as unprivileged.sh does, the user gets a private mount
# namespace whose /dev/net holds a 0666 node (the host's is not touched),
# made by root before the user takes over.  Everything the user runs is
# copied to a directory the user can read.

. "$(dirname "$0")/lib.sh"

PUBLIC=198.51.100.10
SERVER=198.51.100.1

if [ "${1:-}" = --check ]; then
	# inside the lab, as root of the user's own namespace
	lab_begin
	n() {
		node=$1
		shift
		pp "$LAB_PREFIX$node" "$@"
	}
	check "we are root of a user namespace that maps only us" sh -c \
		"[ \$(id -u) -eq 0 ] && [ \$(wc -l </proc/self/uid_map) -eq 1 ] &&
		 ! grep -q '^ *0 *0 ' /proc/self/uid_map"
	check "ping from the LAN host" n lan ping -c 2 -W 2 "$SERVER"
	bg_start tcpsrv "${LAB_PREFIX}server" $PEER tcp-server 5001 \
		"$WORK/tcp.log" 1
	bg_start udpsrv "${LAB_PREFIX}server" $PEER udp-server 5002 \
		"$WORK/udp.log" 2
	wait_for 5 grep -q listening "$WORK/tcp.log" || broken "no TCP server"
	wait_for 5 grep -q listening "$WORK/udp.log" || broken "no UDP server"
	check "TCP from the LAN host" \
		n lan $PEER tcp-client 192.168.1.10 "$SERVER" 5001 100000
	check "UDP from the LAN host" \
		n lan $PEER udp-client 192.168.1.10 "$SERVER" 5002 2
	check "the server saw only $PUBLIC" sh -c \
		"grep -q '^tcp $PUBLIC ' '$WORK/tcp.log' &&
		 [ \$(grep -c '^udp $PUBLIC ' '$WORK/udp.log') -eq 2 ]"
	check "tunnat could not become nobody here, and said so" grep -q \
		"has no uid in this user namespace: staying its root" \
		"$LAB_DIR/tunnat.log"
	check "tunnat runs with no capabilities" grep -q \
		"running as uid 0 gid 0 with no capabilities" "$LAB_DIR/tunnat.log"
	lab_end
fi

lab_begin setpriv unshare mount mknod
/usr/bin/python3 -c "import yaml" 2>/dev/null ||
	skip "python3-yaml not installed (labrun reads YAML)"
NOBODY=$(id -u nobody) || skip "no user nobody"
max=$(cat /proc/sys/user/max_user_namespaces 2>/dev/null || echo 0)
[ "$max" -gt 0 ] || skip "user namespaces are disabled"
if [ -r /proc/sys/kernel/unprivileged_userns_clone ] &&
	[ "$(cat /proc/sys/kernel/unprivileged_userns_clone)" = 0 ]; then
	skip "unprivileged user namespaces are disabled"
fi

# What the user runs, where the user can read it
U=$WORK/user
mkdir -p "$U/src" "$U/contrib/lab" "$U/contrib/containerlab" "$U/tests/lab"
cp "$TUNNAT" "$U/src/tunnat"
cp "$TOP_SRCDIR/contrib/lab/labrun" "$U/contrib/lab/"
cp "$TOP_SRCDIR"/contrib/containerlab/nat.* "$U/contrib/containerlab/"
cp "$TOP_SRCDIR/tests/lab/lib.sh" "$TOP_SRCDIR/tests/lab/peer.py" \
	"$TOP_SRCDIR/tests/lab/rootless.sh" "$U/tests/lab/"
chmod -R a+rX "$WORK"

ns_add "$NS_RTR"
links() {
	ip -n "$NS_RTR" -o link | cut -d: -f2 | sort | tr '\n' ' '
}
before=$(links)
t0=$(date +%s)
rc=0
timeout -k 5 60 ip netns exec "$NS_RTR" \
	unshare --mount --propagation private sh -c '
	mount -t tmpfs -o mode=755 tunnat-dev /dev/net &&
	mknod -m 666 /dev/net/tun c 10 200 &&
	exec setpriv --reuid="$1" --regid="$1" --clear-groups \
		--inh-caps=-all --no-new-privs \
		env TUNNAT="$2/src/tunnat" TOP_SRCDIR="$2" \
		/usr/bin/python3 "$2/contrib/lab/labrun" --rootless \
		--prefix "$3" "$2/contrib/containerlab/nat.clab.yml" \
		-- /bin/sh "$2/tests/lab/rootless.sh" --check' \
	rootless "$NOBODY" "$U" "tn$ID-" || rc=$?
echo "the rootless lab took $(($(date +%s) - t0)) s"
check "user nobody ran the lab, checks passed, tunnat exited with 0" \
	test "$rc" -eq 0
check_not "no namespace of the lab is visible outside" sh -c \
	"ip netns list | grep '^tn$ID-'"
check "no interface was added or removed outside" test "$(links)" = "$before"

lab_end

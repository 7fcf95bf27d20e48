#!/bin/sh
# SPDX-License-Identifier: MIT
# unprivileged.sh - tunnat started without root, with only CAP_NET_ADMIN
#
#  namespace LAN                namespace RTR                namespace WAN
#  192.168.1.10 tin0 <--moved-- tunnat (uid nobody, --moved--> tout0
#  default route                CAP_NET_ADMIN only)          198.51.100.1
#
# This is how a container runs tunnat: a non-root user given CAP_NET_ADMIN
# and the TUN device node.  tunnat creates both devices in its own
# namespace; the test then moves each into its peer's namespace (the open
# file descriptors keep working) and sets addresses and routes there.
# tunnat must drop CAP_NET_ADMIN after setup and forward all the same.
#
# The TUN device node here may be root-only (0600); a container would get a
# usable one.  So tunnat runs in a private mount namespace whose /dev/net is
# a tmpfs holding its own 0666 node: the host's node is not touched.

. "$(dirname "$0")/lib.sh"

lab_begin setpriv unshare mount mknod
NOBODY=$(id -u nobody) || skip "no user nobody"
ns_add "$NS_RTR"
ns_add "$NS_LAN"
ns_add "$NS_WAN"
chmod 755 "$WORK"

cat >"$WORK/tunnat.yaml" <<YAML
inside: { device: tin$ID }
outside: { device: tout$ID }
nat: { addresses: [203.0.113.1] }
user: nobody
YAML
chmod 644 "$WORK/tunnat.yaml"

tunnat_start "$WORK/tunnat.yaml" ip netns exec "$NS_RTR" \
	unshare --mount sh -c '
		mount -t tmpfs -o mode=755 tunnat-dev /dev/net &&
		mknod -m 666 /dev/net/tun c 10 200 &&
		exec setpriv --reuid="$0" --regid="$0" --clear-groups \
			--inh-caps=-all,+net_admin \
			--ambient-caps=-all,+net_admin "$@"' "$NOBODY"

n_rtr ip link set "tin$ID" netns "$NS_LAN"
n_rtr ip link set "tout$ID" netns "$NS_WAN"
n_lan ip addr add 192.168.1.10/24 dev "tin$ID"
n_lan ip link set "tin$ID" up
n_lan ip route add default dev "tin$ID"
n_wan ip addr add 198.51.100.1/24 dev "tout$ID"
n_wan ip link set "tout$ID" up
n_wan ip route add 203.0.113.1/32 dev "tout$ID"

status=/proc/$TUNNAT_PID/status
field() { sed -n "s/^$1:[[:space:]]*//p" "$status" | tr -s '\t ' ' '; }
check "runs as nobody" test "$(field Uid)" = "$NOBODY $NOBODY $NOBODY $NOBODY"
for set in CapInh CapPrm CapEff CapAmb; do
	check "$set is empty" test "$(field $set)" = 0000000000000000
done
check "no_new_privs is set" test "$(field NoNewPrivs)" = 1
check "it said it could not clear the bounding set" \
	grep -q "bounding set is left as it is" "$WORK/tunnat.log"
# nice -10 needs CAP_SYS_NICE, which it lacks: it keeps 0, and says so
check "it said it could not lower its nice value" \
	grep -q "cannot set nice -10 (.*needs CAP_SYS_NICE): it stays 0" \
	"$WORK/tunnat.log"
check "its threads run at nice 0" sh -c \
	"test -z \"\$(awk '\$19 != 0' /proc/$TUNNAT_PID/task/*/stat)\""

check "ping through tunnat" n_lan ping -c 2 -W 2 198.51.100.1
bg_start tcpsrv "$NS_WAN" $PEER tcp-server 5001 "$WORK/tcp.log" 1
wait_for 5 grep -q listening "$WORK/tcp.log" || broken "no TCP server"
check "TCP transfer through tunnat" \
	n_lan $PEER tcp-client 192.168.1.10 198.51.100.1 5001 262144
check "the server saw the public address" grep -q "^tcp 203.0.113.1 " \
	"$WORK/tcp.log"
check "SIGTERM stops tunnat with status 0" tunnat_stop

lab_end

#!/bin/sh
# SPDX-License-Identifier: MIT
# privileges.sh - started as root, tunnat keeps no privilege while it works
#
#  namespace LAN                                        namespace WAN
#  192.168.1.10 tin0 ---fd--> tunnat (uid nobody) --fd--> tout0 198.51.100.1
#
# Once its devices are set up tunnat must run as the configured user, with
# empty effective, permitted, inheritable, ambient and bounding capability
# sets, no supplementary groups and no_new_privs, and still forward.

. "$(dirname "$0")/lib.sh"

lab_begin
ns_add "$NS_LAN"
ns_add "$NS_WAN"
NOBODY=$(id -u nobody) || skip "no user nobody"
NOGROUP=$(id -g nobody)

cat >"$WORK/tunnat.yaml" <<YAML
inside: { device: tin$ID, netns: $NS_LAN, address: 192.168.1.10/24,
          routes: [0.0.0.0/0] }
outside: { device: tout$ID, netns: $NS_WAN, address: 198.51.100.1/24,
           routes: [203.0.113.1/32] }
nat: { addresses: [203.0.113.1] }
user: nobody
YAML

tunnat_start "$WORK/tunnat.yaml"
check "ping through tunnat" n_lan ping -c 1 -W 2 198.51.100.1

status=/proc/$TUNNAT_PID/status
field() { sed -n "s/^$1:[[:space:]]*//p" "$status" | tr -s '\t ' ' '; }
check "uid is nobody" test "$(field Uid)" = "$NOBODY $NOBODY $NOBODY $NOBODY"
check "gid is nobody's group" \
	test "$(field Gid)" = "$NOGROUP $NOGROUP $NOGROUP $NOGROUP"
check "no supplementary groups" test -z "$(field Groups)"
for set in CapInh CapPrm CapEff CapBnd CapAmb; do
	check "$set is empty" test "$(field $set)" = 0000000000000000
done
check "no_new_privs is set" test "$(field NoNewPrivs)" = 1
# nice: -10 by default, set before the drop, in every thread
check "every thread runs at nice -10" sh -c \
	"test -z \"\$(awk '\$19 != -10' /proc/$TUNNAT_PID/task/*/stat)\""
check "it said so" grep -q "scheduling priority: nice -10" "$WORK/tunnat.log"

check "still forwarding after the drop" \
	n_lan ping -c 2 -W 2 -I 192.168.1.10 198.51.100.1
check "SIGTERM stops tunnat with status 0" tunnat_stop

lab_end

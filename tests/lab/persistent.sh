#!/bin/sh
# SPDX-License-Identifier: MIT
# persistent.sh - attach to persistent TUN devices, survive a restart
#
#  namespace LAN                                        namespace WAN
#  192.168.1.10 tin0 (persistent) <--fd-- tunnat --fd--> tout0 (persistent)
#
# The devices are made beforehand with "ip tuntap add"; tunnat is told not
# to create any (create: false).  It must configure them, forward, leave
# them in place with their addresses and routes when it stops, attach again
# on a second start (address and routes already there), exit with status 74
# when one of them is deleted under it, and refuse to start when a device
# it may not create is missing.

. "$(dirname "$0")/lib.sh"

lab_begin
ns_add "$NS_LAN"
ns_add "$NS_WAN"
ip -n "$NS_LAN" tuntap add dev "tin$ID" mode tun
ip -n "$NS_WAN" tuntap add dev "tout$ID" mode tun

cat >"$WORK/tunnat.yaml" <<YAML
inside: { device: tin$ID, netns: $NS_LAN, create: false,
          address: 192.168.1.10/24, routes: [0.0.0.0/0] }
outside: { device: tout$ID, netns: $NS_WAN, create: false,
           address: 198.51.100.1/24, routes: [203.0.113.1/32] }
nat: { addresses: [203.0.113.1] }
YAML

for run in first second; do
	tunnat_start "$WORK/tunnat.yaml"
	check "$run start attached to the persistent devices" \
		grep -q "attached to persistent tin$ID" "$WORK/tunnat.log"
	check "$run start forwards" n_lan ping -c 1 -W 2 198.51.100.1
	check "$run stop exits 0" tunnat_stop
	check "after the $run stop the inside device is still there" \
		ip -n "$NS_LAN" link show "tin$ID"
	check "its address 192.168.1.10/24 is still there" sh -c \
		"ip -n $NS_LAN -4 addr show dev tin$ID |
		 grep -q 'inet 192.168.1.10/24 '"
	check "its default route is still there" sh -c \
		"ip -n $NS_LAN -4 route show exact 0.0.0.0/0 |
		 grep -q 'dev tin$ID'"
	check "the outside device is still there" \
		ip -n "$NS_WAN" link show "tout$ID"
	check "its address 198.51.100.1/24 is still there" sh -c \
		"ip -n $NS_WAN -4 addr show dev tout$ID |
		 grep -q 'inet 198.51.100.1/24 '"
	check "its route to 203.0.113.1/32 is still there" sh -c \
		"ip -n $NS_WAN -4 route show exact 203.0.113.1/32 |
		 grep -q 'dev tout$ID'"
done

# A device tunnat holds cannot be deleted with "ip tuntap del" (busy), but
# "ip link del" deletes it, and then tunnat exits with status 74
tunnat_start "$WORK/tunnat.yaml"
check_not "ip tuntap del cannot delete a device tunnat holds" \
	ip -n "$NS_WAN" tuntap del dev "tout$ID" mode tun
check_not "tunnat is still running 1 s later" \
	wait_for 1 pid_gone "$TUNNAT_PID"
ip -n "$NS_WAN" link del "tout$ID" || broken "cannot delete tout$ID"
check "ip link del tout$ID: tunnat exits with status 74 within 5 s" \
	tunnat_exits 5 74
check "the persistent inside device stays" ip -n "$NS_LAN" link show "tin$ID"

set +e
timeout -k 2 10 "$TUNNAT" -c "$WORK/tunnat.yaml" >"$WORK/missing.log" 2>&1
rc=$?
set -e
check "a missing device it may not create stops it with status 71" \
	test "$rc" -eq 71
check "and says why" grep -q "does not exist .*create is false" \
	"$WORK/missing.log"

lab_end

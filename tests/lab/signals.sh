#!/bin/sh
# SPDX-License-Identifier: MIT
# signals.sh - SIGHUP, SIGINT, and devices that go away while tunnat runs
#
#  namespace LAN                                       namespace WAN
#  host 192.168.1.10                                   server 198.51.100.1
#  tin0 (default route) ---fd--> tunnat 203.0.113.1 --fd--> tout0 (route to
#                                                            203.0.113.1/32)
#
# tunnat is started four times on the same configuration:
#  1. SIGHUP: it reads its configuration again (reload.sh tests what a
#     reload does), says so and goes on forwarding; then SIGINT stops it
#     with status 0 and its devices go.
#  2. and 3. "ip link del" of the inside, then of the outside device: the
#     kernel detaches the device from tunnat's descriptor (poll reports an
#     error; read would fail with EBADFD), and tunnat must exit at once
#     with status 74 (EXIT_DEVICE_LOST), naming the device.
#  4. "ip netns del" of the LAN namespace: that removes only the name.
#     tunnat's open descriptor holds the device and so its namespace, which
#     lives on with its addresses and routes; tunnat goes on forwarding and
#     SIGTERM stops it with status 0.  The test reaches the nameless
#     namespace through tunnat's own descriptor (pidfd_getfd(2), then the
#     TUN device's TUNGETDEVNETNS ioctl): the test holds it only while it
#     runs a command there.

. "$(dirname "$0")/lib.sh"

lab_begin nsenter
ns_add "$NS_LAN"
ns_add "$NS_WAN"

cat >"$WORK/tunnat.yaml" <<YAML
inside: { device: tin$ID, netns: $NS_LAN, address: 192.168.1.10/24,
          routes: [0.0.0.0/0] }
outside: { device: tout$ID, netns: $NS_WAN, address: 198.51.100.1/24,
           routes: [203.0.113.1/32] }
nat: { addresses: [203.0.113.1] }
YAML

# in_tun_netns DEVICE COMMAND...: run COMMAND in the network namespace of
# the TUN device DEVICE that tunnat has open, found through tunnat's own
# descriptor, even when that namespace has no name any more
in_tun_netns() {
	timeout -k 2 20 /usr/bin/python3 - "$TUNNAT_PID" "$@" <<'EOF'
import ctypes, fcntl, os, sys
SYS_PIDFD_GETFD = 438            # the same number on every architecture
TUNGETIFF = 0x800454d2           # _IOR('T', 210, unsigned int)
TUNGETDEVNETNS = 0x54e3          # _IO('T', 227), Linux 5.2
libc = ctypes.CDLL(None, use_errno=True)
pid, dev, cmd = int(sys.argv[1]), sys.argv[2], sys.argv[3:]
pidfd = os.pidfd_open(pid)
for fd in sorted(os.listdir("/proc/%d/fd" % pid), key=int):
    if os.readlink("/proc/%d/fd/%s" % (pid, fd)) != "/dev/net/tun":
        continue
    mine = libc.syscall(SYS_PIDFD_GETFD, pidfd, int(fd), 0)
    if mine < 0:
        sys.exit("pidfd_getfd: %s" % os.strerror(ctypes.get_errno()))
    ifr = fcntl.ioctl(mine, TUNGETIFF, bytes(40))
    if ifr[:16].rstrip(b"\0").decode() != dev:
        os.close(mine)
        continue
    ns = fcntl.ioctl(mine, TUNGETDEVNETNS)
    os.set_inheritable(ns, True)
    os.execvp("nsenter", ["nsenter", "--net=/proc/self/fd/%d" % ns] + cmd)
sys.exit("tunnat has no TUN descriptor for %s" % dev)
EOF
}

# 1. SIGHUP, then SIGINT
tunnat_start "$WORK/tunnat.yaml"
check "ping through tunnat" n_lan ping -c 1 -W 2 198.51.100.1
kill -HUP "$TUNNAT_PID"
check "SIGHUP: reads the configuration again" wait_for 5 grep -q \
	"info: SIGHUP: $WORK/tunnat.yaml: reloaded" "$WORK/tunnat.log"
check_not "SIGHUP: tunnat is still running 1 s later" \
	wait_for 1 pid_gone "$TUNNAT_PID"
check "SIGHUP: still forwarding" n_lan ping -c 2 -W 2 198.51.100.1
check "SIGINT stops tunnat with status 0" tunnat_stop INT
check "SIGINT: it says why it stopped" grep -q "Interrupt: stopping" \
	"$WORK/tunnat.log"
check_not "the inside device is gone" ip -n "$NS_LAN" link show "tin$ID"
check_not "the outside device is gone" ip -n "$NS_WAN" link show "tout$ID"

# 2. and 3. A device deleted while tunnat runs
for side in inside outside; do
	# (not "ns": pp uses that name)
	case $side in
	inside) dev_ns=$NS_LAN dev=tin$ID other_ns=$NS_WAN other=tout$ID ;;
	outside) dev_ns=$NS_WAN dev=tout$ID other_ns=$NS_LAN other=tin$ID ;;
	esac
	tunnat_start "$WORK/tunnat.yaml"
	check "$side: ping through tunnat" n_lan ping -c 1 -W 2 198.51.100.1
	ip -n "$dev_ns" link del "$dev" || broken "cannot delete $dev"
	check "ip link del $dev: tunnat exits with status 74 within 5 s" \
		tunnat_exits 5 74
	check "it logs that $dev failed" grep -q \
		"error: $side: device $dev failed" "$WORK/tunnat.log"
	check "and the status it exits with" grep -q \
		"exiting with status 74" "$WORK/tunnat.log"
	check_not "the device it created on the other side is gone" \
		ip -n "$other_ns" link show "$other"
done

# 4. The LAN namespace deleted while tunnat runs
tunnat_start "$WORK/tunnat.yaml"
check "ping through tunnat" n_lan ping -c 1 -W 2 198.51.100.1
ip netns del "$NS_LAN" || broken "cannot delete $NS_LAN"
check_not "ip netns del: the name is gone" test -e "/run/netns/$NS_LAN"
check_not "tunnat is still running 2 s later" \
	wait_for 2 pid_gone "$TUNNAT_PID"
check "tin$ID lives on in the nameless namespace, with its address" \
	in_tun_netns "tin$ID" sh -c \
	"ip -4 addr show dev tin$ID | grep -q 'inet 192.168.1.10/24 '"
check "and still forwards from there" \
	in_tun_netns "tin$ID" ping -c 2 -W 2 198.51.100.1
check "the WAN still reaches the public address" \
	n_wan ping -c 1 -W 2 203.0.113.1
check "SIGTERM stops tunnat with status 0" tunnat_stop
check_not "the outside device is gone" ip -n "$NS_WAN" link show "tout$ID"

lab_end

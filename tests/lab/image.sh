#!/bin/sh
# SPDX-License-Identifier: MIT
# image.sh - the container image, run by podman as a router node
#
#  namespace LAN            namespace RTR                   namespace WAN
#  192.168.1.10 eth1 ---- eth1 192.168.1.1     198.51.100.2 eth2 ---- eth1
#  default via .1           podman: localhost/tunnat             198.51.100.1
#                           (--network ns:/run/netns/RTR)        server
#
# "make image" builds the image (FROM scratch, statically linked); this
# test tags it for itself, so that a concurrent run elsewhere on the
# machine cannot swap it.  The image must hold only the programs, the
# default configuration and /etc/passwd and /etc/group.  Then a container
# joins the prepared namespace RTR, given --cap-add NET_ADMIN and
# --device /dev/net/tun and nothing more, and routes its links: while it
# forwards, /proc shows it as uid 65534 with empty capability sets; the
# server sees only the public address; podman stop ends it with status 0
# and leaves the links closed.
#
# podman runs here with --runtime runc --cgroup-manager=cgroupfs (crun
# refuses this host's hybrid cgroup layout) and low --ulimit values (the
# host's are above what runc accepts): workarounds for this machine, which
# belong to the test, not to the image.

. "$(dirname "$0")/lib.sh"

PODMAN="podman --runtime runc --cgroup-manager=cgroupfs"
RUN_FLAGS="--ulimit nofile=1024:1024 --ulimit nproc=1024:1024"
TOP_BUILDDIR=${TOP_BUILDDIR:-$TOP_SRCDIR}
PUBLIC=198.51.100.10
SERVER=198.51.100.1

lab_begin podman runc make readelf
IMAGE="localhost/tunnat-test:$ID"
CTR="tunnat-test-$ID"

image_cleanup() {
	status=$?
	set +e
	$PODMAN rm -f -t 2 "$CTR" >/dev/null 2>&1
	podman rmi -f "$IMAGE" >/dev/null 2>&1
	return_status "$status"
	lab_cleanup
}
return_status() {
	return "$1"
}
trap image_cleanup EXIT

t0=$(date +%s)
if ! env -u MAKEFLAGS -u MFLAGS make -C "$TOP_BUILDDIR" image \
	IMAGE="$IMAGE" >"$WORK/image.log" 2>&1; then
	tail -n 30 "$WORK/image.log"
	broken "make image failed"
fi
echo "make image took $(($(date +%s) - t0)) s"

# The image's files, from the image itself
root=$(podman image mount "$IMAGE") || broken "cannot mount $IMAGE"
(cd "$root" && find . ! -type d | sort) >"$WORK/files"
programs=$(cd "$root" && find usr -type f | sort | tr '\n' ' ')
for p in $programs; do
	readelf -l "$root/$p" | grep -q INTERP && echo "$p" >>"$WORK/dynamic"
done
"$TUNNAT" -t -c "$root/etc/tunnat/tunnat.yaml" >"$WORK/default.out" 2>&1 ||
	echo rejected >>"$WORK/default.out"
podman image unmount "$IMAGE" >/dev/null
sed 's/^/    /' "$WORK/files"
check "the image holds tunnat, its configuration and accounts, no more" sh -c \
	"grep -vx -e './etc/group' -e './etc/passwd' \
	   -e './etc/tunnat/tunnat.yaml' -e './usr/sbin/tunnat' \
	   -e './usr/s*bin/tunnatctl' '$WORK/files' | grep . && exit 1;
	 grep -qx './usr/sbin/tunnat' '$WORK/files'"
check "every program in it is static ($programs)" test ! -s "$WORK/dynamic"
check_not "its default configuration is valid" grep -q rejected \
	"$WORK/default.out"
size=$(podman image inspect --format '{{.Size}}' "$IMAGE")
echo "image size: $size bytes"

# The router namespace, prepared as a lab runner would
ns_add "$NS_RTR"
ns_add "$NS_LAN"
ns_add "$NS_WAN"
ip -n "$NS_RTR" link add eth1 type veth peer name eth1 netns "$NS_LAN"
ip -n "$NS_RTR" link add eth2 type veth peer name eth1 netns "$NS_WAN"
ip -n "$NS_RTR" addr add 192.168.1.1/24 dev eth1
ip -n "$NS_RTR" addr add 198.51.100.2/24 dev eth2
ip -n "$NS_LAN" addr add 192.168.1.10/24 dev eth1
ip -n "$NS_WAN" addr add "$SERVER/24" dev eth1
for l in "$NS_RTR eth1" "$NS_RTR eth2" "$NS_LAN eth1" "$NS_WAN eth1"; do
	set -- $l
	ip -n "$1" link set "$2" up
done
ip -n "$NS_LAN" route add default via 192.168.1.1

cat >"$WORK/tunnat.yaml" <<YAML
inside: { device: tin0, links: [eth1] }
outside: { device: tout0, links: [eth2] }
nat: { addresses: [$PUBLIC] }
YAML
chmod 644 "$WORK/tunnat.yaml"

$PODMAN run -d --name "$CTR" $RUN_FLAGS \
	--network "ns:/run/netns/$NS_RTR" \
	--cap-add NET_ADMIN --device /dev/net/tun \
	-v "$WORK/tunnat.yaml:/etc/tunnat/tunnat.yaml:ro" \
	"$IMAGE" >/dev/null || broken "podman run failed"
# ctr_log: what the container said so far, into $WORK/tunnat.log (shown on
# failure by lab_cleanup)
ctr_log() {
	podman logs "$CTR" >"$WORK/tunnat.log" 2>&1
}
wait_for 10 sh -c "podman logs '$CTR' 2>&1 | grep -q 'forwarding between'" ||
	{ ctr_log; broken "tunnat did not start in the container"; }
pid=$(podman inspect --format '{{.State.Pid}}' "$CTR")

check "ping through the container" n_lan ping -c 2 -W 2 "$SERVER"
bg_start tcpsrv "$NS_WAN" $PEER tcp-server 5001 "$WORK/tcp.log" 1
bg_start udpsrv "$NS_WAN" $PEER udp-server 5002 "$WORK/udp.log" 3
wait_for 5 grep -q listening "$WORK/tcp.log" || broken "no TCP server"
wait_for 5 grep -q listening "$WORK/udp.log" || broken "no UDP server"
check "TCP through the container" \
	n_lan $PEER tcp-client 192.168.1.10 "$SERVER" 5001 262144
check "UDP through the container" \
	n_lan $PEER udp-client 192.168.1.10 "$SERVER" 5002 3
check "the server saw only $PUBLIC" sh -c \
	"grep -q '^tcp $PUBLIC ' '$WORK/tcp.log' &&
	 [ \$(grep -c '^udp $PUBLIC ' '$WORK/udp.log') -eq 3 ]"

# While it forwards: who it is, from the host's /proc
status=/proc/$pid/status
field() { sed -n "s/^$1:[[:space:]]*//p" "$status" | tr -s '\t ' ' '; }
check "it runs as uid 65534" test "$(field Uid)" = "65534 65534 65534 65534"
check "with gid 65534" test "$(field Gid)" = "65534 65534 65534 65534"
for set in CapInh CapPrm CapEff CapBnd CapAmb; do
	check "$set is empty" test "$(field $set)" = 0000000000000000
done
check "no_new_privs is set" test "$(field NoNewPrivs)" = 1
check "still forwarding" n_lan ping -c 1 -W 2 "$SERVER"
check "tunnatctl in the container lists the TCP and UDP sessions" sh -c \
	"podman exec '$CTR' /usr/sbin/tunnatctl sessions >'$WORK/sessions' &&
	 grep -q '^tcp .*$SERVER:5001' '$WORK/sessions' &&
	 grep -q '^udp .*$SERVER:5002' '$WORK/sessions'"

$PODMAN stop -t 10 "$CTR" >/dev/null
ctr_log
check "podman stop ends it with status 0" test \
	"$(podman inspect --format '{{.State.ExitCode}}' "$CTR")" = 0
check_not "after it stopped, nothing passes" n_lan ping -c 1 -W 1 "$SERVER"

lab_end

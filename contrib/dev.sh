#!/bin/sh
# SPDX-License-Identifier: MIT
# dev.sh - install what tunnat needs, build it, then demo or test it
#
#   contrib/dev.sh demo       install, build, run the container lab demos
#   contrib/dev.sh check      install, build, run the whole test suite
#   contrib/dev.sh distcheck  install, build, check the release tarball
#   contrib/dev.sh bench      install, build, run make bench (minutes)
#   contrib/dev.sh fuzz-smoke install, build, run each fuzz harness briefly
#   contrib/dev.sh sanitizers install, then build a copy of the release
#                             tarball with --enable-sanitizers in
#                             build-sanitizers/ and run its test suite
#                             (make check-sanitized: all but ctlstress.sh)
#   contrib/dev.sh valgrind   install, build, run make check-valgrind
#   contrib/dev.sh build      install and build only
#
# Debian 12, as root.  Every step is skipped when already done: packages
# are installed only if missing, ./configure runs only once, make is
# incremental.

set -eu
cd "$(dirname "$0")/.."

# Build, then every tool a test needs (lab_begin's lists, man.sh), so that
# no test skips: CI (.ci/run) fails on a skip.  podman and runc build and
# run the container image (tests/lab/image.sh); binutils has readelf;
# python3-yaml reads the lab topologies (contrib/lab/labrun); systemd
# has systemd-analyze, which checks contrib/systemd/tunnat.service.  coreutils (timeout, mknod)
# is essential; mount is not, and the tests mount tmpfs and devpts.  clang
# and libclang-rt-14-dev (libFuzzer) build the fuzz harnesses; valgrind
# runs make check-valgrind.
PACKAGES="gcc make autoconf automake libtool pkg-config libuv1-dev \
libyaml-dev libcap-ng-dev liburing-dev check iproute2 iputils-ping python3 tcpdump \
groff-base mandoc util-linux mount procps iperf3 ethtool pptpd \
pptp-linux nftables podman runc binutils python3-yaml systemd traceroute \
iputils-tracepath python3-scapy clang libclang-rt-14-dev valgrind"

deps() {
	missing=""
	for p in $PACKAGES; do
		dpkg-query -W -f='${Status}\n' "$p" 2>/dev/null |
			grep -q "install ok installed" || missing="$missing $p"
	done
	[ -n "$missing" ] || return 0
	if [ "$(id -u)" -ne 0 ]; then
		echo "dev.sh: missing packages:$missing (run as root to install)" >&2
		exit 1
	fi
	echo "dev.sh: installing$missing"
	apt-get update -qq
	DEBIAN_FRONTEND=noninteractive apt-get install -y -qq \
		--no-install-recommends $missing >/dev/null
}

build() {
	deps
	[ -x configure ] || ./autogen.sh
	[ -f Makefile ] || ./configure --enable-werror --sysconfdir=/etc
	make -j"$(nproc)"
}

case "${1:-}" in
build)
	build
	;;
demo)
	build
	exec contrib/lab/demo.sh
	;;
check)
	build
	make -j"$(nproc)" check
	;;
distcheck)
	build
	make -j"$(nproc)" distcheck
	;;
bench)
	build
	make bench
	;;
fuzz-smoke)
	build
	make fuzz-smoke
	;;
sanitizers)
	# A copy, so that the main build and distcheck stay as they are:
	# the tree is configured in place, which rules out a VPATH build.
	build
	rm -rf build-sanitizers
	mkdir build-sanitizers
	make dist-gzip
	tarball=$(ls -t tunnat-*.tar.gz | head -n 1)
	tar xzf "$tarball" -C build-sanitizers
	(
		cd build-sanitizers/"${tarball%.tar.gz}"
		./configure --enable-werror --enable-sanitizers \
			--sysconfdir=/etc
		make -j"$(nproc)"
		make -j"$(nproc)" check-sanitized
	)
	;;
valgrind)
	build
	make check-valgrind
	;;
*)
	echo "usage: $0 demo|check|distcheck|bench|fuzz-smoke|sanitizers|valgrind|build" >&2
	exit 64
	;;
esac

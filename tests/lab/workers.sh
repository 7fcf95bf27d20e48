#!/bin/sh
# SPDX-License-Identifier: MIT
# workers.sh - the scenarios of basic.sh, control.sh, reload.sh and
# pptp.sh (ten PPTP clients) again, with two workers: two queues per
# device, the BPF steering programs, the control socket walking both
# engines, a reload that stops both, calls whose Call IDs both workers
# share out; then basic.sh with io-uring auto, with one worker and two,
# for the path that reads and writes through io_uring, and the
# conformance tests of fragments (rows 54 and 56) with it, one worker
#
# Each script runs as it does alone; lib.sh adds "workers: N" (and
# "io-uring: auto") to the configuration it starts tunnat with, and fails
# the run unless tunnat says it forwards with that many workers.
# steering.sh tests the handoff rings.

dir=$(dirname "$0")
rc=0
skipped=0
runs=0

# run WORKERS IO_URING SCRIPT
run() {
	echo "=== $3.sh with workers: $1${2:+, io-uring: $2}"
	TUNNAT_WORKERS=$1 TUNNAT_IO_URING=$2 sh "$dir/$3.sh"
	s=$?
	runs=$((runs + 1))
	case $s in
	0) ;;
	77) skipped=$((skipped + 1)) ;;
	*) rc=$s ;;
	esac
}

for t in basic control reload pptp; do
	run 2 "" "$t"
done
run 1 auto basic
run 2 auto basic
# the io_uring path sends a datagram's fragments in order, both ways
CONFORMANCE_ONLY=row54_fragments_out_of_order,row56_fragmented_to_fit
CONFORMANCE_ONLY=$CONFORMANCE_ONLY,row56_fragmented_inbound
export CONFORMANCE_ONLY
run 1 auto conformance
unset CONFORMANCE_ONLY
[ "$rc" -eq 0 ] && [ "$skipped" -eq "$runs" ] && exit 77
exit "$rc"

#!/bin/sh
# SPDX-License-Identifier: MIT
# workers.sh - the scenarios of basic.sh, control.sh and pptp.sh (ten
# PPTP clients) again, with two workers: two queues per device, packets
# handed between the workers through their rings, the control socket
# walking both engines, calls whose Call IDs both workers share out
#
# Each script runs as it does alone; lib.sh adds "workers: 2" to the
# configuration it starts tunnat with, and fails the run unless tunnat
# says it forwards with two workers.

dir=$(dirname "$0")
rc=0
skipped=0
for t in basic control pptp; do
	echo "=== $t.sh with workers: 2"
	TUNNAT_WORKERS=2 sh "$dir/$t.sh"
	s=$?
	case $s in
	0) ;;
	77) skipped=$((skipped + 1)) ;;
	*) rc=$s ;;
	esac
done
[ "$rc" -eq 0 ] && [ "$skipped" -eq 3 ] && exit 77
exit "$rc"

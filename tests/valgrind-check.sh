#!/bin/sh
# SPDX-License-Identifier: MIT
# valgrind-check.sh - after make check-valgrind: every tunnat that ran
# under memcheck ended with no error and no leak
#
#   valgrind-check.sh DIR
#
# DIR holds one memcheck log per tunnat process (--log-file=DIR/%p.log).
# Each must have reached its ERROR SUMMARY (tunnat exited, rather than
# being killed) with 0 errors; leaks of the kinds definite and indirect
# count as errors (--errors-for-leak-kinds).  A failing log is printed.
set -eu

dir=${1:?usage: valgrind-check.sh DIR}
n=0
bad=0
for log in "$dir"/*.log; do
	[ -f "$log" ] || continue
	n=$((n + 1))
	if grep -q '== ERROR SUMMARY: 0 errors' "$log"; then
		continue
	fi
	bad=$((bad + 1))
	if grep -q '== ERROR SUMMARY:' "$log"; then
		echo "FAIL: $log: memcheck found errors:"
	else
		echo "FAIL: $log: tunnat did not exit (killed?): no summary"
	fi
	sed 's/^/    | /' "$log"
done
if [ "$n" -eq 0 ]; then
	echo "FAIL: no memcheck log in $dir: did any tunnat run?"
	exit 1
fi
echo "valgrind-check: $n tunnat runs, $bad with errors, leaks or no exit"
[ "$bad" -eq 0 ]

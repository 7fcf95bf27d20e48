#!/bin/sh
# SPDX-License-Identifier: MIT
# conformance.sh - the BEHAVE conformance suite: every row of the NAT
# requirements checklist that applies, black-box, against tunnat itself
#
#  namespace LAN                                         namespace WAN
#  (no addresses: only                                   (no addresses: only
#   the suite's packets)                                  the suite's packets)
#  tin<ID> <--fd-- tunnat, restarted per configuration --fd--> tout<ID>
#     ^              group, pool 203.0.113.1 (...)                ^
#     |                                                           |
#     +------ conformance.py: AF_PACKET sockets on both devices ---+
#             inject hand-built packets on one side, capture the other
#
# conformance.py (with conflib.py) runs tunnat on one configuration after
# another (filtering modes, limits, MTUs, forwards, short timers...) and
# checks what comes out against the rows of
# shared/reference/nat-requirements.md; each test is named after its row
# (row15_filtering_adf_udp), and tests/lab/conformance-rows.md maps every
# row to its tests.  One PASS or FAIL line per test; every captured
# packet's IPv4, transport and quoted checksums are verified.
#
# Environment: CONFORMANCE_ONLY=name,... runs only those tests;
# CONFORMANCE_SEED=N repeats a run's random choices.

. "$(dirname "$0")/lib.sh"

lab_begin
[ -x "$TUNNATCTL" ] || broken "$TUNNATCTL not built"
/usr/bin/python3 -c 'import scapy.all' 2>/dev/null ||
	skip "python3-scapy not installed"
ns_add "$NS_LAN"
ns_add "$NS_WAN"
for ns in "$NS_LAN" "$NS_WAN"; do
	# no IPv6 on the devices tunnat makes: the kernel would send router
	# solicitations into them
	ip netns exec "$ns" sysctl -qw net.ipv6.conf.default.disable_ipv6=1 \
		net.ipv6.conf.all.disable_ipv6=1
done

# tunnat processes the suite started: stop any still running at exit
conformance_cleanup() {
	status=$?
	set +e
	if [ -f "$WORK/conformance.pids" ]; then
		for pid in $(cat "$WORK/conformance.pids"); do
			if ! pid_gone "$pid"; then
				echo "tunnat $pid still running: stopping it"
				kill -KILL "$pid" 2>/dev/null
			fi
		done
	fi
	if [ "$status" -ne 0 ]; then
		for f in "$WORK"/conformance-*.log; do
			[ -f "$f" ] || continue
			echo "--- $(basename "$f") (last 40 lines) ---"
			tail -n 40 "$f"
		done
	fi
	(exit "$status")
	lab_cleanup
}
trap conformance_cleanup EXIT

# -B: no __pycache__ in the source tree (read-only under distcheck)
rc=0
timeout -s TERM -k 10 240 /usr/bin/python3 -B -u \
	"$TOP_SRCDIR/tests/lab/conformance.py" --lan "$NS_LAN" \
	--wan "$NS_WAN" --id "$ID" --work "$WORK" --tunnat "$TUNNAT" \
	--tunnatctl "$TUNNATCTL" --srcdir "$TOP_SRCDIR" \
	--only "${CONFORMANCE_ONLY:-}" \
	${CONFORMANCE_SEED:+--seed "$CONFORMANCE_SEED"} || rc=$?
case $rc in
0) ;;
1) FAILED=$((FAILED + 1)) ;;
124) broken "the suite did not finish within 240 s" ;;
*) broken "the suite itself failed (status $rc)" ;;
esac

lab_end

#!/bin/sh
# SPDX-License-Identifier: MIT
# ctlstress-uring.sh - ctlstress.sh again with io-uring: auto
#
# The io_uring path has reads in flight instead of a budget of read(2)
# calls per queue; while 100 control clients keep the loop busy, it must
# drain what waits on the devices as fast as the read(2) path does (the
# probe's round trips stay under 500 ms, its losses under 1 %).  lib.sh
# fails the run unless tunnat says it forwards with io_uring.

TUNNAT_IO_URING=auto exec sh "$(dirname "$0")/ctlstress.sh"

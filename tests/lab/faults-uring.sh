#!/bin/sh
# SPDX-License-Identifier: MIT
# faults-uring.sh - faults.sh again with io-uring: auto
#
# With io_uring, a write the kernel refuses comes back in a completion,
# not from write(2): it must be counted and logged (with its size and the
# kernel's error) as the write(2) path does, and forwarding must go on.
# The shim of faults.sh cannot fail io_uring writes, so its part 1 is
# left out; setting the outside device down fails them for real (part 2).
# lib.sh fails the run unless tunnat says it forwards with io_uring.

TUNNAT_IO_URING=auto exec sh "$(dirname "$0")/faults.sh"

#!/bin/sh
# SPDX-License-Identifier: MIT
# short.sh - the soak test (soak.sh) for 30 seconds, as make check runs it
SOAK_SECONDS=${SOAK_SECONDS:-30} exec "${SHELL:-/bin/sh}" \
	"$(dirname "$0")/soak.sh"

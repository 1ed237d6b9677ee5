#!/usr/bin/env bash
# `make run`: list what amdhal finds, then run the copy + dispatch + signal demo on the first
# device found: a real GPU if there is one, else the simulator (amdhal says which on stderr).
set -uo pipefail
AMDHAL=${1:-build/bin/amdhal}

echo "== amdhal list"
"$AMDHAL" list || exit $?
echo
echo "== amdhal demo"
"$AMDHAL" demo

#!/usr/bin/env bash
# `make run`: list what amdhal finds, then run the copy + dispatch + signal demo on the first
# device found (a real GPU if present, else the simulator once it is built in).
set -uo pipefail
AMDHAL=${1:-build/bin/amdhal}

echo "== amdhal list"
"$AMDHAL" list || exit $?
echo

have_command() { "$AMDHAL" --help | grep -qE "^  $1 "; }

if "$AMDHAL" info >/dev/null 2>&1; then
  echo "== amdhal info (first device)"
  "$AMDHAL" info
  echo
  if have_command demo; then
    echo "== amdhal demo (copy + dispatch + signal)"
    "$AMDHAL" demo
    exit $?
  fi
  echo "(the copy + dispatch + signal demo needs the queue layer, which this build does not have yet)"
  exit 0
fi

echo "No GPU reachable by any backend (reasons above)."
if have_command demo; then
  echo "== amdhal --device sim:gfx942 demo (simulated GPU)"
  "$AMDHAL" --device sim:gfx942 demo
  exit $?
fi
echo "(the simulated GPU and the copy + dispatch + signal demo are not in this build yet;"
echo " see docs/STATUS.md for what exists)"

#!/usr/bin/env bash
# `make bench`: runs every Google Benchmark program in BUILD/bench and keeps its JSON results in
# BUILD/bench/results/<program>.json (with the machine's description in the context block).
set -euo pipefail
BUILD=${1:-build}
out="$BUILD/bench/results"
mkdir -p "$out"
found=0
for b in "$BUILD"/bench/bench_*; do
  [ -x "$b" ] || continue
  found=1
  name=$(basename "$b")
  echo "== $name"
  "$b" --benchmark_out="$out/$name.json" --benchmark_out_format=json
done
[ $found -eq 1 ] || { echo "bench: no benchmark programs in $BUILD/bench" >&2; exit 1; }
echo "results: $out"

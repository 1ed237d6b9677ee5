#!/usr/bin/env bash
# `make bench`: runs every Google Benchmark program in BUILD/bench, keeps its JSON results in
# BUILD/bench/results/<program>.json (with the machine's description in the context block) and its
# console output in <program>.log, then writes docs/performance.md and the plots in docs/bench/
# with scripts/bench_report.py (gnuplot).
#
# BENCH_MIN_TIME (seconds, default 0.2) is passed to every program as --benchmark_min_time;
# BENCH_FILTER (a regex) as --benchmark_filter. BENCH_NO_REPORT=1 skips the report.
set -euo pipefail
BUILD=${1:-build}
here=$(cd "$(dirname "$0")" && pwd)
root=$(dirname "$here")
out="$BUILD/bench/results"
mkdir -p "$out"
rm -f "$out"/bench_*.json "$out"/bench_*.log
args=(--benchmark_min_time="${BENCH_MIN_TIME:-0.2}")
[ -n "${BENCH_FILTER:-}" ] && args+=(--benchmark_filter="$BENCH_FILTER")
found=0
for b in "$BUILD"/bench/bench_*; do
  [ -x "$b" ] && [ -f "$b" ] || continue
  found=1
  name=$(basename "$b")
  echo "== $name"
  start=$SECONDS
  "$b" "${args[@]}" --benchmark_out="$out/$name.json" --benchmark_out_format=json \
    2>&1 | tee "$out/$name.log"
  echo "== $name: $((SECONDS - start)) s"
done
[ $found -eq 1 ] || { echo "bench: no benchmark programs in $BUILD/bench" >&2; exit 1; }
echo "results: $out"
# ROCm under exec beside the kfd backend (reported, not part of performance.md).
if [ -x "$BUILD/lib/amdhal/libamdhal_interpose.so" ]; then
  echo "== rocm_exec"
  "$here/rocm_bench.sh" "$BUILD" | tee "$out/rocm_exec.log" || echo "rocm_bench failed" >&2
fi
if [ "${BENCH_NO_REPORT:-0}" != 1 ]; then
  python3 "$here/bench_report.py" --build "$BUILD" --results "$out" \
    --plots "$root/docs/bench" --out "$root/docs/performance.md"
fi

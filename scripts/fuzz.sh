#!/usr/bin/env bash
# `make fuzz`: builds every libFuzzer target with clang-19 (ASan + UBSan, coverage inside
# libamdhal too) in build-fuzz/ and fuzzes each for FUZZ_SECONDS seconds, starting from its seed
# corpus. New interesting inputs are kept in build-fuzz/corpus/<target>/; crashes are written to
# build-fuzz/ by libFuzzer and make the script fail.
set -euo pipefail
cd "$(dirname "$0")/.."
SECONDS_EACH=${1:-60}
BUILD=build-fuzz
cmake -S . -B "$BUILD" -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo \
  -DCMAKE_C_COMPILER=clang-19 -DCMAKE_CXX_COMPILER=clang++-19 \
  -DAMDHAL_SANITIZE=ON -DCMAKE_CXX_FLAGS=-fsanitize=fuzzer-no-link -DAMDHAL_BUILD_BENCH=OFF >/dev/null
targets=$(cd tests/fuzz && ls fuzz_*.cpp | sed 's/\.cpp$//')
cmake --build "$BUILD" --target amdhal_test_kernels $targets -j "$(nproc)"
root=$(pwd)
status=0
for t in $targets; do
  stem=${t#fuzz_}
  corpus="$root/$BUILD/corpus/$stem"
  mkdir -p "$corpus"
  seeds=()
  [ -d "tests/fuzz/corpus/$stem" ] && seeds+=("$root/tests/fuzz/corpus/$stem")
  [ "$stem" = code_object ] && seeds+=("$root/$BUILD/tests/kernels")
  echo "== $t for ${SECONDS_EACH}s"
  if ! "$root/$BUILD/tests/fuzz/$t" -max_total_time="$SECONDS_EACH" -print_final_stats=1 \
        -artifact_prefix="$root/$BUILD/" "$corpus" "${seeds[@]}"; then
    echo "fuzz: $t found a failing input (see $BUILD/crash-*)" >&2
    status=1
  fi
done
exit $status

#!/usr/bin/env bash
# ROCm under `amdhal exec` beside the project's own kfd backend, on the same simulated GPU
# (sim:gfx90a), in one run; writes BUILD/bench/results/rocm_exec.json and prints a table.
#   - launch to completion: an empty HIP kernel (hip_bench, built by hipcc) vs. `amdhal latency`
#     on the kfd backend (an AQL and a PM4 submission of a 4-byte fill + signal, submit to
#     CPU-visible completion);
#   - 64 MiB copies: hipMemcpy host->device / device->host vs. `amdhal copy --size 64M --repeat 6`
#     (SDMA, host->VRAM and VRAM->host; first call and median of the later ones);
#   - start-up: rocminfo under exec vs. rocminfo failing fast with no GPU (medians of RUNS).
# Needs hipcc's hip_bench (BUILD/bench/rocm/hip_bench) and rocminfo; what is missing is reported
# and left out. ROCM_BENCH_RUNS (default 5) sets the start-up repetitions.
set -euo pipefail
BUILD=${1:-build}
cli="$BUILD/bin/amdhal"
out="$BUILD/bench/results"
mkdir -p "$out"
runs=${ROCM_BENCH_RUNS:-5}
dev=sim:gfx90a
[ -x "$cli" ] || { echo "rocm_bench: $cli is not built" >&2; exit 1; }

median_wall() {  # median wall time in ms of running "$@" $runs times (exit status ignored)
  python3 - "$runs" "$@" <<'PY'
import subprocess, sys, time
runs = int(sys.argv[1]); cmd = sys.argv[2:]
t = []
for _ in range(runs):
    a = time.monotonic()
    subprocess.run(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    t.append((time.monotonic() - a) * 1000)
t.sort()
print(f"{t[len(t) // 2]:.1f}")
PY
}

json="{"
sep=""
add() { json+="$sep\"$1\": $2"; sep=", "; }

hip="$BUILD/bench/rocm/hip_bench"
if [ -x "$hip" ]; then
  r=$("$cli" --device "$dev" exec -- "$hip" 200 5)
  add hip_exec "$r"
else
  echo "rocm_bench: $hip not built (hipcc missing): HIP figures left out" >&2
fi
add kfd_latency "$("$cli" --backend kfd --device "$dev" --json latency --kinds aql,compute --iterations 200)"
add kfd_copy_h2d "$("$cli" --backend kfd --device "$dev" --json copy --size 64M --from host --to vram --repeat 6)"
add kfd_copy_d2h "$("$cli" --backend kfd --device "$dev" --json copy --size 64M --from vram --to host --repeat 6)"
if command -v rocminfo >/dev/null; then
  add rocminfo_no_gpu_ms "$(median_wall rocminfo)"
  add rocminfo_exec_ms "$(median_wall "$cli" --device "$dev" exec -- rocminfo)"
else
  echo "rocm_bench: rocminfo not installed: start-up figures left out" >&2
fi
json+="}"
echo "$json" > "$out/rocm_exec.json"
python3 - "$out/rocm_exec.json" <<'PY'
import json, sys
d = json.load(open(sys.argv[1]))
def us(x): return f"{x:.0f} µs"
rows = []
h = d.get("hip_exec")
def find(o, key):  # the first value of `key` anywhere in a JSON object
    if isinstance(o, dict):
        if key in o: return o[key]
        for v in o.values():
            r = find(v, key)
            if r is not None: return r
    elif isinstance(o, list):
        for v in o:
            r = find(v, key)
            if r is not None: return r
    return None
lat = {k["kind"]: k for k in (find(d["kfd_latency"], "kinds") or []) if "ns" in k}
if h:
    rows.append(("empty kernel, launch to completion (HIP under exec, median)", us(h["empty_kernel_us"]["median"])))
for kind in ("aql", "compute"):
    k = lat.get(kind)
    if k:
        rows.append((f"fill + signal, submit to completion (kfd backend, {kind}, p50)", us(k["ns"]["p50"] / 1000)))
if h:
    for key, name in (("memcpy_64MiB_h2d_us", "hipMemcpy 64 MiB host->device"), ("memcpy_64MiB_d2h_us", "hipMemcpy 64 MiB device->host")):
        rows.append((name + " (HIP under exec, first call / median of later calls)",
                     f"{h[key]['first'] / 1000:.1f} ms / {h[key]['median'] / 1000:.1f} ms"))
for key, name in (("kfd_copy_h2d", "copy 64 MiB host->VRAM (kfd backend, SDMA, first call / median of later calls)"), ("kfd_copy_d2h", "copy 64 MiB VRAM->host (kfd backend, SDMA, first call / median of later calls)")):
    first = find(d.get(key), "elapsed_ns")
    later = find(d.get(key), "later_median_ns")
    if first and later:
        rows.append((name, f"{first / 1e6:.1f} ms / {later / 1e6:.1f} ms"))
if "rocminfo_exec_ms" in d:
    r = d["rocminfo_exec_ms"] / d["rocminfo_no_gpu_ms"]
    rows.append(("rocminfo start-up: under exec / no GPU (medians)", f"{d['rocminfo_exec_ms']:.0f} ms / {d['rocminfo_no_gpu_ms']:.0f} ms = {r:.1f}x"))
print("| operation on sim:gfx90a | time |\n| --- | --- |")
for a, b in rows: print(f"| {a} | {b} |")
PY
echo "results: $out/rocm_exec.json"

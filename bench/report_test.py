#!/usr/bin/env python3
"""Checks scripts/bench_report.py on made-up Google Benchmark JSON: the ratios to the floor and
between backends it computes, the goal verdicts, the skip lines it carries over, the plots it makes,
and its one-line errors. Run by ctest (BenchReport.*); needs no benchmark run.

Usage: report_test.py SCRIPT CASE   (CASE: tables | errors)
"""

import json
import os
import shutil
import subprocess
import sys
import tempfile

FAILURES = []


def check(cond, what):
    if not cond:
        FAILURES.append(what)


def row(name, cpu, unit="ns", real=None, **extra):
    r = {"name": name, "run_name": name, "run_type": "iteration", "iterations": 1000,
         "real_time": real if real is not None else cpu, "cpu_time": cpu, "time_unit": unit}
    r.update(extra)
    return r


def write(results, prog, rows, log=""):
    ctx = {"date": "2026-01-01T00:00:00+00:00", "num_cpus": 2, "mhz_per_cpu": 3000,
           "cpu_scaling_enabled": False, "load_avg": [0.5, 0.4, 0.3],
           "library_build_type": "release"}
    with open(os.path.join(results, prog + ".json"), "w", encoding="utf-8") as f:
        json.dump({"context": ctx, "benchmarks": rows}, f)
    if log:
        with open(os.path.join(results, prog + ".log"), "w", encoding="utf-8") as f:
            f.write(log)


def run(script, *args):
    return subprocess.run([sys.executable, script, *args], capture_output=True, text=True,
                          check=False)


def case_tables(script, tmp):
    results = os.path.join(tmp, "results")
    plots = os.path.join(tmp, "plots")
    out = os.path.join(tmp, "performance.md")
    os.makedirs(results)
    write(results, "bench_backend_overhead", [
        row("Floor/gfx942/sdma/copy", 20.0, dwords=11),
        row("Submit/kfd/gfx942/sdma/copy", 50.0),   # 2.5x: goal met
        row("Submit/am/gfx942/sdma/copy", 52.5),    # 2.625x: met; spread 5 %
        row("Floor/gfx942/compute/dispatch", 0.1, unit="us", dwords=60),
        row("Submit/kfd/gfx942/compute/dispatch", 0.4, unit="us"),  # 4x: missed
        row("Submit/am/gfx942/compute/dispatch", 0.6, unit="us"),   # 6x: missed; spread 50 %
        {**row("Submit/kfd/gfx942/sdma/fill", 10.0), "error_occurred": True,
         "error_message": "fill: pattern not found"},
        row("Floor/gfx942/sdma/signal", 10.0, dwords=22),
        row("Floor/gfx942/sdma/signal@am", 8.0, dwords=16),  # am's own bytes
        row("Submit/kfd/gfx942/sdma/signal", 30.0),  # 3x its floor: met
        row("Submit/am/gfx942/sdma/signal", 16.0),   # 2x its own floor: met; spread 88 %
        row("RoundTrip/kfd/gfx942/sdma/iterations:100/manual_time", 30.0, unit="us", real=30.0),
    ], log="backend_overhead: skipping am on sim:gfx1100: kUnavailable: no queue\nnoise\n")
    write(results, "bench_sim_engines", [
        row("BM_HostMemcpy/4096/real_time", 1.0, unit="us", bytes_per_second=4e9),
        row("BM_SdmaCopyLinear/4096/real_time", 4.0, unit="us", bytes_per_second=1e9),
        row("BM_HostMemcpy/67108864/real_time", 1.0, unit="ms", bytes_per_second=10e9),
        row("BM_SdmaCopyLinear/67108864/real_time", 1.0, unit="ms", bytes_per_second=9e9),
    ])
    write(results, "bench_sim_isa", [
        row("BM_VectorAddNative/real_time", 10.0, unit="ms", items_per_second=1.6e9),
        row("BM_VectorAddInterpreter/1/real_time", 400.0, unit="ms", items_per_second=4e7,
            x_native=40.0, threads=1, lane_ops_per_s=1e9),
    ])
    write(results, "bench_plugin_load", [
        row("BM_RegistryLoad", 2.0, unit="ms", real=2.5, backends=2, workloads=2,
            plugin_files=4),
        row("BM_CliColdStart/list_json/manual_time", 1.0, unit="ms", real=30.0),
    ])
    r = run(script, "--build", tmp, "--results", results, "--plots", plots, "--out", out)
    check(r.returncode == 0, f"report failed: {r.stderr}")
    if r.returncode != 0:
        return
    with open(out, encoding="utf-8") as f:
        md = f.read()
    check("all gpu-side numbers are from the simulator" in md.lower(), "simulator statement")
    check("| sdma | copy | 11 | 20 ns | 50 ns | 2.5× | 52 ns | 2.6× | 5 % |" in md,
          "sdma copy row: floor ratios 2.5x / 2.6x, spread 5 %")
    check("| 400 ns | 4.0× (goal missed) | 600 ns | 6.0× (goal missed) | 50 % (goal missed) |"
          in md, "dispatch row: goals missed")
    check("error: fill: pattern not found" in md, "errored row shown with its message")
    check("| sdma | signal | 22 (am: 16) | 10 ns (am: 8 ns) | 30 ns | 3.0× | 16 ns | 2.0× | "
          "88 % (goal missed) |" in md, "a backend's own floor is used for its ratio")
    check("met by 4 of 6" in md, "floor goal tally")
    check("met by 1 of 3 rows" in md, "spread goal tally")
    check("backend_overhead: skipping am on sim:gfx1100" in md, "skip line carried over")
    check("noise" not in md, "only the program's own lines are carried over")
    check("| 4 KiB | 4.00 GB/s | 1.00 GB/s | 0.25× (goal missed) |" in md, "4 KiB SDMA row")
    check("| 64 MiB | 10.00 GB/s | 9.00 GB/s | 0.90× |" in md, "64 MiB SDMA row")
    check("40.0× (goal missed)" in md, "interpreter slowdown")
    check("| Registry::load() (all plugins) | 2.50 ms | 2 backends, 2 workloads" in md,
          "registry load row uses wall time")
    check("| `amdhal --json list` | 30.00 ms |" in md, "CLI cold start uses manual (real) time")
    check("| kfd | gfx942 | sdma | 30.00 µs |" in md, "round trip row")
    if shutil.which("gnuplot"):
        for png in ("cpu_cost_gfx942", "sdma_throughput", "interpreter", "startup",
                    "signal_round_trip"):
            path = os.path.join(plots, png + ".png")
            ok = os.path.exists(path) and os.path.getsize(path) > 1000
            check(ok, f"plot {png}.png made")
            if ok:
                with open(path, "rb") as f:
                    check(f.read(8) == b"\x89PNG\r\n\x1a\n", f"{png}.png is a PNG")
            check(f"(bench/{png}.png)" in md, f"{png}.png linked")


def case_errors(script, tmp):
    r = run(script, "--results", os.path.join(tmp, "nope"), "--out", os.path.join(tmp, "x.md"))
    check(r.returncode != 0, "missing results dir: non-zero exit")
    check(len(r.stderr.strip().splitlines()) == 1 and "nope" in r.stderr,
          f"missing results dir: one line naming it, got {r.stderr!r}")
    empty = os.path.join(tmp, "empty")
    os.makedirs(empty)
    r = run(script, "--results", empty, "--out", os.path.join(tmp, "x.md"))
    check(r.returncode != 0 and "no bench_*.json" in r.stderr, "empty results dir refused")
    bad = os.path.join(tmp, "bad")
    os.makedirs(bad)
    with open(os.path.join(bad, "bench_x.json"), "w", encoding="utf-8") as f:
        f.write("{not json")
    r = run(script, "--results", bad, "--out", os.path.join(tmp, "x.md"))
    check(r.returncode != 0 and "bench_x.json" in r.stderr and "Traceback" not in r.stderr,
          f"bad JSON: one-line error naming the file, got {r.stderr!r}")
    check(not os.path.exists(os.path.join(tmp, "x.md")), "no report written on error")


def main():
    if len(sys.argv) != 3 or sys.argv[2] not in ("tables", "errors"):
        print("usage: report_test.py SCRIPT tables|errors", file=sys.stderr)
        return 2
    tmp = tempfile.mkdtemp(prefix="amdhal-report-test-")
    try:
        {"tables": case_tables, "errors": case_errors}[sys.argv[2]](sys.argv[1], tmp)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    for f in FAILURES:
        print(f"FAILED: {f}", file=sys.stderr)
    return 1 if FAILURES else 0


if __name__ == "__main__":
    sys.exit(main())

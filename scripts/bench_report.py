#!/usr/bin/env python3
"""Turns the Google Benchmark JSON of `make bench` into PNG plots (gnuplot) and docs/performance.md.

Usage: bench_report.py --build BUILD --results DIR --plots DIR --out FILE

Reads every DIR/bench_*.json (and the DIR/bench_*.log console output, for the lines in which a
benchmark program says what it skipped and why). Only the Python standard library and gnuplot.
Benchmarks report; nothing here enforces a goal.
"""

import argparse
import datetime
import json
import os
import platform
import re
import shutil
import subprocess
import sys
import tempfile

TO_NS = {"ns": 1.0, "us": 1e3, "ms": 1e6, "s": 1e9}

# Goals from the benchmark issue (reported, never enforced).
GOAL_FLOOR_RATIO = 3.0  # record + submit within 3x the memcpy floor
GOAL_BACKEND_SPREAD = 0.10  # kfd and am within 10 % of each other
GOAL_SDMA_VS_MEMCPY = 0.8  # simulated SDMA copy at least 0.8x host memcpy (sim_engines_bench)
GOAL_INTERPRETER_SLOWDOWN = 10.0  # interpreter at most 10x slower than native (docs/STATUS.md)


def die(msg):
    print(f"bench_report: {msg}", file=sys.stderr)
    sys.exit(1)


def run(cmd, cwd=None):
    """Output of a command, or '' if it cannot run."""
    try:
        return subprocess.run(cmd, cwd=cwd, capture_output=True, text=True, check=False).stdout
    except OSError:
        return ""


# ------------------------------------------------------------------------------------------------
# Loading.


def load_results(results_dir):
    """{program: {"context": ..., "rows": {name: row}, "log": text}} for every bench_*.json."""
    programs = {}
    for fn in sorted(os.listdir(results_dir)):
        if not (fn.startswith("bench_") and fn.endswith(".json")):
            continue
        path = os.path.join(results_dir, fn)
        try:
            with open(path, encoding="utf-8") as f:
                data = json.load(f)
        except (OSError, json.JSONDecodeError) as e:
            die(f"{path}: not benchmark JSON: {e}")
        prog = fn[: -len(".json")]
        rows = {}
        for b in data.get("benchmarks", []):
            if b.get("run_type", "iteration") != "iteration":
                continue
            rows[b["name"]] = b
        log_path = os.path.join(results_dir, prog + ".log")
        log = ""
        if os.path.exists(log_path):
            with open(log_path, encoding="utf-8", errors="replace") as f:
                log = f.read()
        programs[prog] = {"context": data.get("context", {}), "rows": rows, "log": log}
    if not programs:
        die(f"no bench_*.json in {results_dir}: run `make bench` first")
    return programs


def ns(row, key="cpu_time"):
    return row[key] * TO_NS[row.get("time_unit", "ns")]


def ok(row):
    return row is not None and not row.get("error_occurred", False)


def rows_of(programs, prog):
    return programs.get(prog, {}).get("rows", {})


# ------------------------------------------------------------------------------------------------
# Machine description.


def machine(build, context):
    cpu = platform.processor() or platform.machine()
    try:
        with open("/proc/cpuinfo", encoding="utf-8") as f:
            for line in f:
                if line.startswith("model name"):
                    cpu = line.split(":", 1)[1].strip()
                    break
    except OSError:
        pass
    mem = "unknown"
    try:
        with open("/proc/meminfo", encoding="utf-8") as f:
            for line in f:
                if line.startswith("MemTotal:"):
                    mem = f"{int(line.split()[1]) / 1024 / 1024:.1f} GiB"
                    break
    except OSError:
        pass
    cache = {}
    cache_path = os.path.join(build, "CMakeCache.txt")
    if os.path.exists(cache_path):
        with open(cache_path, encoding="utf-8", errors="replace") as f:
            for line in f:
                m = re.match(r"^([A-Za-z_]+):[A-Z]+=(.*)$", line.strip())
                if m:
                    cache[m.group(1)] = m.group(2)
    cxx = cache.get("CMAKE_CXX_COMPILER", "c++")
    compiler = (run([cxx, "--version"]).splitlines() or [cxx])[0]
    repo = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    commit = run(["git", "rev-parse", "--short=12", "HEAD"], cwd=repo).strip() or "unknown"
    if run(["git", "status", "--porcelain", "--untracked-files=no"], cwd=repo).strip():
        commit += " (with uncommitted changes)"
    os_name = platform.platform()
    try:
        with open("/etc/os-release", encoding="utf-8") as f:
            for line in f:
                if line.startswith("PRETTY_NAME="):
                    os_name = line.split("=", 1)[1].strip().strip('"')
    except OSError:
        pass
    return [
        ("CPU", f"{cpu}, {os.cpu_count()} logical CPUs"
         + (f", {context['mhz_per_cpu']} MHz" if context.get("mhz_per_cpu") else "")),
        ("CPU frequency scaling", "on" if context.get("cpu_scaling_enabled") else "off or unknown"),
        ("load average at start", ", ".join(f"{x:.2f}" for x in context.get("load_avg", []))
         or "unknown"),
        ("memory", mem),
        ("system", f"{os_name}, kernel {platform.release()}"),
        ("compiler", compiler),
        ("build type", cache.get("CMAKE_BUILD_TYPE", "unknown")),
        ("Google Benchmark library build",
         f"{context.get('library_build_type', 'unknown')} (the distribution's package; it builds "
         "the timing harness only)"),
        ("date", context.get("date", datetime.datetime.now().isoformat(timespec="seconds"))),
        ("git commit", commit),
    ]


# ------------------------------------------------------------------------------------------------
# Plotting.


class Plotter:
    def __init__(self, plots_dir, enabled):
        self.plots_dir = plots_dir
        self.enabled = enabled
        self.tmp = tempfile.mkdtemp(prefix="amdhal-bench-")
        self.made = []
        self.failed = []

    def close(self):
        shutil.rmtree(self.tmp, ignore_errors=True)

    def plot(self, name, data_lines, script):
        """Writes data to a file, runs the gnuplot script on it (DATA and OUT substituted)."""
        if not self.enabled:
            return None
        data = os.path.join(self.tmp, name + ".dat")
        with open(data, "w", encoding="utf-8") as f:
            f.write("\n".join(data_lines) + "\n")
        out = os.path.join(self.plots_dir, name + ".png")
        text = (
            "set terminal pngcairo size 1000,560 font 'Sans,10'\n"
            f"set output '{out}'\n" + script.replace("DATA", f"'{data}'")
        )
        gp = os.path.join(self.tmp, name + ".gp")
        with open(gp, "w", encoding="utf-8") as f:
            f.write(text)
        r = subprocess.run(["gnuplot", gp], capture_output=True, text=True, check=False)
        if r.returncode != 0:
            self.failed.append(f"{name}: {r.stderr.strip().splitlines()[-1:]}")
            return None
        self.made.append(out)
        return name + ".png"


def bar_script(title, ylabel, ncols, titles, logscale=True):
    s = (
        f"set title '{title}'\nset ylabel '{ylabel}'\n"
        "set style data histograms\nset style histogram clustered gap 1\n"
        "set style fill solid 0.8 border -1\nset boxwidth 0.9\n"
        "set xtics rotate by -30 nomirror\nset grid ytics\nset key top left\n"
        "set datafile missing '-'\n"
    )
    s += "set logscale y\n" if logscale else "set yrange [0:*]\n"
    parts = []
    for i in range(ncols):
        parts.append(f"DATA using {i + 2}:xtic(1) title '{titles[i]}'")
    return s + "plot " + ", ".join(parts) + "\n"


# ------------------------------------------------------------------------------------------------
# Sections.


def fmt_ns(v):
    if v is None:
        return "-"
    if v >= 1e6:
        return f"{v / 1e6:.2f} ms"
    if v >= 1e3:
        return f"{v / 1e3:.2f} µs"
    return f"{v:.0f} ns"


def fmt_rate(v, unit):
    if v is None:
        return "-"
    for scale, prefix in ((1e12, "T"), (1e9, "G"), (1e6, "M"), (1e3, "k")):
        if v >= scale:
            return f"{v / scale:.2f} {prefix}{unit}"
    return f"{v:.1f} {unit}"


def skip_lines(programs, prog):
    log = programs.get(prog, {}).get("log", "")
    return [line.strip() for line in log.splitlines() if line.startswith(prog[len("bench_"):] + ":")]


def section_overhead(programs, plotter):
    rows = rows_of(programs, "bench_backend_overhead")
    out = ["## CPU cost per operation: record + submit, per backend, beside the floor", ""]
    if not rows:
        return out + ["bench_backend_overhead did not run.", ""]
    out += [
        "Per operation: `CommandBuffer::clear` + one verb recorded + `Queue::submit` (validation, "
        "encoding with the shared packet layer, the queue's own completion write, the copy into "
        "the ring with wrap-around, the write-pointer store and the doorbell store). CPU time of "
        "the submitting thread only; every 256 submissions the queue is drained outside the timed "
        "region, so GPU completion is not included. Copies and fills move 64 bytes; the dispatch "
        "is `vector_add` over one 64-work-item workgroup. The simulated engines run on their own "
        "threads and compete for the same CPUs. On the simulator the doorbell is an ordinary "
        "memory store, as it is an uncached MMIO store on hardware.",
        "",
        "**Floor**: the exact dwords the shared encoder produces for the same verb, queue kind "
        "and family, plus the completion write a submission carries, copied with `memcpy` into "
        "a 256 KiB ring with wrap-around (AQL: 64-byte slots, header last), then the "
        "write-pointer and doorbell stores. `x floor` = backend CPU time / floor CPU time, "
        "both from this run; where a backend encodes the verb differently (the am backend's "
        "signals raise no interrupt, so they are shorter), it is compared with a floor of its "
        f"own bytes, shown in brackets. Goal: ≤ {GOAL_FLOOR_RATIO:g}× the floor; kfd and am within "
        f"{GOAL_BACKEND_SPREAD * 100:.0f} % of each other (reported, not enforced).",
        "",
    ]
    submit = {}  # (backend, target, queue, op) -> row
    floors = {}  # (target, queue, op) -> row
    own_floors = {}  # (backend, target, queue, op) -> row, where a backend's encoding differs
    for name, r in rows.items():
        p = name.split("/")
        if p[0] == "Submit" and len(p) == 5:
            submit[(p[1], p[2], p[3], p[4])] = r
        elif p[0] == "Floor" and len(p) == 4:
            op, _, backend = p[3].partition("@")
            if backend:
                own_floors[(backend, p[1], p[2], op)] = r
            else:
                floors[(p[1], p[2], op)] = r
    backends = sorted({k[0] for k in submit}, key=lambda b: (b != "kfd", b))
    targets = sorted({k[1] for k in submit} | {k[0] for k in floors},
                     key=lambda t: [int(x) if x.isdigit() else x for x in re.split(r"(\d+)", t)])
    for line in skip_lines(programs, "bench_backend_overhead"):
        out.append(f"- `{line}`")
    if skip_lines(programs, "bench_backend_overhead"):
        out.append("")
    if "am" not in backends:
        out += ["The `am` backend did not open a simulated device in this run (see the line "
                "above), so the kfd-vs-am comparison could not be made.", ""]
    verdicts = {"floor": [0, 0], "spread": [0, 0]}
    for target in targets:
        keys = sorted({(k[2], k[3]) for k in submit if k[1] == target} |
                      {(k[1], k[2]) for k in floors if k[0] == target})
        if not keys:
            continue
        header = ["queue", "verb", "dwords", "floor"]
        for b in backends:
            header += [b, f"{b} x floor"]
        if len(backends) > 1:
            header += ["spread between backends"]
        out += [f"### {target}", "", "| " + " | ".join(header) + " |",
                "|" + "---|" * len(header)]
        plot_rows = []
        for queue, op in keys:
            f = floors.get((target, queue, op))
            fl = ns(f) if ok(f) else None
            dwords = f"{f['dwords']:.0f}" if ok(f) and "dwords" in f else "-"
            shown_floor = fmt_ns(fl)
            for b in backends:
                own = own_floors.get((b, target, queue, op))
                if ok(own):
                    dwords += f" ({b}: {own.get('dwords', 0):.0f})"
                    shown_floor += f" ({b}: {fmt_ns(ns(own))})"
            cells = [queue, op, dwords, shown_floor]
            vals = []
            for b in backends:
                own = own_floors.get((b, target, queue, op))
                fl = ns(own) if ok(own) else (ns(f) if ok(f) else None)
                r = submit.get((b, target, queue, op))
                if r is None:
                    cells += ["not run", "-"]
                    vals.append(None)
                    continue
                if not ok(r):
                    cells += ["error: " + r.get("error_message", "?").replace("|", "/"), "-"]
                    vals.append(None)
                    continue
                v = ns(r)
                vals.append(v)
                if fl:
                    ratio = v / fl
                    met = ratio <= GOAL_FLOOR_RATIO
                    verdicts["floor"][0 if met else 1] += 1
                    cells += [fmt_ns(v), f"{ratio:.1f}×" + ("" if met else " (goal missed)")]
                else:
                    cells += [fmt_ns(v), "-"]
            if len(backends) > 1:
                good = [v for v in vals if v]
                if len(good) == len(vals):
                    spread = max(good) / min(good) - 1
                    met = spread <= GOAL_BACKEND_SPREAD
                    verdicts["spread"][0 if met else 1] += 1
                    cells.append(f"{spread * 100:.0f} %" + ("" if met else " (goal missed)"))
                else:
                    cells.append("-")
            out.append("| " + " | ".join(cells) + " |")
            base = ns(f) if ok(f) else None
            plot_rows.append(f'"{queue} {op}" ' + " ".join(
                f"{x:.1f}" if x else "-" for x in [base] + vals))
        png = plotter.plot(
            f"cpu_cost_{target}", plot_rows,
            bar_script(f"CPU cost per operation, {target} (simulator), log scale",
                       "ns per record + submit", 1 + len(backends),
                       ["floor (memcpy into ring)"] + [f"{b}" for b in backends]))
        out.append("")
        if png:
            out += [f"![CPU cost per operation on {target}](bench/{png})", ""]
    met, missed = verdicts["floor"]
    out += [f"**Goal ≤ {GOAL_FLOOR_RATIO:g}× floor**: met by {met} of {met + missed} "
            "(backend, device, queue, verb) rows."]
    if len(backends) > 1:
        met, missed = verdicts["spread"]
        out += [f"**Goal kfd/am within {GOAL_BACKEND_SPREAD * 100:.0f} %**: met by {met} of "
                f"{met + missed} rows."]
    else:
        out += [f"**Goal kfd/am within {GOAL_BACKEND_SPREAD * 100:.0f} %**: not measurable "
                "(only one backend ran)."]
    out += ["", "What a backend pays for and the floor leaves out: recording (each verb holds "
            "`shared_ptr` references, so atomic reference counts), validation, encoding through "
            "the packet builders (field checks per packet), and in the kfd queue's `submit`: a "
            "mutex, a copy of the command buffer to append the queue's completion write, a "
            "zero-filled heap buffer sized by `max_encoded_dwords`, and the check whether "
            "staging memory may be reused. The floor itself is a few nanoseconds (a 50-130 byte "
            "memcpy and two stores), so the 3× goal leaves only that much again for all of the "
            "above; the tables say how far each path is from it.", ""]
    return out


def section_roundtrip(programs, plotter):
    rows = rows_of(programs, "bench_backend_overhead")
    out = ["## Signal round trip", "",
           "The queue waits for signal A, then writes signal B; the CPU stores A and waits for B "
           "(`Signal::wait`). Wall time from the CPU's store to the return of its wait, mean of "
           "100 round trips. Before each store the CPU sleeps 3 ms (untimed) so the queue is "
           "already parked in its wait (the simulated engines notice a plain doorbell store within "
           "their 1 ms idle poll; that pick-up time is left out). On the simulator this measures "
           "how fast a simulated engine's wait notices the new value (it polls, then sleeps in "
           "short intervals), the signal write and the virtual KFD's event path back to the CPU: "
           "simulator behaviour, not hardware latency.",
           "", "| backend | device | queue | mean round trip |",
           "|---|---|---|---|"]
    plot_rows = []
    found = False
    for name, r in sorted(rows.items()):
        p = name.split("/")
        if p[0] != "RoundTrip" or len(p) < 4:
            continue
        found = True
        v = ns(r, "real_time") if ok(r) else None
        shown = fmt_ns(v) if ok(r) else "error: " + r.get("error_message", "?").replace("|", "/")
        out.append(f"| {p[1]} | {p[2]} | {p[3]} | {shown} |")
        plot_rows.append(f'"{p[1]} {p[2]} {p[3]}" ' + (f"{v / 1e3:.2f}" if v else "-"))
    if not found:
        return out[:2] + ["No round-trip rows in this run.", ""]
    png = plotter.plot("signal_round_trip", plot_rows,
                       bar_script("Signal round trip CPU -> GPU -> CPU (simulator)",
                                  "µs per round trip", 1, ["round trip"], logscale=False))
    out.append("")
    if png:
        out += [f"![Signal round trip](bench/{png})", ""]
    return out


def section_startup(programs, plotter):
    rows = rows_of(programs, "bench_plugin_load")
    out = ["## Plugin load and CLI cold start", ""]
    if not rows:
        return out + ["bench_plugin_load did not run.", ""]
    out += ["`Registry::load()`: finds every plugin library, loads it with Boost.DLL, checks its "
            "ABI version and creates the backend or workload object; then unloads everything "
            "(each iteration maps the libraries again). CLI rows: a new `amdhal` process "
            "(posix_spawn, its whole run, exit), wall time.", "",
            "| what | time | notes |", "|---|---|---|"]
    plot_rows = []
    for name, r in sorted(rows.items()):
        if not ok(r):
            out.append(f"| {name} | error | {r.get('error_message', '?')} |")
            continue
        if name.startswith("BM_RegistryLoad"):
            label = "Registry::load() (all plugins)"
            note = (f"{r.get('backends', 0):.0f} backends, {r.get('workloads', 0):.0f} workloads, "
                    f"{r.get('plugin_files', 0):.0f} files looked at")
            v = ns(r, "real_time")
        elif name.startswith("BM_CliColdStart/"):
            which = name.split("/")[1]
            label = {"list_json": "`amdhal --json list`", "version": "`amdhal --version`"}.get(
                which, which)
            note = "process start to exit"
            if "child_cpu_ms" in r:
                note += f"; the process's own CPU time (user + system): {r['child_cpu_ms']:.1f} ms"
            v = ns(r, "real_time")
        else:
            continue
        out.append(f"| {label} | {fmt_ns(v)} | {note} |")
        plot_rows.append(f'"{label.strip("`")}" {v / 1e6:.3f}')
    png = plotter.plot("startup", plot_rows,
                       bar_script("Plugin load and CLI cold start (log scale)", "ms", 1,
                                  ["wall time"]))
    out.append("")
    if png:
        out += [f"![Plugin load and CLI cold start](bench/{png})", ""]
    return out


def section_sdma(programs, plotter):
    rows = rows_of(programs, "bench_sim_engines")
    out = ["## Simulated SDMA copy throughput vs host memcpy", ""]
    if not rows:
        return out + ["bench_sim_engines did not run.", ""]
    out += ["One SDMA COPY_LINEAR submission (split into as many packets as the family needs) "
            "and a wait for the engine to drain it, per iteration, on a simulated gfx942; beside "
            "`memcpy` of the same size in the same process. Small sizes are dominated by the "
            "per-submission cost (doorbell, engine wake-up). Goal: SDMA ≥ "
            f"{GOAL_SDMA_VS_MEMCPY:g}× memcpy.", "",
            "| size | memcpy | simulated SDMA | SDMA / memcpy |", "|---|---|---|---|"]
    sizes = {}
    for name, r in rows.items():
        m = re.match(r"^BM_(HostMemcpy|SdmaCopyLinear)/(\d+)", name)
        if m and ok(r):
            sizes.setdefault(int(m.group(2)), {})[m.group(1)] = r.get("bytes_per_second")
    plot_rows = []
    xtics = []
    for size in sorted(sizes):
        mc = sizes[size].get("HostMemcpy")
        sd = sizes[size].get("SdmaCopyLinear")
        ratio = f"{sd / mc:.2f}×" if mc and sd else "-"
        if mc and sd and sd / mc < GOAL_SDMA_VS_MEMCPY:
            ratio += " (goal missed)"
        label = f"{size >> 20} MiB" if size >= 1 << 20 else f"{size >> 10} KiB"
        out.append(f"| {label} | {fmt_rate(mc, 'B/s')} | {fmt_rate(sd, 'B/s')} | {ratio} |")
        xtics.append(f'"{label}" {size}')
        plot_rows.append(f"{size} " + " ".join(f"{x / 1e9:.3f}" if x else "-" for x in (mc, sd)))
    script = ("set title 'Simulated SDMA COPY\\_LINEAR vs host memcpy'\n"
              "set xlabel 'bytes per copy'\nset ylabel 'GB/s'\nset logscale x 2\n"
              f"set xtics ({', '.join(xtics)})\nset grid\nset key top left\nset datafile missing '-'\n"
              "plot DATA using 1:2 with linespoints title 'host memcpy', "
              "DATA using 1:3 with linespoints title 'simulated SDMA (gfx942)'\n")
    png = plotter.plot("sdma_throughput", plot_rows, script)
    out.append("")
    if png:
        out += [f"![SDMA throughput vs memcpy](bench/{png})", ""]
    pm4 = [(n, r) for n, r in sorted(rows.items()) if n.startswith("BM_Pm4") and ok(r)]
    if pm4:
        out += ["Simulated PM4 command processor packet rate (4096 packets per submission):", "",
                "| stream | packets/s |", "|---|---|"]
        for n, r in pm4:
            out.append(f"| {n.split('/')[0][3:]} | {fmt_rate(r.get('items_per_second'), '')} |")
        out.append("")
    return out


def section_interpreter(programs, plotter):
    rows = rows_of(programs, "bench_sim_isa")
    out = ["## ISA interpreter throughput", ""]
    if not rows:
        return out + ["bench_sim_isa did not run.", ""]
    out += ["`vector_add` (gfx942, -O2) over 16 Mi floats run directly on the interpreter, "
            "beside a native C++ loop over the same data. Goal (docs/STATUS.md): at most "
            f"{GOAL_INTERPRETER_SLOWDOWN:g}× slower than native.", "",
            "| run | elements/s | lane ops/s | slowdown vs native |", "|---|---|---|---|"]
    plot_rows = []
    for name, r in sorted(rows.items()):
        if not ok(r):
            out.append(f"| {name} | error: {r.get('error_message', '?')} | - | - |")
            continue
        if name.startswith("BM_VectorAddNative"):
            label = "native loop"
        elif name.startswith("BM_VectorAddInterpreter"):
            n = int(r.get("threads", 0))
            label = f"interpreter, {n} host thread{'' if n == 1 else 's'}"
        else:
            continue
        slow = f"{r['x_native']:.1f}×" if "x_native" in r else "1×"
        if "x_native" in r and r["x_native"] > GOAL_INTERPRETER_SLOWDOWN:
            slow += " (goal missed)"
        out.append(f"| {label} | {fmt_rate(r.get('items_per_second'), '')} | "
                   f"{fmt_rate(r.get('lane_ops_per_s'), '')} | {slow} |")
        plot_rows.append(f'"{label}" {r.get("items_per_second", 0) / 1e6:.3f}')
    png = plotter.plot("interpreter", plot_rows,
                       bar_script("ISA interpreter: vector\\_add elements per second",
                                  "M elements/s (log scale)", 1, ["elements/s"]))
    out.append("")
    if png:
        out += [f"![Interpreter throughput](bench/{png})", ""]
    return out


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--build", default="build")
    ap.add_argument("--results", default=None)
    ap.add_argument("--plots", default="docs/bench")
    ap.add_argument("--out", default="docs/performance.md")
    args = ap.parse_args()
    results = args.results or os.path.join(args.build, "bench", "results")
    if not os.path.isdir(results):
        die(f"{results}: no such directory: run `make bench` first")
    programs = load_results(results)
    os.makedirs(args.plots, exist_ok=True)
    have_gnuplot = shutil.which("gnuplot") is not None
    plotter = Plotter(args.plots, have_gnuplot)
    context = next(iter(programs.values()))["context"]
    try:
        body = []
        body += section_overhead(programs, plotter)
        body += section_roundtrip(programs, plotter)
        body += section_startup(programs, plotter)
        body += section_sdma(programs, plotter)
        body += section_interpreter(programs, plotter)
    finally:
        plotter.close()
    head = [
        "# Performance",
        "",
        "Generated by `make bench` (scripts/bench.sh runs every program in bench/, keeps the "
        "Google Benchmark JSON in build/bench/results/, then scripts/bench_report.py writes this "
        "page and the plots in docs/bench/). Regenerate with `make bench`; do not edit by hand.",
        "",
        "**All GPU-side numbers are from the simulator (sim/), not from an AMD GPU.** No AMD GPU "
        "was available; CPU-side costs (recording, encoding, ring writes, plugin loading) are real "
        "CPU work on the machine below, but they were measured while the simulated engines ran "
        "on the same CPUs. Benchmarks report; goals are listed with whether this run met them and "
        "are never enforced.",
        "",
        "| program | measures |",
        "|---|---|",
        "| `bench_backend_overhead` | CPU cost of record + submit per verb, per backend, queue kind "
        "and simulated device, beside the memcpy floor; signal round trip |",
        "| `bench_plugin_load` | `Registry::load()` of every plugin; `amdhal` cold starts |",
        "| `bench_sim_engines` | simulated SDMA copy vs memcpy (4 KiB-64 MiB); PM4 packet rates |",
        "| `bench_sim_isa` | ISA interpreter throughput vs a native loop |",
        "",
        "`BENCH_MIN_TIME=0.5 make bench` runs each benchmark longer (default 0.2 s); "
        "`BENCH_FILTER=Submit make bench` runs a subset; `make bench-report` rewrites this page "
        "from the last results. Any program also runs alone, e.g. "
        "`build/bench/bench_backend_overhead --benchmark_filter=sdma`.",
        "",
        "## Machine",
        "",
        "| | |",
        "|---|---|",
    ]
    head += [f"| {k} | {v} |" for k, v in machine(args.build, context)]
    head.append("")
    load = context.get("load_avg", [])
    cpus = context.get("num_cpus") or os.cpu_count() or 1
    if load and load[0] > cpus:
        head += [f"**The machine was busy during this run** (load average {load[0]:.1f} on {cpus} "
                 "CPUs): other work competed with the benchmarks and the simulated engines, so "
                 "expect run-to-run differences of tens of percent.", ""]
    if not have_gnuplot:
        head += ["gnuplot was not found: no plots were made (`make deps` installs gnuplot-nox).",
                 ""]
    for failure in plotter.failed:
        head += [f"Plot failed: {failure}", ""]
    with open(args.out, "w", encoding="utf-8") as f:
        f.write("\n".join(head + body).rstrip() + "\n")
    print(f"bench_report: wrote {args.out} and {len(plotter.made)} plots in {args.plots}")


if __name__ == "__main__":
    main()

#!/usr/bin/env python3
"""Runs one benchmark program briefly and checks its JSON: the named rows exist and ran without
error, and the named counters are in range. Checks what the programs compute, never how fast
anything is. Run by ctest (BenchSmoke.*).

Usage: smoke_check.py PROGRAM FILTER ROW[:COUNTER>=MIN[:COUNTER>=MIN...]]...
  ROW is a regular expression that must match at least one benchmark name.
"""

import json
import os
import re
import subprocess
import sys
import tempfile


def main():
    if len(sys.argv) < 4:
        print(__doc__.strip().splitlines()[-2], file=sys.stderr)
        return 2
    program, bench_filter, specs = sys.argv[1], sys.argv[2], sys.argv[3:]
    fd, out = tempfile.mkstemp(suffix=".json", prefix="amdhal-bench-smoke-")
    os.close(fd)
    try:
        r = subprocess.run([program, f"--benchmark_filter={bench_filter}",
                            "--benchmark_min_time=0.01", f"--benchmark_out={out}",
                            "--benchmark_out_format=json"],
                           capture_output=True, text=True, check=False, timeout=300)
        sys.stdout.write(r.stdout)
        if r.returncode != 0:
            print(f"{program} exited with {r.returncode}: {r.stderr.strip()}", file=sys.stderr)
            return 1
        with open(out, encoding="utf-8") as f:
            rows = json.load(f)["benchmarks"]
    finally:
        os.unlink(out)
    failures = []
    for spec in specs:
        pattern, *counters = spec.split(":")
        matched = [b for b in rows if re.search(pattern, b["name"])]
        if not matched:
            failures.append(f"no benchmark matches {pattern!r} (have: "
                            f"{', '.join(b['name'] for b in rows) or 'none'})")
            continue
        for b in matched:
            if b.get("error_occurred"):
                failures.append(f"{b['name']}: {b.get('error_message', 'error')}")
                continue
            for c in counters:
                key, low = c.split(">=")
                if key not in b:
                    failures.append(f"{b['name']}: no counter {key}")
                elif not b[key] >= float(low):
                    failures.append(f"{b['name']}: {key} = {b[key]}, expected >= {low}")
    for f in failures:
        print(f"FAILED: {f}", file=sys.stderr)
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())

"""Run every benchmark and write bench/RESULTS.md.

Input: command-line options (``--quick`` for a smoke run, which prints the
report instead of writing RESULTS.md unless ``--out`` is given).  Output:
bench/RESULTS.md: the machine, the exact command, every target marked met or
not with the measured ratio, each benchmark's tables, and bench/NOTES.md
(the hand-written analysis) verbatim.

Each benchmark runs in its own process (torch and jax stay out of the others).
"""

from __future__ import annotations

import argparse
import datetime
import json
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import common as c

BENCHMARKS = ["startup", "docs", "derive", "step", "variants"]  # cheap first; the step benchmark loads torch and jax


def main(argv=None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--quick", action="store_true", help="smoke run of every benchmark")
    ap.add_argument("--only", help="comma-separated subset of " + ",".join(BENCHMARKS))
    ap.add_argument("--out", type=Path, help="report path [default: bench/RESULTS.md; --quick: stdout]")
    args = ap.parse_args(argv)
    names = args.only.split(",") if args.only else BENCHMARKS
    info = c.machine()
    started = datetime.datetime.now(datetime.timezone.utc)
    results, elapsed = {}, {}
    with tempfile.TemporaryDirectory() as tmp:
        for name in names:
            out = Path(tmp) / f"{name}.json"
            script = c.BENCH / ("variants_step.py" if name == "variants" else f"bench_{name}.py")
            cmd = [sys.executable, str(script), "--json", str(out)]
            cmd += ["--quick"] if args.quick else []
            print(f"{script.name} …", file=sys.stderr, flush=True)
            t = time.perf_counter()
            p = subprocess.run(cmd, stdout=subprocess.DEVNULL, env=c.child_env(), check=False)
            elapsed[name] = time.perf_counter() - t
            if p.returncode != 0:
                results[name] = {"markdown": f"## {script.name}\n\nFAILED (exit {p.returncode}).\n",
                                 "targets": [], "failed": True}
                continue
            results[name] = json.loads(out.read_text())
    report = render(info, started, results, elapsed, args)
    target = args.out or (None if args.quick else c.BENCH / "RESULTS.md")
    if target is None:
        print(report)
    else:
        target.write_text(report)
        print(f"wrote {target}", file=sys.stderr)
    if any(r.get("failed") for r in results.values()):
        raise SystemExit(1)


def render(info: dict, started, results: dict, elapsed: dict, args) -> str:
    argv = " ".join(["python", "bench/run_all.py", *(["--quick"] if args.quick else []),
                     *([f"--only {args.only}"] if args.only else [])])
    targets = [t for r in results.values() for t in r.get("targets", [])]
    lines = [
        "# Benchmark results",
        "",
        (
            f"Written by `{argv}` (`make bench`), started {started:%Y-%m-%d %H:%M} UTC, "
            f"took {sum(elapsed.values()) / 60:.1f} min "
            f"({', '.join(f'{k} {v:.0f} s' for k, v in elapsed.items())}); "
            f"load average at the end {c.load()}. Speed is never asserted in tests; these are "
            "measurements on a shared machine, so peers are compared side by side in one run, in "
            "interleaved rounds, by medians and ratios."
            + (" **Quick smoke run: smallest cases only, the verdicts below are not the targets' verdicts.**"
               if args.quick else "")
        ),
        "",
        "## Machine",
        "",
        c.machine_markdown(info),
        "",
        "## Targets (issue 5, and the scale target of issue 2)",
        "",
        c.table(["target", "goal", "measured", "status"],
                [(t["target"], t["goal"], t["measured"], f"**{t['status']}**") for t in targets]),
        "",
    ]
    for name in ("derive", "step", "variants", "docs", "startup"):
        if name in results:
            lines.append(results[name]["markdown"])
    notes = c.BENCH / "NOTES.md"
    if notes.exists():
        lines.append(notes.read_text())
    return "\n".join(lines).rstrip() + "\n"


if __name__ == "__main__":
    main()

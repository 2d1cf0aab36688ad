"""Benchmark: derivation time against parameter count, with naive per-parameter diff beside it.

Input: command-line options (``--quick`` for a smoke run on 4,3,2 only).
Output: Markdown on stdout and, with ``--json PATH``, the numbers as JSON
(bench/run_all.py assembles them into bench/RESULTS.md).

Measured per network, in interleaved rounds, each in a fresh process (cold
caches, as the command sees them):

* stages: graph, chain, collapse, check (a) (``derive.verify.check_collapse``
  plus the matrix forms, ``check_matrix_equations``);
* naive: ``sympy.diff`` of ``derive.graph.nested_cost`` for every parameter
  (only where it finishes in reasonable time; extrapolated elsewhere);
* the whole command ``derive --layers … --nested-check off`` and with the
  default checks, as subprocesses, wall time.
"""

from __future__ import annotations

import argparse
import contextlib
import cProfile
import io
import json
import pstats
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import common as c

SIZES = ["4,3,2", "16,8,4", "64,32,10", "128,64,10", "784,30,10", "784,100,10"]
NAIVE_SIZES = ["4,3,2", "16,8,4"]  # naive diff finishes in seconds only here
STAGES = ["graph", "chain", "collapse", "check_a"]
TARGET_CLI = 5.0  # s, 784,100,10 through the command with check (a)
TARGET_SPEEDUP = 500.0  # × naive diff at 16,8,4
TARGET_EXPONENT = 1.0  # at most linear


# ---------------------------------------------------------------------------
# workers (run in a fresh process each)


def worker_stages(layers: str) -> dict:
    t0 = time.perf_counter()
    import derive
    from derive.verify import check_collapse, check_matrix_equations

    out = {"import": time.perf_counter() - t0}
    # Warm-up on 2,2,2 (untimed here, reported as "first call"): SymPy's one-time
    # set-up costs would otherwise be charged to the first stage of a small network.
    t = time.perf_counter()
    warm = derive.collapse(derive.chain(derive.graph(derive.make_spec("2,2,2"))))
    check_collapse(warm, lambda n: None)
    check_matrix_equations(warm, 0)
    out["first_call"] = time.perf_counter() - t
    spec = derive.make_spec(layers)
    t = time.perf_counter()
    g = derive.graph(spec)
    out["graph"], t = time.perf_counter() - t, time.perf_counter()
    ch = derive.chain(g)
    out["chain"], t = time.perf_counter() - t, time.perf_counter()
    d = derive.collapse(ch)
    out["collapse"], t = time.perf_counter() - t, time.perf_counter()
    a = check_collapse(d, lambda n: None)
    m = check_matrix_equations(d, 0)
    out["check_a"] = time.perf_counter() - t
    if not (a.passed and m.passed):
        raise SystemExit(f"check (a) failed for {layers}")
    out["parameters"] = spec.n_parameters
    return out


def worker_naive(layers: str) -> dict:
    import sympy as sp

    import derive
    from derive.graph import nested_cost, parameters

    spec = derive.make_spec(layers)
    g = derive.graph(spec)
    t = time.perf_counter()
    C = nested_cost(g)
    nested = time.perf_counter() - t
    t = time.perf_counter()
    for p in parameters(spec):
        sp.diff(C, p)
    return {"nested_cost": nested, "diff": time.perf_counter() - t}


def _run_worker(kind: str, layers: str) -> dict:
    cmd = [sys.executable, __file__, "--worker", kind, layers]
    p = subprocess.run(cmd, capture_output=True, text=True, env=c.child_env(), check=False)
    if p.returncode != 0:
        raise RuntimeError(f"worker {kind} {layers} failed: {p.stderr.strip()[-800:]}")
    return json.loads(p.stdout.strip().splitlines()[-1])


# ---------------------------------------------------------------------------
# the benchmark


def measure(sizes: list[str], rounds: int, naive_sizes: list[str]) -> dict:
    derive_cmd = c.derive_command()
    stages = {s: [] for s in sizes}
    naive = {s: [] for s in naive_sizes}
    cli_off = {s: [] for s in sizes}
    cli_default = {s: [] for s in sizes}
    with tempfile.TemporaryDirectory() as tmp:
        for r in range(rounds):
            for s in sizes:
                print(f"  round {r + 1}/{rounds}: {s}", file=sys.stderr, flush=True)
                stages[s].append(_run_worker("stages", s))
                if s in naive:
                    naive[s].append(_run_worker("naive", s))
                base = [*derive_cmd, "--layers", s, "-o", str(Path(tmp) / s.replace(",", "-"))]
                cli_off[s].append(c.run_timed([*base, "--nested-check", "off"], env=c.child_env()))
                cli_default[s].append(c.run_timed(base, env=c.child_env()))
    return {"stages": stages, "naive": naive, "cli_off": cli_off, "cli_default": cli_default,
            "command": derive_cmd}


def profile_cli(layers: str) -> str:
    """cProfile of the whole command (--nested-check off): top functions by own time."""
    sys.path.insert(0, str(c.ROOT))
    import cli

    prof = cProfile.Profile()
    with tempfile.TemporaryDirectory() as tmp, contextlib.redirect_stdout(io.StringIO()):
        prof.enable()
        try:
            cli.main(["--layers", layers, "--nested-check", "off", "-o", tmp], standalone_mode=False)
        finally:
            prof.disable()
    buf = io.StringIO()
    stats = pstats.Stats(prof, stream=buf)
    stats.sort_stats("cumulative").print_stats(r"(derive|cli)\.py|/derive/", 18)
    text = buf.getvalue()
    start = text.find("   ncalls")
    return text[start:].rstrip() if start >= 0 else text


def summarise(m: dict, rounds: int, profile: str | None) -> dict:
    sizes = list(m["stages"])
    rows, P, totals = [], [], []
    for s in sizes:
        runs = m["stages"][s]
        med = {k: c.median([r[k] for r in runs]) for k in ["import", "first_call", *STAGES]}
        derived = c.median([r["graph"] + r["chain"] + r["collapse"] for r in runs])
        total = c.median([sum(r[k] for k in STAGES) for r in runs])
        P.append(runs[0]["parameters"])
        totals.append(total)
        naive = m["naive"].get(s)
        naive_t = c.median([n["nested_cost"] + n["diff"] for n in naive]) if naive else None
        rows.append(dict(layers=s, parameters=P[-1], **med, derived=derived, total=total,
                         naive=naive_t, cli_off=c.median(m["cli_off"][s]),
                         cli_default=c.median(m["cli_default"][s])))
    exponent = c.fit_exponent(P, totals) if len(P) > 1 else None
    large = [(p, t) for p, t in zip(P, totals) if p >= 1000]
    exponent_large = c.fit_exponent(*zip(*large)) if len(large) > 1 else None
    naive_rows = [r for r in rows if r["naive"] is not None]
    naive_exp = (
        c.fit_exponent([r["parameters"] for r in naive_rows], [r["naive"] for r in naive_rows])
        if len(naive_rows) > 1 else None
    )
    for r in rows:
        r["naive_extrapolated"] = None
        if r["naive"] is None and naive_exp is not None:
            last = naive_rows[-1]
            r["naive_extrapolated"] = last["naive"] * (r["parameters"] / last["parameters"]) ** naive_exp
    speed = {}
    for r in rows:
        s = r["layers"]
        if s in m["naive"]:
            pairs = zip(m["naive"][s], m["stages"][s])
            per_round = [(n["nested_cost"] + n["diff"], st) for n, st in pairs]
            speed[s] = {
                "derived": c.median([n / (st["graph"] + st["chain"] + st["collapse"]) for n, st in per_round]),
                "with_check_a": c.median([n / sum(st[k] for k in STAGES) for n, st in per_round]),
            }
    targets = _targets(rows, exponent, speed)
    result = {"rounds": rounds, "rows": rows, "exponent": exponent, "exponent_large": exponent_large,
              "naive_exponent": naive_exp,
              "speedup": speed, "targets": targets, "command": m["command"], "profile": profile}
    result["markdown"] = markdown(result)
    return result


def _targets(rows, exponent, speed) -> list[dict]:
    by = {r["layers"]: r for r in rows}
    out = []
    big = by.get("784,100,10")
    out.append(c.target_row(
        "derivation: 784,100,10 derived, collapsed, check (a), through the command",
        f"≤ {TARGET_CLI:g} s",
        f"{big['cli_off']:.2f} s (--nested-check off); {big['cli_default']:.2f} s with default checks"
        if big else "not run", None if big is None else big["cli_off"] <= TARGET_CLI))
    full = "4,3,2" in by and "784,100,10" in by
    out.append(c.target_row(
        "derivation: exponent of time vs parameter count (4,3,2 … 784,100,10)", f"≤ {TARGET_EXPONENT:g}",
        f"{exponent:.2f}" if exponent is not None else "not run",
        None if exponent is None or not full else exponent <= TARGET_EXPONENT))
    sp16 = speed.get("16,8,4")
    out.append(c.target_row(
        "derivation: speed-up over naive per-parameter diff at 16,8,4", f"≥ {TARGET_SPEEDUP:g}×",
        f"{sp16['derived']:.0f}× (graph+chain+collapse); {sp16['with_check_a']:.0f}× including check (a)"
        if sp16 else "not run", None if sp16 is None else sp16["derived"] >= TARGET_SPEEDUP))
    return out


def markdown(res: dict) -> str:
    t = c.fmt_time
    rows = [
        (r["layers"], f"{r['parameters']:,}", t(r["graph"]), t(r["chain"]), t(r["collapse"]),
         t(r["check_a"]), t(r["total"]), t(r["cli_off"]), t(r["cli_default"]),
         t(r["naive"]) if r["naive"] is not None
         else (f"~{t(r['naive_extrapolated'])} (extrapolated)" if r["naive_extrapolated"] else "–"))
        for r in res["rows"]
    ]
    lines = [
        "## Derivation time vs parameter count",
        "",
        (
            f"Medians of {res['rounds']} interleaved rounds; every stage measurement in a fresh process, "
            "after an untimed warm-up derivation of 2,2,2 that pays SymPy's one-time set-up "
            f"(median {c.fmt_time(c.median([r['first_call'] for r in res['rows']]))}; the command columns include it). "
            "*check (a)* = `derive.verify.check_collapse` + `check_matrix_equations`; "
            "*in-process total* = graph + chain + collapse + check (a); "
            f"*command* = `{' '.join(Path(x).name for x in res['command'])} --layers … -o DIR` wall time "
            "(process start, imports, derivation, summary, writing); *naive* = build "
            "`derive.graph.nested_cost` and `sympy.diff` it by every parameter."
        ),
        "",
        c.table(["layers", "parameters", "graph", "chain", "collapse", "check (a)",
                 "in-process total", "command --nested-check off", "command, default checks",
                 "naive diff"], rows),
        "",
    ]
    if res["exponent"] is not None:
        lines.append(
            f"Fitted exponent (log-log least squares of the in-process total against parameter count, "
            f"{res['rows'][0]['layers']} … {res['rows'][-1]['layers']}): **time ∝ P^{res['exponent']:.2f}**."
        )
    if res["exponent_large"] is not None:
        lines.append(
            f"Over the networks with at least 1,000 parameters only: P^{res['exponent_large']:.2f} "
            "(the small networks' times are dominated by fixed costs such as SymPy's first calls)."
        )
    if res["naive_exponent"] is not None:
        lines.append(
            f"Naive diff grows like P^{res['naive_exponent']:.2f} between the two sizes where it was run; "
            "the larger sizes' naive times above are extrapolated with that exponent, not measured."
        )
    for s, sp_ in res["speedup"].items():
        lines.append(
            f"Speed-up over naive diff at {s} (median of per-round ratios): "
            f"{sp_['derived']:.0f}× for graph+chain+collapse, {sp_['with_check_a']:.0f}× including check (a)."
        )
    if res.get("profile"):
        lines += ["", ("cProfile of the whole command at 784,100,10 (`--nested-check off`), "
                       "derive's and cli.py's functions by cumulative time (cProfile's own overhead roughly doubles the times):"), "", "```", res["profile"], "```"]
    return "\n".join(lines) + "\n"


def main(argv=None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--quick", action="store_true", help="smoke run: 4,3,2 only, one round")
    ap.add_argument("--sizes", help="comma-free list separated by spaces, e.g. '4,3,2 16,8,4'")
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument("--no-profile", action="store_true")
    ap.add_argument("--json", type=Path, help="also write the results as JSON here")
    ap.add_argument("--worker", nargs=2, metavar=("KIND", "LAYERS"), help=argparse.SUPPRESS)
    args = ap.parse_args(argv)
    if args.worker:
        kind, layers = args.worker
        print(json.dumps({"stages": worker_stages, "naive": worker_naive}[kind](layers)))
        return
    sizes = args.sizes.split() if args.sizes else (["4,3,2"] if args.quick else SIZES)
    rounds = 1 if args.quick else args.rounds
    naive_sizes = [s for s in NAIVE_SIZES if s in sizes]
    m = measure(sizes, rounds, naive_sizes)
    big = "784,100,10"
    profile = None if (args.quick or args.no_profile or big not in sizes) else profile_cli(big)
    c.save("derive", summarise(m, rounds, profile), args.json)


if __name__ == "__main__":
    main()

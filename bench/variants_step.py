"""Where the generated module's step loses time against hand NumPy: measured variants.

Input: command-line options.  Output: Markdown on stdout (for bench/NOTES.md).

The generated module's source is edited in memory (never on disk, never the
template) into variants, each checked to give the same gradients, and timed
side by side with the unedited module and the hand-vectorised step of
bench_step.py, in interleaved rounds:

* ``as generated`` (σ's ``np.errstate`` guard entered once per forward
  pass, the mean's 1/B folded into ∇_a C);
* ``no guard``: the forward pass without its ``np.errstate`` guard (not
  acceptable as such — it warns on overflow — but it prices the guard);
* ``guard per layer``: the guard entered at every layer (the public σ, as
  before commit "codegen: one overflow guard per forward pass").

A variant whose source pattern is not found (the template changed) is skipped.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import types
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
import bench_step as bs
import common as c

GUARD = '    with np.errstate(over="ignore"):'


def variants(source: str, L: int) -> dict[str, str]:
    out = {"as generated": source}
    lines = source.split("\n")
    try:
        start = lines.index(next(s for s in lines if s.startswith("def forward(")))
        i = next(n for n, s in enumerate(lines) if n > start and s.startswith(GUARD))
        j = next(n for n, s in enumerate(lines) if s.startswith(f"        a{L} = _sigmoid(z{L})"))
    except StopIteration:  # the template changed, or not a sigmoid network
        return out
    body = [s[4:] for s in lines[i + 1:j + 1]]
    out["no guard"] = "\n".join(lines[:i] + body + lines[j + 1:])
    per_layer = [s.replace("= _sigmoid(", "= sigmoid(") for s in body]
    out["guard per layer"] = "\n".join(lines[:i] + per_layer + lines[j + 1:])
    return out


def load(source: str, name: str) -> types.ModuleType:
    module = types.ModuleType(name)
    exec(compile(source, name, "exec"), module.__dict__)  # noqa: S102  (our own generated source)
    return module


def compare(base, mods: dict, layers, B: int, dtype: str, rounds: int) -> list[float]:
    """Each variant's time over the hand step's, median of per-round ratios."""
    L = len(layers) - 1
    p, x, y = bs.problem(base, layers, B, dtype, np.random.default_rng(1))
    ref = base.gradients(p, x, y)
    for k, m in mods.items():
        bs.check_agreement(k, m.gradients(p, x, y), ref, dtype)
    cands = {k: (lambda m=m: m.gradients(p, x, y)) for k, m in mods.items()}
    cands["hand"] = lambda: bs.hand_gradients(p, x, y, L)
    t = c.interleaved(cands, rounds)
    return [c.paired_ratio(t, k, "hand") for k in mods]


def main(argv=None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--archs", default="784-30-10 784-256-128-10")
    ap.add_argument("--batches", default="1,32,256")
    ap.add_argument("--dtypes", default="float64,float32")
    ap.add_argument("--rounds", type=int, default=21)
    ap.add_argument("--quick", action="store_true", help="smoke run: 4-3-2, batch 2, float64, 3 rounds")
    ap.add_argument("--json", type=Path, help="also write the results as JSON here")
    args = ap.parse_args(argv)
    if args.quick:
        args.archs, args.batches, args.dtypes, args.rounds = "4-3-2", "2", "float64", 3
    rows = []
    names: list[str] = []
    with tempfile.TemporaryDirectory() as tmp:
        for arch in args.archs.split():
            layers = tuple(int(n) for n in arch.split("-"))
            L = len(layers) - 1
            base = bs.generated_module(layers, Path(tmp))
            mods = {k: load(v, f"variant{i}") for i, (k, v) in
                    enumerate(variants(Path(base.__file__).read_text(), L).items())}
            names = list(mods)
            for dtype in args.dtypes.split(","):
                for B in (int(b) for b in args.batches.split(",")):
                    ratios = compare(base, mods, layers, B, dtype, args.rounds)
                    rows.append((arch, B, dtype, *[f"{r:.3f}" for r in ratios]))
    text = "\n".join([
        "## The generated step's overhead, priced by variants",
        "",
        ("The generated module's source edited in memory into variants (see `bench/variants_step.py`; "
         "the *no guard* variant warns on overflow and is not acceptable as such). "
         f"Time / hand-vectorised NumPy time, medians of {args.rounds} interleaved per-round ratios:"),
        "",
        c.table(["network", "batch", "dtype", *names], rows),
    ]) + "\n"
    c.save("variants", {"rows": rows, "names": names, "targets": [], "markdown": text}, args.json)


if __name__ == "__main__":
    main()

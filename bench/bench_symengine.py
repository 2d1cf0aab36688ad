"""Check (b)'s reference derivatives: SymPy's diff against SymEngine's, side by side.

Input: none.  Output: Markdown lines on stdout (quoted in bench/NOTES.md):
per network, the time to differentiate the fully nested cost by every
parameter with ``sympy.diff`` and with SymEngine (conversion included), and
the whole numeric check (b) (``derive.nested.check_nested``, mode numeric)
with each engine.  Needs the symengine extra; not part of run_all.
"""

from __future__ import annotations

import time

import sympy as sp
from sympy.core.cache import clear_cache

import derive
from derive import nested
from derive.graph import nested_cost, parameters


def seconds(f) -> float:
    clear_cache()  # SymPy memoises diff: every timing starts cold
    t = time.perf_counter()
    f()
    return time.perf_counter() - t


def symengine_diffs(C: sp.Expr, ps) -> list:
    """∂C/∂p for every p by SymEngine, the conversion of C included (once, as derive.nested does)."""
    import symengine as se

    E = se.sympify(C)
    return [E.diff(se.sympify(p)) for p in ps]


def main() -> None:
    print("| layers | parameters | sympy.diff | symengine.diff | ratio | check (b), sympy | check (b), symengine |")
    print("|---|---|---|---|---|---|---|")
    for layers in ([4, 3, 2], [3, 5, 4, 2], [16, 8, 4]):
        d = derive.derive(layers, nested="off")
        C, ps = nested_cost(d.graph), parameters(d.spec)
        t_sympy = seconds(lambda C=C, ps=ps: [sp.diff(C, p) for p in ps])
        t_se = seconds(lambda C=C, ps=ps: symengine_diffs(C, ps))
        checks = {}
        for engine in ("sympy", "symengine"):
            nested.differentiator = lambda engine=engine: engine
            checks[engine] = seconds(lambda d=d: nested.check_nested(d, seed=0, mode="numeric"))
        print(f"| {','.join(map(str, layers))} | {len(ps)} | {t_sympy:.3f} s | {t_se:.4f} s | "
              f"{t_sympy / t_se:.0f}× | {checks['sympy']:.2f} s | {checks['symengine']:.2f} s |")


if __name__ == "__main__":
    main()

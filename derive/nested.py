"""Check (b): the chain rule against SymPy's ``diff`` of the fully nested cost.

Input: a ``Derivation``.  Output: a ``Check``.  Every chain-rule result
∂C/∂p = ∂z/∂p · σ'(z) · ∂C/∂a, with the intermediate symbols (z, a, σ',
∂C/∂a) substituted, is compared with ``sympy.diff`` of C(x, W, b, y) written
as one expression in elementary functions:

* exact    (≤ ``EXACT_LIMIT`` parameters): the difference reduces to 0;
* numeric  (≤ ``NUMERIC_LIMIT``): at ``POINTS`` seeded random points in
  ``DIGITS``-digit arithmetic, every parameter;
* sampled  (larger): the same on a seeded random sample of ``SAMPLE_SIZE``
  parameters at ``SAMPLED_POINTS`` points, differentiating the cost as a
  function of that parameter alone.
"""

from __future__ import annotations

import random
from collections.abc import Callable, Iterator

import mpmath
import sympy as sp

from . import symbols as s
from .checks import Check, Progress
from .collapse import Derivation
from .graph import Graph, nested_cost, parameters
from .methods import method
from .rules import Activation, ActivationPrimeBase

EXACT_LIMIT = 30  # parameters: exact check
NUMERIC_LIMIT = 250  # parameters: numeric check of every parameter
SAMPLE_SIZE = 16  # parameters checked in larger networks
POINTS = 3  # seeded random points (numeric)
SAMPLED_POINTS = 2  # seeded random points (sampled: one diff per parameter and point)
DIGITS = 40  # working precision, decimal digits
TOLERANCE = 1e-30  # relative error allowed


def explicit(expr: sp.Expr, act: Activation) -> sp.Expr:
    """σ'(z) → the rule's σ(z)(1 − σ(z)) → σ in elementary functions."""
    expr = expr.replace(
        lambda e: isinstance(e, ActivationPrimeBase), lambda e: act.prime_of_z(e.args[0])
    )
    return expr.replace(act.f, act.explicit)


def check_nested(
    d: Derivation, *, seed: int, mode: str = "auto", progress: Progress = lambda n: None
) -> Check:
    """(b) chain rule with intermediates substituted versus diff of the nested cost."""
    params = parameters(d.spec)
    P = len(params)
    if mode == "auto":
        mode = "exact" if P <= EXACT_LIMIT else "numeric" if P <= NUMERIC_LIMIT else "sampled"
    if mode not in ("exact", "numeric", "sampled"):
        raise ValueError(f"unknown nested mode {mode!r}; allowed: auto, exact, numeric, sampled, off")
    if mode == "exact":
        return _exact(d, params, progress)
    rng = random.Random(seed)
    if mode == "sampled":
        params = [params[i] for i in sorted(rng.sample(range(P), min(SAMPLE_SIZE, P)))]
    return _numeric(d, params, P, rng, sampled=(mode == "sampled"), progress=progress)


# ---------------------------------------------------------------------------
# exact


def _substituted(d: Derivation) -> Callable[[sp.Symbol], sp.Expr]:
    """p ↦ its chain-rule result in terms of x, W, b, y only (memoised per neuron)."""
    g, act = d.graph, d.graph.activation
    nested_a = {s.a(0, k): s.a(0, k) for k in g.neurons(0)}
    base = {}
    for l in range(1, g.spec.L + 1):
        for j in g.neurons(l):
            base[s.z(l, j)] = g.z[(l, j)].xreplace(nested_a)
            base[s.a(l, j)] = nested_a[s.a(l, j)] = act.explicit(base[s.z(l, j)])
    dC_da = {}
    for (l, j), grad in sorted(d.chain.activation_gradients.items(), reverse=True):
        dC_da[grad.symbol] = explicit(grad.value.xreplace(dC_da), act).xreplace(base)

    def substitute(p: sp.Symbol) -> sp.Expr:
        value = d.chain.parameters[p].value.xreplace(dC_da)
        return explicit(value, act).xreplace(base)

    return substitute


def _exact(d: Derivation, params, progress: Progress) -> Check:
    cost = nested_cost(d.graph)
    substitute = _substituted(d)
    failures = []
    for p in params:
        if not is_zero(sp.diff(cost, p) - substitute(p)):
            failures.append(f"{p}: chain rule differs from diff of the nested cost")
        progress(1)
    return Check("nested diff (b)", method("nested_exact"), len(params), len(params), tuple(failures))


def is_zero(e: sp.Expr) -> bool:
    """Exact test that ``e`` is 0.

    Each transcendental atom (exp(u), tanh(u)) is replaced by an independent
    symbol; if the numerator of the resulting rational function expands to 0,
    ``e`` is identically 0.  If not, a value clearly away from 0 at a random
    point proves ``e`` is not 0; only an undecided case goes to ``simplify``.
    """
    atoms = {f: s.fresh() for f in e.atoms(sp.Function)}
    numerator, _ = sp.fraction(sp.together(e.xreplace(atoms)))
    if sp.expand(numerator) == 0:
        return True
    rng = random.Random(0)
    point = {x: sp.Rational(rng.randint(-900, 900), 1000) for x in e.free_symbols}
    if abs(e.evalf(DIGITS, subs=point)) > TOLERANCE:
        return False
    return sp.simplify(e) == 0


# ---------------------------------------------------------------------------
# numeric


def _numeric(d, params, P: int, rng: random.Random, *, sampled: bool, progress: Progress) -> Check:
    g = d.graph
    failed, worst = {}, 0.0  # parameter → its largest relative error above tolerance
    points = SAMPLED_POINTS if sampled else POINTS
    engine = differentiator()
    reference = None if sampled else _diff_everything(g, params, progress, engine)
    with mpmath.workdps(DIGITS):
        for _ in range(points):
            point = _random_point(g, rng)
            values = _evaluate_chain(d, point, params)
            refs = _sampled_diffs(g, params, point, values) if sampled else reference(point)
            for p, ref in zip(params, refs):
                err = abs(values[("grad", p)] - ref) / max(abs(ref), mpmath.mpf("1e-30"))
                worst = max(worst, float(err))
                if err > TOLERANCE:
                    failed[p] = max(failed.get(p, 0.0), float(err))
            if sampled:
                progress(len(params) // points)
    how = {"points": points, "digits": DIGITS, "tolerance": TOLERANCE}
    if sampled:
        how = method("nested_sampled", sample=len(params), total=P, **how)
    else:
        how = method("nested_numeric", diff=DIFFERENTIATORS[engine][0], **how)
    failures = tuple(f"{p}: relative error {err:.2e}" for p, err in failed.items())
    return Check("nested diff (b)", how, len(params), P, failures[:20], worst)


def differentiator() -> str:
    """``symengine`` when it is installed (its diff is 120–350× faster, bench/NOTES.md), else ``sympy``."""
    try:
        import symengine  # noqa: F401
    except ImportError:
        return "sympy"
    return "symengine"


def _sympy_derivatives(cost: sp.Expr, params) -> Iterator[sp.Expr]:
    return (sp.diff(cost, p) for p in params)


def _symengine_derivatives(cost: sp.Expr, params) -> Iterator[sp.Expr]:
    import symengine as se

    C = se.sympify(cost)
    # back to SymPy for lambdify's mpmath printer; the symbols come back with the same names
    # (without real=True), and names are all that lambdify's generated code goes by
    return (C.diff(se.sympify(p))._sympy_() for p in params)


# engine → (how the method names it, ∂C/∂p for each p)
DIFFERENTIATORS = {
    "sympy": ("sympy.diff", _sympy_derivatives),
    "symengine": ("symengine.diff", _symengine_derivatives),
}


def _diff_everything(g: Graph, params, progress: Progress, engine: str) -> Callable[[dict], list]:
    """point ↦ [∂C/∂p at the point for p in params], C the nested cost, by ``engine``'s diff.

    The derivatives are compiled together into one mpmath function (common
    subexpressions shared), which evaluates them in DIGITS-digit arithmetic.
    """
    derivatives = []
    for e in DIFFERENTIATORS[engine][1](nested_cost(g), params):
        derivatives.append(e)
        progress(1)
    inputs = [s.a(0, k) for k in g.neurons(0)] + [s.y(j) for j in g.neurons(g.spec.L)]
    arguments = inputs + parameters(g.spec)
    f = sp.lambdify(arguments, derivatives, "mpmath", cse=True)
    return lambda point: f(*(point[x] for x in arguments))


def _sampled_diffs(g: Graph, params, point: dict, values: dict) -> list:
    """∂C/∂p at the point for p in params, each by ``sympy.diff`` of C as a function of p alone."""
    refs = []
    for p in params:
        ref = sp.diff(_cost_of(g, p, values), p).xreplace({p: _float(point[p])})
        refs.append(mpmath.mpf(sp.Float(ref, DIGITS)._mpf_))
    return refs


def _float(x) -> sp.Float:
    return sp.Float(x, DIGITS)


def _random_point(g: Graph, rng: random.Random) -> dict:
    """Inputs, targets and parameters drawn uniformly from [-1, 1], as mpmath numbers."""
    symbols = [s.a(0, k) for k in g.neurons(0)] + [s.y(j) for j in g.neurons(g.spec.L)]
    return {x: mpmath.mpf(rng.uniform(-1, 1)) for x in symbols + parameters(g.spec)}


def _mp(expr: sp.Expr, values: dict):
    """Evaluate a sum of products of known symbols and numbers in mpmath."""
    if expr in values:
        return values[expr]
    if expr.is_Add:
        return mpmath.fsum(_mp(t, values) for t in expr.args)
    if expr.is_Mul:
        return mpmath.fprod(_mp(f, values) for f in expr.args)
    if expr.is_Number:
        return mpmath.mpf(sp.Float(expr, DIGITS)._mpf_)
    return mpmath.mpf(sp.Float(expr.xreplace({k: _float(v) for k, v in values.items() if isinstance(k, sp.Basic)}), DIGITS)._mpf_)


def _evaluate_chain(d: Derivation, point: dict, params) -> dict:
    """The point extended by the forward pass, σ'(z^l_j) (by the rule), ∂C/∂a
    (top-down) and the chain-rule result of each p in ``params``, keyed ``("grad", p)``."""
    g, act = d.graph, d.graph.activation
    values = dict(point)
    (x,) = s.scratch("x")
    sigma = sp.lambdify(x, act.explicit(x), "mpmath")
    prime = sp.lambdify(x, explicit(act.prime(x), act), "mpmath")
    for l in range(1, g.spec.L + 1):
        for j in g.neurons(l):
            zv = values[s.z(l, j)] = _mp(g.z[(l, j)], values)
            values[s.a(l, j)] = sigma(zv)
            values[act.prime(s.z(l, j))] = prime(zv)  # σ'(z^l_j) by the rule
    for (l, j), grad in sorted(d.chain.activation_gradients.items(), reverse=True):
        values[grad.symbol] = _mp(grad.value, values)
    for p in params:
        values[("grad", p)] = _mp(d.chain.parameters[p].value, values)
    return values


def _cost_of(g: Graph, p: sp.Symbol, values: dict) -> sp.Expr:
    """The nested cost as a function of ``p`` alone, everything else fixed at ``values``.

    Neurons that do not depend on p keep their value at the point; the others
    are rebuilt from the definitions with p free and σ in elementary functions.
    Terms without p are summed numerically first, which keeps the expression small.
    """
    at = s.describe(p)
    free = {}  # a^l_j → expression in p, for the neurons downstream of p
    for l in range(at.l, g.spec.L + 1):
        for j in g.neurons(l):
            if l == at.l and j != at.j:
                continue
            known, symbolic = [], []
            for k in g.neurons(l - 1):
                weight, source = s.w(l, j, k), s.a(l - 1, k)
                if weight == p or source in free:
                    w_k = p if weight == p else _float(values[weight])
                    a_k = free[source] if source in free else _float(values[source])
                    symbolic.append(w_k * a_k)
                else:
                    known.append(values[weight] * values[source])
            bias = p if s.b(l, j) == p else None
            if bias is None:
                known.append(values[s.b(l, j)])
            z = sp.Add(_float(mpmath.fsum(known)), *symbolic, *([bias] if bias is not None else []))
            free[s.a(l, j)] = g.activation.explicit(z)
    L = g.spec.L
    return sp.Add(
        *[
            g.cost_rule.term(free.get(s.a(L, j), _float(values[s.a(L, j)])), _float(values[s.y(j)]))
            for j in g.neurons(L)
        ]
    )

"""Stage 4: verification of a derivation, run by the engine and reported.

Input: a ``Derivation``.  Output: a ``Verification`` (a list of ``Check``
records).  The checks:

* rules     — each rule row's derivative equals SymPy's ``diff`` of its function;
* collapse  — (a) every δ definition and every collapsed gradient
              a^{l-1}_k δ^l_j, with δ replaced by its factorisation, equals the
              per-parameter chain-rule product; every matrix equation (BP1–BP4)
              equals its explicit matrices entry by entry;
* nested    — (b) every chain-rule result, with the intermediate symbols
              substituted, equals SymPy's ``diff`` of the fully nested cost:
              exactly (small networks), at random points with 40-digit
              arithmetic (up to ``NUMERIC_LIMIT`` parameters), or on a seeded
              random sample of parameters (larger networks).
"""

from __future__ import annotations

import random
from collections import Counter
from dataclasses import dataclass
from typing import Callable

import sympy as sp
from sympy.matrices.expressions.matexpr import MatrixElement

from . import symbols as s
from .collapse import Derivation
from .graph import Graph, nested_cost, parameters
from .rules import ActivationPrimeBase

EXACT_LIMIT = 30  # parameters: check (b) by exact simplification
NUMERIC_LIMIT = 250  # parameters: check (b) numerically for every parameter
SAMPLE_SIZE = 24  # parameters checked when the network is larger
MATRIX_ENTRY_LIMIT = 300  # matrix-equation entries checked per equation before sampling
POINTS = 3  # random points for numeric checks
DIGITS = 40  # working precision of numeric checks
TOLERANCE = sp.Float("1e-30")  # relative error allowed at DIGITS digits


class VerificationError(RuntimeError):
    """A derivation failed verification; never written out as if it were right."""


@dataclass(frozen=True)
class Check:
    """One verification check: what, how, how much, and the outcome."""

    name: str
    method: str
    checked: int
    total: int
    failures: tuple[str, ...] = ()
    max_relative_error: float | None = None

    @property
    def passed(self) -> bool:
        return not self.failures


@dataclass(frozen=True)
class Verification:
    """All checks run on one derivation."""

    checks: tuple[Check, ...]

    @property
    def passed(self) -> bool:
        return all(c.passed for c in self.checks)

    def summary(self) -> str:
        """One line per check, e.g. ``collapse: passed (23/23, symbolic)``."""
        lines = []
        for c in self.checks:
            state = "passed" if c.passed else f"FAILED ({len(c.failures)} failures)"
            err = "" if c.max_relative_error is None else f", max rel. error {c.max_relative_error:.1e}"
            lines.append(f"{c.name}: {state} ({c.checked:,}/{c.total:,} checked; {c.method}{err})")
        return "\n".join(lines)


Progress = Callable[[int], None]


def verify(d: Derivation, *, seed: int = 0, nested: str = "auto", progress: Progress | None = None) -> Verification:
    """Run every check on ``d``; ``nested`` is auto, exact, numeric, sampled or off."""
    tick = progress or (lambda n: None)
    checks = [check_rules(d), check_collapse(d, tick), check_matrix_equations(d, seed)]
    if nested != "off":
        checks.append(check_nested(d, seed=seed, mode=nested, progress=tick))
    return Verification(tuple(checks))


def work(d: Derivation) -> int:
    """Units of work ``verify`` reports through ``progress`` (for a progress bar)."""
    return len(d.gradients) + len(d.deltas) + min(len(d.gradients), NUMERIC_LIMIT)


# ---------------------------------------------------------------------------
# rules


def check_rules(d: Derivation) -> Check:
    """f'(z) of the rule table equals SymPy's diff of f, in both its forms; c' likewise."""
    x, av, yv = sp.symbols("x a y", real=True)
    act, cost = d.graph.activation, d.graph.cost_rule
    truth = sp.diff(act.explicit(x), x)
    candidates = {
        f"{act.name}: f'(z) in terms of f(z)": _explicit(act.prime_of_z(x), d.graph),
        f"{act.name}: f'(z) in terms of a": act.prime_of_a(act.explicit(x)),
    }
    failures = [name for name, e in candidates.items() if sp.simplify(e - truth) != 0]
    if sp.simplify(cost.grad(av, yv) - sp.diff(cost.term(av, yv), av)) != 0:
        failures.append(f"{cost.name}: dc/da")
    return Check("rules", "symbolic (simplify to 0)", 3, 3, tuple(failures))


# ---------------------------------------------------------------------------
# (a) collapse


def _equal(x: sp.Expr, y: sp.Expr) -> bool:
    """Exact equality: structural first (cheap), expansion of the difference otherwise."""
    return x == y or sp.expand(x - y) == 0


def check_collapse(d: Derivation, tick: Progress) -> Check:
    """(a) δ definitions and collapsed gradients against the per-parameter chain rule."""
    c = d.chain
    failures = []
    # The chain rule gives ∂C/∂p = ∂z^l_j/∂p · σ'(z^l_j) · ∂C/∂a^l_j, so δ^l_j stands
    # for σ'(z^l_j) · ∂C/∂a^l_j, with ∂C/∂a^l_j as the parameters use it (a symbol
    # in hidden layers).  Replacing δ^{l+1} by that in the matrix form must give
    # the chain rule's σ'(z^l_j) Σ_i w^{l+1}_ij σ'(z^{l+1}_i) ∂C/∂a^{l+1}_i.
    factored = {}
    for (l, j), dd in d.deltas.items():
        _, da, dc = c.parameters[s.b(l, j)].factors
        factored[dd.symbol] = sp.Mul(da.value, dc.value)
    prime_of_a = {
        dd.factors[0].value: d.graph.activation.prime_of_a(s.a(dd.l, dd.j)) for dd in d.deltas.values()
    }
    L = d.spec.L
    output = {  # ∂C/∂a^L_j: a symbol in the paths of layer L-1, a value in the parameters
        g.symbol: g.value for (l, _), g in c.activation_gradients.items() if l == L
    }
    for (l, j), dd in d.deltas.items():
        row = d.layers[l].delta_rhs[j - 1]
        chain_value = sp.Mul(dd.factors[0].value, c.activation_gradients[(l, j)].value)
        chain_value = chain_value.xreplace(output)
        if not _equal(row.xreplace(factored), chain_value):
            failures.append(f"delta_{l}_{j}: matrix form differs from the chain rule")
        if row != dd.value:
            failures.append(f"delta_{l}_{j}: definition differs from the matrix form")
        if not _equal(dd.value.xreplace(prime_of_a), dd.definition):
            failures.append(f"delta_{l}_{j}: definition in terms of a differs")
    tick(len(d.deltas))
    # ∂C/∂w^l_jk = a^{l-1}_k δ^l_j = entry (j, k) of δ^l (a^{l-1})^T, and ∂C/∂b^l_j = δ^l_j.
    for p, grad in d.gradients.items():
        pc = grad.chain
        expected = Counter(sp.Mul.make_args(pc.value))
        got = Counter()
        for factor in sp.Mul.make_args(grad.value):
            got.update(sp.Mul.make_args(factored.get(factor, factor)))
        if got != expected and not _equal(grad.value.xreplace(factored), pc.value):
            failures.append(f"{p}: collapsed gradient differs from the chain rule")
    tick(len(d.gradients))
    for l, forms in d.layers.items():
        if forms.delta.rows * forms.a_prev_T.cols <= MATRIX_ENTRY_LIMIT:
            for (j, k), entry in _entries(forms.outer):
                if entry != d.gradients[s.w(l, j + 1, k + 1)].value:
                    failures.append(f"w_{l}_{j + 1}_{k + 1}: outer product entry differs")
    n = len(d.deltas) + len(d.gradients)
    return Check("collapse (a)", "symbolic, every δ and every parameter", n, n, tuple(failures[:20]))


def _entries(m: sp.ImmutableMatrix):
    for j in range(m.rows):
        for k in range(m.cols):
            yield (j, k), m[j, k]


def check_matrix_equations(d: Derivation, seed: int) -> Check:
    """BP1–BP4 with matrix symbols equal the explicit matrices, entry by entry."""
    rng = random.Random(seed)
    act = d.graph.activation
    failures, checked, total = [], 0, 0
    sampled = False
    for eq in d.equations:
        forms = d.layers[eq.l]
        rows, cols = eq.lhs.shape
        total += int(rows * cols)
        cells = [(j, k) for j in range(rows) for k in range(cols)]
        if len(cells) > MATRIX_ENTRY_LIMIT:
            cells = sorted(rng.sample(cells, MATRIX_ENTRY_LIMIT))
            sampled = True
        for j, k in cells:
            rhs = _scalarise(eq.rhs[j, k], act)
            if not _equal(rhs, _explicit_entry(d, eq, forms, j, k)):
                failures.append(f"{eq.tag} layer {eq.l} entry ({j + 1}, {k + 1})")
        checked += len(cells)
    method = "symbolic, entry by entry" + (
        f" (at most {MATRIX_ENTRY_LIMIT:,} seeded random entries per equation)" if sampled else ""
    )
    return Check("matrix forms", method, checked, total, tuple(failures[:20]))


def _explicit_entry(d: Derivation, eq, forms, j: int, k: int) -> sp.Expr:
    if eq.tag in ("BP1", "BP2"):
        return forms.delta_rhs[j]
    if eq.tag == "BP3":
        return d.gradients[s.w(eq.l, j + 1, k + 1)].value
    return d.gradients[s.b(eq.l, j + 1)].value  # BP4


def _scalarise(expr: sp.Expr, act) -> sp.Expr:
    """Replace matrix elements W_2[0, 1], delta_2[1, 0], dact_1[2, 0] … by scalar symbols."""
    mapping = {}
    for el in expr.atoms(MatrixElement):
        index = s.describe_matrix(el.parent)
        if index.kind == "dact":
            mapping[el] = act.prime(s.z(index.l, int(el.i) + 1))
        else:
            mapping[el] = s.scalar(index.kind, index.l, int(el.i), int(el.j))
    return expr.xreplace(mapping)


# ---------------------------------------------------------------------------
# (b) against SymPy's diff of the nested cost


def _explicit(expr: sp.Expr, g: Graph) -> sp.Expr:
    """σ'(z) → its rule's σ(z)(1 − σ(z)) → elementary functions."""
    act = g.activation
    expr = expr.replace(lambda e: isinstance(e, ActivationPrimeBase), lambda e: act.prime_of_z(e.args[0]))
    return expr.replace(act.f, act.explicit)


def check_nested(d: Derivation, *, seed: int, mode: str = "auto", progress: Progress = lambda n: None) -> Check:
    """(b) chain rule with intermediates substituted versus diff of the nested cost."""
    params = parameters(d.spec)
    P = len(params)
    if mode == "auto":
        mode = "exact" if P <= EXACT_LIMIT else "numeric" if P <= NUMERIC_LIMIT else "sampled"
    if mode == "exact":
        return _nested_exact(d, params, progress)
    rng = random.Random(seed)
    if mode == "sampled":
        chosen = sorted(rng.sample(range(P), min(SAMPLE_SIZE, P)))
        params = [params[i] for i in chosen]
    elif mode != "numeric":
        raise ValueError(f"unknown nested mode {mode!r}; allowed: auto, exact, numeric, sampled, off")
    return _nested_numeric(d, params, P, rng, sampled=(mode == "sampled"), progress=progress)


def _substituted(d: Derivation) -> Callable[[sp.Symbol], sp.Expr]:
    """p ↦ its chain-rule result in terms of x, W, b, y only (memoised per neuron)."""
    g = d.graph
    nested_z, nested_a = {}, {s.a(0, k): s.a(0, k) for k in g.neurons(0)}
    for l in range(1, g.spec.L + 1):
        for j in g.neurons(l):
            nested_z[s.z(l, j)] = g.z[(l, j)].xreplace(nested_a)
            nested_a[s.a(l, j)] = g.activation.explicit(nested_z[s.z(l, j)])
    base = {**nested_z, **nested_a}
    dC_da = {}
    for (l, j), grad in sorted(d.chain.activation_gradients.items(), reverse=True):
        dC_da[grad.symbol] = _explicit(grad.value.xreplace(dC_da), g).xreplace(base)

    def substitute(p: sp.Symbol) -> sp.Expr:
        value = d.chain.parameters[p].value.xreplace(dC_da)
        return _explicit(value, g).xreplace(base)

    return substitute


def _nested_exact(d: Derivation, params, progress: Progress) -> Check:
    cost = nested_cost(d.graph)
    substitute = _substituted(d)
    failures = []
    for p in params:
        if not _is_zero(sp.diff(cost, p) - substitute(p)):
            failures.append(f"{p}: chain rule differs from diff of the nested cost")
        progress(1)
    method = "symbolic, exact (the difference reduces to 0)"
    return Check("nested diff (b)", method, len(params), len(params), tuple(failures))


def _is_zero(e: sp.Expr) -> bool:
    """Exact test that ``e`` is 0.

    Each transcendental atom (exp(u), tanh(u)) is replaced by an independent
    symbol; if the resulting rational function has a numerator expanding to 0,
    ``e`` is identically 0.  Otherwise fall back to ``simplify``.
    """
    atoms = {f: sp.Dummy() for f in e.atoms(sp.Function)}
    numerator, _ = sp.fraction(sp.together(e.xreplace(atoms)))
    return sp.expand(numerator) == 0 or sp.simplify(e) == 0


def _nested_numeric(d: Derivation, params, P: int, rng: random.Random, *, sampled: bool, progress: Progress) -> Check:
    g = d.graph
    failures, worst = [], sp.Float(0)
    derivatives = {} if sampled else {p: sp.diff(nested_cost(g), p) for p in params}
    for _ in range(POINTS):
        point = _random_point(g, rng)
        values = _evaluate_chain(d, point)
        for p in params:
            if sampled:
                # C as a function of p alone, every other input fixed at the point.
                fixed = {q: v for q, v in point.items() if q != p}
                ref = sp.diff(nested_cost(g, fixed), p).xreplace({p: point[p]})
            else:
                ref = derivatives[p].xreplace(point)
            got = values[p]
            err = abs(got - ref) / max(abs(ref), sp.Float(1e-30, DIGITS))
            worst = max(worst, err)
            if err > TOLERANCE:
                failures.append(f"{p}: relative error {float(err):.2e}")
        progress(len(params) // POINTS)
    how = f"{POINTS} seeded random points, {DIGITS}-digit arithmetic, tolerance {float(TOLERANCE):.0e}"
    if sampled:
        how = f"seeded random sample of {len(params)} of {P:,} parameters; " + how
    return Check("nested diff (b)", "numeric, " + how, len(params), P, tuple(failures[:20]), float(worst))


def _random_point(g: Graph, rng: random.Random) -> dict[sp.Symbol, sp.Float]:
    """Inputs, targets and parameters drawn uniformly from [-1, 1] at DIGITS digits."""
    symbols = [s.a(0, k) for k in g.neurons(0)] + [s.y(j) for j in g.neurons(g.spec.L)]
    symbols += parameters(g.spec)
    return {x: sp.Float(rng.uniform(-1, 1), DIGITS) for x in symbols}


def _evaluate_chain(d: Derivation, point: dict) -> dict[sp.Symbol, sp.Float]:
    """Every chain-rule result at ``point``: forward pass, then ∂C/∂a top-down, then products."""
    g = d.graph
    values = dict(point)
    for l in range(1, g.spec.L + 1):
        for j in g.neurons(l):
            zv = g.z[(l, j)].xreplace(values)
            values[s.z(l, j)] = zv
            values[s.a(l, j)] = g.activation.explicit(zv)
    for (l, j), da in d.chain.activation_partials.items():
        values[da.value] = _explicit(da.value, g).xreplace(values)  # σ'(z^l_j) by the rule
    for (l, j), grad in sorted(d.chain.activation_gradients.items(), reverse=True):
        values[grad.symbol] = grad.value.xreplace(values)
    return {p: pc.value.xreplace(values) for p, pc in d.chain.parameters.items()}

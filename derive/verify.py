"""Stage 4: verification of a derivation, run by the engine and reported.

Input: a ``Derivation``.  Output: a ``Verification`` (a list of ``Check``
records).  The checks:

* rules     — each rule row's derivative equals SymPy's ``diff`` of its function;
* collapse  — (a) every δ definition and every collapsed gradient
              a^{l-1}_k δ^l_j, with δ replaced by its factorisation, equals the
              per-parameter chain-rule product; every matrix equation (BP1–BP4)
              equals its explicit matrices entry by entry;
* nested    — (b) every chain-rule result, with the intermediate symbols
              substituted, equals SymPy's ``diff`` of the fully nested cost
              (see ``derive.nested``).
"""

from __future__ import annotations

import random
from collections import Counter

import sympy as sp
from sympy.matrices.expressions.matexpr import MatrixElement

from . import symbols as s
from .checks import Check, Progress, Verification, VerificationError
from .collapse import Derivation
from .methods import method
from .nested import NUMERIC_LIMIT, check_nested, explicit

__all__ = ["Check", "Verification", "VerificationError", "verify", "work"]

MATRIX_ENTRY_LIMIT = 4096  # matrix-equation entries checked in full; larger ones sampled
MATRIX_SAMPLE = 64  # seeded random entries checked in a larger matrix equation


def verify(d: Derivation, *, seed: int = 0, nested: str = "auto", progress: Progress | None = None) -> Verification:
    """Run every check on ``d``; ``nested`` is auto, exact, numeric, sampled or off."""
    tick = progress or (lambda n: None)
    checks = [check_rules(d), check_collapse(d, tick), check_matrix_equations(d, seed)]
    if nested != "off":
        checks.append(check_nested(d, seed=seed, mode=nested, progress=tick))
    return Verification(tuple(checks))


def work(spec) -> int:
    """Units of work ``verify`` reports through ``progress`` for ``spec`` (a progress bar's length)."""
    P, neurons = spec.n_parameters, sum(spec.layers[1:])
    return P + neurons + min(P, NUMERIC_LIMIT)


# ---------------------------------------------------------------------------
# rules


def check_rules(d: Derivation) -> Check:
    """f'(z) of the rule table equals SymPy's diff of f, in both its forms; c' likewise."""
    x, av, yv = s.scratch("x", "a", "y")
    act, cost = d.graph.activation, d.graph.cost_rule
    truth = sp.diff(act.explicit(x), x)
    candidates = {
        f"{act.name}: f'(z) in terms of f(z)": explicit(act.prime_of_z(x), act),
        f"{act.name}: f'(z) in terms of a": act.prime_of_a(act.explicit(x)),
    }
    failures = [name for name, e in candidates.items() if sp.simplify(e - truth) != 0]
    if sp.simplify(cost.grad(av, yv) - sp.diff(cost.term(av, yv), av)) != 0:
        failures.append(f"{cost.name}: dc/da")
    return Check("rules", method("rules"), 3, 3, tuple(failures))


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
    # Both sides are products: equal multisets of factors mean equal products;
    # SymPy expands the difference where the factorisations differ.
    for p, grad in d.gradients.items():
        pc = grad.chain
        expected = _factors(f.value for f in pc.factors)
        got = _factors(factored.get(x, x) for x in sp.Mul.make_args(grad.value))
        if got != expected and not _equal(grad.value.xreplace(factored), pc.value):
            failures.append(f"{p}: collapsed gradient differs from the chain rule")
    tick(len(d.gradients))
    for l, forms in d.layers.items():
        if forms.delta.rows * forms.a_prev_T.cols <= MATRIX_ENTRY_LIMIT:
            for (j, k), entry in _entries(forms.outer):
                if entry != d.gradients[s.w(l, j + 1, k + 1)].value:
                    failures.append(f"w_{l}_{j + 1}_{k + 1}: outer product entry differs")
    n = len(d.deltas) + len(d.gradients)
    return Check("collapse (a)", method("collapse"), n, n, tuple(failures[:20]))


def _factors(exprs) -> Counter:
    """The multiset of factors of the product of ``exprs`` (ones dropped)."""
    out = Counter()
    for e in exprs:
        out.update(f for f in sp.Mul.make_args(e) if f is not sp.S.One)
    return out


def _entries(m: sp.ImmutableMatrix):
    for j in range(m.rows):
        for k in range(m.cols):
            yield (j, k), m[j, k]


def check_matrix_equations(d: Derivation, seed: int) -> Check:
    """BP1–BP4 with matrix symbols equal the explicit matrices, entry by entry.

    Each matrix symbol is replaced by its explicit matrix and SymPy's matrix
    algebra evaluates the equation; equations with more than
    ``MATRIX_ENTRY_LIMIT`` entries are checked on ``MATRIX_SAMPLE`` seeded random entries.
    """
    rng = random.Random(seed)
    failures, checked, total, sampled = [], 0, 0, False
    for eq in d.equations:
        forms = d.layers[eq.l]
        rows, cols = (int(n) for n in eq.lhs.shape)
        total += rows * cols
        if rows * cols <= MATRIX_ENTRY_LIMIT:
            rhs = eq.rhs.xreplace({m: _explicit_matrix(d, m) for m in eq.rhs.atoms(sp.MatrixSymbol)})
            rhs = sp.ImmutableMatrix(rhs.doit())
            cells = [((j, k), rhs[j, k]) for j in range(rows) for k in range(cols)]
        else:
            chosen = sorted(rng.sample(range(rows * cols), MATRIX_SAMPLE))
            cells = [(divmod(i, cols), None) for i in chosen]
            cells = [((j, k), _scalarise(eq.rhs[j, k], d.graph.activation)) for (j, k), _ in cells]
            sampled = True
        for (j, k), entry in cells:
            if not _equal(entry, _explicit_entry(d, eq, forms, j, k)):
                failures.append(f"{eq.tag} layer {eq.l} entry ({j + 1}, {k + 1})")
        checked += len(cells)
    how = method("matrix_sampled", limit=MATRIX_ENTRY_LIMIT, sample=MATRIX_SAMPLE) if sampled else method("matrix")
    return Check("matrix forms", how, checked, total, tuple(failures[:20]))


def _explicit_matrix(d: Derivation, m: sp.MatrixSymbol) -> sp.ImmutableMatrix:
    """The explicit matrix of scalar symbols that matrix symbol ``m`` stands for."""
    index = s.describe_matrix(m)
    rows, cols = (int(n) for n in m.shape)
    if index.kind == "dact":  # σ'(z^l)
        return d.layers[index.l].sigma_prime
    return sp.ImmutableMatrix(rows, cols, lambda j, k: s.scalar(index.kind, index.l, j, k))


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

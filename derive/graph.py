"""Stage 1: the symbolic expression graph of the network's cost.

Input: a ``Spec``.  Output: a ``Graph`` holding the local relations with
intermediate symbols,

    z^l_j = Σ_k w^l_{jk} a^{l-1}_k + b^l_j,   a^l_j = σ(z^l_j),   C = Σ_j c(a^L_j, y_j),

and, on request, the fully nested cost C(x, W, b, y) as one expression (the
ground truth for verification; tractable only for small networks).
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cmp_to_key

import sympy as sp

from . import rules
from . import symbols as s
from .spec import Spec

_SORT_KEY = cmp_to_key(sp.Basic.compare)


@dataclass(frozen=True)
class Graph:
    """Local definitions: z[(l, j)], a[(l, j)] (l >= 1) and the cost C."""

    spec: Spec
    activation: rules.Activation
    cost_rule: rules.Cost
    z: dict[tuple[int, int], sp.Expr]  # z^l_j → Σ_k w^l_jk a^{l-1}_k + b^l_j
    a: dict[tuple[int, int], sp.Expr]  # a^l_j → σ(z^l_j)
    cost: sp.Expr  # C → Σ_j c(a^L_j, y_j)

    def neurons(self, l: int) -> range:
        """1-based neuron indices j of layer l."""
        return range(1, self.spec.n(l) + 1)


def graph(spec: Spec) -> Graph:
    """Build the local relations of ``spec`` (work linear in the parameter count)."""
    act = rules.activation(spec.activation)
    cost_rule = rules.cost(spec.cost)
    z, a = {}, {}
    for l in range(1, spec.L + 1):
        z.update(_layer_sums(spec, l))
        for j in range(1, spec.n(l) + 1):
            # a^l_j = σ(z^l_j)
            a[(l, j)] = act.f(s.z(l, j))
    L = spec.L
    cost = sp.Add(*[cost_rule.term(s.a(L, j), s.y(j)) for j in range(1, spec.n(L) + 1)])
    return Graph(spec, act, cost_rule, z, a, cost)


def product(x: sp.Symbol, y: sp.Symbol) -> sp.Mul:
    """x·y for two distinct symbols, built in SymPy's canonical form without re-sorting.

    SymPy orders the factors of a product of symbols by name; building the Mul
    directly saves the general flattening, which dominates large networks.
    """
    return sp.Mul._from_args((x, y) if x.name < y.name else (y, x))


def weighted_sum(pairs: list[tuple[sp.Symbol, sp.Symbol]], bias: sp.Symbol) -> sp.Add:
    """Σ_k x_k·y_k + bias in SymPy's canonical form (equal to ``sp.Add(...)``).

    SymPy sorts the terms of an Add; they are put in that order here by the
    same key SymPy uses, so the result compares equal to the slow construction.
    """
    terms = [product(x, y) for x, y in pairs] + [bias]
    return sp.Add._from_args(sorted(terms, key=_sort_key))


def _sort_key(term):
    return _SORT_KEY(term)


def _layer_sums(spec: Spec, l: int) -> dict[tuple[int, int], sp.Add]:
    """z^l_j = Σ_k w^l_{jk} a^{l-1}_k + b^l_j for every j of layer l.

    The canonical term order depends only on the shared a^{l-1}_k (and puts
    the bias in a fixed place), so it is computed once, for j = 1, and reused.
    """
    ks = range(1, spec.n(l - 1) + 1)
    first = weighted_sum([(s.w(l, 1, k), s.a(l - 1, k)) for k in ks], s.b(l, 1))
    order = [_term_slot(t) for t in first.args]  # k, or 0 for the bias
    out = {(l, 1): first}
    for j in range(2, spec.n(l) + 1):
        terms = [s.b(l, j) if k == 0 else product(s.w(l, j, k), s.a(l - 1, k)) for k in order]
        out[(l, j)] = sp.Add._from_args(terms)
    return out


def _term_slot(term) -> int:
    if term.is_Symbol:  # the bias b^l_j
        return 0
    for factor in term.args:
        index = s.describe(factor)
        if index.kind == "a":
            return index.j
    raise AssertionError(f"unexpected term {term} in z")


def parameters(spec: Spec) -> list[sp.Symbol]:
    """Every w^l_jk and b^l_j, layer by layer, weights row-major then biases."""
    out = []
    for l in range(1, spec.L + 1):
        out += [s.w(l, j, k) for j in range(1, spec.n(l) + 1) for k in range(1, spec.n(l - 1) + 1)]
        out += [s.b(l, j) for j in range(1, spec.n(l) + 1)]
    return out


def inputs(spec: Spec) -> list[sp.Symbol]:
    """The input symbols a^0_k and the targets y_j."""
    return [s.a(0, k) for k in range(1, spec.n(0) + 1)] + [
        s.y(j) for j in range(1, spec.n(spec.L) + 1)
    ]


def nested_cost(g: Graph, values: dict | None = None) -> sp.Expr:
    """C(x, W, b, y) as one expression, σ written in elementary functions.

    ``values`` optionally fixes some symbols to numbers first (used to keep
    the nested cost small when only one parameter is left free).
    """
    values = values or {}
    act = g.activation
    level = {s.a(0, k): values.get(s.a(0, k), s.a(0, k)) for k in g.neurons(0)}
    for l in range(1, g.spec.L + 1):
        nxt = {}
        for j in g.neurons(l):
            zj = sp.Add(
                *[
                    values.get(s.w(l, j, k), s.w(l, j, k)) * level[s.a(l - 1, k)]
                    for k in g.neurons(l - 1)
                ]
            ) + values.get(s.b(l, j), s.b(l, j))
            nxt[s.a(l, j)] = act.explicit(zj)
        level = nxt
    L = g.spec.L
    return sp.Add(
        *[g.cost_rule.term(level[s.a(L, j)], values.get(s.y(j), s.y(j))) for j in g.neurons(L)]
    )

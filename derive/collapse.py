"""Stage 3: collapse the per-parameter chain rule into the δ matrix forms.

Input: a ``Chain``.  Output: a ``Derivation`` with

    δ^l_j = ∂a^l_j/∂z^l_j · ∂C/∂a^l_j = σ'(z^l_j) · ∂C/∂a^l_j
    ∂C/∂w^l_jk = a^{l-1}_k δ^l_j,      ∂C/∂b^l_j = δ^l_j

and, per layer, the matrix equations (with matrix symbols, for printing) and
their explicit counterparts (with scalar symbols, for verification):

    δ^L = σ'(z^L) ⊙ ∇_a C                      (BP1)
    δ^l = σ'(z^l) ⊙ (W^{l+1})^T δ^{l+1}         (BP2)
    ∂C/∂W^l = δ^l (a^{l-1})^T                   (BP3)
    ∂C/∂b^l = δ^l                               (BP4)
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cached_property

import sympy as sp

from . import symbols as s
from .chain import Chain, ParameterChain, Partial
from .graph import Graph, product


@dataclass(frozen=True)
class DeltaDefinition:
    """δ^l_j = σ'(z^l_j) · (rest): ``value`` with σ', ``definition`` with σ' in terms of a."""

    l: int
    j: int
    factors: tuple[Partial, Partial]  # ∂a^l_j/∂z^l_j, ∂C/∂a^l_j
    value: sp.Expr  # σ'(z^l_j)·2(a^L_j − y_j)  or  σ'(z^l_j)·Σ_i w^{l+1}_ij δ^{l+1}_i
    definition: sp.Expr  # the same with σ'(z) written via a, e.g. a(1 − a)

    @property
    def symbol(self) -> sp.Symbol:
        return s.delta(self.l, self.j)


@dataclass(frozen=True)
class Gradient:
    """∂C/∂p collapsed: a^{l-1}_k δ^l_j for a weight, δ^l_j for a bias."""

    parameter: sp.Symbol
    chain: ParameterChain
    value: sp.Expr


@dataclass(frozen=True)
class MatrixEquation:
    """lhs = rhs with matrix symbols; ``tag`` is BP1…BP4."""

    tag: str
    l: int
    lhs: sp.MatrixExpr
    rhs: sp.MatrixExpr


@dataclass(frozen=True)
class LayerForms:
    """The explicit matrices of layer l.  Big ones are built on first use."""

    l: int
    chain: Chain = field(repr=False)
    deltas: tuple[DeltaDefinition, ...] = field(repr=False)

    @property
    def _g(self) -> Graph:
        return self.chain.graph

    @cached_property
    def delta(self) -> sp.ImmutableMatrix:
        """δ^l as a column."""
        return sp.ImmutableMatrix([d.symbol for d in self.deltas])

    @cached_property
    def a_prev_T(self) -> sp.ImmutableMatrix:
        """(a^{l-1})^T as a row."""
        return sp.ImmutableMatrix([[s.a(self.l - 1, k) for k in self._g.neurons(self.l - 1)]])

    @cached_property
    def sigma_prime(self) -> sp.ImmutableMatrix:
        """σ'(z^l) as a column."""
        return sp.ImmutableMatrix([d.factors[0].value for d in self.deltas])

    @cached_property
    def entrywise(self) -> sp.ImmutableMatrix:
        """[∂C/∂w^l_jk] from the per-parameter chain rule (n_l × n_{l-1})."""
        g, l = self._g, self.l
        return sp.ImmutableMatrix(
            [[self.chain.parameters[s.w(l, j, k)].value for k in g.neurons(l - 1)] for j in g.neurons(l)]
        )

    @cached_property
    def outer(self) -> sp.ImmutableMatrix:
        """δ^l (a^{l-1})^T, entry (j, k) = a^{l-1}_k δ^l_j  (BP3)."""
        return self.delta * self.a_prev_T

    @cached_property
    def W_next_T(self) -> sp.ImmutableMatrix | None:
        """(W^{l+1})^T, shape (n_l, n_{l+1}); None at the output layer."""
        g, l = self._g, self.l
        if l == g.spec.L:
            return None
        return sp.ImmutableMatrix(
            [[s.w(l + 1, j, k) for j in g.neurons(l + 1)] for k in g.neurons(l)]
        )

    @cached_property
    def delta_next(self) -> sp.ImmutableMatrix | None:
        """δ^{l+1} as a column; None at the output layer."""
        g, l = self._g, self.l
        if l == g.spec.L:
            return None
        return sp.ImmutableMatrix([s.delta(l + 1, j) for j in g.neurons(l + 1)])

    @cached_property
    def backprop(self) -> sp.ImmutableMatrix:
        """(W^{l+1})^T δ^{l+1} at hidden layers, ∇_a C = c'(a^L, y) at the output."""
        if self.W_next_T is None:
            return sp.ImmutableMatrix([d.factors[1].value for d in self.deltas])
        return self.W_next_T * self.delta_next

    @cached_property
    def delta_rhs(self) -> sp.ImmutableMatrix:
        """σ'(z^l) ⊙ backprop, entry by entry  (BP1 / BP2)."""
        return sp.ImmutableMatrix(
            [sp.Mul(p, r) for p, r in zip(self.sigma_prime, self.backprop)]
        )


@dataclass(frozen=True)
class Derivation:
    """The verified-to-be result: chain, δ definitions, gradients, matrix forms."""

    chain: Chain
    deltas: dict[tuple[int, int], DeltaDefinition]
    gradients: dict[sp.Symbol, Gradient]
    layers: dict[int, LayerForms]
    equations: tuple[MatrixEquation, ...]
    verification: object = None  # a verify.Verification once verified

    @property
    def graph(self) -> Graph:
        return self.chain.graph

    @property
    def spec(self):
        return self.chain.graph.spec


def collapse(c: Chain) -> Derivation:
    """Identify δ, rewrite every gradient with it, and assemble the matrix forms."""
    g = c.graph
    L = g.spec.L
    deltas = {}
    for l in range(L, 0, -1):
        for j in g.neurons(l):
            deltas[(l, j)] = _delta(c, l, j)
    gradients = {}
    for p, pc in c.parameters.items():
        d = s.delta(pc.l, pc.j)
        # ∂C/∂w^l_jk = a^{l-1}_k δ^l_j ;  ∂C/∂b^l_j = δ^l_j
        value = d if pc.k is None else product(s.a(pc.l - 1, pc.k), d)
        gradients[p] = Gradient(p, pc, value)
    layers = {
        l: LayerForms(l, c, tuple(deltas[(l, j)] for j in g.neurons(l))) for l in range(1, L + 1)
    }
    return Derivation(c, deltas, gradients, layers, _equations(g))


def _delta(c: Chain, l: int, j: int) -> DeltaDefinition:
    g = c.graph
    da = c.activation_partials[(l, j)]
    dc = c.activation_gradients[(l, j)]
    dc_factor = Partial(s.cost(), s.a(l, j), dc.value)
    if l == g.spec.L:
        rest = dc.value  # δ^L_j = σ'(z^L_j) · 2(a^L_j − y_j)  (BP1)
    else:
        # δ^l_j = σ'(z^l_j) · Σ_i w^{l+1}_ij δ^{l+1}_i  (BP2)
        rest = sp.Add(*[s.w(l + 1, i, j) * s.delta(l + 1, i) for i in g.neurons(l + 1)])
    value = sp.Mul(da.value, rest)
    definition = sp.Mul(g.activation.prime_of_a(s.a(l, j)), rest)
    return DeltaDefinition(l, j, (da, dc_factor), value, definition)


def _equations(g: Graph) -> tuple[MatrixEquation, ...]:
    """BP1–BP4 with matrix symbols, output layer first."""
    spec, L = g.spec, g.spec.L
    n = spec.n
    out = []
    for l in range(L, 0, -1):
        delta_l = s.vector("delta", l, n(l))
        dact = s.vector("dact", l, n(l))
        if l == L:
            grad = g.cost_rule.vector_grad(s.vector("a", L, n(L)), s.vector("y", None, n(L)))
            out.append(MatrixEquation("BP1", l, delta_l, sp.HadamardProduct(dact, grad)))
        else:
            W_next = s.W(l + 1, n(l + 1), n(l))
            rhs = sp.HadamardProduct(dact, W_next.T * s.vector("delta", l + 1, n(l + 1)))
            out.append(MatrixEquation("BP2", l, delta_l, rhs))
        out.append(
            MatrixEquation("BP3", l, s.gradient("W", l, n(l), n(l - 1)), delta_l * s.vector("a", l - 1, n(l - 1)).T)
        )
        out.append(MatrixEquation("BP4", l, s.gradient("b", l, n(l), 1), delta_l))
    return tuple(out)

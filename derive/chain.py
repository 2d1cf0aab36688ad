"""Stage 2: the chain rule for every weight and bias, as the source does it.

Input: a ``Graph``.  Output: a ``Chain`` in which every factor is data:

    ∂C/∂w^l_jk = ∂z^l_j/∂w^l_jk · ∂a^l_j/∂z^l_j · ∂C/∂a^l_j
               = a^{l-1}_k      · σ'(z^l_j)      · ∂C/∂a^l_j

with ∂C/∂a^L_j = c'(a^L_j, y_j) at the output and, for hidden layers, the sum
over the next layer

    ∂C/∂a^l_k = Σ_j ∂z^{l+1}_j/∂a^l_k · ∂a^{l+1}_j/∂z^{l+1}_j · ∂C/∂a^{l+1}_j,
    ∂z^{l+1}_j/∂a^l_k = w^{l+1}_jk.

∂C/∂a^{l+1}_j appears as the symbol ``dC_da_{l+1}_{j}`` (memoised), so the work
per parameter is constant.  Factors computed at the layer above are marked
``new=False`` (documents colour them, as the source does).
"""

from __future__ import annotations

from dataclasses import dataclass

import sympy as sp

from . import symbols as s
from .graph import Graph


@dataclass(frozen=True)
class Partial:
    """∂of/∂wrt = value.  ``forms`` are equal rewritings shown in documents."""

    of: sp.Symbol
    wrt: sp.Symbol
    value: sp.Expr
    forms: tuple[sp.Expr, ...] = ()
    new: bool = True


@dataclass(frozen=True)
class Path:
    """One term of ∂C/∂a^l_k: ∂z^{l+1}_j/∂a^l_k · ∂a^{l+1}_j/∂z^{l+1}_j · ∂C/∂a^{l+1}_j."""

    factors: tuple[Partial, Partial, Partial]

    @property
    def value(self) -> sp.Expr:
        return sp.Mul(*[f.value for f in self.factors])


@dataclass(frozen=True)
class ActivationGradient:
    """∂C/∂a^l_k: the cost gradient at the output, a sum of paths in hidden layers."""

    l: int
    k: int
    paths: tuple[Path, ...]  # empty at the output layer
    value: sp.Expr  # in terms of w, σ'(z) and the symbols dC_da of layer l+1

    @property
    def symbol(self) -> sp.Symbol:
        return s.dC_da(self.l, self.k)


@dataclass(frozen=True)
class ParameterChain:
    """∂C/∂p for p = w^l_jk (k set) or b^l_j (k None): three factors and their product."""

    parameter: sp.Symbol
    l: int
    j: int
    k: int | None
    factors: tuple[Partial, Partial, Partial]  # ∂z/∂p, ∂a/∂z, ∂C/∂a

    @property
    def value(self) -> sp.Expr:
        # ∂C/∂p = ∂z^l_j/∂p · σ'(z^l_j) · ∂C/∂a^l_j
        return sp.Mul(*[f.value for f in self.factors])


@dataclass(frozen=True)
class Chain:
    """Everything the chain rule produced, keyed by (l, j) and by parameter."""

    graph: Graph
    activation_partials: dict[tuple[int, int], Partial]  # ∂a^l_j/∂z^l_j
    activation_gradients: dict[tuple[int, int], ActivationGradient]  # ∂C/∂a^l_j
    parameters: dict[sp.Symbol, ParameterChain]  # ordered as graph.parameters


def chain(g: Graph) -> Chain:
    """Apply the chain rule to every parameter of ``g``, output layer first."""
    spec, act = g.spec, g.activation
    da_dz = {
        (l, j): Partial(
            s.a(l, j),
            s.z(l, j),
            act.prime(s.z(l, j)),  # σ'(z^l_j)
            forms=(act.prime_of_z(s.z(l, j)),),  # σ(z^l_j)(1 − σ(z^l_j))
        )
        for l in range(1, spec.L + 1)
        for j in g.neurons(l)
    }
    dC_da = {}
    for j in g.neurons(spec.L):
        # ∂C/∂a^L_j = c'(a^L_j, y_j), e.g. 2(a^L_j − y_j)
        dC_da[(spec.L, j)] = ActivationGradient(
            spec.L, j, (), g.cost_rule.grad(s.a(spec.L, j), s.y(j))
        )
    for l in range(spec.L - 1, 0, -1):
        for k in g.neurons(l):
            dC_da[(l, k)] = _hidden_gradient(g, l, k, da_dz)
    parameters = {}
    for l in range(spec.L, 0, -1):
        for j in g.neurons(l):
            da = da_dz[(l, j)]
            dc = _as_factor(dC_da[(l, j)])
            for k in g.neurons(l - 1):
                p = s.w(l, j, k)
                # ∂z^l_j/∂w^l_jk = a^{l-1}_k
                parameters[p] = ParameterChain(
                    p, l, j, k, (Partial(s.z(l, j), p, s.a(l - 1, k)), da, dc)
                )
            p = s.b(l, j)
            # ∂z^l_j/∂b^l_j = 1
            parameters[p] = ParameterChain(p, l, j, None, (Partial(s.z(l, j), p, sp.S.One), da, dc))
    return Chain(g, da_dz, dC_da, parameters)


def _hidden_gradient(g: Graph, l: int, k: int, da_dz: dict) -> ActivationGradient:
    """∂C/∂a^l_k = Σ_j w^{l+1}_jk · σ'(z^{l+1}_j) · ∂C/∂a^{l+1}_j; the last two were computed above."""
    paths = []
    for j in g.neurons(l + 1):
        new = Partial(s.z(l + 1, j), s.a(l, k), s.w(l + 1, j, k))  # ∂z^{l+1}_j/∂a^l_k
        above = da_dz[(l + 1, j)]
        paths.append(
            Path(
                (
                    new,
                    Partial(above.of, above.wrt, above.value, above.forms, new=False),
                    Partial(s.cost(), s.a(l + 1, j), s.dC_da(l + 1, j), new=False),
                )
            )
        )
    return ActivationGradient(l, k, tuple(paths), sp.Add(*[p.value for p in paths]))


def _as_factor(grad: ActivationGradient) -> Partial:
    """∂C/∂a^l_j as the third factor of a parameter's chain."""
    forms = (grad.value,) if grad.paths else ()
    value = grad.value if not grad.paths else grad.symbol
    return Partial(s.cost(), s.a(grad.l, grad.k), value, forms)

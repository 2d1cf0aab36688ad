"""Rule tables: activations and costs, one small record per row.

Input: a name (``"sigmoid"``, ``"quadratic"``).  Output: the record with the
SymPy function, its derivative, and the names the printers use.  The chain
rule code never branches on a name: adding a row adds a rule.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import sympy as sp


class sigmoid(sp.Function):
    """σ(z) = 1 / (1 + e^{-z}), a SymPy function so that printers can name it."""

    nargs = 1

    def fdiff(self, argindex: int = 1) -> sp.Expr:
        # σ'(z) = σ(z)(1 − σ(z))
        s = sigmoid(self.args[0])
        return s * (1 - s)

    def _eval_rewrite_as_exp(self, x, **kwargs):
        return 1 / (1 + sp.exp(-x))

    def _eval_evalf(self, prec):
        return (1 / (1 + sp.exp(-self.args[0]))).evalf(sp.core.evalf.prec_to_dps(prec))

    def _eval_is_real(self):
        return self.args[0].is_real


class ActivationPrimeBase(sp.Function):
    """f'(z) kept as a named function, printed σ'(z); each activation subclasses it."""

    nargs = 1


class sigmoid_prime(ActivationPrimeBase):
    """σ'(z)."""


class tanh_prime(ActivationPrimeBase):
    """tanh'(z)."""


@dataclass(frozen=True)
class Activation:
    """a = f(z) and its derivative f'(z), written both in z and in a = f(z)."""

    name: str
    f: Callable[[sp.Expr], sp.Expr]  # σ(z), as the SymPy function derive prints
    explicit: Callable[[sp.Expr], sp.Expr]  # σ(z) in elementary functions (ground truth)
    prime: type[ActivationPrimeBase]  # σ'(z) as a named function
    prime_of_z: Callable[[sp.Expr], sp.Expr]  # σ'(z) in terms of f(z): σ(z)(1 − σ(z))
    prime_of_a: Callable[[sp.Expr], sp.Expr]  # σ'(z) in terms of a = σ(z): a(1 − a)
    latex: str  # \sigma
    unicode: str  # σ
    numpy_prime_of_a: str  # NumPy source of f'(z) given a, e.g. "a * (1.0 - a)"


@dataclass(frozen=True)
class Cost:
    """C = Σ_j c(a^L_j, y_j) and ∂C/∂a^L_j = c'(a^L_j, y_j)."""

    name: str
    term: Callable[[sp.Expr, sp.Expr], sp.Expr]  # c(a_j, y_j)
    grad: Callable[[sp.Expr, sp.Expr], sp.Expr]  # ∂c/∂a_j
    vector_grad: Callable[[sp.MatrixExpr, sp.MatrixExpr], sp.MatrixExpr]  # ∇_a C
    latex: str
    numpy_grad: str  # NumPy source of scale·∂C/∂a given arrays a, y and a float scale


def _scaled(c: int, e: sp.Expr) -> sp.Expr:
    # c·(e) kept as written: SymPy would otherwise distribute 2(a − y) into 2a − 2y.
    return sp.Mul(c, e, evaluate=False)


ACTIVATIONS: dict[str, Activation] = {
    row.name: row
    for row in (
        Activation(
            name="sigmoid",
            f=sigmoid,
            explicit=lambda x: 1 / (1 + sp.exp(-x)),
            prime=sigmoid_prime,
            prime_of_z=lambda x: sigmoid(x) * (1 - sigmoid(x)),
            prime_of_a=lambda a: a * (1 - a),
            latex=r"\sigma",
            unicode="σ",
            numpy_prime_of_a="a * (1.0 - a)",
        ),
        Activation(
            name="tanh",
            f=sp.tanh,
            explicit=sp.tanh,
            prime=tanh_prime,
            prime_of_z=lambda x: 1 - sp.tanh(x) ** 2,
            prime_of_a=lambda a: 1 - a**2,
            latex=r"\tanh",
            unicode="tanh",
            numpy_prime_of_a="1.0 - a * a",
        ),
    )
}

COSTS: dict[str, Cost] = {
    row.name: row
    for row in (
        Cost(
            name="quadratic",
            term=lambda a, y: (a - y) ** 2,  # C = Σ_j (a^L_j − y_j)^2, no 1/2
            grad=lambda a, y: _scaled(2, a - y),  # ∂C/∂a^L_j = 2(a^L_j − y_j)
            vector_grad=lambda a, y: sp.MatMul(2, sp.MatAdd(a, -y), evaluate=False),
            latex=r"\sum_j (a^L_j - y_j)^2",
            numpy_grad="(a - y) * (2.0 * scale)",  # one pass over a − y, scale folded in
        ),
    )
}


def activation(name: str) -> Activation:
    """The activation record called ``name``; ValueError names the allowed ones."""
    return _lookup(ACTIVATIONS, name, "activation")


def cost(name: str) -> Cost:
    """The cost record called ``name``; ValueError names the allowed ones."""
    return _lookup(COSTS, name, "cost")


def _lookup(table: dict, name: str, what: str):
    try:
        return table[name]
    except KeyError:
        allowed = ", ".join(sorted(table))
        raise ValueError(f"unknown {what} {name!r}; allowed: {allowed}") from None

"""Printers: SymPy expressions to text, at the edge of the pipeline.

Input: SymPy expressions from a ``Derivation``.  Output: strings.

* ``plain(expr)``  — SymPy's own string form (parsable by ``sympify``), used in
  ``derivation.json``;
* ``unicode(expr)`` — plain Unicode math for terminals: ``δ¹ = σ'(z¹) ⊙ (W²)ᵀ δ²``.
"""

from __future__ import annotations

from typing import ClassVar

import sympy as sp
from sympy.printing.precedence import precedence
from sympy.printing.str import StrPrinter

from . import symbols as s
from .rules import ACTIVATIONS, ActivationPrimeBase

_SUP = str.maketrans("0123456789-", "⁰¹²³⁴⁵⁶⁷⁸⁹⁻")
_SUB = str.maketrans("0123456789", "₀₁₂₃₄₅₆₇₈₉")
_GREEK = {"delta": "δ"}
_PRIME_NAMES = {row.prime: row.unicode for row in ACTIVATIONS.values()}
_FUNCTION_NAMES = {row.f: row.unicode for row in ACTIVATIONS.values()}


def plain(expr: sp.Basic) -> str:
    """SymPy's string form: ``a_1_3*delta_2_1``."""
    return sp.sstr(expr)


def _sup(n) -> str:
    return str(n).translate(_SUP)


def _sub(*ns) -> str:
    return "".join(str(n) for n in ns).translate(_SUB)


class UnicodePrinter(StrPrinter):
    """Plain-Unicode mathematics, following the notation of the source document."""

    _default_settings: ClassVar[dict] = {**StrPrinter._default_settings, "prime": "σ"}

    def _print_Symbol(self, expr):
        i = s.describe(expr)
        if i is None:
            return super()._print_Symbol(expr)
        if i.kind == "C":
            return "C"
        if i.kind == "y":
            return "y" + _sub(i.j)
        if i.kind == "dC_da":
            return f"∂C/∂a{_sup(i.l)}{_sub(i.j)}"
        name = _GREEK.get(i.kind, i.kind)
        indices = (i.j,) if i.k is None else (i.j, i.k)
        return f"{name}{_sup(i.l)}{_sub(*indices)}"

    def _print_MatrixSymbol(self, expr):
        i = s.describe_matrix(expr)
        if i is None:
            return super()._print_MatrixSymbol(expr)
        if i.kind == "dact":
            return f"{self._settings['prime']}'(z{_sup(i.l)})"
        if i.kind in ("gradW", "gradb"):
            return f"∂C/∂{i.kind[-1]}{_sup(i.l)}"
        name = _GREEK.get(i.kind, i.kind)
        return name if i.l is None else f"{name}{_sup(i.l)}"

    def _print_Transpose(self, expr):
        inner = self._print(expr.arg)
        if not isinstance(expr.arg, sp.MatrixSymbol) or len(inner) > 1:
            inner = f"({inner})"
        return inner + "ᵀ"

    def _print_HadamardProduct(self, expr):
        # ⊙ binds like a product: σ'(z¹) ⊙ (W²)ᵀ δ², σ'(z²) ⊙ 2(a² − y)
        return " ⊙ ".join(self._factor(a) for a in expr.args)

    def _print_MatMul(self, expr):
        coeff, factors = expr.as_coeff_matrices()
        out = " ".join(self._factor(f) for f in factors)
        return out if coeff == 1 else f"{self._print(coeff)}{out}"

    def _factor(self, expr) -> str:
        text = self._print(expr)
        return f"({text})" if isinstance(expr, sp.MatAdd) else text

    def _print_MatAdd(self, expr):
        out = self._print(expr.args[0])
        for term in expr.args[1:]:
            if term.could_extract_minus_sign():
                out += " − " + self._print(-term)
            else:
                out += " + " + self._print(term)
        return out

    def _print_Mul(self, expr):
        coeff, rest = expr.as_coeff_Mul()
        if coeff < 0:
            return "-" + self._print(-expr)
        factors = ([coeff] if coeff != 1 else []) + list(sp.Mul.make_args(rest))
        return "·".join(self.parenthesize(f, precedence(expr)) for f in factors)

    def _print_ActivationPrimeBase(self, expr):
        return f"{_PRIME_NAMES[type(expr)]}'({self._print(expr.args[0])})"

    def _print_Function(self, expr):
        name = _FUNCTION_NAMES.get(type(expr))
        if name is None:
            return super()._print_Function(expr)
        return f"{name}({self._print(expr.args[0])})"


def unicode(expr: sp.Basic, activation: str = "sigmoid") -> str:
    """Plain-Unicode form of ``expr``; ``activation`` names σ' in matrix forms."""
    return UnicodePrinter({"prime": ACTIVATIONS[activation].unicode}).doprint(expr)


__all__ = ["ActivationPrimeBase", "UnicodePrinter", "plain", "unicode"]

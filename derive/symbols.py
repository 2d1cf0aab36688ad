"""Every SymPy symbol derive uses is created here, and only here.

Input: indices (layer ``l``, neuron ``j``, previous-layer neuron ``k``; 1-based
``j`` and ``k`` as in the source document).  Output: cached SymPy ``Symbol``
objects whose names are the public contract of ``derivation.json``:

    w_{l}_{j}_{k}  b_{l}_{j}  z_{l}_{j}  a_{l}_{j}  (inputs a_0_{k})  y_{j}
    delta_{l}_{j}  dC_da_{l}_{j}  (∂C/∂a^l_j, kept symbolic for memoisation)

``describe`` turns a symbol back into its kind and indices, so printers can
format ``w_2_1_3`` as ``w^{2}_{13}`` without parsing strings elsewhere.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cache

import sympy as sp

__all__ = [
    "Index",
    "a",
    "b",
    "cost",
    "dC_da",
    "delta",
    "describe",
    "w",
    "y",
    "z",
]


@cache
def _symbol(name: str) -> sp.Symbol:
    return sp.Symbol(name, real=True)


def w(l: int, j: int, k: int) -> sp.Symbol:
    """w^l_{jk}: weight from neuron k of layer l-1 to neuron j of layer l."""
    return _symbol(f"w_{l}_{j}_{k}")


def b(l: int, j: int) -> sp.Symbol:
    """b^l_j: bias of neuron j of layer l."""
    return _symbol(f"b_{l}_{j}")


def z(l: int, j: int) -> sp.Symbol:
    """z^l_j = Σ_k w^l_{jk} a^{l-1}_k + b^l_j."""
    return _symbol(f"z_{l}_{j}")


def a(l: int, j: int) -> sp.Symbol:
    """a^l_j = σ(z^l_j); a^0_j is the input x_j."""
    return _symbol(f"a_{l}_{j}")


def y(j: int) -> sp.Symbol:
    """y_j: target of output neuron j."""
    return _symbol(f"y_{j}")


def delta(l: int, j: int) -> sp.Symbol:
    """δ^l_j = ∂C/∂z^l_j."""
    return _symbol(f"delta_{l}_{j}")


def dC_da(l: int, j: int) -> sp.Symbol:
    """∂C/∂a^l_j as a symbol, so hidden layers reuse the layer above (memoisation)."""
    return _symbol(f"dC_da_{l}_{j}")


def cost() -> sp.Symbol:
    """C, the cost of one sample."""
    return _symbol("C")


@dataclass(frozen=True)
class Index:
    """What a derive symbol stands for: its kind and its (1-based) indices."""

    kind: str  # one of w, b, z, a, y, delta, dC_da, C
    l: int | None = None
    j: int | None = None
    k: int | None = None


_NAME = re.compile(
    r"^(?:(?P<kind3>w)_(?P<l3>\d+)_(?P<j3>\d+)_(?P<k3>\d+)"
    r"|(?P<kind2>b|z|a|delta|dC_da)_(?P<l2>\d+)_(?P<j2>\d+)"
    r"|(?P<kind1>y)_(?P<j1>\d+)"
    r"|(?P<kind0>C))$"
)


@cache
def describe(symbol: sp.Symbol) -> Index | None:
    """Index of a derive symbol, or None for a symbol derive did not create."""
    m = _NAME.match(symbol.name)
    if m is None:
        return None
    g = m.groupdict()
    if g["kind3"]:
        return Index("w", int(g["l3"]), int(g["j3"]), int(g["k3"]))
    if g["kind2"]:
        return Index(g["kind2"], int(g["l2"]), int(g["j2"]))
    if g["kind1"]:
        return Index("y", None, int(g["j1"]))
    return Index("C")


# ---------------------------------------------------------------------------
# Matrix-level symbols: the vectors and matrices of the δ matrix forms.
# Their explicit counterparts are built from the scalar symbols above.


@cache
def W(l: int, rows: int, cols: int) -> sp.MatrixSymbol:
    """W^l, shape (n_l, n_{l-1})."""
    return sp.MatrixSymbol(f"W_{l}", rows, cols)


@cache
def vector(kind: str, l: int | None, n: int) -> sp.MatrixSymbol:
    """A column vector: kind is one of a, z, b, delta, y, dact (σ'(z^l))."""
    if kind not in _VECTOR_KINDS:
        raise ValueError(f"unknown vector kind {kind!r}; allowed: {', '.join(_VECTOR_KINDS)}")
    name = kind if l is None else f"{kind}_{l}"
    return sp.MatrixSymbol(name, n, 1)


_VECTOR_KINDS = ("a", "z", "b", "delta", "y", "dact")
_MATRIX_NAME = re.compile(r"^(?P<kind>W|a|z|b|delta|y|dact|gradW|gradb)(?:_(?P<l>\d+))?$")


@cache
def describe_matrix(symbol: sp.MatrixSymbol) -> Index | None:
    """Index (kind and layer) of a matrix symbol made by ``W`` or ``vector``."""
    m = _MATRIX_NAME.match(str(symbol.name))
    if m is None:
        return None
    return Index(m["kind"], int(m["l"]) if m["l"] else None)


def scalar(kind: str, l: int | None, row: int, col: int = 0) -> sp.Symbol:
    """The scalar symbol at 0-based (row, col) of the matrix symbol of ``kind`` and layer ``l``."""
    if kind == "W":
        return w(l, row + 1, col + 1)
    if kind == "y":
        return y(row + 1)
    return _symbol(f"{kind}_{l}_{row + 1}")


@cache
def gradient(kind: str, l: int, rows: int, cols: int) -> sp.MatrixSymbol:
    """∂C/∂W^l (kind "W") or ∂C/∂b^l (kind "b") as a matrix symbol."""
    return sp.MatrixSymbol(f"grad{kind}_{l}", rows, cols)


# ---------------------------------------------------------------------------
# Auxiliary symbols: free indices, scratch variables and temporaries.


@cache
def index(name: str) -> sp.Symbol:
    """A free integer index (``j``, ``k``) for the general entry of a matrix."""
    return sp.Symbol(name, integer=True, positive=True)


def scratch(*names: str) -> tuple[sp.Symbol, ...]:
    """Real variables for checking a rule row in isolation (``x``, ``a``, ``y``)."""
    return tuple(_symbol(f"_{n}") for n in names)


def fresh() -> sp.Dummy:
    """A symbol distinct from every other, e.g. to stand for a transcendental atom."""
    return sp.Dummy()


def temporaries():
    """t0, t1, … for common subexpressions in generated code."""
    return sp.numbered_symbols("t")

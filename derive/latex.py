"""LaTeX printers for derivation documents, in the notation of the source.

Input: SymPy objects from a ``Derivation`` (symbols made by ``derive.symbols``,
σ and σ' functions, matrix symbols, explicit matrices).  Output: LaTeX strings:

    w_2_1_3            → w^{2}_{13}
    delta_1_2          → \\delta^{1}_{2}
    sigmoid_prime(z)   → \\sigma'(z^{1}_{2})
    HadamardProduct    → \\odot,   Transpose → ^{T},   ImmutableMatrix → bmatrix

Two flavours: ``latex`` (for pdflatex: ``\\bm``) and ``katex`` (for Markdown on
GitHub and KaTeX: ``\\boldsymbol``).  Long sums and big matrices are elided with
``\\cdots`` / ``\\vdots`` / ``\\ddots``; the document says what was elided.
Symbols are described with ``symbols.describe``; ``str(expr)`` is never parsed.
"""

from __future__ import annotations

from typing import ClassVar

import sympy as sp
from sympy.matrices.expressions.matexpr import MatrixElement
from sympy.printing.latex import LatexPrinter

from . import symbols as s
from .rules import ACTIVATIONS, ActivationPrimeBase

BOLD = {"latex": r"\bm", "katex": r"\boldsymbol"}
# Thin space between factors and the row separator.  Markdown treats a backslash
# before punctuation as an escape (\, → ,  and \\ → \ on GitHub), so the katex
# flavour uses a plain space and \cr, which Markdown leaves alone.
THIN = {"latex": r"\,", "katex": " "}
ROW = {"latex": r" \\ ", "katex": r" \cr "}
COLOUR = "blue"  # factors already computed at the layer above (the source: "de color azul")
_PRIME_NAMES = {row.prime: row.latex for row in ACTIVATIONS.values()}
_FUNCTION_NAMES = {row.f: row.latex for row in ACTIVATIONS.values()}
_GREEK = {"delta": r"\delta"}
# Order of the factors of a product, as the source writes them: a σ'(z) 2 (a − y), w δ.
_KIND_RANK = {"w": 1, "a": 1.5, "b": 1.5, "z": 1.5, "y": 1.5, "delta": 3, "dC_da": 4, "C": 4}


class DocLatexPrinter(LatexPrinter):
    """LaTeX in the source's notation; ``flavour`` is ``latex`` or ``katex``."""

    _default_settings: ClassVar[dict] = {
        **LatexPrinter._default_settings,
        "flavour": "latex",
        "prime": r"\sigma",  # the activation's LaTeX name, for σ'(z^l) in matrix forms
        "max_terms": 6,  # a longer sum prints its first 3 terms, ⋯, its last
        "max_dim": 6,  # a bigger matrix prints rows/columns 1, 2, 3, ⋯, last
    }

    # -- scalars ---------------------------------------------------------
    @property
    def thin(self) -> str:
        return THIN[self._settings["flavour"]]

    @property
    def row(self) -> str:
        return ROW[self._settings["flavour"]]

    def bold(self, tex: str) -> str:
        return f"{BOLD[self._settings['flavour']]}{{{tex}}}"

    def _print_Symbol(self, expr, style="plain"):
        i = s.describe(expr)
        if i is None:
            return super()._print_Symbol(expr, style)
        if i.kind == "C":
            return "C"
        if i.kind == "y":
            return f"y_{{{i.j}}}"
        if i.kind == "dC_da":
            return self.partial_text("C", f"a^{{{i.l}}}_{{{i.j}}}")
        name = _GREEK.get(i.kind, i.kind)
        return f"{name}^{{{i.l}}}_{{{index_text(i.j, i.k)}}}"

    def _print_ActivationPrimeBase(self, expr):
        # σ'(z^l_j)
        return f"{_PRIME_NAMES[type(expr)]}'({self._print(expr.args[0])})"

    def _print_sigmoid(self, expr):
        return f"{_FUNCTION_NAMES[type(expr)]}({self._print(expr.args[0])})"

    _print_tanh = _print_sigmoid  # every activation of the rule table prints as name(z)

    def _print_Add(self, expr, order=None):
        terms = sorted(sp.Add.make_args(expr), key=_term_key)
        shown = _elide(terms, self._settings["max_terms"], tail=2)
        out = ""
        for i, term in enumerate(shown):
            if term is None:
                out += r" + \cdots"
                continue
            if i and term.could_extract_minus_sign():
                out += " - "
                term = -term
            elif i:
                out += " + "
            out += self._print(term)
        return out

    def _print_Mul(self, expr):
        if expr.could_extract_minus_sign():
            return "-" + self._print(-expr)
        factors = sorted(expr.args, key=_factor_rank)
        out = ""
        for i, f in enumerate(factors):
            tex = self._print(f)
            if isinstance(f, sp.Add):
                tex = paren(tex)
            if i and f.is_Number:
                out += r" \cdot "
            elif i:
                out += self.thin
            out += tex
        return out

    def parenthesize(self, item, level, is_neg=False, strict=False) -> str:
        tex = super().parenthesize(item, level, is_neg, strict)
        return _plain_parens(tex)

    def partial_text(self, of: str, wrt: str) -> str:
        return rf"\frac{{\partial {of}}}{{\partial {wrt}}}"

    def partial(self, of: sp.Basic, wrt: sp.Basic) -> str:
        """∂of/∂wrt as a fraction."""
        return self.partial_text(self._print(of), self._print(wrt))

    # -- matrices --------------------------------------------------------
    def _print_MatrixSymbol(self, expr, style="plain"):
        i = s.describe_matrix(expr)
        if i is None:
            return super()._print_MatrixSymbol(expr, style)
        up = "" if i.l is None else f"^{{{i.l}}}"
        if i.kind == "W":
            return f"W{up}"
        if i.kind == "dact":  # σ'(z^l)
            return f"{self._settings['prime']}'({self.bold('z')}{up})"
        if i.kind == "gradW":
            return self.partial_text("C", f"W{up}")
        if i.kind == "gradb":
            return self.partial_text("C", f"{self.bold('b')}{up}")
        return self.bold(_GREEK.get(i.kind, i.kind)) + up

    def _print_MatrixElement(self, expr):
        # The general entry (j, k) of a gradient or vector, e.g. ∂C/∂w^l_jk.
        i = s.describe_matrix(expr.parent)
        row, col = self._print(expr.i), self._print(expr.j)
        if i.kind == "gradW":
            return self.partial_text("C", f"w^{{{i.l}}}_{{{row}{col}}}")
        if i.kind == "gradb":
            return self.partial_text("C", f"b^{{{i.l}}}_{{{row}}}")
        name = _GREEK.get(i.kind, i.kind)
        if expr.parent.shape[0] == 1:  # a row: the index is the column
            row = col
        return f"{name}^{{{i.l}}}_{{{row}}}"

    def _print_Transpose(self, expr):
        inner = self._print(expr.arg)
        if not isinstance(expr.arg, sp.MatrixSymbol) or "^" in inner:
            inner = paren(inner)
        return inner + "^{T}"

    def _print_HadamardProduct(self, expr):
        return r" \odot ".join(self._matrix_factor(a) for a in expr.args)

    def _print_MatMul(self, expr):
        coeff, factors = expr.as_coeff_matrices()
        out = self.thin.join(self._matrix_factor(f) for f in factors)
        return out if coeff == 1 else f"{self._print(coeff)}{out}"

    def _matrix_factor(self, expr) -> str:
        tex = self._print(expr)
        if isinstance(expr, (sp.MatAdd, sp.HadamardProduct)):
            return paren(tex)
        return tex

    def _print_MatAdd(self, expr):
        out = self._print(expr.args[0])
        for term in expr.args[1:]:
            if term.could_extract_minus_sign():
                out += " - " + self._print(-term)
            else:
                out += " + " + self._print(term)
        return out

    def _print_MatrixBase(self, expr):
        return self.matrix(expr.rows, expr.cols, lambda r, c: self._print(expr[r, c]))

    _print_ImmutableDenseMatrix = _print_MatrixBase
    _print_ImmutableMatrix = _print_MatrixBase

    def matrix(self, rows: int, cols: int, entry) -> str:
        """A bmatrix whose entry (r, c) is the string ``entry(r, c)``; elided past ``max_dim``.

        Only the entries shown are printed, so 30×784 matrices cost no more than 5×5.
        """
        m = self._settings["max_dim"]
        rs, cs = _elide(list(range(rows)), m), _elide(list(range(cols)), m)
        lines = []
        for r in rs:
            if r is None:  # ⋮ under every column, ⋱ under the elided columns
                cells = [r"\ddots" if c is None else r"\vdots" for c in cs]
            else:
                cells = [r"\cdots" if c is None else entry(r, c) for c in cs]
            lines.append(" & ".join(cells))
        return r"\begin{bmatrix} " + self.row.join(lines) + r" \end{bmatrix}"


def paren(tex: str) -> str:
    """(tex), with \\left( \\right) only around fractions and matrices, which need tall ones."""
    if r"\frac" in tex or r"\begin" in tex:
        return rf"\left({tex}\right)"
    return f"({tex})"


def _plain_parens(tex: str) -> str:
    if (
        tex.startswith(r"\left(")
        and tex.endswith(r"\right)")
        and r"\frac" not in tex
        and r"\begin" not in tex
    ):
        return "(" + tex[len(r"\left(") : -len(r"\right)")] + ")"
    return tex


def index_text(j: int, k: int | None) -> str:
    """Subscript ``jk``; with a comma when an index has two digits (w^1_{12,3})."""
    if k is None:
        return str(j)
    return f"{j}{k}" if j < 10 and k < 10 else f"{j},{k}"


def _elide(items: list, limit: int, tail: int = 1) -> list:
    """All items, or the first three, None (the ellipsis) and the last ``tail``."""
    if len(items) <= limit:
        return list(items)
    return list(items[:3]) + [None] + list(items[-tail:])


def _term_key(term) -> tuple:
    # Terms of a sum: numbers first (1 − a), then by kind and numeric indices
    # (w^2_{11}δ^2_1 + w^2_{21}δ^2_2 + …; a − y; Σ_k w a + b).
    out = []
    for sym in sorted(term.free_symbols, key=lambda x: x.name):
        i = s.describe(sym)
        if i is not None:
            out.append((i.kind, i.l or 0, i.j or 0, i.k or 0))
    return (not term.is_Number, tuple(out))


def _factor_rank(f) -> int:
    if isinstance(f, (ActivationPrimeBase, *_FUNCTION_NAMES)):
        return 2
    if f.is_Number:
        return 2.5
    if isinstance(f, sp.Symbol):
        i = s.describe(f)
        return 1 if i is None else _KIND_RANK.get(i.kind, 1)
    return 5


def printer(flavour: str = "latex", **settings) -> DocLatexPrinter:
    """A printer for ``flavour`` ``latex`` (pdflatex) or ``katex`` (Markdown)."""
    if flavour not in BOLD:
        raise ValueError(f"unknown LaTeX flavour {flavour!r}; allowed: {', '.join(BOLD)}")
    return DocLatexPrinter({"flavour": flavour, **settings})


def latex(expr, flavour: str = "latex", **settings) -> str:
    """``expr`` in LaTeX, in the source's notation."""
    return printer(flavour, **settings).doprint(expr)


def colour(tex: str) -> str:
    """Mark a factor computed at the layer above (``\\textcolor`` works in xcolor and KaTeX)."""
    return rf"\textcolor{{{COLOUR}}}{{{tex}}}"


__all__ = ["DocLatexPrinter", "MatrixElement", "colour", "index_text", "latex", "printer"]

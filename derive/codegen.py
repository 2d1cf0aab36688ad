"""Code generation: a verified ``Derivation`` → the source of a standalone NumPy module.

Input: a ``Derivation`` and ``CodeOptions`` (style ``"matrix"`` or ``"scalar"``,
module name).  Output: Python source text (a pure function; cli.py writes it).

The generated module imports NumPy only and has the same public API in both
styles: ``LAYERS``, ``init_params``, ``forward``, ``predict``, ``cost``,
``gradients``, ``sgd_step``.  Every equation in it is printed from the
derivation's objects: the backward pass's comments from ``derivation.equations``
(BP1–BP4) with the Unicode printer, σ' and ∇_a C from the rule rows, and in the
scalar style every ∂C/∂w^l_jk itself by a SymPy NumPy printer subclass.
"""

from __future__ import annotations

import keyword
import sys
from dataclasses import dataclass
from typing import ClassVar

import sympy as sp
from sympy.printing.numpy import NumPyPrinter

from . import __version__
from . import symbols as s
from .collapse import Derivation
from .printing import UnicodePrinter
from .rules import ACTIVATIONS
from .templating import template

STYLES = ("matrix", "scalar")
SHADOWED = frozenset({"numpy", "np", "derive"})  # names a module may not take
MAX_SCALAR_PARAMETERS = 500  # the scalar style unrolls every parameter; above this it refuses

# Numerically stable NumPy expressions of the activation, where the elementary
# form printed from the rule row (e.g. 1/(1 + exp(-z))) would warn: the module
# evaluates them inside one ``np.errstate(over="ignore")`` per forward pass
# (entering it costs about 1 µs, as much as a small layer), with the reason.
STABLE_ACTIVATIONS: dict[str, tuple[str, str]] = {
    "sigmoid": ("1.0 / (1.0 + np.exp(-z))", "e^{-z} → inf for z < -709: σ(z) → 0, exact"),
}
NO_OVERFLOW = "cannot overflow; one code path for every activation"


class CodegenError(ValueError):
    """A request the code generator refuses, with a one-line reason."""


@dataclass(frozen=True)
class CodeOptions:
    """How to write the module: ``style`` is matrix or scalar; ``module_name`` a Python identifier."""

    style: str = "matrix"
    module_name: str | None = None


def default_module_name(layers) -> str:
    """``backprop_4_3_2`` for layers (4, 3, 2)."""
    return "backprop_" + "_".join(str(n) for n in layers)


def check_module_name(name: str) -> str:
    """``name`` if it is a usable module name, else CodegenError naming the rule."""
    if not name.isidentifier() or keyword.iskeyword(name) or not name.isascii():
        raise CodegenError(
            f"--module-name {name!r} is not a Python identifier "
            "(ASCII letters, digits and _, not starting with a digit, not a keyword)"
        )
    if name in SHADOWED or name in sys.stdlib_module_names:
        raise CodegenError(
            f"--module-name {name!r} would shadow the module {name!r} that the generated code "
            "or Python itself imports; choose another name"
        )
    return name


def check_options(d: Derivation, options: CodeOptions) -> str:
    """Validate ``options`` for ``d``; returns the module name or raises CodegenError."""
    if options.style not in STYLES:
        raise CodegenError(f"code style {options.style!r} is unknown; allowed: {', '.join(STYLES)}")
    n = d.spec.n_parameters
    if options.style == "scalar" and n > MAX_SCALAR_PARAMETERS:
        raise CodegenError(
            f"--code-style scalar unrolls every parameter: {d.spec.slug} has {n:,}, "
            f"the limit is {MAX_SCALAR_PARAMETERS:,}; use --code-style matrix"
        )
    return check_module_name(options.module_name or default_module_name(d.spec.layers))


def render(d: Derivation, options: CodeOptions = CodeOptions()) -> str:
    """The module's source text (deterministic: same derivation and options → same bytes)."""
    name = check_options(d, options)
    context = _common(d, name, options.style)
    if options.style == "scalar":
        context.update(_scalar(d))
    else:
        context.update(_matrix(d))
    return template("backprop.py.j2").render(**context)


# ---------------------------------------------------------------------------
# Printers


def equation_text(lhs, rhs, activation: str) -> str:
    """``δ² = σ'(z²) ⊙ 2(a² − y)``: an equation for a code comment."""
    p = UnicodePrinter({"prime": ACTIVATIONS[activation].unicode})
    return f"{p.doprint(lhs)} = {p.doprint(rhs)}"


class NumPyCodePrinter(NumPyPrinter):
    """NumPy source for derive's scalar expressions, inside a generated module.

    Weights and biases print as entries of the parameter arrays (w^l_jk →
    ``W1[j-1, k-1]``), inputs and targets as columns of ``x`` and ``y``
    (``x[..., k-1]``, valid for one sample and for a batch), other derive
    symbols as local variables (``a_1_2``), ``numpy`` as ``np``, and the
    activation as the module's own (stable) function.
    """

    _ACTIVATION_NAMES: ClassVar[dict] = {row.f: row.name for row in ACTIVATIONS.values()}
    _COLUMN_KINDS: ClassVar[dict] = {"w": "W{l}[{j}, {k}]", "b": "b{l}[{j}]", "y": "y[..., {j}]"}

    def __init__(self, settings=None, plain: bool = False):
        super().__init__({"fully_qualified_modules": True, **(settings or {})})
        self._plain = plain  # print a^L_j, y_j as bare a, y (rule-row formulas)

    def _module_format(self, fqn, register=True):
        out = super()._module_format(fqn, register)
        return "np" + out[len("numpy"):] if out.startswith("numpy.") else out

    def _print_Symbol(self, expr):
        i = s.describe(expr)
        if i is None:
            return super()._print_Symbol(expr)
        if self._plain:
            return i.kind
        if i.kind == "a" and i.l == 0:
            return f"x[..., {i.j - 1}]"
        pattern = self._COLUMN_KINDS.get(i.kind)
        if pattern is None:
            return expr.name
        return pattern.format(l=i.l, j=i.j - 1, k=(i.k or 1) - 1)

    def _print_Function(self, expr):
        name = None if self._plain else self._ACTIVATION_NAMES.get(type(expr))
        if name is None:  # e.g. the body of the module's own tanh: np.tanh
            return getattr(super(), f"_print_{type(expr).__name__}", super()._print_Function)(expr)
        return f"{name}({self._print(expr.args[0])})"


for _row in ACTIVATIONS.values():  # the activation prints as the module's function, by table
    setattr(NumPyCodePrinter, f"_print_{_row.f.__name__}", NumPyCodePrinter._print_Function)


def numpy_source(expr: sp.Expr, plain: bool = False) -> str:
    """NumPy source of a derive expression (see ``NumPyCodePrinter``)."""
    return NumPyCodePrinter(plain=plain).doprint(expr)


# ---------------------------------------------------------------------------
# Template context


def _common(d: Derivation, name: str, style: str) -> dict:
    spec, g = d.spec, d.graph
    act = g.activation
    L = spec.L
    body, guard_reason = STABLE_ACTIVATIONS.get(
        act.name, (numpy_source(act.explicit(s.z(1, 1)), plain=True), NO_OVERFLOW)
    )
    forward = [
        {
            "l": l,
            "z": equation_text(
                s.vector("z", l, spec.n(l)),
                s.W(l, spec.n(l), spec.n(l - 1)) * s.vector("a", l - 1, spec.n(l - 1))
                + s.vector("b", l, spec.n(l)),
                act.name,
            ),
            "a": f"a{_sup(l)} = {act.unicode}(z{_sup(l)})",
            "sup": _sup(l),
        }
        for l in range(1, L + 1)
    ]
    return {
        "module_name": name,
        "style": style,
        "version": __version__,
        "layers": spec.layers,
        "L": L,
        "n_parameters": spec.n_parameters,
        "activation": act.name,
        "activation_symbol": act.unicode,
        "activation_body": body,
        "guard_reason": guard_reason,
        "prime_of_a": act.numpy_prime_of_a,
        "cost_name": g.cost_rule.name,
        "cost_term": numpy_source(g.cost_rule.term(s.a(L, 1), s.y(1)), plain=True),
        "cost_grad": g.cost_rule.numpy_grad,
        "forward_layers": forward,
        "param_keys": [f"{kind}{l}" for l in range(1, L + 1) for kind in ("W", "b")],
        "style_template": f"backprop_{style}.py.j2",
    }


_SUP_DIGITS = str.maketrans("0123456789", "⁰¹²³⁴⁵⁶⁷⁸⁹")


def _sup(n: int) -> str:
    return str(n).translate(_SUP_DIGITS)


def _matrix(d: Derivation) -> dict:
    """Per layer, output first: the BP equations' comment text and the layer indices."""
    act = d.spec.activation
    layers = []
    for l in range(d.spec.L, 0, -1):
        eqs = {e.tag: e for e in d.equations if e.l == l}
        delta = eqs.get("BP1") or eqs["BP2"]
        # the second factor of σ'(z^l) ⊙ (…): ∇_a C at the output, (W^{l+1})^T δ^{l+1} below
        second = UnicodePrinter().doprint(delta.rhs.args[1])
        layers.append(
            {
                "l": l,
                "tag": delta.tag,
                "delta": equation_text(delta.lhs, delta.rhs, act),
                "backprop": None if "BP1" in eqs else second,
                "cost_grad": second,
                "bp3": equation_text(eqs["BP3"].lhs, eqs["BP3"].rhs, act),
                "bp4": equation_text(eqs["BP4"].lhs, eqs["BP4"].rhs, act),
            }
        )
    return {"backward_layers": layers}


def _scalar(d: Derivation) -> dict:
    """Unrolled forward lines and the CSE-reduced symbolic gradients, one line each."""
    g, spec = d.graph, d.spec
    uni = UnicodePrinter()
    forward = []
    for l in range(1, spec.L + 1):
        rows = []
        for j in g.neurons(l):
            rows.append(
                {
                    "z": s.z(l, j).name,
                    "z_code": numpy_source(g.z[(l, j)]),
                    "a": s.a(l, j).name,
                    "a_code": numpy_source(g.a[(l, j)]),
                }
            )
        forward.append({"l": l, "neurons": rows})
    params = list(d.gradients)
    replacements, reduced = sp.cse(
        [full_gradient(d, p) for p in params], symbols=s.temporaries()
    )
    shared = [{"name": str(sym), "code": numpy_source(e)} for sym, e in replacements]
    entries = []
    for p, e in zip(params, reduced):
        i = s.describe(p)
        index = f"{i.j - 1}, {i.k - 1}" if i.kind == "w" else f"{i.j - 1}"
        entries.append(
            {
                "target": f"d{i.kind.upper() if i.kind == 'w' else i.kind}{i.l}[{index}]",
                "code": numpy_source(e),
                "comment": f"∂C/∂{uni.doprint(p)} = {uni.doprint(d.gradients[p].value)}",
            }
        )
    unpack = [
        {"name": s.a(l, j).name, "layer": l, "index": j - 1}
        for l in range(1, spec.L + 1)
        for j in g.neurons(l)
    ]
    return {"scalar_forward": forward, "shared": shared, "entries": entries, "unpack": unpack}


def full_gradient(d: Derivation, p: sp.Symbol) -> sp.Expr:
    """∂C/∂p = a^{l-1}_k δ^l_j with every δ replaced by its definition (in a, w, y)."""
    return d.gradients[p].value.xreplace(delta_values(d))


def delta_values(d: Derivation) -> dict[sp.Symbol, sp.Expr]:
    """δ^l_j → its definition with the δ of the layer above substituted, output layer first."""
    out: dict[sp.Symbol, sp.Expr] = {}
    for dd in d.deltas.values():  # ordered L, L-1, …, 1
        out[dd.symbol] = dd.definition.xreplace(out)
    return out

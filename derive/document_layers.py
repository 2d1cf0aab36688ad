"""Per-layer sections of the document model, as the source writes them.

Input: a ``document.Context`` and a layer l.  Output: ``Section``s of printed
math and prose:

* Layer L / L-1 / …: the chain rule of w^l_{11} factor by factor
      ∂C/∂w^l_11 = ∂z^l_1/∂w^l_11 · ∂a^l_1/∂z^l_1 · ∂C/∂a^l_1,
  with, for hidden layers, ∂C/∂a^l_1 = Σ_j ∂z^{l+1}_j/∂a^l_1 · ∂a^{l+1}_j/∂z^{l+1}_j
  · ∂C/∂a^{l+1}_j, the factors computed above coloured, the new one
  ∂z^{l+1}_j/∂a^l_1 = w^{l+1}_j1 pointed out;
* Weights in general: every ∂C/∂w^l_jk = a^{l-1}_k δ^l_j, the δ definitions and
  the gradient matrix entry by entry and as δ^l (a^{l-1})^T  (BP3);
* Bias in general: ∂C/∂b^l_j = δ^l_j  (BP4);
* Reverse engineering: δ^l = σ'(z^l) ⊙ (W^{l+1})^T δ^{l+1}  (BP2), or
  σ'(z^L) ⊙ 2(a^L − y) at the output  (BP1).
"""

from __future__ import annotations

import sympy as sp

from . import lang as t
from . import symbols as s
from .document import (
    HEAD_ROWS,
    LIMIT_ROWS,
    LIMIT_WEIGHTS,
    MAX_DIM,
    Context,
    Math,
    Section,
    shown_rows,
)
from .latex import colour, paren

_J, _K = s.index("j"), s.index("k")  # indices of the general entry


def _equation(c: Context, tag: str, l: int):
    return next(e for e in c.d.equations if e.tag == tag and e.l == l)


def _partials(c: Context, factors, coloured: bool = True) -> str:
    """∂z/∂p ∂a/∂z ∂C/∂a as fractions; factors computed above in colour."""
    out = []
    for f in factors:
        tex = c.p.partial(f.of, f.wrt)
        out.append(colour(tex) if coloured and not f.new else tex)
    return c.p.thin.join(out)


def _values(c: Context, factors, coloured: bool = True) -> str:
    """The factors' values side by side, e.g. a^1_1 σ'(z^2_1) · 2(a^2_1 − y_1)."""
    out = []
    for i, f in enumerate(factors):
        tex = c.tex(f.value)
        if isinstance(f.value, sp.Add):
            tex = paren(tex)
        tex = colour(tex) if coloured and not f.new else tex
        sep = (
            r" \cdot "
            if i and (f.value.is_Number or f.value.is_Mul and f.value.args[0].is_Number)
            else c.p.thin
        )
        out.append(tex if not i else sep + tex)
    return "".join(out)


def _rest(c: Context, l: int, j: int):
    """∂C/∂a^l_j as the engine's verified value: 2(a^L_j − y_j), or Σ_i w^{l+1}_ij δ^{l+1}_i."""
    return c.d.layers[l].backprop[j - 1]


def layer_sections(c: Context, l: int) -> list[Section]:
    return [
        Section(t.text(c.lang, "layer", name=c.name(l), l=l), 1, _one_weight(c, l)),
        _weights(c, l),
        _biases(c, l),
    ]


def _one_weight(c: Context, l: int) -> tuple:
    d, L = c.d, c.d.spec.L
    pc = d.chain.parameters[s.w(l, 1, 1)]
    dz, da, dc = pc.factors
    lhs = c.p.partial(s.cost(), pc.parameter)
    blocks = [
        Text_(c, "one_weight_text"),
        Math((f"{lhs} &= {_partials(c, pc.factors)}",), (pc,)),
    ]
    if l == L:
        blocks += [
            Text_(c, "factor_cost"),
            Math((f"{c.p.partial(dc.of, dc.wrt)} &= {c.tex(dc.value)}",), (dc, dc.value)),
        ]
    else:
        blocks += _hidden_sum(c, l)
    blocks += [
        Text_(c, "factor_activation"),
        Math(
            (f"{c.p.partial(da.of, da.wrt)} &= {c.tex(da.forms[0])} = {c.tex(da.value)}",),
            (da, da.value, da.forms[0]),
        ),
        Text_(c, "factor_weight"),
        Math((f"{c.p.partial(dz.of, dz.wrt)} &= {c.tex(dz.value)}",), (dz, dz.value)),
        Text_(c, "product"),
        Math(
            (f"{lhs} &= {_chain_values(c, l, 1, pc)} = {c.tex(d.gradients[pc.parameter].value)}",),
            (pc, d.gradients[pc.parameter].value),
        ),
    ]
    return tuple(blocks)


def _chain_values(c: Context, l: int, j: int, pc) -> str:
    """a^{l-1}_k σ'(z^l_j) · ∂C/∂a^l_j with ∂C/∂a^l_j in its verified, δ-collapsed form."""
    dz, da, _ = pc.factors
    rest = _rest(c, l, j)
    tex = c.tex(rest)
    if isinstance(rest, sp.Add):
        tex = paren(tex)
    sep = r" \cdot " if rest.is_Mul and rest.args[0].is_Number else c.p.thin
    first = r" \cdot " if dz.value.is_Number else c.p.thin  # 1 · σ'(z) for a bias
    return f"{c.tex(dz.value)}{first}{c.tex(da.value)}{sep}{tex}"


def _hidden_sum(c: Context, l: int) -> list:
    """∂C/∂a^l_1 = Σ_j paths; the coloured factors are known, w^{l+1}_j1 is new."""
    d = c.d
    grad = d.chain.activation_gradients[(l, 1)]
    lhs = c.p.partial(s.cost(), s.a(l, 1))
    js = shown_rows(len(grad.paths), MAX_DIM)
    paths = [grad.paths[j - 1] for j in js]
    partial_terms = [_partials(c, p.factors) for p in paths]
    value_terms = [_values(c, p.factors) for p in paths]
    if len(js) < len(grad.paths):  # Σ_j elided: first three, ⋯, last
        partial_terms.insert(-1, r"\cdots")
        value_terms.insert(-1, r"\cdots")
    partial_terms, value_terms = " + ".join(partial_terms), " + ".join(value_terms)
    known = [d.deltas[(l + 1, j)] for j in js]
    new = [p.factors[0] for p in paths]
    return [
        Text_(c, "factor_sum", next=l + 1),
        Math((f"{lhs} &= {partial_terms}",), tuple(paths)),
        Text_(c, "factor_new"),
        Math(tuple(f"{c.p.partial(f.of, f.wrt)} &= {c.tex(f.value)}" for f in new), tuple(new)),
        Text_(c, "factor_known", next=l + 1),
        Math(
            tuple(
                f"{colour(_partials(c, x.factors, coloured=False))} &= {c.tex(x.value)} = {c.tex(x.symbol)}"
                for x in known
            ),
            tuple(known),
        ),
        Text_(c, "factor_sum_value"),
        Math((f"{lhs} &= {value_terms}", f"&= {c.tex(_rest(c, l, 1))}"), (grad, _rest(c, l, 1))),
    ]


def Text_(c: Context, key: str, **values):
    return c.text(key, **values)


SHORT_SUM = 3  # ∂C/∂a^l_j sums over n_{l+1} terms; longer sums move the values to a second row


def _parameter_rows(c: Context, pc) -> list[str]:
    """∂C/∂p = ∂z/∂p ∂a/∂z ∂C/∂a = values = collapsed; on two rows when the sum is long."""
    lhs = c.p.partial(s.cost(), pc.parameter)
    value = c.tex(c.d.gradients[pc.parameter].value)
    values = f"{_chain_values(c, pc.l, pc.j, pc)} = {value}"
    spec = c.d.spec
    if pc.l == spec.L or spec.n(pc.l + 1) <= SHORT_SUM:
        return [f"{lhs} &= {_partials(c, pc.factors)} = {values}"]
    return [f"{lhs} &= {_partials(c, pc.factors)}", f"&= {values}"]


def _delta_row(c: Context, x) -> str:
    return f"{_partials(c, x.factors, coloured=False)} &= {c.tex(x.value)} = {c.tex(x.symbol)}"


def _weights(c: Context, l: int) -> Section:
    d, spec = c.d, c.d.spec
    n, m = spec.n(l), spec.n(l - 1)
    small = n * m <= LIMIT_WEIGHTS
    js = list(range(1, n + 1)) if small else list(range(1, min(HEAD_ROWS, n) + 1))
    ks = shown_rows(m, MAX_DIM)
    blocks = [Text_(c, "weights_text")]
    for j in js:
        chains = [d.chain.parameters[s.w(l, j, k)] for k in ks]
        x = d.deltas[(l, j)]
        rows = [r for pc in chains for r in _parameter_rows(c, pc)] + [_delta_row(c, x)]
        blocks.append(Math(tuple(rows), tuple(chains) + (x,)))
    if not small:
        shown = len(js) * len(ks)
        blocks.append(
            Text_(
                c,
                "weights_elided",
                shown=shown,
                total=f"{n * m:,}",
                rows=f"1-{len(js)}",
                rest=f"{n * m - shown:,}",
            )
        )
        eq = _equation(c, "BP3", l)
        blocks.append(Math((f"{c.tex(eq.lhs[_J, _K])} &= {c.tex(eq.rhs[_J, _K])}",), (eq,)))
        rest = [d.deltas[(l, j)] for j in shown_rows(n, LIMIT_ROWS) if j not in js]
        blocks.append(Math(tuple(_delta_row(c, x) for x in rest), tuple(rest)))
        if n > LIMIT_ROWS:
            blocks.append(Text_(c, "deltas_elided", shown=len(shown_rows(n)), total=n))
    blocks += _gradient_matrix(c, l)
    return Section(t.text(c.lang, "weights", name=c.name(l)), 2, tuple(blocks))


def _gradient_matrix(c: Context, l: int) -> list:
    d, lf = c.d, c.d.layers[l]
    eq = _equation(c, "BP3", l)
    n, m = d.spec.n(l), d.spec.n(l - 1)
    partials = c.p.matrix(n, m, lambda r, k: c.p.partial(s.cost(), s.w(l, r + 1, k + 1)))
    rows = (
        f"{c.tex(eq.lhs)} &= {partials}",
        f"&= {c.tex(lf.outer)}",
        f"&= {c.tex(lf.delta)}{c.p.thin}{c.tex(lf.a_prev_T)} = {c.tex(eq.rhs)}",
    )
    blocks = [Text_(c, "matrix_text"), Math(rows, (eq, lf.outer, lf.delta, lf.a_prev_T))]
    if max(n, m) > MAX_DIM:
        blocks.append(Text_(c, "matrix_elided", limit=MAX_DIM))
    return blocks


def _biases(c: Context, l: int) -> Section:
    d, n = c.d, c.d.spec.n(l)
    js = shown_rows(n)
    chains = [d.chain.parameters[s.b(l, j)] for j in js]
    rows = [r for pc in chains for r in _parameter_rows(c, pc)]
    eq = _equation(c, "BP4", l)
    partials = c.p.matrix(n, 1, lambda r, _: c.p.partial(s.cost(), s.b(l, r + 1)))
    vector = (f"{c.tex(eq.lhs)} &= {partials} = {c.tex(d.layers[l].delta)} = {c.tex(eq.rhs)}",)
    blocks = [Text_(c, "biases_text"), Math(tuple(rows), tuple(chains))]
    if len(js) < n:
        blocks.append(Text_(c, "deltas_elided", shown=len(js), total=n))
    blocks.append(Math(vector, (eq, d.layers[l].delta)))
    return Section(t.text(c.lang, "biases", name=c.name(l)), 2, tuple(blocks))


def reverse_section(c: Context, l: int) -> Section:
    """How the entrywise results factor into σ'(z^l) ⊙ (W^{l+1})^T δ^{l+1}  (BP2) or BP1."""
    d, lf = c.d, c.d.layers[l]
    L = d.spec.L
    bp3 = _equation(c, "BP3", l)
    bpd = _equation(c, "BP1" if l == L else "BP2", l)
    js = shown_rows(d.spec.n(l))
    deltas = [d.deltas[(l, j)] for j in js]
    blocks = [
        Text_(c, "reverse_text"),
        Math(
            (f"{c.tex(bp3.rhs)} &= {c.tex(lf.delta)}{c.p.thin}{c.tex(lf.a_prev_T)}",),
            (bp3, lf.delta, lf.a_prev_T),
        ),
        Math(tuple(f"{c.tex(x.symbol)} &= {c.tex(x.value)}" for x in deltas), tuple(deltas)),
    ]
    if l == L:
        blocks.append(Text_(c, "reverse_output"))
        product = f"{c.tex(lf.sigma_prime)} \\odot {c.tex(lf.backprop)}"
        blocks.append(
            Math(
                (f"{c.tex(lf.delta)} &= {c.tex(lf.delta_rhs)} = {product}",),
                (lf.delta_rhs, lf.sigma_prime, lf.backprop),
            )
        )
    else:
        n_next, n = d.spec.n(l + 1), d.spec.n(l)
        blocks.append(Text_(c, "reverse_transpose", next=l + 1, rows=n, cols=n_next))
        W = s.W(l + 1, n_next, n)
        blocks.append(
            Math(
                (
                    f"{c.tex(W)} &= {c.tex(lf.W_next_T.T)}, \\qquad {c.tex(W.T)} = {c.tex(lf.W_next_T)}",
                ),
                (lf.W_next_T, bpd),
            )
        )
        product = (
            f"{c.tex(lf.sigma_prime)} \\odot {c.tex(lf.W_next_T)}{c.p.thin}{c.tex(lf.delta_next)}"
        )
        blocks.append(
            Math(
                (f"{c.tex(lf.delta)} &= {c.tex(lf.delta_rhs)}", f"&= {product} = {c.tex(bpd.rhs)}"),
                (lf.delta_rhs, lf.sigma_prime, lf.W_next_T, lf.delta_next, bpd),
            )
        )
    result = sp.MatMul(
        bpd.rhs, bp3.rhs.args[-1]
    )  # (BP1 or BP2 rhs) (a^{l-1})^T, i.e. BP3 with δ^l substituted
    blocks += [
        Text_(c, "reverse_result", l=l),
        Math((f"{c.tex(bp3.lhs)} &= {c.tex(bp3.rhs)} = {c.tex(result)}",), (bp3, bpd, bpd.rhs)),
    ]
    return Section(t.text(c.lang, "reverse", name=c.name(l)), 1, tuple(blocks))

"""The appendix's numeric verification: the generated module against its references.

Input: a ``document.Context`` and the ``numcheck.NumericVerification`` of the
generated module (or ``None`` when ``--verify`` was not requested).  Output:
``Section``s of prose and tables of already-formatted cells — nothing without
a verification, so documents without ``--verify`` are unchanged.

Numbers are formatted here, at the edge, with 3 significant digits exactly as
``verification.json`` rounds them; the relative error of an entry is
|g − r| / max(|r|, s) (``numcheck``), stated in the prose of ``derive.lang``.
"""

from __future__ import annotations

import math

from . import lang as t
from .document import Section, Table, Text, escape

# reference name in numcheck → its display name in derive.lang
REFERENCE_KEYS = {
    "symbolic": "ref_symbolic",
    "finite differences": "ref_finite_differences",
    "autograd": "ref_autograd",
}


def number(x: float) -> str:
    """3 significant digits, as verification.json and verification.md give them."""
    return f"{x:.2e}" if math.isfinite(x) else "inf"


def numeric_sections(c, v) -> list[Section]:
    """The numeric verification subsection of the appendix, or nothing without ``v``."""
    if v is None:
        return []
    flavour = c.p._settings["flavour"]
    lang = c.lang
    blocks = (
        Text(
            t.text(
                lang,
                "numeric_text",
                module=escape(f"{v.module}.py", flavour),
                style=v.style,
                batch=v.batch,
                seed=v.seed,
                result=t.text(lang, "passed" if v.passed else "failed"),
            )
        ),
        Text(t.text(lang, "numeric_definition", scale=number(v.scale), fraction=_fraction())),
        c.text("numeric_references"),
        _references(v, lang, flavour),
        c.text("numeric_errors"),
        _errors(v, lang, flavour),
    )
    return [Section(t.text(lang, "numeric"), 2, blocks)]


def _fraction() -> str:
    from .numcheck import SCALE_FRACTION

    return f"{SCALE_FRACTION:g}"


def reference_name(name: str, lang: str) -> str:
    key = REFERENCE_KEYS.get(name)
    return t.text(lang, key) if key else name


def _references(v, lang: str, flavour: str) -> Table:
    """Reference | result | tolerance | method (or why it did not run)."""
    header = tuple(t.text(lang, k) for k in ("reference", "result", "tolerance", "method"))
    rows = []
    for r in v.references:
        if r.why is not None:
            state, method = t.text(lang, "not_run"), r.why.text(lang)
        else:
            state, method = t.text(lang, "passed" if r.passed else "failed"), r.how.text(lang)
        cells = (reference_name(r.name, lang), state, f"{r.tolerance:g}", method)
        rows.append(tuple(escape(x, flavour) for x in cells))
    return Table(header, tuple(rows))


def _errors(v, lang: str, flavour: str) -> Table:
    """Reference | tensor | shape | entries checked | max. abs. error | max. rel. error."""
    keys = ("reference", "tensor", "shape", "entries", "max_abs", "max_rel")
    header = tuple(t.text(lang, k) for k in keys)
    rows = []
    for r in v.references:
        for x in r.tensors:  # empty for a reference that did not run
            cells = (
                reference_name(r.name, lang),
                x.name,
                "×".join(str(n) for n in x.shape),
                f"{x.checked:,} / {x.total:,}",
                number(x.max_abs),
                number(x.max_rel),
            )
            rows.append(tuple(escape(y, flavour) for y in cells))
    return Table(header, tuple(rows), align="lllrrr")

"""Document model: a verified ``Derivation`` as sections of already-printed text.

Input: a ``Derivation`` (verified), a language (``en``/``es``) and a LaTeX
flavour (``latex`` for pdflatex, ``katex`` for Markdown).  Output: a
``Document`` of plain dataclasses holding strings, which the templates only
loop over.  No file or process is touched here.

Every ``Math`` block records the engine objects it was printed from
(``sources``), so tests can check that each equation in a document comes from
the verified derivation.  The per-layer sections are built in
``derive.document_layers``.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from . import __version__
from . import lang as t
from . import symbols as s
from .diagram import HEAD as DIAGRAM_HEAD
from .diagram import MAX_SHOWN as DIAGRAM_MAX
from .diagram import Diagram, diagram
from .latex import DocLatexPrinter, printer
from .methods import check_name
from .rules import ACTIVATIONS

LIMIT_WEIGHTS = 24  # every weight of a layer is shown up to this many
LIMIT_ROWS = 24  # every δ / bias / neuron of a layer is shown up to this many
HEAD_ROWS = 2  # rows of weights shown before the general entry in a big layer
MAX_DIM = 6  # matrices: rows/columns shown before eliding


@dataclass(frozen=True)
class Math:
    """A display equation: aligned rows (``&`` marks the alignment point)."""

    rows: tuple[str, ...]
    sources: tuple = field(default=(), compare=False)
    kind: str = "math"


@dataclass(frozen=True)
class Text:
    """A paragraph of prose (inline math as ``$…$``)."""

    text: str
    kind: str = "text"


@dataclass(frozen=True)
class Items:
    """A numbered list of prose items."""

    items: tuple[str, ...]
    kind: str = "items"


@dataclass(frozen=True)
class Table:
    """A table of prose cells: header and rows."""

    header: tuple[str, ...]
    rows: tuple[tuple[str, ...], ...]
    align: str = "llrp{8cm}"  # LaTeX column types (one per header cell)
    kind: str = "table"


@dataclass(frozen=True)
class Section:
    title: str
    level: int  # 1 section, 2 subsection
    blocks: tuple


@dataclass(frozen=True)
class Document:
    lang: str
    babel: str  # babel options
    title: str
    subtitle: str
    intro: str
    diagram: Diagram
    diagram_note: str  # empty unless neurons are elided
    md_no_diagram: str
    sections: tuple[Section, ...]


@dataclass
class Context:
    """What every section builder needs: derivation, language, printer."""

    d: object
    lang: str
    p: DocLatexPrinter

    def text(self, key: str, **values) -> Text:
        return Text(t.text(self.lang, key, **values))

    def tex(self, expr) -> str:
        return self.p.doprint(expr)

    def name(self, l: int) -> str:
        return t.layer_name(l, self.d.spec.L)


BABEL = {"en": "english", "es": "english,spanish,es-minimal"}


def build(d, lang: str = "en", flavour: str = "latex", numeric=None) -> Document:
    """The document for derivation ``d`` in ``lang`` with math in ``flavour``.

    ``numeric``: the generated module's ``numcheck.NumericVerification``, when it
    ran; the appendix then also presents its error tables.
    """
    from .document_appendix import numeric_sections
    from .document_layers import layer_sections, reverse_section

    if lang not in t.LANGUAGES:
        raise ValueError(f"unknown language {lang!r}; allowed: {', '.join(t.LANGUAGES)}")
    prime = ACTIVATIONS[d.spec.activation].latex
    c = Context(d, lang, printer(flavour, max_dim=MAX_DIM, prime=prime))
    spec = d.spec
    L = spec.L
    sections = [_notation(c), _forward(c)]
    for l in range(L, 0, -1):
        sections += layer_sections(c, l)
    sections += [reverse_section(c, l) for l in range(L, 0, -1)]
    sections += [_summary(c), _appendix(c)]
    sections += numeric_sections(c, numeric)
    elided = any(n > DIAGRAM_MAX for n in spec.layers)
    note = t.text(lang, "diagram_elided", limit=DIAGRAM_MAX, head=DIAGRAM_HEAD) if elided else ""
    return Document(
        lang=lang,
        babel=BABEL[lang],
        title=t.text(lang, "title", slug=spec.slug),
        subtitle=t.text(lang, "subtitle", version=__version__),
        intro=t.text(
            lang,
            "intro",
            sizes=", ".join(str(n) for n in spec.layers),
            params=f"{spec.n_parameters:,}",
            activation=spec.activation,
        ),
        diagram=diagram(spec.layers),
        diagram_note=note,
        md_no_diagram=t.text(lang, "md_no_diagram"),
        sections=tuple(sections),
    )


def _notation(c: Context) -> Section:
    return Section(t.text(c.lang, "notation"), 1, (c.text("notation_text", L=c.d.spec.L),))


def shown_rows(n: int, limit: int = LIMIT_ROWS) -> list[int]:
    """1-based indices shown for n items: all up to ``limit``, else 1, 2, 3 and n."""
    return list(range(1, n + 1)) if n <= limit else [1, 2, 3, n]


def _forward(c: Context) -> Section:
    g, spec = c.d.graph, c.d.spec
    blocks = [c.text("forward_text")]
    big = False
    for l in range(1, spec.L + 1):
        js = shown_rows(spec.n(l), MAX_SHOWN_FORWARD)
        big |= len(js) < spec.n(l)
        rows = []
        for j in js:
            z, a = g.z[(l, j)], g.a[(l, j)]
            rows.append(
                f"{c.tex(s.z(l, j))} &= {c.tex(z)}, \\qquad {c.tex(s.a(l, j))} = {c.tex(a)}"
            )
        sources = tuple(g.z[(l, j)] for j in js) + tuple(g.a[(l, j)] for j in js)
        blocks.append(Math(tuple(rows), sources))
    if big:
        blocks.append(c.text("forward_elided", shown="1, 2, 3", limit=MAX_SHOWN_FORWARD))
    blocks.append(c.text("cost_text"))
    blocks.append(Math((f"C &= {c.tex(g.cost)}",), (g.cost,)))
    return Section(t.text(c.lang, "forward"), 1, tuple(blocks))


MAX_SHOWN_FORWARD = 6


def _summary(c: Context) -> Section:
    rows = [f"{c.tex(e.lhs)} &= {c.tex(e.rhs)} \\qquad \\text{{({e.tag})}}" for e in c.d.equations]
    blocks = (
        c.text("summary_text"),
        Math(tuple(rows), tuple(c.d.equations)),
        Text(t.text(c.lang, "algorithm")),
        Items(tuple(t.text(c.lang, "algorithm_steps").split("|"))),
    )
    return Section(t.text(c.lang, "summary"), 1, blocks)


def _appendix(c: Context) -> Section:
    v = c.d.verification
    header = tuple(t.text(c.lang, k) for k in ("check", "result", "checked", "method"))
    rows = []
    for check in v.checks:
        state = t.text(c.lang, "passed" if check.passed else "failed")
        cells = (check_name(check.name, c.lang), state, f"{check.checked:,} / {check.total:,}", _method(check, c.lang))
        rows.append(tuple(escape(x, c.p._settings["flavour"]) for x in cells))
    return Section(
        t.text(c.lang, "appendix"), 1, (c.text("appendix_text"), Table(header, tuple(rows)))
    )


def _method(check, lang: str) -> str:
    how = check.how.text(lang)
    if check.max_relative_error is None:
        return how
    return t.text(lang, "method_max_rel", method=how, error=f"{check.max_relative_error:.1e}")


# Engine strings shown as prose (the appendix): LaTeX specials and Unicode
# escaped for pdflatex, table specials for Markdown.
_TEX_SPECIALS = {
    "\\": r"\textbackslash{}",
    "&": r"\&",
    "%": r"\%",
    "$": r"\$",
    "#": r"\#",
    "_": r"\_",
    "{": r"\{",
    "}": r"\}",
    "~": r"\textasciitilde{}",
    "^": r"\textasciicircum{}",
    "δ": r"$\delta$",
    "σ": r"$\sigma$",
    "Σ": r"$\Sigma$",
    "∂": r"$\partial$",
    "⊙": r"$\odot$",
    "−": "-",
    "–": "--",
    "—": "---",
    "…": r"\dots{}",
    "≤": r"$\le$",
    "≥": r"$\ge$",
    "×": r"$\times$",
    "·": r"$\cdot$",
    "→": r"$\to$",
    "≈": r"$\approx$",
    "′": "'",
    "ᵀ": r"$^T$",
}
_MD_SPECIALS = {"|": r"\|", "*": r"\*", "_": r"\_", "<": "&lt;", "`": r"\`"}


def escape(text: str, flavour: str) -> str:
    """``text`` safe as prose in LaTeX (flavour ``latex``) or a Markdown table (``katex``)."""
    if flavour == "katex":
        return "".join(_MD_SPECIALS.get(ch, ch) for ch in text)
    out = []
    for ch in text:
        if ch in _TEX_SPECIALS:
            out.append(_TEX_SPECIALS[ch])
        elif ord(ch) < 256:
            out.append(ch)
        else:
            out.append("?")  # a character pdflatex's T1 fonts lack
    return "".join(out)


def render(d, lang: str, fmt: str, numeric=None) -> str:
    """The document text: ``fmt`` is ``tex`` or ``md``; ``numeric`` as in ``build``."""
    from .templating import template

    flavour = {"tex": "latex", "md": "katex"}[fmt]
    return template(f"derivation.{fmt}.j2").render(doc=build(d, lang, flavour, numeric))

"""Derivation documents (LaTeX, Markdown): structure, provenance of every equation,
KaTeX compatibility, elision, determinism and the committed showcase."""

from __future__ import annotations

import itertools
import json
import os
import re
import shutil
import subprocess
from pathlib import Path

import pytest
import sympy as sp
from _documents_support import derived
from click.testing import CliRunner

import cli
from derive import symbols as s
from derive.document import Math, build, render
from derive.latex import printer

ROOT = Path(__file__).resolve().parent.parent
SHOWCASE = ROOT / "output" / "4-3-2"
DISPLAY = re.compile(
    r"^\$\$\n\\begin\{aligned\}\n(.*?)\n\\end\{aligned\}\n\$\$$", re.DOTALL | re.MULTILINE
)
ALIGN = re.compile(r"\\begin\{align\*\}\n(.*?)\n\\end\{align\*\}", re.DOTALL)
INLINE = re.compile(r"(?<!\$)\$([^$\n]+)\$(?!\$)")


def _maths(doc):
    return [b for sec in doc.sections for b in sec.blocks if isinstance(b, Math)]


def _engine_objects(d) -> set:
    """Every object the verified derivation holds, for the provenance check."""
    out = set(d.equations) | {e.rhs for e in d.equations} | {d.graph.cost}
    out |= set(d.graph.z.values()) | set(d.graph.a.values())
    for pc in d.chain.parameters.values():
        out |= {
            pc,
            *pc.factors,
            *(f.value for f in pc.factors),
            *(x for f in pc.factors for x in f.forms),
        }
    for grad in d.chain.activation_gradients.values():
        out |= {grad, grad.value, *grad.paths, *(f for p in grad.paths for f in p.factors)}
    for x in d.deltas.values():
        out |= {x, x.value, x.definition, *x.factors}
    out |= {g.value for g in d.gradients.values()}
    for lf in d.layers.values():
        mats = [
            lf.delta,
            lf.a_prev_T,
            lf.sigma_prime,
            lf.outer,
            lf.backprop,
            lf.delta_rhs,
            lf.W_next_T,
            lf.delta_next,
        ]
        out |= {m for m in mats if m is not None} | set(lf.backprop)
    return out


@pytest.mark.parametrize("layers", [(4, 3, 2), (2, 2, 2, 2)])
@pytest.mark.parametrize("flavour", ["latex", "katex"])
def test_every_equation_comes_from_the_verified_derivation(layers, flavour):
    d = derived(layers)
    assert d.verification.passed
    doc = build(d, "en", flavour)
    objects = _engine_objects(d)
    p = printer(flavour, max_dim=6)
    maths = _maths(doc)
    assert len(maths) > 20
    for m in maths:
        assert m.sources, m.rows
        text = " ".join(m.rows)
        for src in m.sources:
            assert src in objects, (src, m.rows)
            if isinstance(src, sp.Basic):  # re-print the engine object: it must be in the block
                assert p.doprint(src) in text, (src, m.rows)
    # and the rendered files contain exactly these blocks, nothing typed by hand
    fmt = "tex" if flavour == "latex" else "md"
    rendered = render(d, "en", fmt)
    blocks = (ALIGN if fmt == "tex" else DISPLAY).findall(rendered)
    separator = " \\\\\n" if fmt == "tex" else " \\cr\n"  # Markdown: \cr, which it never unescapes
    assert blocks == [separator.join(m.rows) for m in maths]


_WEIGHT_ROW = re.compile(
    r"\\frac\{\\partial C\}\{\\partial w\^\{(\d+)\}_\{(\d+),?(\d+)\}\} &= .* = a\^\{(\d+)\}_\{(\d+)\} \\delta\^\{(\d+)\}_\{(\d+)\}$"
)


@pytest.mark.parametrize("layers", [(4, 3, 2), (2, 2, 2, 2), (3, 5, 4, 2)])
def test_weight_rows_have_consistent_indices(layers):
    """The source wrote w_22 for w_23 and z_3 for z_2; every printed ∂C/∂w^l_jk = a^{l-1}_k δ^l_j must match."""
    rows = []
    for m in _maths(build(derived(layers), "en", "katex")):
        for r in m.rows:  # a row "&= …" continues the equation of the row before
            if r.startswith("&=") and rows:
                rows[-1] += " " + r[2:].lstrip().replace("&", "")
            else:
                rows.append(r)
    seen = set()
    for r in rows:
        m = _WEIGHT_ROW.match(r)
        if m:
            l, j, k, la, ka, ld, jd = map(int, m.groups())
            assert (la, ka, ld, jd) == (l - 1, k, l, j), r
            zs = {tuple(map(int, z)) for z in re.findall(r"z\^\{(\d+)\}_\{(\d+)\}", r)}
            assert zs == {(l, j)}, r  # ∂z^l_j/∂w^l_jk, ∂a^l_j/∂z^l_j and σ'(z^l_j) only
            seen.add((l, j, k))
    n = sum(a * b for a, b in itertools.pairwise(layers))
    assert len(seen) == n  # every weight of these small networks, each once at least


def test_transpose_is_shown_in_full_3_by_2():
    md = render(derived((4, 3, 2)), "en", "md")
    assert (
        r"\begin{bmatrix} w^{2}_{11} & w^{2}_{21} \cr w^{2}_{12} & w^{2}_{22} \cr w^{2}_{13} & w^{2}_{23} \end{bmatrix}"
        in md
    )
    assert r"\sigma'(\boldsymbol{z}^{1}) \odot (W^{2})^{T} \boldsymbol{\delta}^{2}" in md
    assert r"\sigma'(\boldsymbol{z}^{2}) \odot 2(\boldsymbol{a}^{2} - \boldsymbol{y})" in md


@pytest.mark.parametrize(
    "lang, headings",
    [
        (
            "en",
            [
                "Layer L (layer 2)",
                "Layer L-1 (layer 1)",
                "Weights in general L",
                "Bias in general L-1",
                "Reverse engineering of the weight matrix L-1",
                "Appendix: verification",
            ],
        ),
        (
            "es",
            [
                "Capa L (capa 2)",
                "Capa L-1 (capa 1)",
                "Pesos en general L",
                "Sesgo en general L-1",
                "Ingeniería inversa de la matriz de pesos L-1",
                "Apéndice: verificación",
            ],
        ),
    ],
)
def test_headings_follow_the_source(lang, headings):
    md = render(derived((4, 3, 2)), lang, "md")
    titles = re.findall(r"^#+ (.*)$", md, re.MULTILINE)
    for h in headings:
        assert h in titles
    assert titles.index(headings[0]) < titles.index(headings[1])  # output layer first
    tex = render(derived((4, 3, 2)), lang, "tex")
    assert f"\\section{{{headings[0]}}}" in tex


def test_hidden_layer_colours_known_factors_and_points_out_the_new_one():
    d = derived((4, 3, 2))
    md = render(d, "es", "md")
    assert "Lo de color azul ya se calculó antes" in md and "Lo nuevo es esto" in md
    assert r"\textcolor{blue}{\frac{\partial a^{2}_{1}}{\partial z^{2}_{1}}}" in md
    new = [f for p in d.chain.activation_gradients[(1, 1)].paths for f in p.factors if f.new]
    assert [str(f.value) for f in new] == ["w_2_1_1", "w_2_2_1"]
    for f in new:
        assert (
            rf"\frac{{\partial z^{{2}}_{{{s.describe(f.of).j}}}}}{{\partial a^{{1}}_{{1}}}} &= {printer('katex').doprint(f.value)}"
            in md
        )


KATEX_COMMANDS = {
    "frac",
    "partial",
    "delta",
    "sigma",
    "odot",
    "boldsymbol",
    "begin",
    "end",
    "cdot",
    "cdots",
    "vdots",
    "ddots",
    "textcolor",
    "left",
    "right",
    "qquad",
    "cr",
    "text",
}


def _markdown_math(md: str) -> list[tuple[str, bool]]:
    display = [("\\begin{aligned}\n" + b + "\n\\end{aligned}", True) for b in DISPLAY.findall(md)]
    prose = DISPLAY.sub("", md)
    return display + [(x, False) for x in INLINE.findall(prose)]


@pytest.mark.parametrize("layers", [(4, 3, 2), (784, 30, 10)])
def test_markdown_math_uses_only_katex_commands(layers):
    maths = _markdown_math(render(derived(layers), "es", "md"))
    assert maths
    used = {c for tex, _ in maths for c in re.findall(r"\\([A-Za-z]+)", tex)}
    assert used <= KATEX_COMMANDS, used - KATEX_COMMANDS
    assert "bm" not in used
    # Markdown unescapes a backslash before punctuation (GitHub turns \\ into \ and \, into ,)
    assert not [tex for tex, _ in maths if re.search(r"\\[^A-Za-z]", tex)]


def _katex() -> str | None:
    if shutil.which("node") is None:
        return None
    for root in [
        os.environ.get("KATEX_DIR"),
        "/usr/lib/node_modules",
        "/usr/local/lib/node_modules",
    ]:
        if root and (Path(root) / "katex").is_dir():
            return str(Path(root) / "katex")
    return None


@pytest.mark.parametrize("layers", [(4, 3, 2), (784, 30, 10)])
def test_markdown_math_renders_with_katex(layers):
    katex = _katex()
    if katex is None:
        pytest.skip("node and katex (npm install -g katex) not installed")
    maths = _markdown_math(render(derived(layers), "en", "md"))
    run = subprocess.run(
        ["node", str(ROOT / "tests" / "katex_render.js")],
        input=json.dumps(maths),
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
        env={**os.environ, "KATEX_PATH": katex},
    )
    assert run.returncode == 0, run.stderr
    assert json.loads(run.stdout) == []


def test_big_network_is_elided_and_says_so():
    d = derived((784, 30, 10))
    md = render(d, "en", "md")
    assert (
        "Shown: 8 of the 23,520 weights of this layer (rows 1-2); the other 23,512 weights are omitted"
        in md
    )
    assert "Shown: 8 of the 300 weights" in md
    assert "Matrices with more than 6 rows or columns show the first three and the last" in md
    assert (
        r"\frac{\partial C}{\partial w^{1}_{jk}} &= a^{0}_{k} \delta^{1}_{j}" in md
    )  # the general entry
    assert r"\cdots" in md and r"\vdots" in md and r"\ddots" in md
    assert len(md) < 120_000
    tex = render(d, "es", "tex")
    assert "Las capas con más de 6 neuronas muestran las 3 primeras y la última" in tex
    assert tex.count("\\node[neuron]") == 4 + 4 + 4  # 1, 2, 3 and the last of each layer


@pytest.mark.parametrize("fmt", ["tex", "md"])
@pytest.mark.parametrize("lang", ["en", "es"])
def test_rendering_is_deterministic(fmt, lang):
    d = derived((2, 2, 2, 2))
    assert render(d, lang, fmt) == render(d, lang, fmt)


def test_unknown_language_is_rejected():
    with pytest.raises(ValueError, match="allowed: en, es"):
        build(derived((1, 1)), "fr")
    result = CliRunner().invoke(cli.main, ["--layers", "1,1", "--markdown", "--lang", "fr"])
    assert result.exit_code == 2 and "fr" in result.output


def test_cli_writes_documents_with_language_suffix(tmp_path):
    for lang, suffix in (("en", ""), ("es", ".es")):
        result = CliRunner().invoke(
            cli.main,
            ["--layers", "2,2,2,2", "--latex", "--markdown", "--lang", lang, "-o", str(tmp_path)],
        )
        assert result.exit_code == 0, result.output
        for ext in ("tex", "md"):
            assert (tmp_path / f"derivation{suffix}.{ext}").read_text() == render(
                derived((2, 2, 2, 2)), lang, ext
            )
    assert not list(tmp_path.glob(".*.tmp"))


def test_unwritable_out_is_a_one_line_error(tmp_path):
    blocker = tmp_path / "file"
    blocker.write_text("x")
    result = CliRunner().invoke(
        cli.main, ["--layers", "4,3,2", "--latex", "-o", str(blocker / "sub")]
    )
    assert result.exit_code == 2
    assert "cannot create --out folder" in result.output and "Traceback" not in result.output


def test_showcase_text_files_regenerate_byte_for_byte(tmp_path, monkeypatch):
    """output/4-3-2/ was produced by `make demo` (its two commands, in .venv, which has no
    torch); the same commands without --pdf give the same bytes.  torch is hidden so the
    autograd reference is "not run" here too, whether or not this Python has torch."""
    import sys

    monkeypatch.setitem(sys.modules, "torch", None)  # import torch raises ImportError
    demo = [  # the Makefile's demo target, without --pdf (it does not change these files)
        ["--json", "--latex", "--markdown", "--code", "--verify"],
        ["--json", "--latex", "--markdown", "--lang", "es"],
    ]
    for flags in demo:
        result = CliRunner().invoke(cli.main, ["--layers", "4,3,2", *flags, "-o", str(tmp_path)])
        assert result.exit_code == 0, result.output
    names = [
        "derivation.json",
        "derivation.tex",
        "derivation.md",
        "derivation.es.tex",
        "derivation.es.md",
        "verification.json",
        "verification.md",
        "backprop_4_3_2.py",
    ]
    for name in names:
        assert (SHOWCASE / name).read_bytes() == (tmp_path / name).read_bytes(), name

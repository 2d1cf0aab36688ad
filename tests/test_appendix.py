"""The documents' appendix with the generated module's numeric verification (--verify):
the same numbers as verification.json, nothing without --verify, Spanish prose,
KaTeX-safe Markdown, a failing check shown as failed, and a PDF that compiles."""

from __future__ import annotations

import dataclasses
import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from _documents_support import derived, require_tex
from click.testing import CliRunner

import cli
from derive import numcheck
from derive.document import render
from derive.document_appendix import number

ROOT = Path(__file__).resolve().parent.parent
HEADING = {"en": "Numeric verification of the generated module",
           "es": "Verificación numérica del módulo generado"}
REF_NAME = {
    "en": {"symbolic": "symbolic", "finite differences": "finite differences", "autograd": "autograd"},
    "es": {"symbolic": "simbólica", "finite differences": "diferencias finitas", "autograd": "autograd"},
}
INLINE = re.compile(r"(?<!\$)\$([^$\n]+)\$(?!\$)")


def _run(folder: Path, *flags: str) -> None:
    result = CliRunner().invoke(cli.main, ["--layers", "4,3,2", *flags, "-o", str(folder)])
    assert result.exit_code == 0, result.output


@pytest.fixture(scope="module", params=["en", "es"])
def verified(request, tmp_path_factory):
    """(lang, folder) of one run with documents and --verify."""
    folder = tmp_path_factory.mktemp(f"verify-{request.param}")
    _run(folder, "--latex", "--markdown", "--verify", "--lang", request.param)
    return request.param, folder


def _doc(folder: Path, lang: str, ext: str) -> str:
    name = f"derivation.{ext}" if lang == "en" else f"derivation.{lang}.{ext}"
    return (folder / name).read_text(encoding="utf-8")


def _expected_rows(report: dict, lang: str) -> list[tuple[str, ...]]:
    """The error table's rows as they must appear, computed from verification.json."""
    rows = []
    for r in report["references"]:
        for t in r["tensors"]:
            shape = "×".join(str(n) for n in t["shape"])
            rows.append((REF_NAME[lang][r["name"]], t["name"], shape, f"{t['checked']} / {t['total']}",
                         f"{t['max_abs']:.2e}", f"{t['max_rel']:.2e}"))
    return rows


def _md_rows(md: str, width: int) -> list[tuple[str, ...]]:
    section = md.split(HEADING_RE.search(md).group(0), 1)[1]
    rows = []
    for line in section.splitlines():
        cells = tuple(c.strip() for c in line.strip().strip("|").split("|"))
        if line.startswith("|") and len(cells) == width and "---" not in cells[0]:
            rows.append(cells)
    return rows


HEADING_RE = re.compile(r"^### (Numeric verification|Verificación numérica).*$", re.MULTILINE)


def test_appendix_has_the_numbers_of_verification_json(verified):
    lang, folder = verified
    report = json.loads((folder / "verification.json").read_text())
    expected = _expected_rows(report, lang)
    assert len(expected) >= 8  # symbolic and finite differences, 4 tensors each
    md = _doc(folder, lang, "md")
    assert f"### {HEADING[lang]}" in md
    rows = _md_rows(md, 6)
    assert rows[1:] == expected  # first row: the header
    tex = _doc(folder, lang, "tex")
    for row in expected:
        cells = [c.replace("×", "$\\times$") for c in row]
        assert " & ".join(cells) + r" \\" in tex
    # tolerances and the relative error's floor s, as the checker reported them
    refs = _md_rows(md, 4)[1:]
    assert [(r[0], r[2]) for r in refs] == [
        (REF_NAME[lang][r["name"]], f"{r['tolerance']:g}") for r in report["references"]
    ]
    assert f"s = {report['scale']:.2e}" in md and "\\max(|r|, s)" in md


def test_numbers_are_formatted_with_three_significant_digits():
    assert number(7.6349e-15) == "7.63e-15"
    assert number(float("inf")) == "inf"
    assert number(1e-7) == "1.00e-07"


def test_without_verify_there_is_no_numeric_table(tmp_path):
    _run(tmp_path / "plain", "--latex", "--markdown")
    _run(tmp_path / "verified", "--latex", "--markdown", "--verify")
    for ext, start in (("md", "### " + HEADING["en"]), ("tex", "\\subsection{" + HEADING["en"])):
        plain = _doc(tmp_path / "plain", "en", ext)
        with_numbers = _doc(tmp_path / "verified", "en", ext)
        assert HEADING["en"] not in plain and "Max. rel. error" not in plain
        # the numeric subsection is the only difference: cut it out and the bytes agree
        head, tail = with_numbers.split(start, 1)
        rest = tail[tail.index("\\end{document}"):] if ext == "tex" else ""
        assert head + rest == plain


def test_library_default_has_no_numeric_section():
    d = derived((4, 3, 2))
    assert render(d, "en", "md") == render(d, "en", "md", None)
    assert HEADING["en"] not in render(d, "en", "tex")


@pytest.mark.parametrize("verified", ["es"], indirect=True)
def test_spanish_prose(verified):
    _, folder = verified
    md = _doc(folder, "es", "md")
    section = md.split(HEADING["es"], 1)[1]
    for phrase in ("El error relativo de una entrada", "Resultado: correcta", "Error rel. máx.",
                   "Tolerancia", "diferencias finitas"):
        assert phrase in section, phrase
    assert "Max. rel. error" not in md and "The relative error" not in md


def test_autograd_without_torch_says_not_run(tmp_path, monkeypatch):
    monkeypatch.setitem(sys.modules, "torch", None)  # import torch raises ImportError
    _run(tmp_path, "--markdown", "--verify")
    report = json.loads((tmp_path / "verification.json").read_text())
    assert report["references"][2]["skipped"].startswith("torch is not installed")
    md = _doc(tmp_path, "en", "md")
    assert "| autograd | not run | 1e-12 | torch is not installed" in md
    assert not [r for r in _md_rows(md, 6) if r[0] == "autograd"]


def test_a_failed_check_is_shown_as_failed():
    d = derived((4, 3, 2))
    from derive.codegen import CodeOptions
    from derive.codegen import render as render_code

    good = numcheck.verify_code(d, render_code(d, CodeOptions("matrix")), "backprop_4_3_2", use_torch=False)
    ref = good.references[0]
    worse = dataclasses.replace(ref.tensors[0], max_rel=1e-3)
    bad = dataclasses.replace(good, references=(
        dataclasses.replace(ref, tensors=(worse, *ref.tensors[1:])), *good.references[1:]))
    assert not bad.passed
    md = render(d, "en", "md", bad)
    assert "Result: FAILED." in md and "| symbolic | FAILED | 1e-12 |" in md
    assert "| symbolic | W1 | 3×4 | 12 / 12 |" in md and "| 1.00e-03 |" in md


def _katex() -> str | None:
    if shutil.which("node") is None:
        return None
    for root in (os.environ.get("KATEX_DIR"), "/usr/lib/node_modules", "/usr/local/lib/node_modules"):
        if root and (Path(root) / "katex").is_dir():
            return str(Path(root) / "katex")
    return None


def test_appendix_inline_math_renders_with_katex(verified):
    lang, folder = verified
    katex = _katex()
    if katex is None:
        pytest.skip("node and katex (npm install -g katex) not installed")
    section = _doc(folder, lang, "md").split(HEADING[lang], 1)[1]
    maths = [[m, False] for m in INLINE.findall(section)]
    assert len(maths) == 2
    run = subprocess.run(
        ["node", str(ROOT / "tests" / "katex_render.js")], input=json.dumps(maths),
        capture_output=True, text=True, timeout=120, check=False,
        env={**os.environ, "KATEX_PATH": katex},
    )
    assert run.returncode == 0, run.stderr
    assert json.loads(run.stdout) == []


@pytest.mark.parametrize("lang", ["en", "es"])
def test_pdf_with_numeric_appendix_compiles(tmp_path, lang):
    require_tex()
    _run(tmp_path, "--pdf", "--verify", "--lang", lang)
    pdf = tmp_path / ("derivation.pdf" if lang == "en" else f"derivation.{lang}.pdf")
    text = subprocess.run(["pdftotext", str(pdf), "-"], capture_output=True, text=True,
                          check=True, timeout=60).stdout
    report = json.loads((tmp_path / "verification.json").read_text())
    assert HEADING[lang] in text
    for t in report["references"][0]["tensors"]:
        assert f"{t['max_rel']:.2e}" in text

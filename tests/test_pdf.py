"""PDF documents: compiled with TeX (skipped without it unless DERIVE_REQUIRE_TEX=1),
page counts, extracted text, byte-identical rebuilds and every error path."""

from __future__ import annotations

import itertools
import re
import subprocess
from pathlib import Path

import pytest
from _documents_support import derived, require_tex
from click.testing import CliRunner

import cli
import derive.document
from derive.pdf import APT_COMMAND, PdfError, build_pdf, first_error


def _pages(pdf: Path) -> int:
    info = subprocess.run(["pdfinfo", str(pdf)], capture_output=True, text=True, check=True).stdout
    return int(re.search(r"^Pages:\s+(\d+)", info, re.MULTILINE)[1])


def _text(pdf: Path) -> str:
    return subprocess.run(
        ["pdftotext", "-layout", str(pdf), "-"], capture_output=True, text=True, check=True
    ).stdout


def _derive_pdf(tmp_path: Path, layers: str, lang: str = "en") -> Path:
    result = CliRunner().invoke(
        cli.main, ["--layers", layers, "--pdf", "--lang", lang, "-o", str(tmp_path)]
    )
    assert result.exit_code == 0, result.output
    return tmp_path / ("derivation.pdf" if lang == "en" else f"derivation.{lang}.pdf")


@pytest.mark.parametrize(
    "layers, lang, headings, pages",
    [
        (
            "4,3,2",
            "en",
            [
                "Layer L (layer 2)",
                "Layer L-1 (layer 1)",
                "Weights in general L-1",
                "Bias in general L",
                "Reverse engineering of the weight matrix L-1",
                "Appendix: verification",
            ],
            (4, 12),
        ),
        (
            "4,3,2",
            "es",
            [
                "Capa L (capa 2)",
                "Capa L-1 (capa 1)",
                "Pesos en general L-1",
                "Sesgo en general L",
                "Ingeniería inversa de la matriz de pesos L-1",
                "Apéndice: verificación",
            ],
            (4, 12),
        ),
        (
            "2,2,2,2",
            "en",
            [
                "Layer L (layer 3)",
                "Layer L-1 (layer 2)",
                "Layer L-2 (layer 1)",
                "Reverse engineering of the weight matrix L-2",
            ],
            (4, 16),
        ),
        (
            "784,30,10",
            "en",
            ["Layer L (layer 2)", "Layer L-1 (layer 1)", "Shown: 8 of the 23,520 weights"],
            (3, 20),
        ),
    ],
)
def test_pdf_compiles_with_expected_text(tmp_path, layers, lang, headings, pages):
    require_tex()
    pdf = _derive_pdf(tmp_path, layers, lang)
    assert pages[0] <= _pages(pdf) <= pages[1]
    text = _text(pdf)
    flat = " ".join(text.split())
    for h in headings:
        assert h in flat, h
    # parameter names: ∂C/∂w and ∂C/∂b with their layer, and the δ and σ' of every layer
    assert "∂C" in text and "δ" in text and "σ" in text
    sizes = [int(n) for n in layers.split(",")]
    assert flat.count("∂w") >= sum(min(a * b, 8) for a, b in itertools.pairwise(sizes))
    assert flat.count("∂b") >= len(sizes) - 1
    assert not list(tmp_path.glob("*.log")) and not list(tmp_path.glob(".*.tmp"))


def test_pdf_is_byte_identical_across_runs(tmp_path):
    require_tex()
    first = _derive_pdf(tmp_path / "a", "4,3,2", "es").read_bytes()
    second = _derive_pdf(tmp_path / "b", "4,3,2", "es").read_bytes()
    assert first == second


def test_no_tex_gives_the_apt_command_and_keeps_the_tex(tmp_path, monkeypatch):
    empty = tmp_path / "bin"
    empty.mkdir()
    monkeypatch.setenv("PATH", str(empty))
    result = CliRunner().invoke(
        cli.main, ["--layers", "4,3,2", "--pdf", "-o", str(tmp_path / "out")]
    )
    assert result.exit_code == 2
    errors = [line for line in result.output.splitlines() if line.startswith("derive: error")]
    assert len(errors) == 1 and APT_COMMAND in errors[0]
    assert (tmp_path / "out" / "derivation.tex").is_file()
    assert not (tmp_path / "out" / "derivation.pdf").exists()


BROKEN = "\\documentclass{article}\n\\begin{document}\nfine\n\\undefinedmacro\n\\end{document}\n"


def test_tex_failure_reports_first_error_and_keeps_log(tmp_path):
    require_tex()
    target = tmp_path / "x.pdf"
    with pytest.raises(PdfError, match=r"Undefined control sequence \(line 4\)"):
        build_pdf(BROKEN, target)
    assert not target.exists()
    assert "Undefined control sequence" in (tmp_path / "x.log").read_text()


def test_tex_failure_through_the_cli(tmp_path, monkeypatch):
    require_tex()
    monkeypatch.setattr(derive.document, "render", lambda d, lang, fmt, numeric=None: BROKEN)
    result = CliRunner().invoke(cli.main, ["--layers", "1,1", "--pdf", "-o", str(tmp_path)])
    assert result.exit_code == 2
    assert "TeX failed: Undefined control sequence (line 4)" in result.output
    assert "Traceback" not in result.output
    assert (tmp_path / "derivation.log").is_file() and (tmp_path / "derivation.tex").is_file()
    assert not (tmp_path / "derivation.pdf").exists()


def test_first_error_reads_the_log():
    log = "This is pdfTeX\n! LaTeX Error: File `nope.sty' not found.\n\nl.3 \\usepackage\n"
    assert first_error(log) == "LaTeX Error: File `nope.sty' not found (line 3)"
    assert first_error("all fine") == "no error message in the TeX log"


def test_pdflatex_fallback_without_latexmk(tmp_path, monkeypatch):
    require_tex()
    import shutil

    real = shutil.which
    monkeypatch.setattr(
        "derive.pdf.shutil.which", lambda name: None if name == "latexmk" else real(name)
    )
    pdf = build_pdf(
        derive.document.render(derived((1, 1)), "en", "tex"),
        tmp_path / "d.pdf",
    )
    assert _pages(pdf) >= 2


@pytest.mark.parametrize("layers", [(4, 3, 2), (784, 30, 10), (2, 2, 2, 2)])
def test_no_overfull_lines(tmp_path, layers):
    """Long sums and matrices are split or elided: nothing sticks out into the margin."""
    require_tex()

    (tmp_path / "d.tex").write_text(derive.document.render(derived(layers), "es", "tex"))
    cmd = ["pdflatex", "-no-shell-escape", "-halt-on-error", "-interaction=nonstopmode", "d.tex"]
    subprocess.run(cmd, cwd=tmp_path, capture_output=True, timeout=120, check=True)
    log = (tmp_path / "d.log").read_text(errors="replace")
    assert "Overfull \\hbox" not in log


def test_tex_timeout_is_reported_and_nothing_moved(tmp_path, monkeypatch):
    require_tex()
    monkeypatch.setattr("derive.pdf.TIMEOUT", 0.01)
    with pytest.raises(PdfError, match="did not finish within 0.01 s"):
        build_pdf(BROKEN.replace("\\undefinedmacro\n", ""), tmp_path / "t.pdf")
    assert not (tmp_path / "t.pdf").exists() and not list(tmp_path.glob(".*.tmp"))

"""The PDF builder: compile a LaTeX document with pdflatex (via latexmk when present).

Input: the text of a ``.tex`` file and the target path of the PDF.  Output:
the PDF, moved into place only once TeX has finished successfully.  This
module (and ``cli.py``) are the only places that run processes.

TeX runs in a temporary directory with ``-no-shell-escape -halt-on-error
-interaction=nonstopmode`` and a timeout.  ``SOURCE_DATE_EPOCH`` is fixed and
the document sets ``\\pdftrailerid{}``, so the same input gives a
byte-identical PDF.  Failures raise ``PdfError`` with a one-line message: the
apt command when TeX is missing, or the first TeX error and its line (the log
is kept next to the target as ``<name>.log``).
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import tempfile
from pathlib import Path

APT_COMMAND = (
    "apt-get install texlive-latex-base texlive-latex-recommended texlive-pictures "
    "texlive-lang-spanish lmodern latexmk poppler-utils"
)
TEX_FLAGS = ["-no-shell-escape", "-halt-on-error", "-interaction=nonstopmode"]
TIMEOUT = 180  # seconds for the whole TeX run
SOURCE_DATE_EPOCH = "0"


class PdfError(RuntimeError):
    """TeX is missing or failed; the message is one line."""


def tex_commands(name: str) -> list[list[str]] | None:
    """The commands that compile ``name``.tex: latexmk, else pdflatex twice; None without TeX."""
    if shutil.which("latexmk") and shutil.which("pdflatex"):
        return [
            [
                "latexmk",
                "-norc",
                "-pdf",
                "-quiet",
                *[f"-pdflatex=pdflatex {' '.join(TEX_FLAGS)} %O %S"],
                f"{name}.tex",
            ]
        ]
    if shutil.which("pdflatex"):
        return [["pdflatex", *TEX_FLAGS, f"{name}.tex"]] * 2
    return None


def build_pdf(tex: str, target: Path) -> Path:
    """Compile ``tex`` into ``target`` (a .pdf path); PdfError on failure."""
    target = Path(target)
    commands = tex_commands("document")
    if commands is None:
        raise PdfError(
            f"pdflatex not found; the .tex was written, to build the PDF install TeX: {APT_COMMAND}"
        )
    env = {**os.environ, "SOURCE_DATE_EPOCH": SOURCE_DATE_EPOCH, "FORCE_SOURCE_DATE": "1"}
    with tempfile.TemporaryDirectory(prefix="derive-tex-") as tmp:
        work = Path(tmp)
        (work / "document.tex").write_text(tex, encoding="utf-8")
        for cmd in commands:
            try:
                run = subprocess.run(
                    cmd,
                    cwd=work,
                    env=env,
                    capture_output=True,
                    timeout=TIMEOUT,
                    stdin=subprocess.DEVNULL,
                    check=False,
                )
            except subprocess.TimeoutExpired:
                _keep_log(work, target)
                raise PdfError(
                    f"TeX did not finish within {TIMEOUT} s; log kept in {_log_path(target)}"
                ) from None
            if run.returncode != 0:
                log = _keep_log(work, target)
                raise PdfError(f"TeX failed: {first_error(log)}; log kept in {_log_path(target)}")
        _log_path(target).unlink(missing_ok=True)  # a log from an earlier failure is stale now
        fd, partial = tempfile.mkstemp(dir=target.parent, prefix=f".{target.name}.", suffix=".tmp")
        os.close(fd)
        try:
            shutil.copyfile(work / "document.pdf", partial)
            os.chmod(partial, 0o644)
            os.replace(partial, target)
        except BaseException:
            Path(partial).unlink(missing_ok=True)
            raise
    return target


def _log_path(target: Path) -> Path:
    return target.with_suffix(".log")


def _keep_log(work: Path, target: Path) -> str:
    log = work / "document.log"
    text = log.read_text(encoding="utf-8", errors="replace") if log.exists() else ""
    if text:
        shutil.copyfile(log, _log_path(target))
    return text


_ERROR = re.compile(r"^! (?P<message>.*)$", re.MULTILINE)
_LINE = re.compile(r"^l\.(?P<line>\d+)", re.MULTILINE)


def first_error(log: str) -> str:
    """``message (line N)`` of the first TeX error in ``log``."""
    m = _ERROR.search(log)
    if m is None:
        return "no error message in the TeX log"
    line = _LINE.search(log, m.end())
    where = f" (line {line['line']})" if line else ""
    return f"{m['message'].strip().rstrip('.')}{where}"

"""Jinja2 environments for the templates in ``templates/``.

Input: a template name.  Output: a ``jinja2.Template``.  Templates live in
``templates/`` at the top of the source tree and in ``derive/templates/``
inside the built wheel.  ``.tex`` and ``.md`` templates use LaTeX-safe
delimiters (``<< var >>``, ``<% block %>``, ``<# comment #>``) so that TeX
braces never clash with Jinja; Python templates use Jinja's defaults.  Every
environment is ``StrictUndefined``: a missing value is an error, not a blank.
"""

from __future__ import annotations

from functools import cache
from pathlib import Path

import jinja2

_PACKAGE = Path(__file__).resolve().parent


def templates_dir() -> Path:
    """The folder holding the templates (wheel layout first, then source tree)."""
    for candidate in (_PACKAGE / "templates", _PACKAGE.parent / "templates"):
        if candidate.is_dir():
            return candidate
    raise FileNotFoundError("derive's templates folder is missing from this installation")


@cache
def environment(kind: str) -> jinja2.Environment:
    """``kind`` is ``"document"`` (LaTeX-safe delimiters) or ``"code"``."""
    common = {
        "loader": jinja2.FileSystemLoader(str(templates_dir())),
        "undefined": jinja2.StrictUndefined,
        "keep_trailing_newline": True,
        "trim_blocks": True,
        "lstrip_blocks": True,
        "autoescape": False,
    }
    if kind == "document":
        return jinja2.Environment(
            block_start_string="<%",
            block_end_string="%>",
            variable_start_string="<<",
            variable_end_string=">>",
            comment_start_string="<#",
            comment_end_string="#>",
            **common,
        )
    if kind == "code":
        return jinja2.Environment(**common)
    raise ValueError(f"unknown template kind {kind!r}; allowed: document, code")


def template(name: str) -> jinja2.Template:
    """The template ``name``; ``.tex``/``.md`` templates get the document delimiters."""
    kind = "document" if name.endswith((".tex.j2", ".md.j2", ".tex", ".md")) else "code"
    return environment(kind).get_template(name)

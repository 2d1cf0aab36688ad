"""Helpers of the document tests (kept here so they do not depend on other test modules)."""

from __future__ import annotations

import os
import shutil
from functools import cache

import pytest

import derive


@cache
def derived(layers: tuple[int, ...]) -> derive.Derivation:
    """The verified derivation of ``layers`` (cached: derivations are immutable)."""
    return derive.derive(list(layers))


def require_tex() -> None:
    """Skip a test that needs TeX, unless DERIVE_REQUIRE_TEX=1 makes its absence a failure."""
    missing = [t for t in ("pdflatex", "pdftotext", "pdfinfo") if shutil.which(t) is None]
    if missing:
        if os.environ.get("DERIVE_REQUIRE_TEX") == "1":
            pytest.fail(f"DERIVE_REQUIRE_TEX=1 but {', '.join(missing)} not found")
        pytest.skip(f"TeX not installed ({', '.join(missing)} missing)")

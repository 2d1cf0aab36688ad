"""Shared fixtures: derivations are cached per shape (they are immutable)."""

from __future__ import annotations

import os
import shutil
from functools import cache

import pytest

import derive

SHAPES = [(4, 3, 2), (2, 2, 2, 2), (1, 1), (3, 5, 4, 2), (6, 4, 4, 3, 2)]


@cache
def derived(layers: tuple[int, ...], nested: str = "auto") -> derive.Derivation:
    return derive.derive(list(layers), nested=nested)


@pytest.fixture(params=SHAPES, ids=lambda s: "-".join(map(str, s)))
def shape(request) -> tuple[int, ...]:
    return request.param


def require_tex() -> None:
    """Skip a test that needs TeX, unless DERIVE_REQUIRE_TEX=1 makes its absence a failure."""
    missing = [t for t in ("pdflatex", "pdftotext") if shutil.which(t) is None]
    if missing:
        if os.environ.get("DERIVE_REQUIRE_TEX") == "1":
            pytest.fail(f"DERIVE_REQUIRE_TEX=1 but {', '.join(missing)} not found")
        pytest.skip(f"TeX not installed ({', '.join(missing)} missing)")

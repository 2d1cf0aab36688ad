"""Helpers shared by the code-generation tests: cached derivations and generated modules."""

from __future__ import annotations

from functools import cache

import derive
from derive import numcheck
from derive.codegen import CodeOptions, default_module_name, render

SHAPES = [(4, 3, 2), (2, 2, 2, 2), (1, 1), (3, 5, 4, 2), (6, 4, 4, 3, 2)]
BIG = (784, 30, 10)


@cache
def derived(layers: tuple[int, ...]) -> derive.Derivation:
    """The verified derivation (the nested-diff check is skipped for the big network: slow)."""
    return derive.derive(list(layers), nested="off" if layers == BIG else "auto")


@cache
def source(layers: tuple[int, ...], style: str = "matrix") -> str:
    return render(derived(layers), CodeOptions(style))


def module(layers: tuple[int, ...], style: str = "matrix", text: str | None = None):
    """A freshly imported generated module (from its own file)."""
    return numcheck.import_source(text or source(layers, style), default_module_name(layers))


def ids(layers) -> str:
    return "-".join(map(str, layers))

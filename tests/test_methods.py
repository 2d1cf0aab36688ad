"""Methods in words: every row complete in every language, and documents in their own language."""

from __future__ import annotations

import string
import sys

import pytest
from _codegen_support import derived

from derive import methods
from derive.codegen import CodeOptions
from derive.codegen import render as render_code
from derive.document import render
from derive.lang import LANGUAGES
from derive.numcheck import verify_code


def _fields(text: str) -> set[str]:
    return {name for _, name, _, _ in string.Formatter().parse(text) if name}


@pytest.mark.parametrize("key", sorted(methods.METHODS))
def test_every_method_has_every_language_with_the_same_placeholders(key):
    row = methods.METHODS[key]
    assert set(row) == set(LANGUAGES)
    assert len({frozenset(_fields(text)) for text in row.values()}) == 1


def test_unknown_method_fails_where_it_is_recorded():
    with pytest.raises(KeyError):
        methods.method("no such method")


@pytest.mark.parametrize("layers", [(4, 3, 2), (3, 5, 4, 2), (40, 8, 3)])
def test_engine_checks_speak_every_language(layers):
    """Exact, numeric and sampled check (b): English as in derivation.json, Spanish different."""
    for check in derived(layers).verification.checks:
        assert check.how.text("en") == check.method
        assert check.how.text("es") != check.method
        assert methods.check_name(check.name, "en") == check.name


def test_spanish_appendix_has_no_english_method(monkeypatch):
    monkeypatch.setitem(sys.modules, "torch", None)  # autograd: not run, with its reason
    d = derived((4, 3, 2))
    v = verify_code(d, render_code(d, CodeOptions("matrix")), "backprop_4_3_2")
    es = render(d, "es", "md", v)
    en = render(d, "en", "md", v)
    for check in d.verification.checks:
        assert check.method in en and check.method not in es
        assert check.how.text("es") in es
    for ref in v.references:
        english = ref.skipped or ref.method
        assert english in en and english not in es
    assert "torch no está instalado (pip install torch==2.13.0)" in es
    assert "| reglas | correcta |" in es and "| diff anidado (b) | correcta |" in es

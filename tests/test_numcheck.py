"""End-to-end numeric verification: the generated module against every reference, and the checker itself."""

from __future__ import annotations

import json
from functools import partial

import numpy as np
import pytest
from _codegen_support import BIG, SHAPES, derived, ids, module, source
from click.testing import CliRunner

import cli
from derive import autograd, numcheck
from derive.codegen import MAX_SCALAR_PARAMETERS

try:
    import torch  # noqa: F401

    HAVE_TORCH = True
except ImportError:
    HAVE_TORCH = False

CASES = [(s, style) for s in SHAPES for style in ("matrix", "scalar")] + [(BIG, "matrix")]


def _references(v):
    return {r.name: r for r in v.references}


@pytest.mark.parametrize("layers, style", CASES, ids=[f"{ids(s)}-{st}" for s, st in CASES])
def test_module_agrees_with_every_reference(layers, style):
    d = derived(layers)
    v = numcheck.check_module(module(layers, style), d, style=style, seed=0)
    assert v.passed, v.summary()
    refs = _references(v)
    assert refs["symbolic"].tolerance == 1e-12
    assert refs["finite differences"].tolerance == 1e-7
    assert refs["autograd"].tolerance == 1e-12
    for name in ("symbolic", "finite differences"):
        r = refs[name]
        assert r.skipped is None
        assert [t.name for t in r.tensors] == list(numcheck._sizes(layers))
        assert all(t.max_rel <= r.tolerance for t in r.tensors)
    if HAVE_TORCH:
        assert refs["autograd"].skipped is None and refs["autograd"].max_rel <= 1e-12
    else:
        assert "torch" in refs["autograd"].skipped
    nested = d.spec.n_parameters <= numcheck.NESTED_DIFF_LIMIT
    assert ("nested cost" in refs["symbolic"].method) == nested
    # every entry is compared with the symbolic reference; finite differences on a
    # seeded random subset of the big tensors (64 entries of W1 for 784,30,10)
    for t in refs["symbolic"].tensors:
        assert t.checked == t.total
    for t in refs["finite differences"].tensors:
        assert t.checked == min(t.total, numcheck.FD_ENTRIES)


def test_symbolic_references_agree_with_each_other():
    """diff of the nested cost and the chain-rule expressions give the same numbers."""
    d = derived((3, 5, 4, 2))
    params, x, y = numcheck.random_problem(d.spec.layers, 5)
    nested, how = numcheck.symbolic_gradients(d, params, x, y)
    assert "nested cost" in how.text()
    saved = numcheck.NESTED_DIFF_LIMIT
    numcheck.NESTED_DIFF_LIMIT = 0
    try:
        chain, how = numcheck.symbolic_gradients(d, params, x, y)
    finally:
        numcheck.NESTED_DIFF_LIMIT = saved
    assert "chain-rule" in how.text()
    for k in params:
        np.testing.assert_allclose(chain[k], nested[k], rtol=1e-12, atol=1e-16)


# --- the checker catches wrong modules ------------------------------------------


def _wrapped(m, change):
    original = m.gradients

    def gradients(params, x, y):
        g = {k: v.copy() for k, v in original(params, x, y).items()}
        change(g)
        return g

    m.gradients = gradients
    return m


@pytest.mark.parametrize("layers", [(4, 3, 2), (2, 2, 2, 2), (1, 1), (6, 4, 4, 3, 2)], ids=ids)
@pytest.mark.parametrize("key", ["W1", "b1"])
def test_one_gradient_scaled_by_1_001_fails(layers, key):
    def scale(g):
        g[key][(0,) * g[key].ndim] *= 1.001

    v = numcheck.check_module(_wrapped(module(layers), scale), derived(layers))
    assert not v.passed
    failing = {(r.name, t.name) for r in v.references if r.skipped is None for t in r.tensors if t.max_rel > r.tolerance}
    assert ("symbolic", key) in failing and ("finite differences", key) in failing
    assert all(name == key for _, name in failing)
    if HAVE_TORCH:
        assert ("autograd", key) in failing
    assert any(key in line for line in v.failures())


@pytest.mark.parametrize("layers", [(4, 3, 2), (3, 5, 4, 2)], ids=ids)
def test_two_indices_swapped_fails(layers):
    def swap(g):
        W = g["W2"]
        W[0, 0], W[0, 1] = W[0, 1].copy(), W[0, 0].copy()

    v = numcheck.check_module(_wrapped(module(layers), swap), derived(layers))
    assert not v.passed
    assert all(r.name == "autograd" and r.skipped for r in v.references if r.passed)


def test_mutated_source_text_fails():
    """The same mutations made in the generated source: a factor, then swapped indices."""
    layers = (4, 3, 2)
    text = source(layers)
    line = "dW1 = np.dot(delta1.T, a0)"
    assert line in text
    scaled = module(layers, text=text.replace(line, "dW1 = 1.001 * np.dot(delta1.T, a0)"))
    assert not numcheck.check_module(scaled, derived(layers)).passed
    scalar = source(layers, "scalar")
    a, b = "dW2[0, 0] = ", "dW2[0, 1] = "
    swapped = scalar.replace(a, "@@").replace(b, a).replace("@@", b)
    assert swapped != scalar
    v = numcheck.check_module(module(layers, "scalar", swapped), derived(layers), style="scalar")
    assert not v.passed
    assert {f.split()[0] for f in v.failures()} == {"W2"}


def test_wrong_shape_or_missing_key_fails():
    layers = (4, 3, 2)
    v = numcheck.check_module(_wrapped(module(layers), lambda g: g.pop("b2")), derived(layers))
    assert not v.passed
    v = numcheck.check_module(
        _wrapped(module(layers), lambda g: g.update(W2=g["W2"].T.copy())), derived(layers)
    )
    assert not v.passed


@pytest.mark.skipif(not HAVE_TORCH, reason="torch not installed")
def test_autograd_alone_catches_a_wrong_gradient():
    layers = (2, 2, 2, 2)
    params, x, y = numcheck.random_problem(layers, 0)
    good = module(layers).gradients(params, x, y)
    bad = {k: v.copy() for k, v in good.items()}
    bad["W3"][1, 0] *= 1.001
    scale = 1e-3
    compute = partial(autograd.gradients, layers, "sigmoid", "quadratic")
    assert numcheck._autograd(good, params, x, y, scale, compute).passed
    assert not numcheck._autograd(bad, params, x, y, scale, compute).passed


def test_without_torch_the_reference_is_skipped():
    v = numcheck.check_module(module((4, 3, 2)), derived((4, 3, 2)), use_torch=False)
    r = _references(v)["autograd"]
    assert r.skipped and r.passed and v.passed


# --- reports ---------------------------------------------------------------------


def test_reports_are_complete_and_deterministic():
    d = derived((3, 5, 4, 2))
    one = numcheck.verify_code(d, source((3, 5, 4, 2)), "backprop_3_5_4_2")
    two = numcheck.verify_code(d, source((3, 5, 4, 2)), "backprop_3_5_4_2")
    assert numcheck.to_json(one) == numcheck.to_json(two)
    assert numcheck.to_markdown(one) == numcheck.to_markdown(two)
    data = json.loads(numcheck.to_json(one))
    assert data["passed"] is True and data["layers"] == [3, 5, 4, 2] and data["batch"] == numcheck.BATCH
    assert [r["name"] for r in data["references"]] == ["symbolic", "finite differences", "autograd"]
    for r in data["references"]:
        if r["skipped"] is None:
            assert [t["name"] for t in r["tensors"]] == ["W1", "b1", "W2", "b2", "W3", "b3"]
    md = numcheck.to_markdown(one)
    assert "# Numeric verification of `backprop_3_5_4_2.py`" in md
    assert "**Result: passed.**" in md
    assert md.count("| `W1` | 5×3 |") == (3 if HAVE_TORCH else 2)


# --- CLI -------------------------------------------------------------------------


def invoke(*args):
    return CliRunner().invoke(cli.main, list(args))


def test_cli_verify_writes_reports(tmp_path):
    r = invoke("--layers", "4,3,2", "--verify", "-o", str(tmp_path))
    assert r.exit_code == 0, r.stderr
    names = sorted(p.name for p in tmp_path.iterdir())
    assert names == ["backprop_4_3_2.py", "verification.json", "verification.md"]
    assert json.loads((tmp_path / "verification.json").read_text())["passed"] is True
    assert "finite differences: passed" in r.stdout


def test_cli_verify_failure_exits_1(tmp_path, monkeypatch):
    import derive.codegen

    real = derive.codegen.render

    def broken(d, options):
        text = real(d, options)
        return text.replace("db1 = delta1.sum(axis=0)", "db1 = 1.001 * delta1.sum(axis=0)")

    monkeypatch.setattr(derive.codegen, "render", broken)
    r = invoke("--layers", "4,3,2", "--code", "--verify", "-o", str(tmp_path))
    assert r.exit_code == 1
    assert len(r.stderr.strip().splitlines()) == 1
    assert "b1 vs symbolic" in r.stderr and "failed numeric verification" in r.stderr
    assert not (tmp_path / "backprop_4_3_2.py").exists()  # never written as if it were right
    assert json.loads((tmp_path / "verification.json").read_text())["passed"] is False


def test_cli_scalar_verify(tmp_path):
    r = invoke("--layers", "2,2,2,2", "--code-style", "scalar", "--verify", "-o", str(tmp_path))
    assert r.exit_code == 0, r.stderr
    assert json.loads((tmp_path / "verification.json").read_text())["style"] == "scalar"


def test_scalar_limit_is_stated():
    assert MAX_SCALAR_PARAMETERS >= derived((6, 4, 4, 3, 2)).spec.n_parameters

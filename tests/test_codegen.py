"""The generated NumPy module: API, comments from the derivation, stability, styles, CLI."""

from __future__ import annotations

import ast
import shutil
import subprocess
import sys
import warnings
from pathlib import Path

import numpy as np
import pytest
from _codegen_support import BIG, SHAPES, derived, ids, module, source
from click.testing import CliRunner

import cli
from derive import numcheck
from derive.codegen import (
    MAX_SCALAR_PARAMETERS,
    CodegenError,
    CodeOptions,
    check_module_name,
    equation_text,
    render,
)

ROOT = Path(__file__).resolve().parent.parent


def problem(layers, seed=3, batch=6):
    return numcheck.random_problem(layers, seed, batch)


# --- what the module is made of -------------------------------------------------


@pytest.mark.parametrize("style", ["matrix", "scalar"])
def test_imports_numpy_only(style):
    tree = ast.parse(source((4, 3, 2), style))
    imported = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            imported |= {a.name for a in node.names}
        elif isinstance(node, ast.ImportFrom):
            imported.add(node.module)
    assert imported == {"numpy", "__future__"}


@pytest.mark.parametrize("layers", [(4, 3, 2), (6, 4, 4, 3, 2)], ids=ids)
def test_every_equation_is_a_comment_on_a_backward_line(layers):
    d = derived(layers)
    text = source(layers)
    backward = text[text.index("def gradients") : text.index("def predict")]
    for e in d.equations:
        line = f"# {equation_text(e.lhs, e.rhs, 'sigmoid')}  ({e.tag})"
        hits = [row for row in backward.splitlines() if row.endswith(line)]
        assert len(hits) == 1, line
        assert "=" in hits[0].split("#")[0]  # a line of code, not a bare comment
    # every line computing delta or a gradient cites its equation
    for row in backward.splitlines():
        code = row.split("#")[0]
        if code.strip().startswith(("dW", "db")):
            assert "(BP3)" in row or "(BP4)" in row, row


def test_rule_rows_give_sigma_prime_and_cost_gradient():
    from derive.rules import ACTIVATIONS, COSTS

    text = source((4, 3, 2))
    assert f"return {ACTIVATIONS['sigmoid'].numpy_prime_of_a}\n" in text
    assert f"return {COSTS['quadratic'].numpy_grad}\n" in text


def test_tanh_module_uses_its_rule_rows():
    import derive

    d = derive.derive([3, 2, 2], activation="tanh")
    m = numcheck.import_source(render(d), "backprop_tanh")
    v = numcheck.check_module(m, d, use_torch=False)
    assert v.passed, v.summary()


def test_layers_and_params_shapes_and_dtype():
    m = module((4, 3, 2))
    assert m.LAYERS == (4, 3, 2)
    p = m.init_params(seed=1)
    assert list(p) == ["W1", "b1", "W2", "b2"]
    assert p["W1"].shape == (3, 4) and p["b1"].shape == (3,)
    assert p["W2"].shape == (2, 3) and p["b2"].shape == (2,)
    assert all(v.dtype == np.float64 for v in p.values())
    assert all(v.dtype == np.float32 for v in m.init_params(1, dtype=np.float32).values())
    q = m.init_params(seed=1)
    assert all(np.array_equal(p[k], q[k]) for k in p)
    assert not np.array_equal(p["W1"], m.init_params(seed=2)["W1"])


@pytest.mark.parametrize("style", ["matrix", "scalar"])
def test_single_sample_and_batch(style):
    layers = (4, 3, 2)
    m = module(layers, style)
    params, x, y = problem(layers)
    f = m.forward(params, x)
    assert sorted(f) == ["a0", "a1", "a2", "z1", "z2"]
    assert f["z1"].shape == (6, 3) and f["a2"].shape == (6, 2)
    # z^1 = W^1 a^0 + b^1 and a = σ(z), checked by hand for one sample
    z1 = params["W1"] @ x[2] + params["b1"]
    assert np.allclose(f["z1"][2], z1, rtol=1e-14)
    assert np.allclose(f["a1"][2], 1 / (1 + np.exp(-z1)), rtol=1e-14)
    assert np.array_equal(m.predict(params, x), f["a2"])
    singles = [m.gradients(params, x[i], y[i]) for i in range(len(x))]
    costs = [m.cost(params, x[i], y[i]) for i in range(len(x))]
    assert costs[0] == pytest.approx(np.sum((m.predict(params, x[0]) - y[0]) ** 2), rel=1e-14)
    assert m.cost(params, x, y) == pytest.approx(np.mean(costs), rel=1e-13)
    batch = m.gradients(params, x, y)
    for k, v in params.items():
        assert singles[0][k].shape == v.shape == batch[k].shape
        mean = np.mean([g[k] for g in singles], axis=0)
        np.testing.assert_allclose(batch[k], mean, rtol=1e-12, atol=1e-15)


def test_sgd_step_is_params_minus_lr_gradients():
    m = module((3, 5, 4, 2))
    params, x, y = problem((3, 5, 4, 2))
    before = {k: v.copy() for k, v in params.items()}
    g = m.gradients(params, x, y)
    new = m.sgd_step(params, x, y, 0.1)
    for k in params:
        np.testing.assert_allclose(new[k], before[k] - 0.1 * g[k], rtol=0, atol=1e-15)
        assert np.array_equal(params[k], before[k])  # the input is not modified
    assert m.cost(new, x, y) < m.cost(params, x, y)


# --- numerics --------------------------------------------------------------------


@pytest.mark.parametrize("style", ["matrix", "scalar"])
def test_stable_sigmoid_at_1000(style):
    m = module((4, 3, 2), style)
    with warnings.catch_warnings(), np.errstate(all="warn", under="ignore"):
        warnings.simplefilter("error")
        a = m.sigmoid(np.array([-1000.0, -745.0, 0.0, 745.0, 1000.0]))
        assert np.all(np.isfinite(a))
        assert a[0] == 0.0 and a[2] == 0.5 and a[-1] == 1.0
        params, x, y = problem((4, 3, 2))
        huge = {k: v * 1000.0 for k, v in params.items()}
        for value in (m.forward(huge, x)["z1"], m.gradients(huge, x, y)["W1"], m.cost(huge, x, y)):
            assert np.all(np.isfinite(value))
        assert np.max(np.abs(m.forward(huge, x)["z1"])) > 500


@pytest.mark.parametrize("layers", SHAPES, ids=ids)
def test_scalar_and_matrix_styles_agree(layers):
    params, x, y = problem(layers)
    g = module(layers, "matrix").gradients(params, x, y)
    h = module(layers, "scalar").gradients(params, x, y)
    scale = 1e-3 * max(np.max(np.abs(v)) for v in g.values())
    for k in params:
        assert np.max(np.abs(g[k] - h[k]) / np.maximum(np.abs(g[k]), scale)) < 1e-12


def test_scalar_style_prints_each_symbolic_gradient():
    text = source((4, 3, 2), "scalar")
    assert text.count("# ∂C/∂w") == 4 * 3 + 3 * 2
    assert text.count("# ∂C/∂b") == 3 + 2
    assert "t0 = " in text  # common subexpressions shared
    assert "dW1[2, 3] = np.mean(x[..., 3]*" in text  # ∂C/∂w¹₃₄ = a⁰₄ δ¹₃


def test_scalar_style_refuses_large_networks():
    with pytest.raises(CodegenError, match=f"limit is {MAX_SCALAR_PARAMETERS:,}"):
        render(derived(BIG), CodeOptions("scalar"))


def test_self_check_runs_as_a_script(tmp_path):
    path = tmp_path / "backprop_4_3_2.py"
    path.write_text(source((4, 3, 2)))
    run = subprocess.run([sys.executable, str(path)], capture_output=True, text=True, timeout=60, check=False)
    assert run.returncode == 0, run.stderr
    assert "worst relative error against central differences" in run.stdout
    worst = float(run.stdout.rsplit(":", 1)[1])
    assert worst < 1e-6


@pytest.mark.parametrize("style", ["matrix", "scalar"])
def test_generated_file_passes_ruff(tmp_path, style):
    # the venv's ruff (a dev extra) first: make test runs .venv/bin/python without .venv/bin on PATH
    ruff = shutil.which("ruff", path=str(Path(sys.executable).parent)) or shutil.which("ruff")
    if ruff is None:
        pytest.skip("ruff not installed")
    path = tmp_path / "backprop_6_4_4_3_2.py"
    path.write_text(source((6, 4, 4, 3, 2), style))
    for config in (["--isolated"], ["--config", str(ROOT / "pyproject.toml")]):
        run = subprocess.run([ruff, "check", "--no-cache", *config, str(path)], capture_output=True, text=True, check=False)
        assert run.returncode == 0, run.stdout + run.stderr


def test_deterministic():
    a = render(derived((3, 5, 4, 2)))
    b = render(derived((3, 5, 4, 2)))
    assert a == b
    import derive

    fresh = derive.derive([3, 5, 4, 2])
    assert render(fresh, CodeOptions("scalar")) == render(derived((3, 5, 4, 2)), CodeOptions("scalar"))


def test_committed_showcase_module_is_current():
    path = ROOT / "output" / "4-3-2" / "backprop_4_3_2.py"
    if not path.exists():
        pytest.skip("output/4-3-2/backprop_4_3_2.py not committed")
    assert path.read_text() == source((4, 3, 2))


# --- module names ------------------------------------------------------------------


@pytest.mark.parametrize("name", ["1net", "my-net", "class", "", "a b", "net.py", "x;import os"])
def test_bad_module_names(name):
    with pytest.raises(CodegenError, match="not a Python identifier"):
        check_module_name(name)


@pytest.mark.parametrize("name", ["numpy", "np", "math", "random"])
def test_module_names_that_would_shadow_an_import(name):
    with pytest.raises(CodegenError, match="would shadow"):
        check_module_name(name)


def test_good_module_names():
    assert check_module_name("net_432") == "net_432"
    assert check_module_name("_Backprop2") == "_Backprop2"


# --- CLI -------------------------------------------------------------------------


def invoke(*args):
    return CliRunner().invoke(cli.main, list(args))


def test_cli_code_writes_module(tmp_path):
    r = invoke("--layers", "4,3,2", "--code", "-o", str(tmp_path))
    assert r.exit_code == 0, r.stderr
    assert (tmp_path / "backprop_4_3_2.py").read_text() == source((4, 3, 2))
    r = invoke("--layers", "4,3,2", "--code", "--module-name", "net432", "-o", str(tmp_path / "b"))
    assert r.exit_code == 0
    assert (tmp_path / "b" / "net432.py").read_text() == source((4, 3, 2)).replace(
        "python backprop_4_3_2.py", "python net432.py"
    ).replace('f"backprop_4_3_2: worst', 'f"net432: worst')


def test_cli_is_byte_identical(tmp_path):
    for out in ("one", "two"):
        r = invoke("--layers", "2,2,2,2", "--code", "--code-style", "scalar", "-o", str(tmp_path / out))
        assert r.exit_code == 0
    one, two = (tmp_path / o / "backprop_2_2_2_2.py" for o in ("one", "two"))
    assert one.read_bytes() == two.read_bytes()


@pytest.mark.parametrize(
    "args, message",
    [
        (["--module-name", "1net"], "'1net' is not a Python identifier"),
        (["--module-name", "import"], "'import' is not a Python identifier"),
        (["--module-name", "net-1", "--verify"], "'net-1' is not a Python identifier"),
        (["--layers", "20,20,10", "--code-style", "scalar"], f"the limit is {MAX_SCALAR_PARAMETERS:,}"),
    ],
)
def test_cli_bad_input_exits_2_and_writes_nothing(tmp_path, args, message):
    out = tmp_path / "out"
    layers = [] if "--layers" in args else ["--layers", "4,3,2"]
    r = invoke(*layers, "--code", *args, "-o", str(out))
    assert r.exit_code == 2
    assert message in r.stderr
    assert len(r.stderr.strip().splitlines()) == 1
    assert "Traceback" not in r.stderr
    assert not out.exists()


def test_cli_unwritable_out(tmp_path):
    blocker = tmp_path / "file"
    blocker.write_text("not a folder")
    r = invoke("--layers", "4,3,2", "--code", "-o", str(blocker / "sub"))
    assert r.exit_code == 2
    assert len(r.stderr.strip().splitlines()) == 1
    assert "--out" in r.stderr
    assert blocker.read_text() == "not a folder"

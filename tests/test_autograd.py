"""The PyTorch autograd reference, in this process and through the worker process cli.py starts."""

from __future__ import annotations

import json
import subprocess
import sys

import numpy as np
import pytest
from click.testing import CliRunner

import cli
from derive import autograd, make_spec, numcheck
from derive.methods import method

try:
    import torch

    HAVE_TORCH = True
except ImportError:
    HAVE_TORCH = False

LAYERS = (3, 4, 2)


def _problem():
    return numcheck.random_problem(LAYERS, seed=3)


def _worker(*argv: str) -> subprocess.Popen:
    command = [sys.executable, *(argv or (autograd.__file__,))]
    return subprocess.Popen(command, stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL)


def test_messages_round_trip_without_pickle():
    params, x, y = _problem()
    layers, act, cost, p, x2, y2 = autograd.decode_request(
        autograd.encode_request(LAYERS, "sigmoid", "quadratic", params, x, y)
    )
    assert (layers, act, cost) == (LAYERS, "sigmoid", "quadratic")
    assert sorted(p) == sorted(params) and all(np.array_equal(p[k], params[k]) for k in params)
    assert np.array_equal(x2, x) and np.array_equal(y2, y)


def test_without_torch_the_answer_says_how_to_install(monkeypatch):
    monkeypatch.setitem(sys.modules, "torch", None)  # import torch raises ImportError
    params, x, y = _problem()
    reply = autograd.answer(autograd.encode_request(LAYERS, "sigmoid", "quadratic", params, x, y))
    with pytest.raises(autograd.Unavailable) as err:
        autograd.decode_reply(reply)
    why = method(err.value.key, **err.value.params)
    assert why.text("en") == "torch is not installed (pip install torch==2.13.0)"
    assert why.text("es") == "torch no está instalado (pip install torch==2.13.0)"


def test_worker_answers_like_this_process():
    """The worker's reply equals the in-process reference, or says why it cannot run, like it."""
    params, x, y = _problem()
    compute = cli._asking(_worker(), make_spec(LAYERS))
    if not HAVE_TORCH:
        with pytest.raises(autograd.Unavailable) as err:
            compute(params, x, y)
        assert err.value.key == "torch_missing"
        return
    got, version = compute(params, x, y)
    here, _ = autograd.gradients(LAYERS, "sigmoid", "quadratic", params, x, y)
    assert version == torch.__version__ and sorted(got) == sorted(here)
    for k in here:
        np.testing.assert_allclose(got[k], here[k], rtol=0, atol=0)  # same arithmetic, same bits


def test_a_crashed_worker_is_reported_not_raised():
    params, x, y = _problem()
    compute = cli._asking(_worker("-c", "import sys; sys.exit(3)"), make_spec(LAYERS))
    with pytest.raises(autograd.Unavailable) as err:
        compute(params, x, y)
    assert method(err.value.key, **err.value.params).text() == "the autograd worker failed (exit status 3)"


def test_the_worker_is_stopped_when_derive_fails_before_asking(tmp_path, monkeypatch):
    started = []

    def sleeper():
        started.append(_worker("-c", "import time; time.sleep(60)"))
        return started[-1]

    monkeypatch.setattr(cli, "_autograd_worker", sleeper)
    result = CliRunner().invoke(cli.main, ["--layers", "4,3,2", "--verify", "--module-name", "1x", "-o", str(tmp_path)])
    assert result.exit_code == 2 and "--module-name '1x'" in result.output
    assert len(started) == 1 and started[0].poll() is not None  # killed and reaped


@pytest.mark.skipif(not HAVE_TORCH, reason="torch not installed")
def test_cli_verify_uses_the_worker(tmp_path, monkeypatch):
    started = []
    real = cli._autograd_worker

    def counted():
        started.append(real())
        return started[-1]

    monkeypatch.setattr(cli, "_autograd_worker", counted)
    result = CliRunner().invoke(cli.main, ["--layers", ",".join(map(str, LAYERS)), "--verify", "-o", str(tmp_path)])
    assert result.exit_code == 0, result.output
    assert len(started) == 1 and started[0].returncode == 0
    autograd_ref = json.loads((tmp_path / "verification.json").read_text())["references"][2]
    assert autograd_ref["name"] == "autograd" and autograd_ref["skipped"] is None
    assert autograd_ref["passed"] and len(autograd_ref["tensors"]) == 2 * (len(LAYERS) - 1)
    assert all(row["max_rel"] <= autograd_ref["tolerance"] for row in autograd_ref["tensors"])

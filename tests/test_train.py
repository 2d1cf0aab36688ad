"""derive train: a generated module learns XOR (and the 8×8 digits when scikit-learn is installed)."""

from __future__ import annotations

import pytest
from _codegen_support import module
from click.testing import CliRunner

import cli
from derive import train as training


def test_xor_is_learned():
    task = training.TASKS["xor"]
    m = module(task.layers)
    r = training.train(m, training.xor(), epochs=task.epochs, batch_size=4, lr=task.lr, seed=0)
    assert len(r.losses) == task.epochs
    assert r.losses[-1] < r.losses[0] / 100
    assert r.accuracy == 1.0


def test_training_is_deterministic():
    m = module((2, 3, 1))
    runs = [training.train(m, training.xor(), epochs=50, batch_size=2, lr=2.0, seed=7) for _ in range(2)]
    assert runs[0] == runs[1]


def test_digits_are_learned():
    pytest.importorskip("sklearn")
    task = training.TASKS["digits"]
    data = training.digits(0)
    assert data.x_train.shape[1] == 64 and data.y_train.shape[1] == 10
    assert len(data.x_test) + len(data.x_train) == 1797
    r = training.train(module(task.layers), data, epochs=5, batch_size=10, lr=task.lr, seed=0)
    assert r.accuracy > 0.85
    assert r.losses[-1] < r.losses[0]


def test_accuracy_counts_right_answers():
    import numpy as np

    class Fixed:
        @staticmethod
        def predict(params, x):
            return x

    y = np.array([[1.0, 0.0], [0.0, 1.0], [1.0, 0.0], [0.0, 1.0]])
    out = np.array([[0.9, 0.1], [0.2, 0.8], [0.3, 0.7], [0.4, 0.6]])
    assert training.accuracy(Fixed, {}, out, y) == 0.75
    assert training.accuracy(Fixed, {}, np.array([[0.6], [0.4]]), np.array([[1.0], [1.0]])) == 0.5


def test_loss_curve_png():
    pytest.importorskip("matplotlib")
    r = training.TrainResult("xor", (2, 3, 1), (0.5, 0.1, 0.01), 1.0, 4)
    png = training.loss_curve_png(r)
    assert png.startswith(b"\x89PNG\r\n\x1a\n")
    assert png == training.loss_curve_png(r)


def test_cli_train_xor(tmp_path):
    r = CliRunner().invoke(cli.main, ["train", "--task", "xor", "-o", str(tmp_path)])
    assert r.exit_code == 0, r.stderr
    assert "accuracy 100.0% on 4 test samples" in r.stdout
    assert (tmp_path / "backprop_2_3_1.py").exists()
    try:
        import matplotlib  # noqa: F401
    except ImportError:
        assert "no loss curve" in r.stdout
    else:
        assert (tmp_path / "loss_xor.png").read_bytes().startswith(b"\x89PNG")


def test_cli_train_digits_without_sklearn(tmp_path, monkeypatch):
    monkeypatch.setattr(training, "available", lambda task: task.requires is None)
    r = CliRunner().invoke(cli.main, ["train", "--task", "digits", "-o", str(tmp_path / "o")])
    assert r.exit_code == 2
    assert len(r.stderr.strip().splitlines()) == 1 and "derive[demo]" in r.stderr
    assert not (tmp_path / "o").exists()
    r = CliRunner().invoke(cli.main, ["train", "--epochs", "10", "-o", str(tmp_path / "all")])
    assert r.exit_code == 0
    assert "digits: skipped" in r.stdout

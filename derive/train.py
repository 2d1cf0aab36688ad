"""Training demo: mini-batch SGD with a generated backprop module.

Input: a task name (``xor``: XOR with 2,3,1, no download; ``digits``:
scikit-learn's 8×8 digits with 64,30,10, when scikit-learn is installed).
Output: a ``TrainResult`` with the cost after every epoch and the final
accuracy, and on request a loss-curve PNG (bytes; matplotlib, when installed).
The network is trained by the module derive generates, imported from its file.
"""

from __future__ import annotations

import io
from collections.abc import Callable
from dataclasses import dataclass
from types import ModuleType

import numpy as np


@dataclass(frozen=True)
class Dataset:
    """Training and test arrays, batch-major; y one-hot (or 0/1 for one output)."""

    name: str
    x_train: np.ndarray
    y_train: np.ndarray
    x_test: np.ndarray
    y_test: np.ndarray


@dataclass(frozen=True)
class Task:
    """A dataset and the network and SGD settings that train it."""

    name: str
    layers: tuple[int, ...]
    load: Callable[[int], Dataset]
    epochs: int
    batch_size: int
    lr: float
    requires: str | None = None  # optional package the dataset needs


@dataclass(frozen=True)
class TrainResult:
    """Cost on the training set after each epoch and the final test accuracy."""

    task: str
    layers: tuple[int, ...]
    losses: tuple[float, ...]
    accuracy: float
    test_size: int


def xor(seed: int = 0) -> Dataset:
    """The four XOR points; the test set is the training set."""
    x = np.array([[0.0, 0.0], [0.0, 1.0], [1.0, 0.0], [1.0, 1.0]])
    y = np.array([[0.0], [1.0], [1.0], [0.0]])
    return Dataset("xor", x, y, x, y)


def digits(seed: int = 0, test_fraction: float = 1 / 6) -> Dataset:
    """scikit-learn's 8×8 digits (shipped inside the package), pixels scaled to [0, 1], one-hot y."""
    from sklearn.datasets import load_digits

    data = load_digits()
    x = data.data / 16.0
    y = np.eye(10)[data.target]
    order = np.random.default_rng(seed).permutation(len(x))
    n_test = int(len(x) * test_fraction)
    test, train = order[:n_test], order[n_test:]
    return Dataset("digits", x[train], y[train], x[test], y[test])


TASKS: dict[str, Task] = {
    t.name: t
    for t in (
        Task("xor", (2, 3, 1), xor, epochs=4000, batch_size=4, lr=2.0),
        Task("digits", (64, 30, 10), digits, epochs=30, batch_size=10, lr=1.5, requires="sklearn"),
    )
}


def available(task: Task) -> bool:
    """True when the task's optional package imports."""
    if task.requires is None:
        return True
    try:
        __import__(task.requires)
    except ImportError:
        return False
    return True


def accuracy(module: ModuleType, params: dict, x: np.ndarray, y: np.ndarray) -> float:
    """Fraction classified right: argmax for several outputs, threshold 0.5 for one."""
    out = module.predict(params, x)
    if out.shape[-1] == 1:
        right = (out[:, 0] > 0.5) == (y[:, 0] > 0.5)
    else:
        right = np.argmax(out, axis=-1) == np.argmax(y, axis=-1)
    return float(np.mean(right))


def train(
    module: ModuleType,
    data: Dataset,
    *,
    epochs: int,
    batch_size: int,
    lr: float,
    seed: int = 0,
    progress: Callable[[int], None] | None = None,
) -> TrainResult:
    """Mini-batch SGD: shuffle each epoch, one ``sgd_step`` per batch; the cost after each epoch."""
    rng = np.random.default_rng(seed)
    params = module.init_params(seed)
    losses = []
    n = len(data.x_train)
    for _ in range(epochs):
        order = rng.permutation(n)
        for start in range(0, n, batch_size):
            batch = order[start : start + batch_size]
            params = module.sgd_step(params, data.x_train[batch], data.y_train[batch], lr)
        losses.append(module.cost(params, data.x_train, data.y_train))
        if progress is not None:
            progress(1)
    acc = accuracy(module, params, data.x_test, data.y_test)
    return TrainResult(data.name, tuple(module.LAYERS), tuple(losses), acc, len(data.x_test))


def loss_curve_png(result: TrainResult) -> bytes:
    """The training cost per epoch as a PNG (needs matplotlib); deterministic bytes."""
    import matplotlib

    matplotlib.use("Agg")
    from matplotlib.figure import Figure

    fig = Figure(figsize=(6, 4), dpi=100, layout="constrained")
    ax = fig.add_subplot()
    ax.plot(range(1, len(result.losses) + 1), result.losses)
    ax.set_yscale("log")
    ax.set_xlabel("epoch")
    ax.set_ylabel("cost C (mean over the training set)")
    layers = "-".join(map(str, result.layers))
    ax.set_title(f"{result.task} ({layers}): final accuracy {result.accuracy:.1%}")
    ax.grid(True, which="both", alpha=0.3)
    buf = io.BytesIO()
    fig.savefig(buf, format="png", metadata={"Software": None})
    return buf.getvalue()

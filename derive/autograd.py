"""The PyTorch autograd reference: the network's gradients computed by torch.

Input: layer sizes, activation and cost names (rule-table keys), parameters
``W{l}``, ``b{l}`` and a batch ``x``, ``y`` as float64 NumPy arrays.
Output: ∂C/∂p for every parameter, C the mean over the batch of
Σ_j c(a^L_j, y_j), as NumPy arrays, and a one-line description of the
method; ``Unavailable`` (with the reason) when torch is missing or has no row
for the activation or cost.

The same computation also runs as a worker process (``python
derive/autograd.py``, a script importing NumPy and torch only): it imports torch at once, then reads one request (an
``.npz`` on stdin) and answers with an ``.npz`` on stdout.  cli.py starts it at
the beginning of a ``--verify`` run, so that torch's import (about 0.9 s)
overlaps the symbolic work on another core; these functions only encode and
decode bytes, they start no process.
"""

from __future__ import annotations

import io
import json
import sys

import numpy as np

TORCH_ACTIVATIONS = {"sigmoid": "sigmoid", "tanh": "tanh"}  # rule name → torch function
TORCH_COSTS = {"quadratic": lambda a, y: (a - y) ** 2}  # rule name → c(a, y)
TORCH_PIN = "2.13.0"  # the version of the torch extra


class Unavailable(Exception):
    """The autograd reference cannot run: ``key`` names the reason in derive.methods, ``params`` fill it."""

    def __init__(self, key: str, **params):
        super().__init__(key, params)
        self.key, self.params = key, params


def gradients(layers, activation: str, cost: str, params: dict, x, y) -> tuple[dict, str]:
    """∂C/∂p by torch autograd in float64, and torch's version."""
    try:
        import torch
    except ImportError:
        raise Unavailable("torch_missing", pin=TORCH_PIN) from None
    act, term = TORCH_ACTIVATIONS.get(activation), TORCH_COSTS.get(cost)
    if act is None or term is None:
        raise Unavailable("no_torch_rule", activation=activation, cost=cost)
    tp = {k: torch.tensor(v, dtype=torch.float64, requires_grad=True) for k, v in params.items()}
    a = torch.tensor(x, dtype=torch.float64)
    for l in range(1, len(layers)):
        a = getattr(torch, act)(a @ tp[f"W{l}"].T + tp[f"b{l}"])  # a^l = σ(W^l a^{l-1} + b^l)
    C = term(a, torch.tensor(y, dtype=torch.float64)).sum(dim=-1).mean()
    C.backward()
    grads = {k: v.grad.detach().numpy() for k, v in tp.items()}
    return grads, torch.__version__


# ---------------------------------------------------------------------------
# The worker's messages: .npz archives, loaded without pickle


def _pack(arrays: dict, meta: dict) -> bytes:
    buffer = io.BytesIO()
    np.savez(buffer, **{f"array.{k}": v for k, v in arrays.items()}, meta=np.array(json.dumps(meta)))
    return buffer.getvalue()


def _unpack(data: bytes) -> tuple[dict, dict]:
    with np.load(io.BytesIO(data), allow_pickle=False) as archive:
        arrays = {k.split(".", 1)[1]: archive[k] for k in archive.files if k.startswith("array.")}
        return arrays, json.loads(str(archive["meta"]))


def encode_request(layers, activation: str, cost: str, params: dict, x, y) -> bytes:
    meta = {"layers": list(layers), "activation": activation, "cost": cost}
    return _pack({**params, "x": x, "y": y}, meta)


def decode_request(data: bytes) -> tuple:
    arrays, meta = _unpack(data)
    x, y = arrays.pop("x"), arrays.pop("y")
    return tuple(meta["layers"]), meta["activation"], meta["cost"], arrays, x, y


def answer(request: bytes) -> bytes:
    """The reply to one request: the gradients and torch's version, or why they are unavailable."""
    try:
        grads, version = gradients(*decode_request(request))
    except Unavailable as err:
        return _pack({}, {"unavailable": err.key, "params": err.params})
    return _pack(grads, {"version": version})


def decode_reply(data: bytes) -> tuple[dict, str]:
    """``(gradients, torch version)`` from a reply; Unavailable if the worker could not compute them."""
    arrays, meta = _unpack(data)
    if "unavailable" in meta:
        raise Unavailable(meta["unavailable"], **meta["params"])
    return arrays, meta["version"]


def serve() -> None:
    """Worker: import torch now (the slow part), then answer one request from stdin on stdout."""
    try:
        import torch  # noqa: F401  (imported ahead of the request; gradients() reports a failure)
    except ImportError:
        pass
    sys.stdout.buffer.write(answer(sys.stdin.buffer.read()))
    sys.stdout.buffer.flush()


if __name__ == "__main__":
    serve()

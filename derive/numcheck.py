"""Numeric verification of a generated backprop module against independent references.

Input: a ``Derivation`` and the generated module (imported from its file).
Output: a ``NumericVerification``: for every reference and every parameter
tensor, the largest absolute and relative error of the module's ``gradients``
on seeded random parameters and a seeded random batch, in float64.

References:

* ``symbolic``  — the engine's gradients evaluated numerically with
  ``sympy.lambdify``: SymPy's ``diff`` of the fully nested cost while the
  network has at most ``NESTED_DIFF_LIMIT`` parameters, else the chain-rule
  expressions (z, a, the δ definitions, a^{l-1}_k δ^l_j) layer by layer;
* ``finite differences`` — fourth-order central differences of the module's
  ``cost`` (step ``FD_STEP``), on every entry of a tensor of at most
  ``FD_ENTRIES`` entries and on a seeded random sample of that many otherwise;
* ``autograd``  — PyTorch autograd on the same network, when torch imports
  (``derive.autograd``).

Relative error of an entry: |g − r| / max(|r|, s) with the floor
s = ``SCALE_FRACTION`` × the largest |∂C/∂p| of the symbolic reference, so
entries far below the gradient's scale are compared absolutely.
"""

from __future__ import annotations

import importlib.util
import json
import sys
import tempfile
from collections.abc import Callable
from dataclasses import asdict, dataclass
from functools import partial
from pathlib import Path
from types import ModuleType

import numpy as np
import sympy as sp

from . import autograd
from . import symbols as s
from .collapse import Derivation
from .graph import inputs, nested_cost, parameters
from .methods import Method, method

TOLERANCES = {"symbolic": 1e-12, "finite differences": 1e-7, "autograd": 1e-12}
SCALE_FRACTION = 1e-3
NESTED_DIFF_LIMIT = 60  # parameters: symbolic reference from diff of the nested cost
FD_ENTRIES = 64  # finite differences per tensor; larger tensors are sampled
FD_STEP = 1e-3
BATCH = 8

Progress = Callable[[int], None]
Autograd = Callable[[dict, np.ndarray, np.ndarray], tuple[dict, str]]  # (params, x, y) ↦ (∂C/∂p, torch version)


@dataclass(frozen=True)
class TensorError:
    """Errors of one parameter tensor against one reference."""

    name: str
    shape: tuple[int, ...]
    checked: int
    total: int
    max_abs: float
    max_rel: float


@dataclass(frozen=True)
class ReferenceResult:
    """One reference: how it was computed, its tolerance, and the per-tensor errors."""

    name: str
    how: Method  # how the reference was computed (derive.methods)
    tolerance: float
    tensors: tuple[TensorError, ...] = ()
    why: Method | None = None  # why the reference could not run (e.g. torch missing)

    @property
    def method(self) -> str:
        return self.how.text("en")

    @property
    def skipped(self) -> str | None:
        """Why the reference did not run, in English; None if it ran."""
        return None if self.why is None else self.why.text("en")

    @property
    def max_rel(self) -> float:
        return max((t.max_rel for t in self.tensors), default=0.0)

    @property
    def passed(self) -> bool:
        return self.skipped is not None or self.max_rel <= self.tolerance


@dataclass(frozen=True)
class NumericVerification:
    """The module's gradients against every reference."""

    module: str
    layers: tuple[int, ...]
    activation: str
    cost: str
    style: str
    n_parameters: int
    seed: int
    batch: int
    scale: float
    references: tuple[ReferenceResult, ...]

    @property
    def passed(self) -> bool:
        return all(r.passed for r in self.references)

    def failures(self) -> list[str]:
        """One line per tensor whose error exceeds its reference's tolerance."""
        return [
            f"{t.name} vs {r.name}: max rel. error {t.max_rel:.3g} > {r.tolerance:g}"
            for r in self.references
            if r.skipped is None
            for t in r.tensors
            if not t.max_rel <= r.tolerance
        ]

    def summary(self) -> str:
        """One line per reference."""
        lines = []
        for r in self.references:
            if r.skipped is not None:
                lines.append(f"{r.name}: skipped ({r.skipped})")
            else:
                state = "passed" if r.passed else "FAILED"
                lines.append(
                    f"{r.name}: {state} (max rel. error {r.max_rel:.2e}, tolerance {r.tolerance:g})"
                )
        return "\n".join(lines)


# ---------------------------------------------------------------------------
# The module under test


def load_module(path: Path, name: str | None = None) -> ModuleType:
    """Import the Python file ``path`` as a fresh module (not added to sys.modules)."""
    path = Path(path)
    spec = importlib.util.spec_from_file_location(name or path.stem, path)
    if spec is None or spec.loader is None:
        raise ImportError(f"cannot import {path}")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def random_problem(layers, seed: int, batch: int = BATCH):
    """Seeded float64 parameters W{l} ~ N(0, 1/n_{l-1}), b{l} ~ N(0, 1), x ~ U(-1, 1), y ~ U(0, 1)."""
    rng = np.random.default_rng(seed)
    params = {}
    for l in range(1, len(layers)):
        params[f"W{l}"] = rng.standard_normal((layers[l], layers[l - 1])) / np.sqrt(layers[l - 1])
        params[f"b{l}"] = rng.standard_normal(layers[l])
    x = rng.uniform(-1.0, 1.0, (batch, layers[0]))
    y = rng.uniform(0.0, 1.0, (batch, layers[-1]))
    return params, x, y


def check_module(
    module: ModuleType,
    d: Derivation,
    *,
    style: str = "matrix",
    seed: int = 0,
    batch: int = BATCH,
    use_torch: bool = True,
    autograd_gradients: Autograd | None = None,
    progress: Progress | None = None,
) -> NumericVerification:
    """Compare ``module.gradients`` with every reference on one seeded random problem.

    ``autograd_gradients(params, x, y)`` computes the autograd reference; by
    default ``autograd.gradients`` in this process (cli.py passes one that asks
    a worker process started earlier).  ``use_torch=False`` skips it.
    """
    tick = progress or (lambda n: None)
    spec = d.spec
    compute = autograd_gradients or partial(autograd.gradients, spec.layers, spec.activation, spec.cost)
    params, x, y = random_problem(spec.layers, seed, batch)
    got = module.gradients({k: v.copy() for k, v in params.items()}, x, y)
    symbolic, how = symbolic_gradients(d, params, x, y)
    tick(1)
    scale = SCALE_FRACTION * max(float(np.max(np.abs(r))) for r in symbolic.values())
    refs = [_compare("symbolic", how, got, symbolic, scale)]
    fd, picked = finite_differences(module, params, x, y, seed, tick)
    fd_method = method("finite_differences", step=FD_STEP, entries=FD_ENTRIES)
    refs.append(_compare("finite differences", fd_method, got, fd, scale, picked))
    refs.append(_autograd(got, params, x, y, scale, compute) if use_torch else _skipped(method("not_requested")))
    tick(1)
    return NumericVerification(
        module=getattr(module, "__name__", "module"),
        layers=spec.layers,
        activation=spec.activation,
        cost=spec.cost,
        style=style,
        n_parameters=spec.n_parameters,
        seed=seed,
        batch=batch,
        scale=scale,
        references=tuple(refs),
    )


def work(d: Derivation) -> int:
    """Progress units of ``check_module`` for ``d`` (for a progress bar's length)."""
    return 2 + sum(min(n, FD_ENTRIES) for n in _sizes(d.spec.layers).values())


def _sizes(layers) -> dict[str, int]:
    out = {}
    for l in range(1, len(layers)):
        out[f"W{l}"] = layers[l] * layers[l - 1]
        out[f"b{l}"] = layers[l]
    return out


# ---------------------------------------------------------------------------
# References


def symbolic_gradients(d: Derivation, params, x, y) -> tuple[dict[str, np.ndarray], Method]:
    """The engine's ∂C/∂p evaluated in float64 and averaged over the batch, and how."""
    g = d.graph
    env = _environment(d, params, x, y)
    if d.spec.n_parameters <= NESTED_DIFF_LIMIT:
        C = nested_cost(g)
        ps = parameters(d.spec)
        values = _lambdified([sp.diff(C, p) for p in ps], env, cse=True)
        how = method("symbolic_nested")
    else:
        act = g.activation
        for l in range(1, d.spec.L + 1):  # z^l_j = Σ_k w^l_jk a^{l-1}_k + b^l_j,  a^l_j = σ(z^l_j)
            keys = [(l, j) for j in g.neurons(l)]
            env.update(zip([s.z(*k) for k in keys], _lambdified([g.z[k] for k in keys], env)))
            env.update(
                zip([s.a(*k) for k in keys], _lambdified([act.explicit(s.z(*k)) for k in keys], env))
            )
        for l in range(d.spec.L, 0, -1):  # δ^l_j from its definition, output layer first
            dds = [dd for (ll, _), dd in d.deltas.items() if ll == l]
            env.update(zip([dd.symbol for dd in dds], _lambdified([dd.definition for dd in dds], env)))
        ps = list(d.gradients)
        values = _lambdified([d.gradients[p].value for p in ps], env)
        how = method("symbolic_chain")
    out = {k: np.zeros(v.shape) for k, v in params.items()}
    for p, v in zip(ps, values):
        out[_key(p)][_index(p)] = np.mean(v)
    return out, how


def _environment(d: Derivation, params, x, y) -> dict:
    env = {}
    for p in parameters(d.spec):
        env[p] = float(params[_key(p)][_index(p)])
    for sym in inputs(d.spec):
        i = s.describe(sym)
        env[sym] = x[:, i.j - 1] if i.kind == "a" else y[:, i.j - 1]
    return env


def _lambdified(exprs: list, env: dict, cse: bool = False) -> list:
    free = sorted(set().union(*(e.free_symbols for e in exprs)), key=lambda sym: sym.name)
    f = sp.lambdify(free, exprs, modules="numpy", cse=cse)
    return list(f(*[env[sym] for sym in free]))


def _key(p: sp.Symbol) -> str:
    i = s.describe(p)
    return f"{'W' if i.kind == 'w' else 'b'}{i.l}"


def _index(p: sp.Symbol) -> tuple[int, ...]:
    i = s.describe(p)
    return (i.j - 1, i.k - 1) if i.kind == "w" else (i.j - 1,)


def finite_differences(module, params, x, y, seed: int, tick: Progress):
    """Fourth-order central differences of ``module.cost``; returns (estimates, checked indices)."""
    rng = np.random.default_rng(seed + 1)
    work = {k: v.copy() for k, v in params.items()}
    estimates, picked = {}, {}
    h = FD_STEP
    for name in sorted(work, key=_tensor_order):
        flat = work[name].reshape(-1)  # a view into work[name]
        n = flat.size
        chosen = np.arange(n) if n <= FD_ENTRIES else np.sort(rng.choice(n, FD_ENTRIES, replace=False))
        out = np.full(n, np.nan)
        for i in chosen:
            saved = flat[i]
            c = []
            for step in (-2.0, -1.0, 1.0, 2.0):
                flat[i] = saved + step * h
                c.append(module.cost(work, x, y))
            flat[i] = saved
            # f'(p) ≈ [f(p−2h) − 8 f(p−h) + 8 f(p+h) − f(p+2h)] / 12h
            out[i] = (c[0] - 8.0 * c[1] + 8.0 * c[2] - c[3]) / (12.0 * h)
        tick(len(chosen))
        estimates[name] = out.reshape(params[name].shape)
        picked[name] = chosen
    return estimates, picked


def _tensor_order(name: str) -> tuple[int, str]:
    return int(name[1:]), name[0]


def _autograd(got, params, x, y, scale: float, compute: Autograd) -> ReferenceResult:
    try:
        ref, version = compute(params, x, y)
    except autograd.Unavailable as err:
        return _skipped(method(err.key, **err.params))
    return _compare("autograd", method("autograd", version=version), got, ref, scale)


def _skipped(why: Method) -> ReferenceResult:
    return ReferenceResult("autograd", method("autograd_any"), TOLERANCES["autograd"], (), why)


def _compare(name, how: Method, got, ref, scale, picked=None) -> ReferenceResult:
    tensors = []
    for key in sorted(ref, key=_tensor_order):
        r = np.asarray(ref[key], dtype=np.float64)
        g = got.get(key) if isinstance(got, dict) else None
        idx = picked[key] if picked is not None else np.arange(r.size)
        if g is None or np.shape(g) != r.shape:
            tensors.append(TensorError(key, r.shape, 0, r.size, float("inf"), float("inf")))
            continue
        gf, rf = np.asarray(g, dtype=np.float64).reshape(-1)[idx], r.reshape(-1)[idx]
        diff = np.abs(gf - rf)
        rel = diff / np.maximum(np.abs(rf), scale)
        max_abs = float(np.max(diff)) if diff.size else 0.0
        max_rel = float(np.max(rel)) if rel.size else 0.0
        if not np.all(np.isfinite(gf)):
            max_abs = max_rel = float("inf")
        tensors.append(TensorError(key, r.shape, int(idx.size), r.size, max_abs, max_rel))
    return ReferenceResult(name, how, TOLERANCES[name], tuple(tensors))


# ---------------------------------------------------------------------------
# Reports


def to_dict(v: NumericVerification) -> dict:
    """A JSON-ready dict; errors rounded to 3 significant digits."""
    out = asdict(v)
    out["references"] = [_reference_dict(r) for r in v.references]
    out["passed"] = v.passed
    out["relative_error"] = (
        f"|g - r| / max(|r|, s), s = {SCALE_FRACTION:g} * max |dC/dp| of the symbolic reference"
    )
    out["scale"] = _round(v.scale)
    return out


def _reference_dict(r: ReferenceResult) -> dict:
    tensors = [
        {**asdict(t), "shape": list(t.shape), "max_abs": _round(t.max_abs), "max_rel": _round(t.max_rel)}
        for t in r.tensors
    ]
    return {
        "name": r.name,
        "method": r.method,
        "tolerance": r.tolerance,
        "tensors": tensors,
        "skipped": r.skipped,
        "passed": r.passed,
    }


def _round(x: float):
    return x if not np.isfinite(x) else float(f"{x:.3g}")


def to_json(v: NumericVerification) -> str:
    """``verification.json``: deterministic for a given machine and seed."""
    return json.dumps(to_dict(v), indent=2, ensure_ascii=False, allow_nan=True) + "\n"


def to_markdown(v: NumericVerification) -> str:
    """``verification.md`` from ``templates/verification.md.j2``."""
    from .templating import template

    return template("verification.md.j2").render(v=v, fmt=_fmt, scale_fraction=f"{SCALE_FRACTION:g}")


def _fmt(x: float) -> str:
    return f"{x:.2e}" if np.isfinite(x) else "inf"


def import_source(source: str, module_name: str) -> ModuleType:
    """Write ``source`` to a temporary ``<module_name>.py`` and import it from that file."""
    saved = sys.dont_write_bytecode
    sys.dont_write_bytecode = True  # no __pycache__ left behind
    try:
        with tempfile.TemporaryDirectory(prefix="derive-module-") as folder:
            path = Path(folder) / f"{module_name}.py"
            path.write_text(source, encoding="utf-8")
            return load_module(path, module_name)
    finally:
        sys.dont_write_bytecode = saved


def verify_code(d: Derivation, source: str, module_name: str, **kwargs) -> NumericVerification:
    """Import ``source`` from its own file and check it (see ``check_module`` for kwargs)."""
    return check_module(import_source(source, module_name), d, **kwargs)

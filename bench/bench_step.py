"""Benchmark: one gradient step of derive's generated module against its peers.

Input: command-line options (``--quick`` for a smoke run).  Output: Markdown on
stdout and, with ``--json PATH``, the numbers as JSON for bench/run_all.py.

One step = forward and backward over the whole batch, every parameter's
gradient of the mean quadratic cost C = mean over samples of Σ_j (a^L_j − y_j)^2.
Candidates, all measured side by side in interleaved rounds in one process:

* generated — ``gradients`` of the module ``derive.codegen`` writes;
* hand      — a hand-vectorised NumPy matrix-form backprop written here;
* loop      — a per-sample loop in the style of Nielsen's network.py;
* torch     — PyTorch CPU autograd, 2 threads (when torch imports);
* jax       — ``jax.jit(jax.grad(cost))`` on the CPU (when jax imports);
* gemm      — the same matrix products alone (the GEMM bound), and the FLOP
              count over the measured peak GEMM throughput.
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
import common as c

ARCHS = [(784, 30, 10), (784, 100, 10), (784, 256, 128, 10)]
BATCHES = [1, 32, 256]
DTYPES = ["float64", "float32"]
THREADS = 2
TOLERANCE = {"float64": 1e-9, "float32": 2e-3}
SETTLE = 0.12  # s before every timed block: OpenBLAS threads spin ~2^28 cycles (~0.1 s) after a call  # relative agreement of every peer's gradients


# ---------------------------------------------------------------------------
# the generated module


def generated_module(layers: tuple[int, ...], folder: Path):
    """Derive ``layers`` (check (a); check (b) off), generate the module, import it from its file."""
    import importlib.util

    import derive
    from derive.codegen import default_module_name, render

    d = derive.derive(list(layers), nested="off")
    name = default_module_name(layers)
    path = folder / f"{name}.py"
    path.write_text(render(d))
    spec = importlib.util.spec_from_file_location(name, path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


# ---------------------------------------------------------------------------
# hand-vectorised NumPy (batch-major: row i is sample i)


def hand_gradients(params: dict, x: np.ndarray, y: np.ndarray, L: int) -> dict:
    """Matrix-form backprop: δ^L = σ'(z^L) ⊙ 2(a^L − y)/B, δ^l = σ'(z^l) ⊙ δ^{l+1} W^{l+1}."""
    a = [x]
    for l in range(1, L + 1):
        z = np.dot(a[-1], params[f"W{l}"].T)
        z += params[f"b{l}"]
        a.append(1.0 / (1.0 + np.exp(-z)))
    aL = a[L]
    delta = (aL - y) * (2.0 / x.shape[0])
    delta *= aL * (1.0 - aL)
    grads = {}
    for l in range(L, 0, -1):
        grads[f"W{l}"] = np.dot(delta.T, a[l - 1])
        grads[f"b{l}"] = delta.sum(axis=0)
        if l > 1:
            delta = np.dot(delta, params[f"W{l}"])
            delta *= a[l - 1] * (1.0 - a[l - 1])
    return grads


# ---------------------------------------------------------------------------
# per-sample loop in the style of Nielsen's network.py (column vectors)


def _sigmoid(z):
    return 1.0 / (1.0 + np.exp(-z))


def _sigmoid_prime(z):
    return _sigmoid(z) * (1 - _sigmoid(z))


class NielsenNetwork:
    """network.py's backprop and mini-batch sum, with the cost C = Σ (a − y)^2 (mean over the batch)."""

    def __init__(self, params: dict, L: int):
        self.weights = [params[f"W{l}"] for l in range(1, L + 1)]
        self.biases = [params[f"b{l}"].reshape(-1, 1) for l in range(1, L + 1)]
        self.num_layers = L + 1

    def gradients(self, samples):
        nabla_b = [np.zeros(b.shape, b.dtype) for b in self.biases]
        nabla_w = [np.zeros(w.shape, w.dtype) for w in self.weights]
        for x, y in samples:
            delta_nabla_b, delta_nabla_w = self.backprop(x, y)
            nabla_b = [nb + dnb for nb, dnb in zip(nabla_b, delta_nabla_b)]
            nabla_w = [nw + dnw for nw, dnw in zip(nabla_w, delta_nabla_w)]
        n = len(samples)
        return [nw / n for nw in nabla_w], [nb / n for nb in nabla_b]

    def backprop(self, x, y):
        nabla_b = [None] * len(self.biases)
        nabla_w = [None] * len(self.weights)
        activation = x
        activations = [x]
        zs = []
        for b, w in zip(self.biases, self.weights):
            z = np.dot(w, activation) + b
            zs.append(z)
            activation = _sigmoid(z)
            activations.append(activation)
        delta = self.cost_derivative(activations[-1], y) * _sigmoid_prime(zs[-1])
        nabla_b[-1] = delta
        nabla_w[-1] = np.dot(delta, activations[-2].transpose())
        for l in range(2, self.num_layers):
            z = zs[-l]
            sp = _sigmoid_prime(z)
            delta = np.dot(self.weights[-l + 1].transpose(), delta) * sp
            nabla_b[-l] = delta
            nabla_w[-l] = np.dot(delta, activations[-l - 1].transpose())
        return (nabla_b, nabla_w)

    @staticmethod
    def cost_derivative(output_activations, y):
        return 2 * (output_activations - y)


# ---------------------------------------------------------------------------
# peers


def torch_step(params: dict, x: np.ndarray, y: np.ndarray, L: int):
    """PyTorch autograd; None when torch does not import."""
    try:
        import torch
    except ImportError:
        return None
    tp = [torch.tensor(params[f"{k}{l}"], requires_grad=True) for l in range(1, L + 1) for k in "Wb"]
    tx, ty = torch.from_numpy(x), torch.from_numpy(y)
    linear = torch.nn.functional.linear

    def step():
        a = tx
        for l in range(L):
            a = torch.sigmoid(linear(a, tp[2 * l], tp[2 * l + 1]))
        C = ((a - ty) ** 2).sum(dim=1).mean()
        return torch.autograd.grad(C, tp)

    def as_dict():
        g = step()
        return {f"{k}{l}": g[2 * (l - 1) + i].numpy() for l in range(1, L + 1) for i, k in enumerate("Wb")}

    return step, as_dict


def jax_step(params: dict, x: np.ndarray, y: np.ndarray, L: int):
    """jax.jit(jax.grad(C)) on the CPU; None when jax does not import."""
    try:
        import jax
        import jax.numpy as jnp
    except ImportError:
        return None
    jax.config.update("jax_enable_x64", True)
    jp = [jnp.asarray(params[f"{k}{l}"]) for l in range(1, L + 1) for k in "Wb"]
    jx, jy = jnp.asarray(x), jnp.asarray(y)

    def C(p, x, y):
        a = x
        for l in range(L):
            a = jax.nn.sigmoid(a @ p[2 * l].T + p[2 * l + 1])
        return jnp.mean(jnp.sum((a - y) ** 2, axis=-1))

    grad = jax.jit(jax.grad(C))

    def step():
        return jax.block_until_ready(grad(jp, jx, jy))

    def as_dict():
        g = step()
        return {f"{k}{l}": np.asarray(g[2 * (l - 1) + i]) for l in range(1, L + 1) for i, k in enumerate("Wb")}

    return step, as_dict


def gemm_products(layers, B: int, dtype, rng, dot=np.dot, transpose=np.transpose, convert=None):
    """The step's matrix products alone, on arrays of the right shapes; and their FLOP count.

    ``dot``/``transpose``/``convert`` run the same products in another library (torch.mm).
    """
    L = len(layers) - 1
    convert = convert or (lambda a: a)
    A = [convert(rng.standard_normal((B, n)).astype(dtype)) for n in layers]
    W = [None] + [convert(rng.standard_normal((layers[l], layers[l - 1])).astype(dtype)) for l in range(1, L + 1)]
    D = [None] + [convert(rng.standard_normal((B, layers[l])).astype(dtype)) for l in range(1, L + 1)]
    flops = 0
    for l in range(1, L + 1):
        flops += 2 * B * layers[l] * layers[l - 1] * (3 if l > 1 else 2)

    def run():
        for l in range(1, L + 1):
            dot(A[l - 1], transpose(W[l]))  # z^l
        for l in range(L, 0, -1):
            dot(transpose(D[l]), A[l - 1])  # ∂C/∂W^l
            if l > 1:
                dot(D[l], W[l])  # δ^l back to layer l-1
    return run, flops


def peak_gflops(dtype: str, n: int = 2048, reps: int = 5) -> float:
    """Measured peak GEMM throughput: the best of ``reps`` n×n products."""
    rng = np.random.default_rng(0)
    a = rng.standard_normal((n, n)).astype(dtype)
    b = rng.standard_normal((n, n)).astype(dtype)
    out = np.empty((n, n), dtype)
    np.dot(a, b, out=out)
    best = min(_once(lambda: np.dot(a, b, out=out)) for _ in range(reps))
    return 2 * n**3 / best / 1e9


def _once(fn) -> float:
    t = time.perf_counter()
    fn()
    return time.perf_counter() - t


# ---------------------------------------------------------------------------
# the benchmark


def check_agreement(name: str, got: dict, ref: dict, dtype: str) -> None:
    for k, r in ref.items():
        err = np.max(np.abs(np.asarray(got[k]).reshape(r.shape) - r)) / max(np.max(np.abs(r)), 1e-30)
        if not err <= TOLERANCE[dtype]:
            raise AssertionError(f"{name}: {k} differs from the generated module (relative {err:.1e})")


def problem(module, layers, B: int, dtype: str, rng) -> tuple[dict, np.ndarray, np.ndarray]:
    """The timed problem: the module's seeded parameters and a batch x ~ U(-1, 1), y ~ U(0, 1) from ``rng``."""
    params = module.init_params(seed=0, dtype=getattr(np, dtype))
    x = rng.uniform(-1, 1, (B, layers[0])).astype(dtype)
    y = rng.uniform(0, 1, (B, layers[-1])).astype(dtype)
    return params, x, y


def measure_config(module, layers, B: int, dtype: str, rounds: int, peak: float, target: float,
                   settle: float, remotes: dict) -> dict:
    L = len(layers) - 1
    rng = np.random.default_rng(1)
    params, x, y = problem(module, layers, B, dtype, rng)
    ref = module.gradients(params, x, y)
    assert all(g.dtype == np.dtype(dtype) for g in ref.values()), "generated module changed the dtype"
    net = NielsenNetwork(params, L)
    samples = [(x[i].reshape(-1, 1), y[i].reshape(-1, 1)) for i in range(B)]
    cands = {
        "generated": lambda: module.gradients(params, x, y),
        "hand": lambda: hand_gradients(params, x, y, L),
        "loop": lambda: net.gradients(samples),
    }
    check_agreement("hand", hand_gradients(params, x, y, L), ref, dtype)
    nw, nb = net.gradients(samples)
    check_agreement("loop", {**{f"W{l + 1}": w for l, w in enumerate(nw)},
                             **{f"b{l + 1}": b for l, b in enumerate(nb)}}, ref, dtype)
    skipped = {}
    data = Path(tempfile.mkdtemp(prefix="bench-step-"))
    np.savez(data / "problem.npz", x=x, y=y, **params)
    for name, remote in remotes.items():
        try:
            remote.setup(str(data / "problem.npz"), str(data / f"{name}.npz"))
        except RuntimeError as err:
            skipped[name] = str(err)
            continue
        with np.load(data / f"{name}.npz") as got:
            check_agreement(name, dict(got), ref, dtype)
        for fn in remote.functions:
            cands[name if fn == "step" else f"{name.split('_')[0]}_{fn}"] = RemoteCandidate(remote, fn, settle)
    shutil.rmtree(data, ignore_errors=True)
    for k in ("generated", "hand", "loop"):
        cands[k] = c.Local(cands[k], settle=LOCAL_SETTLE)
    gemm, flops = gemm_products(layers, B, dtype, rng)
    cands["gemm"] = c.Local(gemm, settle=LOCAL_SETTLE)
    times = c.interleaved(cands, rounds, target)
    med = {k: c.median(v) for k, v in times.items()}
    ratios = {k: c.paired_ratio(times, k, "generated") for k in cands if k != "generated"}
    bound = flops / (peak * 1e9)
    return {"layers": "-".join(map(str, layers)), "batch": B, "dtype": dtype, "median": med,
            "ratio_to_generated": ratios, "flops": flops, "flop_bound": bound,
            "generated_over_flop_bound": med["generated"] / bound, "skipped": skipped}


def summarise(configs: list[dict], peaks: dict, rounds: int, peers: dict, peak_n: int, settle: float) -> dict:
    targets = []

    def worst(rows, key, fn):
        return max(rows, key=fn) if rows else None

    # generated ≤ 1.05 × hand: hand/generated ≥ 1/1.05
    gh = [(r, 1 / r["ratio_to_generated"]["hand"]) for r in configs]
    w = max(gh, key=lambda t: t[1])
    targets.append(c.target_row(
        "generated step: no slower than hand-vectorised NumPy, every size", "≤ 1.05× hand",
        f"worst {w[1]:.3f}× ({_where(w[0])}); met in {sum(v <= 1.05 for _, v in gh)}/{len(gh)}",
        all(v <= 1.05 for _, v in gh)))
    for peer in ("torch", "jax"):
        # torch: the faster of its 2-thread and 1-thread runs (the stricter comparison)
        runs = {"torch": ("torch", "torch_1t"), "jax": ("jax",)}[peer]
        rows = [(r, min(r["ratio_to_generated"][k] for k in runs if k in r["ratio_to_generated"]))
                for r in configs if peer in r["ratio_to_generated"]]
        if not rows:
            targets.append(c.target_row(f"generated step faster than {peer}, every size", "> 1×",
                                        f"{peer} not installed", None))
            continue
        w = min(rows, key=lambda t: t[1])
        targets.append(c.target_row(
            f"generated step faster than {peer}, every size", f"{peer} / generated > 1×",
            f"slowest margin {w[1]:.2f}× ({_where(w[0])}); faster in {sum(v > 1 for _, v in rows)}/{len(rows)}",
            all(v > 1 for _, v in rows)))
    rows = [(r, r["ratio_to_generated"]["loop"]) for r in configs if r["batch"] == 32]
    if rows:
        w = min(rows, key=lambda t: t[1])
        targets.append(c.target_row(
            "generated step vs per-sample loop (network.py style) at batch 32", "≥ 14×",
            f"smallest {w[1]:.1f}× ({_where(w[0])})", all(v >= 14 for _, v in rows)))
    rows = [r for r in configs if r["batch"] == 256]
    if rows:
        g = [(r, 1 / r["ratio_to_generated"]["gemm"]) for r in rows]
        w = max(g, key=lambda t: t[1])
        targets.append(c.target_row(
            "generated step within 1.5× of the GEMM bound at batch 256 (products run alone)", "≤ 1.5×",
            f"worst {w[1]:.2f}× ({_where(w[0])})", all(v <= 1.5 for _, v in g)))
        f = [(r, r["generated_over_flop_bound"]) for r in rows]
        w = max(f, key=lambda t: t[1])
        targets.append(c.target_row(
            "generated step within 1.5× of the GEMM bound at batch 256 (FLOPs / peak GEMM throughput)",
            "≤ 1.5×", f"worst {w[1]:.2f}× ({_where(w[0])}); best {min(v for _, v in f):.2f}×",
            all(v <= 1.5 for _, v in f)))
    res = {"configs": configs, "peaks": peaks, "rounds": rounds, "peers": peers, "targets": targets,
           "peak_n": peak_n, "settle": settle}
    res["markdown"] = markdown(res)
    return res


def _where(r: dict) -> str:
    return f"{r['layers']}, batch {r['batch']}, {r['dtype']}"


def markdown(res: dict) -> str:
    t = c.fmt_time
    peers = res["peers"]
    lines = [
        "## One gradient step: generated module vs peers",
        "",
        (
            "Forward and backward over the whole batch, every parameter's gradient of the mean quadratic "
            f"cost. Medians of {res['rounds']} interleaved rounds (each round times every candidate once, "
            f"in rotated order, over a block of calls of about 20 ms, after {res['settle']:g} s of sleep so that "
            "the other libraries' idle thread pools have stopped spinning); ratios are medians of per-round "
            "ratios *peer time / generated time* (above 1: the generated module is faster), except "
            "*gen / hand* and *gen / GEMM alone*, which are generated time / the other. "
            "Every peer's gradients were checked against the generated module's before timing "
            f"(relative {TOLERANCE['float64']:g} in float64, {TOLERANCE['float32']:g} in float32)."
        ),
        "",
        "Peers run: " + ", ".join(f"{k} ({v})" for k, v in peers.items()) + ".",
        f"Peak GEMM throughput (best of 5 {res['peak_n']}×{res['peak_n']} products, np.dot): "
        + ", ".join(f"{k} {v:.1f} GFLOP/s" for k, v in res["peaks"].items()) + ".",
        "",
    ]
    header = ["network", "batch", "dtype", "generated", "hand NumPy", "gen / hand", "loop / gen",
              "torch / gen", "torch 1 thread / gen", "jax / gen", "GEMM alone", "gen / GEMM alone", "FLOP bound", "gen / FLOP bound",
              "GEMM alone / FLOP bound", "torch's GEMMs alone / ours"]
    rows = []
    for r in res["configs"]:
        q = r["ratio_to_generated"]
        rows.append((r["layers"], r["batch"], r["dtype"], t(r["median"]["generated"]), t(r["median"]["hand"]),
                     f"{1 / q['hand']:.3f}", f"{q['loop']:.1f}",
                     f"{q['torch']:.2f}" if "torch" in q else "–",
                     f"{q['torch_1t']:.2f}" if "torch_1t" in q else "–",
                     f"{q['jax']:.2f}" if "jax" in q else "–",
                     t(r["median"]["gemm"]), f"{1 / q['gemm']:.2f}", t(r["flop_bound"]),
                     f"{r['generated_over_flop_bound']:.2f}", f"{r['median']['gemm'] / r['flop_bound']:.2f}",
                     f"{r['median']['torch_gemm'] / r['median']['gemm']:.2f}" if "torch_gemm" in r["median"] else "–"))
    lines.append(c.table(header, rows))
    return "\n".join(lines) + "\n"


def main(argv=None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--quick", action="store_true", help="smoke run: 784-30-10, batch 32, float64, 3 rounds")
    ap.add_argument("--archs", help="networks separated by spaces, e.g. '4-3-2 784-30-10'")
    ap.add_argument("--batches", help="batch sizes separated by commas, e.g. 1,32")
    ap.add_argument("--dtypes", help="float64,float32")
    ap.add_argument("--rounds", type=int, help="interleaved rounds [default: 9; --quick: 3]")
    ap.add_argument("--block", type=float, default=0.02, help="seconds per timed block")
    ap.add_argument("--settle", type=float, default=SETTLE,
                    help="seconds of sleep before every block, so that idle thread pools stop spinning")
    ap.add_argument("--no-torch", action="store_true")
    ap.add_argument("--no-jax", action="store_true")
    ap.add_argument("--json", type=Path)
    args = ap.parse_args(argv)
    archs = ([tuple(int(n) for n in a.split("-")) for a in args.archs.split()] if args.archs
             else [ARCHS[0]] if args.quick else ARCHS)
    batches = [int(b) for b in args.batches.split(",")] if args.batches else [32] if args.quick else BATCHES
    dtypes = args.dtypes.split(",") if args.dtypes else ["float64"] if args.quick else DTYPES
    rounds = args.rounds or (3 if args.quick else 9)
    peers = _peers(args)
    peak_n = 512 if args.quick else 2048
    peaks = {dt: peak_gflops(dt, n=peak_n) for dt in dtypes}
    configs = []
    runnable = [n for n in PEER_PROCESSES if not peers[n.split("_")[0]].startswith(("not installed", "skipped"))]
    remotes = {name: Remote(name) for name in runnable}
    with tempfile.TemporaryDirectory() as tmp:
        for layers in archs:
            print(f"  generating {'-'.join(map(str, layers))}", file=sys.stderr, flush=True)
            module = generated_module(layers, Path(tmp))
            for dtype in dtypes:
                for B in batches:
                    print(f"  {layers} batch {B} {dtype}", file=sys.stderr, flush=True)
                    configs.append(measure_config(module, layers, B, dtype, rounds, peaks[dtype], args.block,
                                                  args.settle, remotes))
    for remote in remotes.values():
        remote.close()
    c.save("step", summarise(configs, peaks, rounds, peers, peak_n, args.settle), args.json)


def _peers(args) -> dict:
    peers = {"generated": "derive.codegen", "hand": "NumPy", "loop": "NumPy, per sample", "gemm": "np.dot"}
    for name, off in (("torch", args.no_torch), ("jax", args.no_jax)):
        if off:
            peers[name] = "skipped (--no-" + name + ")"
            continue
        version = c._version(name)  # not imported here: torch and jax run in processes of their own
        if version == "not installed" or importlib.util.find_spec(name) is None:
            peers[name] = "not installed"
        else:
            peers[name] = f"{name} {version}" + (f", {THREADS} and 1 threads" if name == "torch" else ", CPU")
    return peers


# ---------------------------------------------------------------------------
# peers in processes of their own (their thread pools apart from NumPy's OpenBLAS)

PEER_PROCESSES = ("torch", "torch_1t", "jax")  # torch with THREADS threads, torch with 1, jax
LOCAL_SETTLE = 0.01  # s before a NumPy block (the peers' OpenMP/XLA pools spin only briefly)


class Remote:
    """A peer in its own process, driven over a pipe: setup, calibrate, block."""

    def __init__(self, name: str):
        self.name = name
        self.functions = ("step", "gemm") if name == "torch" else ("step",)
        self.process = subprocess.Popen(
            [sys.executable, __file__, "--peer-worker", name], stdin=subprocess.PIPE,
            stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True, env=c.child_env(),
        )

    def ask(self, **message) -> dict:
        self.process.stdin.write(json.dumps(message) + "\n")
        self.process.stdin.flush()
        line = self.process.stdout.readline()
        if not line:
            raise RuntimeError(f"{self.name} worker exited ({self.process.poll()})")
        reply = json.loads(line)
        if "error" in reply:
            raise RuntimeError(f"{self.name}: {reply['error']}")
        return reply

    def setup(self, problem: str, out: str) -> None:
        self.ask(cmd="setup", problem=problem, out=out)

    def close(self) -> None:
        try:
            self.ask(cmd="quit")
        except (RuntimeError, OSError, ValueError):
            pass
        self.process.wait(timeout=30)


class RemoteCandidate:
    """One function of a ``Remote`` as a candidate of ``common.interleaved``."""

    def __init__(self, remote: Remote, fn: str, settle: float):
        self.remote, self.fn, self.settle = remote, fn, settle

    def prepare(self) -> None:
        time.sleep(self.settle)  # OpenBLAS's threads here spin ~0.1 s after NumPy's last call

    def calibrate(self, target: float) -> int:
        self.prepare()
        return self.remote.ask(cmd="calibrate", fn=self.fn, target=target)["n"]

    def block(self, n: int) -> float:
        return self.remote.ask(cmd="block", fn=self.fn, n=n)["t"]


def peer_worker(name: str) -> None:
    """The worker's loop: JSON requests on stdin, one JSON reply per line on stdout."""
    if name.startswith("torch"):
        import torch

        torch.set_num_threads(1 if name == "torch_1t" else THREADS)
    fns: dict = {}
    for line in sys.stdin:
        message = json.loads(line)
        try:
            reply = _serve(name, message, fns)
        except Exception as err:  # noqa: BLE001  (reported to the coordinator)
            reply = {"error": f"{type(err).__name__}: {err}"}
        print(json.dumps(reply), flush=True)
        if message["cmd"] == "quit":
            return


def _serve(name: str, message: dict, fns: dict) -> dict:
    cmd = message["cmd"]
    if cmd == "setup":
        with np.load(message["problem"]) as data:
            problem = {k: data[k] for k in data.files}
        x, y = problem.pop("x"), problem.pop("y")
        L = sum(k.startswith("W") for k in problem)
        made = (jax_step if name == "jax" else torch_step)(problem, x, y, L)
        if made is None:
            raise RuntimeError("not installed")
        fns.clear()
        fns["step"], as_dict = made
        if name == "torch":
            import torch

            layers = [problem["W1"].shape[1]] + [problem[f"W{l}"].shape[0] for l in range(1, L + 1)]
            fns["gemm"], _ = gemm_products(layers, x.shape[0], x.dtype, np.random.default_rng(2),
                                           dot=torch.mm, transpose=torch.t, convert=torch.from_numpy)
        np.savez(message["out"], **as_dict())
        return {"ok": True}
    if cmd == "calibrate":
        return {"n": c.calibrate(fns[message["fn"]], message["target"])}
    if cmd == "block":
        return {"t": c._block(fns[message["fn"]], message["n"])}
    return {"ok": True}


if __name__ == "__main__":
    if len(sys.argv) == 3 and sys.argv[1] == "--peer-worker":
        peer_worker(sys.argv[2])
    else:
        main()

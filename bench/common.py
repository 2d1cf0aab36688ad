"""Shared helpers of the benchmarks: the machine, timing, medians, fits, Markdown.

Input: none (helpers only).  Output: dictionaries and Markdown text that the
bench_*.py scripts print and that run_all.py assembles into bench/RESULTS.md.

Timing rules (the machine is shared and noisy): peers are measured side by
side in one run, in interleaved rounds (every candidate once per round, the
order rotated from round to round), and reported as medians over rounds and
as medians of the per-round ratios.
"""

from __future__ import annotations

import json
import math
import os
import platform
import re
import shutil
import statistics
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
BENCH = ROOT / "bench"
if str(ROOT) not in sys.path:  # run from a checkout without installing derive
    sys.path.append(str(ROOT))


# ---------------------------------------------------------------------------
# the machine


def machine() -> dict:
    """CPU model, cores, memory, Python and library versions, the BLAS kernel that runs."""
    info = {
        "cpu": _lscpu("Model name") or platform.processor() or "unknown",
        "cores": os.cpu_count(),
        "memory": _memory(),
        "python": platform.python_version(),
        "platform": platform.platform(),
        "OPENBLAS_CORETYPE": os.environ.get("OPENBLAS_CORETYPE", "(unset)"),
        "OPENBLAS_L2_SIZE": os.environ.get("OPENBLAS_L2_SIZE", "(unset)"),
        "load": load(),
    }
    for name in ("numpy", "sympy", "jinja2", "click", "torch", "jax", "symengine"):
        info[name] = _version(name)
    info["blas"] = _blas()
    return info


def load() -> str:
    """The 1, 5 and 15 minute load averages (other work on this shared machine)."""
    try:
        return " / ".join(f"{x:.2f}" for x in os.getloadavg())
    except OSError:
        return "unknown"


def _lscpu(field: str) -> str | None:
    try:
        out = subprocess.run(["lscpu"], capture_output=True, text=True, timeout=10, check=False).stdout
    except (OSError, subprocess.SubprocessError):
        return None
    m = re.search(rf"^{field}:\s*(.+)$", out, re.MULTILINE)
    return m.group(1).strip() if m else None


def _memory() -> str:
    try:
        text = Path("/proc/meminfo").read_text()
    except OSError:
        return "unknown"
    m = re.search(r"MemTotal:\s+(\d+) kB", text)
    return f"{int(m.group(1)) / 2**20:.1f} GiB" if m else "unknown"


def _version(name: str) -> str:
    from importlib import metadata

    try:
        return metadata.version(name)
    except metadata.PackageNotFoundError:
        return "not installed"


def _blas() -> str:
    try:
        import numpy  # noqa: F401  (loads the BLAS so that threadpoolctl sees it)
        from threadpoolctl import threadpool_info
    except ImportError:
        return "unknown (threadpoolctl not installed)"
    rows = [
        f"{p.get('internal_api')} {p.get('version')} kernel {p.get('architecture', '?')}, "
        f"{p.get('num_threads')} threads ({Path(p.get('filepath', '')).name})"
        for p in threadpool_info()
        if p.get("user_api") == "blas"
    ]
    return "; ".join(rows) or "none found"


def machine_markdown(info: dict) -> str:
    rows = [
        ("CPU", info["cpu"]),
        ("cores (os.cpu_count)", info["cores"]),
        ("memory", info["memory"]),
        ("platform", info["platform"]),
        ("Python", info["python"]),
        ("NumPy", info["numpy"]),
        ("BLAS (threadpoolctl)", info["blas"]),
        ("OPENBLAS_CORETYPE / OPENBLAS_L2_SIZE", f"{info['OPENBLAS_CORETYPE']} / {info['OPENBLAS_L2_SIZE']}"),
        ("SymPy", info["sympy"]),
        ("SymEngine", info["symengine"]),
        ("PyTorch", info["torch"]),
        ("JAX", info["jax"]),
        ("load average 1/5/15 min at start", info["load"]),
    ]
    return table(["", ""], rows)


# ---------------------------------------------------------------------------
# timing


def median(xs) -> float:
    return statistics.median(xs)


def calibrate(fn: Callable[[], object], target: float = 0.02, cap: int = 100_000,
              prepare: Callable[[], object] = lambda: None) -> int:
    """Calls per timed block so that one block takes about ``target`` seconds."""
    prepare()
    fn()
    n = 1
    while True:
        prepare()
        t = _block(fn, n)
        if t >= target / 4 or n >= cap:
            return max(1, min(cap, math.ceil(n * target / max(t, 1e-9))))
        n *= 4


def _block(fn: Callable[[], object], n: int) -> float:
    t0 = time.perf_counter()
    for _ in range(n):
        fn()
    return time.perf_counter() - t0


class Local:
    """A candidate run in this process: ``fn`` timed, ``before`` untimed before each block."""

    def __init__(self, fn: Callable[[], object], before: Callable[[], object] = lambda: None,
                 settle: float = 0.0):
        self.fn, self.before, self.settle = fn, before, settle

    def prepare(self) -> None:
        self.before()
        if self.settle:
            time.sleep(self.settle)

    def calibrate(self, target: float) -> int:
        return calibrate(self.fn, target, prepare=self.prepare)

    def block(self, n: int) -> float:
        return _block(self.fn, n)


def interleaved(candidates: dict, rounds: int, target: float = 0.02) -> dict[str, list[float]]:
    """Seconds per call of every candidate, one block per candidate and round, order rotated.

    A candidate is a callable or an object with ``prepare()`` (untimed, before
    each block), ``calibrate(target)`` → calls per block and ``block(n)`` →
    seconds for n calls (``Local``, or a peer in another process).
    """
    names = list(candidates)
    cands = {k: v if hasattr(v, "block") else Local(v) for k, v in candidates.items()}
    calls = {name: cands[name].calibrate(target) for name in names}
    times: dict[str, list[float]] = {name: [] for name in names}
    for r in range(rounds):
        shift = r % len(names)
        for name in names[shift:] + names[:shift]:
            cands[name].prepare()
            times[name].append(cands[name].block(calls[name]) / calls[name])
    return times


def paired_ratio(times: dict[str, list[float]], a: str, b: str) -> float:
    """Median over rounds of time(a) / time(b) measured in the same round."""
    return median([x / y for x, y in zip(times[a], times[b])])


def run_timed(cmd: list[str], cwd: Path | None = None, env: dict | None = None) -> float:
    """Wall seconds of a subprocess; raises with its stderr if it fails."""
    t0 = time.perf_counter()
    p = subprocess.run(cmd, cwd=cwd, env=env, capture_output=True, text=True, check=False)
    elapsed = time.perf_counter() - t0
    if p.returncode != 0:
        raise RuntimeError(f"{' '.join(cmd)} exited {p.returncode}: {p.stderr.strip()[-500:]}")
    return elapsed


def derive_command() -> list[str]:
    """The ``derive`` console script when installed next to this Python, else ``python cli.py``."""
    script = Path(sys.executable).parent / "derive"
    if script.exists():
        return [str(script)]
    found = shutil.which("derive")
    if found:
        return [found]
    return [sys.executable, str(ROOT / "cli.py")]


def child_env() -> dict:
    """The environment of child processes: this one, with the checkout importable."""
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(ROOT), env.get("PYTHONPATH")]))
    return env


def fit_exponent(xs, ys) -> float:
    """Least-squares slope of log y against log x."""
    lx, ly = [math.log(x) for x in xs], [math.log(y) for y in ys]
    mx, my = sum(lx) / len(lx), sum(ly) / len(ly)
    return sum((a - mx) * (b - my) for a, b in zip(lx, ly)) / sum((a - mx) ** 2 for a in lx)


# ---------------------------------------------------------------------------
# output


def fmt_time(t: float | None) -> str:
    if t is None or (isinstance(t, float) and math.isnan(t)):
        return "–"
    if t >= 3600:
        return f"{t:,.0f} s ({t / 3600:,.1f} h)"
    if t >= 100:
        return f"{t:,.0f} s"
    if t >= 1:
        return f"{t:.2f} s"
    if t >= 1e-3:
        return f"{t * 1e3:.2f} ms"
    return f"{t * 1e6:.1f} µs"


def table(header: list[str], rows: list) -> str:
    lines = ["| " + " | ".join(header) + " |", "|" + "|".join("---" for _ in header) + "|"]
    lines += ["| " + " | ".join(str(c) for c in row) + " |" for row in rows]
    return "\n".join(lines)


def target_row(name: str, target: str, measured: str, met: bool | None) -> dict:
    """One line of the targets table; ``met`` None means not measured."""
    return {"target": name, "goal": target, "measured": measured,
            "status": "not measured" if met is None else "met" if met else "NOT met"}


def save(name: str, result: dict, path: Path | None) -> None:
    """Write ``result`` as JSON (for run_all.py) and print its Markdown."""
    if path is not None:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(json.dumps(result, indent=1, default=str))
    print(result["markdown"])

"""Benchmark: start-up — importing derive, importing a generated module, ``derive --help``.

Input: command-line options (``--quick``: fewer rounds).  Output: Markdown on
stdout and, with ``--json PATH``, the numbers as JSON for bench/run_all.py.

* ``python -X importtime -c "import derive"``: derive's own cumulative import
  time and the heaviest imports under it;
* the same for a generated module (backprop_784_30_10), which must not import
  SymPy (nor derive);
* wall time of those two imports and of ``derive --help`` as subprocesses,
  against a bare ``python -c pass``, in interleaved rounds.
"""

from __future__ import annotations

import argparse
import re
import subprocess
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import common as c

MODULE_LAYERS = (784, 30, 10)
TARGET_HELP = 1.0  # s: "well under a second"; also reported against 0.5 s


def importtime(statement: str, cwd: Path) -> dict:
    """Per-module cumulative import times (µs) from ``python -X importtime``."""
    p = subprocess.run([sys.executable, "-X", "importtime", "-c", statement], capture_output=True,
                       text=True, cwd=cwd, env=c.child_env(), check=False)
    if p.returncode != 0:
        raise RuntimeError(p.stderr[-500:])
    rows = {}
    for line in p.stderr.splitlines():
        m = re.match(r"import time:\s+(\d+) \|\s+(\d+) \|(\s*)(\S+)", line)
        if m:
            rows[m.group(4)] = {"self": int(m.group(1)), "cumulative": int(m.group(2)),
                                "depth": (len(m.group(3)) - 1) // 2}
    return rows


def heaviest(rows: dict, top: str, n: int = 6) -> list[tuple[str, int]]:
    """The packages (names without a dot) other than ``top`` with the largest cumulative times."""
    out = [(k, v["cumulative"]) for k, v in rows.items() if "." not in k and k != top]
    return sorted(out, key=lambda t: -t[1])[:n]


def generate_module(folder: Path) -> str:
    import derive
    from derive.codegen import default_module_name, render

    name = default_module_name(MODULE_LAYERS)
    (folder / f"{name}.py").write_text(render(derive.derive(list(MODULE_LAYERS), nested="off")))
    return name


def measure(rounds: int) -> dict:
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        name = generate_module(folder)
        derive_rows = importtime("import derive", folder)
        module_rows = importtime(f"import {name}", folder)
        py = sys.executable
        commands = {
            "python -c pass": [py, "-c", "pass"],
            "python -c 'import numpy'": [py, "-c", "import numpy"],
            "python -c 'import derive'": [py, "-c", "import derive"],
            f"python -c 'import {name}'": [py, "-c", f"import {name}"],
            "derive --help": [*c.derive_command(), "--help"],
        }
        times = {k: [] for k in commands}
        for r in range(rounds):
            for k, cmd in commands.items():
                times[k].append(c.run_timed(cmd, cwd=folder, env=c.child_env()))
    return {"derive_rows": derive_rows, "module_rows": module_rows, "module": name,
            "times": {k: c.median(v) for k, v in times.items()}}


def summarise(m: dict, rounds: int) -> dict:
    mods = m["module_rows"]
    forbidden = sorted(k for k in mods if k.split(".")[0] in ("sympy", "derive", "mpmath"))
    help_t = m["times"]["derive --help"]
    d_own = m["derive_rows"].get("derive", {}).get("cumulative", 0) / 1e6
    mod_own = mods.get(m["module"], {}).get("cumulative", 0) / 1e6
    targets = [
        c.target_row("start-up: generated module never imports SymPy (or derive)", "no sympy/derive/mpmath",
                      "imports none of them" if not forbidden else "imports " + ", ".join(forbidden[:5]),
                      not forbidden),
        c.target_row("start-up: `derive --help` wall time", f"well under {TARGET_HELP:g} s (read as ≤ 0.5 s)",
                     f"{help_t:.2f} s", help_t <= 0.5),
    ]
    res = {"rounds": rounds, "times": m["times"], "derive_import": d_own, "module_import": mod_own,
           "derive_heaviest": heaviest(m["derive_rows"], "derive"), "module_heaviest": heaviest(mods, m["module"]),
           "forbidden": forbidden, "module": m["module"], "targets": targets}
    res["markdown"] = markdown(res)
    return res


def markdown(res: dict) -> str:
    t = c.fmt_time
    lines = [
        "## Start-up",
        "",
        f"`python -X importtime`: `import derive` takes {t(res['derive_import'])} cumulative; "
        f"`import {res['module']}` (a generated module) {t(res['module_import'])}, importing "
        + ("neither SymPy nor derive." if not res["forbidden"] else "**" + ", ".join(res["forbidden"]) + "**."),
        "",
        "Heaviest packages imported by `import derive` (cumulative): "
        + ", ".join(f"{k} {t(v / 1e6)}" for k, v in res["derive_heaviest"]) + ".",
        "",
        "Heaviest packages imported by the generated module: "
        + ", ".join(f"{k} {t(v / 1e6)}" for k, v in res["module_heaviest"]) + ".",
        "",
        f"Wall time of whole processes, medians of {res['rounds']} interleaved rounds:",
        "",
        c.table(["command", "median"], [(f"`{k}`", t(v)) for k, v in res["times"].items()]),
    ]
    return "\n".join(lines) + "\n"


def main(argv=None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--quick", action="store_true", help="smoke run: two rounds")
    ap.add_argument("--rounds", type=int, default=9)
    ap.add_argument("--json", type=Path)
    args = ap.parse_args(argv)
    rounds = 2 if args.quick else args.rounds
    c.save("startup", summarise(measure(rounds), rounds), args.json)


if __name__ == "__main__":
    main()

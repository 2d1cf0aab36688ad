"""Benchmark: the document and code commands for 4,3,2, and where their time goes.

Input: command-line options (``--quick``: one round).  Output: Markdown on
stdout and, with ``--json PATH``, the numbers as JSON for bench/run_all.py.

Whole commands, as subprocesses, wall time, in interleaved rounds:

* ``derive --layers 4,3,2 --latex --markdown --code --verify``  (target ≤ 2 s)
* the same with ``--pdf``                                          (target ≤ 5 s)

and a breakdown measured in a fresh process per round, stage by stage, calling
the same library functions the command calls: imports, derivation, the engine's
verification, rendering (LaTeX, Markdown, code), numeric verification of the
generated module (with ``import torch`` separately when torch is installed),
writing, and TeX.
"""

from __future__ import annotations

import argparse
import json
import math
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import common as c

LAYERS = "4,3,2"
FLAGS = ["--latex", "--markdown", "--code", "--verify"]
TARGET_DOCS = 2.0
TARGET_PDF = 5.0
STAGES = ["import", "derivation", "engine verification", "render LaTeX", "render Markdown",
          "render code", "import torch", "numeric verification", "write files", "TeX"]


def worker(folder: str, layers: str) -> dict:
    """Every stage of the command once, timed; a stage whose feature is missing is reported."""
    out, missing = {}, {}
    t = time.perf_counter()
    import cli
    import derive

    out["import"] = time.perf_counter() - t
    t = time.perf_counter()
    spec = derive.make_spec(layers)
    d = derive.collapse(derive.chain(derive.graph(spec)))
    out["derivation"] = time.perf_counter() - t
    t = time.perf_counter()
    v = derive.verify(d)
    out["engine verification"] = time.perf_counter() - t
    assert v.passed
    from dataclasses import replace

    d = replace(d, verification=v)
    files = {}
    for stage, ext in (("render LaTeX", "tex"), ("render Markdown", "md")):
        t = time.perf_counter()
        try:
            from derive.document import render

            files[f"derivation.{ext}"] = render(d, "en", ext).encode()
        except ImportError as err:
            missing[stage] = str(err)
            continue
        out[stage] = time.perf_counter() - t
    t = time.perf_counter()
    from derive.codegen import default_module_name
    from derive.codegen import render as render_code

    name = default_module_name(spec.layers)
    source = render_code(d)
    files[f"{name}.py"] = source.encode()
    out["render code"] = time.perf_counter() - t
    t = time.perf_counter()
    try:
        import torch  # noqa: F401  (numcheck's autograd reference imports it)

        out["import torch"] = time.perf_counter() - t
    except ImportError:
        missing["import torch"] = "torch not installed (autograd reference skipped)"
    t = time.perf_counter()
    from derive import numcheck

    checked = numcheck.verify_code(d, source, name, style="matrix", seed=0)
    files["verification.json"] = numcheck.to_json(checked).encode()
    files["verification.md"] = numcheck.to_markdown(checked).encode()
    out["numeric verification"] = time.perf_counter() - t
    assert checked.passed
    t = time.perf_counter()
    cli.write_outputs(Path(folder), files)
    out["write files"] = time.perf_counter() - t
    t = time.perf_counter()
    try:
        from derive.pdf import build_pdf

        build_pdf(files["derivation.tex"].decode(), Path(folder) / "derivation.pdf")
        out["TeX"] = time.perf_counter() - t
    except Exception as err:  # noqa: BLE001  (TeX missing or failing: report, do not time)
        missing["TeX"] = f"{type(err).__name__}: {err}"
    return {"times": out, "missing": missing}


def _worker(folder: str, layers: str) -> dict:
    cmd = [sys.executable, __file__, "--worker", folder, layers]
    p = subprocess.run(cmd, capture_output=True, text=True, env=c.child_env(), cwd=folder, check=False)
    if p.returncode != 0:
        raise RuntimeError(f"docs worker failed: {p.stderr.strip()[-800:]}")
    return json.loads(p.stdout.strip().splitlines()[-1])


# The command with torch made unimportable, as on an installation without the torch extra.
NO_TORCH = "import sys; sys.modules['torch'] = None; import cli; cli.main()"


def measure(rounds: int, layers: str) -> dict:
    cmd = c.derive_command()
    runs = {"docs": [], "no_torch": [], "pdf": []}
    parts = []
    with tempfile.TemporaryDirectory() as tmp:
        for r in range(rounds):
            print(f"  round {r + 1}/{rounds}", file=sys.stderr, flush=True)
            for kind in ("docs", "no_torch", "pdf", "parts"):
                folder = Path(tmp) / f"{kind}{r}"
                folder.mkdir()
                if kind == "parts":
                    parts.append(_worker(str(folder), layers))
                    continue
                base = [sys.executable, "-c", NO_TORCH] if kind == "no_torch" else cmd
                flags = FLAGS + (["--pdf"] if kind == "pdf" else [])
                try:
                    t = c.run_timed([*base, "--layers", layers, *flags, "-o", str(folder)], env=c.child_env())
                except RuntimeError as err:
                    t = float("nan")
                    print(f"  {kind}: {err}", file=sys.stderr)
                runs[kind].append(t)
    return {**runs, "parts": parts, "command": cmd, "layers": layers}


def summarise(m: dict, rounds: int) -> dict:
    med = {s: c.median([p["times"][s] for p in m["parts"]]) for s in STAGES
           if all(s in p["times"] for p in m["parts"])}
    missing = m["parts"][0]["missing"]
    docs, pdf, no_torch = c.median(m["docs"]), c.median(m["pdf"]), c.median(m["no_torch"])
    ok = lambda t, goal: None if math.isnan(t) else t <= goal
    targets = [
        c.target_row(f"documents: derive --layers {m['layers']} {' '.join(FLAGS)}", f"≤ {TARGET_DOCS:g} s",
                     f"{docs:.2f} s with torch installed (autograd reference); {no_torch:.2f} s without",
                     ok(docs, TARGET_DOCS)),
        c.target_row("documents: the same with --pdf", f"≤ {TARGET_PDF:g} s", f"{pdf:.2f} s",
                     ok(pdf, TARGET_PDF)),
    ]
    res = {"rounds": rounds, "docs": docs, "pdf": pdf, "no_torch": no_torch, "stages": med, "missing": missing,
           "targets": targets, "command": m["command"], "layers": m["layers"]}
    res["markdown"] = markdown(res)
    return res


def markdown(res: dict) -> str:
    t = c.fmt_time
    name = " ".join(Path(x).name for x in res["command"])
    total = sum(res["stages"].values())
    rows = [(s, t(v), f"{v / total:.0%}") for s, v in res["stages"].items()]
    rows.append(("sum of stages", t(total), "100%"))
    lines = [
        "## Documents and code for 4,3,2",
        "",
        f"Wall time of the whole command (`{name}`), medians of {res['rounds']} interleaved rounds:",
        "",
        c.table(["command", "median"], [
            (f"`derive --layers {res['layers']} {' '.join(FLAGS)}`", t(res["docs"])),
            ((f"`derive --layers {res['layers']} {' '.join(FLAGS)}`, torch not importable "
              "(as without the torch extra: no autograd reference)"), t(res["no_torch"])),
            (f"`derive --layers {res['layers']} {' '.join(FLAGS)} --pdf`", t(res["pdf"])),
        ]),
        "",
        ("Where the time goes (each stage timed in a fresh process calling the library functions the "
         "command calls, medians, one after the other; the rest of the command's wall time is interpreter "
         "start-up and the summary.  The command itself imports torch in a worker process started at once "
         "(see README, Generated code), so that stage overlaps the others there):"),
        "",
        c.table(["stage", "median", "share"], rows),
    ]
    if res["missing"]:
        lines += ["", "Not measured: " + "; ".join(f"{k}: {v}" for k, v in res["missing"].items()) + "."]
    return "\n".join(lines) + "\n"


def main(argv=None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--quick", action="store_true", help="smoke run: one round")
    ap.add_argument("--rounds", type=int, default=5)
    ap.add_argument("--layers", default=LAYERS, help=argparse.SUPPRESS)
    ap.add_argument("--json", type=Path)
    ap.add_argument("--worker", nargs=2, metavar=("FOLDER", "LAYERS"), help=argparse.SUPPRESS)
    args = ap.parse_args(argv)
    if args.worker:
        print(json.dumps(worker(*args.worker)))
        return
    rounds = 1 if args.quick else args.rounds
    c.save("docs", summarise(measure(rounds, args.layers), rounds), args.json)


if __name__ == "__main__":
    main()

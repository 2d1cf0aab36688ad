"""Smoke test of the benchmarks: each script's quick mode runs on its smallest case.

No timing is asserted (speed is measured in bench/, never in tests); these
tests only prove that every benchmark runs, checks its peers' gradients and
produces its report with a targets table.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
BENCH = ROOT / "bench"


def run(script: str, *args: str, tmp_path: Path) -> dict:
    out = tmp_path / f"{script}.json"
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    p = subprocess.run(
        [sys.executable, str(BENCH / script), "--json", str(out), *args],
        capture_output=True, text=True, env=env, timeout=600, check=False)
    assert p.returncode == 0, p.stderr[-2000:]
    result = json.loads(out.read_text())
    assert result["markdown"].startswith("## ")
    assert result["markdown"] in p.stdout
    return result


def test_bench_derive_quick(tmp_path):
    r = run("bench_derive.py", "--quick", tmp_path=tmp_path)
    (row,) = r["rows"]
    assert row["layers"] == "4,3,2" and row["parameters"] == 23
    assert row["naive"] > 0 and row["total"] > 0
    assert "4,3,2" in r["speedup"]


def test_bench_step_quick_smallest(tmp_path):
    r = run("bench_step.py", "--quick", "--archs", "4-3-2", "--batches", "2", "--rounds", "1", "--settle", "0.01",
            tmp_path=tmp_path)
    (config,) = r["configs"]
    assert config["layers"] == "4-3-2" and config["batch"] == 2
    assert {"generated", "hand", "loop", "gemm"} <= set(config["median"])
    assert any(t["target"].startswith("generated step: no slower") for t in r["targets"])


def test_bench_docs_quick(tmp_path):
    r = run("bench_docs.py", "--quick", tmp_path=tmp_path)
    assert {"import", "derivation", "engine verification", "render code"} <= set(r["stages"])
    assert len(r["targets"]) == 2


def test_bench_startup_quick(tmp_path):
    r = run("bench_startup.py", "--quick", tmp_path=tmp_path)
    assert r["forbidden"] == [], "a generated module must not import SymPy or derive"
    assert "derive --help" in r["times"]


def test_variants_quick(tmp_path):
    r = run("variants_step.py", "--quick", tmp_path=tmp_path)
    (row,) = r["rows"]
    assert row[0] == "4-3-2" and r["names"][0] == "as generated"


@pytest.mark.parametrize("script", ["bench_derive.py", "bench_step.py", "bench_docs.py",
                                    "bench_startup.py", "variants_step.py", "run_all.py"])
def test_help(script):
    p = subprocess.run([sys.executable, str(BENCH / script), "--help"], capture_output=True, text=True, check=False)
    assert p.returncode == 0 and "--quick" in p.stdout

"""A wheel built from this checkout works when installed normally, from any directory."""

import subprocess
import sys
import venv
import zipfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture(scope="module")
def wheel(tmp_path_factory) -> Path:
    pytest.importorskip("hatchling")
    out = tmp_path_factory.mktemp("wheel")
    subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "--quiet", "--no-deps", "--no-build-isolation", "-w", str(out), str(ROOT)],
        check=True,
    )
    (found,) = out.glob("derive-*.whl")
    return found


def test_wheel_ships_the_templates_and_the_command(wheel):
    names = zipfile.ZipFile(wheel).namelist()
    templates = sorted(p.name for p in (ROOT / "templates").iterdir() if p.is_file())
    for name in templates:
        assert f"derive/templates/{name}" in names
    assert "cli.py" in names
    entry_points = next(n for n in names if n.endswith("entry_points.txt"))
    assert "derive = cli:main" in zipfile.ZipFile(wheel).read(entry_points).decode()


def test_installed_wheel_runs_outside_the_checkout(wheel, tmp_path):
    env_dir = tmp_path / "venv"
    venv.EnvBuilder(system_site_packages=True, with_pip=False).create(env_dir)
    python = env_dir / "bin" / "python"
    subprocess.run(
        [sys.executable, "-m", "pip", "--python", str(python), "install", "--quiet", "--no-deps", str(wheel)],
        check=True,
    )
    work = tmp_path / "elsewhere"
    work.mkdir()
    result = subprocess.run(
        [str(env_dir / "bin" / "derive"), "--layers", "2,1", "--json", "--markdown", "--code", "-o", "out"],
        cwd=work,
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    written = sorted(p.name for p in (work / "out").iterdir())
    assert "derivation.json" in written and "derivation.md" in written
    assert any(name.startswith("backprop_") for name in written)
    where = subprocess.run(
        [str(python), "-c", "import derive; print(derive.__file__)"], cwd=work, capture_output=True, text=True, check=True
    )
    assert str(env_dir) in where.stdout  # the installed copy, not the checkout

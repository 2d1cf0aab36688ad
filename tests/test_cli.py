"""The derive command: output, files, and every kind of bad input."""

import json
import os
from pathlib import Path

import pytest
from click.testing import CliRunner

import derive
from cli import main

BAD_LAYERS = ["4,,2", "4", "0,3", "-1,2", "a,b", "4.5,2", "", "100000,2", "4000,4000,4000"]


@pytest.fixture
def runner():
    return CliRunner()


def test_summary_and_json(runner, tmp_path):
    result = runner.invoke(main, ["--layers", "4,3,2", "--json", "-o", str(tmp_path)])
    assert result.exit_code == 0, result.output
    out = result.output
    assert "23 parameters" in out
    assert "δ¹     = σ'(z¹) ⊙ (W²)ᵀ δ²   (BP2)" in out
    assert "δ²     = σ'(z²) ⊙ 2(a² − y)   (BP1)" in out
    assert "∂C/∂W¹ = δ¹ (a⁰)ᵀ   (BP3)" in out
    assert "nested diff (b): passed" in out
    data = json.loads((tmp_path / "derivation.json").read_text())
    assert data["layers"] == [4, 3, 2]
    assert [p.name for p in tmp_path.iterdir()] == ["derivation.json"]  # no temporary files left


@pytest.fixture
def empty_cwd(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    return tmp_path


def test_default_folder_is_output_slash_sizes(runner, empty_cwd):
    result = runner.invoke(main, ["--layers", "2,1", "--json"])
    assert result.exit_code == 0, result.output
    assert Path("output/2-1/derivation.json").is_file()


def test_without_json_nothing_is_written(runner, empty_cwd):
    assert runner.invoke(main, ["--layers", "2,1"]).exit_code == 0
    assert os.listdir(".") == []


@pytest.mark.parametrize("bad", BAD_LAYERS)
def test_bad_layers_one_line_exit_2_nothing_written(runner, empty_cwd, bad):
    result = runner.invoke(main, ["--layers", bad, "--json", "--latex", "--code"])
    assert result.exit_code == 2
    lines = result.output.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("derive: error: ")
    assert "Traceback" not in result.output
    assert bad.split(",")[0] in lines[0] or bad == "" or ",," in bad
    assert os.listdir(".") == []


def test_missing_layers(runner):
    result = runner.invoke(main, [])
    assert result.exit_code == 2 and "--layers is required" in result.output


def test_unwritable_out(runner, tmp_path):
    blocker = tmp_path / "file"
    blocker.write_text("x")
    result = runner.invoke(main, ["--layers", "2,1", "--json", "-o", str(blocker / "sub")])
    assert result.exit_code == 2
    assert result.output.startswith("derive: error: cannot create --out folder")
    assert len(result.output.strip().splitlines()) == 1


@pytest.mark.skipif(os.geteuid() == 0, reason="root can write to read-only folders")
def test_read_only_out(runner, tmp_path):
    tmp_path.chmod(0o500)
    try:
        result = runner.invoke(main, ["--layers", "2,1", "--json", "-o", str(tmp_path)])
    finally:
        tmp_path.chmod(0o700)
    assert result.exit_code == 2 and "cannot write" in result.output


def test_failed_write_leaves_nothing(runner, tmp_path, monkeypatch):
    """A write that fails part-way (disk full) leaves no file of the run, as root too."""
    real = os.fdopen
    opened = []

    def full_disk(fd, *args, **kwargs):
        fh = real(fd, *args, **kwargs)
        opened.append(fh)
        if len(opened) == 2:  # the second file: the first is already staged
            fh.close()
            raise OSError(28, "No space left on device")
        return fh

    monkeypatch.setattr("cli.os.fdopen", full_disk)
    out = tmp_path / "o"
    result = runner.invoke(main, ["--layers", "2,1", "--json", "--markdown", "-o", str(out)])
    assert result.exit_code == 2, result.output
    assert result.output.strip() == f"derive: error: cannot write to --out folder {str(out)!r}: No space left on device"
    assert len(opened) == 2 and list(out.iterdir()) == []


def test_version_and_help(runner):
    assert derive.__version__ in runner.invoke(main, ["--version"]).output
    result = runner.invoke(main, ["--help"])
    assert result.exit_code == 0 and "--layers" in result.output


def test_same_command_same_bytes(runner, tmp_path):
    for folder in ("one", "two"):
        assert runner.invoke(main, ["--layers", "3,2,2", "--json", "-o", str(tmp_path / folder)]).exit_code == 0
    assert (tmp_path / "one/derivation.json").read_bytes() == (tmp_path / "two/derivation.json").read_bytes()


def test_interrupt_is_clean(runner, tmp_path, monkeypatch):
    def interrupted(*args, **kwargs):
        raise KeyboardInterrupt

    monkeypatch.setattr(derive, "derive", interrupted)
    result = runner.invoke(main, ["--layers", "2,1", "--json", "-o", str(tmp_path / "o")])
    assert result.exit_code == 130 and "interrupted; nothing written" in result.output
    assert not (tmp_path / "o").exists()

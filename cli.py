"""The ``derive`` command: parse options, call the library, write files, report.

Input: command-line options.  Output: files in ``--out`` (written to a
temporary name, then renamed, so nothing is ever half-written) and a short
human summary on stdout.  Bad input: one line on stderr, exit status 2.
"""

from __future__ import annotations

import os
import sys
import tempfile
from contextlib import contextmanager
from pathlib import Path

import click

import derive
from derive.printing import unicode
from derive.rules import ACTIVATIONS, COSTS

EXIT_USAGE = 2
PROGRESS_THRESHOLD = 2_000  # parameters: show a progress bar above this
AUTOGRAD_TIMEOUT = 600  # seconds the autograd worker may take to import torch and answer
SHOWN = 8  # equations per kind printed in the summary


class Failure(click.ClickException):
    """A one-line error, exit status 2, no traceback."""

    exit_code = EXIT_USAGE

    def show(self, file=None) -> None:
        click.echo(f"derive: error: {self.format_message()}", err=True)


@click.group(invoke_without_command=True, context_settings={"help_option_names": ["-h", "--help"]})
@click.option("--layers", metavar="N0,N1,...,NL", help="Layer sizes, input first: 4,3,2.")
@click.option("--activation", type=click.Choice(sorted(ACTIVATIONS)), default="sigmoid", show_default=True)
@click.option("--cost", type=click.Choice(sorted(COSTS)), default="quadratic", show_default=True)
@click.option("--json", "as_json", is_flag=True, help="Write derivation.json.")
@click.option("--latex", "as_latex", is_flag=True, help="Write the derivation document derivation.tex.")
@click.option("--markdown", "as_markdown", is_flag=True, help="Write the derivation document derivation.md.")
@click.option("--pdf", "as_pdf", is_flag=True, help="Compile derivation.pdf with pdflatex (implies --latex).")
@click.option(
    "--lang",
    type=click.Choice(["en", "es"]),
    default="en",
    show_default=True,
    help="Language of the documents (es: derivation.es.tex, .es.md, .es.pdf).",
)
@click.option("--code", "as_code", is_flag=True, help="Write the NumPy module backprop_<sizes>.py.")
@click.option(
    "--code-style",
    type=click.Choice(["matrix", "scalar"]),
    default="matrix",
    show_default=True,
    help="matrix: one line per equation and layer; scalar: every parameter unrolled (small networks).",
)
@click.option("--module-name", metavar="NAME", help="Module name for --code [default: backprop_<sizes>].")
@click.option(
    "--verify",
    "as_verify",
    is_flag=True,
    help="Check the generated module numerically (implies --code); writes verification.json/.md.",
)
@click.option(
    "-o",
    "--out",
    type=click.Path(file_okay=False, path_type=Path),
    help="Output folder [default: output/<sizes joined by ->].",
)
@click.option(
    "--nested-check",
    type=click.Choice(["auto", "exact", "numeric", "sampled", "off"]),
    default="auto",
    show_default=True,
    help="How to check the chain rule against diff of the nested cost.",
)
@click.option("--seed", type=int, default=0, show_default=True, help="Seed of the random checks.")
@click.version_option(derive.__version__, prog_name="derive")
@click.pass_context
def main(
    ctx, layers, activation, cost, as_json, as_latex, as_markdown, as_pdf, lang,
    as_code, code_style, module_name, as_verify, out, nested_check, seed,
):
    """Derive backpropagation for a fully connected network, step by step, and verify it."""
    if ctx.invoked_subcommand is not None:
        return
    if layers is None:
        raise Failure("--layers is required, e.g. derive --layers 4,3,2")
    with _reaped(_autograd_worker() if as_verify else None) as worker:
        _run(worker, **ctx.params)


def _run(
    worker, *, layers, activation, cost, as_json, as_latex, as_markdown, as_pdf, lang,
    as_code, code_style, module_name, as_verify, out, nested_check, seed,
):
    """The command's work (the options as ``main`` got them), the autograd ``worker`` (or None) started."""
    try:
        spec = derive.make_spec(layers, activation, cost)
        d = _derive(spec, nested_check, seed)
    except derive.SpecError as err:
        raise Failure(str(err)) from None
    except derive.VerificationError as err:
        click.echo(str(err), err=True)
        raise Failure("verification failed; nothing written") from None
    except KeyboardInterrupt:
        click.echo("derive: interrupted; nothing written", err=True)
        sys.exit(130)
    files = {}
    if as_json:
        from derive.export import to_json

        files["derivation.json"] = to_json(d).encode()
    # --verify runs first: its result (not its files) feeds the documents' appendix
    code_files, checked = _code(d, as_code or as_verify, code_style, module_name, as_verify, seed, worker)
    files.update(code_files)
    files.update(_documents(d, lang, as_latex or as_pdf, as_markdown, checked))
    folder = out if out is not None else Path("output") / spec.slug
    written = write_outputs(folder, files)
    click.echo(summary(d))
    for path in written:
        click.echo(f"wrote {path}")
    if as_pdf:
        click.echo(f"wrote {_pdf(files, folder, lang)}")
    if checked is not None:
        _report_verification(checked)


def _derive(spec, nested_check: str, seed: int):
    if spec.n_parameters <= PROGRESS_THRESHOLD:
        return derive.derive(spec.layers, spec.activation, spec.cost, nested=nested_check, seed=seed)
    from derive.verify import work

    with click.progressbar(length=work(spec), label="verifying", file=sys.stderr) as bar:
        return derive.derive(
            spec.layers, spec.activation, spec.cost, nested=nested_check, seed=seed, progress=bar.update
        )


class VerificationFailure(Failure):
    """The generated module disagrees with a reference: one line, exit status 1."""

    exit_code = 1


def _autograd_worker():
    """A process that imports torch while this one derives (``python derive/autograd.py``).

    torch's import takes about 0.9 s; on a second core it overlaps the
    symbolic work.  None (the reference then runs in this process, or is
    skipped) when torch is not installed or there is one core only.
    """
    import importlib.util
    import subprocess

    if (os.cpu_count() or 1) < 2 or importlib.util.find_spec("torch") is None:
        return None
    from derive import autograd

    # run as a script, not with -m: importing the derive package would import SymPy too
    return subprocess.Popen(
        [sys.executable, autograd.__file__],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
    )


@contextmanager
def _reaped(worker):
    """``worker`` while the command runs; killed if still running at the end (an error, an interrupt)."""
    try:
        yield worker
    finally:
        if worker is not None and worker.poll() is None:
            worker.kill()  # never asked: stop importing torch
            worker.wait()


def _asking(worker, spec):
    """``autograd_gradients`` for numcheck: sends the problem to the worker, decodes its answer."""
    import subprocess

    from derive import autograd

    def compute(params, x, y):
        request = autograd.encode_request(spec.layers, spec.activation, spec.cost, params, x, y)
        try:
            reply, _ = worker.communicate(request, timeout=AUTOGRAD_TIMEOUT)
        except subprocess.TimeoutExpired:
            raise autograd.Unavailable("worker_timeout", seconds=AUTOGRAD_TIMEOUT) from None
        if worker.returncode != 0:
            raise autograd.Unavailable("worker_failed", status=worker.returncode)
        return autograd.decode_reply(reply)

    return compute


def _code(d, wanted: bool, style: str, module_name, verify: bool, seed: int, worker=None):
    """The generated module and, with --verify, its numeric verification reports."""
    if not wanted:
        return {}, None
    from derive import numcheck
    from derive.codegen import CodegenError, CodeOptions, check_options, render

    options = CodeOptions(style, module_name)
    try:
        name = check_options(d, options)
    except CodegenError as err:
        raise Failure(str(err)) from None
    source = render(d, options)
    files = {f"{name}.py": source.encode()}
    if not verify:
        return files, None
    kwargs = {"style": style, "seed": seed}
    if worker is not None:
        kwargs["autograd_gradients"] = _asking(worker, d.spec)
    try:
        if d.spec.n_parameters <= PROGRESS_THRESHOLD:
            checked = numcheck.verify_code(d, source, name, **kwargs)
        else:
            with click.progressbar(length=numcheck.work(d), label="checking gradients", file=sys.stderr) as bar:
                checked = numcheck.verify_code(d, source, name, progress=bar.update, **kwargs)
    except KeyboardInterrupt:
        click.echo("derive: interrupted; nothing written", err=True)
        sys.exit(130)
    files["verification.json"] = numcheck.to_json(checked).encode()
    files["verification.md"] = numcheck.to_markdown(checked).encode()
    if not checked.passed:
        del files[f"{name}.py"]  # never written out as if it were right
    return files, checked


def _report_verification(checked) -> None:
    click.echo("\nNumeric verification of the generated module:")
    for line in checked.summary().splitlines():
        click.echo(f"  {line}")
    if not checked.passed:
        failures = checked.failures()
        raise VerificationFailure(
            f"{checked.module}.py failed numeric verification ({failures[0]}"
            + (f"; {len(failures) - 1} more" if len(failures) > 1 else "")
            + "); module not written, see verification.md"
        )


def _document_name(lang: str, ext: str) -> str:
    """derivation.tex for English, derivation.es.tex for Spanish."""
    return f"derivation.{ext}" if lang == "en" else f"derivation.{lang}.{ext}"


def _documents(d, lang: str, latex: bool, markdown: bool, numeric=None) -> dict[str, bytes]:
    """The derivation documents requested, rendered from the verified derivation.

    ``numeric``: the generated module's numeric verification (--verify), shown in the appendix.
    """
    from derive.document import render

    wanted = [("tex", latex), ("md", markdown)]
    return {
        _document_name(lang, ext): render(d, lang, ext, numeric=numeric).encode()
        for ext, on in wanted
        if on
    }


def _pdf(files: dict[str, bytes], folder: Path, lang: str) -> Path:
    """Compile the .tex already written into the PDF next to it; Failure (exit 2) if TeX fails."""
    from derive.pdf import PdfError, build_pdf

    tex = files[_document_name(lang, "tex")].decode()
    try:
        return build_pdf(tex, folder / _document_name(lang, "pdf"))
    except PdfError as err:
        raise Failure(str(err)) from None


def summary(d) -> str:
    """Parameter count, the matrix equations, some scalar equations, verification."""
    spec = d.spec
    act = spec.activation
    lines = [
        (
            f"derive {spec.slug}: {spec.n_parameters:,} parameters "
            f"({spec.activation} activation, {spec.cost} cost)"
        ),
        "",
        "Backpropagation in matrix form:",
    ]
    width = max(len(unicode(e.lhs, act)) for e in d.equations)
    for e in d.equations:
        lines.append(f"  {unicode(e.lhs, act):<{width}} = {unicode(e.rhs, act)}   ({e.tag})")
    lines += ["", "δ per neuron:"]
    lines += _some(d.deltas.values(), lambda x: f"  {unicode(x.symbol)} = {unicode(x.value)}")
    lines += ["", "Gradients:"]
    lines += _some(d.gradients.values(), lambda g: f"  ∂C/∂{unicode(g.parameter)} = {unicode(g.value)}")
    lines += ["", "Verification:"] + ["  " + line for line in d.verification.summary().splitlines()]
    return "\n".join(lines)


def _some(items, line) -> list[str]:
    """The first SHOWN items as lines, and how many more there are."""
    items = list(items)
    shown = [line(x) for x in items[:SHOWN]]
    if len(items) > SHOWN:
        shown.append(f"  … and {len(items) - SHOWN:,} more (all of them in --json)")
    return shown


def write_outputs(folder: Path, files: dict[str, bytes]) -> list[Path]:
    """Write every file atomically: all to temporary names first, then rename them all.

    Failure (exit 2) if the folder is unusable or a write fails; then no file
    of this run is left in the folder, not even a temporary one.
    """
    if not files:
        return []
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError as err:
        raise Failure(f"cannot create --out folder {str(folder)!r}: {err.strerror}") from None
    staged: dict[Path, str] = {}
    try:
        for name, data in sorted(files.items()):
            staged[folder / name] = _stage(folder, name, data)
    except BaseException as err:
        for tmp in staged.values():
            Path(tmp).unlink(missing_ok=True)
        if isinstance(err, OSError):
            raise Failure(f"cannot write to --out folder {str(folder)!r}: {err.strerror}") from None
        raise
    for target, tmp in staged.items():
        os.replace(tmp, target)  # same folder: atomic, and cannot fail for want of space
    return list(staged)


def _stage(folder: Path, name: str, data: bytes) -> str:
    """``data`` written to a new temporary file in ``folder``; its path (removed if the write fails)."""
    fd, tmp = tempfile.mkstemp(dir=folder, prefix=f".{name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
        os.chmod(tmp, 0o644)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return tmp


@main.command()
@click.option(
    "--task",
    type=click.Choice(["all", "xor", "digits"]),
    default="all",
    show_default=True,
    help="xor: XOR with 2,3,1; digits: scikit-learn's 8x8 digits with 64,30,10 (needs derive[demo]).",
)
@click.option("--epochs", type=click.IntRange(min=1), help="Epochs [default: per task].")
@click.option("--seed", type=int, default=0, show_default=True, help="Seed of initialisation and shuffling.")
@click.option(
    "-o",
    "--out",
    type=click.Path(file_okay=False, path_type=Path),
    default=Path("output") / "train",
    show_default=True,
    help="Folder for the generated modules and the loss curves.",
)
def train(task, epochs, seed, out):
    """Train generated modules with mini-batch SGD and report the final accuracy."""
    from derive import numcheck
    from derive import train as training
    from derive.codegen import default_module_name, render

    names = list(training.TASKS) if task == "all" else [task]
    files, lines = {}, []
    for name in names:
        t = training.TASKS[name]
        if not training.available(t):
            if task != "all":
                raise Failure(f"task {name!r} needs {t.requires}: pip install 'derive[demo]'")
            lines.append(f"{name}: skipped ({t.requires} is not installed: pip install 'derive[demo]')")
            continue
        module_name = default_module_name(t.layers)
        source = render(derive.derive(t.layers))
        module = numcheck.import_source(source, module_name)
        n = epochs or t.epochs
        with click.progressbar(length=n, label=f"training {name}", file=sys.stderr) as bar:
            result = training.train(
                module, t.load(seed), epochs=n, batch_size=t.batch_size, lr=t.lr, seed=seed,
                progress=bar.update,
            )
        files[f"{module_name}.py"] = source.encode()
        lines.append(
            f"{name} ({'-'.join(map(str, t.layers))}, {n} epochs, batch {t.batch_size}, lr {t.lr:g}): "
            f"final cost {result.losses[-1]:.3e}, "
            f"accuracy {result.accuracy:.1%} on {result.test_size} test samples"
        )
        try:
            files[f"loss_{name}.png"] = training.loss_curve_png(result)
        except ImportError:
            lines.append(f"{name}: no loss curve (matplotlib is not installed: pip install 'derive[demo]')")
    written = write_outputs(out, files)
    for line in lines:
        click.echo(line)
    for path in written:
        click.echo(f"wrote {path}")


if __name__ == "__main__":
    main()

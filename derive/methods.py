"""How each check was made, in words: one table row per method, in every document language.

Input: a method key and its parameters (a ``Method``), and a language code.
Output: the sentence.  The engine (``verify``, ``nested``, ``numcheck``)
records a ``Method`` with every check and reference and keeps its English
sentence as the ``method`` string of derivation.json, verification.json and
the terminal summary; the documents print the sentence in their own language.
Sentences are plain text (no LaTeX or Markdown specials; documents escape them).
"""

from __future__ import annotations

from dataclasses import dataclass

METHODS: dict[str, dict[str, str]] = {
    # derive.verify and derive.nested: the engine's checks
    "rules": {
        "en": "symbolic (simplify to 0)",
        "es": "simbólica (simplify da 0)",
    },
    "collapse": {
        "en": "symbolic, every δ and every parameter",
        "es": "simbólica, cada δ y cada parámetro",
    },
    "matrix": {
        "en": "symbolic, entry by entry",
        "es": "simbólica, entrada por entrada",
    },
    "matrix_sampled": {
        "en": "symbolic, entry by entry (equations over {limit:,} entries: {sample} seeded random entries each)",
        "es": (
            "simbólica, entrada por entrada (en las ecuaciones de más de {limit:,} entradas, "
            "{sample} entradas aleatorias con semilla en cada una)"
        ),
    },
    "nested_exact": {
        "en": "symbolic, exact (the difference reduces to 0)",
        "es": "simbólica, exacta (la diferencia se reduce a 0)",
    },
    "nested_numeric": {
        "en": "numeric, {diff}, {points} seeded random points, {digits}-digit arithmetic, tolerance {tolerance:.0e}",
        "es": (
            "numérica, {diff}, {points} puntos aleatorios con semilla, aritmética de {digits} dígitos, "
            "tolerancia {tolerance:.0e}"
        ),
    },
    "nested_sampled": {
        "en": (
            "numeric, seeded random sample of {sample} of {total:,} parameters; {points} seeded random "
            "points, {digits}-digit arithmetic, tolerance {tolerance:.0e}"
        ),
        "es": (
            "numérica, muestra aleatoria con semilla de {sample} de los {total:,} parámetros; {points} "
            "puntos aleatorios con semilla, aritmética de {digits} dígitos, tolerancia {tolerance:.0e}"
        ),
    },
    # derive.numcheck: the generated module's references
    "symbolic_nested": {
        "en": "sympy.diff of the fully nested cost C(x, W, b, y), lambdified",
        "es": "sympy.diff del coste anidado completo C(x, W, b, y), con lambdify",
    },
    "symbolic_chain": {
        "en": "chain-rule expressions (z, a = σ(z), δ definitions, a·δ), lambdified layer by layer",
        "es": (
            "expresiones de la regla de la cadena (z, a = σ(z), definiciones de δ, a·δ), "
            "con lambdify capa por capa"
        ),
    },
    "finite_differences": {
        "en": (
            "4th-order central differences of cost, step {step:g}; every entry of tensors up to "
            "{entries} entries, a seeded random {entries} otherwise"
        ),
        "es": (
            "diferencias centrales de 4.º orden del coste, paso {step:g}; todas las entradas de los "
            "tensores de hasta {entries} entradas, {entries} aleatorias con semilla en los demás"
        ),
    },
    "autograd": {
        "en": "torch {version} autograd, float64, cost mean over the batch",
        "es": "autograd de torch {version}, float64, coste medio sobre el lote",
    },
    "autograd_any": {
        "en": "PyTorch autograd",
        "es": "autograd de PyTorch",
    },
    # why the autograd reference did not run
    "torch_missing": {
        "en": "torch is not installed (pip install torch=={pin})",
        "es": "torch no está instalado (pip install torch=={pin})",
    },
    "not_requested": {
        "en": "not requested",
        "es": "no solicitada",
    },
    "no_torch_rule": {
        "en": "no torch rule for {activation}/{cost}",
        "es": "torch no tiene regla para {activation}/{cost}",
    },
    "worker_timeout": {
        "en": "the autograd worker took over {seconds} s",
        "es": "el proceso de autograd tardó más de {seconds} s",
    },
    "worker_failed": {
        "en": "the autograd worker failed (exit status {status})",
        "es": "el proceso de autograd falló (estado de salida {status})",
    },
}

# the engine's check names (English, as in derivation.json) in the documents' languages
CHECK_NAMES: dict[str, dict[str, str]] = {
    "rules": {"en": "rules", "es": "reglas"},
    "collapse (a)": {"en": "collapse (a)", "es": "colapso (a)"},
    "matrix forms": {"en": "matrix forms", "es": "formas matriciales"},
    "nested diff (b)": {"en": "nested diff (b)", "es": "diff anidado (b)"},
}


@dataclass(frozen=True)
class Method:
    """A method key of ``METHODS`` and its parameters, as sorted (name, value) pairs."""

    key: str
    args: tuple[tuple[str, object], ...] = ()

    def text(self, lang: str = "en") -> str:
        return METHODS[self.key][lang].format(**dict(self.args))


def method(key: str, **args) -> Method:
    """``Method(key, args)``; KeyError at once for a key without a row."""
    if key not in METHODS:  # fail where the method is recorded, not where it is printed
        raise KeyError(f"no method {key!r} in derive.methods.METHODS")
    return Method(key, tuple(sorted(args.items())))


def check_name(name: str, lang: str) -> str:
    """An engine check's name in ``lang`` (unknown names as they are)."""
    return CHECK_NAMES.get(name, {}).get(lang, name)

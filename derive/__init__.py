"""derive: a symbolic derivation engine for backpropagation.

    >>> import derive
    >>> d = derive.derive([4, 3, 2])
    >>> d.verification.passed
    True

The pipeline is pure functions over dataclasses holding SymPy objects:

    derivation = verify(collapse(chain(graph(spec))))
"""

from __future__ import annotations

from dataclasses import replace

from .chain import chain
from .collapse import Derivation, collapse
from .graph import graph
from .spec import Spec, SpecError, make_spec
from .verify import Verification, VerificationError, verify

__version__ = "0.1.0"

__all__ = [
    "Derivation",
    "Spec",
    "SpecError",
    "Verification",
    "VerificationError",
    "chain",
    "collapse",
    "derive",
    "graph",
    "make_spec",
    "verify",
]


def derive(
    layers,
    activation: str = "sigmoid",
    cost: str = "quadratic",
    *,
    nested: str = "auto",
    seed: int = 0,
    progress=None,
) -> Derivation:
    """Derive and verify backpropagation for ``layers`` (e.g. ``[4, 3, 2]`` or ``"4,3,2"``).

    Returns the derivation with its ``verification`` attached; raises
    ``SpecError`` for bad input and ``VerificationError`` if any check fails.
    ``nested`` selects check (b): auto, exact, numeric, sampled or off.
    """
    spec = make_spec(layers, activation, cost)
    d = collapse(chain(graph(spec)))
    v = verify(d, seed=seed, nested=nested, progress=progress)
    if not v.passed:
        raise VerificationError("derivation failed verification:\n" + v.summary())
    return replace(d, verification=v)

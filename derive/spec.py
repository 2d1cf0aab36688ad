"""Network specification: parse and validate layer sizes.

Input: ``"4,3,2"`` or ``[4, 3, 2]`` and rule names.  Output: a frozen
``Spec``.  Bad input raises ``SpecError`` with a one-line message naming the
bad value and the rule it breaks.
"""

from __future__ import annotations

from dataclasses import dataclass

from . import rules

MAX_NEURONS = 4096  # per layer
MAX_PARAMETERS = 1_000_000
MAX_LAYERS = 16


class SpecError(ValueError):
    """A network description that derive refuses, with a one-line reason."""


@dataclass(frozen=True)
class Spec:
    """Layer sizes n_0 (input) … n_L (output), activation and cost names."""

    layers: tuple[int, ...]
    activation: str = "sigmoid"
    cost: str = "quadratic"

    @property
    def L(self) -> int:
        """Index of the output layer."""
        return len(self.layers) - 1

    def n(self, l: int) -> int:
        """n_l, the number of neurons in layer l."""
        return self.layers[l]

    @property
    def n_parameters(self) -> int:
        """Σ_l n_l (n_{l-1} + 1): weights and biases."""
        return sum(self.layers[l] * (self.layers[l - 1] + 1) for l in range(1, len(self.layers)))

    @property
    def slug(self) -> str:
        """``4-3-2``: the default output folder name."""
        return "-".join(map(str, self.layers))


def parse_layers(text: str) -> tuple[int, ...]:
    """``"4,3,2"`` → (4, 3, 2), or SpecError naming the bad part."""
    if not text.strip():
        raise SpecError("--layers is empty; give comma-separated layer sizes such as 4,3,2")
    parts = [p.strip() for p in text.split(",")]
    sizes = []
    for part in parts:
        if part == "":
            raise SpecError(f"--layers {text!r} has an empty size; give integers such as 4,3,2")
        if not part.lstrip("+-").isdigit():
            raise SpecError(
                f"--layers size {part!r} is not a whole number; give integers >= 1 such as 4,3,2"
            )
        sizes.append(int(part))
    return tuple(sizes)


def make_spec(layers, activation: str = "sigmoid", cost: str = "quadratic") -> Spec:
    """Validate sizes and rule names; returns a Spec or raises SpecError."""
    if isinstance(layers, str):
        layers = parse_layers(layers)
    layers = tuple(layers)
    for size in layers:
        if isinstance(size, bool) or not isinstance(size, int):
            raise SpecError(f"layer size {size!r} is not an integer; sizes are integers >= 1")
    if len(layers) < 2:
        raise SpecError(
            f"layers {_show(layers)} has {len(layers)} size(s); need at least 2 (input and output)"
        )
    if len(layers) > MAX_LAYERS:
        raise SpecError(f"layers {_show(layers)} has {len(layers)} sizes; at most {MAX_LAYERS}")
    for size in layers:
        if size < 1:
            raise SpecError(f"layer size {size} in {_show(layers)} is below 1; sizes must be >= 1")
        if size > MAX_NEURONS:
            raise SpecError(
                f"layer size {size} in {_show(layers)} is too large; at most {MAX_NEURONS} per layer"
            )
    for lookup, name in ((rules.activation, activation), (rules.cost, cost)):
        try:
            lookup(name)
        except ValueError as err:
            raise SpecError(str(err)) from None
    spec = Spec(layers, activation, cost)
    if spec.n_parameters > MAX_PARAMETERS:
        raise SpecError(
            f"layers {_show(layers)} have {spec.n_parameters:,} parameters; "
            f"at most {MAX_PARAMETERS:,}"
        )
    return spec


def _show(layers) -> str:
    return ",".join(map(str, layers))

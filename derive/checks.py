"""Verification records: what was checked, how, and the outcome.

Input: none (plain dataclasses).  Output: ``Check`` and ``Verification``,
attached to a ``Derivation`` by ``derive.verify``.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from .methods import Method

Progress = Callable[[int], None]


class VerificationError(RuntimeError):
    """A derivation failed verification; never written out as if it were right."""


@dataclass(frozen=True)
class Check:
    """One verification check: what, how, how much, and the outcome."""

    name: str
    how: Method  # the method, in words in every language (derive.methods)
    checked: int
    total: int
    failures: tuple[str, ...] = ()
    max_relative_error: float | None = None

    @property
    def method(self) -> str:
        """How the check was made, in English (derivation.json, the terminal)."""
        return self.how.text("en")

    @property
    def passed(self) -> bool:
        return not self.failures


@dataclass(frozen=True)
class Verification:
    """All checks run on one derivation."""

    checks: tuple[Check, ...]

    @property
    def passed(self) -> bool:
        return all(c.passed for c in self.checks)

    def summary(self) -> str:
        """One line per check, e.g. ``collapse: passed (23/23, symbolic)``."""
        lines = []
        for c in self.checks:
            state = "passed" if c.passed else f"FAILED ({len(c.failures)} failures)"
            err = "" if c.max_relative_error is None else f", max rel. error {c.max_relative_error:.1e}"
            lines.append(f"{c.name}: {state} ({c.checked:,}/{c.total:,} checked; {c.method}{err})")
        return "\n".join(lines)

r"""A semantic mutant: one plausible bug in the mathematics, as a textual patch.

A mutant names one file of the package, a snippet ``before`` that must occur in it exactly
once, and its replacement ``after``. It is applied to a temporary copy of the package, never
to the working tree. ``claims`` are the claims whose verdicts must move when the mutant is
applied (at least one of them must; none may stay ``verified`` over it).
"""

from __future__ import annotations

from dataclasses import dataclass

__all__ = ["Mutant", "StaleMutant"]


class StaleMutant(ValueError):
    """The snippet a mutant patches no longer occurs exactly once in its file."""


@dataclass(frozen=True)
class Mutant:
    """One plausible bug: ``before`` -> ``after`` in ``path`` (relative to the repository root)."""

    id: str
    area: str  # derivations, engine, sampling, gmm, separation, falsify, ...
    path: str
    before: str
    after: str
    claims: tuple[str, ...]
    description: str
    kind: str = ""  # sign, factor, temperature, exponent, constant, map, time, direction, dropped, grid
    ci: bool = False  # part of the fast subset that CI runs (memverify selftest --ci)

    def apply(self, source: str) -> str:
        """The mutated source text; :class:`StaleMutant` unless ``before`` occurs exactly once."""
        count = source.count(self.before)
        if count != 1:
            raise StaleMutant(f"mutant {self.id}: the snippet occurs {count} times in {self.path}")
        return source.replace(self.before, self.after, 1)

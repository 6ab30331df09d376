"""Mutants of the falsify area (see :class:`verify.selftest.mutant.Mutant`)."""

from __future__ import annotations

from ..mutant import Mutant

MUTANTS: list[Mutant] = []

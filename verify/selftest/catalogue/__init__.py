"""The mutation catalogue: one module per area, each with ``MUTANTS: list[Mutant]``."""

from __future__ import annotations

from importlib import import_module

from ..mutant import Mutant

__all__ = ["AREAS", "all_mutants"]

#: the areas of the package, each a module of this catalogue
AREAS = ("derivations", "engine", "sampling", "gmm", "separation", "falsify")


def all_mutants() -> list[Mutant]:
    """Every catalogued mutant, area by area; ids are unique."""
    out: list[Mutant] = []
    for area in AREAS:
        out += import_module(f".{area}", __name__).MUTANTS
    ids = [m.id for m in out]
    duplicates = sorted({i for i in ids if ids.count(i) > 1})
    if duplicates:
        raise ValueError(f"duplicate mutant ids: {duplicates}")
    return out

"""Mutants of the falsification engine and its registered inequalities (verify/falsify)."""

from __future__ import annotations

from ..mutant import Mutant

_CL = "verify/falsify/claims.py"
_IN = "verify/falsify/inequality.py"

MUTANTS: list[Mutant] = [
    Mutant("FAL-SQRT-H-SCALE", "falsify", _CL,
           "    term = _ball(C) * _ball(inp.h).sqrt() * R",
           "    term = _ball(C) * _ball(inp.h) * R",
           ("LLY26-T2",),
           "the registered bound C h R instead of C sqrt(h) R",
           kind="exponent"),
    Mutant("FAL-NEAREST-DISTANCE", "falsify", _CL,
           "        out = out.min(v)",
           "        out = out.max(v)",
           ("LLY26-T2", "LLY26-T3"),
           "distance to the training set as the largest distance to a sample instead of the smallest",
           kind="direction"),
    Mutant("FAL-VIOLATION-DIRECTION", "falsify", _IN,
           "        if diff > 0:\n            verdict: Verdict = \"violated\"",
           "        if diff < 0:\n            verdict: Verdict = \"violated\"",
           ("LLY26-T2", "LLY25-C1"),
           "a ball example counts as violated when lhs < rhs",
           kind="direction"),
]

"""CONV-MAP: the maps between conventions (MATH.md §4), each verified symbolically."""

from __future__ import annotations

import time

from derivations.conventions import CONVENTIONS, verify_map

from ..registry import RunContext
from ..verdicts import Bound, ClaimResult, Evidence, ExactZero, decide

__all__ = ["check_conv_map"]

#: the numeric cross-check's tolerance at 50 digits
NUMERIC_TOLERANCE = 1e-40


def check_conv_map(ctx: RunContext) -> ClaimResult:
    """SNR and data scale preserved, endpoints as one-sided limits, bijective monotone time maps."""
    start = time.perf_counter()
    evidence: list[Evidence] = []
    for conv in CONVENTIONS:
        ctx.progress(f"CONV-MAP: {conv.key}")
        res = verify_map(conv)
        for name, passed, detail in res.checks:
            numeric = name == "numeric cross-check"
            bound = (Bound(res.numeric_worst, NUMERIC_TOLERANCE, quantity="max |difference|")
                     if numeric and res.numeric_worst is not None
                     else ExactZero("symbolic") if passed else None)
            evidence.append(Evidence(check=f"{conv.key}: {name}", passed=True if passed else None,
                                     detail=detail, bound=bound))
    status, summary = decide(evidence, f"{len(CONVENTIONS)} convention maps")
    return ClaimResult("CONV-MAP", status, summary, evidence, time.perf_counter() - start)

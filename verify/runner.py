"""Running claims one by one, each isolated from the others.

A checker that cannot be imported, raises, or returns something that is not a valid result for
its own claim (another claim's id, evidence that breaks the verdict rules) gives that claim
``inconclusive`` with the error as its evidence; the remaining claims still run and the report is
still written. :class:`RunOutcome` lists the claims whose checker failed, so the command line can
name them and exit non-zero.
"""

from __future__ import annotations

import time
import traceback
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field

from .claim import Claim, RunContext
from .verdicts import ClaimResult, Evidence, EvidenceError, Verdict

__all__ = ["run_claim", "run_claims", "work_groups", "RunOutcome", "CHECKER_FAILED", "failure"]

#: the evidence check name that marks a claim whose checker failed
CHECKER_FAILED = "checker failed"


@dataclass
class RunOutcome:
    """The results of a run, in the order of the claims, and the ids whose checker failed."""

    results: list[ClaimResult] = field(default_factory=list)
    failed: list[str] = field(default_factory=list)


def failure(c: Claim, stage: str, exc: BaseException) -> ClaimResult:
    frames = traceback.format_exception(type(exc), exc, exc.__traceback__)
    where = traceback.extract_tb(exc.__traceback__)[-1] if exc.__traceback__ else None
    location = f" at {where.filename.rsplit('/', 2)[-2:]}:{where.lineno}" if where else ""
    message = f"{type(exc).__name__}: {exc}"
    return ClaimResult(
        c.id, Verdict.INCONCLUSIVE,
        f"the checker {stage}: {message}; no verdict (see the evidence)",
        [Evidence(CHECKER_FAILED, None, f"{c.checker} {stage}{location}: {message}",
                  data={"traceback": "".join(frames[-6:])})])


def run_claim(c: Claim, ctx: RunContext) -> tuple[ClaimResult, bool]:
    """The claim's result and whether its checker worked; never raises for a checker's fault
    (``KeyboardInterrupt`` and ``SystemExit`` pass through)."""
    start = time.perf_counter()
    try:
        fn = c.load_checker()
    except Exception as exc:  # noqa: BLE001 - isolation is the point
        outcome, ok = failure(c, "could not be loaded", exc), False
    else:
        try:
            result = c.run(ctx) if fn is None else fn(ctx)
        except Exception as exc:  # noqa: BLE001
            outcome, ok = failure(c, "raised", exc), False
        else:
            outcome, ok = _validated(c, result)
    outcome.seconds = time.perf_counter() - start
    return outcome, ok


def _validated(c: Claim, result: object) -> tuple[ClaimResult, bool]:
    if not isinstance(result, ClaimResult):
        return failure(c, "returned no ClaimResult",
                        TypeError(f"got {type(result).__name__}")), False
    if result.id != c.id:
        return failure(c, "returned another claim's result",
                        ValueError(f"result id {result.id!r}, claim {c.id!r}")), False
    try:
        result.validate()
    except EvidenceError as exc:
        return failure(c, "returned a result that breaks the verdict rules", exc), False
    return result, True


def run_claims(claims: Sequence[Claim], ctx: RunContext,
               on_start: Callable[[Claim], None] = lambda c: None,
               on_finish: Callable[[ClaimResult], None] = lambda r: None, *, jobs: int = 1,
               expected: Mapping[str, float] | None = None) -> RunOutcome:
    """Run every claim, each isolated (:func:`run_claim`); results in the order of ``claims``.

    With ``jobs > 1`` the claims' work groups (:attr:`Claim.work_group`) run in that many worker
    processes, longest expected group first (``expected``: seconds per claim id, e.g. from the
    last run); a group stays in one process, so work its claims share is done once.
    """
    if jobs <= 1 or len(claims) <= 1:
        outcome = RunOutcome()
        for c in claims:
            on_start(c)
            result, ok = run_claim(c, ctx)
            outcome.results.append(result)
            if not ok:
                outcome.failed.append(c.id)
            on_finish(result)
        return outcome
    from .parallel import run_groups

    done = run_groups(work_groups(claims, expected), ctx, jobs, on_start, on_finish)
    outcome = RunOutcome()
    for c in claims:
        result, ok = done[c.id]
        outcome.results.append(result)
        if not ok:
            outcome.failed.append(c.id)
    return outcome


def work_groups(claims: Sequence[Claim], expected: Mapping[str, float] | None = None) -> list[list[Claim]]:
    """The claims split into work groups (catalogue order inside a group), the longest expected
    group first (unknown claims count as 10 s)."""
    groups: dict[str, list[Claim]] = {}
    for c in claims:
        groups.setdefault(c.work_group, []).append(c)
    expected = expected or {}

    def cost(group: list[Claim]) -> float:
        return sum(float(expected.get(c.id, 10.0)) for c in group)

    return sorted(groups.values(), key=cost, reverse=True)

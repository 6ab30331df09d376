"""Verdicts and the evidence that backs them (../shared/CLAIMS.md)."""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass, field
from enum import StrEnum
from typing import Any

__all__ = ["Verdict", "Evidence", "ClaimResult", "decide", "json_safe"]


class Verdict(StrEnum):
    """The five verdicts a claim can receive."""

    VERIFIED = "verified"
    REFUTED = "refuted"
    CONDITIONAL = "conditional"
    INCONCLUSIVE = "inconclusive"
    OUT_OF_SCOPE = "out-of-scope"


@dataclass(frozen=True)
class Evidence:
    """One check's outcome.

    ``passed`` is True when the check met its tolerance, False when it found a violation and
    None when it could not decide. ``bound`` is the error bound that justifies a pass
    (``"0 (symbolic)"`` for an exact identity), ``tolerance`` what it was compared with.
    """

    check: str
    passed: bool | None
    detail: str
    bound: str = ""
    tolerance: str = ""
    data: dict[str, Any] = field(default_factory=dict)
    counterexample: dict[str, str] | None = None  # exact rationals as strings

    def to_json(self) -> dict[str, Any]:
        out = json_safe(asdict(self))
        return {k: v for k, v in out.items() if v not in (None, "", {})} | {"passed": self.passed}


def json_safe(value: Any) -> Any:
    """The same nested dicts and lists with every non-finite float replaced by None (valid JSON)."""
    if isinstance(value, dict):
        return {k: json_safe(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [json_safe(v) for v in value]
    if isinstance(value, float) and not math.isfinite(value):
        return None
    return value


@dataclass
class ClaimResult:
    """A claim's verdict with its evidence and wall time."""

    id: str
    status: Verdict
    summary: str
    evidence: list[Evidence] = field(default_factory=list)
    seconds: float = 0.0
    condition: str = ""  # for conditional verdicts
    figures: dict[str, bytes] = field(default_factory=dict)  # file name -> PNG


def decide(evidence: list[Evidence], what: str) -> tuple[Verdict, str]:
    """Verified only when every check passed with a bound; refuted on any violation with a
    counterexample; otherwise inconclusive."""
    if not evidence:
        return Verdict.INCONCLUSIVE, f"{what}: no checks ran"
    failed = [e for e in evidence if e.passed is False]
    if failed:
        with_cex = [e for e in failed if e.counterexample]
        if with_cex:
            return Verdict.REFUTED, f"{what}: violated ({with_cex[0].check})"
        return (Verdict.INCONCLUSIVE,
                f"{what}: {len(failed)} check(s) failed without a certified counterexample")
    undecided = [e for e in evidence if e.passed is None]
    if undecided:
        return Verdict.INCONCLUSIVE, f"{what}: {len(undecided)} check(s) undecided"
    return Verdict.VERIFIED, f"{what}: all {len(evidence)} checks passed"

"""The claim registry: what each paper says, how memverify decides it, and where the check lives.

A claim names its checker as ``"module:function"`` and the module is imported only when the
claim runs, so listing the registry (``memverify claims``) never imports SymPy.
"""

from __future__ import annotations

import fnmatch
import importlib
from collections.abc import Callable
from dataclasses import dataclass, field

from .verdicts import ClaimResult, Verdict

__all__ = ["Paper", "Claim", "RunContext", "PAPERS", "CLAIMS", "claim", "select", "register",
           "UnknownClaimPattern"]


class UnknownClaimPattern(ValueError):
    """A ``--claims`` pattern matched no registered claim."""


@dataclass(frozen=True)
class Paper:
    key: str
    arxiv: str
    version: str
    authors: str
    title: str


PAPERS: dict[str, Paper] = {p.key: p for p in (
    Paper("LLY25", "2509.21925", "v1 (statements reconstructed from the ICLR 2026 reviews)",
          "Li, Lin, Yu", "Generation Properties of Stochastic Interpolation under Finite Training Set"),
    Paper("LLY26", "2606.08554", "v1",
          "Li, Lin, Yu",
          "A Theoretical Analysis of Memory and Overfitting Phenomena in Stochastic Interpolation Models"),
    Paper("EDGE", "2508.17689", "NeurIPS 2025 version (read through the authors' code)",
          "Buchanan, Pai, Ma, De Bortoli", "On the Edge of Memorization in Diffusion Models"),
    Paper("SEP", "2511.03202", "v1 / ICLR 2026 main text",
          "Ye, Zhu, Tao, Chen",
          "Provable Separations between Memorization and Generalization in Diffusion Models"),
    Paper("MEMVERIFY", "-", "-", "memverify", "The toolkit's own conventions"),
)}


@dataclass(frozen=True)
class RunContext:
    """Settings shared by every check of one run."""

    digits: int = 50
    seed: int = 0
    quick: bool = False
    schedules: tuple[str, ...] = ()
    progress: Callable[[str], None] = field(default=lambda message: None, compare=False)


@dataclass(frozen=True)
class Claim:
    """One registered claim."""

    id: str
    paper: str  # key into PAPERS
    number: str  # the paper's own numbering (or "-")
    title: str
    statement: str  # LaTeX
    provenance: str  # "quoted" or "reconstructed"
    checks: str  # how memverify decides it
    checker: str | None = None  # "module:function" taking a RunContext
    planned: str = ""  # where its checks will come, while checker is None

    @property
    def source(self) -> Paper:
        return PAPERS[self.paper]

    def run(self, ctx: RunContext) -> ClaimResult:
        """Run the claim's checks (or report that none is implemented yet)."""
        if self.checker is None:
            return ClaimResult(self.id, Verdict.INCONCLUSIVE,
                               f"not yet implemented ({self.planned})" if self.planned
                               else "not yet implemented")
        module, _, name = self.checker.partition(":")
        fn = getattr(importlib.import_module(module), name)
        return fn(ctx)


CLAIMS: dict[str, Claim] = {}


def register(c: Claim) -> Claim:
    """Add a claim; ids are unique."""
    if c.id in CLAIMS:
        raise ValueError(f"claim {c.id} registered twice")
    if c.paper not in PAPERS:
        raise ValueError(f"claim {c.id}: unknown paper {c.paper}")
    if c.provenance not in ("quoted", "reconstructed"):
        raise ValueError(f"claim {c.id}: provenance must be quoted or reconstructed")
    CLAIMS[c.id] = c
    return c


def claim(claim_id: str) -> Claim:
    """A claim by id (case-insensitive)."""
    _load()
    for key, c in CLAIMS.items():
        if key.lower() == claim_id.lower():
            return c
    raise UnknownClaimPattern(f"unknown claim id '{claim_id}'")


def select(patterns: str | None) -> list[Claim]:
    """Claims matching comma-separated shell globs (case-insensitive); all when None."""
    _load()
    if patterns is None or patterns.strip() in ("", "*"):
        return list(CLAIMS.values())
    chosen: dict[str, Claim] = {}
    for raw in patterns.split(","):
        pattern = raw.strip()
        if not pattern:
            continue
        hits = [c for key, c in CLAIMS.items() if fnmatch.fnmatchcase(key.lower(), pattern.lower())]
        if not hits:
            raise UnknownClaimPattern(
                f"claim pattern '{pattern}' matches no claim (see 'memverify claims')")
        for c in hits:
            chosen[c.id] = c
    return [c for key, c in CLAIMS.items() if key in chosen]


def _load() -> None:
    from . import catalogue  # noqa: F401 - registers the claims on import

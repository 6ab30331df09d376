"""What a claim is: the paper it comes from, its statement, and the checker that decides it.

A claim names its checker as ``"module:function"``; the module is imported only when the claim
runs, so listing claims never imports SymPy.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable
from dataclasses import dataclass, field

from .verdicts import ClaimResult, Verdict

__all__ = ["Paper", "Claim", "RunContext", "CheckerError", "resolve_checker", "describe_provenance"]


class CheckerError(ImportError):
    """A checker string ``"module:function"`` that does not resolve to a callable."""


def resolve_checker(checker: str) -> Callable[[RunContext], ClaimResult]:
    """Import ``"module:function"`` and return the function; :class:`CheckerError` says why not
    (malformed, module not found or failing on import, no such function, not callable)."""
    module_name, sep, name = str(checker).partition(":")
    if not (sep and module_name and name):
        raise CheckerError(f"checker {checker!r} is not 'module:function'")
    try:
        module = importlib.import_module(module_name)
    except ModuleNotFoundError as exc:
        raise CheckerError(f"checker {checker!r} does not resolve: module {exc.name!r} not found") from None
    except Exception as exc:  # noqa: BLE001 - the user's module: say what it raised
        raise CheckerError(f"checker {checker!r} does not resolve: importing {module_name} raised "
                           f"{type(exc).__name__}: {exc}") from None
    fn = getattr(module, name, None)
    if fn is None:
        raise CheckerError(f"checker {checker!r} does not resolve: module {module_name} has no "
                           f"attribute {name!r}")
    if not callable(fn):
        raise CheckerError(f"checker {checker!r} does not resolve: {module_name}.{name} is not callable")
    return fn


def describe_provenance(provenance: str, source: str = "", reconstruction: str = "") -> str:
    """How a statement was obtained, in words: "quoted from SOURCE", "reconstructed: WHAT", or the
    bare provenance when the claim (a user's) gives neither."""
    if provenance == "quoted" and source:
        return f"quoted from {source}"
    if provenance == "reconstructed" and reconstruction:
        return f"reconstructed: {reconstruction}"
    return provenance


@dataclass(frozen=True)
class Paper:
    """A source of claims: its arXiv id and version as read, authors and title."""

    key: str
    arxiv: str
    version: str
    authors: str
    title: str


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
    paper: str  # key of a registered Paper
    number: str  # the paper's own numbering (or "-")
    title: str
    statement: str  # LaTeX
    provenance: str  # "quoted" or "reconstructed"
    checks: str  # how memverify decides it
    checker: str | None = None  # "module:function" taking a RunContext
    planned: str = ""  # where its checks will come, while checker is None
    #: claims of one group share work (module-level caches, one checker reusing another's
    #: result); a parallel run keeps a group in one worker process, in catalogue order
    group: str = ""
    #: where the statement's text comes from (for ``quoted``: the document, section and the
    #: paper's own numbering; a secondary statement says so)
    source: str = ""
    #: for ``reconstructed``: which parts are reconstruction (constants, hypotheses, pathwise
    #: or in law, ranges)
    reconstruction: str = ""
    #: the papers' relation to a claim of memverify's own, or to a sibling reading of the same
    #: statement (e.g. "the paper's reading of EDGE-45")
    relation: str = ""

    @property
    def work_group(self) -> str:
        """The group this claim runs in (its own id when it shares no work)."""
        return self.group or self.id

    def load_checker(self) -> Callable[[RunContext], ClaimResult] | None:
        """The checker function (imported now), or None when the claim has none yet;
        :class:`CheckerError` (an ``ImportError``) says why it does not resolve."""
        if self.checker is None:
            return None
        try:
            return resolve_checker(self.checker)
        except CheckerError as exc:
            raise CheckerError(f"claim {self.id}: {exc}") from None

    def run(self, ctx: RunContext) -> ClaimResult:
        """Run the claim's checks (or report that none is implemented yet)."""
        fn = self.load_checker()
        if fn is None:
            return ClaimResult(self.id, Verdict.INCONCLUSIVE,
                               f"not yet implemented ({self.planned})" if self.planned
                               else "not yet implemented")
        return fn(ctx)

"""The claim registry: the papers and claims a run can select, built-in and the user's own.

The built-ins (:mod:`verify.catalogue`) are registered on first use; :func:`register` adds a
user's claim (checked like a built-in one), :func:`unregister` removes it again.
"""

from __future__ import annotations

import fnmatch
import re

from .claim import Claim, Paper, RunContext

__all__ = ["Paper", "Claim", "RunContext", "PAPERS", "CLAIMS", "claim", "paper", "select", "register",
           "register_paper", "unregister", "UnknownClaimPattern"]

#: every registered paper, by key
PAPERS: dict[str, Paper] = {}
#: every registered claim, by id, in registration order
CLAIMS: dict[str, Claim] = {}

_ID = re.compile(r"[A-Za-z][A-Za-z0-9]*(-[A-Za-z0-9.]+)+")
_CHECKER = re.compile(r"[A-Za-z_][\w.]*:[A-Za-z_]\w*")
_loaded = False


class UnknownClaimPattern(ValueError):
    """A ``--claims`` pattern matched no registered claim."""


def _load() -> None:
    global _loaded
    if _loaded:
        return
    _loaded = True
    from .catalogue import BUILTIN_CLAIMS, BUILTIN_PAPERS

    for p in BUILTIN_PAPERS:
        _add_paper(p)
    for c in BUILTIN_CLAIMS:
        _add(c)


def _add_paper(p: Paper) -> Paper:
    if not p.key or p.key in PAPERS:
        raise ValueError(f"paper key {p.key!r} is empty or registered twice")
    PAPERS[p.key] = p
    return p


def _add(c: Claim) -> Claim:
    if not _ID.fullmatch(c.id):
        raise ValueError(f"claim id {c.id!r} is not of the form PAPER-NAME (letters, digits, '-', '.')")
    if any(key.lower() == c.id.lower() for key in CLAIMS):
        raise ValueError(f"claim {c.id} registered twice")
    if c.paper not in PAPERS:
        raise ValueError(f"claim {c.id}: unknown paper {c.paper!r} (register it with register_paper)")
    if c.provenance not in ("quoted", "reconstructed"):
        raise ValueError(f"claim {c.id}: provenance must be quoted or reconstructed")
    if c.checker is not None and not _CHECKER.fullmatch(c.checker):
        raise ValueError(f"claim {c.id}: checker {c.checker!r} is not 'module:function'")
    if not (c.statement and c.title and c.checks):
        raise ValueError(f"claim {c.id}: title, statement and checks must be given")
    CLAIMS[c.id] = c
    return c


def register_paper(p: Paper) -> Paper:
    """Add a paper that claims can cite; keys are unique."""
    _load()
    return _add_paper(p)


def register(c: Claim) -> Claim:
    """Add a claim; ids are unique (case-insensitive), its paper must be registered."""
    _load()
    return _add(c)


def unregister(claim_id: str) -> Claim:
    """Remove a claim (a built-in one too) and return it."""
    c = claim(claim_id)
    del CLAIMS[c.id]
    return c


def paper(key: str) -> Paper:
    """A registered paper by key."""
    _load()
    try:
        return PAPERS[key]
    except KeyError:
        raise ValueError(f"unknown paper {key!r}") from None


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

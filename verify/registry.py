"""The claim registry: the papers and claims a run can select, built-in and the user's own.

The built-ins (:mod:`verify.catalogue`) are registered on first use; :func:`register_paper` adds
a user's paper and :func:`register` a user's claim (checked like a built-in one);
:func:`unregister` and :func:`unregister_paper` remove them again. ``PAPERS`` (by key) and
``CLAIMS`` (by id, in registration order) are the registered ones; :func:`paper`, :func:`claim`
and :func:`select` look them up (:class:`UnknownClaimPattern` when nothing matches).

What is validated on registration (a :class:`ValueError` naming the claim and the rule):

* a paper key matches :data:`PAPER_KEY_PATTERN` (a letter, then letters, digits or ``_``) and is
  new; its fields are strings;
* a claim id matches :data:`CLAIM_ID_PATTERN`, ``PAPER-NAME``: a letter, letters or digits, then
  one or more ``-`` parts of letters, digits and ``.`` (``LLY25-P1``, ``EDGE-45``,
  ``MINE-LEMMA-2.1``); ids are unique case-insensitively;
* its paper is registered, its provenance is ``quoted`` or ``reconstructed``, title, statement
  and checks are given; ``source``, ``reconstruction`` and ``relation`` are optional strings (the
  built-in catalogue gives a source for every quoted statement and a reconstruction line for
  every reconstructed one; a user's claim need not);
* its checker is ``None`` or a string matching :data:`CHECKER_PATTERN`, ``"module:function"``.
  By default the checker is only imported when the claim runs (listing claims never imports
  SymPy, and a plugin may register before it defines its checker); ``register(claim,
  resolve=True)`` imports it now and raises a :class:`ValueError` that says why it does not
  resolve. :func:`resolve_checker` does the same for any string.
"""

from __future__ import annotations

import fnmatch
import re

from .claim import CheckerError, Claim, Paper, RunContext, resolve_checker

__all__ = ["Paper", "Claim", "RunContext", "PAPERS", "CLAIMS", "CLAIM_ID_PATTERN", "CHECKER_PATTERN",
           "PAPER_KEY_PATTERN", "CheckerError", "claim", "paper", "select", "register", "register_paper",
           "resolve_checker", "unregister", "unregister_paper", "UnknownClaimPattern"]

#: every registered paper, by key
PAPERS: dict[str, Paper] = {}
#: every registered claim, by id, in registration order
CLAIMS: dict[str, Claim] = {}

#: the form of a claim id (a full match): ``PAPER-NAME``, e.g. ``LLY25-P1``, ``MINE-LEMMA-2.1``
CLAIM_ID_PATTERN = r"[A-Za-z][A-Za-z0-9]*(-[A-Za-z0-9.]+)+"
#: the form of a checker string (a full match): ``"module.path:function"``
CHECKER_PATTERN = r"[A-Za-z_][\w.]*:[A-Za-z_]\w*"
#: the form of a paper key (a full match): ``LLY25``, ``MY_NOTE``
PAPER_KEY_PATTERN = r"[A-Za-z][A-Za-z0-9_]*"

_ID = re.compile(CLAIM_ID_PATTERN)
_CHECKER = re.compile(CHECKER_PATTERN)
_PAPER_KEY = re.compile(PAPER_KEY_PATTERN)
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
    if not isinstance(p, Paper):
        raise TypeError(f"register_paper takes a Paper, not {type(p).__name__}")
    if not isinstance(p.key, str) or not _PAPER_KEY.fullmatch(p.key):
        raise ValueError(f"paper key {p.key!r} does not match {PAPER_KEY_PATTERN} "
                         "(a letter, then letters, digits or '_')")
    if p.key in PAPERS:
        raise ValueError(f"paper key {p.key!r} registered twice")
    for name in ("arxiv", "version", "authors", "title"):
        if not isinstance(getattr(p, name), str):
            raise ValueError(f"paper {p.key}: {name} must be a string")
    PAPERS[p.key] = p
    return p


def _add(c: Claim) -> Claim:
    if not isinstance(c, Claim):
        raise TypeError(f"register takes a Claim, not {type(c).__name__}")
    if not isinstance(c.id, str) or not _ID.fullmatch(c.id):
        raise ValueError(f"claim id {c.id!r} does not match {CLAIM_ID_PATTERN}: PAPER-NAME, a letter and "
                         "letters or digits, then '-' parts of letters, digits and '.' (e.g. MINE-LEMMA-2.1)")
    if any(key.lower() == c.id.lower() for key in CLAIMS):
        raise ValueError(f"claim {c.id} registered twice")
    if c.paper not in PAPERS:
        raise ValueError(f"claim {c.id}: unknown paper {c.paper!r} (register it with register_paper)")
    if c.provenance not in ("quoted", "reconstructed"):
        raise ValueError(f"claim {c.id}: provenance must be quoted or reconstructed")
    if c.checker is not None and (not isinstance(c.checker, str) or not _CHECKER.fullmatch(c.checker)):
        raise ValueError(f"claim {c.id}: checker {c.checker!r} is not 'module:function' "
                         f"(matching {CHECKER_PATTERN})")
    if not (c.statement and c.title and c.checks):
        raise ValueError(f"claim {c.id}: title, statement and checks must be given")
    for name in ("source", "reconstruction", "relation"):  # optional, but text when given
        if not isinstance(getattr(c, name), str):
            raise ValueError(f"claim {c.id}: {name} must be a string")
    CLAIMS[c.id] = c
    return c


def register_paper(p: Paper) -> Paper:
    """Add a paper that claims can cite; keys are unique."""
    _load()
    return _add_paper(p)


def register(c: Claim, *, resolve: bool = False) -> Claim:
    """Add a claim (validated as in the module docstring) and return it; ids are unique
    (case-insensitive), its paper must be registered.

    ``resolve=True`` also imports the checker now: a checker that does not resolve raises
    :class:`ValueError` ("claim ID: checker 'm:f' does not resolve: ...") and nothing is
    registered. Without it, a checker that does not resolve makes only its own claim
    ``inconclusive`` when it runs.
    """
    _load()
    if resolve and c.checker is not None and _CHECKER.fullmatch(str(c.checker)):
        try:
            resolve_checker(c.checker)
        except CheckerError as exc:
            raise ValueError(f"claim {c.id}: {exc}") from None
    return _add(c)


def unregister(claim_id: str) -> Claim:
    """Remove a claim (a built-in one too; the id is case-insensitive) and return it;
    :class:`UnknownClaimPattern` when no claim has that id."""
    c = claim(claim_id)
    del CLAIMS[c.id]
    return c


def unregister_paper(key: str) -> Paper:
    """Remove a paper that no registered claim cites and return it."""
    p = paper(key)
    citing = [c.id for c in CLAIMS.values() if c.paper == key]
    if citing:
        raise ValueError(f"paper {key!r} is cited by {', '.join(citing)}: unregister those claims first")
    del PAPERS[key]
    return p



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

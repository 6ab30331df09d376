"""Named inequalities, so that ``memverify falsify --claim ID`` can build one from its claim id.

A factory takes the parameters (a dict of exact values) and returns an
:class:`~verify.falsify.inequality.Inequality`. Claim inequalities register themselves in
``verify.falsify.claims``, which is imported the first time the registry is read.
"""

from __future__ import annotations

import dataclasses
import importlib
from collections.abc import Callable, Mapping
from typing import Any

from .inequality import Inequality

__all__ = ["UnknownInequality", "register_inequality", "inequality_for", "known_inequalities"]

Factory = Callable[[dict[str, Any]], Inequality]

_CLAIMS_MODULE = "verify.falsify.claims"
_FACTORIES: dict[str, Factory] = {}


class UnknownInequality(ValueError):
    """No inequality is registered under a claim id."""


def register_inequality(claim_id: str, factory: Factory | None = None, *, replace: bool = False):
    """Register ``factory(params) -> Inequality`` under ``claim_id``; usable as a decorator.

    Registering a different factory under a taken id raises ``ValueError`` unless ``replace``.
    """
    if not isinstance(claim_id, str) or not claim_id:
        raise ValueError(f"claim_id={claim_id!r} must be a non-empty string")

    def add(f: Factory) -> Factory:
        if not callable(f):
            raise TypeError(f"the factory for {claim_id!r} is not callable")
        old = _FACTORIES.get(claim_id)
        if old is not None and old is not f and not replace:
            raise ValueError(f"an inequality is already registered for {claim_id!r} (pass replace=True)")
        _FACTORIES[claim_id] = f
        return f

    return add if factory is None else add(factory)


def _load_claims() -> None:
    try:
        importlib.import_module(_CLAIMS_MODULE)
    except ModuleNotFoundError as exc:
        if exc.name != _CLAIMS_MODULE:
            raise


def known_inequalities() -> tuple[str, ...]:
    """The registered claim ids, sorted."""
    _load_claims()
    return tuple(sorted(_FACTORIES))


def inequality_for(claim_id: str, params: Mapping[str, Any] | None = None) -> Inequality:
    """The inequality registered for ``claim_id``, built with ``params`` (default: none)."""
    _load_claims()
    factory = _FACTORIES.get(claim_id)
    if factory is None:
        known = ", ".join(sorted(_FACTORIES)) or "none registered"
        raise UnknownInequality(f"no falsifiable inequality for claim {claim_id!r} (known: {known})")
    params = dict(params or {})
    inequality = factory(params)
    if not isinstance(inequality, Inequality):
        raise TypeError(f"the factory for {claim_id!r} returned {type(inequality).__name__}, "
                        "not an Inequality")
    if inequality.claim not in (None, claim_id):
        raise ValueError(f"the factory for {claim_id!r} built an inequality for {inequality.claim!r}")
    changes: dict[str, Any] = {}
    if inequality.claim is None:
        changes["claim"] = claim_id
    if not inequality.params and params:
        changes["params"] = params
    return dataclasses.replace(inequality, **changes) if changes else inequality

r"""Exact examples as JSON, and back (MATH.md §5: no float on either side).

An example is a value built from ``int``, ``bool``, ``str``, ``None``,
:class:`~fractions.Fraction`, ``list``, ``tuple`` and ``dict`` (with ``str`` keys), and two
objects of :mod:`verify.strategies`: a validated :class:`~derivations.schedules.Schedule` (what
``schedules()`` draws, a built-in one or a user schedule) and a
:class:`~verify.strategies.NearTie` (what ``near_ties()`` draws). A ``float`` is refused. Two
encodings:

* :func:`encode` / :func:`decode` — unambiguous and exact, for replay files: a rational
  :math:`p/q` is ``{"q": "p/q"}`` (``{"q": "p"}`` when :math:`q = 1`), a tuple
  ``{"tuple": [...]}``, a nested dict ``{"dict": {...}}``, a built-in schedule
  ``{"schedule": "linear"}``, a user schedule ``{"schedule": {"name": ..., "alpha": ...,
  "beta": ..., "gamma": ..., "zeta": ... or null, "description": ...}}`` (exact SymPy
  expressions as text, parsed back without ``eval`` and validated again), a near tie
  ``{"near_tie": {...its fields...}}``; ints, bools, strings, ``null`` and lists are themselves.
  ``decode(encode(v)) == v``, types included.
* :func:`readable` — for reports: a rational is the string ``"p/q"``, tuples become lists, a
  built-in schedule its name, a user schedule ``"name: alpha=...; beta=...; gamma=..."``, a near
  tie the dict of its fields.
"""

from __future__ import annotations

import re
import sys
from fractions import Fraction
from typing import Any

__all__ = ["ExactValueError", "encode", "decode", "readable", "encode_example", "decode_example"]

_RATIONAL = re.compile(r"-?(0|[1-9][0-9]*)(/[1-9][0-9]*)?")
_TAGS = ("q", "tuple", "dict", "schedule", "near_tie")
_NEAR_TIE_FIELDS = ("training_set", "nearest", "other", "exact_tie_point", "offset_point", "k",
                    "direction")


def _schedule_class() -> type | None:
    """:class:`derivations.schedules.Schedule` when that module is loaded (a value cannot be a
    Schedule otherwise, so plain examples never pay for importing SymPy)."""
    module = sys.modules.get("derivations.schedules")
    return None if module is None else module.Schedule


def _is_schedule(value: Any) -> bool:
    cls = _schedule_class()
    return cls is not None and isinstance(value, cls)


def _is_near_tie(value: Any) -> bool:
    module = sys.modules.get("verify.strategies")
    return module is not None and isinstance(value, module.NearTie)


def _builtin_name(schedule: Any) -> str | None:
    from derivations.schedules import BUILTIN_SCHEDULES, builtin_schedule

    if schedule.name in BUILTIN_SCHEDULES and builtin_schedule(schedule.name) == schedule:
        return schedule.name
    return None


def _encode_schedule(schedule: Any, where: str) -> Any:
    import sympy as sp

    if schedule.generic:
        raise ExactValueError(f"{where}: the generic schedule (undefined alpha(t), beta(t), gamma(t)) "
                              "is not an example value; draw concrete ones (verify.strategies.schedules)")
    name = _builtin_name(schedule)
    if name is not None:
        return name
    return {"name": schedule.name, "alpha": sp.sstr(schedule.alpha), "beta": sp.sstr(schedule.beta),
            "gamma": sp.sstr(schedule.gamma),
            "zeta": None if schedule.zeta is None else sp.sstr(schedule.zeta),
            "description": schedule.description}


def _decode_schedule(data: Any, where: str) -> Any:
    from derivations.schedules import Schedule, ScheduleError, _parse_expression, builtin_schedule, validate

    try:
        if isinstance(data, str):
            return builtin_schedule(data)
        keys = {"name", "alpha", "beta", "gamma", "zeta", "description"}
        if not isinstance(data, dict) or set(data) != keys:
            raise ExactValueError(f"{where}: a schedule is a built-in name or an object with the keys "
                                  f"{', '.join(sorted(keys))}")
        texts = [data[k] for k in ("name", "alpha", "beta", "gamma", "description")]
        if not all(isinstance(v, str) for v in texts) or not isinstance(data["zeta"], str | None):
            raise ExactValueError(f"{where}: a schedule's name and coefficients must be strings")
        exprs = {k: _parse_expression(data[k], k) for k in ("alpha", "beta", "gamma")}
        zeta = None if data["zeta"] is None else _parse_expression(data["zeta"], "zeta")
        return validate(Schedule(name=data["name"], zeta=zeta, description=data["description"], **exprs))
    except ScheduleError as exc:
        raise ExactValueError(f"{where}: {exc}") from None


def _schedule_text(schedule: Any) -> str:
    import sympy as sp

    name = _builtin_name(schedule)
    if name is not None:
        return name
    parts = [f"{k}={sp.sstr(getattr(schedule, k))}" for k in ("alpha", "beta", "gamma")]
    if schedule.zeta is not None:
        parts.append(f"zeta={sp.sstr(schedule.zeta)}")
    return f"{schedule.name}: " + "; ".join(parts)


class ExactValueError(ValueError):
    """A value is not an exact example value, or a JSON value is not a valid encoding of one."""


def _refuse(value: Any, where: str) -> ExactValueError:
    if isinstance(value, float):
        return ExactValueError(f"{where}: {value!r} is a float; examples must be exact "
                               "(a Fraction, an int or a string; see 'Precision discipline' in "
                               "docs/conventions.md)")
    return ExactValueError(f"{where}: {type(value).__name__} {value!r} is not an exact example value "
                           "(use Fraction, int, bool, str, None, list, tuple, dict, a Schedule or a "
                           "NearTie)")


def encode(value: Any, where: str = "value") -> Any:
    """The exact, unambiguous JSON form of ``value`` (see the module docstring)."""
    if value is None or isinstance(value, bool | int | str):
        return value
    if isinstance(value, Fraction):
        return {"q": str(value)}
    if isinstance(value, list):
        return [encode(v, f"{where}[{k}]") for k, v in enumerate(value)]
    if isinstance(value, tuple):
        return {"tuple": [encode(v, f"{where}[{k}]") for k, v in enumerate(value)]}
    if isinstance(value, dict):
        return {"dict": encode_example(value, where)}
    if _is_schedule(value):
        return {"schedule": _encode_schedule(value, where)}
    if _is_near_tie(value):
        return {"near_tie": {k: encode(getattr(value, k), f"{where}.{k}") for k in _NEAR_TIE_FIELDS}}
    raise _refuse(value, where)


def encode_example(example: dict[str, Any], where: str = "example") -> dict[str, Any]:
    """:func:`encode` each value of a dict with string keys (the dict itself stays a JSON object)."""
    if not isinstance(example, dict):
        raise _refuse(example, where)
    out = {}
    for key, value in example.items():
        if not isinstance(key, str):
            raise ExactValueError(f"{where}: key {key!r} is not a string")
        out[key] = encode(value, f"{where}.{key}")
    return out


def decode(data: Any, where: str = "value") -> Any:
    """Inverse of :func:`encode`; raises :class:`ExactValueError` on anything else."""
    if data is None or isinstance(data, bool | int | str):
        return data
    if isinstance(data, list):
        return [decode(v, f"{where}[{k}]") for k, v in enumerate(data)]
    if isinstance(data, dict):
        if len(data) != 1 or next(iter(data)) not in _TAGS:
            raise ExactValueError(f"{where}: an object must be one of {{\"q\": \"p/q\"}}, "
                                  f"{{\"tuple\": [...]}} or {{\"dict\": {{...}}}}, got {data!r}")
        tag, inner = next(iter(data.items()))
        if tag == "q":
            if not isinstance(inner, str) or len(inner) > 4000 or not _RATIONAL.fullmatch(inner):
                raise ExactValueError(f"{where}: {str(inner)[:40]!r} is not a rational 'p/q' or 'p' "
                                      "(of at most 4000 characters)")
            try:
                return Fraction(inner)
            except (ValueError, ZeroDivisionError):
                raise ExactValueError(f"{where}: {inner[:40]!r} is not a rational 'p/q' or 'p'") from None
        if tag == "tuple":
            if not isinstance(inner, list):
                raise ExactValueError(f"{where}: a tuple must hold a list, got {inner!r}")
            return tuple(decode(v, f"{where}[{k}]") for k, v in enumerate(inner))
        if tag == "schedule":
            return _decode_schedule(inner, where)
        if tag == "near_tie":
            from verify.strategies import NearTie

            if not isinstance(inner, dict) or set(inner) != set(_NEAR_TIE_FIELDS):
                raise ExactValueError(f"{where}: a near tie is an object with the keys "
                                      f"{', '.join(_NEAR_TIE_FIELDS)}")
            try:
                return NearTie(**{k: decode(v, f"{where}.{k}") for k, v in inner.items()})
            except (TypeError, ValueError) as exc:
                raise ExactValueError(f"{where}: not a valid near tie ({exc})") from None
        return decode_example(inner, where)
    raise _refuse(data, where)


def decode_example(data: Any, where: str = "example") -> dict[str, Any]:
    """Inverse of :func:`encode_example`."""
    if not isinstance(data, dict):
        raise ExactValueError(f"{where}: expected a JSON object, got {type(data).__name__}")
    return {key: decode(value, f"{where}.{key}") for key, value in data.items()}


def readable(value: Any) -> Any:
    """JSON for people: rationals as ``"p/q"`` strings, tuples as lists."""
    if isinstance(value, Fraction):
        return str(value)
    if isinstance(value, list | tuple):
        return [readable(v) for v in value]
    if isinstance(value, dict):
        return {str(k): readable(v) for k, v in value.items()}
    if _is_schedule(value):
        return _schedule_text(value)
    if _is_near_tie(value):
        return {k: readable(getattr(value, k)) for k in _NEAR_TIE_FIELDS}
    return value

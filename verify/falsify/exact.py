r"""Exact examples as JSON, and back (MATH.md §5: no float on either side).

An example is a value built from ``int``, ``bool``, ``str``, ``None``,
:class:`~fractions.Fraction`, ``list``, ``tuple`` and ``dict`` (with ``str`` keys). Two encodings:

* :func:`encode` / :func:`decode` — unambiguous and exact, for replay files: a rational
  :math:`p/q` is ``{"q": "p/q"}`` (``{"q": "p"}`` when :math:`q = 1`), a tuple
  ``{"tuple": [...]}``, a nested dict ``{"dict": {...}}``; ints, bools, strings, ``null`` and
  lists are themselves. ``decode(encode(v)) == v``, types included.
* :func:`readable` — for reports: a rational is the string ``"p/q"``, tuples become lists.
"""

from __future__ import annotations

import re
from fractions import Fraction
from typing import Any

__all__ = ["ExactValueError", "encode", "decode", "readable", "encode_example", "decode_example"]

_RATIONAL = re.compile(r"-?(0|[1-9][0-9]*)(/[1-9][0-9]*)?")
_TAGS = ("q", "tuple", "dict")


class ExactValueError(ValueError):
    """A value is not an exact example value, or a JSON value is not a valid encoding of one."""


def _refuse(value: Any, where: str) -> ExactValueError:
    if isinstance(value, float):
        return ExactValueError(f"{where}: {value!r} is a float; examples must be exact "
                               "(a Fraction, an int or a string; MATH.md §5)")
    return ExactValueError(f"{where}: {type(value).__name__} {value!r} is not an exact example value "
                           "(use Fraction, int, bool, str, None, list, tuple or dict)")


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
    return value

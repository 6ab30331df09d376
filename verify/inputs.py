r"""The input layer: every value a user gives memverify, read exactly and within limits.

Numbers are exact rationals (:func:`derivations.numbers.exact_number`: decimals or ``p/q``, at
most 1000 characters, decimal exponent :math:`|e|\le1000`), vectors and lists have a bounded
length, counts a bounded range, and data a bounded magnitude (:func:`check_magnitude`). Every
refusal is an :class:`InputError` whose one-line message names the option and the limit, so
the command line reports it with exit code 2 before any work is done.

The limits, in one place (``docs/inputs.md`` lists them with their messages):
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from fractions import Fraction

from derivations.numbers import MAX_EXPONENT, MAX_NUMBER_CHARS, NumberError, exact_number, shorten

__all__ = ["InputError", "MAX_NUMBER_CHARS", "MAX_EXPONENT", "MAX_VECTOR_LENGTH", "MAX_LIST_LENGTH",
           "MAX_SEED", "FLOAT_MAGNITUDE", "number", "vector", "text_list", "integer", "seed_value",
           "check_magnitude", "ball_magnitude", "shorten"]

#: Most entries of a vector option (``--start``, an error direction).
MAX_VECTOR_LENGTH = 10_000
#: Most items of a comma-separated list option (``--n``, ``--s``, ``--claims``, ...).
MAX_LIST_LENGTH = 1_000
#: Largest seed.
MAX_SEED = 2**63 - 1
#: Largest magnitude of a data entry for the float64 computations (squares and sums stay finite).
FLOAT_MAGNITUDE = Fraction(10) ** 100

_INTEGER = re.compile(r"[+-]?[0-9]+")


class InputError(ValueError):
    """A value given by the user is malformed or outside a limit (exit code 2)."""


def number(text: str, where: str) -> Fraction:
    """An exact rational within the number limits."""
    try:
        return exact_number(text, where)
    except NumberError as exc:
        raise InputError(str(exc)) from None


def vector(text: str, where: str, max_length: int = MAX_VECTOR_LENGTH) -> list[Fraction]:
    """Comma-separated exact numbers, at most ``max_length`` of them."""
    parts = text.split(",", max_length)
    if len(parts) > max_length:
        raise InputError(f"{where}: more than {max_length:,} entries (the limit)")
    return [number(p, f"{where}, entry {k + 1}") for k, p in enumerate(parts)]


def text_list(text: str, where: str, max_length: int = MAX_LIST_LENGTH) -> list[str]:
    """Comma-separated non-empty items (blanks around them removed), at most ``max_length``."""
    parts = [p.strip() for p in text.split(",", max_length)]
    if len(parts) > max_length:
        raise InputError(f"{where}: more than {max_length:,} items (the limit)")
    if not text.strip():
        raise InputError(f"{where}: empty list")
    if any(not p for p in parts):
        raise InputError(f"{where}: empty item in {shorten(text)}")
    return parts


def integer(text: str, where: str, minimum: int | None = None, maximum: int | None = None) -> int:
    """An integer in ``[minimum, maximum]``; the message names the bound that fails."""
    s = text.strip()
    if len(s) > 40 or not _INTEGER.fullmatch(s):
        raise InputError(f"{where} must be an integer, got {shorten(text)}")
    value = int(s)
    if minimum is not None and value < minimum:
        raise InputError(f"{where} must be at least {minimum:,}, got {value:,}")
    if maximum is not None and value > maximum:
        raise InputError(f"{where} must be at most {maximum:,} (the limit), got {value:,}")
    return value


def seed_value(text: str, where: str = "--seed") -> int:
    """A seed in ``[0, 2**63 - 1]``."""
    s = text.strip()
    if _INTEGER.fullmatch(s) and s.startswith("-") and len(s) <= 40:
        raise InputError(f"{where} must be non-negative, got {s}")
    return integer(text, where, 0, MAX_SEED)


def check_magnitude(rows: Iterable[Sequence[Fraction]], where: str, limit: Fraction, why: str) -> None:
    """Refuse an entry with ``|x| > limit`` (``why``: what cannot carry it, for the message)."""
    for i, row in enumerate(rows):
        for j, v in enumerate(row):
            if abs(v) > limit:
                raise InputError(f"{where}: entry ({i + 1}, {j + 1}) has magnitude above {_power(limit)}, "
                                 f"the largest {why} can carry")


def ball_magnitude(digits: int) -> Fraction:
    r"""Largest data magnitude the ball-arithmetic flow carries at ``digits``:
    :math:`10^{\min(\lfloor P/5\rfloor,\,20)}`. Measured with the data (1, 2), (10^e, 3) and
    the start (1, 1): certified in 48 steps up to e = P/5 (e = 12 at 50 digits, e = 20 at 100,
    300 and 2000 digits), while e = 40 at 50 to 200 digits and e = 22 at 150 digits run to the
    step limit and end as a one-row "tie"; the flow's exponents grow like :math:`|x|^2`."""
    return Fraction(10) ** min(digits // 5, 20)


def _power(limit: Fraction) -> str:
    k = len(str(limit.numerator // limit.denominator)) - 1
    return f"1e{k}" if limit == Fraction(10) ** k else str(limit)

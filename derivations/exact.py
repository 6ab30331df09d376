"""Exact rationals into the numeric types (one rounding, no Python float): no SymPy import.

:func:`exact_rational` is the one gate of the precision discipline (``docs/conventions.md``,
"Precision discipline"): it turns an exact number (``int``, :class:`~fractions.Fraction`,
:class:`~decimal.Decimal`, a SymPy or other :class:`numbers.Rational`, a decimal or ``p/q``
string) into a :class:`~fractions.Fraction` and refuses a Python or NumPy ``float`` (and
anything else inexact), whose binary value is rarely the number meant.
"""

from __future__ import annotations

import numbers
from decimal import Decimal
from fractions import Fraction

__all__ = ["to_mpf", "to_arb", "exact_rational", "InexactInputError"]

#: where the rules are written for people
PRECISION_DOC = "see 'Precision discipline' in docs/conventions.md"


class InexactInputError(TypeError):
    """A float (or another inexact number) where an exact rational is required."""


def exact_rational(value, what: str = "value") -> Fraction:
    """``value`` as an exact :class:`~fractions.Fraction`.

    Accepted: ``int`` (not ``bool``), ``Fraction``, a finite ``Decimal``, any
    :class:`numbers.Rational` (SymPy's ``Rational``, ``gmpy2.mpq``...) and a string of a decimal
    (``"0.25"``, ``"1e-3"``) or a rational (``"1/3"``). A ``float`` (Python or NumPy), an mpmath
    or arb number, a complex or a ``bool`` raises :class:`InexactInputError`; a malformed string
    :class:`ValueError`.
    """
    if isinstance(value, bool):
        raise InexactInputError(f"{what} = {value!r} is a bool, not a number")
    if isinstance(value, int | Fraction):
        return Fraction(value)
    if isinstance(value, numbers.Rational):
        return Fraction(int(value.numerator), int(value.denominator))
    if isinstance(value, Decimal):
        if not value.is_finite():
            raise ValueError(f"{what} = {value!r} is not finite")
        return Fraction(value)
    if isinstance(value, str):
        try:
            return Fraction(value.strip())
        except (ValueError, ZeroDivisionError):
            raise ValueError(f"{what} = {value!r} is not a decimal or p/q rational") from None
    if isinstance(value, float) or isinstance(value, numbers.Real) or isinstance(value, complex):
        raise InexactInputError(
            f"{what} = {value!r} is a {type(value).__name__}; give an exact rational (an int, a "
            f"Fraction, a Decimal or a string such as '0.1' or '1/10'; {PRECISION_DOC})")
    raise InexactInputError(f"{what} = {value!r} ({type(value).__name__}) is not an exact rational "
                            f"({PRECISION_DOC})")


def to_mpf(q: Fraction | int | str):
    """An exact rational as an mpmath number at the current precision (one rounding)."""
    import mpmath

    q = Fraction(q)
    return mpmath.mpf(q.numerator) / q.denominator


def to_arb(q: Fraction | int | str):
    """An exact rational as a flint ball containing it."""
    from flint import arb, fmpq

    q = Fraction(q)
    return arb(fmpq(q.numerator, q.denominator))

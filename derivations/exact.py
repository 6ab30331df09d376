"""Exact rationals into the numeric types (one rounding, no Python float): no SymPy import."""

from __future__ import annotations

from fractions import Fraction

__all__ = ["to_mpf", "to_arb"]


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

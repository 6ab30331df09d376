r"""The memorization criterion of Definition 2.2 (EDGE-DEF22, EDGE-DEF22-CODE).

A sample :math:`x` is *memorized* iff

.. math:: \lVert x-x_{(1)}\rVert^2\le c\,\lVert x-x_{(2)}\rVert^2 ,

with :math:`x_{(1)},x_{(2)}` its nearest and second-nearest **training** samples in plain
Euclidean distance and a constant :math:`0<c\le1` — the paper's form (non-strict, a general
:math:`c`; :math:`c=1/9` in its experiments), the default here. The authors' code
(``RatioOfDistancesMetric``, threshold 1/3 on plain distances) applies the **strict** inequality
:math:`d_{(1)}<d_{(2)}/3`, i.e. :math:`\lVert x-x_{(1)}\rVert^2<\frac19\lVert x-x_{(2)}\rVert^2`:
``strict=True``. The two readings differ only on the boundary
:math:`\lVert x-x_{(1)}\rVert^2=c\lVert x-x_{(2)}\rVert^2` (an Apollonius sphere, a null set for
any law with a density) and at a duplicated training point at distance 0.

Decisions at the edges:

* exact boundary: memorized (paper), **not** memorized (strict, the authors' code);
* a tie :math:`d_{(1)}=d_{(2)}>0`: not memorized in either reading (:math:`c<1`);
* a duplicated training point at distance 0: :math:`0\le0` memorized (paper), :math:`0<0` not
  (strict, as the authors' ``top_k`` implementation); a sample equal to a unique training point
  (:math:`d_{(1)}=0<d_{(2)}`) is memorized in both;
* :math:`N=1` (no second neighbour), an empty or non-finite input, mismatched dimensions, a
  :math:`c` outside :math:`(0,1]`: :class:`~verify.gmm.data.GMMError`.

With :math:`c=p/q` in lowest terms the float64 test is :math:`q\,d_{(1)}^2\le p\,d_{(2)}^2` (or
:math:`<`) on squared distances summed from coordinate differences, so that when those are
exactly representable (e.g. small integers, few-bit dyadic rationals) and :math:`p,q` small, it
agrees with the exact rational decision (:func:`memorized_exact`) even on the boundary; otherwise
the two can differ only within rounding of the boundary (:func:`float_margin`).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from fractions import Fraction
from numbers import Rational

import numpy as np

from .data import GMMError

__all__ = ["THRESHOLD_SQUARED", "PAPER_STRICT", "CODE_STRICT", "threshold", "nearest_two", "memorized",
           "memorization_ratio", "memorized_exact", "exact_nearest_two", "float_margin"]

#: :math:`c` on squared distances in the paper's experiments (1/3 on plain distances).
THRESHOLD_SQUARED = Fraction(1, 9)
#: The paper's Definition 2.2 is non-strict (:math:`\le`); the authors' code is strict (:math:`<`).
PAPER_STRICT, CODE_STRICT = False, True
#: Elements of the (chunk, N, d) difference array materialized at once.
_CHUNK_ELEMENTS = 1 << 22


def _validate(samples, train) -> tuple[np.ndarray, np.ndarray]:
    x = np.asarray(samples, dtype=float)
    X = np.asarray(train, dtype=float)
    if x.ndim != 2 or X.ndim != 2:
        raise GMMError(f"samples and train must be 2-D arrays (S, d) and (N, d), got shapes "
                       f"{x.shape} and {X.shape}")
    if x.shape[1] != X.shape[1]:
        raise GMMError(f"samples have dimension {x.shape[1]} but the training set {X.shape[1]}")
    if len(X) < 2:
        raise GMMError(f"the criterion needs N >= 2 training samples (a second neighbour), got N = {len(X)}")
    if not (np.isfinite(x).all() and np.isfinite(X).all()):
        raise GMMError("samples and training set must be finite (a NaN or inf sample cannot be classified)")
    return x, X


def threshold(c) -> Fraction:
    r"""The constant :math:`c` as an exact Fraction (a float is converted bit for bit, a string
    ``p/q`` or decimal read exactly); :class:`GMMError` unless :math:`0<c\le1`."""
    try:
        if isinstance(c, bool):
            raise TypeError
        if isinstance(c, float) and not math.isfinite(c):
            raise ValueError
        value = Fraction(c) if isinstance(c, Rational | float | str) else Fraction(float(c))
    except (TypeError, ValueError, ZeroDivisionError):
        raise GMMError(f"the criterion's constant c must be a number in (0, 1], got {c!r}") from None
    if not 0 < value <= 1:
        raise GMMError(f"the criterion's constant c must lie in (0, 1], got {c}")
    return value


def nearest_two(samples, train) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    r"""Squared distances :math:`d_{(1)}^2\le d_{(2)}^2` to the two nearest training samples and the
    index of the nearest, per sample: arrays of shape (S,)."""
    x, X = _validate(samples, train)
    S, N = len(x), len(X)
    d1, d2, idx = np.empty(S), np.empty(S), np.empty(S, dtype=np.int64)
    rows = max(1, _CHUNK_ELEMENTS // max(1, N * x.shape[1]))
    for lo in range(0, S, rows):
        diff = x[lo:lo + rows, None, :] - X[None, :, :]  # (chunk, N, d)
        sq = np.einsum("snd,snd->sn", diff, diff)  # exact differences, then squares and sums
        two = np.argpartition(sq, 1, axis=1)[:, :2]  # (chunk, 2), unordered
        pair = np.take_along_axis(sq, two, axis=1)
        order = np.argsort(pair, axis=1, kind="stable")
        pair = np.take_along_axis(pair, order, axis=1)
        d1[lo:lo + rows], d2[lo:lo + rows] = pair[:, 0], pair[:, 1]
        idx[lo:lo + rows] = np.take_along_axis(two, order, axis=1)[:, 0]
    return d1, d2, idx


def memorized(samples, train, c=THRESHOLD_SQUARED, strict: bool = PAPER_STRICT) -> np.ndarray:
    r"""Boolean array (S,): :math:`\lVert x-x_{(1)}\rVert^2\le c\lVert x-x_{(2)}\rVert^2` (the paper's
    Definition 2.2; default :math:`c=1/9`), or :math:`<` with ``strict=True`` (the authors' code)."""
    q = threshold(c)
    d1, d2, _ = nearest_two(samples, train)
    lhs, rhs = float(q.denominator) * d1, float(q.numerator) * d2
    return lhs < rhs if strict else lhs <= rhs


def memorization_ratio(samples, train, c=THRESHOLD_SQUARED, strict: bool = PAPER_STRICT) -> float:
    """Fraction of the samples that are memorized (needs at least one sample)."""
    flags = memorized(samples, train, c, strict)
    if flags.size == 0:
        raise GMMError("the memorization ratio needs at least one sample")
    return float(flags.mean())


def _exact_row(row, d: int | None, what: str) -> tuple[Fraction, ...]:
    out = tuple(Fraction(v) for v in row)
    if d is not None and len(out) != d:
        raise GMMError(f"{what} has dimension {len(out)}, expected {d}")
    return out


def exact_nearest_two(samples: Sequence[Sequence],
                      train: Sequence[Sequence]) -> list[tuple[Fraction, Fraction]]:
    r"""The two smallest squared distances :math:`d_{(1)}^2\le d_{(2)}^2` of each sample to the training
    set, exactly (:class:`~fractions.Fraction`; floats converted bit for bit). Every coordinate is put
    over one common denominator :math:`L`, so the sums of squares are integer arithmetic divided by
    :math:`L^2` once."""
    X = [_exact_row(r, None, "a training sample") for r in train]
    if len(X) < 2:
        raise GMMError(f"the criterion needs N >= 2 training samples (a second neighbour), got N = {len(X)}")
    d = len(X[0])
    X = [_exact_row(r, d, "a training sample") for r in X]
    xs = [_exact_row(r, d, "a sample") for r in samples]
    L = 1
    for row in (*X, *xs):
        for v in row:
            L = math.lcm(L, v.denominator)
    Xi = [[v.numerator * (L // v.denominator) for v in row] for row in X]
    out = []
    for row in xs:
        x = [v.numerator * (L // v.denominator) for v in row]
        sq = sorted(sum((a - b) * (a - b) for a, b in zip(x, xi, strict=True)) for xi in Xi)
        out.append((Fraction(sq[0], L * L), Fraction(sq[1], L * L)))
    return out


def memorized_exact(samples: Sequence[Sequence], train: Sequence[Sequence], c=THRESHOLD_SQUARED,
                    strict: bool = PAPER_STRICT) -> list[bool]:
    r"""The same decision in exact rationals (:class:`~fractions.Fraction`; floats are converted
    exactly, bit for bit): :math:`d_{(1)}^2\le c\,d_{(2)}^2` (``strict``: :math:`<`) decided without
    rounding (:func:`exact_nearest_two`)."""
    q = threshold(c)
    return [d1 < q * d2 if strict else d1 <= q * d2 for d1, d2 in exact_nearest_two(samples, train)]


def float_margin(samples, train, c=THRESHOLD_SQUARED) -> np.ndarray:
    r"""Relative margin :math:`|p\,d_{(2)}^2-q\,d_{(1)}^2|/\max(p\,d_{(2)}^2, \text{tiny})` per sample
    (:math:`c=p/q`): where it is above a few ulps, the float decision cannot differ from the exact
    one, and neither reading (strict or not) can differ from the other."""
    q = threshold(c)
    d1, d2, _ = nearest_two(samples, train)
    rhs = float(q.numerator) * d2
    return np.abs(rhs - float(q.denominator) * d1) / np.maximum(rhs, np.finfo(float).tiny)

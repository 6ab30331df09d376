r"""The memorization criterion of Definition 2.2 (EDGE-DEF22), exactly as the authors' code applies it.

A sample :math:`x` is *memorized* iff

.. math:: \lVert x-x_{(1)}\rVert^2<\tfrac19\,\lVert x-x_{(2)}\rVert^2

(strict), with :math:`x_{(1)},x_{(2)}` its nearest and second-nearest **training** samples in
plain Euclidean distance — equivalently :math:`d_{(1)}<d_{(2)}/3` on plain distances, the
authors' ``RatioOfDistancesMetric`` with threshold 1/3.

Decisions at the edges (all follow from the strict inequality):

* exact boundary :math:`\lVert x-x_{(1)}\rVert^2=\tfrac19\lVert x-x_{(2)}\rVert^2`: **not** memorized;
* a tie :math:`d_{(1)}=d_{(2)}` (two training points equally near): not memorized;
* a duplicated training point at distance 0: :math:`0<0` is false, so **not** memorized
  (as in the authors' ``top_k`` implementation); a sample equal to a unique training point
  (:math:`d_{(1)}=0<d_{(2)}`) is memorized;
* :math:`N=1` (no second neighbour), an empty or non-finite input, mismatched dimensions:
  :class:`~verify.gmm.data.GMMError`.

The float64 test is evaluated as :math:`9\,d_{(1)}^2<d_{(2)}^2` on squared distances summed
from coordinate differences, so that when those are exactly representable (e.g. small
integers, few-bit dyadic rationals) it agrees with the exact rational decision
(:func:`memorized_exact`) even on the boundary; otherwise the two can differ only within
rounding of the boundary (:func:`float_margin`).
"""

from __future__ import annotations

from collections.abc import Sequence
from fractions import Fraction

import numpy as np

from .data import GMMError

__all__ = ["THRESHOLD_SQUARED", "nearest_two", "memorized", "memorization_ratio", "memorized_exact",
           "float_margin"]

#: :math:`c` on squared distances (1/3 on plain distances).
THRESHOLD_SQUARED = Fraction(1, 9)
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


def memorized(samples, train) -> np.ndarray:
    r"""Boolean array (S,): :math:`\lVert x-x_{(1)}\rVert^2<\frac19\lVert x-x_{(2)}\rVert^2` (strict)."""
    d1, d2, _ = nearest_two(samples, train)
    return 9.0 * d1 < d2


def memorization_ratio(samples, train) -> float:
    """Fraction of the samples that are memorized (needs at least one sample)."""
    flags = memorized(samples, train)
    if flags.size == 0:
        raise GMMError("the memorization ratio needs at least one sample")
    return float(flags.mean())


def _exact_row(row, d: int | None, what: str) -> tuple[Fraction, ...]:
    out = tuple(Fraction(v) for v in row)
    if d is not None and len(out) != d:
        raise GMMError(f"{what} has dimension {len(out)}, expected {d}")
    return out


def memorized_exact(samples: Sequence[Sequence], train: Sequence[Sequence]) -> list[bool]:
    r"""The same decision in exact rationals (:class:`~fractions.Fraction`; floats are converted
    exactly, bit for bit): :math:`9\,d_{(1)}^2<d_{(2)}^2` decided without rounding."""
    X = [_exact_row(r, None, "a training sample") for r in train]
    if len(X) < 2:
        raise GMMError(f"the criterion needs N >= 2 training samples (a second neighbour), got N = {len(X)}")
    d = len(X[0])
    X = [_exact_row(r, d, "a training sample") for r in X]
    out = []
    for row in samples:
        x = _exact_row(row, d, "a sample")
        sq = sorted(sum(((a - b) ** 2 for a, b in zip(x, xi, strict=True)), Fraction(0)) for xi in X)
        out.append(THRESHOLD_SQUARED.denominator * sq[0] < THRESHOLD_SQUARED.numerator * sq[1])
    return out


def float_margin(samples, train) -> np.ndarray:
    r"""Relative margin :math:`|d_{(2)}^2-9d_{(1)}^2|/\max(d_{(2)}^2, \text{tiny})` per sample: where it
    is above a few ulps, the float decision cannot differ from the exact one."""
    d1, d2, _ = nearest_two(samples, train)
    return np.abs(d2 - 9.0 * d1) / np.maximum(d2, np.finfo(float).tiny)

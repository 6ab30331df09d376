r"""SEP-RATE: how the loss gap of SEP-T43's scan scales with the training-set size n.

Two quantities, each as a fitted exponent of :math:`n` (least squares in :math:`\log n`) with a
95 % percentile interval from resampling the data sets of every cell (independently per cell):

* * the **scale of the memorized regime**: :math:`\sigma_s/\alpha_s` at the departure point, where
  :math:`\mathbb E_{\mathcal D}[\mathrm{Loss\text{-}Gap}_s]` falls below
  :data:`~verify.separation.gap.DEPARTURE` times its memorized value
  (:func:`~verify.separation.gap.departure`), next to the mean nearest-neighbour distance of the data sets
  (which scales as :math:`n^{-1/d}` for large n);
* the **gap at a fixed** ``s``: :math:`\mathbb E_{\mathcal D}[\mathrm{Loss\text{-}Gap}_s]` itself.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np

from .gap import GapCell, departure
from .scores import coefficients

__all__ = ["ExponentFit", "noise_to_signal", "fit_exponent_in_n", "departure_scale", "nn_scale", "gap_at",
           "RESAMPLES"]

#: resamples of the data sets for the intervals
RESAMPLES = 400


def noise_to_signal(s: float) -> float:
    r""":math:`\sigma_s/\alpha_s` (the noise scale in data units) at time ``s``."""
    alpha, var = (float(v) for v in coefficients(s))
    return math.sqrt(var) / alpha


@dataclass(frozen=True)
class ExponentFit:
    """A fitted exponent of n with its 95 % resampling interval."""

    value: float
    low: float
    high: float
    ns: tuple[int, ...]
    values: tuple[float, ...]  # the quantity at each n (all data sets)
    replicas: int  # resamples that gave a value at every n

    def contains(self, x: float) -> bool:
        return self.low <= x <= self.high

    def text(self) -> str:
        return f"{self.value:.3f} [{self.low:.3f}, {self.high:.3f}]"


#: a quantity of one cell computed from the data sets with the given indices (None: undefined)
Quantity = Callable[[GapCell, np.ndarray], float | None]


def departure_scale(cell: GapCell, idx: np.ndarray) -> float | None:
    r""":math:`\sigma_s/\alpha_s` at the departure point of the mean gap over the data sets ``idx``."""
    mean = np.asarray(cell.per_dataset)[idx].mean(axis=0)
    dep = departure(cell.s, mean.tolist(), cell.asymptote)
    return None if dep is None else noise_to_signal(dep)


def nn_scale(cell: GapCell, idx: np.ndarray) -> float | None:
    """Mean nearest-neighbour distance over the data sets ``idx``."""
    return float(np.asarray(cell.nn_per_dataset)[idx].mean())


def gap_at(j: int) -> Quantity:
    """The mean gap at the j-th scanned s over the data sets ``idx`` (None unless positive)."""

    def quantity(cell: GapCell, idx: np.ndarray) -> float | None:
        value = float(np.asarray(cell.per_dataset)[idx, j].mean())
        return value if value > 0 else None

    return quantity


def _slope(ns: Sequence[int], values: Sequence[float]) -> float:
    x, y = np.log(np.asarray(ns, dtype=float)), np.log(np.asarray(values, dtype=float))
    x = x - x.mean()
    return float((x * (y - y.mean())).sum() / (x * x).sum())  # least-squares slope


def fit_exponent_in_n(cells: Sequence[GapCell], quantity: Quantity, seed: int,
                      resamples: int = RESAMPLES) -> ExponentFit | None:
    """Exponent of n of ``quantity`` over ``cells`` (one d, increasing n), with a percentile interval from
    resampling each cell's data sets; None when the quantity is undefined on the full data."""
    ns = tuple(c.n for c in cells)
    full = [quantity(c, np.arange(len(c.per_dataset))) for c in cells]
    if len(cells) < 2 or any(v is None for v in full):
        return None
    rng = np.random.default_rng([seed, 6, 1, cells[0].d])
    slopes = []
    for _ in range(resamples):
        vals = [quantity(c, rng.integers(0, len(c.per_dataset), len(c.per_dataset))) for c in cells]
        if all(v is not None for v in vals):
            slopes.append(_slope(ns, vals))
    if len(slopes) < resamples // 2:
        return None
    low, high = np.percentile(slopes, [2.5, 97.5])
    return ExponentFit(_slope(ns, full), float(low), float(high), ns, tuple(float(v) for v in full),
                       len(slopes))

r"""The paper's reading of the 4/5 (EDGE-45-PAPER): a loss weighting :math:`\lambda` *fitted by
regression* over a grid of cells so that the loss crossover predicts the *measured* transitions.

EDGE-45 reads "M⋆ ≈ (4/5)N" as the crossover of a *prescribed* weighting. The paper (research note
§3b, §5c) instead measures the transition :math:`M_{\rm pt}` of trained denoisers on a grid of
cells :math:`(d,K,N)`, recovers a weighting by regression ("train and test error
:math:`\le2\times10^{-4}`") and reports :math:`M_{\rm pt}\approx\frac45N`. This module is that
computation; the authors' fitting notebook is not public, so the family and the error metric below
are our reading.

**Per cell** :math:`c`: the transition :math:`m_c=M_{1/2}/N` of the sweep's records
(:func:`verify.gmm.sweep.locate_transition`: the memorization ratio crossing 1/2), and the measured
excess losses in :math:`x_0` units per grid time, :math:`E^{\rm gen}_t=\mathcal L_t(\theta_\star)
-\mathcal L_t(\theta_{\rm mem})` and :math:`E^{M}_t=\mathcal L_t(\theta_{{\rm pmem},M})
-\mathcal L_t(\theta_{\rm mem})` at the sizes :data:`LOSS_FRACTIONS` of :math:`N`
(:func:`cell_losses`).

**Prediction** (EDGE-45's "losses" reading with :math:`\lambda` the unknown): the authors weight
the :math:`\varepsilon`-prediction loss (their ``loss_weight_function`` times the
:math:`x_0\to\varepsilon` factor :math:`\psi_t=\alpha_t^2/\sigma_t^2`), so a weighting
:math:`\lambda_t` in :math:`\varepsilon` units weighs the :math:`x_0`-unit losses by
:math:`w_t=\psi_t\lambda_t`, and

.. math:: \hat m_c(\lambda)=\Big\{\tfrac MN:\ \sum_tw_tE^{M}_t=\sum_tw_tE^{\rm gen}_t\Big\}

with :math:`E^M` interpolated linearly in :math:`M` (0 at :math:`M=N`;
:func:`verify.gmm.crossover.excess_root`).

**Family** (:data:`FAMILIES`): ``snr-power``, :math:`\lambda_\theta(t)=\psi_t^{-\theta}` in
:math:`\varepsilon` units, i.e. :math:`w_t=\psi_t^{1-\theta}`: :math:`\theta=0` is the authors'
training objective (uniform :math:`\varepsilon` loss), :math:`\theta=1` uniform :math:`x_0` loss
(the prescribed weighting of EDGE-45 that gives 4/5); one parameter, so a handful of cells
suffices to fit it and the held-out cells test it.

**Regression**: :math:`\hat\theta=\arg\min_\theta\frac1{|T|}\sum_{c\in T}(\hat m_c(\lambda_\theta)-m_c)^2`
over the training cells :math:`T` (:func:`split_cells`: a seeded split), by a dense scan of the
bounds refined by golden section. Train and test error: the mean squared error in :math:`M/N`
(our reading of the paper's "error"; an RMS of 0.014 is an MSE of :math:`2\times10^{-4}`).

**Slope**: :math:`M_{\rm pt}=sN` by least squares through the origin over the cells (and the
mean and spread of :math:`m_c`): is :math:`s\approx4/5`?

:func:`run_fit_grid` runs a grid's sweep on the Dask engine (:func:`verify.gmm.distributed.run_sweep_dask`,
resumable), the losses per cell (written atomically, resumable), writes one record file
(:func:`records_json`) and fits; :func:`analyse_records` redoes the analysis from such a file (what
the EDGE-45-PAPER checker does with the committed reduced grid).
"""

from __future__ import annotations

import json
import math
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from .data import PAPER_SCHEDULE, GMMError, GMMSetting, generate, paper_grid, process
from .sweep import GRIDS, SWEEP_STEPS, SweepConfig, Transition, locate_transition
from .training import TrainingConfig

__all__ = ["FitGrid", "FIT_GRIDS", "LOSS_FRACTIONS", "LOSS_DRAWS", "PAPER_ERROR", "FOUR_FIFTHS",
           "WeightingFamily", "FAMILIES", "RECORDS_FORMAT", "RECORDS_VERSION", "FitCell", "FitResult",
           "Slope", "grid_config", "loss_sizes", "cell_losses", "x0_weights", "predicted_slope",
           "closed_form_slope", "split_cells", "fit_weighting", "evaluate_weighting", "slope_across_cells",
           "cells_from_records", "records_json", "load_records", "write_records", "analyse_records",
           "run_fit_grid", "estimate_core_seconds", "summary_json", "chi2_quantile",
           "transition_sigma", "error_allowance", "same_transition", "agreement", "COUNT_TOLERANCE",
           "numerics", "RECORDS_NAME", "FIT_NAME"]

#: The paper's reported train/test error of the weighting regression.
PAPER_ERROR = 2e-4
FOUR_FIFTHS = 0.8
#: Partial-memorization sizes of the loss records, as fractions of N (dense around 4/5).
LOSS_FRACTIONS = (0.5, 0.6, 0.7, 0.75, 0.8, 0.85, 0.9, 0.95)
#: Noise batches of the loss records.
LOSS_DRAWS = 32
RECORDS_FORMAT = "memverify-edge45-records"
RECORDS_VERSION = 1
#: File names the command writes in its output directory.
RECORDS_NAME, FIT_NAME = "edge45-records.json", "fit.json"
#: Core-seconds per unit of training work steps x N x R x M x d (:func:`estimate_core_seconds`): EDGE-PT's
#: cell, about 1.8e10 units, trains in about 20 s on an idle core (the README's timing, and 22 s measured
#: for d=30, K=12, N=50); the committed reduced grid, on 2 cores at a load average of 10-15, measured
#: 1.7e-8 per unit.
SECONDS_PER_UNIT = 1.3e-9


@dataclass(frozen=True)
class FitGrid:
    """Cells, compressed training and the train/test split of one named grid."""

    name: str
    cells: tuple[tuple[int, int, int], ...]  # (d, K, N)
    steps: int
    draws: int
    test_fraction: float
    description: str


def _product(spec: Mapping[str, Sequence[int]]) -> tuple[tuple[int, int, int], ...]:
    return tuple((d, K, N) for d in spec["d"] for K in spec["K"] for N in spec["N"])


#: ``reduced``: five small cells of the authors' grid, EDGE-PT's training (2 000 compressed steps, R = 8,
#: so its cell d=30, K=3, N=50 is the same computation); ``paper``: the authors' 64 cells with the
#: sweep's default training (5 000 compressed steps standing for their 50 000, R = 8).
FIT_GRIDS: dict[str, FitGrid] = {
    "reduced": FitGrid("reduced", ((30, 3, 50), (30, 6, 50), (40, 3, 50), (40, 6, 50), (30, 3, 100)), 2000,
                       8, 0.4, "5 cells: d in {30, 40} x K in {3, 6} at N = 50, and d=30 K=3 N=100; "
                       "2 000 steps"),
    "paper": FitGrid("paper", _product(GRIDS["paper"]), SWEEP_STEPS, 8, 0.25,
                     "the authors' 64 cells d in {30,40,50,60} x K in {3,6,9,12} x N in {50,100,150,200}; "
                     f"{SWEEP_STEPS} steps"),
}


def grid_config(grid: FitGrid, steps: int | None = None, draws: int | None = None) -> SweepConfig:
    """The sweep settings of a grid: compressed training, 50 DDIM samples, the authors' refinement."""
    return SweepConfig(TrainingConfig.compressed(steps or grid.steps, draws or grid.draws), 50, refine=True,
                       resamples=2000)


def estimate_core_seconds(cells: Sequence[tuple[int, int, int]], steps: int, draws: int = 8) -> float:
    r"""Rough training cost of a grid in core-seconds: per cell about :math:`15.5N` summed model sizes
    (first pass :math:`5.5N`, refinement about :math:`10N`), each step costing
    :math:`N R M d` units (:data:`SECONDS_PER_UNIT`)."""
    return float(sum(SECONDS_PER_UNIT * steps * N * draws * 15.5 * N * d for d, _, N in cells))


# -- weighting family -------------------------------------------------------------------------------------

@dataclass(frozen=True)
class WeightingFamily:
    r"""A one-parameter family of :math:`\varepsilon`-unit weightings :math:`\lambda_\theta(t)` (a
    function of :math:`\psi_t`), with the bounds of the search."""

    name: str
    description: str
    bounds: tuple[float, float]
    fn: Callable[[float, np.ndarray], np.ndarray] = field(repr=False, compare=False)

    def epsilon_weights(self, theta: float, psi: np.ndarray) -> np.ndarray:
        r""":math:`\lambda_\theta(t)` at the grid's :math:`\psi_t` (weights of the
        :math:`\varepsilon` loss)."""
        return self.fn(theta, np.asarray(psi, dtype=float))


def _snr_power(theta: float, psi: np.ndarray) -> np.ndarray:
    return np.exp(-theta * np.log(psi))


FAMILIES: dict[str, WeightingFamily] = {
    "snr-power": WeightingFamily(
        "snr-power", "lambda(t) = psi_t^(-theta) on the epsilon loss (theta = 0: the authors' uniform "
        "epsilon objective; theta = 1: uniform x0 loss)", (-1.0, 3.0), _snr_power),
}


def x0_weights(lam_eps: np.ndarray, psi: np.ndarray) -> np.ndarray:
    r"""Weights of the :math:`x_0`-unit losses, :math:`w_t=\psi_t\lambda_t` (the authors'
    :math:`x_0\to\varepsilon` conversion factor), normalised to sum 1."""
    w = np.asarray(psi, dtype=float) * np.asarray(lam_eps, dtype=float)
    total = w.sum()
    if not (np.isfinite(w).all() and total > 0 and (w >= 0).all()):
        raise GMMError("a weighting must be finite, >= 0 and not all 0 on the grid")
    return w / total


# -- per-cell losses and predictions ---------------------------------------------------------------------

def loss_sizes(N: int, fractions: Sequence[float] = LOSS_FRACTIONS) -> list[int]:
    """``round(f N)`` for each fraction, within 1..N-1, distinct and sorted."""
    return sorted({min(N - 1, max(1, int(round(f * N)))) for f in fractions})


def cell_losses(setting: GMMSetting, draws: int = LOSS_DRAWS, fractions: Sequence[float] = LOSS_FRACTIONS,
                schedule: str = PAPER_SCHEDULE) -> dict[str, Any]:
    r"""Measured excesses of one cell on the paper's grid (Monte Carlo, paired batches, seeded by the
    cell): ``generalizing`` :math:`E^{\rm gen}_t` and ``partial[M]`` :math:`E^M_t`, each with its 95 %
    half-width, in :math:`x_0` units; JSON-ready."""
    from .losses import standard_denoisers, training_losses

    if setting.N < 3:
        raise GMMError(f"the loss records need N >= 3, got N = {setting.N}")
    data = generate(setting)
    Ms = loss_sizes(setting.N, fractions)
    rng = np.random.default_rng([setting.seed, setting.d, setting.K, setting.N, 0x45F1])
    table = training_losses(data, standard_denoisers(data, Ms), paper_grid(), process(schedule), draws, rng)
    gen = table.difference("generalizing", "memorizing")
    partial = {}
    for label, M in sorted(table.M.items(), key=lambda kv: kv[1]):
        e = table.difference(label, "memorizing")
        partial[str(M)] = {"mean": e.mean.tolist(), "half": e.half.tolist()}
    return {"times": table.times.tolist(), "psi": table.psi.tolist(), "schedule": schedule, "draws": draws,
            "generalizing": {"mean": gen.mean.tolist(), "half": gen.half.tolist()}, "partial": partial}


@dataclass(frozen=True)
class FitCell:
    """One cell of the regression: its setting, the measured transition and the excess losses."""

    setting: GMMSetting
    transition: Transition
    times: np.ndarray
    psi: np.ndarray
    gen_excess: np.ndarray  # (T,)
    sizes: tuple[int, ...]
    partial_excess: np.ndarray  # (len(sizes), T)

    @property
    def key(self) -> str:
        return self.setting.key()

    @property
    def m_pt(self) -> float:
        """The measured transition :math:`M_{1/2}/N`."""
        return float(self.transition.half)


def predicted_slope(cell: FitCell, w: np.ndarray) -> float:
    r""":math:`\hat m_c`: the :math:`M/N` where the weighted partial excess meets the weighted
    generalizing excess (``w``: :math:`x_0`-unit weights per time); nan when outside the sizes."""
    from .crossover import excess_root

    target = float(w @ cell.gen_excess)
    excess = cell.partial_excess @ w
    return excess_root(list(cell.sizes), excess.tolist(), target, cell.setting.N)


def closed_form_slope(psi: np.ndarray, w: np.ndarray, C: float, var: float = 1.0) -> float:
    r"""EDGE-45's closed form with weights ``w``: :math:`1-\sum_tw_tA_t/(C\sum_tw_t)`,
    :math:`A_t=(1+\psi_t\sigma_\star^2)^{-1}` from the derived single-Gaussian MMSE (per coordinate)."""
    from .crossover import generalizing_excess

    A = generalizing_excess(1, var, np.asarray(psi, dtype=float)) / var
    return float(1.0 - (w @ A) / (C * w.sum()))


# -- the regression -------------------------------------------------------------------------------------

def split_cells(keys: Sequence[str], test_fraction: float, seed: int = 0) -> tuple[list[str], list[str]]:
    """(train, test): a seeded permutation of the sorted keys; at least one cell on each side."""
    keys = sorted(keys)
    if len(keys) < 2:
        raise GMMError("a train/test split needs at least two cells")
    if not 0 < test_fraction < 1:
        raise GMMError(f"the test fraction must lie in (0, 1), got {test_fraction}")
    n_test = min(len(keys) - 1, max(1, int(round(test_fraction * len(keys)))))
    order = np.random.default_rng([seed, 0x5E1]).permutation(len(keys))
    test = sorted(keys[i] for i in order[:n_test])
    return [k for k in keys if k not in test], test


def _mse(cells: Sequence[FitCell], w: np.ndarray) -> tuple[float, list[float]]:
    preds = [predicted_slope(c, w) for c in cells]
    errs = [(p - c.m_pt) ** 2 for p, c in zip(preds, cells, strict=True)]
    return (float(np.mean(errs)) if all(math.isfinite(e) for e in errs) else math.inf), preds


@dataclass
class FitResult:
    """The fitted weighting, the train and test errors and the per-cell predictions."""

    family: str
    theta: float
    train: list[str]
    test: list[str]
    train_mse: float
    test_mse: float
    predictions: dict[str, float]
    measured: dict[str, float]
    lam_eps: np.ndarray  # fitted epsilon-unit weights on the grid (max 1)
    w_x0: np.ndarray  # the same as x0-unit weights (sum 1)
    closed_form: dict[str, float]  # closed form of EDGE-45 with the fitted weights, C = 1 and 2
    prescribed: dict[str, dict[str, float]]  # errors of prescribed weightings on the same split

    def to_json(self) -> dict[str, Any]:
        return {"family": self.family, "description": FAMILIES[self.family].description,
                "theta": self.theta, "train": self.train, "test": self.test,
                "train_mse": _num(self.train_mse),
                "test_mse": _num(self.test_mse), "paper_error": PAPER_ERROR,
                "predictions": {k: _num(v) for k, v in self.predictions.items()},
                "measured": {k: _num(v) for k, v in self.measured.items()},
                "lambda_epsilon": self.lam_eps.tolist(), "w_x0": self.w_x0.tolist(),
                "closed_form_with_fitted_weights": self.closed_form,
                "prescribed": {k: {side: _num(v) for side, v in e.items()}
                               for k, e in self.prescribed.items()}}


def _num(v: float) -> float | None:
    return float(v) if v is not None and math.isfinite(v) else None


def evaluate_weighting(cells: Sequence[FitCell], lam_eps: np.ndarray, train: Sequence[str],
                       test: Sequence[str]) -> dict[str, float]:
    """Train and test MSE of one fixed ε-unit weighting on the grid's cells (the cells share one grid)."""
    by = {c.key: c for c in cells}
    w = x0_weights(lam_eps, cells[0].psi)
    preds = [predicted_slope(c, w) for c in cells]
    return {"train_mse": _mse([by[k] for k in train], w)[0], "test_mse": _mse([by[k] for k in test], w)[0],
            "mean_prediction": float(np.mean(preds))}


def _golden(f: Callable[[float], float], lo: float, hi: float, iterations: int = 60) -> float:
    g = (math.sqrt(5) - 1) / 2
    a, b = lo, hi
    c, d = b - g * (b - a), a + g * (b - a)
    fc, fd = f(c), f(d)
    for _ in range(iterations):
        if fc <= fd:
            b, d, fd = d, c, fc
            c = b - g * (b - a)
            fc = f(c)
        else:
            a, c, fc = c, d, fd
            d = a + g * (b - a)
            fd = f(d)
    return (a + b) / 2


def fit_weighting(cells: Sequence[FitCell], train: Sequence[str], test: Sequence[str],
                  family: str = "snr-power", scan: int = 401, closed_forms: bool = True) -> FitResult:
    r""":math:`\hat\theta` minimising the training cells' mean squared error of :math:`\hat m_c-m_c`
    (a scan of ``scan`` points over the family's bounds, then golden section between the best point's
    neighbours); the errors of the fitted and of prescribed weightings on both sides of the split
    (``closed_forms``: also EDGE-45's closed forms, which derive :math:`A_t` with SymPy, about 2 s)."""
    if family not in FAMILIES:
        raise GMMError(f"unknown weighting family {family!r} (known: {', '.join(FAMILIES)})")
    fam = FAMILIES[family]
    by = {c.key: c for c in cells}
    missing = [k for k in (*train, *test) if k not in by]
    if missing or not train or not test:
        raise GMMError(f"the split names cells without records: {', '.join(missing) or 'an empty side'}")
    psi = cells[0].psi
    if any(c.psi.shape != psi.shape or not np.array_equal(c.psi, psi) for c in cells):
        raise GMMError("every cell must share one time grid")
    bad = [c.key for c in cells if not math.isfinite(c.m_pt)]
    if bad:
        raise GMMError(f"no measured transition (the ratio never crosses 1/2) in {', '.join(bad)}: leave "
                       "such cells out of the split")
    tr, te = [by[k] for k in train], [by[k] for k in test]

    def loss(theta: float) -> float:
        return _mse(tr, x0_weights(fam.epsilon_weights(theta, psi), psi))[0]

    grid = np.linspace(*fam.bounds, scan)
    values = np.array([loss(float(t)) for t in grid])
    if not np.isfinite(values).any():
        raise GMMError("no weighting of the family brackets every training cell's transition")
    j = int(np.argmin(values))
    theta = _golden(loss, float(grid[max(j - 1, 0)]), float(grid[min(j + 1, scan - 1)]))
    if loss(theta) > values[j]:
        theta = float(grid[j])
    lam = fam.epsilon_weights(theta, psi)
    lam = lam / lam.max()
    w = x0_weights(lam, psi)
    train_mse, _ = _mse(tr, w)
    test_mse, _ = _mse(te, w)
    preds = {c.key: predicted_slope(c, w) for c in cells}
    prescribed = {}
    for name, t in (("uniform epsilon (theta = 0, the authors' training objective)", 0.0),
                    ("uniform x0 (theta = 1, EDGE-45's matching reading)", 1.0)):
        prescribed[name] = evaluate_weighting(cells, fam.epsilon_weights(t, psi), train, test)
    uniform = x0_weights(np.ones_like(psi) / psi, psi)
    for C in (1.0, 2.0) if closed_forms else ():
        slope = closed_form_slope(psi, uniform, C)
        prescribed[f"closed form, uniform x0, C = {C:g} ({slope:.4f} in every cell)"] = {
            side: float(np.mean([(slope - by[k].m_pt) ** 2 for k in keys]))
            for side, keys in (("train_mse", train), ("test_mse", test))} | {"mean_prediction": slope}
    constants = (1.0, 2.0) if closed_forms else ()
    return FitResult(family, float(theta), list(train), list(test), train_mse, test_mse, preds,
                     {c.key: c.m_pt for c in cells}, lam, w,
                     {f"C = {C:g}": closed_form_slope(psi, w, C) for C in constants}, prescribed)


def chi2_quantile(p: float, df: int) -> float:
    r"""Quantile of :math:`\chi^2_{\rm df}` (mpmath's regularized lower incomplete gamma, bisection)."""
    import mpmath

    if df < 1 or not 0 < p < 1:
        raise GMMError(f"chi2_quantile needs df >= 1 and 0 < p < 1, got df={df}, p={p}")
    k = mpmath.mpf(df) / 2

    def cdf(x: float) -> float:
        return float(mpmath.gammainc(k, 0, mpmath.mpf(x) / 2, regularized=True))

    lo, hi = 0.0, float(df) + 10.0
    while cdf(hi) < p:
        lo, hi = hi, 2 * hi
    for _ in range(100):
        mid = (lo + hi) / 2
        lo, hi = (mid, hi) if cdf(mid) < p else (lo, mid)
    return (lo + hi) / 2


def transition_sigma(cell: FitCell) -> float:
    r"""Standard error of :math:`m_c` from its 95 % interval (half its width over 1.96): the sampling
    noise of the memorization ratios only (not the training randomness)."""
    lo, hi = cell.transition.half_ci
    return (hi - lo) / (2 * 1.959963984540054)


def error_allowance(cells: Sequence[FitCell], level: float = PAPER_ERROR, p: float = 0.95) -> float:
    r"""The largest RMS of :math:`\hat m_c-m_c` over ``cells`` consistent at level ``p`` with a true
    MSE :math:`\le` ``level``, given the measurement noise of the :math:`m_c`:
    :math:`\sqrt{\rm level}+\sqrt{\max_c\sigma_c^2\,\chi^2_{p,n}/n}`. With
    :math:`m_c=m^{\rm true}_c+e_c`, :math:`e_c\sim\mathcal N(0,\sigma_c^2)` independent,
    :math:`\lVert\hat m-m\rVert\le\lVert\hat m-m^{\rm true}\rVert+\lVert e\rVert` and
    :math:`\lVert e\rVert^2\le\max\sigma_c^2\sum e_c^2/\sigma_c^2`, so a larger RMS rejects the
    level with probability of error at most :math:`1-p` (conservative; the training randomness
    is not in :math:`\sigma_c`)."""
    n = len(cells)
    if n < 1:
        raise GMMError("no cells")
    worst = max(transition_sigma(c) ** 2 for c in cells)
    return math.sqrt(level) + math.sqrt(worst * chi2_quantile(p, n) / n)


@dataclass(frozen=True)
class Slope:
    r""":math:`M_{\rm pt}=sN` through the origin (``s``, its 95 % half-width), the mean and standard
    deviation of :math:`m_c`, and the largest distance of a cell's 95 % interval from 4/5."""

    s: float
    s_half: float
    mean: float
    sd: float
    cells: int
    worst_gap: float

    def to_json(self) -> dict[str, float]:
        return {"s": self.s, "s_half": self.s_half, "mean": self.mean, "sd": self.sd, "cells": self.cells,
                "worst_gap_from_four_fifths": self.worst_gap}


def slope_across_cells(cells: Sequence[FitCell]) -> Slope:
    r"""Least squares :math:`M_{\rm pt}=sN` over the cells, with a Student-:math:`t` 95 % half-width
    from the residuals, and the gap of each cell's interval from 4/5 (0 when it contains 4/5)."""
    from .losses import t_quantile

    N = np.array([c.setting.N for c in cells], dtype=float)
    M = np.array([c.m_pt * c.setting.N for c in cells])
    if len(cells) < 2 or not np.isfinite(M).all():
        raise GMMError("a slope needs at least two cells with a measured transition")
    s = float(N @ M / (N @ N))
    resid = M - s * N
    se = math.sqrt(float(resid @ resid) / (len(N) - 1) / float(N @ N))
    gaps = [max(0.0, c.transition.half_ci[0] - FOUR_FIFTHS, FOUR_FIFTHS - c.transition.half_ci[1])
            for c in cells]
    m = M / N
    return Slope(s, t_quantile(0.975, len(N) - 1) * se, float(m.mean()), float(m.std(ddof=1)), len(cells),
                 float(max(gaps)))


# -- records ---------------------------------------------------------------------------------------------

def numerics(blas_threads: int | None = None) -> dict[str, Any]:
    """What the bits of a training run depend on besides the code: numpy, the BLAS library (name,
    version, kernel architecture) and the BLAS threads of training (:data:`~.training.TRAINING_BLAS_THREADS`
    whatever the worker has)."""
    out: dict[str, Any] = {"numpy": np.__version__, "blas": None, "blas_threads": blas_threads}
    try:
        from threadpoolctl import threadpool_info

        info = [i for i in threadpool_info() if i.get("user_api") == "blas"]
        if info:
            i = info[0]
            out["blas"] = f"{i.get('internal_api')} {i.get('version')} {i.get('architecture')}"
    except ImportError:  # pragma: no cover - a dependency of dask's workers here
        pass
    return out


def records_json(grid: str, config: SweepConfig, cells: Sequence[dict[str, Any]], test_fraction: float,
                 split_seed: int = 0, command: str = "", blas_threads: int | None = None) -> dict[str, Any]:
    """The record file: the grid, the settings, the numerics (:func:`numerics`), and per cell its sweep
    points, transition and losses."""
    from .. import __version__

    return {"format": RECORDS_FORMAT, "version": RECORDS_VERSION, "memverify": __version__, "grid": grid,
            "command": command, "numerics": numerics(blas_threads),
            "sweep": {"training": config.training.to_json(), "samples": config.samples,
                      "refine": config.refine, "resamples": config.resamples, "digest": config.digest()},
            "losses": {"draws": LOSS_DRAWS, "fractions": list(LOSS_FRACTIONS), "schedule": PAPER_SCHEDULE},
            "split": {"test_fraction": test_fraction, "seed": split_seed}, "cells": list(cells)}


def write_records(path: Path, records: Mapping[str, Any]) -> None:
    """Write a record file atomically."""
    from derivations.printing import write_text_atomic

    Path(path).parent.mkdir(parents=True, exist_ok=True)
    write_text_atomic(Path(path), json.dumps(records, indent=1))


def load_records(path: Path) -> dict[str, Any]:
    """A record file, checked for its format (:class:`GMMError`, one line, otherwise)."""
    try:
        records = json.loads(Path(path).read_text())
    except OSError as exc:
        raise GMMError(f"{path}: cannot read ({exc.strerror or exc})") from None
    except (json.JSONDecodeError, UnicodeDecodeError):
        raise GMMError(f"{path}: not valid JSON") from None
    if not isinstance(records, dict) or records.get("format") != RECORDS_FORMAT:
        raise GMMError(f"{path}: not a memverify EDGE-45 record file")
    if records.get("version") != RECORDS_VERSION:
        raise GMMError(f"{path}: record version {records.get('version')!r}, expected {RECORDS_VERSION}")
    cells = records.get("cells")
    if not isinstance(cells, list) or len(cells) < 2:
        raise GMMError(f"{path}: needs at least two cells")
    return records


def _setting(raw: Mapping[str, Any]) -> GMMSetting:
    return GMMSetting(int(raw["d"]), int(raw["K"]), int(raw["N"]), float(raw["var_star"]), int(raw["seed"]))


def cells_from_records(records: Mapping[str, Any]) -> tuple[list[FitCell], list[dict[str, Any]]]:
    """The regression cells, with each transition *recomputed* from the recorded points
    (:func:`~verify.gmm.sweep.locate_transition`), and per cell whether it equals the recorded one."""
    resamples = int(records["sweep"]["resamples"])
    cells, checks = [], []
    for raw in records["cells"]:
        try:
            s = _setting(raw["setting"])
            points = sorted(raw["points"], key=lambda p: p["M"])
            Ms = [int(p["M"]) for p in points]
            t = locate_transition(Ms, [int(p["memorized"]) for p in points],
                                  [int(p["samples"]) for p in points], s.N, resamples, s.seed)
            loss = raw["losses"]
            sizes = tuple(sorted(int(m) for m in loss["partial"]))
            cell = FitCell(s, t, np.asarray(loss["times"], dtype=float), np.asarray(loss["psi"], dtype=float),
                           np.asarray(loss["generalizing"]["mean"], dtype=float), sizes,
                           np.array([loss["partial"][str(m)]["mean"] for m in sizes], dtype=float))
        except (KeyError, TypeError, ValueError) as exc:
            raise GMMError(f"a record cell is malformed ({type(exc).__name__}: {exc})") from None
        cells.append(cell)
        checks.append({"cell": s.key(), "recomputed": t.to_json(), "recorded": raw.get("transition"),
                       "equal": same_transition(t.to_json(), raw.get("transition"))})
    return cells, checks


def same_transition(a: Mapping[str, Any] | None, b: Mapping[str, Any] | None, tol: float = 1e-9) -> bool:
    """Two transitions (``Transition.to_json``) equal: the same status and window sizes, every fraction
    within ``tol`` (the Jeffreys resampling uses the platform's ``log``/``exp``: last bits may differ)."""
    if not isinstance(a, Mapping) or not isinstance(b, Mapping):
        return False
    if (a.get("status"), a.get("start"), a.get("end")) != (b.get("status"), b.get("start"), b.get("end")):
        return False
    left = [a.get("half"), *(a.get("half_ci") or []), *(a.get("window") or [])]
    right = [b.get("half"), *(b.get("half_ci") or []), *(b.get("window") or [])]
    if len(left) != len(right):
        return False
    return all((x is None and y is None) or (x is not None and y is not None and abs(x - y) <= tol)
               for x, y in zip(left, right, strict=True))


#: A retrained cell agrees with its record when its M_1/2/N lies in the record's 95 % interval and no
#: memorized count at a shared size differs by more than this fraction of the samples. Training is
#: chaotic near the transition: a relative change of 1e-15 in the data (or another summation order, BLAS,
#: BLAS thread count or processor) moves a model at M = 38 of d=30, K=3, N=50 from 19 to 18 memorized of
#: 50 (measured), so records are bit for bit only with the same code, numpy, BLAS and BLAS threads
#: (:func:`numerics`; measured: EDGE-PT's cell retrained in one process with one BLAS thread equals the
#: records of the two single-threaded Dask workers exactly, with two BLAS threads 18 of 22 counts).
COUNT_TOLERANCE = 0.2


def agreement(Ms: Sequence[int], counts: Sequence[int], samples: int, record: Mapping[str, Any],
              resamples: int) -> dict[str, Any]:
    """How a retrained cell (sizes, memorized counts of ``samples``) compares with its record: exact
    pairs, the largest count difference at shared sizes, its M_1/2/N against the record's interval,
    and ``agrees`` (see :data:`COUNT_TOLERANCE`)."""
    s = _setting(record["setting"])
    mine = {int(M): int(k) for M, k in zip(Ms, counts, strict=True)}
    theirs = {int(p["M"]): int(p["memorized"]) for p in record["points"]}
    shared = sorted(set(mine) & set(theirs))
    exact = sum(mine[M] == theirs[M] for M in shared) if set(mine) == set(theirs) else 0
    worst = max((abs(mine[M] - theirs[M]) for M in shared), default=samples)
    t = locate_transition(sorted(mine), [mine[M] for M in sorted(mine)], samples, s.N, resamples, s.seed)
    lo, hi = (record.get("transition") or {}).get("half_ci") or [math.nan, math.nan]
    inside = lo is not None and hi is not None and math.isfinite(t.half) and lo <= t.half <= hi
    identical = set(mine) == set(theirs) and exact == len(shared)
    return {"identical": identical, "exact_pairs": exact, "shared": len(shared),
            "sizes": [len(mine), len(theirs)], "largest_count_difference": worst, "half": t.half,
            "record_half_ci": [lo, hi], "half_inside": bool(inside),
            "agrees": identical or (bool(inside) and worst <= COUNT_TOLERANCE * samples)}


def analyse_records(records: Mapping[str, Any], family: str = "snr-power",
                    closed_forms: bool = True) -> dict[str, Any]:
    """Fit, errors and slope of a record file (the split its ``split`` entry names; ``closed_forms``:
    see :func:`fit_weighting`)."""
    cells, checks = cells_from_records(records)
    usable = [c for c in cells if math.isfinite(c.m_pt)]
    split = records.get("split", {})
    train, test = split_cells([c.key for c in usable], float(split.get("test_fraction", 0.25)),
                              int(split.get("seed", 0)))
    fit = fit_weighting(usable, train, test, family, closed_forms=closed_forms)
    return {"cells": usable, "no_transition": [c.key for c in cells if not math.isfinite(c.m_pt)],
            "transitions": checks, "fit": fit, "slope": slope_across_cells(usable)}


# -- the command's engine --------------------------------------------------------------------------------

def _cell_record(result, losses: dict[str, Any]) -> dict[str, Any]:
    s = result.setting
    return {"setting": {"d": s.d, "K": s.K, "N": s.N, "var_star": s.var_star, "seed": s.seed},
            "points": [{k: p[k] for k in ("M", "memorized", "samples", "ratio", "std", "final_loss")}
                       for p in result.points],
            "transition": result.transition.to_json(), "losses": losses}


def _losses_path(out: Path, setting: GMMSetting) -> Path:
    return Path(out) / "losses" / f"{setting.key()}-draws{LOSS_DRAWS}-v{RECORDS_VERSION}.json"


def run_fit_grid(grid: str | FitGrid, out: Path, workers: int = 2, scheduler: str | None = None,
                 seed: int = 0, steps: int | None = None, draws: int | None = None,
                 progress: Callable[[str], None] | None = None, command: str = "") -> dict[str, Any]:
    """Sweep the grid on Dask (resumable in ``out``), measure each cell's losses (written atomically,
    resumable), write ``out/edge45-records.json`` and ``out/fit.json``; returns the analysis with
    ``records`` and ``seconds``."""
    from .distributed import run_sweep_dask

    g = FIT_GRIDS[grid] if isinstance(grid, str) else grid
    say = progress or (lambda message: None)
    started = time.perf_counter()
    config = grid_config(g, steps, draws)
    settings = [GMMSetting(d, K, N, 1.0, seed) for d, K, N in g.cells]
    results = run_sweep_dask(settings, config, Path(out), workers, scheduler, say)
    sweep_seconds = time.perf_counter() - started
    cells = []
    from derivations.printing import write_text_atomic

    for result in results:
        path = _losses_path(Path(out), result.setting)
        losses = None
        if path.exists():
            try:
                losses = json.loads(path.read_text())
            except (OSError, json.JSONDecodeError):
                losses = None
        if losses is None:
            losses = cell_losses(result.setting)
            path.parent.mkdir(parents=True, exist_ok=True)
            write_text_atomic(path, json.dumps(losses))
            say(f"losses of {result.setting.key()} measured")
        cells.append(_cell_record(result, losses))
    from .training import TRAINING_BLAS_THREADS

    records = records_json(g.name, config, cells, g.test_fraction, 0, command,
                           TRAINING_BLAS_THREADS if scheduler is None else None)
    write_records(Path(out) / RECORDS_NAME, records)
    analysis = analyse_records(records)
    summary = summary_json(analysis) | {
        "seconds": time.perf_counter() - started, "sweep_seconds": sweep_seconds, "grid": g.name,
        "cluster": scheduler or f"LocalCluster({workers} workers)"}
    write_text_atomic(Path(out) / FIT_NAME, json.dumps(summary, indent=1))
    return analysis | {"records": records, "summary": summary}


def summary_json(analysis: Mapping[str, Any]) -> dict[str, Any]:
    """The analysis as JSON: per cell the measured and predicted M/N, the fit, the slope."""
    fit: FitResult = analysis["fit"]
    cells = [{"cell": c.key, "d": c.setting.d, "K": c.setting.K, "N": c.setting.N, "m_pt": _num(c.m_pt),
              "m_pt_ci": [_num(v) for v in c.transition.half_ci], "predicted": _num(fit.predictions[c.key]),
              "side": "train" if c.key in fit.train else "test"} for c in analysis["cells"]]
    return {"cells": cells, "fit": fit.to_json(), "slope": analysis["slope"].to_json(),
            "transitions_recomputed_equal": all(t["equal"] for t in analysis["transitions"])}

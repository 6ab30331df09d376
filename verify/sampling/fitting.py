r"""Overfitting and underfitting of an estimated field (LLY26-T6, LLY26-T7; definitions reconstructed).

The 2026 paper defines both regimes through generative outcomes, the training error and the
endpoint deviation; its exact texts are not available, so the definitions below are ours and
are documented in ``docs/estimation.md``. For an estimated velocity :math:`\hat b=b+e`:

* **training error** :math:`\mathrm{TE}=\int_0^1\mathbb E_{x\sim\rho_t}\lVert e(x,t)\rVert^2dt`, the
  excess of the flow-matching loss over the oracle's (Pythagoras:
  :func:`derivations.estimation.training_excess`); :math:`+\infty` allowed;
* **endpoint deviation** at step :math:`h`: :math:`\mathrm{ED}_h=\mathbb E_{Z_1}
  \operatorname{dist}(\hat Z_0^h,\{X_i\})` (:math:`+\infty` when a path diverges) and the
  **memorization fraction** :math:`\mathrm{MF}_h(\tau)=P(\operatorname{dist}\le\tau)`;
* **error ratio** :math:`R(t)=\max_{\rm paths}\lVert e(Z_t,t)\rVert\,\sigma/\dot\sigma`, the error
  against the oracle's contraction rate :math:`\dot\sigma/\sigma` along the generated paths.

**Overfitting** (:func:`is_overfitting`): :math:`0<\mathrm{TE}<\infty` (a trained field with a
finite loss that is not the oracle) and the generated samples reproduce training samples,
:math:`\mathrm{ED}_{h}\le\tau` and :math:`\mathrm{MF}_h(\tau)\ge q` at the finest step, no path
diverging. **Underfitting** (:func:`is_underfitting`): the error dominates
:math:`\dot\sigma/\sigma` near :math:`t=0`, :math:`\limsup R=\infty`, measured as a non-finite
:math:`R` (a path blew up) or :math:`R(t_{\min})\ge R_{\min}` with :math:`R\sim t^{s}`,
:math:`s\le-g`. The consequence each theorem claims (memorization; broken recovery) is
reported next to the definition, never folded into it for underfitting.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from fractions import Fraction
from typing import Any

import numpy as np

from .coefficients import compiled_schedule
from .errors import ErrorField, FieldState
from .samplers import SampleRun, nearest_samples

__all__ = ["FitMeasures", "FitAssessment", "endpoint_deviation", "accumulated_error", "error_ratio",
           "training_error_monte_carlo", "fitted_slope", "is_overfitting", "is_underfitting", "classify"]


def endpoint_deviation(data: Any, endpoints: np.ndarray, tau: float) -> tuple[float, float, float]:
    r""":math:`(\mathrm{ED},\mathrm{MF}(\tau),\text{diverged fraction})` of float64 endpoints:
    the mean distance to the nearest training sample (:math:`\infty` if a path diverged), the
    share within :math:`\tau`, the share of non-finite endpoints."""
    _, dist = nearest_samples(data, endpoints)
    diverged = float((~np.isfinite(dist)).mean())
    ed = math.inf if diverged > 0 else float(dist.mean())
    return ed, float((dist <= tau).mean()), diverged


def _later_products(factors: np.ndarray) -> np.ndarray:
    r""":math:`P_k=\prod_{j>k}A_j` for the factors :math:`A_j` in step order."""
    out = np.ones_like(factors)
    if len(factors) > 1:
        out[:-1] = np.cumprod(factors[::-1])[::-1][1:]
    return out


def accumulated_error(run: SampleRun) -> np.ndarray:
    r"""The discrete accumulated error :math:`E^h_{\rm acc}=\sum_k|P_k|\,h\,\lVert e_k\rVert` per path
    of a recorded float64 run, :math:`P_k=\prod_{j>k}(1-h\,a(t_j))` the factors of the later steps
    (:math:`a` the derived drift slope of the run's sampler). Exactly, the endpoint of the run
    with the error minus the endpoint of the same scheme driven by the same denoiser values and
    noise is :math:`-h\sum_kP_ke_k`. Non-finite errors give :math:`\infty`."""
    if run.precise or not run.trace or run.trace.get("e") is None:
        raise ValueError("accumulated_error needs a recorded float64 run with an error field")
    spec = run.spec
    co = compiled_schedule(spec.schedule, spec.method, spec.zeta).floats(run.trace["times"])
    h = float(spec.h)
    P = _later_products(1 - h * co["a"])
    with np.errstate(invalid="ignore", over="ignore"):
        norms = np.linalg.norm(run.trace["e"], axis=2)  # (K, M)
        total = (np.abs(P)[:, None] * h * norms)
        total = np.where(np.isfinite(total), total, np.inf).sum(axis=0)
    return np.where(np.isnan(total), np.inf, total)


def error_ratio(run: SampleRun) -> tuple[np.ndarray, np.ndarray]:
    r"""Grid times and :math:`\lVert e(Z_{t_k},t_k)\rVert\,\sigma/\dot\sigma` per step and path
    (shape (K, M); :math:`\infty` where the error is not finite) of a recorded float64 run."""
    if run.precise or not run.trace or run.trace.get("e") is None:
        raise ValueError("error_ratio needs a recorded float64 run with an error field")
    spec = run.spec
    times = run.trace["times"]
    co = compiled_schedule(spec.schedule, spec.method, spec.zeta).floats(times)
    with np.errstate(invalid="ignore", over="ignore", divide="ignore"):
        ratio = np.linalg.norm(run.trace["e"], axis=2) * (co["sigma"] / co["dsigma"])[:, None]
    ratio = np.where(np.isfinite(ratio), ratio, np.inf)
    return np.array([float(t) for t in times]), ratio


def training_error_monte_carlo(field: ErrorField, schedule: Any, data: Any, *, times: int = 256,
                               per_time: int = 64, seed: int = 0,
                               t_range: tuple[Fraction, Fraction] = (Fraction(0), Fraction(1))
                               ) -> tuple[float, float]:
    r"""Monte Carlo estimate of :math:`\int_{t_0}^{t_1}\mathbb E_{\rho_t}\lVert e\rVert^2dt` and the
    half-width of its 99.9 % normal confidence interval: ``times`` uniform times, ``per_time``
    draws :math:`x_t=\alpha X_K+\sigma\xi` each (the per-time means are i.i.d., so the interval
    is over them). Float64; for fields whose sup norm is finite the caller also has the bound
    :math:`(t_1-t_0)\sup\lVert e\rVert^2`."""
    from .samplers import _as_float_array

    X = _as_float_array(data, "training data")
    rng = np.random.default_rng([seed, 0x7E])
    lo, hi = float(t_range[0]), float(t_range[1])
    co = compiled_schedule(schedule, "euler")
    t_draw = rng.uniform(lo, hi, times)
    t_draw = np.where(t_draw <= 0, np.finfo(float).tiny, t_draw)
    means = np.empty(times)
    for j, t in enumerate(t_draw):
        tq = Fraction(float(t))
        c = co.floats([tq])
        alpha, sigma, dsigma = c["alpha"][0], c["sigma"][0], c["dsigma"][0]
        K = rng.integers(0, len(X), per_time)
        Z = alpha * X[K] + sigma * rng.standard_normal((per_time, X.shape[1]))
        S = (alpha * (Z @ X.T) - alpha * alpha * 0.5 * (X * X).sum(1)) / (sigma * sigma)
        top = S.max(axis=1, keepdims=True)
        E = np.exp(S - top)
        total = E.sum(axis=1, keepdims=True)
        log_sum = None
        if field.needs_density:
            log_sum = (top + np.log(total))[:, 0] - (Z * Z).sum(axis=1) / (2 * sigma * sigma)
        e = field.floats(Z, FieldState(tq, alpha, sigma, dsigma, (E @ X) / total, log_sum))
        means[j] = float((e * e).sum(axis=1).mean())
    width = hi - lo
    value = width * float(means.mean())
    half = width * 3.29 * float(means.std(ddof=1)) / math.sqrt(times)
    return value, half


def fitted_slope(xs: Sequence[float], ys: Sequence[float]) -> tuple[float, float] | None:
    r"""Least-squares slope of :math:`\log y` against :math:`\log x` and its standard error
    (points with a non-finite or non-positive :math:`y` are dropped; None with fewer than 3)."""
    pts = [(math.log(x), math.log(y)) for x, y in zip(xs, ys, strict=True)
           if x > 0 and y > 0 and math.isfinite(y)]
    if len(pts) < 3:
        return None
    lx = np.array([p[0] for p in pts])
    ly = np.array([p[1] for p in pts])
    mx, my = lx.mean(), ly.mean()
    sxx = float(((lx - mx) ** 2).sum())
    slope = float(((lx - mx) * (ly - my)).sum()) / sxx
    resid = ly - my - slope * (lx - mx)
    se = math.sqrt(float((resid**2).sum()) / (len(pts) - 2) / sxx)
    return slope, se


@dataclass(frozen=True)
class FitMeasures:
    r"""What the predicates read, for one estimated field on one schedule.

    ``steps``: the step sizes :math:`h` (any order) with ``deviation`` (ED), ``memorized`` (MF)
    and ``diverged`` per step; ``ratio_times`` / ``ratio``: :math:`R(t)` near :math:`t=0` on the
    finest run; ``training_error``: TE (``math.inf`` when infinite)."""

    label: str
    training_error: float
    steps: tuple[float, ...]
    deviation: tuple[float, ...]
    memorized: tuple[float, ...]
    diverged: tuple[float, ...]
    ratio_times: tuple[float, ...]
    ratio: tuple[float, ...]
    training_error_note: str = ""

    def finest(self) -> int:
        """Index of the smallest step."""
        return int(np.argmin(self.steps))


@dataclass(frozen=True)
class FitAssessment:
    """A predicate's outcome: whether the definition holds, why, the measured quantities, and the
    consequence the corresponding theorem claims (measured, not assumed)."""

    regime: str
    holds: bool
    reasons: tuple[str, ...]
    quantities: dict[str, float] = field(default_factory=dict)
    consequence: bool | None = None


def _ratio_growth(m: FitMeasures) -> tuple[float, float | None]:
    finite = [r for r in m.ratio if math.isfinite(r)]
    if len(finite) < len(m.ratio):
        return math.inf, None
    last = m.ratio[int(np.argmin(m.ratio_times))]
    fit = fitted_slope(m.ratio_times, m.ratio)
    return last, (None if fit is None else fit[0])


def is_overfitting(m: FitMeasures, *, tau: float = 0.05, min_fraction: float = 0.95) -> FitAssessment:
    r"""Overfitting (reconstructed): :math:`0<\mathrm{TE}<\infty` and, at the finest step,
    :math:`\mathrm{ED}\le\tau`, :math:`\mathrm{MF}(\tau)\ge` ``min_fraction``, no divergence.
    The consequence reported is memorization itself (ED non-increasing as :math:`h\to0`)."""
    k = m.finest()
    ed, mf, div = m.deviation[k], m.memorized[k], m.diverged[k]
    reasons = []
    trained = 0 < m.training_error < math.inf
    reasons.append(f"TE = {m.training_error:.4g}: " + ("positive and finite" if trained else
                   "the oracle (TE = 0)" if m.training_error == 0 else "infinite"))
    close = ed <= tau and mf >= min_fraction and div == 0
    reasons.append(f"ED = {ed:.3g} {'<=' if ed <= tau else '>'} tau = {tau:g}, MF = {mf:.3f} "
                   f"({'>=' if mf >= min_fraction else '<'} {min_fraction:g}), diverged {div:.3f}")
    fit = _asymptotic_slope(m.steps, m.deviation)
    trend = None if fit is None else fit[0] > -2 * fit[1]
    return FitAssessment("overfitting", bool(trained and close), tuple(reasons),
                         {"TE": m.training_error, "ED": ed, "MF": mf, "diverged": div,
                          "ED_slope": math.nan if fit is None else fit[0]}, trend if close else None)


def _asymptotic_slope(xs: Sequence[float], ys: Sequence[float],
                      points: int = 4) -> tuple[float, float] | None:
    """:func:`fitted_slope` over the ``points`` smallest abscissae (the asymptotic regime)."""
    order = np.argsort(xs)[:points]
    return fitted_slope([xs[i] for i in order], [ys[i] for i in order])


def is_underfitting(m: FitMeasures, *, ratio_min: float = 0.0, min_growth: float = 0.1,
                    tau: float = 0.05) -> FitAssessment:
    r"""Underfitting (reconstructed): the error dominates :math:`\dot\sigma/\sigma` near 0,
    :math:`R=\infty` somewhere (a path blew up) or :math:`R\sim t^s` with :math:`s\le-`
    ``min_growth`` (fitted near :math:`t=0`; optionally also :math:`R(t_{\min})\ge` ``ratio_min``).
    Consequence (measured): recovery breaks, i.e. a path diverges, or ED grows like :math:`h^p`,
    :math:`p\le-` ``min_growth`` (4 finest steps), and exceeds :math:`\tau`."""
    last, slope = _ratio_growth(m)
    if math.isinf(last):
        holds, why = True, "R = inf on some path (the error blew up along it)"
    else:
        holds = slope is not None and slope <= -min_growth and last >= ratio_min
        why = (f"R(t_min) = {last:.4g}, R ~ t^s with s = "
               f"{'n/a' if slope is None else f'{slope:.3f}'} "
               f"({'<=' if slope is not None and slope <= -min_growth else '>'} -{min_growth:g})")
    k = m.finest()
    fit = _asymptotic_slope(m.steps, m.deviation)
    grows = fit is not None and fit[0] + 2 * fit[1] < 0 and fit[0] <= -min_growth
    broken = m.diverged[k] > 0 or (grows and m.deviation[k] > tau)
    detail = (f"recovery {'breaks' if broken else 'holds'}: diverged {m.diverged[k]:.3f}, ED = "
              f"{m.deviation[k]:.4g}, ED ~ h^p with p = "
              f"{'n/a' if fit is None else f'{fit[0]:.3f} +- {fit[1]:.3f}'}")
    return FitAssessment("underfitting", bool(holds), (why, detail),
                         {"R_min_t": last, "R_slope": math.nan if slope is None else slope,
                          "ED": m.deviation[k], "diverged": m.diverged[k],
                          "ED_slope": math.nan if fit is None else fit[0]}, broken)


def classify(m: FitMeasures, *, tau: float = 0.05, min_fraction: float = 0.95, ratio_min: float = 0.0,
             min_growth: float = 0.1) -> str:
    """``"overfitting"``, ``"underfitting"``, ``"both"`` or ``"neither"`` (e.g. a critically scaled
    error: a bounded shift, ED of order the shift)."""
    over = is_overfitting(m, tau=tau, min_fraction=min_fraction).holds
    under = is_underfitting(m, ratio_min=ratio_min, min_growth=min_growth, tau=tau).holds
    return {(True, True): "both", (True, False): "overfitting", (False, True): "underfitting",
            (False, False): "neither"}[(over, under)]

r"""Euler and Euler–Maruyama samplers of the oracle (or estimated) field, in the original time t.

One step from :math:`t_k` to :math:`t_k-h` (grid :func:`~.coefficients.time_grid`) is

.. math:: Z \leftarrow Z - h\,\big(a(t_k)Z + c(t_k)\,m(Z,t_k) + e(Z,t_k)\big)
          + \sqrt{2\zeta(t_k)h}\;\xi_k ,

with :math:`f = aZ + cm` the derived drift (:math:`b` for Euler, :math:`b-\zeta s` for
Euler–Maruyama), :math:`m` the softmax denoiser computed from max-shifted logits
:math:`(\alpha\langle Z,X_i\rangle-\alpha^2\lVert X_i\rVert^2/2)/\sigma^2`, :math:`e` an optional
estimation error (:mod:`.errors`) and :math:`\xi_k` coupled across step sizes (:mod:`.noise`).

Two arithmetics, one algorithm: :func:`run_sampler` with ``digits=None`` runs a float64 batch
(matrix products over all starts at once); with ``digits=P`` it runs python-flint balls at
:math:`P` digits, with exact rational grid times, data, starts and noise draws, so the ball
around each endpoint bounds every rounding error of the computation.
"""

from __future__ import annotations

import math
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from fractions import Fraction
from typing import Any

import numpy as np

from .coefficients import METHODS, SamplerError, compiled_schedule, time_grid
from .errors import ErrorField, FieldState, error_field
from .noise import BrownianPaths

__all__ = ["SamplerSpec", "SampleRun", "run_sampler", "nearest_samples"]


@dataclass(frozen=True)
class SamplerSpec:
    """What to run: a schedule, ``"euler"`` or ``"euler-maruyama"``, the number of steps
    :math:`K` (:math:`h = t_{\\rm start}/K`), the diffusion :math:`\\zeta` (Euler–Maruyama) and an
    optional estimation error."""

    schedule: Any
    method: str = "euler"
    steps: int = 100
    t_start: Fraction = Fraction(1)
    zeta: Any = None
    error: Any = None

    @property
    def h(self) -> Fraction:
        return Fraction(self.t_start) / self.steps

    @property
    def stochastic(self) -> bool:
        return METHODS.get(self.method) == "euler-maruyama"

    def label(self) -> str:
        err = error_field(self.error)
        return (f"{METHODS.get(self.method, self.method)} on {self.schedule.name}, K = {self.steps}"
                + (f", t_start = {self.t_start}" if self.t_start != 1 else "")
                + (f", error {err.label}" if err is not None else ""))


@dataclass
class SampleRun:
    """Endpoints :math:`\\hat Z_0` of one run (float64 array or rows of balls) and, when recorded,
    the per-step trace ``times``, ``Z`` (state before the step), ``m``, ``e``, ``xi``."""

    spec: SamplerSpec
    endpoints: Any
    diverged: np.ndarray
    digits: int | None
    seconds: float
    trace: dict[str, Any] = field(default_factory=dict)

    @property
    def precise(self) -> bool:
        return self.digits is not None

    def endpoint_floats(self) -> np.ndarray:
        """Endpoints as float64 (ball midpoints in precise mode)."""
        if not self.precise:
            return np.asarray(self.endpoints)
        return np.array([[float(v.mid()) for v in row] for row in self.endpoints])

    def max_radius(self) -> float:
        """Largest ball radius over the endpoints (0 in float64 mode)."""
        if not self.precise:
            return 0.0
        return max(float(v.rad()) for row in self.endpoints for v in row)


def _as_float_array(rows: Any, what: str) -> np.ndarray:
    try:
        arr = np.array([[float(v) for v in row] for row in rows], dtype=float)
    except (TypeError, ValueError):
        raise SamplerError(f"{what} must be rows of numbers") from None
    if arr.ndim != 2 or arr.size == 0:
        raise SamplerError(f"{what} must be a non-empty (rows, d) array")
    return arr


def _exact_rows(rows: Any, what: str) -> list[list[Fraction]]:
    out = []
    for row in rows:
        try:
            out.append([v if isinstance(v, Fraction) else Fraction(v) if isinstance(v, int | str)
                        else Fraction(float(v)) for v in row])
        except (TypeError, ValueError):
            raise SamplerError(f"{what} must be rows of exact numbers") from None
    if not out or not out[0]:
        raise SamplerError(f"{what} must be a non-empty (rows, d) array")
    return out


def _noise_for(spec: SamplerSpec, noise: BrownianPaths | int | None, paths: int,
               d: int) -> BrownianPaths | None:
    if not spec.stochastic:
        return None
    if noise is None:
        noise = 0
    if isinstance(noise, int):
        return BrownianPaths(noise, paths, d, spec.steps)
    if (noise.paths, noise.d) != (paths, d):
        raise SamplerError(f"Brownian paths are for {noise.paths} starts in R^{noise.d}, "
                           f"got {paths} starts in R^{d}")
    return noise


def run_sampler(data: Any, starts: Any, spec: SamplerSpec, *, digits: int | None = None,
                noise: BrownianPaths | int | None = None, record: bool = False) -> SampleRun:
    """Run ``spec`` from each start at ``t_start`` down to :math:`t=0`.

    ``data``: the N training samples (rows); ``starts``: M rows in R^d. ``noise``: a
    :class:`~.noise.BrownianPaths` (coupling across step sizes), or a seed. ``digits=None`` is the
    float64 batch; an integer is ball arithmetic at that many digits (exact inputs required:
    Fractions, ints, decimal strings, or floats converted exactly)."""
    if spec.steps < 1:
        raise SamplerError(f"steps must be a positive integer, got {spec.steps}")
    coefficients = compiled_schedule(spec.schedule, spec.method, spec.zeta)
    times = time_grid(spec.steps, Fraction(spec.t_start))
    err = error_field(spec.error)
    started = time.perf_counter()
    if digits is None:
        X = _as_float_array(data, "training data")
        Z0 = _as_float_array(starts, "starts")
        if Z0.shape[1] != X.shape[1]:
            raise SamplerError(f"starts are in R^{Z0.shape[1]}, the data in R^{X.shape[1]}")
        paths = _noise_for(spec, noise, Z0.shape[0], X.shape[1])
        out, diverged, trace = _run_floats(X, Z0, spec, coefficients.floats(times), times, err, paths, record)
        return SampleRun(spec, out, diverged, None, time.perf_counter() - started, trace)
    Xq, Zq = _exact_rows(data, "training data"), _exact_rows(starts, "starts")
    if len(Zq[0]) != len(Xq[0]):
        raise SamplerError(f"starts are in R^{len(Zq[0])}, the data in R^{len(Xq[0])}")
    paths = _noise_for(spec, noise, len(Zq), len(Xq[0]))
    from flint import ctx

    old = ctx.dps
    ctx.dps = digits
    try:
        out, diverged, trace = _run_balls(Xq, Zq, spec, coefficients.balls(times), times, err, paths, record)
    finally:
        ctx.dps = old
    return SampleRun(spec, out, diverged, digits, time.perf_counter() - started, trace)


def _run_floats(X, Z, spec, co, times, err: ErrorField | None, paths, record):
    h = float(spec.h)
    Xt, half_sq = X.T.copy(), 0.5 * (X * X).sum(axis=1)
    xi = paths.normals(spec.steps) if paths is not None else None
    trace: dict[str, Any] = {"times": times, "Z": [], "m": [], "e": [], "xi": []} if record else {}
    Z = Z.copy()
    with np.errstate(all="ignore"):
        for k, t in enumerate(times):
            alpha, sigma = co["alpha"][k], co["sigma"][k]
            # logits alpha <Z, X_j>/sigma^2 - alpha^2 |X_j|^2/(2 sigma^2), in one array updated in place
            S = Z @ Xt
            S *= alpha / (sigma * sigma)
            S -= (alpha * alpha / (sigma * sigma)) * half_sq
            top = S.max(axis=1, keepdims=True)
            S -= top
            E = np.exp(S, out=S)
            total = E.sum(axis=1, keepdims=True)
            m = (E @ X) / total
            drift = co["a"][k] * Z + co["c"][k] * m
            e = None
            if err is not None:
                log_sum = None
                if err.needs_density:
                    log_sum = (top + np.log(total))[:, 0] - (Z * Z).sum(axis=1) / (2 * sigma * sigma)
                e = err.floats(Z, FieldState(t, alpha, sigma, co["dsigma"][k], m, log_sum))
                drift = drift + e
            if record:
                trace["Z"].append(Z.copy())
                trace["m"].append(m)
                trace["e"].append(e)
                trace["xi"].append(None if xi is None else xi[k])
            Z = Z - h * drift
            if xi is not None:
                Z = Z + math.sqrt(max(co["noise2"][k], 0.0) * h) * xi[k]
    diverged = ~np.isfinite(Z).all(axis=1)
    if record:
        for key in ("Z", "m"):
            trace[key] = np.array(trace[key])
        trace["e"] = None if err is None else np.array(trace["e"])
        trace["xi"] = None if xi is None else np.array(trace["xi"])
    return Z, diverged, trace


def _run_balls(Xq, Zq, spec, co, times, err: ErrorField | None, paths, record):
    from flint import arb, arb_mat

    from derivations.exact import to_arb

    N, d, M = len(Xq), len(Xq[0]), len(Zq)
    Xm = arb_mat([[to_arb(v) for v in row] for row in Xq])
    half_sq = [sum((v * v for v in row), Fraction(0)) / 2 for row in Xq]
    # differences X_j - X_top and their exact half-norm gaps, per possible leader ``top``
    diffs: dict[int, tuple[Any, list]] = {}

    def centred(top: int) -> tuple[Any, list]:
        if top not in diffs:
            diffs[top] = (arb_mat([[to_arb(x - y) for x, y in zip(row, Xq[top], strict=True)]
                                   for row in Xq]).transpose(),
                          [to_arb(hj - half_sq[top]) for hj in half_sq])
        return diffs[top]

    h = to_arb(spec.h)
    Z = [[to_arb(v) for v in row] for row in Zq]
    Xf = np.array([[float(v) for v in row] for row in Xq])  # for choosing leaders only
    half_sq_f = np.array([float(v) for v in half_sq])
    trace: dict[str, Any] = {"times": times, "Z": [], "m": [], "e": [], "xi": []} if record else {}
    for k, t in enumerate(times):
        alpha, sigma = co["alpha"][k], co["sigma"][k]
        sigma2 = sigma * sigma
        p, q = alpha / sigma2, alpha * alpha / sigma2
        # leader per row from a float64 look at the logits; any choice is exact, a good one keeps
        # the balls tight: weights are computed relative to the leader (centred softmax), so
        # their radii scale with the neglected weights, as the true sensitivity does
        Zf = np.array([[float(v.mid()) for v in row] for row in Z])
        with np.errstate(all="ignore"):  # a diverging path (non-finite ball) may lead with any atom
            tops = np.argmax(np.nan_to_num(float(p.mid()) * (Zf @ Xf.T) - float(q.mid()) * half_sq_f,
                                           nan=-np.inf), axis=1)
        weights: list[list] = [[] for _ in range(M)]
        log_sums: list = [None] * M
        for top in sorted(set(int(v) for v in tops)):
            rows = [i for i in range(M) if tops[i] == top]
            Dt, gaps = centred(top)
            G = arb_mat([Z[i] for i in rows]) * Dt
            for r, i in enumerate(rows):
                E = [(p * G[r, j] - q * gaps[j]).exp() if j != top else arb(1) for j in range(N)]
                total = sum(E[1:], E[0])
                weights[i] = [e_j / total for e_j in E]
                if err is not None and err.needs_density:
                    # log sum_j exp(-|Z - alpha X_j|^2 / 2 sigma^2), from the leader's term
                    # d * d, not d ** 2: arb's power of a ball containing 0 is nan
                    diff = [z - alpha * to_arb(x) for z, x in zip(Z[i], Xq[top], strict=True)]
                    dist2 = sum((v * v for v in diff), arb(0))
                    log_sums[i] = total.log() - dist2 / (2 * sigma2)
        m = (arb_mat(weights) * Xm).tolist()
        A, C = 1 - h * co["a"][k], -h * co["c"][k]
        step = [[A * Z[i][j] + C * m[i][j] for j in range(d)] for i in range(M)]
        e = None
        if err is not None:
            e = err.balls(Z, FieldState(t, alpha, sigma, co["dsigma"][k], m,
                                        log_sums if err.needs_density else None, True))
            step = [[z - h * g for z, g in zip(zr, er, strict=True)] for zr, er in zip(step, e, strict=True)]
        xi = paths.normal_balls(spec.steps, k) if paths is not None else None
        if record:
            trace["Z"].append(Z)
            trace["m"].append(m)
            trace["e"].append(e)
            trace["xi"].append(xi)
        Z = step
        if xi is not None:
            # 2 zeta >= 0; a ball around an exact 0 (e.g. cos(pi/2) at t = 1) keeps its part >= 0
            amp = (co["noise2"][k] * h).nonnegative_part().sqrt()
            Z = [[z + amp * x for z, x in zip(zr, xr, strict=True)] for zr, xr in zip(Z, xi, strict=True)]
    diverged = np.array([not all(v.is_finite() for v in row) for row in Z])
    return Z, diverged, trace


def nearest_samples(data: Any, endpoints: Any) -> tuple[np.ndarray, np.ndarray]:
    r"""Index of the nearest training sample and the distance :math:`\min_i\lVert\hat Z_0-X_i\rVert`
    per endpoint (float64; non-finite endpoints give index -1 and distance inf)."""
    X = _as_float_array(data, "training data")
    Z = np.asarray(endpoints, dtype=float)
    with np.errstate(invalid="ignore", over="ignore"):
        D2 = ((Z[:, None, :] - X[None, :, :]) ** 2).sum(axis=2)
    finite = np.isfinite(D2).all(axis=1)
    idx = np.where(finite, np.argmin(np.where(np.isfinite(D2), D2, np.inf), axis=1), -1)
    dist = np.where(finite, np.sqrt(D2[np.arange(len(Z)), np.maximum(idx, 0)]), np.inf)
    return idx, dist


def nearest_sample_balls(data: Sequence[Sequence[Fraction]], endpoint: Sequence[Any]) -> tuple[int, Any]:
    """Nearest training sample (chosen by midpoints) and the distance to it as a ball."""
    from flint import arb

    from derivations.exact import to_arb

    best, best_mid = -1, math.inf
    dists = []
    for i, row in enumerate(data):
        # d * d, not d ** 2: arb's power of a ball containing 0 is nan
        d2 = sum((d * d for d in (z - to_arb(x) for z, x in zip(endpoint, row, strict=True))), arb(0))
        dists.append(d2)
        if float(d2.mid()) < best_mid:
            best, best_mid = i, float(d2.mid())
    if dists[best] > 0:
        return best, dists[best].nonnegative_part().sqrt()
    return best, arb(0).union(dists[best].upper().sqrt())  # a ball touching 0: [0, sqrt(upper)]

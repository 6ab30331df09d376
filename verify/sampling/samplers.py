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
from collections.abc import Collection, Sequence
from dataclasses import dataclass, field
from fractions import Fraction
from functools import lru_cache
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
        if isinstance(rows, np.ndarray) and rows.ndim == 2 and rows.dtype.kind in "fiu":
            arr = rows.astype(float)  # the same numbers as float(v) one by one
        else:
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


#: What a run can record per step.
TRACED = ("Z", "m", "e", "xi")


def _traced(record: bool | str | Collection[str]) -> frozenset[str]:
    names = frozenset((record,) if isinstance(record, str) else record if isinstance(record, Collection)
                      else TRACED if record else ())
    if names - set(TRACED):
        raise SamplerError(f"cannot record {', '.join(sorted(names - set(TRACED)))} (choose from "
                           f"{', '.join(TRACED)})")
    return names


def run_sampler(data: Any, starts: Any, spec: SamplerSpec, *, digits: int | None = None,
                noise: BrownianPaths | int | None = None,
                record: bool | Collection[str] = False) -> SampleRun:
    """Run ``spec`` from each start at ``t_start`` down to :math:`t=0`.

    ``data``: the N training samples (rows); ``starts``: M rows in R^d. ``noise``: a
    :class:`~.noise.BrownianPaths` (coupling across step sizes), or a seed. ``digits=None`` is the
    float64 batch; an integer is ball arithmetic at that many digits (exact inputs required:
    Fractions, ints, decimal strings, or floats converted exactly). ``record``: True traces
    ``Z, m, e, xi`` per step, a collection of these names only those (with ``times``)."""
    record = _traced(record)
    if spec.steps < 1:
        raise SamplerError(f"steps must be a positive integer, got {spec.steps}")
    coefficients = compiled_schedule(spec.schedule, spec.method, spec.zeta)
    times = list(_time_grid(spec.steps, Fraction(spec.t_start)))
    err = error_field(spec.error)
    started = time.perf_counter()
    if digits is None:
        X = _as_float_array(data, "training data")
        Z0 = _as_float_array(starts, "starts")
        if Z0.shape[1] != X.shape[1]:
            raise SamplerError(f"starts are in R^{Z0.shape[1]}, the data in R^{X.shape[1]}")
        paths = _noise_for(spec, noise, Z0.shape[0], X.shape[1])
        co = _on_grid(coefficients, times, None)
        out, diverged, trace = _run_floats(X, Z0, spec, co, times, err, paths, record)
        return SampleRun(spec, out, diverged, None, time.perf_counter() - started, trace)
    Xq, Zq = _exact_rows(data, "training data"), _exact_rows(starts, "starts")
    if len(Zq[0]) != len(Xq[0]):
        raise SamplerError(f"starts are in R^{len(Zq[0])}, the data in R^{len(Xq[0])}")
    paths = _noise_for(spec, noise, len(Zq), len(Xq[0]))
    from flint import ctx

    old = ctx.dps
    ctx.dps = digits
    try:
        co = _on_grid(coefficients, times, ctx.prec)
        out, diverged, trace = _run_balls(Xq, Zq, spec, co, times, err, paths, record)
    finally:
        ctx.dps = old
    return SampleRun(spec, out, diverged, digits, time.perf_counter() - started, trace)


@lru_cache(maxsize=64)
def _time_grid(steps: int, t_start: Fraction) -> tuple[Fraction, ...]:
    return tuple(time_grid(steps, t_start))


#: Coefficients on recent grids, (schedule id, grid, precision) -> (schedule, values), least
#: recently used first; at most this many grid times in all.
_ON_GRID: dict[tuple, tuple[Any, dict]] = {}
ON_GRID_TIMES = 2**16


def _on_grid(coefficients: Any, times: list[Fraction], prec: int | None) -> dict:
    """``coefficients.floats(times)`` (``prec=None``) or ``.balls(times)`` at ``prec`` bits,
    computed once per grid (float64 arrays read-only)."""
    key = (id(coefficients), times[0], len(times), prec)
    hit = _ON_GRID.pop(key, None)
    if hit is None or hit[0] is not coefficients:
        if prec is None:
            values = coefficients.floats(times)
            for arr in values.values():
                arr.flags.writeable = False
        else:
            values = coefficients.balls(times)
        hit = (coefficients, values)
        while _ON_GRID and sum(len(v[1]["a"]) for v in _ON_GRID.values()) + len(times) > ON_GRID_TIMES:
            del _ON_GRID[next(iter(_ON_GRID))]
    _ON_GRID[key] = hit
    return hit[1]


#: Up to this many atoms (or coordinates) sums over them run along long rows: NumPy adds fewer
#: than 8 terms from left to right either way, so the sums are the same bit for bit.
_FEW_ATOMS = 7


def _denoiser(Z: np.ndarray, Xt: np.ndarray, X: np.ndarray, gain: float, offset: np.ndarray,
              out: np.ndarray | None) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The denoiser from max-shifted logits ``gain <Z, X_j> - offset_j``, the shift ``top`` and the
    sum ``total`` of the shifted weights (both (M,))."""
    S = Z @ Xt
    if S.shape[1] <= _FEW_ATOMS:
        S = S.T.copy()
        S *= gain
        S -= offset[:, None]
        top = S.max(axis=0)
        S -= top
        np.exp(S, out=S)
        total = S.sum(axis=0)
        E = np.ascontiguousarray(S.T)
    else:
        S *= gain
        S -= offset
        top = S.max(axis=1)
        S -= top[:, None]
        E = np.exp(S, out=S)
        total = E.sum(axis=1)
    return np.divide(E @ X, total[:, None], out=out), top, total


def _sq_norms(Z: np.ndarray) -> np.ndarray:
    """``(Z * Z).sum(axis=1)`` bit for bit, by columns when they are few."""
    squares = Z * Z
    if Z.shape[1] > _FEW_ATOMS:
        return squares.sum(axis=1)
    out = squares[:, 0].copy()
    for j in range(1, Z.shape[1]):
        out += squares[:, j]
    return out


def _run_floats(X, Z, spec, co, times, err: ErrorField | None, paths, record: frozenset[str]):
    h = float(spec.h)
    Xt, half_sq = X.T.copy(), 0.5 * (X * X).sum(axis=1)
    xi = paths.normals(spec.steps) if paths is not None else None
    K = len(times)
    # the trace is written in place: Zs[k] is the state before step k, ms[k] and es[k] its m and e
    Zs, ms, es = (np.empty((K, *Z.shape)) if key in record and (key != "e" or err is not None) else None
                  for key in ("Z", "m", "e"))
    if Zs is not None:
        Zs[0] = Z
    else:
        Z = Z.copy()
    alpha, sigma, dsigma = co["alpha"], co["sigma"], co["dsigma"]
    with np.errstate(all="ignore"):
        # per step: logits alpha <Z, X_j>/sigma^2 - alpha^2 |X_j|^2/(2 sigma^2) = gain <Z, X_j> - offset_j
        gain = (alpha / (sigma * sigma)).tolist()
        offset = (alpha * alpha / (sigma * sigma))[:, None] * half_sq
        kernel = (2 * sigma * sigma).tolist()
        a, c = co["a"].tolist(), co["c"].tolist()
        amp = [math.sqrt(max(v, 0.0) * h) for v in co["noise2"].tolist()]
        for k, t in enumerate(times):
            if Zs is not None:
                Z = Zs[k]
            m, top, total = _denoiser(Z, Xt, X, gain[k], offset[k], None if ms is None else ms[k])
            drift = a[k] * Z + c[k] * m
            if err is not None:
                log_sum = None
                if err.needs_density:
                    log_sum = (top + np.log(total)) - _sq_norms(Z) / kernel[k]
                e = err.floats(Z, FieldState(t, alpha[k], sigma[k], dsigma[k], m, log_sum))
                drift += e
                if es is not None:
                    es[k] = e
            drift *= h
            Z = np.subtract(Z, drift, out=Zs[k + 1] if Zs is not None and k + 1 < K else None)
            if xi is not None:
                Z += amp[k] * xi[k]
    diverged = ~np.isfinite(Z).all(axis=1)
    trace: dict[str, Any] = {}
    if record:
        trace = {"times": times, "Z": Zs, "m": ms, "e": es, "xi": xi}
        trace = {key: v for key, v in trace.items() if key == "times" or key in record}
    return Z, diverged, trace


def _run_balls(Xq, Zq, spec, co, times, err: ErrorField | None, paths, record: frozenset[str]):
    from flint import arb, arb_mat, fmpq, fmpq_mat

    from derivations.exact import to_arb

    N, d, M = len(Xq), len(Xq[0]), len(Zq)
    Xe = fmpq_mat(N, d, [fmpq(v.numerator, v.denominator) for row in Xq for v in row])  # exact
    Xm, XeT, ones = arb_mat(Xe), Xe.transpose(), fmpq_mat(1, N, [1] * N)
    Xa = Xm.tolist()
    half_sq = [sum((v * v for v in row), Fraction(0)) / 2 for row in Xq]
    half_e = [fmpq(v.numerator, v.denominator) for v in half_sq]
    # differences X_j - X_top and their exact half-norm gaps, per possible leader ``top``
    diffs: dict[int, tuple[Any, Any]] = {}

    def centred(top: int) -> tuple[Any, Any]:
        if top not in diffs:
            column = fmpq_mat(d, 1, [Xe[top, c] for c in range(d)])
            gaps = [arb(hj - half_e[top]) for hj in half_e]
            diffs[top] = (arb_mat(XeT - column * ones), arb_mat(1, N, gaps))
        return diffs[top]

    h = to_arb(spec.h)
    H = arb_mat(1, 1, [h])
    # each state row Z_i is a 1 x d matrix; a 1 x 1 factor [[s]] times a row multiplies entrywise in
    # the order s * z (arb_mul is not symmetric in its radius), sums and differences of rows are
    # entrywise, and every matrix product here is classical (entry (i, j) a dot of row i and column
    # j only): each ball is the one of the entrywise formulas in the comments
    Z = [arb_mat(1, d, _exact_balls(row)) for row in Zq]
    Xf = np.array([[float(v) for v in row] for row in Xq])  # for choosing leaders only
    half_sq_f = np.array([float(v) for v in half_sq])
    one = arb(1)
    trace: dict[str, Any] = {"times": times} | {key: [] for key in TRACED if key in record} if record else {}
    for k, t in enumerate(times):
        alpha, sigma = co["alpha"][k], co["sigma"][k]
        sigma2 = sigma * sigma
        p, q = alpha / sigma2, alpha * alpha / sigma2
        # leader per row from a float64 look at the logits; any choice is exact, a good one keeps
        # the balls tight: weights are computed relative to the leader (centred softmax), so
        # their radii scale with the neglected weights, as the true sensitivity does
        Zf = np.array([[float(v) for v in row.entries()] for row in Z])  # float(v) is float(v.mid())
        with np.errstate(all="ignore"):  # a diverging path (non-finite ball) may lead with any atom
            logits = float(p.mid()) * (Zf @ Xf.T) - float(q.mid()) * half_sq_f
            if not np.isfinite(logits).all():  # (nan_to_num is the identity on finite logits)
                logits = np.nan_to_num(logits, nan=-np.inf)
            tops = np.argmax(logits, axis=1).tolist()
        m: list = [None] * M
        log_sums: list = [None] * M
        P, Q = arb_mat(1, 1, [p]), arb_mat(1, 1, [q])
        for top in sorted(set(tops)):
            Dt, gaps = centred(top)
            q_gaps = Q * gaps
            for i in (i for i in range(M) if tops[i] == top):
                # E_j = exp(p <Z, X_j - X_top> - q (|X_j|^2 - |X_top|^2)/2), E_top = 1 exactly
                E = list(map(arb.exp, (P * (Z[i] * Dt) - q_gaps).entries()))
                E[top] = one
                total = sum(E[1:], E[0])
                m[i] = arb_mat(1, N, E) / total * Xm  # sum_j (E_j / total) X_j
                if err is not None and err.needs_density:
                    # log sum_j exp(-|Z - alpha X_j|^2 / 2 sigma^2), from the leader's term
                    # d * d, not d ** 2: arb's power of a ball containing 0 is nan
                    diff = [z - alpha * x for z, x in zip(Z[i].entries(), Xa[top], strict=True)]
                    dist2 = sum((v * v for v in diff), arb(0))
                    log_sums[i] = total.log() - dist2 / (2 * sigma2)
        A = arb_mat(1, 1, [1 - h * co["a"][k]])
        C = arb_mat(1, 1, [-h * co["c"][k]])
        step = [A * z + C * mi for z, mi in zip(Z, m, strict=True)]  # A z_j + C m_j
        Zl = ml = e = None
        if record or err is not None:
            Zl, ml = [row.entries() for row in Z], [row.entries() for row in m]
        if err is not None:
            e = err.balls(Zl, FieldState(t, alpha, sigma, co["dsigma"][k], ml,
                                         log_sums if err.needs_density else None, True))
            step = [z - H * arb_mat(1, d, er) for z, er in zip(step, e, strict=True)]  # z_j - h e_j
        xi = paths.normal_balls(spec.steps, k) if paths is not None else None
        for key, value in (("Z", Zl), ("m", ml), ("e", e), ("xi", xi)):
            if key in record:
                trace[key].append(value)
        Z = step
        if xi is not None:
            # 2 zeta >= 0; a ball around an exact 0 (e.g. cos(pi/2) at t = 1) keeps its part >= 0
            amp = arb_mat(1, 1, [(co["noise2"][k] * h).nonnegative_part().sqrt()])
            Z = [z + amp * arb_mat(1, d, xr) for z, xr in zip(Z, xi, strict=True)]  # z_j + amp xi_j
    Z = [row.entries() for row in Z]
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


def _exact_balls(row: Sequence[Any]) -> list:
    """``to_arb`` of each exact number of ``row`` (a Fraction straight through ``fmpq``: the same ball)."""
    from flint import arb, fmpq

    from derivations.exact import to_arb

    return [arb(fmpq(x.numerator, x.denominator)) if type(x) is Fraction else to_arb(x) for x in row]


def nearest_sample_balls(data: Sequence[Sequence[Fraction]], endpoint: Sequence[Any]) -> tuple[int, Any]:
    """Nearest training sample (chosen by midpoints) and the distance to it as a ball."""
    from flint import arb

    best, best_mid = -1, math.inf
    dists = []
    for i, row in enumerate(data):
        # d * d, not d ** 2: arb's power of a ball containing 0 is nan
        d2 = sum((d * d for d in (z - x for z, x in zip(endpoint, _exact_balls(row), strict=True))), arb(0))
        dists.append(d2)
        if float(d2.mid()) < best_mid:
            best, best_mid = i, float(d2.mid())
    if dists[best] > 0:
        return best, dists[best].nonnegative_part().sqrt()
    return best, arb(0).union(dists[best].upper().sqrt())  # a ball touching 0: [0, sqrt(upper)]

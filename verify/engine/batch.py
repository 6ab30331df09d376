r"""Float64 batch mode of the endpoint engine: many oracle trajectories at once, with a trust flag.

**The flow.** In regular coordinates (MATH.md §3) every trajectory solves

.. math::
    \frac{dy}{d\ell}=m(y,\ell)=\sum_i w_iX_i,\qquad
    w=\operatorname{softmax}_i\big(g_i\big),\quad g_i=\ell\langle y,X_i\rangle-\ell^2q_i,\quad
    q_i=\tfrac12\lVert X_i\rVert^2,

from :math:`\ell=0`, :math:`y=Z_1`. Exact duplicates are merged into locations :math:`u` with
multiplicity :math:`\mu_u` (``g_u`` gains :math:`\log\mu_u`, which leaves :math:`m` unchanged).
For a batch :math:`Y\in\mathbb R^{B\times d}` the logits of all trajectories are *one* matrix
product, with the per-trajectory :math:`\ell`, the :math:`-\ell^2q` broadcast and the softmax
shift :math:`s` folded into augmented columns,

.. math::
    G=\big[\ell\odot Y,\;-\ell^2,\;-s,\;1\big]\,\big[X,\;q,\;1,\;\log\mu\big]^{\top},\qquad
    P=e^{G}\,[X,\;1],\qquad m=P_{:,1..d}/P_{:,d+1},

so one field evaluation is two matrix products and one ``exp`` pass. The shift :math:`s` is the
logit of the last known leader (computed with one row-wise dot product); any shift within a few
hundred of the row maximum gives the same :math:`m` to rounding, and rows whose sums leave
:math:`[10^{-250},10^{250}]` (or overflow) are recomputed with the exact row maximum, so the
softmax is always max-shifted in log space.

**Integrator.** Dormand–Prince 5(4) (FSAL, local extrapolation) with one step size per
trajectory: each trajectory has its own :math:`\ell` and :math:`h`, a step is accepted when the
RMS of the embedded error over :math:`\mathrm{rtol}\,(1+\lvert y\rvert)` is at most 1, and finished
trajectories leave the active set. We integrate in :math:`\ell` itself: the field is analytic and
bounded (:math:`\lVert m\rVert\le\max\lVert X_i\rVert`) down to :math:`\ell=0`, and after the
leader settles the solution is affine in :math:`\ell`, which the method follows with growing
steps; :math:`\log\ell` would be singular at the start and narrows the leader switches (width
:math:`\sim1/(\ell\Delta^2)` in :math:`\ell`, :math:`1/(\ell\Delta)^2` in :math:`\log\ell`).

**Error estimate.** The Jacobian of the field is :math:`\partial m/\partial y=\ell
\operatorname{Cov}_w(X)` (symmetric, :math:`\succeq0`), so a perturbation grows at most like
:math:`\exp\int\ell\,\lambda_{\max}(\operatorname{Cov}_w)\,d\ell`. Each trajectory carries a
tangent direction :math:`v` (power iteration along the flow,
:math:`v\leftarrow\mathrm{normalise}(v+h\ell\operatorname{Cov}_wv)`, one extra pair of products
per step at the step's end) and its Rayleigh quotient :math:`\varrho=\langle v,
\operatorname{Cov}_wv\rangle\approx\lambda_{\max}`; the global error estimate is

.. math::
    \varepsilon\leftarrow\varepsilon\,e^{h\,\ell\,\max(\varrho_{\rm start},\varrho_{\rm end})}
    +\lVert\text{embedded error}\rVert+4\epsilon_{\rm mach}(\lVert y\rVert+h\,\lvert g_k\rvert
    \max_u\lVert X_u\rVert).

It is an estimate, valid while the error is small enough for the linearisation (checked below).

**Commit.** After each accepted step, with leader :math:`k=\arg\max_u g_u` and
:math:`r=y-\ell X_k`, the tail lemma of :mod:`.certificate` is tried with
:math:`\rho=\lVert r\rVert+\kappa\varepsilon` (:math:`\kappa=10`) and the single-atom terms
:math:`a=\Delta_u^2/2`, :math:`\lambda=\Delta_u`, :math:`D=\mu_u\Delta_u` for the ``K`` nearest
other locations (duplicates of :math:`X_k` are the same location; every other atom is a term,
as in :func:`.certificate.group_terms`). Every farther location is bounded by one extra term
at the smallest remaining distance :math:`\Delta_*` with :math:`D=\#\{\text{farther atoms}\}
\,\Delta_*` (each lemma term decreases in :math:`\Delta` once :math:`\ell\Delta>R`), so the
sum is never under-estimated. A certificate with slack below :math:`10^{-8}R` is not accepted
yet (the trajectory goes on; the slack grows with :math:`\ell`), so no commit rests on a tiny
slack. Once the error estimate is lost (rule 3 below), :math:`\rho` uses the accumulated local
errors alone, so that untrusted trajectories still get a float64 verdict to compare.

**Trust rule.** A trajectory's float64 verdict is *trusted* iff

1. it committed before ``max_snr`` and the step limit, with finite values;
2. the leader's float location is not a merger of distinct exact rows (rational input);
3. the estimated logit error :math:`\eta=\kappa\,\ell\,\lVert X_k-X_j\rVert\,\varepsilon` stayed
   :math:`\le10^{-3}` at every accepted step (:math:`j` the runner-up): the linearised error
   estimate is valid and far below the logit scale;
4. it never was in a *near tie* after the last leader change: at each accepted step, with
   top-two locations :math:`k,j` and gap :math:`\gamma=g_k-g_j\ge0`,

   .. math::
       \text{near}\iff\gamma<\tau\,\big(\ell\lvert\langle y,X_k\rangle\rvert+\ell^2q_k\big)
       +\eta,\qquad\tau=10^{-6}

   (relative to the size of the leader's logit terms, plus the logit error). A running flag is
   ORed with ``near`` while the leader stays the same; at a step where the leader changes it
   restarts as ``near(before) and near(after)``, so a transversal crossing of a logit tie (the
   gap passes through 0 quickly) is not a near tie, while a slow crossing, or a tie flipping
   back and forth in rounding, is.

Rule 4 alone is not enough: near a basin boundary of a strongly expanding flow the top-two gap
need not be small (a trajectory can leave the boundary quickly, amplifying the float64 error
by :math:`10^{10}` in a short stretch of :math:`\ell`); rule 3 measures that amplification.
Untrusted trajectories are re-run by :func:`.endpoint.certify_endpoint` in exact rationals
(``recheck="auto"``); both verdicts are kept.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from fractions import Fraction
from typing import Any

import numpy as np

from .endpoint import EndpointResult, certify_endpoint

__all__ = ["BatchResult", "batch_endpoints", "tail_certificate_np", "FieldEvaluator"]

SAFETY = 10.0  # kappa: multiplier of the accumulated float64 error estimate
GAP_RTOL = 1e-6  # tau: relative top-two gap below which a trajectory is in a near tie
ETA_MAX = 1e-3  # largest estimated logit error (kappa ell Delta err) of a trusted trajectory
SLACK_RTOL = 1e-8  # a certificate needs slack >= SLACK_RTOL * R to commit
NEAREST = 16  # lemma terms kept exactly per leader; the rest are bounded by one term
_EPS = float(np.finfo(np.float64).eps)
# target size (doubles) of one block of logits (16 MB, within L3). Much smaller blocks are as fast
# with one BLAS thread but many times slower with two on a busy 2-core machine (thread syncs)
_BLOCK = 1 << 21

# Dormand–Prince 5(4) tableau (the last row is also the 5th-order weights: FSAL).
_C = (0.0, 1 / 5, 3 / 10, 4 / 5, 8 / 9, 1.0, 1.0)
_A = (
    (),
    (1 / 5,),
    (3 / 40, 9 / 40),
    (44 / 45, -56 / 15, 32 / 9),
    (19372 / 6561, -25360 / 2187, 64448 / 6561, -212 / 729),
    (9017 / 3168, -355 / 33, 46732 / 5247, 49 / 176, -5103 / 18656),
    (35 / 384, 0.0, 500 / 1113, 125 / 192, -2187 / 6784, 11 / 84),
)
_E = (-71 / 57600, 0.0, 71 / 16695, -71 / 1920, 17253 / 339200, -22 / 525, 1 / 40)


# -- the certificate, vectorised -------------------------------------------------------------------

def _radius_factors() -> list[tuple[float, int]]:
    """The radii of :func:`.certificate.tail_certificate`: ``base + base/2^j`` then ``base*2^j``."""
    return [(1.0, j) for j in range(8, 0, -1)] + [(0.0, j) for j in range(1, 16)]


def tail_certificate_np(rho: np.ndarray, ell0: np.ndarray, a: np.ndarray, lam: np.ndarray,
                        D: np.ndarray, mask: np.ndarray | None = None) -> tuple[np.ndarray, np.ndarray]:
    r""":func:`.certificate.tail_certificate` for B problems at once, in float64.

    ``rho``, ``ell0``: shape (B,); ``a``, ``lam``, ``D``: (B, K) terms
    :math:`(a_i,\lambda_i,D_i)`, ``mask`` (B, K) marks the terms present (default: all).
    Returns ``(R, slack)``, NaN where no tried radius meets the lemma; the radii and the order
    of the operations are those of the scalar version.
    """
    rho = np.asarray(rho, dtype=np.float64)
    ell0 = np.asarray(ell0, dtype=np.float64)
    a, lam, D = (np.asarray(v, dtype=np.float64) for v in (a, lam, D))
    B = rho.shape[0]
    if mask is None:
        mask = np.ones(a.shape, dtype=bool)
    R_out = np.full(B, np.nan)
    slack_out = np.full(B, np.nan)
    has = mask.any(axis=1) if a.shape[1] else np.zeros(B, dtype=bool)
    R_out[~has] = rho[~has]  # nothing to lose against: r never moves
    slack_out[~has] = 0.0
    todo = has.copy()
    if not todo.any():
        return R_out, slack_out
    with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
        ratio = np.where(mask, 2 * a / lam, np.inf).min(axis=1)
        base = np.where(rho > 0, rho, ell0 * ratio / 8)
        # short sums (fewer than 8 terms, added left to right): every radius in one pass
        search = _first_radius if a.shape[1] < 8 else _radius_loop
        search(todo, rho, ell0, base, a, lam, D, mask, R_out, slack_out)
    return R_out, slack_out


def _radius_loop(todo: np.ndarray, rho, ell0, base, a, lam, D, mask, R_out, slack_out) -> None:
    """The radii of :func:`_radius_factors` in turn, for the problems still ``todo``; the first
    radius that meets the lemma is written to ``R_out``/``slack_out``."""
    for plus, j in _radius_factors():
        idx = np.flatnonzero(todo)
        if idx.size == 0:
            break
        b = base[idx]
        R = b + b / (1 << j) if plus else b * (1 << j)
        r0, l0, m = rho[idx], ell0[idx, None], mask[idx]
        slope = 2 * l0 * a[idx] - R[:, None] * lam[idx]
        ok = (R > r0) & np.all((slope > 0) | ~m, axis=1)
        terms = D[idx] * np.exp(-(l0 * l0 * a[idx] - l0 * R[:, None] * lam[idx])) / slope
        total = np.where(m & (slope > 0), terms, 0.0).sum(axis=1)
        slack = R - r0 - total
        ok &= slack > 0
        hit = idx[ok]
        R_out[hit] = R[ok]
        slack_out[hit] = slack[ok]
        todo[hit] = False


def _first_radius(todo: np.ndarray, rho, ell0, base, a, lam, D, mask, R_out, slack_out) -> None:
    """:func:`_radius_loop` with every radius in one array pass: the same float64 operations per
    radius and problem (fewer than 8 terms, so each row sum adds left to right whatever the array's
    shape); the first radius that holds wins."""
    idx = np.flatnonzero(todo)
    factors = _radius_factors()
    b = base[idx]
    R = np.array([b + b / (1 << j) if plus else b * (1 << j) for plus, j in factors])  # radii x B
    r0, l0, m = rho[idx], ell0[idx, None], mask[idx]
    A, L = a[idx], lam[idx]
    RL = R[:, :, None] * L  # R lam, radii x B x K
    slope = 2 * l0 * A - RL
    ok = (R > r0) & np.all((slope > 0) | ~m, axis=2)
    terms = D[idx] * np.exp(-(l0 * l0 * A - l0 * R[:, :, None] * L)) / slope
    shape = terms.shape
    total = np.where(m & (slope > 0), terms, 0.0).reshape(-1, shape[2]).sum(axis=1).reshape(shape[:2])
    slack = R - r0 - total
    ok &= slack > 0
    hit = ok.any(axis=0)
    first = np.argmax(ok, axis=0)[hit]
    cols = np.flatnonzero(hit)
    R_out[idx[hit]] = R[first, cols]
    slack_out[idx[hit]] = slack[first, cols]


# -- the data: locations, nearest-neighbour lemma terms, field --------------------------------------

@dataclass
class _Geometry:
    """Distinct locations of the training set and the lemma terms of each as a leader."""

    X: np.ndarray  # (n, d) distinct locations
    mult: np.ndarray  # (n,) multiplicities
    rep: np.ndarray  # (n,) smallest original row index at each location
    collapsed: np.ndarray  # (n,) distinct exact rows rounded onto one float location
    a: np.ndarray  # (n, K+1) lemma terms (K nearest, then the bound for the rest)
    lam: np.ndarray
    D: np.ndarray
    mask: np.ndarray
    xmax: float  # max |X_u|


def _geometry(X: np.ndarray, exact: list[list[Fraction]] | None) -> _Geometry:
    locs, first, inverse, counts = np.unique(X, axis=0, return_index=True, return_inverse=True,
                                             return_counts=True)
    inverse = inverse.reshape(-1)
    n, _ = locs.shape
    rep = np.full(n, X.shape[0], dtype=np.int64)
    np.minimum.at(rep, inverse, np.arange(X.shape[0]))
    collapsed = np.zeros(n, dtype=bool)
    if exact is not None:
        seen: dict[int, tuple] = {}
        for i, u in enumerate(inverse.tolist()):
            row = tuple(exact[i])
            if seen.setdefault(u, row) != row:
                collapsed[u] = True
    K = min(NEAREST, n - 1)
    a = np.zeros((n, K + 1))
    lam = np.ones((n, K + 1))
    D = np.zeros((n, K + 1))
    mask = np.zeros((n, K + 1), dtype=bool)
    if n > 1:
        sq = np.einsum("ij,ij->i", locs, locs)
        rows = max(1, _BLOCK // n)
        for s in range(0, n, rows):
            e = min(n, s + rows)
            d2 = sq[s:e, None] + sq[None, :] - 2 * (locs[s:e] @ locs.T)
            d2[np.arange(e - s), np.arange(s, e)] = np.inf
            part = np.argpartition(d2, K - 1, axis=1)[:, :K] if K < n - 1 else \
                np.argsort(d2, axis=1)[:, :K]
            diff = locs[s:e, None, :] - locs[part]
            delta = np.sqrt(np.einsum("ijk,ijk->ij", diff, diff))  # exact differences
            order = np.argsort(delta, axis=1)
            part = np.take_along_axis(part, order, axis=1)
            delta = np.take_along_axis(delta, order, axis=1)
            a[s:e, :K] = delta * delta / 2
            lam[s:e, :K] = delta
            D[s:e, :K] = counts[part] * delta
            mask[s:e, :K] = True
            if K < n - 1:  # every farther location: one term at the smallest remaining distance
                rest = d2.copy()
                np.put_along_axis(rest, part, np.inf, axis=1)
                err = 1e-13 * (sq[s:e] + sq.max()) + 4 * _EPS * (sq[s:e] + sq.max())
                d_star = np.sqrt(np.maximum(rest.min(axis=1) - err, 0.0))
                others = X.shape[0] - counts[s:e] - counts[part].sum(axis=1)
                a[s:e, K] = d_star * d_star / 2
                lam[s:e, K] = np.where(d_star > 0, d_star, 1.0)
                D[s:e, K] = others * d_star
                mask[s:e, K] = True
                # a zero distance can never give a positive slope: the certificate fails, safely
                a[s:e, K] = np.where(d_star > 0, a[s:e, K], -1.0)
    xmax = float(np.sqrt(np.einsum("ij,ij->i", locs, locs).max()))
    return _Geometry(locs, counts, rep, collapsed, a, lam, D, mask, xmax)


class FieldEvaluator:
    r"""The oracle field :math:`m(y,\ell)` for a batch of trajectories (see the module docstring).

    ``X``: (n, d) locations; ``mult``: multiplicities (default 1). Work buffers are reused;
    ``evaluations`` counts trajectory-evaluations, ``fallbacks`` rows recomputed with the exact
    maximum shift.
    """

    def __init__(self, X: np.ndarray, mult: np.ndarray | None = None) -> None:
        self.X = np.ascontiguousarray(X, dtype=np.float64)
        n, d = self.X.shape
        self.q = 0.5 * np.einsum("ij,ij->i", self.X, self.X)
        logmu = np.zeros(n) if mult is None else np.log(np.asarray(mult, dtype=np.float64))
        self.XqT = np.ascontiguousarray(np.vstack([self.X.T, self.q, np.ones(n), logmu]))
        self.X1 = np.ascontiguousarray(np.hstack([self.X, np.ones((n, 1))]))
        self.rows = max(8, _BLOCK // n)
        self.evaluations = 0
        self.fallbacks = 0
        self._buffers: list[np.ndarray | None] = [None, None]

    def _buffer(self, which: int, rows: int) -> np.ndarray:
        buf = self._buffers[which]
        if buf is None or buf.shape[0] < rows:
            buf = self._buffers[which] = np.empty((max(rows, self.rows), self.X.shape[0]))
        return buf[:rows]

    def logits(self, Y: np.ndarray, ell: np.ndarray) -> np.ndarray:
        """All logits :math:`g` (B, n), unshifted (for tests and diagnostics)."""
        A = self._augment(Y, ell, np.zeros(len(ell)))
        return A @ self.XqT

    def _augment(self, Y: np.ndarray, ell: np.ndarray, shift: np.ndarray) -> np.ndarray:
        B, d = Y.shape
        A = np.empty((B, d + 3))
        np.multiply(Y, ell[:, None], out=A[:, :d])
        A[:, d] = -ell * ell
        A[:, d + 1] = -shift
        A[:, d + 2] = 1.0
        return A

    def __call__(self, Y: np.ndarray, ell: np.ndarray, lead: np.ndarray | None = None,
                 top: bool = False, tangent: np.ndarray | None = None) -> tuple[
                     np.ndarray, tuple[np.ndarray, ...] | None, np.ndarray | None]:
        r"""``m`` (B, d); with ``top`` also (leader, runner-up, gap) per row; with ``tangent``
        ``V`` (B, d) also :math:`\operatorname{Cov}_w(X)\,v` per row (the Jacobian of ``m`` is
        :math:`\ell\operatorname{Cov}_w(X)`).

        ``lead`` (B,) locations whose logits serve as the softmax shift (default: exact row max).
        """
        B, d = Y.shape
        if lead is None:
            shift = np.zeros(B)
        else:
            shift = ell * np.einsum("ij,ij->i", Y, self.X[lead]) - ell * ell * self.q[lead]
            shift += self.XqT[d + 2, lead]
        A = self._augment(Y, ell, shift)
        P = np.empty((B, d + 1))
        Q = None if tangent is None else np.empty((B, d + 1))
        info = (np.empty(B, np.int64), np.empty(B, np.int64), np.empty(B)) if top else None
        for s in range(0, B, self.rows):
            e = min(B, s + self.rows)
            self._block(A[s:e], lead is None, P[s:e], info, s,
                        None if tangent is None else (tangent[s:e], Q[s:e]))
        total = P[:, d]
        with np.errstate(invalid="ignore"):
            bad = ~(np.isfinite(P).all(axis=1) & (total > 1e-250) & (total < 1e250))
        if lead is not None and bad.any():
            rows = np.flatnonzero(bad)
            self.fallbacks += rows.size
            P_bad = np.empty((rows.size, d + 1))
            Q_bad = None if tangent is None else np.empty((rows.size, d + 1))
            self._block(self._augment(Y[rows], ell[rows], np.zeros(rows.size)), True, P_bad,
                        None, 0, None if tangent is None else (tangent[rows], Q_bad))
            P[rows] = P_bad
            if Q is not None:
                Q[rows] = Q_bad
        self.evaluations += B
        m = P[:, :d] / P[:, d:]
        cov_v = None
        if Q is not None:
            Q /= P[:, d:]
            cov_v = Q[:, :d] - m * Q[:, d:]
        return m, info, cov_v

    def _block(self, A: np.ndarray, exact_max: bool, P: np.ndarray,
               info: tuple[np.ndarray, ...] | None, s: int,
               tangent: tuple[np.ndarray, np.ndarray] | None) -> None:
        G = np.matmul(A, self.XqT, out=self._buffer(0, len(A)))
        if exact_max:
            G -= G.max(axis=1)[:, None]
        if info is not None:
            self._top_two(G, info, s, s + len(A))
        np.exp(G, out=G)
        np.matmul(G, self.X1, out=P)
        if tangent is not None:
            V, Q = tangent
            T = np.matmul(V, self.XqT[: V.shape[1]], out=self._buffer(1, len(A)))
            T *= G
            np.matmul(T, self.X1, out=Q)

    @staticmethod
    def _top_two(G: np.ndarray, info: tuple[np.ndarray, ...], s: int, e: int) -> None:
        r = np.arange(e - s)
        k = G.argmax(axis=1)
        gk = G[r, k].copy()
        if G.shape[1] > 1:
            G[r, k] = -np.inf
            j = G.argmax(axis=1)
            gap = gk - G[r, j]
            G[r, k] = gk
        else:
            j, gap = k, np.full(e - s, np.inf)
        info[0][s:e], info[1][s:e], info[2][s:e] = k, j, gap


# -- the result ------------------------------------------------------------------------------------

@dataclass
class BatchResult:
    """Verdicts of a batch (arrays of length M, one entry per start row)."""

    index: np.ndarray  # float64 verdict: training-set row reached (smallest duplicate), -1 if none
    commit_snr: np.ndarray  # ell at the certified commit (NaN if none)
    trusted: np.ndarray  # bool: the float64 verdict passes the trust rule
    tail_radius: np.ndarray  # R of the certificate (NaN if none)
    error: np.ndarray  # kappa * estimated global float64 error of y at the end
    logit_error: np.ndarray  # running max of kappa * ell * Delta_kj * error (trusted: <= ETA_MAX)
    reason: list[str]  # "" if trusted, else why not
    rechecked: dict[int, EndpointResult]  # start row -> high-precision verdict
    steps: int  # accepted trajectory-steps
    rejected: int  # rejected trajectory-steps
    evaluations: int  # field evaluations (trajectory-steps x stages, fallbacks not counted)
    seconds: float
    recheck_seconds: float = 0.0
    extra: dict[str, Any] = field(default_factory=dict)

    @property
    def final(self) -> np.ndarray:
        """Best verdict: the float64 one if trusted, the high-precision one if rechecked (-1 for
        a tie of either kind), else -1."""
        out = np.where(self.trusted, self.index, -1)
        for row, res in self.rechecked.items():
            out[row] = res.index if res.status == "training-sample" else -1
        return out

    def summary(self) -> dict[str, float]:
        """Fractions certified / flagged / rechecked, and the largest tail radius."""
        M = max(1, len(self.index))
        radii = self.tail_radius[np.isfinite(self.tail_radius)]
        return {
            "trajectories": len(self.index),
            "certified": float(np.count_nonzero(self.index >= 0)) / M,
            "flagged": float(np.count_nonzero(~self.trusted)) / M,
            "rechecked": len(self.rechecked) / M,
            "max_tail_radius": float(radii.max()) if radii.size else float("nan"),
        }


# -- the integrator --------------------------------------------------------------------------------

def _as_float_data(data: Any) -> tuple[np.ndarray, list[list[Fraction]] | None]:
    if isinstance(data, np.ndarray) and data.dtype.kind == "f":
        X = np.ascontiguousarray(data, dtype=np.float64)
        return (X.reshape(-1, 1) if X.ndim == 1 else X), None
    exact = [[Fraction(v) for v in row] for row in data]
    return np.array([[float(v) for v in row] for row in exact], dtype=np.float64), exact


def batch_endpoints(data: Any, starts: Any, *, rtol: float = 1e-10, max_snr: float = 1e6,
                    recheck: str = "auto", digits: int = 50, gap_rtol: float = GAP_RTOL,
                    max_steps: int = 20000, max_rechecks: int | None = None) -> BatchResult:
    """Endpoints of the oracle flow from every row of ``starts`` (M, d) in float64, vectorised.

    ``data``: (N, d) Fractions (or anything ``Fraction`` takes) or a float64 array. See the
    module docstring for the integrator, the commit and the trust rule. ``recheck="auto"``
    re-runs untrusted rows with :func:`.endpoint.certify_endpoint` at ``digits`` (exact
    rationals; a float64 start is converted bit for bit), at most ``max_rechecks`` of them;
    ``"never"`` skips that.
    """
    if recheck not in ("auto", "never"):
        raise ValueError(f"recheck must be 'auto' or 'never', not {recheck!r}")
    begin = time.perf_counter()
    X, exact = _as_float_data(data)
    Z = np.asarray(starts, dtype=np.float64)
    if Z.ndim == 1:  # one start, or M starts on the line
        Z = Z.reshape(-1, 1) if X.shape[1] == 1 else Z.reshape(1, -1)
    if X.size == 0:
        raise ValueError("the training set is empty")
    if not (np.isfinite(X).all() and np.isfinite(Z).all()):
        raise ValueError("data and starts must be finite")
    if Z.shape[1] != X.shape[1]:
        raise ValueError(f"starts have dimension {Z.shape[1]}, the training set {X.shape[1]}")
    geo = _geometry(X, exact)
    fe = FieldEvaluator(geo.X, geo.mult)
    M, d = Z.shape
    single = geo.X.shape[0] == 1

    index = np.full(M, -1, dtype=np.int64)
    commit = np.full(M, np.nan)
    radius = np.full(M, np.nan)
    error = np.full(M, np.nan)
    logit_error = np.full(M, np.nan)
    trusted = np.zeros(M, dtype=bool)
    reason = ["no-commit"] * M

    # compact state of the active trajectories
    ids = np.arange(M)
    y = Z.copy()
    ell = np.zeros(M)
    lead = np.asarray((y @ geo.X.T).argmax(axis=1), dtype=np.int64)  # any lead is a valid shift
    v = np.random.default_rng(0).standard_normal((M, d))  # tangent directions (power iteration)
    v /= np.linalg.norm(v, axis=1)[:, None]
    f, _, cv = fe(y, ell, tangent=v)
    ray = np.einsum("ij,ij->i", v, cv)  # Rayleigh quotient of Cov_w(X) at the step start
    h = np.full(M, 1e-3 / (1.0 + geo.xmax))
    err = np.zeros(M)
    err_local = np.zeros(M)  # the same without the growth: used once the estimate is lost
    eta = np.zeros(M)  # running max of the estimated logit error kappa * ell * Delta_kj * err
    tries = np.zeros(M, dtype=np.int64)
    near_prev = np.ones(M, dtype=bool)  # at ell = 0 every logit is 0: a tie
    window = np.zeros(M, dtype=bool)
    steps = rejected = 0

    while ids.size:
        B = ids.size
        k_st = [f]
        Ys = y
        info = cov_v = None
        for s in range(1, 7):
            acc = np.zeros((B, d))
            for coef, ks in zip(_A[s], k_st, strict=False):
                if coef:
                    acc += coef * ks
            Ys = y + h[:, None] * acc
            last = s == 6
            fs, info, cov_v = fe(Ys, ell + _C[s] * h, lead, top=last, tangent=v if last else None)
            k_st.append(fs)
        y_new = Ys
        errv = np.zeros((B, d))
        for coef, ks in zip(_E, k_st, strict=True):
            if coef:
                errv += coef * ks
        errv *= h[:, None]
        with np.errstate(invalid="ignore", over="ignore", divide="ignore"):
            scale = rtol * (1.0 + np.maximum(np.abs(y), np.abs(y_new)))
            en = np.sqrt(np.mean((errv / scale) ** 2, axis=1))
            ok = en <= 1.0
            fac = np.where(en > 0, 0.9 * en ** -0.2, 10.0)
        fac = np.clip(np.nan_to_num(fac, nan=0.2), 0.2, 10.0)
        tries += 1
        acc_rows = np.flatnonzero(ok)
        steps += acc_rows.size
        rejected += B - acc_rows.size

        done = np.zeros(B, dtype=bool)
        if acc_rows.size:
            r = acc_rows
            y[r] = y_new[r]
            ell[r] += h[r]
            f[r] = k_st[6][r]
            k, j, gap = info[0][r], info[1][r], info[2][r]
            Xk = geo.X[k]
            dot = np.einsum("ij,ij->i", y[r], Xk)
            mag = ell[r] * np.abs(dot) + ell[r] ** 2 * fe.q[k]
            ynorm = np.sqrt(np.einsum("ij,ij->i", y[r], y[r]))
            # global error: growth by the tangent flow (Jacobian ell Cov_w), plus the local error
            cv = cov_v[r]
            ray_new = np.einsum("ij,ij->i", v[r], cv)
            rate = ell[r] * np.maximum(np.maximum(ray[r], ray_new), 0.0)
            local = np.sqrt(np.einsum("ij,ij->i", errv[r], errv[r])) \
                + 4 * _EPS * (ynorm + h[r] * (1.0 + mag) * geo.xmax)
            with np.errstate(over="ignore"):
                err[r] = np.minimum(err[r] * np.exp(np.minimum(h[r] * rate, 700.0)) + local, 1e300)
            err_local[r] += local
            w = v[r] + (h[r] * ell[r])[:, None] * cv
            wn = np.linalg.norm(w, axis=1)
            v[r] = np.where(wn[:, None] > 0, w / np.where(wn > 0, wn, 1.0)[:, None], v[r])
            ray[r] = ray_new
            dkj = np.sqrt(np.einsum("ij,ij->i", Xk - geo.X[j], Xk - geo.X[j]))
            eta[r] = np.maximum(eta[r], SAFETY * ell[r] * dkj * err[r])
            near = gap < gap_rtol * mag + SAFETY * ell[r] * dkj * err[r]
            changed = k != lead[r]
            window[r] = np.where(changed, near_prev[r] & near, window[r] | near)
            near_prev[r] = near
            lead[r] = k
            # the certificate, for the rows that can pass (cheap necessary condition first)
            res = y[r] - ell[r, None] * Xk
            # past ETA_MAX the float64 verdict is untrusted anyway: it is still reported, with
            # the accumulated local errors alone (the linear growth estimate no longer applies)
            rho = np.sqrt(np.einsum("ij,ij->i", res, res)) \
                + SAFETY * np.where(eta[r] > ETA_MAX, err_local[r], err[r])
            if single:
                cand = np.arange(r.size)
                Rc, slack = rho.copy(), np.full(r.size, np.inf)
            else:
                d1 = geo.lam[k, 0]
                l1 = ell[r] * d1
                R0 = rho + rho / 256
                with np.errstate(over="ignore", invalid="ignore", divide="ignore"):
                    t1 = geo.D[k, 0] * np.exp(-(l1 * (l1 / 2 - R0))) / (d1 * (l1 - R0))
                    cand = np.flatnonzero((l1 > R0) & (t1 < l1 - rho))
                Rc, slack = tail_certificate_np(rho[cand], ell[r][cand], geo.a[k[cand]],
                                                geo.lam[k[cand]], geo.D[k[cand]],
                                                geo.mask[k[cand]])
            good = np.isfinite(Rc) & (slack >= SLACK_RTOL * Rc)
            hit = cand[good]
            if hit.size:
                rows, loc = r[hit], k[hit]
                out = ids[rows]
                index[out] = geo.rep[loc]
                commit[out] = ell[rows]
                radius[out] = Rc[good]
                error[out] = SAFETY * err[rows]
                logit_error[out] = eta[rows]
                why = np.where(geo.collapsed[loc], "collapsed",
                               np.where(window[rows], "near-tie",
                                        np.where(eta[rows] > ETA_MAX, "error-growth", "")))
                for o, text in zip(out.tolist(), why.tolist(), strict=True):
                    reason[o] = text
                trusted[out] = why == ""
                done[rows] = True
        h = h * fac
        finite = np.isfinite(y).all(axis=1) & np.isfinite(h) & (h > 0)
        for cond, why in ((~finite, "non-finite"), (ell > max_snr, "no-commit"),
                          (tries >= max_steps, "step-limit")):
            stop = cond & ~done
            for o in ids[stop].tolist():
                reason[o] = why
            done |= stop
        if done.any():
            keep = ~done
            lost = ids[done]
            error[lost] = np.where(np.isnan(error[lost]), SAFETY * err[done], error[lost])
            logit_error[lost] = np.where(np.isnan(logit_error[lost]), eta[done], logit_error[lost])
            ids, y, ell, f, h, err, tries = ids[keep], y[keep], ell[keep], f[keep], h[keep], \
                err[keep], tries[keep]
            err_local = err_local[keep]
            lead, near_prev, window = lead[keep], near_prev[keep], window[keep]
            v, ray, eta = v[keep], ray[keep], eta[keep]

    seconds = time.perf_counter() - begin
    rechecked: dict[int, EndpointResult] = {}
    t0 = time.perf_counter()
    if recheck == "auto":
        if exact is None:
            exact = [[Fraction(float(v)) for v in row] for row in X]
        rows = np.flatnonzero(~trusted).tolist()
        if max_rechecks is not None:
            rows = rows[:max_rechecks]
        for row in rows:
            start = [Fraction(float(v)) for v in Z[row]]  # exact: a float64 is a dyadic rational
            rechecked[row] = certify_endpoint(exact, start, digits=digits,
                                              max_snr=Fraction(float(max_snr)))
    return BatchResult(index=index, commit_snr=commit, trusted=trusted, tail_radius=radius,
                       error=error, logit_error=logit_error, reason=reason, rechecked=rechecked,
                       steps=steps, rejected=rejected,
                       evaluations=fe.evaluations, seconds=seconds,
                       recheck_seconds=time.perf_counter() - t0,
                       extra={"fallbacks": fe.fallbacks, "locations": int(geo.X.shape[0])})

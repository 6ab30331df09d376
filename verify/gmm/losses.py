r"""Training losses of the laboratory's denoisers per noise level, in :math:`x_0` units.

For a denoiser :math:`\hat x_0` and a training set :math:`x_1..x_N` the training loss at a fixed
:math:`t` is (research note §3a; sum over coordinates, as the authors' ``DiffusionLoss``)

.. math:: \mathcal L_{N,t}=\frac1N\sum_{i=1}^N\mathbb E_\varepsilon
          \big\lVert\hat x_0(\alpha_tx_i+\sigma_t\varepsilon,t)-x_i\big\rVert^2 ,

conditional on the training set. Its :math:`\varepsilon`-prediction value is
:math:`\psi_t\,\mathcal L_{N,t}` (:math:`\hat\varepsilon-\varepsilon=\frac{\alpha}{\sigma}(x_0-\hat x_0)`).

**Monte Carlo** (:func:`training_losses`). Batch :math:`r=1..R` draws one
:math:`\varepsilon_{ir}` per training point (and, for partial memorization averaged over subsets,
one fresh subset of :math:`M` training points; a fixed subset is one model, the same in every
batch) and records :math:`Y_r=\frac1N\sum_i\lVert\hat x_0-x_i\rVert^2`; the
:math:`Y_r` are i.i.d. given the training set, so the mean has a Student-:math:`t` 95 % interval
with :math:`R-1` degrees of freedom. All denoisers see the same :math:`\varepsilon_{ir}` (common
random numbers), so differences and ratios of losses get paired intervals
(:meth:`LossTable.combine`, :meth:`LossTable.jackknife`). The generalizing loss uses a control
variate: the oracle-label posterior mean
:math:`\mu_{y_i}+g(x-\alpha\mu_{y_i})`, :math:`g=\alpha\sigma_\star^2/(\alpha^2\sigma_\star^2+\sigma^2)`,
whose loss has the exact expectation
:math:`(1-g\alpha)^2\lVert x_i-\mu_{y_i}\rVert^2+g^2\sigma^2d`.

**Quadrature** (:func:`quadrature_loss`), for a fixed mixture denoiser in :math:`d\le2`: the
softmax logits are affine in :math:`x`, so the integrand switches between components across
known hyperplanes; the integral is split there. :math:`d=1`: ``mpmath.quad`` (tanh-sinh) at the
requested digits with its error estimate. :math:`d=2`: composite Gauss–Legendre (float64) on the
split cells, error estimated from two orders.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from functools import lru_cache

import mpmath
import numpy as np

from .data import GMMData, GMMError, Process, paper_grid
from .data import process as _process
from .denoisers import MixtureDenoiser, denoise, generalizing, memorized_stack, memorizing

__all__ = ["Partial", "SUBSETS", "Estimate", "LossTable", "training_losses", "standard_denoisers",
           "t_quantile", "quadrature_loss", "quadrature_losses", "ELEMENT_BUDGET"]

#: Largest number of float64 entries one chunk of (rows x components) may hold.
ELEMENT_BUDGET = 2_000_000


@dataclass(frozen=True)
class Partial:
    r"""The partially memorizing denoiser of :math:`M` training points (zero variance): with
    ``subset`` None averaged over subsets (a fresh uniformly drawn subset per noise batch, so the
    loss estimates :math:`\mathbb E_S\,\mathcal L_t(\theta_{{\rm pmem},S})`), else the one model that
    memorizes the training points ``subset`` (indices)."""

    M: int
    label: str = ""
    subset: tuple[int, ...] | None = None

    def __post_init__(self) -> None:
        if self.subset is not None:
            sub = tuple(int(i) for i in self.subset)
            if len(sub) != self.M or len(set(sub)) != self.M:
                raise GMMError(f"a fixed subset of M = {self.M} needs {self.M} distinct indices")
            object.__setattr__(self, "subset", sub)

    @property
    def name(self) -> str:
        return self.label or f"partial M={self.M}"

    def model(self, data: GMMData) -> MixtureDenoiser:
        """The fixed subset's denoiser (with its x0, epsilon, score and velocity predictions); an average
        over redrawn subsets is not one function, so it has none."""
        if self.subset is None:
            raise GMMError(f"{self.name!r} averages over redrawn subsets; only a fixed subset is one model")
        return MixtureDenoiser(data.train[list(self.subset)], 0.0, self.name)


#: How partial memorization chooses its subsets: ``redraw`` (per batch) or ``fixed`` (nested).
SUBSETS = ("redraw", "fixed")


Denoiser = MixtureDenoiser | Partial


@lru_cache(maxsize=256)
def t_quantile(p: float, df: int) -> float:
    r"""Quantile of Student's :math:`t` with ``df`` degrees of freedom (mpmath, no SciPy)."""
    if df < 1 or not 0.5 <= p < 1:
        raise GMMError(f"t_quantile needs df >= 1 and 0.5 <= p < 1, got df={df}, p={p}")
    nu = mpmath.mpf(df)

    def upper_tail(x: float) -> float:  # P(T > x) for x >= 0
        return float(mpmath.betainc(nu / 2, mpmath.mpf(1) / 2, 0, nu / (nu + x * x), regularized=True)) / 2

    lo, hi = 0.0, 1.0
    while upper_tail(hi) > 1 - p:
        lo, hi = hi, 2 * hi
    for _ in range(80):  # bisection: the tail is decreasing in x
        mid = (lo + hi) / 2
        lo, hi = (mid, hi) if upper_tail(mid) > 1 - p else (lo, mid)
    return (lo + hi) / 2


@dataclass(frozen=True)
class Estimate:
    """Point estimates with symmetric 95 % half-widths (same shape)."""

    mean: np.ndarray
    half: np.ndarray

    @property
    def lower(self) -> np.ndarray:
        return self.mean - self.half

    @property
    def upper(self) -> np.ndarray:
        return self.mean + self.half

    def scaled(self, factor: np.ndarray | float) -> Estimate:
        """Multiply by a known (non-random) factor."""
        f = np.asarray(factor, dtype=float)
        return Estimate(self.mean * f, self.half * np.abs(f))


@dataclass(frozen=True)
class LossTable:
    r"""Monte-Carlo training losses: ``batches[l, k, r]`` is :math:`Y_r` of denoiser ``labels[l]`` at
    ``times[k]``; the batch index is shared by all denoisers (paired draws)."""

    times: np.ndarray
    labels: tuple[str, ...]
    batches: np.ndarray
    alpha: np.ndarray
    sigma: np.ndarray
    psi: np.ndarray
    d: int
    N: int
    var_star: float
    schedule: str
    M: dict[str, int] = field(default_factory=dict)  # label -> M of the partial denoisers
    eigenvalues: tuple[float, ...] | None = None  # of the covariance, when it is not var_star I
    subsets: str = "redraw"  # the partial denoisers' subsets: redraw, fixed (or mixed)

    @property
    def trace(self) -> float:
        r""":math:`\operatorname{tr}\Sigma` (:math:`d\sigma_\star^2` when isotropic)."""
        return self.d * self.var_star if self.eigenvalues is None else float(sum(self.eigenvalues))

    @property
    def draws(self) -> int:
        return self.batches.shape[2]

    def index(self, label: str) -> int:
        try:
            return self.labels.index(label)
        except ValueError:
            raise GMMError(f"no denoiser labelled {label!r} (have {', '.join(self.labels)})") from None

    def combine(self, weights: Mapping[str, float]) -> Estimate:
        r""":math:`\sum_l w_l\mathcal L_l` per time with its paired 95 % interval."""
        y = sum(w * self.batches[self.index(k)] for k, w in weights.items())
        y = np.asarray(y, dtype=float)
        R = y.shape[-1]
        mean = y.mean(axis=-1)
        half = t_quantile(0.975, R - 1) * y.std(axis=-1, ddof=1) / math.sqrt(R) if R > 1 \
            else np.full_like(mean, np.inf)
        return Estimate(mean, half)

    def loss(self, label: str) -> Estimate:
        """One denoiser's loss per time."""
        return self.combine({label: 1.0})

    def difference(self, a: str, b: str) -> Estimate:
        r""":math:`\mathcal L_a-\mathcal L_b` per time (paired)."""
        return self.combine({a: 1.0, b: -1.0})

    def jackknife(self, statistic: Callable[[dict[str, np.ndarray]], np.ndarray | float],
                  groups: int = 16) -> Estimate:
        r"""A smooth function of the mean losses (``{label: (T,) means} -> value``) with a grouped
        jackknife 95 % interval over the batches (Student-:math:`t`, ``groups - 1`` d.o.f.)."""
        R = self.draws
        G = min(groups, R)
        if G < 2:
            raise GMMError("a jackknife interval needs at least 2 noise batches")
        full = np.asarray(statistic(self._means(slice(None))), dtype=float)
        split = np.array_split(np.arange(R), G)
        reps = []
        for idx in split:
            keep = np.setdiff1d(np.arange(R), idx)
            reps.append(np.asarray(statistic(self._means(keep)), dtype=float))
        reps_arr = np.array(reps)
        var = (G - 1) / G * ((reps_arr - reps_arr.mean(axis=0)) ** 2).sum(axis=0)
        return Estimate(full, t_quantile(0.975, G - 1) * np.sqrt(var))

    def _means(self, keep) -> dict[str, np.ndarray]:
        means = self.batches[:, :, keep].mean(axis=2)
        return {label: means[i] for i, label in enumerate(self.labels)}

    def to_json(self) -> dict:
        """Per-time means and half-widths of every denoiser."""
        out = {"times": self.times.tolist(), "psi": self.psi.tolist(), "d": self.d, "N": self.N,
               "var_star": self.var_star, "trace_cov": self.trace, "schedule": self.schedule,
               "draws": self.draws, "partial_subsets": self.subsets, "losses": {}}
        for label in self.labels:
            e = self.loss(label)
            out["losses"][label] = {"mean": e.mean.tolist(), "half_width": e.half.tolist()}
        return out


def standard_denoisers(data: GMMData, Ms: Sequence[int] = (), subsets: str = "redraw",
                       rng: np.random.Generator | None = None) -> list[Denoiser]:
    """Generalizing, memorizing and one :class:`Partial` per ``M``: ``subsets`` ``redraw`` (a fresh
    subset per batch) or ``fixed`` (one seeded permutation of the training set; size :math:`M` memorizes
    its first :math:`M` points, so the subsets are nested; ``rng`` default seeded by the data seed)."""
    if subsets not in SUBSETS:
        raise GMMError(f"subsets must be one of {', '.join(SUBSETS)}, got {subsets!r}")
    out: list[Denoiser] = [generalizing(data), memorizing(data)]
    N = data.setting.N
    order = None
    if subsets == "fixed":
        rng = rng if rng is not None else np.random.default_rng([data.setting.seed, 0x5B5E7])
        order = rng.permutation(N)
    for M in Ms:
        if not 1 <= M <= N:
            raise GMMError(f"partial memorization needs 1 <= M <= N = {N}, got M = {M}")
        out.append(Partial(int(M), subset=None if order is None else tuple(np.sort(order[:M]).tolist())))
    return out


def _label(den: Denoiser) -> str:
    return den.name if isinstance(den, Partial) else den.label


def _is_true_mixture(den: Denoiser, data: GMMData) -> bool:
    return (isinstance(den, MixtureDenoiser) and np.shape(den.var) == np.shape(data.covariance)
            and np.array_equal(den.var, data.covariance)
            and den.means.shape == data.means.shape and np.array_equal(den.means, data.means))


def _oracle_control(data: GMMData, x: np.ndarray, a: float, s: float) -> tuple[np.ndarray, np.ndarray]:
    r"""The oracle-label posterior mean's per-batch losses (c, N) and their exact expectations (N,):
    :math:`\mu_y+G(x-\alpha\mu_y)`, :math:`G=\alpha\Sigma(\alpha^2\Sigma+\sigma^2I)^{-1}`, has
    expected loss :math:`\lVert(I-\alpha G)(x_i-\mu_y)\rVert^2+\sigma^2\lVert G\rVert_F^2`."""
    X = data.train
    mu_y = data.means[data.labels]
    d = X.shape[1]
    if data.cov is None:
        v = data.var_star
        g = a * v / (a * a * v + s * s)
        oracle = mu_y[None] + g * (x - a * mu_y[None])
        expected = (1 - g * a) ** 2 * ((X - mu_y) ** 2).sum(axis=1) + g * g * s * s * d
    else:
        lam, Q = np.linalg.eigh(data.cov)
        lam = np.maximum(lam, 0.0)
        g = a * lam / (a * a * lam + s * s)  # G's eigenvalues
        G = (Q * g) @ Q.T
        oracle = mu_y[None] + (x - a * mu_y[None]) @ G.T
        expected = ((((X - mu_y) @ Q) * (1 - a * g)) ** 2).sum(axis=1) + s * s * float((g * g).sum())
    return ((oracle - X[None]) ** 2).sum(axis=2), expected


def training_losses(data: GMMData, denoisers: Sequence[Denoiser], times: Sequence[float] | np.ndarray | None,
                    process: Process | None, draws: int, rng: np.random.Generator,
                    control_variate: bool = True, progress: Callable[[str], None] | None = None) -> LossTable:
    r"""Monte-Carlo :math:`\mathcal L_{N,t}` of every denoiser at every time (``draws`` batches of one
    noise draw per training point; paired across denoisers). ``times`` None: the paper's grid;
    ``process`` None: the paper's process."""
    times_arr = paper_grid() if times is None else np.asarray(times, dtype=float).ravel()
    proc = process or _process()
    if len(times_arr) == 0:
        raise GMMError("no times given")
    if not isinstance(draws, int | np.integer) or draws < 2:
        raise GMMError(f"draws must be an integer >= 2 (for an interval), got {draws!r}")
    if not denoisers:
        raise GMMError("no denoisers given")
    labels = tuple(_label(den) for den in denoisers)
    if len(set(labels)) != len(labels):
        raise GMMError(f"denoiser labels must be distinct, got {labels}")
    X = data.train
    N, d = X.shape
    for den in denoisers:
        if isinstance(den, Partial) and not 1 <= den.M <= N:
            raise GMMError(f"partial memorization needs 1 <= M <= N = {N}, got M = {den.M}")
        if isinstance(den, Partial) and den.subset is not None and not 0 <= min(den.subset) <= max(
                den.subset) < N:
            raise GMMError(f"the fixed subset of {den.name!r} has an index outside 0..{N - 1}")
        if isinstance(den, MixtureDenoiser) and den.means.shape[1] != d:
            raise GMMError(f"denoiser {den.label!r} has means in dimension {den.means.shape[1]}, data in {d}")
    values = proc(times_arr)
    alpha, sigma, psi = values["alpha"], values["sigma"], values["psi"]
    if not (np.isfinite(alpha).all() and np.isfinite(sigma).all() and (sigma > 0).all()):
        raise GMMError("the schedule must have finite alpha and sigma > 0 at every time (t in (0, 1])")
    widest = max(den.M if isinstance(den, Partial) else len(den.means) for den in denoisers)
    chunk = int(max(1, min(draws, ELEMENT_BUDGET // (N * max(widest, d)))))
    batches = np.empty((len(denoisers), len(times_arr), draws))
    for k, (a, s) in enumerate(zip(alpha, sigma, strict=True)):
        if progress is not None:
            progress(f"losses: t = {times_arr[k]:.4g} ({k + 1}/{len(times_arr)})")
        for start in range(0, draws, chunk):
            c = min(chunk, draws - start)
            eps = rng.standard_normal((c, N, d))
            x = a * X[None] + s * eps  # (c, N, d)
            flat = x.reshape(c * N, d)
            for li, den in enumerate(denoisers):
                if isinstance(den, Partial) and den.subset is not None:
                    out = denoise(flat, a, s, X[list(den.subset)], 0.0).reshape(c, N, d)
                    batches[li, k, start:start + c] = ((out - X[None]) ** 2).sum(axis=2).mean(axis=1)
                    continue
                if isinstance(den, Partial):  # one fresh subset per batch, all batches at once
                    subsets = np.stack([rng.choice(N, size=den.M, replace=False) for _ in range(c)])
                    out = memorized_stack(x, a, s, X[subsets])
                    batches[li, k, start:start + c] = ((out - X[None]) ** 2).sum(axis=2).mean(axis=1)
                    continue
                out = den(flat, a, s).reshape(c, N, d)
                err = ((out - X[None]) ** 2).sum(axis=2)  # (c, N)
                if control_variate and _is_true_mixture(den, data):
                    cv, expected = _oracle_control(data, x, a, s)
                    err = err - cv + expected[None]
                batches[li, k, start:start + c] = err.mean(axis=1)
    Ms = {_label(den): den.M for den in denoisers if isinstance(den, Partial)}
    fixed = [den.subset is not None for den in denoisers if isinstance(den, Partial)]
    subsets = "fixed" if fixed and all(fixed) else "redraw" if not any(fixed) else "mixed"
    eigs = None if data.cov is None else tuple(float(v) for v in data.eigenvalues)
    return LossTable(times_arr, labels, batches, alpha, sigma, psi, d, N, float(data.var_star), proc.name, Ms,
                     eigs, subsets)


# -- quadrature in d <= 2 ---------------------------------------------------------------------------------

def _check_quadrature(data: GMMData, den: MixtureDenoiser) -> None:
    if not isinstance(den, MixtureDenoiser):
        raise GMMError("quadrature needs a fixed MixtureDenoiser (not a random subset)")
    if data.train.shape[1] not in (1, 2):
        raise GMMError(f"quadrature is available in d = 1 or 2, got d = {data.train.shape[1]}")
    if data.train.shape[1] != den.means.shape[1]:
        raise GMMError("denoiser and data dimensions differ")
    if den.weights is not None:
        raise GMMError("quadrature covers equal-weight denoisers; use the Monte-Carlo losses for weights")


def quadrature_loss(data: GMMData, den: MixtureDenoiser, alpha: float, sigma: float,
                    digits: int = 30) -> tuple[float, float]:
    r""":math:`\mathcal L_{N,t}` of a fixed mixture denoiser at one :math:`(\alpha,\sigma)` by quadrature
    in :math:`d\le2`; returns (value, error estimate)."""
    _check_quadrature(data, den)
    if not sigma > 0:
        raise GMMError("quadrature needs sigma > 0")
    if data.train.shape[1] == 1:
        return _quad_1d(data.train[:, 0], den.means[:, 0], den.var, alpha, sigma, digits)
    return _quad_2d(data.train, den.means, den.var, alpha, sigma)


def quadrature_losses(data: GMMData, den: MixtureDenoiser, times: Sequence[float] | np.ndarray,
                      process: Process | None = None, digits: int = 30) -> tuple[np.ndarray, np.ndarray]:
    """:func:`quadrature_loss` at every time: (values, error estimates)."""
    proc = process or _process()
    vals = proc(np.asarray(times, dtype=float))
    pairs = [quadrature_loss(data, den, float(a), float(s), digits)
             for a, s in zip(vals["alpha"], vals["sigma"], strict=True)]
    return np.array([p[0] for p in pairs]), np.array([p[1] for p in pairs])


def _quad_1d(X: np.ndarray, mu: np.ndarray, var: float, alpha: float, sigma: float,
             digits: int) -> tuple[float, float]:
    with mpmath.workdps(digits + 5):
        a, s, v = mpmath.mpf(alpha), mpmath.mpf(sigma), mpmath.mpf(var)
        means = [mpmath.mpf(float(m)) for m in mu]
        tau2 = a * a * v + s * s
        gain = a * v / tau2
        norm = 1 / mpmath.sqrt(2 * mpmath.pi)
        # logits are affine in x with slope a mu_m / tau2: the arg-max switches at midpoints a (mu_j + mu_k)/2
        order = sorted(set(means))
        switches = [a * (p + q) / 2 for p, q in zip(order, order[1:], strict=False)]
        total, error = mpmath.mpf(0), mpmath.mpf(0)
        halves = [a * a * m * m / 2 for m in means]  # the logits' constant terms, as in f
        for xi_f in X:
            xi = mpmath.mpf(float(xi_f))

            def f(e, xi=xi):
                x = a * xi + s * e
                ax = a * x
                logits = [(ax * m - h) / tau2 for m, h in zip(means, halves, strict=True)]
                top = max(logits)
                w = [mpmath.exp(z - top) for z in logits]
                m_hat = mpmath.fsum(wi * m for wi, m in zip(w, means, strict=True)) / mpmath.fsum(w)
                out = m_hat + gain * (x - a * m_hat)
                return (out - xi) ** 2 * norm * mpmath.exp(-e * e / 2)

            # the switching points, and a fixed partition of the Gaussian bulk
            cuts = sorted({(c - a * xi) / s for c in switches if abs((c - a * xi) / s) < 40}
                          | {mpmath.mpf(k) for k in range(-8, 9, 4)})
            points = [-mpmath.inf, *cuts, mpmath.inf]
            value, err = mpmath.quad(f, points, error=True)
            total += value
            error += err
        n = len(X)
        return float(total / n), float(error / n) + 10.0 ** (-digits) * float(abs(total / n))


#: A fixed partition of the Gaussian bulk, |eps| <= 9, added to the switching cuts.
_BULK = tuple(np.linspace(-9.0, 9.0, 10))


def _gauss_legendre(order: int) -> tuple[np.ndarray, np.ndarray]:
    return np.polynomial.legendre.leggauss(order)


def _quad_2d(X: np.ndarray, mu: np.ndarray, var: float, alpha: float, sigma: float) -> tuple[float, float]:
    """Composite Gauss-Legendre on cells split at the softmax switching lines; |eps| <= 9."""
    values = [_quad_2d_order(X, mu, var, alpha, sigma, order) for order in (8, 16)]
    return values[1], abs(values[1] - values[0]) + 1e-13 * abs(values[1]) + 1e-16


def _quad_2d_order(X: np.ndarray, mu: np.ndarray, var: float, alpha: float, sigma: float,
                   order: int) -> float:
    L = 9.0
    nodes, weights = _gauss_legendre(order)
    a, s = alpha, sigma
    pairs = [(j, k) for j in range(len(mu)) for k in range(j + 1, len(mu))
             if not np.array_equal(mu[j], mu[k])]
    total = 0.0
    for xi in X:
        # switching line j|k in eps: a (a xi + s e).(mu_j - mu_k) = a^2 (|mu_j|^2 - |mu_k|^2)/2
        lines = []
        for j, k in pairs:
            n = s * (mu[j] - mu[k])
            c = a * (mu[j] @ mu[j] - mu[k] @ mu[k]) / 2 - a * xi @ (mu[j] - mu[k])
            lines.append((n, c))  # n . e = c
        outer = set(_BULK)
        for i1, (n1, c1) in enumerate(lines):
            if abs(n1[1]) < 1e-14 * np.abs(n1).max() and abs(n1[0]) > 0:
                outer.add(c1 / n1[0])
            for n2, c2 in lines[i1 + 1:]:
                det = n1[0] * n2[1] - n1[1] * n2[0]
                if abs(det) > 1e-14:
                    outer.add((c1 * n2[1] - c2 * n1[1]) / det)
        cuts1 = np.array(sorted(v for v in outer if -L <= v <= L))
        # every inner line of this xi in one batch (row-wise the same arithmetic), then summed in order
        lines1, blocks = [], []
        for lo1, hi1 in zip(cuts1[:-1], cuts1[1:], strict=True):
            e1 = (hi1 - lo1) / 2 * nodes + (hi1 + lo1) / 2
            w1 = (hi1 - lo1) / 2 * weights
            for e1v, w1v in zip(e1, w1, strict=True):
                inner = set(_BULK)
                for n, c in lines:
                    if abs(n[1]) > 1e-14:
                        inner.add((c - n[0] * e1v) / n[1])
                cuts2 = np.array(sorted(v for v in inner if -L <= v <= L))
                lo2, hi2 = cuts2[:-1, None], cuts2[1:, None]
                e2 = ((hi2 - lo2) / 2 * nodes + (hi2 + lo2) / 2).ravel()
                w2 = ((hi2 - lo2) / 2 * weights).ravel()
                lines1.append((w1v, w2))
                blocks.append(np.column_stack([np.full_like(e2, e1v), e2]))
        eps = np.concatenate(blocks)
        x = a * xi + s * eps
        out = denoise(x, a, s, mu, var)
        e1c, e2c = eps[:, 0], eps[:, 1]
        f_all = ((out - xi) ** 2).sum(axis=1) * np.exp(-(e1c * e1c + e2c * e2c) / 2) / (2 * np.pi)
        start = 0
        for w1v, w2 in lines1:
            f = f_all[start:start + len(w2)]
            start += len(w2)
            total += w1v * (w2 @ f)
    return total / len(X)

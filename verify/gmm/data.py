r"""The Gaussian-mixture laboratory of Buchanan, Pai, Ma, De Bortoli (arXiv 2508.17689): data,
noising process and time grid.

Data: :math:`p_\star=\frac1K\sum_k\mathcal N(\mu_k,\sigma_\star^2I_d)` with means uniform on the
sphere of radius :math:`\sqrt d` (:math:`\mu_k=\sqrt d\,g_k/\lVert g_k\rVert`,
:math:`g_k\sim\mathcal N(0,I_d)`), :math:`N` training samples, uniform labels.

Your own problem (:func:`problem`): your means, a shared covariance (a number or a matrix),
mixture weights, and your training set or :math:`N` draws from that mixture.

Process: any registry schedule; the paper's is ``vp-linear-sigma``,
:math:`\alpha_t=\sqrt{1-t^2}`, :math:`\sigma_t=t`, SNR :math:`\psi_t=\alpha_t^2/\sigma_t^2`, on the
26-point grid ``linspace(0.001, 0.999, 26)`` (descending for sampling).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any

import numpy as np

__all__ = ["GMMError", "GMMSetting", "GMMData", "Process", "process", "paper_grid", "generate", "problem"]

#: The paper's schedule (registry name).
PAPER_SCHEDULE = "vp-linear-sigma"


class GMMError(ValueError):
    """A laboratory setting is invalid (one clear line)."""


def paper_grid() -> np.ndarray:
    """The authors' 26 times ``linspace(0.001, 0.999, 26)``, ascending."""
    return np.linspace(0.001, 0.999, 26)


@dataclass(frozen=True)
class GMMSetting:
    """One laboratory cell: dimension, number of components, training-set size, variance, seed."""

    d: int
    K: int
    N: int
    var_star: float = 1.0
    seed: int = 0
    n_validation: int = 100

    def __post_init__(self) -> None:
        for name in ("d", "K", "N"):
            value = getattr(self, name)
            if not isinstance(value, int | np.integer) or value < 1:
                raise GMMError(f"{name} must be a positive integer, got {value!r}")
        if not self.var_star > 0:
            raise GMMError(f"var_star must be positive, got {self.var_star}")

    def key(self) -> str:
        """A file-name-safe identifier of the cell."""
        return f"d{self.d}-K{self.K}-N{self.N}-var{self.var_star:g}-seed{self.seed}"


@dataclass(frozen=True)
class GMMData:
    """Means (K, d), the training set (N, d) with its labels, and a validation set; ``cov`` the
    shared covariance when it is not :math:`\\sigma_\\star^2I` (a (d, d) matrix), ``weights`` the
    mixture weights when they are not equal."""

    setting: GMMSetting
    means: np.ndarray
    train: np.ndarray
    labels: np.ndarray
    validation: np.ndarray = field(repr=False)
    validation_labels: np.ndarray = field(repr=False)
    cov: np.ndarray | None = field(default=None, repr=False)
    weights: np.ndarray | None = None

    @property
    def var_star(self) -> float:
        """The variance :math:`\\sigma_\\star^2` (with a covariance matrix: its trace over d)."""
        return self.setting.var_star

    @property
    def covariance(self) -> float | np.ndarray:
        """What the generalizing denoiser uses: :math:`\\sigma_\\star^2` or the matrix."""
        return self.setting.var_star if self.cov is None else self.cov

    @property
    def eigenvalues(self) -> np.ndarray:
        """Eigenvalues (d,) of the covariance."""
        from .denoisers import covariance_eigenvalues

        return covariance_eigenvalues(self.covariance, self.means.shape[1])

    @property
    def trace(self) -> float:
        """:math:`\\operatorname{tr}\\Sigma` (:math:`d\\sigma_\\star^2` when isotropic)."""
        return self.setting.d * self.setting.var_star if self.cov is None else float(np.trace(self.cov))


def generate(setting: GMMSetting) -> GMMData:
    """Draw the means, the training and the validation samples (seeded, reproducible)."""
    rng = np.random.default_rng([setting.seed, setting.d, setting.K, setting.N])
    g = rng.standard_normal((setting.K, setting.d))
    means = np.sqrt(setting.d) * g / np.linalg.norm(g, axis=1, keepdims=True)
    sd = np.sqrt(setting.var_star)

    def draw(n: int) -> tuple[np.ndarray, np.ndarray]:
        labels = rng.integers(0, setting.K, n)
        return means[labels] + sd * rng.standard_normal((n, setting.d)), labels

    train, labels = draw(setting.N)
    validation, vlabels = draw(setting.n_validation)
    return GMMData(setting, means, train, labels, validation, vlabels)


#: Largest K and d of :func:`problem`; validation draws of :func:`problem`.
MAX_PROBLEM_K, MAX_PROBLEM_D, PROBLEM_VALIDATION = 10_000, 10_000, 100


def problem(means: Any, cov: Any = 1.0, weights: Any = None, train: Any = None, N: int | None = None,
            seed: int = 0) -> GMMData:
    r"""Your own laboratory: the true mixture :math:`\\sum_kw_k\\mathcal N(\\mu_k,\\Sigma)` (``means``
    (K, d); ``cov`` a number :math:`\\sigma_\\star^2` or a (d, d) matrix; ``weights`` (K,), default
    equal) and the training set: ``train`` (N, d) as given, or ``N`` draws from the mixture (seeded).

    Labels of a given training set are the most probable component of each point; they enter only
    the control variate of the generalizing loss, which stays unbiased for any fixed labels. The
    validation set is 100 draws from the mixture."""
    from .denoisers import check_covariance

    mu = np.asarray(means, dtype=float)
    if mu.ndim != 2 or mu.size == 0 or not np.all(np.isfinite(mu)):
        raise GMMError("means must be a non-empty (K, d) array of finite numbers")
    K, d = mu.shape
    if K > MAX_PROBLEM_K or d > MAX_PROBLEM_D:
        raise GMMError(f"means: at most {MAX_PROBLEM_K:,} components in at most {MAX_PROBLEM_D:,} dimensions")
    if np.ndim(cov) == 0:
        var = float(cov)
        if not (np.isfinite(var) and var > 0):
            raise GMMError(f"the variance must be a positive finite number, got {cov}")
        matrix = None
    else:
        matrix = check_covariance(cov, d)
        if np.linalg.eigvalsh(matrix).min() <= 0:
            raise GMMError("the covariance must be positive definite (the true mixture has a density)")
        var = float(np.trace(matrix)) / d
    w = None
    if weights is not None:
        w = np.asarray(weights, dtype=float).ravel()
        if w.shape != (K,) or not np.all(np.isfinite(w)) or np.any(w <= 0):
            raise GMMError(f"weights must be {K} positive numbers (one per mean)")
        w = w / w.sum()
    rng = np.random.default_rng([seed, d, K, 0x6D6978])
    chol = np.linalg.cholesky(matrix) if matrix is not None else np.sqrt(var) * np.eye(d)

    def draw(n: int) -> tuple[np.ndarray, np.ndarray]:
        labels = rng.integers(0, K, n) if w is None else rng.choice(K, size=n, p=w)
        return mu[labels] + rng.standard_normal((n, d)) @ chol.T, labels

    if train is None:
        if not isinstance(N, int | np.integer) or N < 1:
            raise GMMError(f"give a training set or N >= 1 draws, got N = {N!r}")
        X, labels = draw(int(N))
    else:
        if N is not None:
            raise GMMError("give a training set or N, not both")
        X = np.asarray(train, dtype=float)
        if X.ndim != 2 or len(X) == 0 or not np.all(np.isfinite(X)):
            raise GMMError("the training set must be a non-empty (N, d) array of finite numbers")
        if X.shape[1] != d:
            raise GMMError(f"the training set has {X.shape[1]} columns, the means {d}")
        labels = _most_probable(X, mu, matrix if matrix is not None else var, w)
    validation, vlabels = draw(PROBLEM_VALIDATION)
    setting = GMMSetting(d, K, len(X), var, seed, PROBLEM_VALIDATION)
    return GMMData(setting, mu, X, labels, validation, vlabels, matrix, w)


def _most_probable(X: np.ndarray, means: np.ndarray, cov, weights) -> np.ndarray:
    """The component of largest posterior probability of each row (t = 0 of the generalizing denoiser)."""
    from .denoisers import denoise

    _, resp = denoise(X, 1.0, 0.0, means, cov, return_weights=True, weights=weights)
    return resp.argmax(axis=1)


@dataclass(frozen=True)
class Process:
    r"""Float64 :math:`\alpha(t),\sigma(t),\dot\alpha,\dot\sigma` and :math:`\psi=\alpha^2/\sigma^2` of a
    registry schedule (lambdified from its SymPy expressions)."""

    name: str
    _fns: Any = field(repr=False)

    def __call__(self, t: Any) -> dict[str, np.ndarray]:
        t = np.asarray(t, dtype=float)
        with np.errstate(all="ignore"):
            alpha, sigma, dalpha, dsigma = (np.broadcast_to(np.asarray(v, dtype=float), t.shape).copy()
                                            for v in self._fns(t))
        return {"alpha": alpha, "sigma": sigma, "dalpha": dalpha, "dsigma": dsigma,
                "psi": alpha**2 / sigma**2}

    def alpha_sigma(self, t: Any) -> tuple[np.ndarray, np.ndarray]:
        values = self(t)
        return values["alpha"], values["sigma"]


@lru_cache(maxsize=16)
def process(schedule: str = PAPER_SCHEDULE) -> Process:
    """The noising process of a registry schedule (built-in name or expressions)."""
    import sympy as sp

    from derivations.schedules import T, resolve_schedule

    s = resolve_schedule(schedule)
    exprs = [s.alpha, s.sigma, sp.diff(s.alpha, T), sp.diff(s.sigma, T)]
    return Process(s.name, sp.lambdify([T], exprs, modules="numpy"))

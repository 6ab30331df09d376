r"""The Gaussian-mixture laboratory of Buchanan, Pai, Ma, De Bortoli (arXiv 2508.17689): data,
noising process and time grid.

Data: :math:`p_\star=\frac1K\sum_k\mathcal N(\mu_k,\sigma_\star^2I_d)` with means uniform on the
sphere of radius :math:`\sqrt d` (:math:`\mu_k=\sqrt d\,g_k/\lVert g_k\rVert`,
:math:`g_k\sim\mathcal N(0,I_d)`), :math:`N` training samples, uniform labels.

Process: any registry schedule; the paper's is ``vp-linear-sigma``,
:math:`\alpha_t=\sqrt{1-t^2}`, :math:`\sigma_t=t`, SNR :math:`\psi_t=\alpha_t^2/\sigma_t^2`, on the
26-point grid ``linspace(0.001, 0.999, 26)`` (descending for sampling).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any

import numpy as np

__all__ = ["GMMError", "GMMSetting", "GMMData", "Process", "process", "paper_grid", "generate"]

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
    """Means (K, d), the training set (N, d) with its labels, and a validation set."""

    setting: GMMSetting
    means: np.ndarray
    train: np.ndarray
    labels: np.ndarray
    validation: np.ndarray = field(repr=False)
    validation_labels: np.ndarray = field(repr=False)

    @property
    def var_star(self) -> float:
        return self.setting.var_star


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

r"""Statistical separation of Ye, Zhu, Tao, Chen (arXiv 2511.03202; issue 6).

* :mod:`.scores` — empirical and Gaussian-mixture scores in their OU convention, float64 and mpmath;
* :func:`dsm_gap` — the DSM loss gap (or reverse Fisher) of your training set against your mixture
  (:func:`mixture`: means, covariance, weights), by cubature (d <= 2, error estimate) or Monte Carlo;
* :func:`gap_quadrature`, :func:`gap_quadrature_2d` — high-precision references (mpmath, arb) for small
  problems, with the SEP-P41 residuals.
"""

from typing import TYPE_CHECKING

from derivations.lazy import lazy_exports as _lazy_exports

from .data_gap import DSMGap, dsm_gap, mixture
from .scores import (
    MixtureLaw,
    SeparationError,
    coefficients,
    coefficients_mp,
    empirical_score,
    empirical_score_mp,
    gmm_score,
    gmm_score_mp,
)

__all__ = ["dsm_gap", "DSMGap", "mixture", "gap_quadrature", "gap_quadrature_2d", "GapQuadrature",
           "MixtureLaw", "SeparationError", "coefficients", "coefficients_mp", "empirical_score",
           "empirical_score_mp", "gmm_score", "gmm_score_mp"]

if TYPE_CHECKING:  # for type checkers and the API reference; at run time imported on first use
    from .quadrature import GapQuadrature, gap_quadrature, gap_quadrature_2d

#: Imported on first use (the high-precision references pull in mpmath quadrature and flint).
_LAZY = {"GapQuadrature": "quadrature", "gap_quadrature": "quadrature", "gap_quadrature_2d": "quadrature"}


__getattr__, __dir__ = _lazy_exports(__name__, _LAZY, globals())

r"""Statistical separation of Ye, Zhu, Tao, Chen (arXiv 2511.03202; issue 6).

* :mod:`.scores` — empirical and Gaussian-mixture scores in their OU convention, float64 and mpmath;
* :func:`dsm_gap` — the DSM loss gap (or reverse Fisher) of your training set against your mixture
  (:func:`mixture`: means, covariance, weights), by cubature (d <= 2, error estimate) or Monte Carlo;
* :func:`gap_quadrature`, :func:`gap_quadrature_2d` — high-precision references (mpmath, arb) for small
  problems, with the SEP-P41 residuals.
"""

from .data_gap import DSMGap, dsm_gap, mixture
from .quadrature import GapQuadrature, gap_quadrature, gap_quadrature_2d
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

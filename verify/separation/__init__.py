r"""Statistical separation of Ye, Zhu, Tao, Chen (arXiv 2511.03202; issue 6).

* :mod:`.scores` — empirical and Gaussian-mixture scores in their OU convention, float64 and mpmath.
"""

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

__all__ = ["MixtureLaw", "SeparationError", "coefficients", "coefficients_mp", "empirical_score",
           "empirical_score_mp", "gmm_score", "gmm_score_mp"]

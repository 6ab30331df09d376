r"""Predictors: a polynomial :math:`\tilde z(u)` close to the flow over one step, computed fast.

A predictor is *not* trusted: :mod:`.enclosure` bounds the distance from the exact solution
to whatever polynomial it is given. So the predictor may use float64 (fast, about 16 digits) or
the ball recurrences of :mod:`.taylor` (slow, every digit of the working precision); their
midpoints are exact dyadic rationals, and only those enter the proof.

In the step variable :math:`u`, :math:`\ell=\ell_0+Hu`, the relative flow of :mod:`.geometry`
is :math:`dz/du=H\sum_iw_iD_i`; its Taylor coefficients :math:`z=\sum_nZ_nu^n` follow from

.. math::
    A_{i,n}=\langle Z_n,D_i\rangle,\quad G_{i,n}=\ell_0A_{i,n}+HA_{i,n-1}
    -\tfrac12\lVert D_i\rVert^2[\ell^2]_n,\quad nE_{i,n}=\sum_{j=1}^n jG_{i,j}E_{i,n-j},

.. math::
    S_n=\sum_iE_{i,n},\quad P_n=\sum_iE_{i,n}D_i,\quad
    m_n=\Big(P_n-\sum_{j=1}^nS_jm_{n-j}\Big)/S_0,\quad Z_{n+1}=Hm_n/(n+1).
"""

from __future__ import annotations

import numpy as np

__all__ = ["float_predictor"]


def float_predictor(D: np.ndarray, dn2: np.ndarray, z0: np.ndarray, ell0: float, H: float,
                    order: int) -> np.ndarray:
    """Coefficients :math:`Z_0..Z_p` (rows) of the relative flow over the active atoms ``D``
    (float64; non-finite entries mean the predictor failed and the caller falls back)."""
    n_a, d = D.shape
    Z = np.zeros((order + 1, d))
    Z[0] = z0
    A = np.zeros((order + 1, n_a))
    G = np.zeros((order + 1, n_a))  # j * G_j
    E = np.zeros((order + 1, n_a))
    S = np.zeros(order + 1)
    m = np.zeros((order + 1, d))
    ell_sq = (ell0 * ell0, 2 * ell0 * H, H * H)
    half = dn2 / 2
    with np.errstate(all="ignore"):
        for n in range(order):
            A[n] = D @ Z[n]
            g = ell0 * A[n]
            if n >= 1:
                g = g + H * A[n - 1]
            if n < 3:
                g = g - half * ell_sq[n]
            if n == 0:
                E[0] = np.exp(g - g.max())
            else:
                G[n] = n * g
                E[n] = np.einsum("ji,ji->i", G[1:n + 1], E[n - 1::-1][:n]) / n
            S[n] = E[n].sum()
            acc = D.T @ E[n]
            if n:
                acc = acc - S[1:n + 1] @ m[n - 1::-1][:n]
            m[n] = acc / S[0]
            Z[n + 1] = H * m[n] / (n + 1)
    return Z

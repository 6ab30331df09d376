r"""Taylor-series steps of the oracle flow in regular coordinates, in python-flint balls.

The flow :math:`dy/d\ell=m(y,\ell)=\sum_i w_iX_i`, :math:`w=\operatorname{softmax}(g)`,
:math:`g_i=\ell\langle y,X_i\rangle-\ell^2q_i`, :math:`q_i=\lVert X_i\rVert^2/2`, is expanded in
:math:`h=\ell-\ell_0`. With :math:`y=\sum_nY_nh^n` the coefficients follow from the recurrences

.. math::
    A_{i,n}=\langle Y_n,X_i\rangle,\quad
    g_{i,n}=\ell_0A_{i,n}+A_{i,n-1}-q_i[\ell^2]_n,\quad
    nE_{i,n}=\sum_{k=1}^nk\,g_{i,k}E_{i,n-k}\ (E_i=e^{g_i-M}),

.. math::
    S_n=\sum_iE_{i,n},\quad P_n=\sum_iE_{i,n}X_i,\quad
    m_n=\frac{P_n-\sum_{k=1}^nS_km_{n-k}}{S_0},\quad Y_{n+1}=\frac{m_n}{n+1}.

Every quantity is a ball. Since issue 11 these coefficients are only a *predictor* for the
full-precision level of :mod:`.integrator`: their midpoints feed :func:`.enclosure.validate_step`,
which proves the step whatever the predictor is.
"""

from __future__ import annotations

from dataclasses import dataclass

from flint import arb, arb_mat

__all__ = ["FlowData", "TaylorStep", "taylor_step", "logits"]


@dataclass
class FlowData:
    """The training set as balls: rows ``X`` (list of lists), matrix ``M`` and ``q_i``."""

    rows: list[list[arb]]
    matrix: arb_mat
    q: list[arb]

    @classmethod
    def from_rationals(cls, data) -> FlowData:
        from derivations.exact import to_arb

        rows = [[to_arb(v) for v in row] for row in data]
        return cls(rows, arb_mat(rows), [sum((v * v for v in row), arb(0)) / 2 for row in rows])


def logits(flow: FlowData, y: list[arb], ell: arb) -> list[arb]:
    r""":math:`g_i=\ell\langle y,X_i\rangle-\ell^2q_i` for every atom."""
    dots = flow.matrix * arb_mat([[v] for v in y])
    return [ell * dots[i, 0] - ell * ell * flow.q[i] for i in range(len(flow.rows))]


@dataclass
class TaylorStep:
    """Coefficients :math:`Y_0..Y_p` of one expansion and the work it took."""

    coefficients: list[list[arb]]
    evaluations: int

    def norm(self, n: int) -> float:
        """Max-norm of :math:`Y_n` (a float: used for step-size heuristics only)."""
        return max(float(abs(v).upper()) for v in self.coefficients[n])

    def evaluate(self, h: arb) -> list[arb]:
        """:math:`\\sum_n Y_n h^n` by Horner's rule."""
        d = len(self.coefficients[0])
        out = [arb(0)] * d
        for coeff in reversed(self.coefficients):
            out = [o * h + c for o, c in zip(out, coeff, strict=True)]
        return out


def taylor_step(flow: FlowData, y0: list[arb], ell0: arb, order: int,
                active: list[int]) -> TaylorStep:
    """Taylor coefficients of the flow through ``(ell0, y0)`` over the ``active`` atoms."""
    rows = [flow.rows[i] for i in active]
    q = [flow.q[i] for i in active]
    Xa = arb_mat(rows)  # n_a x d
    XaT = Xa.transpose()
    n_a, d = len(rows), len(y0)
    Y: list[list[arb]] = [list(y0)]
    A: list[list[arb]] = []  # A[n][i]
    G: list[list[arb]] = []  # G[n][i] = n g_{i,n}
    E: list[list[arb]] = []
    S: list[arb] = []
    m: list[list[arb]] = []
    ell_sq = [ell0 * ell0, 2 * ell0, arb(1)]
    for n in range(order):
        col = Xa * arb_mat([[v] for v in Y[n]])
        A.append([col[i, 0] for i in range(n_a)])
        g_n = []
        for i in range(n_a):
            g = ell0 * A[n][i]
            if n >= 1:
                g += A[n - 1][i]
            if n < 3:
                g -= q[i] * ell_sq[n]
            g_n.append(g)
        G.append([n * v for v in g_n])  # k g_k, as used by the exponential's recurrence
        if n == 0:
            top = max(g_n, key=lambda v: v.mid())
            e_n = [(v - top).exp() for v in g_n]
        else:
            e_n = []
            for i in range(n_a):
                acc = G[1][i] * E[n - 1][i]
                for k in range(2, n + 1):
                    acc += G[k][i] * E[n - k][i]
                e_n.append(acc / n)
        E.append(e_n)
        s_n = sum(e_n, arb(0))
        S.append(s_n)
        p_n = XaT * arb_mat([[v] for v in e_n])
        m_n = []
        for j in range(d):
            acc = p_n[j, 0]
            for k in range(1, n + 1):
                acc -= S[k] * m[n - k][j]
            m_n.append(acc / S[0])
        m.append(m_n)
        Y.append([v / (n + 1) for v in m_n])
    return TaylorStep(Y, n_a * order)

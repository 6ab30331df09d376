r"""Sample-wise decomposition of a generated sample (LLY26-DECOMP, reconstructed).

The 2026 paper writes every generated sample as *training sample + discretization term +
estimation term + Gaussian noise*; its exact definitions are not available, so the ones below
are ours, derived from the samplers of :mod:`verify.sampling`.

**Step map.** One step at :math:`t_k` (:math:`h=t_{\rm start}/K`) of either sampler is
:math:`Z_{k+1}=A_kZ_k+C_km_k-h\,e_k+s_k\xi_k` with :math:`A_k=1-h\,a(t_k)`,
:math:`C_k=-h\,c(t_k)`, :math:`s_k=\sqrt{2\zeta(t_k)h}` (:math:`a,c,2\zeta` derived,
:func:`~.coefficients.compiled_schedule`), :math:`m_k=m(Z_k,t_k)`, :math:`e_k=e(Z_k,t_k)`. For
the training sample :math:`X` the sample is attributed to (the nearest to the endpoint), in
:math:`u_k=Z_k-\alpha(t_k)X` the step is exactly

.. math:: u_{k+1}=A_ku_k+D_kX+C_k(m_k-X)-h\,e_k+s_k\xi_k,\qquad
          D_k=A_k\alpha(t_k)+C_k-\alpha(t_k-h)

(:func:`derivations.discretization.step_map` derives the same map symbolically). With
:math:`P_k=\prod_{j>k}A_j` (the factors of the steps after step :math:`k`) and
:math:`P_{\rm all}=\prod_jA_j`, unrolling gives the exact identity (:math:`\alpha(0)=1`)

.. math:: \hat Z_0-X=\underbrace{P_{\rm all}\big(Z_{\rm start}-\alpha(t_{\rm start})X\big)
          +\sum_kP_kD_k\,X+\sum_kP_kC_k(m_k-X)}_{\text{discretization}}
          \;\underbrace{-\,h\sum_kP_ke_k}_{\text{estimation}}
          \;+\;\underbrace{\sum_kP_ks_k\xi_k}_{\text{Gaussian}} .

* **Discretization term**: everything the error-free, noise-free scheme contributes, in
  three parts: the forgotten start (``start``), the schedule's truncation along
  :math:`\alpha(t)X` (``truncation``: :math:`D_k` is the local error of the scheme on the
  one-atom solution :math:`Z=\alpha X`) and the softmax residual (``softmax``).
  A-posteriori bound (triangle inequality, exact):
  :math:`|P_{\rm all}|\lVert u_0\rVert+\lVert X\rVert\sum_k|P_kD_k|+\sum_k|P_kC_k|\lVert m_k-X\rVert`;
  the paper's law is :math:`\le C\sqrt h`, compared through the ratio to :math:`\sqrt h`.
* **Estimation term**: :math:`-h\sum_kP_ke_k`, bounded a priori by
  :math:`h\sum_k|P_k|\sup_x\lVert e(x,t_k)\rVert` (``sup_norm`` of the error family); for a
  family without a supremum (inverse-density, user fields) there is no a-priori bound and the
  realized :math:`h\sum_k|P_k|\lVert e_k\rVert` is reported instead.
* **Gaussian term**: :math:`\sum_kP_ks_k\xi_k`. The :math:`P_k,s_k` are deterministic and the
  :math:`\xi_k` independent standard normals, so it is *exactly*
  :math:`\mathcal N(0,v_hI)`, :math:`v_h=\sum_kP_k^2s_k^2`, and
  :math:`\lVert G\rVert\le\sqrt{v_h\,\chi^2_{d;1-\delta}}` with probability :math:`1-\delta`.

The three terms are not independent: :math:`m_k` and :math:`e_k` are evaluated on the noisy
path, so the discretization and estimation terms depend on the same :math:`\xi_j` (for
:math:`j<k`) as the Gaussian term; only the Gaussian term's law is exact. The decomposition
also depends on the choice of :math:`X` (nearest to the endpoint), not on the path.

The identity is checked sample-wise: in float64 against a first-order rounding estimate
:math:`8(K+d+4)\,u\,S` (:math:`u=2^{-53}`, :math:`S` the :math:`P`-weighted magnitudes of every
step's terms); in ball mode each component of the residual is a ball that must contain 0.
A norm is within its bound in float64 up to a relative :math:`10^{-9}` (the estimation bound is
attained by a constant-direction error whose :math:`P_ke_k` keep one sign), in balls unless the
norm's lower end exceeds the bound's upper end; the family's ``sup_norm`` is float64, so the ball
estimation bound carries a relative :math:`10^{-12}` allowance.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from fractions import Fraction
from typing import Any

import numpy as np

from ..statistics import binomial_test, chi2_cdf, chi2_quantile, ks_test
from .coefficients import SamplerError, compiled_schedule
from .errors import FieldState, error_field
from .samplers import SampleRun, _as_float_array, _exact_rows, nearest_sample_balls, nearest_samples

__all__ = ["TERMS", "PARTS", "Decomposition", "StepProducts", "decompose", "gaussian_tests", "step_products"]

#: The three terms, in the order of the identity.
TERMS: tuple[str, ...] = ("discretization", "estimation", "gaussian")
#: Parts of the discretization term.
PARTS: tuple[str, ...] = ("start", "truncation", "softmax")
_U = 2.0**-53


# -- the law of the Gaussian term ---------------------------------------------------------------

def gaussian_tests(dec: Decomposition) -> dict[str, Any] | None:
    r"""The Gaussian term's law over the finite samples: exceedances of
    :math:`\sqrt{v_h\chi^2_{d;1-\delta}}` with their exact binomial p-value, and the
    Kolmogorov–Smirnov test of :math:`\lVert G\rVert^2/v_h` against :math:`\chi^2_d`
    (None when :math:`v_h=0`, i.e. Euler)."""
    ok = dec.finite
    n = int(ok.sum())
    if dec.gaussian_variance <= 0 or n == 0:
        return None
    d = dec.terms["gaussian"].shape[1]
    k = dec.exceedances("gaussian")
    stat, p_ks = ks_test(dec.norms["gaussian"][ok] ** 2 / dec.gaussian_variance, lambda x: chi2_cdf(x, d))
    return {"samples": n, "exceedances": k, "expected": float(dec.delta * n),
            "binomial_p": binomial_test(k, n, dec.delta), "ks_statistic": stat, "ks_p": p_ks}


# -- step products ---------------------------------------------------------------------------------

@dataclass(frozen=True)
class StepProducts:
    r"""Per-step :math:`A_k, C_k, D_k, s_k`, the products :math:`P_k=\prod_{j>k}A_j`,
    :math:`P_{\rm all}`, :math:`\alpha(t_k)` (:math:`K+1` values, the last :math:`\alpha(0)=1`)
    and the drift coefficients; float64 arrays or lists of balls."""

    A: Any
    C: Any
    D: Any
    s: Any
    P: Any
    P_all: Any
    alpha: Any
    a: Any
    c: Any
    sigma: Any
    dsigma: Any


def step_products(spec: Any, times: list[Fraction], precise: bool = False) -> StepProducts:
    """The coefficients of the unrolled map for ``spec`` on ``times`` (balls at the current
    ``flint.ctx.dps`` when ``precise``)."""
    compiled = compiled_schedule(spec.schedule, spec.method, spec.zeta)
    K = len(times)
    if not precise:
        co = compiled.floats(times)
        h = float(spec.h)
        A, C = 1 - h * co["a"], -h * co["c"]
        s = np.sqrt(co["noise2"] * h)
        alpha = np.append(co["alpha"], 1.0)
        D = A * alpha[:-1] + C - alpha[1:]
        P = np.ones(K)
        for k in range(K - 2, -1, -1):
            P[k] = P[k + 1] * A[k + 1]
        return StepProducts(A, C, D, s, P, P[0] * A[0], alpha, co["a"], co["c"], co["sigma"], co["dsigma"])
    from flint import arb

    from derivations.exact import to_arb

    co = compiled.balls(times)
    h = to_arb(spec.h)
    A = [1 - h * v for v in co["a"]]
    C = [-h * v for v in co["c"]]
    s = [(v * h).nonnegative_part().sqrt() for v in co["noise2"]]
    alpha = list(co["alpha"]) + [arb(1)]
    D = [A[k] * alpha[k] + C[k] - alpha[k + 1] for k in range(K)]
    P = [arb(1)] * K
    for k in range(K - 2, -1, -1):
        P[k] = P[k + 1] * A[k + 1]
    return StepProducts(A, C, D, s, P, P[0] * A[0], alpha, co["a"], co["c"], co["sigma"], co["dsigma"])


# -- the decomposition -----------------------------------------------------------------------------

@dataclass
class Decomposition:
    r"""Per-sample decomposition :math:`\hat Z_0=X+\text{disc}+\text{est}+\text{gauss}`.

    Arrays have one row per sample (float64; ball midpoints in precise mode, the balls in
    ``balls``). ``bounds``: ``discretization`` (a posteriori), ``estimation`` (a priori, or the
    realized sum when ``estimation_bound_kind`` says so), ``gaussian`` (the
    :math:`1-\delta` quantile). Diverged samples have index -1 and NaN rows."""

    run: SampleRun
    h: Fraction
    index: np.ndarray
    distance: np.ndarray
    training: np.ndarray
    terms: dict[str, np.ndarray]
    parts: dict[str, np.ndarray]
    norms: dict[str, np.ndarray]
    bounds: dict[str, np.ndarray]
    estimation_realized: np.ndarray
    estimation_bound_kind: str
    gaussian_variance: float
    gaussian_quantile: float
    delta: Fraction
    residual: np.ndarray
    residual_bound: np.ndarray
    identity_ok: np.ndarray
    diverged: np.ndarray
    balls: dict[str, Any] = field(default_factory=dict, repr=False)

    def __len__(self) -> int:
        return len(self.index)

    @property
    def precise(self) -> bool:
        return self.run.precise

    @property
    def sqrt_h(self) -> float:
        return math.sqrt(float(self.h))

    @property
    def finite(self) -> np.ndarray:
        """Samples whose endpoint is finite."""
        return ~self.diverged

    def within(self, term: str) -> np.ndarray:
        """Per sample: the term's norm is within its bound. Float64: up to a relative
        :math:`10^{-9}` (the bound is attained for a constant-direction error); balls: unless the
        norm's lower end exceeds the bound's upper end. Diverged samples count as within."""
        if self.precise:
            return np.array(self.balls["within"][term], dtype=bool)
        with np.errstate(invalid="ignore"):
            return ~(self.norms[term] > self.bounds[term] * (1 + 1e-9)) | self.diverged

    def exceedances(self, term: str) -> int:
        """How many finite samples have a norm above the term's bound (see :meth:`within`)."""
        return int((~self.within(term)).sum())

    def to_json(self, i: int) -> dict[str, Any]:
        """Sample ``i``: index and distance, the four vectors, their norms, the bounds."""
        if self.diverged[i]:
            return {"index": None, "diverged": True}
        if self.precise:
            def vec(name: str) -> list[str]:
                return [v.str(self.run.digits, radius=True) for v in self.balls[name][i]]
        else:
            def vec(name: str) -> list[float]:
                arr = self.training if name == "training" else self.terms[name]
                return [float(v) for v in arr[i]]
        return {
            "index": int(self.index[i]),
            "distance": float(self.distance[i]),
            "training_sample": vec("training"),
            **{term: vec(term) for term in TERMS},
            "norms": {term: float(self.norms[term][i]) for term in TERMS}
            | {f"discretization.{p}": float(np.linalg.norm(self.parts[p][i])) for p in PARTS},
            "bounds": {term: float(self.bounds[term][i]) for term in TERMS} | {"sqrt_h": self.sqrt_h},
            "estimation_bound_kind": self.estimation_bound_kind,
            "identity": {"residual": float(self.residual[i]), "bound": float(self.residual_bound[i]),
                         "holds": bool(self.identity_ok[i])},
        }

    def summary(self) -> dict[str, Any]:
        """Counts, the identity residual, exceedances of each bound and ratios to the bounds."""
        ok = self.finite
        out: dict[str, Any] = {
            "samples": len(self), "diverged": int(self.diverged.sum()), "h": str(self.h),
            "identity_failures": int((~self.identity_ok[ok]).sum()),
            "max_residual": float(self.residual[ok].max()) if ok.any() else None,
            "max_residual_bound": float(self.residual_bound[ok].max()) if ok.any() else None,
            "gaussian_variance": self.gaussian_variance, "delta": str(self.delta),
            "estimation_bound_kind": self.estimation_bound_kind,
        }
        for term in TERMS:
            norms = self.norms[term][ok]
            out[term] = {"exceedances": self.exceedances(term),
                         "max_norm": float(norms.max()) if norms.size else None,
                         "median_norm": float(np.median(norms)) if norms.size else None,
                         "max_bound": float(self.bounds[term][ok].max()) if norms.size else None}
        if ok.any():
            out["discretization"]["max_over_sqrt_h"] = float(self.norms["discretization"][ok].max()
                                                             / self.sqrt_h)
        return out


def decompose(run: SampleRun, data: Any, *, delta: Fraction = Fraction(1, 100)) -> Decomposition:
    r"""Decompose each endpoint of ``run`` (made with ``run_sampler(..., record=True)``) against
    its nearest training sample in ``data``; :math:`\delta` is the Gaussian bound's level."""
    if not run.trace or "Z" not in run.trace:
        raise SamplerError("decompose needs a recorded run: run_sampler(..., record=True)")
    delta = Fraction(delta)
    if not 0 < delta < 1:
        raise SamplerError(f"delta must lie in (0, 1), got {delta}")
    if run.precise:
        from flint import ctx

        old = ctx.dps
        ctx.dps = run.digits
        try:
            return _decompose_balls(run, data, delta)
        finally:
            ctx.dps = old
    return _decompose_floats(run, data, delta)


def _sup_norms(err, times, co: StepProducts) -> list[float | None]:
    return [err.sup_norm(FieldState(t, float(co.alpha[k]), float(co.sigma[k]), float(co.dsigma[k])))
            for k, t in enumerate(times)]


def _decompose_floats(run: SampleRun, data: Any, delta: Fraction) -> Decomposition:
    spec, tr = run.spec, run.trace
    X = _as_float_array(data, "training data")
    Z0 = np.asarray(run.endpoints, dtype=float)
    M, d = Z0.shape
    times = tr["times"]
    K = len(times)
    co = step_products(spec, times)
    h = float(spec.h)
    idx, dist = nearest_samples(X, Z0)
    diverged = np.asarray(run.diverged, dtype=bool) | (idx < 0)
    Xs = np.where(diverged[:, None], np.nan, X[np.maximum(idx, 0)])
    Zs, m = tr["Z"], tr["m"]
    e, xi = tr.get("e"), tr.get("xi")
    with np.errstate(all="ignore"):
        u0 = Zs[0] - co.alpha[0] * Xs
        parts = {"start": co.P_all * u0,
                 "truncation": float((co.P * co.D).sum()) * Xs,
                 "softmax": np.einsum("k,kmd->md", co.P * co.C, m - Xs[None])}
        disc = parts["start"] + parts["truncation"] + parts["softmax"]
        est = np.zeros_like(Z0) if e is None else -h * np.einsum("k,kmd->md", co.P, e)
        gauss = np.zeros_like(Z0) if xi is None else np.einsum("k,kmd->md", co.P * co.s, xi)
        terms = {"discretization": disc, "estimation": est, "gaussian": gauss}
        norms = {t: np.linalg.norm(v, axis=1) for t, v in terms.items()}
        nX = np.linalg.norm(Xs, axis=1)
        dm = np.linalg.norm(m - Xs[None], axis=2)  # (K, M)
        bound_disc = (abs(co.P_all) * np.linalg.norm(u0, axis=1) + nX * float(np.abs(co.P * co.D).sum())
                      + np.abs(co.P * co.C) @ dm)
        ne = np.zeros((K, M)) if e is None else np.linalg.norm(e, axis=2)
        realized = h * (np.abs(co.P) @ ne)
        est_bound, kind = _estimation_bound(spec, times, co, realized, h, lambda v: float(v))
        v_h = float(((co.P * co.s) ** 2).sum())
        q = chi2_quantile(float(1 - delta), d)
        residual = np.linalg.norm(Z0 - Xs - (disc + est + gauss), axis=1)
        nZ = np.linalg.norm(Zs, axis=2)
        nxi = np.zeros((K, M)) if xi is None else np.linalg.norm(xi, axis=2)
        per_step = (nZ * (1 + 2 * h * np.abs(co.a))[:, None] + (2 * h * np.abs(co.c))[:, None]
                    * np.linalg.norm(m, axis=2) + 2 * h * ne + 2 * co.s[:, None] * nxi
                    + (np.abs(co.alpha[:-1]) + np.abs(co.alpha[1:]) + np.abs(co.D))[:, None] * nX[None])
        S = (np.abs(co.P) @ per_step + abs(co.P_all) * (nZ[0] + abs(co.alpha[0]) * nX)
             + np.linalg.norm(Z0, axis=1) + nX)
        residual_bound = 8 * (K + d + 4) * _U * S
    ok = ~diverged
    identity_ok = np.where(ok, residual <= residual_bound, True)
    return Decomposition(
        run=run, h=spec.h, index=np.where(ok, idx, -1), distance=np.where(ok, dist, np.nan), training=Xs,
        terms=terms, parts=parts, norms=norms,
        bounds={"discretization": bound_disc, "estimation": np.broadcast_to(est_bound, (M,)).copy(),
                "gaussian": np.full(M, math.sqrt(v_h * q))},
        estimation_realized=realized, estimation_bound_kind=kind, gaussian_variance=v_h, gaussian_quantile=q,
        delta=delta, residual=residual, residual_bound=residual_bound, identity_ok=identity_ok,
        diverged=diverged)


def _estimation_bound(spec, times, co: StepProducts, realized, h, to_float) -> tuple[Any, str]:
    err = error_field(spec.error)
    if err is None:
        return np.zeros_like(realized), "none (no error field)"
    sups = _sup_norms(err, times, co)
    if any(s is None for s in sups):
        return realized, "a posteriori: no a-priori bound (the error has no supremum)"
    return h * sum(abs(to_float(p)) * s for p, s in zip(co.P, sups, strict=True)), "a priori"


def _norm(vec: list) -> Any:
    from flint import arb

    return sum((v * v for v in vec), arb(0)).nonnegative_part().sqrt()


def _decompose_balls(run: SampleRun, data: Any, delta: Fraction) -> Decomposition:
    from flint import arb

    from derivations.exact import to_arb

    spec, tr = run.spec, run.trace
    Xq = _exact_rows(data, "training data")
    times = tr["times"]
    K = len(times)
    co = step_products(spec, times, precise=True)
    h = to_arb(spec.h)
    M, d = len(run.endpoints), len(Xq[0])
    err = error_field(spec.error)
    sups = _sup_norms(err, times, co) if err is not None else []
    q = chi2_quantile(float(1 - delta), d)
    PS = [co.P[k] * co.s[k] for k in range(K)]
    v_h = sum((p * p for p in PS), arb(0))
    gauss_bound = (v_h * to_arb(Fraction(q))).sqrt()
    sum_PD = sum((co.P[k] * co.D[k] for k in range(K)), arb(0))
    sum_abs_PD = sum((abs(co.P[k] * co.D[k]) for k in range(K)), arb(0))
    zero = [arb(0)] * d

    def combo(weights: list, vectors: list, sub: list | None = None) -> list:
        out = list(zero)
        for w, vec in zip(weights, vectors, strict=True):
            out = [o + w * (v - (sub[j] if sub else 0))
                   for j, (o, v) in enumerate(zip(out, vec, strict=True))]
        return out

    keys = ("training", *TERMS, *PARTS)
    balls: dict[str, list] = {k: [] for k in keys}
    rows: dict[str, list] = {k: [] for k in ("index", "distance", "res", "res_rad", "ok", "disc_b", "est_b",
                                             "real", "div")}
    norms: dict[str, list] = {k: [] for k in TERMS}
    for i in range(M):
        Z0 = run.endpoints[i]
        if run.diverged[i]:
            for k in keys:
                balls[k].append([arb("nan")] * d)
            for k, v in (("index", -1), ("distance", math.nan), ("res", 0.0), ("res_rad", 0.0), ("ok", True),
                         ("disc_b", math.nan), ("est_b", math.nan), ("real", math.nan), ("div", True)):
                rows[k].append(v)
            for t in TERMS:
                norms[t].append(math.nan)
            continue
        j, dist = nearest_sample_balls(Xq, Z0)
        X = [to_arb(v) for v in Xq[j]]
        u0 = [z - co.alpha[0] * x for z, x in zip(tr["Z"][0][i], X, strict=True)]
        start = [co.P_all * v for v in u0]
        trunc = [sum_PD * x for x in X]
        soft = combo([co.P[k] * co.C[k] for k in range(K)], [tr["m"][k][i] for k in range(K)], X)
        disc = [a + b + c for a, b, c in zip(start, trunc, soft, strict=True)]
        est = zero if err is None else [-h * v for v in combo(co.P, [tr["e"][k][i] for k in range(K)])]
        gauss = zero if tr["xi"][0] is None else combo(PS, [tr["xi"][k][i] for k in range(K)])
        res = [z - x - (a + b + c) for z, x, a, b, c in zip(Z0, X, disc, est, gauss, strict=True)]
        nX = _norm(X)
        soft_b = sum((abs(co.P[k] * co.C[k]) * _norm([mm - x for mm, x in zip(tr["m"][k][i], X, strict=True)])
                      for k in range(K)), arb(0))
        disc_b = abs(co.P_all) * _norm(u0) + nX * sum_abs_PD + soft_b
        real = (h * sum((abs(co.P[k]) * _norm(tr["e"][k][i]) for k in range(K)), arb(0))
                if err is not None else arb(0))
        if err is None:
            est_b = arb(0)
        elif any(s is None for s in sups):
            est_b = real
        else:
            # sup_norm is float64 (a few roundings): allow a relative 1e-12 (the bound is attained
            # by a constant-direction error whose P_k e_k keep one sign)
            est_b = h * sum((abs(co.P[k]) * to_arb(Fraction(s)) for k, s in enumerate(sups)), arb(0))
            est_b = est_b * (1 + to_arb(Fraction(1, 10**12)))
        for k, vec in zip(keys, (X, disc, est, gauss, start, trunc, soft), strict=True):
            balls[k].append(vec)
        norms_i = {"discretization": _norm(disc), "estimation": _norm(est), "gaussian": _norm(gauss)}
        for t in TERMS:
            norms[t].append(norms_i[t])
        rows["index"].append(j)
        rows["distance"].append(float(dist.mid()))
        rows["res"].append(math.sqrt(sum(float(r.mid()) ** 2 for r in res)))
        rows["res_rad"].append(math.sqrt(sum(float(r.rad()) ** 2 for r in res)))
        rows["ok"].append(all(r.contains(0) for r in res))
        rows["disc_b"].append(disc_b)
        rows["est_b"].append(est_b)
        rows["real"].append(real)
        rows["div"].append(False)

    def mids(vectors: list) -> np.ndarray:
        return np.array([[float(v.mid()) for v in row] for row in vectors]).reshape(M, d)

    def scal(values: list) -> np.ndarray:
        return np.array([float(v.mid()) if isinstance(v, arb) else float(v) for v in values])

    kind = ("none (no error field)" if err is None else "a priori" if all(s is not None for s in sups)
            else "a posteriori: no a-priori bound (the error has no supremum)")
    # certified comparisons: a norm is within its bound unless its lower end exceeds the bound's upper end
    balls["within"] = {t: [bool(n.lower() <= b.upper()) if isinstance(n, arb) and isinstance(b, arb) else True
                           for n, b in zip(norms[t], bs, strict=True)]
                       for t, bs in (("discretization", rows["disc_b"]), ("estimation", rows["est_b"]),
                                     ("gaussian", [gauss_bound] * M))}
    balls["norms"] = norms
    return Decomposition(
        run=run, h=spec.h, index=np.array(rows["index"], dtype=int), distance=np.array(rows["distance"]),
        training=mids(balls["training"]), terms={t: mids(balls[t]) for t in TERMS},
        parts={p: mids(balls[p]) for p in PARTS}, norms={t: scal(norms[t]) for t in TERMS},
        bounds={"discretization": scal(rows["disc_b"]), "estimation": scal(rows["est_b"]),
                "gaussian": np.full(M, float(gauss_bound.mid()))},
        estimation_realized=scal(rows["real"]), estimation_bound_kind=kind,
        gaussian_variance=float(v_h.mid()), gaussian_quantile=q, delta=delta,
        residual=np.array(rows["res"]), residual_bound=np.array(rows["res_rad"]),
        identity_ok=np.array(rows["ok"], dtype=bool), diverged=np.array(rows["div"], dtype=bool), balls=balls)

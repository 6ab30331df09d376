r"""Identities between the derived fields, checked symbolically and at exact rational points.

Each :class:`Identity` is stated twice:

* **per component** — a residual :math:`r_i(x,t)` built from one atom :math:`X_i` alone. All
  the fields are softmax mixtures with the same weights, and each identity is affine in the
  per-atom quantities (or, for the transport equations, linear in :math:`\varphi_i` once
  :math:`\rho_t w_i = \varphi_i/N`), so :math:`r_i \equiv 0` for one generic atom proves the
  identity for every :math:`N` and :math:`d`.
* **for the whole mixture** — ``lhs`` and ``rhs`` built from the explicit softmax of a
  symbolic training set (default :math:`N=3`, :math:`d=2`), with no appeal to the argument above.

A residual is decided by replacing each kernel :math:`e^{E_i}` by a positive symbol
:math:`p_i` (after all differentiation), clearing denominators and expanding the numerator;
only if that is not literally 0 is a (per-term) ``simplify`` tried. No global ``simplify``.
"""

from __future__ import annotations

import random
import time
from collections.abc import Callable
from dataclasses import dataclass
from fractions import Fraction
from functools import lru_cache

import sympy as sp

from .cache import Unkeyable, cache_dir, cached, tree_key
from .fields import OracleDerivation
from .schedules import T
from .statements import (
    stated_denoiser,
    stated_logits,
    stated_score,
    stated_velocity,
    stated_velocity_component,
    stated_velocity_from_score,
)

__all__ = [
    "Identity",
    "IDENTITIES",
    "SymbolicCheck",
    "NumericCheck",
    "identity",
    "residual_is_zero",
    "reduce_residuals",
    "decide_reduced",
    "check_symbolic",
    "check_numeric",
]

Pair = tuple[sp.Matrix, sp.Matrix]


@dataclass(frozen=True)
class Identity:
    """A named identity with the claim ids it supports."""

    key: str
    title: str
    claims: tuple[str, ...]
    statement: str  # LaTeX
    mixture: Callable[[OracleDerivation], Pair]
    component: Callable[[OracleDerivation, int], sp.Matrix]

    def _repr_latex_(self) -> str:
        """The statement, ``$...$``-delimited (Jupyter renders it)."""
        from .printing import to_latex

        return to_latex(self, delimiters=True)


def _as_matrix(e) -> sp.Matrix:
    return e if isinstance(e, sp.MatrixBase) else sp.Matrix([e])


def _div(D: OracleDerivation, field: sp.Matrix) -> sp.Expr:
    return sp.Add(*[sp.diff(field[j], D.x[j]) for j in range(D.d)])


def _lap(D: OracleDerivation, f: sp.Expr) -> sp.Expr:
    return sp.Add(*[sp.diff(f, xj, 2) for xj in D.x])


def _log_phi(D: OracleDerivation, i: int) -> sp.Expr:
    return sp.log(D.normalizer) + D.logits[i]


# -- the identities ---------------------------------------------------------------------------

def _continuity_mix(D: OracleDerivation) -> Pair:
    rho = D.density
    b = D.velocity.explicit()
    return _as_matrix(sp.diff(rho, T)), _as_matrix(-_div(D, rho * b))


def _continuity_comp(D: OracleDerivation, i: int) -> sp.Matrix:
    # (d_t phi_i + div(phi_i b_i)) / phi_i
    lp = _log_phi(D, i)
    b = D.velocity.components[i]
    grad = sp.Matrix([sp.diff(lp, xj) for xj in D.x])
    return _as_matrix(sp.diff(lp, T) + _div(D, b) + (b.T * grad)[0])


def _score_mix(D: OracleDerivation) -> Pair:
    return D.score_direct, D.score.explicit()


def _score_comp(D: OracleDerivation, i: int) -> sp.Matrix:
    lp = _log_phi(D, i)
    return sp.Matrix([sp.diff(lp, xj) for xj in D.x]) - D.component_scores[i]


def _velocity_score_mix(D: OracleDerivation) -> Pair:
    return D.velocity.explicit(), stated_velocity_from_score(D.schedule, D.x, D.score.explicit())


def _velocity_score_comp(D: OracleDerivation, i: int) -> sp.Matrix:
    return D.velocity.components[i] - stated_velocity_from_score(D.schedule, D.x, D.component_scores[i])


def _paper_velocity_mix(D: OracleDerivation) -> Pair:
    # The papers' closed form with its own softmax weights (derivations.statements), never the
    # derived weights: a wrong temperature or sign in the derived logits changes one side only.
    return D.velocity.explicit(), stated_velocity(D.schedule, D.x, D.X)


def _paper_velocity_comp(D: OracleDerivation, i: int) -> sp.Matrix:
    return D.velocity.components[i] - stated_velocity_component(D.schedule, D.x, D.X.row(i).T)


def _paper_weights_mix(D: OracleDerivation) -> Pair:
    return D.denoiser.explicit(), stated_denoiser(D.schedule, D.x, D.X)


def _paper_weights_comp(D: OracleDerivation, i: int) -> sp.Matrix:
    # softmax(E) = softmax(P) iff E_i - P_i is the same for every i
    P = stated_logits(D.schedule, D.x, D.X)
    k = (i + 1) % D.n
    return _as_matrix((D.logits[i] - P[i]) - (D.logits[k] - P[k]))


def _paper_score_mix(D: OracleDerivation) -> Pair:
    return D.score_direct, stated_score(D.schedule, D.x, D.X)


def _paper_score_comp(D: OracleDerivation, i: int) -> sp.Matrix:
    s = D.schedule
    return D.component_scores[i] + (D.x - s.alpha * D.X.row(i).T) / s.sigma**2


def _regular_mix(D: OracleDerivation) -> Pair:
    # Along dZ/dt = b:  d(Z/sigma)/dt = b/sigma - Z sigma'/sigma^2  versus  m * d(alpha/sigma)/dt.
    s = D.schedule
    sig = s.sigma
    lhs = D.velocity.explicit() / sig - D.x * sp.diff(sig, T) / sig**2
    return lhs, D.denoiser.explicit() * sp.diff(s.alpha / sig, T)


def _regular_comp(D: OracleDerivation, i: int) -> sp.Matrix:
    s = D.schedule
    sig = s.sigma
    Xi = D.X.row(i).T
    return (D.velocity.components[i] / sig - D.x * sp.diff(sig, T) / sig**2
            - Xi * sp.diff(s.alpha / sig, T))


def _snr_logits_comp(D: OracleDerivation, i: int) -> sp.Matrix:
    # E_i(sigma y, t) = -|y - l X_i|^2 / 2 with l = alpha/sigma: the logits see t only through l.
    s = D.schedule
    y = sp.Matrix(D.d, 1, lambda j, _: sp.Symbol(f"y_{j}", real=True))
    ell = sp.Symbol("ell", positive=True)
    lhs = D.logits[i].subs({D.x[j]: s.sigma * y[j] for j in range(D.d)}, simultaneous=True)
    lhs = lhs.subs(s.alpha, ell * s.sigma) if s.generic else lhs
    ratio = ell if s.generic else s.alpha / s.sigma
    rhs = -sum((y[j] - ratio * D.X[i, j]) ** 2 for j in range(D.d)) / 2
    return _as_matrix(lhs - rhs)


def _snr_logits_mix(D: OracleDerivation) -> Pair:
    return _as_matrix(sp.S.Zero), _as_matrix(
        sp.Add(*[_snr_logits_comp(D, i)[0] ** 2 for i in range(D.n)]))


def _fokker_planck(direction: str) -> tuple[Callable, Callable]:
    r"""Residual of the Fokker–Planck equation of :math:`dZ = f\,dt + \sqrt{2\zeta}\,dW`.

    Backward sampler (t decreasing), :math:`f = b - \zeta s`: in the reversed clock
    :math:`\tau = 1-t` the drift is :math:`-f` and :math:`\partial_\tau q = -\nabla\cdot(-fq)
    + \zeta\Delta q` must hold for :math:`q(\cdot,\tau) = \rho_{1-\tau}`, i.e.
    :math:`-\partial_t\rho = \nabla\cdot(f\rho) + \zeta\Delta\rho`.
    Forward sampler (t increasing), :math:`f = b + \zeta s`:
    :math:`\partial_t\rho = -\nabla\cdot(f\rho) + \zeta\Delta\rho`.
    """
    sign = {"backward": -1, "forward": 1}[direction]

    def mix(D: OracleDerivation) -> Pair:
        rho = D.density
        zeta = D.schedule.diffusion
        f = D.drift(direction).explicit()
        if direction == "backward":
            return _as_matrix(-sp.diff(rho, T)), _as_matrix(_div(D, f * rho) + zeta * _lap(D, rho))
        return _as_matrix(sp.diff(rho, T)), _as_matrix(-_div(D, f * rho) + zeta * _lap(D, rho))

    def comp(D: OracleDerivation, i: int) -> sp.Matrix:
        # Same equation for the single Gaussian phi_i, divided by phi_i.
        lp = _log_phi(D, i)
        zeta = D.schedule.diffusion
        f = D.drift(direction).components[i]
        grad = sp.Matrix([sp.diff(lp, xj) for xj in D.x])
        div_f_rho = _div(D, f) + (f.T * grad)[0]
        lap_rho = _lap(D, lp) + (grad.T * grad)[0]
        return _as_matrix(sign * (sp.diff(lp, T) + div_f_rho) - zeta * lap_rho)

    return mix, comp


_fp_back = _fokker_planck("backward")
_fp_fwd = _fokker_planck("forward")

IDENTITIES: tuple[Identity, ...] = (
    Identity("paper-velocity", "Conditional-expectation velocity equals the softmax closed form",
             ("LLY25-P1",),
             r"\mathbb E[\dot\alpha x_0+\dot\beta x_1+\dot\gamma z\mid x_t=x]"
             r"=\sum_i w_i\big(\dot\alpha X_i+\tfrac{\dot\sigma}{\sigma}(x-\alpha X_i)\big)",
             _paper_velocity_mix, _paper_velocity_comp),
    Identity("paper-weights", "Posterior weights equal the stated softmax", ("LLY25-P1", "LLY25-P2"),
             r"w_i=\frac{\varphi_i}{\sum_j\varphi_j}"
             r"=\operatorname{softmax}_i\Big(-\frac{\lVert x-\alpha X_i\rVert^2}{2\sigma^2}\Big)",
             _paper_weights_mix, _paper_weights_comp),
    Identity("continuity", "Continuity equation of the oracle velocity", ("LLY25-P1",),
             r"\partial_t\rho_t+\nabla\cdot(\rho_t b)=0", _continuity_mix, _continuity_comp),
    Identity("score-gradient", "Mixture score is the gradient of the log-density", ("LLY25-P2",),
             r"\nabla_x\log\rho_t=\sum_i w_i\nabla_x E_i=-\frac{x-\alpha m}{\sigma^2}",
             _score_mix, _score_comp),
    Identity("paper-score", "Mixture score equals the stated closed form", ("LLY25-P2",),
             r"\nabla_x\log\rho_t=-\frac{x-\alpha m}{\sigma^2},\quad m=\sum_iw_iX_i",
             _paper_score_mix, _paper_score_comp),
    Identity("velocity-score", "Velocity-score relation", ("LLY25-P2",),
             r"b=\frac{\dot\alpha}{\alpha}x+\sigma\Big(\frac{\dot\alpha\sigma}{\alpha}-\dot\sigma\Big)s",
             _velocity_score_mix, _velocity_score_comp),
    Identity("regular-coordinates", "Regular-coordinate form of the probability flow",
             ("CONV-SNR",),
             r"\frac{d}{dt}\frac{Z_t}{\sigma}=m(Z_t,t)\,\frac{d}{dt}\frac{\alpha}{\sigma}"
             r"\quad\text{along }\dot Z_t=b(Z_t,t)",
             _regular_mix, _regular_comp),
    Identity("snr-logits", "Logits depend on t only through the SNR", ("CONV-SNR",),
             r"E_i(\sigma y,t)=-\tfrac12\lVert y-\ell X_i\rVert^2,\quad \ell=\alpha/\sigma",
             _snr_logits_mix, _snr_logits_comp),
    Identity("fokker-planck-backward", "Fokker-Planck equation of the backward sampler",
             ("LLY25-T2",),
             r"dZ=[b-\zeta s]\,dt+\sqrt{2\zeta}\,d\bar W\ (t\downarrow):\ "
             r"-\partial_t\rho_t=\nabla\cdot((b-\zeta s)\rho_t)+\zeta\Delta\rho_t",
             *_fp_back),
    Identity("fokker-planck-forward", "Fokker-Planck equation of the forward sampler",
             ("LLY25-T2",),
             r"dZ=[b+\zeta s]\,dt+\sqrt{2\zeta}\,dW\ (t\uparrow):\ "
             r"\partial_t\rho_t=-\nabla\cdot((b+\zeta s)\rho_t)+\zeta\Delta\rho_t",
             *_fp_fwd),
)


def identity(key: str) -> Identity:
    """An identity by key."""
    for ident in IDENTITIES:
        if ident.key == key:
            return ident
    raise KeyError(key)


# -- deciding residuals ---------------------------------------------------------------------------

def _kernel_symbols(D: OracleDerivation) -> tuple[tuple[sp.Expr, ...], tuple[sp.Symbol, ...]]:
    ps = tuple(sp.Symbol(f"p_{i}", positive=True) for i in range(D.n))
    return D.logits, ps


def replace_kernels(expr: sp.Expr, logits: tuple[sp.Expr, ...], ps: tuple[sp.Symbol, ...]) -> sp.Expr:
    """Replace every :math:`e^{kE_i}` (any rearrangement of the exponent) by :math:`p_i^k`."""
    mapping = {}
    for atom in expr.atoms(sp.exp):
        arg = atom.args[0]
        for e, p in zip(logits, ps, strict=True):
            ratio = sp.cancel(arg / e)
            if ratio.is_Integer:
                mapping[atom] = p ** ratio
                break
    return expr.xreplace(mapping)


#: most terms of an expanded numerator that :func:`residual_is_zero` still tries to ``simplify``
_SIMPLIFY_TERMS = 400


def _reduced_residual(expr: sp.Expr, kernels: tuple | None) -> tuple[sp.Expr, sp.Expr | None]:
    """The expanded numerator of ``expr`` (kernels replaced) and, when it is not literally 0 and has
    at most :data:`_SIMPLIFY_TERMS` terms, its ``simplify`` after ``expand_trig`` (else None)."""
    expr = expr.doit()
    if kernels:
        expr = replace_kernels(expr, *kernels)
    num, _den = sp.fraction(sp.together(expr))
    num = sp.expand(num, power_exp=False)
    if num == 0 or len(sp.Add.make_args(num)) > _SIMPLIFY_TERMS:
        return num, None
    return num, sp.simplify(sp.expand_trig(num))


def residual_is_zero(expr: sp.Expr, kernels: tuple | None = None) -> tuple[bool, str]:
    """Decide ``expr == 0`` identically; returns (zero, method).

    ``kernels`` = (logits, symbols): each kernel is replaced by its symbol first. The reduced
    residual (:func:`_reduced_residual`, pure SymPy) is kept in the persistent cache under the
    ``srepr`` of ``expr`` and ``kernels``; the decision is made here, from that reduced residual.
    """
    try:
        key = tree_key(expr, kernels) if cache_dir() is not None else None
    except Unkeyable:
        key = None
    if key is None:
        num, simp = _reduced_residual(expr, kernels)
    else:
        num, simp = cached("residual", key, lambda: _reduced_residual(expr, kernels))
    return _decide(num, simp)


def _decide(num: sp.Expr, simp: sp.Expr | None) -> tuple[bool, str]:
    """(zero, method) from a reduced residual (:func:`_reduced_residual`)."""
    if num == 0:
        return True, "numerator expands to 0"
    terms = sp.Add.make_args(num)
    if len(terms) <= _SIMPLIFY_TERMS and simp == 0:
        return True, "numerator simplifies to 0"
    return False, f"nonzero numerator with {len(terms)} terms"


def reduce_residuals(residuals, kernels: tuple | None = None) -> tuple[tuple[sp.Expr, sp.Expr | None], ...]:
    """The reduced residuals (:func:`_reduced_residual`) of ``residuals`` in order, up to the first
    that is not proved 0: pure SymPy, for a caller's persistent cache; decide them with
    :func:`decide_reduced`."""
    out = []
    for r in residuals:
        out.append(_reduced_residual(sp.sympify(r), kernels))
        if not _decide(*out[-1])[0]:
            break
    return tuple(out)


def decide_reduced(reduced) -> tuple[bool, str]:
    """(zero, method) for residuals reduced by :func:`reduce_residuals`, as :func:`residual_is_zero`
    one by one would decide them: the first not proved 0 fails."""
    method = "numerator expands to 0"
    for num, simp in reduced:
        ok, how = _decide(num, simp)
        if not ok:
            return False, how
        if how != "numerator expands to 0":
            method = how
    return True, method


def is_identically_zero(expr: sp.Expr) -> tuple[bool, str]:
    """Decide ``expr == 0`` identically: :func:`residual_is_zero` (expanded numerator), then a
    global ``simplify``, then ``simplify`` after rewriting trigonometric functions as exponentials."""
    zero, how = residual_is_zero(expr)
    if zero:
        return True, how
    if sp.simplify(expr) == 0:
        return True, "simplifies to 0"
    if expr.has(sp.sin, sp.cos, sp.tan, sp.cot) and sp.simplify(expr.rewrite(sp.exp)) == 0:
        return True, "simplifies to 0 after rewriting trigonometric functions as exponentials"
    return False, how


@dataclass(frozen=True)
class SymbolicCheck:
    """Outcome of a symbolic identity check.

    ``holds`` is True when the residual was proved identically zero (``method`` says how).
    ``zero`` is an alias of ``holds``, kept for compatibility: every result object of
    :mod:`derivations` names its pass flag ``holds``.
    """

    identity: str
    schedule: str
    scope: str  # "component" or "mixture N=3, d=2"
    holds: bool
    method: str
    seconds: float

    @property
    def zero(self) -> bool:
        """Alias of :attr:`holds` (the residual is identically zero)."""
        return self.holds

    def _repr_latex_(self) -> str:
        from .printing import to_latex

        return to_latex(self, delimiters=True)


Reduced = tuple[tuple[int | None, sp.Expr, sp.Expr | None], ...]


def _reduced_residuals(ident: Identity, D: OracleDerivation, scope: str) -> Reduced:
    """The reduced residuals (:func:`_reduced_residual`) of ``ident`` for ``D``, in order, each with
    its component index (None for the mixture), up to the first that is not proved 0."""
    out: list[tuple[int | None, sp.Expr, sp.Expr | None]] = []
    if scope == "component":
        for i in range(D.n):
            for entry in ident.component(D, i):
                out.append((i, *_reduced_residual(entry, None)))
                if not _decide(*out[-1][1:])[0]:
                    return tuple(out)
    else:
        kernels = _kernel_symbols(D)
        lhs, rhs = ident.mixture(D)
        for a, b in zip(lhs, rhs, strict=True):
            out.append((None, *_reduced_residual(a - b, kernels)))
            if not _decide(*out[-1][1:])[0]:
                break
    return tuple(out)


def _cached_reduced_residuals(ident: Identity, D: OracleDerivation, scope: str) -> Reduced:
    """:func:`_reduced_residuals`, kept in the persistent cache when ``ident`` is a registered
    identity and ``D`` a plain derivation: the residuals are then derived from the identity's key,
    the schedule, ``n``, ``d``, the training set ``X`` and the scope alone (and the code version:
    an edit of any derivation misses)."""
    if cache_dir() is None or type(D) is not OracleDerivation or ident not in IDENTITIES:
        return _reduced_residuals(ident, D, scope)
    try:
        key = tree_key(ident.key, D.schedule, D.n, D.d, tuple(D.X), scope == "component")
    except Unkeyable:
        return _reduced_residuals(ident, D, scope)
    return cached("identity-residuals", key, lambda: _reduced_residuals(ident, D, scope))


def check_symbolic(ident: Identity, D: OracleDerivation, scope: str = "component") -> SymbolicCheck:
    """Decide the identity for ``D`` per component (all i) or for the explicit mixture.

    The residuals are reduced by :func:`_reduced_residuals` (cached:
    :func:`_cached_reduced_residuals`); each is decided here (:func:`_decide`), the first that is not
    proved 0 failing the check."""
    start = time.perf_counter()
    zero, method = True, "numerator expands to 0"
    for i, num, simp in _cached_reduced_residuals(ident, D, scope):
        ok, how = _decide(num, simp)
        if not ok:
            zero, method = False, how if i is None else f"component {i}: {how}"
            break
        if how != "numerator expands to 0":
            method = how
    label = "component (all N)" if scope == "component" else f"mixture N={D.n}, d={D.d}"
    return SymbolicCheck(ident.key, D.schedule.name, label, zero, method, time.perf_counter() - start)


# -- numeric cross-check at exact rational points ---------------------------------------------

@dataclass(frozen=True)
class NumericCheck:
    """Certified residual bounds of an identity at random exact-rational points (arb balls).

    ``holds`` is the pass flag (``passed`` is an alias, kept for compatibility).
    """

    identity: str
    schedule: str
    points: int
    digits: int
    max_abs_residual: str  # upper bound of |lhs - rhs| over the points (decimal string)
    max_relative: str  # upper bound of |lhs - rhs| / max(1, |lhs|, |rhs|)
    tolerance: str
    #: every ball bound of the relative residual is below ``tolerance`` (``passed`` is an alias)
    holds: bool
    worst_point: dict
    seconds: float
    #: a point where some residual ball excludes 0 with a bound above tolerance: a certified
    #: counterexample (exact rationals as strings), else None
    refuted_at: dict | None = None

    @property
    def passed(self) -> bool:
        """Alias of :attr:`holds`, kept for compatibility."""
        return self.holds


@lru_cache(maxsize=32)
def _alpha_sigma(schedule):
    """mpmath callables for alpha(t) and sigma(t) of a concrete schedule."""
    return (sp.lambdify(T, schedule.alpha, modules="mpmath"),
            sp.lambdify(T, schedule.sigma, modules="mpmath"))


def _inside_the_mixture(point: dict[str, Fraction], rng: random.Random, D: OracleDerivation) -> None:
    r"""Move ``x`` to :math:`\alpha(t)X_i+\sigma(t)u`, :math:`u\in[-2,2]^d`, rounded to a rational
    with denominator :math:`10^6`: the densities there are not negligible, so a transport identity
    (both sides proportional to :math:`\rho_t`) cannot pass by underflow."""
    import mpmath

    if not all(str(xj) in point for xj in D.x):
        return
    i = rng.randrange(D.n)
    alpha_fn, sigma_fn = _alpha_sigma(D.schedule)
    with mpmath.workdps(30):
        t = mpmath.mpf(point["t"].numerator) / point["t"].denominator
        alpha, sigma = alpha_fn(t), sigma_fn(t)
        for j, xj in enumerate(D.x):
            xij = point.get(str(D.X[i, j]), None)
            xij = Fraction(D.X[i, j]) if xij is None and D.X[i, j].is_Rational else xij
            u = mpmath.mpf(rng.randint(-2000, 2000)) / 1000
            value = alpha * mpmath.mpf(xij.numerator) / xij.denominator + sigma * u
            point[str(xj)] = Fraction(int(mpmath.nint(value * 10**6)), 10**6)


def random_rational_point(rng: random.Random, symbols) -> dict[str, Fraction]:
    """A random exact-rational point: t in [1/20, 19/20], every other symbol in [-2, 2]."""
    def q(lo: int, hi: int, den: int) -> Fraction:
        return Fraction(rng.randint(lo * den, hi * den), den)

    point = {"t": Fraction(rng.randint(1, 19), 20) + Fraction(rng.randint(0, 96), 2003)}
    point["t"] = min(max(point["t"], Fraction(1, 20)), Fraction(19, 20))
    for s in sorted(symbols, key=str):
        if s != T:
            point[str(s)] = q(-2, 2, rng.choice((3, 5, 7, 8, 11, 13, 16)))
    return point


def check_numeric(ident: Identity, D: OracleDerivation, points: int = 4, digits: int = 50,
                  seed: int = 0, tolerance_digits: int | None = None) -> NumericCheck:
    """Evaluate ``lhs - rhs`` of the whole mixture in ball arithmetic at ``digits`` digits.

    Passes when every ball bound of the relative residual is below ``10^-(digits-10)``.
    """
    from .codegen import compile_arb

    if D.schedule.generic:
        raise ValueError("numeric cross-checks need a concrete schedule")
    start = time.perf_counter()
    rng = random.Random(seed)
    lhs, rhs = ident.mixture(D)
    free = set().union(*(e.free_symbols for e in [*lhs, *rhs])) - {T}
    symbols = [T, *sorted(free, key=str)]
    fn = compile_arb(symbols, [*(lhs), *(rhs)])
    tol_digits = digits - 10 if tolerance_digits is None else tolerance_digits
    from flint import arb, ctx

    tol = arb(10) ** (-tol_digits)
    worst_abs, worst_rel, worst_point, refuted_at = arb(0), arb(0), {}, None
    non_finite = 0  # a ball that is not finite certifies nothing: the check cannot pass
    old = ctx.dps
    try:
        ctx.dps = digits
        for _ in range(points):
            point = random_rational_point(rng, symbols)
            _inside_the_mixture(point, rng, D)
            values = fn([point[str(s)] for s in symbols])
            half = len(values) // 2
            for a, b in zip(values[:half], values[half:], strict=True):
                if not (a.is_finite() and b.is_finite()):
                    non_finite += 1
                    worst_point = {k: str(v) for k, v in point.items()}
                    continue
                res = abs(a - b).upper()
                scale = max(arb(1), abs(a).upper(), abs(b).upper())
                rel = (res / scale).upper()
                if refuted_at is None and not (a - b).contains(0) and rel > tol:
                    refuted_at = {k: str(v) for k, v in point.items()}
                if rel > worst_rel:
                    worst_rel, worst_abs = rel, res
                    worst_point = {k: str(v) for k, v in point.items()}
    finally:
        ctx.dps = old
    passed = bool(worst_rel < tol) and non_finite == 0
    bound_abs = "non-finite" if non_finite else worst_abs.str(5, radius=False)
    bound_rel = "non-finite" if non_finite else worst_rel.str(5, radius=False)
    return NumericCheck(ident.key, D.schedule.name, points, digits, bound_abs, bound_rel,
                        f"1e-{tol_digits}", passed, worst_point, time.perf_counter() - start,
                        None if passed else refuted_at)

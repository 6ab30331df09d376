r"""The falsifiable inequalities of issue 4's claims, registered for ``memverify falsify``.

Every example is a dict of exact values (so a replay file is exact): ``schedule`` (a built-in
name), ``t_start``, ``steps`` :math:`K` (:math:`h = t_{\rm start}/K`), ``data`` (N rows of d
Fractions), ``start`` (:math:`Z_{t_{\rm start}}`) and, per claim, ``noise_seed``, ``eps`` /
``scale``, ``family``, ``direction``. Sizes are tiny (N = 2..4, d = 1..2, K = 4..32) so one
evaluation (python-flint balls at the working precision) takes milliseconds. Half of the drawn
examples are generic (entries in [-2, 2], denominators <= 8 for atoms and <= 64 for starts); the
other half start on, or :math:`10^{-k}` off, the exact mirror tie of two equal-norm atoms
(:func:`verify.strategies.near_ties`): that is where the bounds are expected to break. The search
is steered (``margin``) towards a small float64 logit gap :math:`\Delta` at the first grid time
:math:`t_k\le 1/4`.

Schedules: the four built-ins; ``t_start = 63/64`` for vp-linear-sigma
(:math:`\dot\alpha(1)=-\infty`) and, under Euler–Maruyama, for trigonometric
(:math:`2\zeta(1)=0` is a ball around 0 at t = 1 and the sampler's noise amplitude
:math:`\sqrt{2\zeta h}` becomes NaN there); ``t_start = 1`` otherwise. :math:`K\ge4`: a
:math:`C\sqrt h` law is about small steps, and one step of vp-linear-sigma from 63/64 already
has a one-atom constant :math:`\max(|g|,|c-1|)/\sqrt h` of 4.7 (Euler–Maruyama, K = 2: 2.7).

**Scale.** :math:`R = 1 + \lVert Z_{t_{\rm start}}\rVert + \max_i\lVert X_i\rVert`. For one atom
the discrete endpoint is exactly :math:`Z_0 = gZ + cX\ (+\,G)`
(:func:`derivations.discretization.one_atom_law`), so
:math:`\lVert Z_0 - X\rVert\le\max(|g|,|c-1|)\,R\ (+\lVert G\rVert)`; for :math:`K\ge4` and the
built-ins :math:`\max(|g|,|c-1|)\le 0.89\sqrt h` (Euler, linear-brownian, K = 4; the largest).
With the default :math:`C = 1` a violation thus needs several atoms: it is a tie effect, not a
wrong constant.

**Step products.** One step is :math:`Z\leftarrow A_kZ - hc_km_k - he_k + \sqrt{2\zeta_kh}\,\xi_k`,
:math:`A_k = 1-ha(t_k)` (:func:`verify.sampling.compiled_schedule`). Unrolled,

.. math:: Z_0 = P_KZ_K - \sum_k P_k h c_k m_k - \sum_k P_k h e_k + \sum_k P_k\sqrt{2\zeta_kh}\,\xi_k,
          \qquad P_k = \prod_{j<k}A_j

(:math:`P_k` multiplies what step :math:`k` adds by the later steps :math:`j = k-1..1`). Hence the
error term has norm :math:`\le\sup\lVert e\rVert\,B_h`, :math:`B_h=\sum_k|P_k|h` (linear schedule:
:math:`a = 1/t`, so :math:`A_1 = 1 - h\cdot\frac1h = 0`, only :math:`P_1=1` survives and :math:`B_h=h`), and
the Gaussian term is :math:`G=\sum_kP_k\sqrt{2\zeta_kh}\,\xi_k\sim\mathcal N(0,vI)`, the exact
linear image of the drawn noise.

Registered:

* ``LLY26-T2`` (Euler): :math:`\min_i\lVert\hat Z_0^h-X_i\rVert\le C\sqrt h\,R`;
* ``LLY26-T2-margin``: the same, only for examples whose ball logit gap at the first grid time
  :math:`t_k\le t_{\rm commit}` is certainly :math:`\ge` ``gap`` (others are rejected with
  ``hypothesis.assume``; outside a search they hold vacuously);
* ``LLY26-T3`` (Euler–Maruyama, noise path ``BrownianPaths(noise_seed, 1, d, K)`` part of the
  example): :math:`\min_i\lVert\hat Z_0^h-X_i\rVert\le C\sqrt h\,R+\lVert G\rVert`;
* ``LLY25-C1`` (Euler, :math:`e = \varepsilon v` bounded, :math:`\varepsilon\le1/4`):
  :math:`\min_i\lVert\hat Z_0^h-X_i\rVert\le C\sqrt h\,R+\varepsilon\lVert v\rVert B_h`;
* ``LLY25-C1-margin``: the same, only for examples whose ball logit gap at the first grid time
  :math:`t_k\le t_{\rm commit}` is certainly :math:`\ge` ``gap`` (as ``LLY26-T2-margin``);
* ``LLY26-T4`` (Euler, bounded or critically scaled :math:`e`):
  :math:`\min_i\lVert\hat Z_0^{h,e}-X_i\rVert\le E^h_{\rm acc}+\min_i\lVert\hat Z_0^{h,0}-X_i\rVert`,
  :math:`E^h_{\rm acc}=\sum_k|P_k|h\lVert e_k\rVert` along the perturbed path and the second
  term the error-free Euler deviation from the same start: an exact discrete statement.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping, Sequence
from fractions import Fraction
from functools import cache
from typing import Any

import hypothesis
import numpy as np
from hypothesis import strategies as st

from ..strategies import near_ties, rationals, training_sets
from .inequality import Evaluation, Inequality
from .registry import register_inequality

__all__ = ["SCHEDULES", "MIN_STEPS", "MAX_STEPS", "ParameterError", "ExampleError", "t_start_for",
           "examples", "lly26_t2", "lly26_t2_margin", "lly26_t3", "lly25_c1", "lly26_t4"]

#: The schedules the searches draw from.
SCHEDULES: tuple[str, ...] = ("linear", "linear-brownian", "trigonometric", "vp-linear-sigma")
MIN_STEPS, MAX_STEPS = 4, 32
_LATE_START = Fraction(63, 64)
_UNIT: dict[int, tuple[tuple[Fraction, ...], ...]] = {
    1: ((Fraction(1),), (Fraction(-1),)),
    2: tuple((Fraction(a), Fraction(b)) for a, b in ((1, 0), (0, 1), (-1, 0), (0, -1), ("3/5", "4/5"),
                                                      ("-4/5", "3/5"), ("3/5", "-4/5"))),
}
_ATOMS = rationals(-2, 2, 8)
_STARTS = rationals(-2, 2, 64)


class ParameterError(ValueError):
    """A parameter of a registered inequality is unknown or out of range."""


class ExampleError(ValueError):
    """A (stored) example lacks a field or does not fit the inequality."""


def t_start_for(schedule: str, method: str) -> Fraction:
    """The start time used for ``schedule`` under ``method`` (see the module docstring)."""
    if schedule == "vp-linear-sigma" or (schedule == "trigonometric" and method == "euler-maruyama"):
        return _LATE_START
    return Fraction(1)


# -- strategies --------------------------------------------------------------------------------

@cache
def _atom_sets(d: int) -> st.SearchStrategy:
    """Training sets of 2..4 atoms in R^d (one strategy object per d: building a composite strategy
    parses its function's source, which cost more than drawing from it)."""
    return training_sets(st.integers(2, 4), d, elements=_ATOMS)


@cache
def _tie_sets(d: int) -> st.SearchStrategy:
    """Near ties in R^d without a far atom (one strategy object per d, as :func:`_atom_sets`)."""
    return near_ties(d=d, max_k=12, far_atom=False, elements=_ATOMS)


@st.composite
def _generic(draw, d: int) -> tuple[tuple[tuple[Fraction, ...], ...], tuple[Fraction, ...]]:
    data = draw(_atom_sets(d))
    return data, draw(st.tuples(*[_STARTS] * d))


@st.composite
def _tie(draw, d: int) -> tuple[tuple[tuple[Fraction, ...], ...], tuple[Fraction, ...]]:
    tie = draw(_tie_sets(d))
    return tie.training_set, draw(st.sampled_from((tie.exact_tie_point, tie.offset_point)))


def examples(method: str, *, noise: bool = False, error: str | None = None,
             min_steps: int = MIN_STEPS) -> st.SearchStrategy[dict[str, Any]]:
    """Exact examples: schedule, t_start, steps, data, start (+ noise_seed, + error fields).

    ``error``: None, ``"bounded"`` (fields ``eps``, ``direction``) or ``"any"`` (``family`` in
    bounded/critical, ``scale``, ``direction``); directions are exact unit vectors.
    """

    @st.composite
    def draw_example(draw) -> dict[str, Any]:
        schedule = draw(st.sampled_from(SCHEDULES))
        steps = draw(st.integers(min_steps, MAX_STEPS))
        d = draw(st.integers(1, 2))
        data, start = draw(st.one_of(_generic(d), _tie(d)))
        ex: dict[str, Any] = {"schedule": schedule, "t_start": t_start_for(schedule, method),
                              "steps": steps, "data": data, "start": start}
        if noise:
            ex["noise_seed"] = draw(st.integers(0, 2**16 - 1))
        if error == "bounded":
            ex["eps"] = draw(rationals(Fraction(1, 64), Fraction(1, 4), 64))
        elif error == "any":
            ex["family"] = draw(st.sampled_from(("bounded", "critical")))
            ex["scale"] = draw(rationals(Fraction(1, 64), Fraction(1, 4), 64))
        if error is not None:
            ex["direction"] = draw(st.sampled_from(_UNIT[d]))
        return ex

    return draw_example()


# -- exact inputs ------------------------------------------------------------------------------

def _fraction(value: Any, where: str) -> Fraction:
    if isinstance(value, bool) or not isinstance(value, int | Fraction):
        raise ExampleError(f"{where} = {value!r} is not an exact rational")
    return Fraction(value)


def _row(value: Any, where: str) -> tuple[Fraction, ...]:
    if not isinstance(value, list | tuple) or not value:
        raise ExampleError(f"{where} must be a non-empty sequence of rationals")
    return tuple(_fraction(v, f"{where}[{k}]") for k, v in enumerate(value))


class _Inputs:
    """The common fields of an example, checked."""

    def __init__(self, ex: Mapping[str, Any], method: str) -> None:
        from derivations.schedules import BUILTIN_SCHEDULES, builtin_schedule

        for key in ("schedule", "t_start", "steps", "data", "start"):
            if key not in ex:
                raise ExampleError(f"the example has no field {key!r}")
        if ex["schedule"] not in BUILTIN_SCHEDULES:
            raise ExampleError(f"schedule {ex['schedule']!r} is not a built-in schedule")
        steps = ex["steps"]
        if isinstance(steps, bool) or not isinstance(steps, int) or steps < 1:
            raise ExampleError(f"steps = {steps!r} must be a positive int")
        self.schedule = builtin_schedule(ex["schedule"])
        self.method = method
        self.t_start = _fraction(ex["t_start"], "t_start")
        if not 0 < self.t_start <= 1:
            raise ExampleError(f"t_start = {self.t_start} must lie in (0, 1]")
        self.steps = steps
        self.h = self.t_start / steps
        if not isinstance(ex["data"], list | tuple) or not ex["data"]:
            raise ExampleError("data must be a non-empty sequence of rows")
        self.data = tuple(_row(r, f"data[{k}]") for k, r in enumerate(ex["data"]))
        self.start = _row(ex["start"], "start")
        self.d = len(self.start)
        if any(len(r) != self.d for r in self.data):
            raise ExampleError(f"every row of data must have d = {self.d} entries, like start")

    def direction(self, ex: Mapping[str, Any]) -> tuple[Fraction, ...]:
        v = _row(ex.get("direction"), "direction")
        if len(v) != self.d or not any(v):
            raise ExampleError(f"direction must be a non-zero vector of {self.d} rationals")
        return v

    def positive(self, ex: Mapping[str, Any], key: str) -> Fraction:
        if key not in ex:
            raise ExampleError(f"the example has no field {key!r}")
        q = _fraction(ex[key], key)
        if q <= 0:
            raise ExampleError(f"{key} = {q} must be positive")
        return q

    def noise_seed(self, ex: Mapping[str, Any]) -> int:
        seed = ex.get("noise_seed")
        if isinstance(seed, bool) or not isinstance(seed, int) or seed < 0:
            raise ExampleError(f"noise_seed = {seed!r} must be a non-negative int")
        return seed


# -- ball helpers ------------------------------------------------------------------------------

def _ball(q: Fraction | int):
    from derivations.exact import to_arb

    return to_arb(q)


def _norm(vec: Sequence[Any]):
    return sum((v * v for v in vec), _ball(0)).nonnegative_part().sqrt()


def _text(x: Any) -> str:
    return x.str(12)


def _distance(data: Sequence[Sequence[Fraction]], point: Sequence[Any]) -> tuple[Any, int]:
    r""":math:`\min_i\lVert p-X_i\rVert` as a ball (a ball minimum, rigorous) and the midpoint argmin."""
    dists = [_norm([z - _ball(x) for z, x in zip(point, row, strict=True)]) for row in data]
    best = min(range(len(dists)), key=lambda i: float(dists[i].mid()) if dists[i].is_finite() else math.inf)
    out = dists[0]
    for v in dists[1:]:
        out = out.min(v)
    return out, best


def _scale(inp: _Inputs):
    r""":math:`R = 1 + \lVert Z_{\rm start}\rVert + \max_i\lVert X_i\rVert`."""
    norms = [_norm([_ball(v) for v in row]) for row in inp.data]
    top = norms[0]
    for v in norms[1:]:
        top = top.max(v)
    return 1 + _norm([_ball(v) for v in inp.start]) + top


def _run(inp: _Inputs, digits: int | None, *, error: Any = None, noise_seed: int | None = None,
         record: bool = False):
    from ..sampling import BrownianPaths, SamplerSpec, run_sampler

    spec = SamplerSpec(inp.schedule, inp.method, inp.steps, inp.t_start, error=error)
    noise = None if noise_seed is None else BrownianPaths(noise_seed, 1, inp.d, inp.steps)
    return run_sampler(inp.data, [inp.start], spec, digits=digits, noise=noise, record=record)


def _coefficients(inp: _Inputs, run: Any) -> dict[str, list]:
    from ..sampling import compiled_schedule

    return compiled_schedule(inp.schedule, inp.method).balls(run.trace["times"])


def _products(co: Mapping[str, list], h: Fraction) -> list:
    r""":math:`P_k=\prod_{j<k}(1-ha(t_j))`, in run order (the last step's :math:`P` is 1)."""
    hb = _ball(h)
    out = [_ball(1)] * len(co["a"])
    for i in range(len(out) - 2, -1, -1):
        out[i] = out[i + 1] * (1 - hb * co["a"][i + 1])
    return out


def _commit_index(times: Sequence[Fraction], t_commit: Fraction) -> int:
    """The first grid time (they decrease) at or below ``t_commit``, else the last one."""
    return next((i for i, t in enumerate(times) if t <= t_commit), len(times) - 1)


def _logit_gap_balls(data: Sequence[Sequence[Fraction]], z: Sequence[Any], alpha: Any, sigma: Any):
    r"""Ball gap between the largest logit (chosen by midpoints) and the others; ``None`` for one atom.

    Logits: :math:`(\alpha\langle z,X_i\rangle-\alpha^2\lVert X_i\rVert^2/2)/\sigma^2`."""
    if len(data) < 2:
        return None
    s2 = sigma * sigma
    logits = [(alpha * sum((zj * _ball(xj) for zj, xj in zip(z, row, strict=True)), _ball(0))
               - alpha * alpha * _ball(sum((x * x for x in row), Fraction(0)) / 2)) / s2 for row in data]
    top = max(range(len(logits)), key=lambda i: float(logits[i].mid()))
    others = [v for i, v in enumerate(logits) if i != top]
    second = others[0]
    for v in others[1:]:
        second = second.max(v)
    return logits[top] - second


# -- float64 steering --------------------------------------------------------------------------

def _margin(method: str, *, noise: bool = False, error: str | None = None,
            t_commit: Fraction = Fraction(1, 4)) -> Callable[[dict[str, Any]], float]:
    r"""Float64 logit gap :math:`\Delta` at the first grid time :math:`\le t_{\rm commit}` (small
    near a tie), on the path the inequality evaluates (error included; the error-free one for T4
    would not see the perturbed tie)."""
    from ..sampling import compiled_schedule

    def margin(ex: dict[str, Any]) -> float:
        inp = _Inputs(ex, method)
        err = _error_field(inp, ex, error) if error else None
        seed = inp.noise_seed(ex) if noise else None
        run = _run(inp, None, error=err, noise_seed=seed, record=True)
        i = _commit_index(run.trace["times"], t_commit)
        co = compiled_schedule(inp.schedule, method).floats(run.trace["times"][i:i + 1])
        X = np.array([[float(v) for v in row] for row in inp.data])
        if len(X) < 2:
            return math.inf
        z = run.trace["Z"][i][0]
        alpha, sigma = co["alpha"][0], co["sigma"][0]
        with np.errstate(all="ignore"):
            logits = np.sort((alpha * (X @ z) - alpha * alpha * 0.5 * (X * X).sum(axis=1)) / sigma**2)
        gap = float(logits[-1] - logits[-2])
        return gap if math.isfinite(gap) else math.inf

    return margin


def _error_field(inp: _Inputs, ex: Mapping[str, Any], kind: str):
    from ..sampling.errors import ConstantDirectionError

    direction = inp.direction(ex)
    if kind == "bounded":
        return ConstantDirectionError("bounded", inp.positive(ex, "eps"), direction)
    family = ex.get("family")
    if family not in ("bounded", "critical"):
        raise ExampleError(f"family = {family!r} must be 'bounded' or 'critical'")
    return ConstantDirectionError(family, inp.positive(ex, "scale"), direction)


# -- evaluations -------------------------------------------------------------------------------

def _base(inp: _Inputs, run: Any) -> tuple[Any, dict[str, Any]]:
    endpoint = run.endpoints[0]
    lhs, nearest = _distance(inp.data, endpoint)
    detail = {"endpoint": [_text(v) for v in endpoint], "nearest": nearest, "h": str(inp.h)}
    return lhs, detail


def _sqrt_h_scale(inp: _Inputs, C: Fraction, detail: dict[str, Any]):
    R = _scale(inp)
    term = _ball(C) * _ball(inp.h).sqrt() * R
    detail |= {"R": _text(R), "C_sqrt_h_R": _text(term)}
    return term


def _excluded(detail: dict[str, Any], reason: str) -> Evaluation:
    """An example outside the condition: rejected inside a search, vacuous outside one."""
    if hypothesis.currently_in_test_context():
        hypothesis.assume(False)
    return Evaluation(Fraction(0), Fraction(0), detail | {"condition": f"not met: {reason}",
                                                          "vacuous": "true"})


def _discretization(method: str, C: Fraction, *, noise: bool,
                    condition: tuple[Fraction, Fraction] | None = None):
    def evaluate(ex: dict[str, Any], digits: int) -> Evaluation:
        inp = _Inputs(ex, method)
        seed = inp.noise_seed(ex) if noise else None
        run = _run(inp, digits, noise_seed=seed, record=noise or condition is not None)
        lhs, detail = _base(inp, run)
        rhs = _sqrt_h_scale(inp, C, detail)
        if noise or condition is not None:
            co = _coefficients(inp, run)
        if noise:
            P, hb = _products(co, inp.h), _ball(inp.h)
            G = [_ball(0)] * inp.d
            for i, xi in enumerate(run.trace["xi"]):
                amp = P[i] * (co["noise2"][i] * hb).sqrt()
                G = [g + amp * x for g, x in zip(G, xi[0], strict=True)]
            g_norm = _norm(G)
            detail |= {"gaussian_term": [_text(v) for v in G], "gaussian_norm": _text(g_norm)}
            rhs = rhs + g_norm
        if condition is not None and (excluded := _outside_margin(inp, run, co, condition, detail)):
            return excluded
        return Evaluation(lhs, rhs, detail)

    return evaluate


def _outside_margin(inp: _Inputs, run: Any, co: Mapping[str, Any], condition: tuple[Fraction, Fraction],
                    detail: dict[str, Any]) -> Evaluation | None:
    r"""The commit-margin condition: the ball logit gap at the first grid time :math:`\le t_{\rm
    commit}` is certainly :math:`\ge` gap; an example outside it is excluded (None when inside)."""
    gap_min, t_commit = condition
    i = _commit_index(run.trace["times"], t_commit)
    gap = _logit_gap_balls(inp.data, run.trace["Z"][i][0], co["alpha"][i], co["sigma"][i])
    detail |= {"commit_time": str(run.trace["times"][i]), "logit_gap": "inf" if gap is None else _text(gap)}
    if gap is not None and not gap >= _ball(gap_min):
        return _excluded(detail, f"logit gap at t = {run.trace['times'][i]} is not certainly >= {gap_min}")
    return None


def _bounded_error(C: Fraction, condition: tuple[Fraction, Fraction] | None = None):
    def evaluate(ex: dict[str, Any], digits: int) -> Evaluation:
        inp = _Inputs(ex, "euler")
        err = _error_field(inp, ex, "bounded")
        run = _run(inp, digits, error=err, record=True)
        lhs, detail = _base(inp, run)
        rhs = _sqrt_h_scale(inp, C, detail)
        co = _coefficients(inp, run)
        P, hb = _products(co, inp.h), _ball(inp.h)
        B = sum((abs(p) * hb for p in P), _ball(0))
        sup = _ball(err.scale) * _norm([_ball(v) for v in err.direction])
        detail |= {"B_h": _text(B), "sup_error": _text(sup), "error": err.label}
        if condition is not None and (excluded := _outside_margin(inp, run, co, condition, detail)):
            return excluded
        return Evaluation(lhs, rhs + sup * B, detail)

    return evaluate


def _accumulated(ex: dict[str, Any], digits: int) -> Evaluation:
    inp = _Inputs(ex, "euler")
    err = _error_field(inp, ex, "any")
    run = _run(inp, digits, error=err, record=True)
    lhs, detail = _base(inp, run)
    P, hb = _products(_coefficients(inp, run), inp.h), _ball(inp.h)
    e_acc = sum((abs(p) * hb * _norm(e[0]) for p, e in zip(P, run.trace["e"], strict=True)), _ball(0))
    free = _run(inp, digits)
    dev0, nearest0 = _distance(inp.data, free.endpoints[0])
    detail |= {"error": err.label, "E_acc": _text(e_acc), "dev_error_free": _text(dev0),
               "error_free_endpoint": [_text(v) for v in free.endpoints[0]], "error_free_nearest": nearest0}
    return Evaluation(lhs, e_acc + dev0, detail)


# -- parameters and registration ---------------------------------------------------------------

def _params(claim: str, given: Mapping[str, Any], defaults: Mapping[str, Fraction],
            checks: Mapping[str, tuple[Callable[[Fraction], bool], str]]) -> dict[str, Fraction]:
    unknown = sorted(set(given) - set(defaults))
    if unknown:
        allowed = ", ".join(defaults) or "none"
        raise ParameterError(f"{claim}: unknown parameter(s) {', '.join(unknown)} (allowed: {allowed})")
    out: dict[str, Fraction] = {}
    for key, default in defaults.items():
        value = given.get(key, default)
        if isinstance(value, bool) or not isinstance(value, int | Fraction | str):
            raise ParameterError(f"{claim}: {key} = {value!r} must be an exact rational (not a float)")
        try:
            q = Fraction(value)
        except (ValueError, ZeroDivisionError):
            raise ParameterError(f"{claim}: {key} = {value!r} is not a rational") from None
        ok, what = checks[key]
        if not ok(q):
            raise ParameterError(f"{claim}: {key} = {q} must be {what}")
        out[key] = q
    return out


_POSITIVE = (lambda q: q > 0, "> 0")
_C_DESC = "R = 1 + |Z_start| + max_i |X_i|, h = t_start/K, K = 4..32"


def _margin_params(claim: str, params: Mapping[str, Any]) -> tuple[dict[str, Fraction], int]:
    """C, the logit gap and t_commit of a commit-margin inequality, and the fewest steps that put a
    grid time at or below t_commit."""
    checks = {"C": _POSITIVE, "gap": (lambda q: q >= 0, ">= 0"),
              "t_commit": (lambda q: Fraction(1, MAX_STEPS) <= q < 1, f"in [1/{MAX_STEPS}, 1)")}
    p = _params(claim, params, {"C": Fraction(1), "gap": Fraction(2), "t_commit": Fraction(1, 4)}, checks)
    return p, max(MIN_STEPS, math.ceil(1 / p["t_commit"]))


@register_inequality("LLY26-T2")
def lly26_t2(params: dict[str, Any]) -> Inequality:
    """Euler: the endpoint lies within C sqrt(h) R of the training set (no margin condition)."""
    p = _params("LLY26-T2", params, {"C": Fraction(1)}, {"C": _POSITIVE})
    return Inequality(
        "LLY26-T2 Euler: min_i |Z0 - X_i| <= C sqrt(h) R", "LLY26-T2", examples("euler"),
        _discretization("euler", p["C"], noise=False), _margin("euler"),
        f"Euler sampler of the oracle field: min_i |Z0^h - X_i| <= C sqrt(h) R, {_C_DESC}", p)


@register_inequality("LLY26-T2-margin")
def lly26_t2_margin(params: dict[str, Any]) -> Inequality:
    """LLY26-T2 restricted to paths whose logit gap at the first grid time <= t_commit is >= gap."""
    p, min_steps = _margin_params("LLY26-T2-margin", params)
    return Inequality(
        "LLY26-T2 Euler with a commit margin: min_i |Z0 - X_i| <= C sqrt(h) R", "LLY26-T2-margin",
        examples("euler", min_steps=min_steps),
        _discretization("euler", p["C"], noise=False, condition=(p["gap"], p["t_commit"])),
        _margin("euler", t_commit=p["t_commit"]),
        f"Euler sampler, restricted to paths committed early: if the largest logit leads the others "
        f"by >= gap = {p['gap']} at the first grid time t_k <= t_commit = {p['t_commit']} (decided in "
        f"balls), then min_i |Z0^h - X_i| <= C sqrt(h) R, {_C_DESC}", p)


@register_inequality("LLY26-T3")
def lly26_t3(params: dict[str, Any]) -> Inequality:
    """Euler–Maruyama: within C sqrt(h) R plus the norm of the path's own Gaussian term."""
    p = _params("LLY26-T3", params, {"C": Fraction(1)}, {"C": _POSITIVE})
    return Inequality(
        "LLY26-T3 Euler-Maruyama: min_i |Z0 - X_i| <= C sqrt(h) R + |G|", "LLY26-T3",
        examples("euler-maruyama", noise=True),
        _discretization("euler-maruyama", p["C"], noise=True), _margin("euler-maruyama", noise=True),
        "Euler-Maruyama sampler (zeta = the schedule's default sigma sigma') on the noise path "
        "BrownianPaths(noise_seed, 1, d, K): min_i |Z0^h - X_i| <= C sqrt(h) R + |G|, "
        "G = sum_k P_k sqrt(2 zeta(t_k) h) xi_k the exact linear image of the drawn noise "
        f"(P_k = prod_(j<k) (1 - h a(t_j))), {_C_DESC}", p)


@register_inequality("LLY25-C1")
def lly25_c1(params: dict[str, Any]) -> Inequality:
    """Bounded error: within C sqrt(h) R plus sup|e| B_h."""
    p = _params("LLY25-C1", params, {"C": Fraction(1)}, {"C": _POSITIVE})
    return Inequality(
        "LLY25-C1 Euler with bounded error: min_i |Z0 - X_i| <= C sqrt(h) R + sup|e| B_h", "LLY25-C1",
        examples("euler", error="bounded"), _bounded_error(p["C"]), _margin("euler", error="bounded"),
        "Euler sampler of b + e, e = eps v (bounded, eps in [1/64, 1/4], v an exact unit vector): "
        "min_i |Z0^h - X_i| <= C sqrt(h) R + eps |v| B_h, B_h = sum_k |P_k| h, "
        f"P_k = prod_(j<k) (1 - h a(t_j)) (B_h = h for the linear schedule), {_C_DESC}", p)


@register_inequality("LLY25-C1-margin")
def lly25_c1_margin(params: dict[str, Any]) -> Inequality:
    """LLY25-C1 restricted to paths whose logit gap at the first grid time <= t_commit is >= gap."""
    p, min_steps = _margin_params("LLY25-C1-margin", params)
    return Inequality(
        "LLY25-C1 Euler with bounded error and a commit margin: min_i |Z0 - X_i| <= C sqrt(h) R + "
        "sup|e| B_h", "LLY25-C1-margin",
        examples("euler", error="bounded", min_steps=min_steps),
        _bounded_error(p["C"], condition=(p["gap"], p["t_commit"])),
        _margin("euler", error="bounded", t_commit=p["t_commit"]),
        f"LLY25-C1 restricted to paths committed early: if the largest logit of the perturbed path "
        f"leads the others by >= gap = {p['gap']} at the first grid time t_k <= t_commit = "
        f"{p['t_commit']} (decided in balls), then min_i |Z0^h - X_i| <= C sqrt(h) R + eps |v| B_h, "
        f"{_C_DESC}", p)


@register_inequality("LLY26-T4")
def lly26_t4(params: dict[str, Any]) -> Inequality:
    """Accumulated error plus the error-free deviation bounds the perturbed deviation."""
    p = _params("LLY26-T4", params, {}, {})
    return Inequality(
        "LLY26-T4 Euler: min_i |Z0^e - X_i| <= E_acc + min_i |Z0^0 - X_i|", "LLY26-T4",
        examples("euler", error="any"), _accumulated, _margin("euler", error="any"),
        "Euler sampler of b + e, e = s v bounded (s = eps) or critically scaled (e = lambda "
        "(sigma'/sigma) v), s in [1/64, 1/4], v an exact unit vector: min_i |Z0^(h,e) - X_i| <= "
        "E_acc^h + min_i |Z0^(h,0) - X_i|, E_acc^h = sum_k |P_k| h |e_k| along the perturbed path, "
        "Z0^(h,0) the error-free Euler endpoint from the same start, K = 4..32", p)

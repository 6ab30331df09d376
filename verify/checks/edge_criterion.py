r"""EDGE-DEF22 (the paper's memorization criterion) and EDGE-DEF22-CODE (the authors' code's reading).

**EDGE-DEF22** (Definition 2.2 as the paper states it): :math:`x` is memorized iff
:math:`\lVert x-x_{(1)}\rVert^2\le c\,\lVert x-x_{(2)}\rVert^2` over the training set, non-strict, a
general :math:`0<c\le1` (:math:`c=1/9` in the experiments). :func:`verify.gmm.criterion.memorized`
(its defaults) against the exact-rational decision :func:`~verify.gmm.criterion.memorized_exact` on
random float cases and float cases on the boundary up to rounding (every disagreement must lie
within the float rounding of the boundary); integer cases decided by hand (the exact boundary *is*
memorized, a duplicated training point at distance 0 too); other constants :math:`c` (exact
boundaries for :math:`c=1/4,1/16,1/2`, random :math:`c`, monotonicity in :math:`c`); invariances;
invalid input.

**EDGE-DEF22-CODE** (the authors' ``RatioOfDistancesMetric``: :math:`d_{(1)}<d_{(2)}/3` on plain
distances, strict): the function the trained-model pipeline calls,
:func:`verify.gmm.sampling.memorized` (EDGE-PT), against the strict exact decision, the same cases
decided the other way on the boundary and at duplicates, the plain-distance form; and the relation
between the two readings: an exact rational point where they differ, and why the difference has
probability 0 on the draws the checks use — the boundary is an Apollonius sphere (Lebesgue-null)
and DDIM with a Gaussian-mixture denoiser is a composition of maps with positive-definite
Jacobians, so its samples have a density — with the float margins measured on those draws.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable
from fractions import Fraction

import numpy as np

from ..registry import RunContext
from ..verdicts import Bound, ClaimResult, Evidence, decide

__all__ = ["check_edge_def22", "check_edge_def22_code", "ROUNDING"]

#: Relative margin of the boundary within which float64 and exact decisions may differ (per dimension d:
#: 4 (d + 3) 2^-53, the rounding of the summed squares and of the products by p and q).
ROUNDING = Fraction(4) * Fraction(2.0**-53)

Flags = Callable[[np.ndarray, np.ndarray], np.ndarray]


def _rows(a: np.ndarray) -> list[list[Fraction]]:
    return [[Fraction(float(v)) for v in row] for row in np.atleast_2d(a)]


def _margins(samples: np.ndarray, train: np.ndarray, c: Fraction) -> list[Fraction]:
    r"""Exact relative margins :math:`|c\,d_{(2)}^2-d_{(1)}^2|/(c\,d_{(2)}^2)` (0 when :math:`d_{(2)}=0`)."""
    from ..gmm.criterion import exact_nearest_two

    out = []
    for d1, d2 in exact_nearest_two(_rows(samples), _rows(train)):
        out.append(abs(c * d2 - d1) / (c * d2) if d2 else Fraction(0))
    return out


def _reading(strict: bool) -> str:
    return "strict <" if strict else "non-strict <="


# -- float against exact ---------------------------------------------------------------------------------

def _random(ctx: RunContext, fn: Flags, strict: bool, claim: str) -> Evidence:
    from ..gmm.criterion import THRESHOLD_SQUARED, memorized_exact

    rng = np.random.default_rng([ctx.seed, 0xDEF])
    S, N, d = (300, 20, 5) if ctx.quick else (1000, 40, 8)
    train = rng.normal(size=(N, d)) * 3
    base = train[rng.integers(0, N, S)]  # samples at a training point plus noise straddling the threshold
    scale = np.exp(rng.uniform(np.log(0.05), np.log(5), S))[:, None]
    samples = base + scale * rng.normal(size=(S, d)) / math.sqrt(d)
    got = fn(samples, train)
    want = np.array(memorized_exact(_rows(samples), _rows(train), THRESHOLD_SQUARED, strict))
    bad = np.flatnonzero(got != want)
    allowed = (d + 3) * ROUNDING
    margins = _margins(samples[bad], train, THRESHOLD_SQUARED) if len(bad) else []
    unexplained = [int(i) for i, m in zip(bad, margins, strict=True) if m > allowed]
    return Evidence(
        f"{claim}: float64 criterion = exact-rational criterion ({_reading(strict)}, c = 1/9) on random "
        "samples",
        not unexplained,
        f"S = {S} samples near N = {N} training points in d = {d} (seed {ctx.seed}), noise scales 0.05..5 "
        f"(memorized fraction {float(want.mean()):.2f}); {len(bad)} disagreement(s), every one within the "
        "float rounding of the boundary (relative margin <= 4(d+3) 2^-53)"
        + (f"; unexplained at samples {unexplained[:5]}" if unexplained else ""),
        bound=Bound(len(unexplained), 0, quantity="disagreements beyond the rounding of the boundary"))


def _near_boundary(ctx: RunContext, fn: Flags, strict: bool, claim: str) -> Evidence:
    """Float cases on the boundary up to rounding: x2 - x = 3 R (x1 - x), R a random rotation."""
    from ..gmm.criterion import THRESHOLD_SQUARED, memorized_exact

    rng = np.random.default_rng([ctx.seed, 0xB0D])
    cases = 100 if ctx.quick else 400
    disagree, unexplained, true_exact = 0, [], 0
    for k in range(cases):
        d = int(rng.integers(2, 7))
        x = rng.normal(size=d) * 2
        u = rng.normal(size=d)
        q, _ = np.linalg.qr(rng.normal(size=(d, d)))
        train = np.vstack([x + u, x + 3 * (q @ u), x + 50 + rng.normal(size=(2, d))])
        got = bool(fn(x[None], train)[0])
        exact = memorized_exact(_rows(x[None]), _rows(train), THRESHOLD_SQUARED, strict)[0]
        true_exact += exact
        if got != exact:
            disagree += 1
            if _margins(x[None], train, THRESHOLD_SQUARED)[0] > (d + 3) * ROUNDING:
                unexplained.append(k)
    return Evidence(
        f"{claim}: float64 criterion on the boundary up to rounding (x2 - x = 3 R (x1 - x), "
        f"{_reading(strict)})",
        not unexplained,
        f"{cases} float cases (d = 2..6, random rotations R; seed {ctx.seed}): exact decision True in "
        f"{true_exact}, float and exact disagree in {disagree}, each within the float rounding of the "
        "boundary (relative margin <= 4(d+3) 2^-53)"
        + (f"; unexplained: cases {unexplained[:5]}" if unexplained else ""),
        bound=Bound(len(unexplained), 0, quantity="disagreements beyond the rounding of the boundary"))


def _hand_cases(ctx: RunContext, strict: bool) -> list[tuple[str, np.ndarray, np.ndarray, bool]]:
    """Integer cases (squared distances exact in float64) with the decision of the reading."""
    rng = np.random.default_rng([ctx.seed, 0xAD5])
    cases = []
    for k in range(20 if ctx.quick else 100):
        d = int(rng.integers(1, 6))
        x = rng.integers(-20, 21, d).astype(float)
        u = rng.integers(-5, 6, d).astype(float)
        if not u.any():
            u[0] = 1.0
        v = 3 * rng.permutation(u) * rng.choice([-1.0, 1.0], d)  # |v|^2 = 9 |u|^2 exactly
        far = x + rng.integers(40, 60, (3, d)) * rng.choice([-1.0, 1.0], (3, d))
        cases.append((f"boundary #{k}", x[None], np.vstack([x + u, x + v, far]), not strict))
        cases.append((f"inside #{k}", x[None], np.vstack([x + u / 2, x + v, far]), True))  # ratio 1/36
        w = 2.5 * rng.permutation(u) * rng.choice([-1.0, 1.0], d)  # |w|^2 = 6.25 |u|^2: ratio 0.16 > 1/9
        cases.append((f"outside #{k}", x[None], np.vstack([x + u, x + w, far]), False))
        cases.append((f"tie #{k}", x[None], np.vstack([x + u, x - u, far]), False))  # d1 = d2
        cases.append((f"duplicate #{k}", x[None], np.vstack([x, x, far]), not strict))  # 0 vs 0
        cases.append((f"at a training point #{k}", x[None], np.vstack([x, x + v, far]), True))
    return cases


def _by_hand(ctx: RunContext, fn: Flags, strict: bool, claim: str) -> Evidence:
    from ..gmm.criterion import THRESHOLD_SQUARED, memorized_exact

    bad = []
    cases = _hand_cases(ctx, strict)
    for name, x, train, expected in cases:
        got = bool(fn(x, train)[0])
        exact = memorized_exact(_rows(x), _rows(train), THRESHOLD_SQUARED, strict)[0]
        if not (got == exact == expected):
            bad.append(f"{name}: float {got}, exact {exact}, expected {expected}")
    word = "not memorized" if strict else "memorized"
    return Evidence(
        f"{claim}: exact boundary ({word}), inside, ties, duplicates, at a training point",
        not bad,
        f"{len(cases)} integer cases (squared distances exact in float64): boundary ||x-x1||^2 = "
        f"||x-x2||^2/9 -> {not strict}; d1^2 = d2^2/36 -> True; d1^2 = 0.16 d2^2 -> False; d1 = d2 -> False; "
        "duplicated training "
        "point at distance 0 -> "
        f"{not strict} (0 {'<' if strict else '<='} 0); sample equal to a unique training point -> True"
        + (f"; failures: {bad[:3]}" if bad else ""),
        bound=Bound(len(bad), 0, quantity="cases decided otherwise than expected", rigorous=True))


def _invariance(ctx: RunContext, fn: Flags, claim: str, plain: bool) -> Evidence:
    rng = np.random.default_rng([ctx.seed, 0x1A7])
    N, d, S = 30, 6, 400
    train = rng.integers(-50, 51, (N, d)).astype(float)
    samples = train[rng.integers(0, N, S)] + rng.integers(-12, 13, (S, d))
    ref = fn(samples, train)
    shift = rng.integers(-1000, 1001, d).astype(float)
    cp, signs = rng.permutation(d), rng.choice([-1.0, 1.0], d)
    variants = {
        "permuted training set": fn(samples, train[rng.permutation(N)]),
        "translated": fn(samples + shift, train + shift),
        "scaled by 2^-7": fn(samples * 2.0**-7, train * 2.0**-7),
        "scaled by 3 (integers)": fn(samples * 3, train * 3),
        "rotated coordinates (permutation + signs)": fn(samples[:, cp] * signs, train[:, cp] * signs),
    }
    diff = {k: int((v != ref).sum()) for k, v in variants.items()}
    extra, plain_diff = "", 0
    if plain:
        d12 = np.sqrt(np.sort(((samples[:, None] - train[None]) ** 2).sum(-1), axis=1)[:, :2])
        plain_diff = int(((d12[:, 0] < d12[:, 1] / 3) != ref).sum())  # the authors' test on plain distances
        extra = f"; the authors' test d1 < d2/3 on plain distances differs on {plain_diff}"
    return Evidence(
        f"{claim}: invariances" + (" and the authors' plain-distance form (1/3)" if plain else ""),
        not any(diff.values()) and plain_diff == 0,
        f"S = {S} integer samples, N = {N}, d = {d} (memorized fraction {ref.mean():.2f}); changed flags: "
        + ", ".join(f"{k} {v}" for k, v in diff.items()) + extra,
        bound=Bound(sum(diff.values()) + plain_diff, 0, quantity="differing flags"))


# -- EDGE-DEF22: the paper's form with a general c -------------------------------------------------------

def _general_c(ctx: RunContext) -> Evidence:
    r"""Exact boundaries for c = 1/4, 1/16 (x2 - x = k P(x1 - x), P a signed permutation) and c = 1/2
    (coordinate pairs (a, b) -> (a + b, a - b)); random c against exact; monotone in c."""
    from ..gmm.criterion import float_margin, memorized, memorized_exact

    rng = np.random.default_rng([ctx.seed, 0xC0C])
    bad: list[str] = []
    count = 0
    for k in range(10 if ctx.quick else 40):
        d = 2 * int(rng.integers(1, 3))
        x = rng.integers(-20, 21, d).astype(float)
        u = rng.integers(-5, 6, d).astype(float)
        if not u.any():
            u[0] = 1.0
        far = x + rng.integers(60, 90, (2, d)) * rng.choice([-1.0, 1.0], (2, d))
        rot = np.empty(d)
        rot[0::2], rot[1::2] = u[0::2] + u[1::2], u[0::2] - u[1::2]  # |rot|^2 = 2 |u|^2
        for c, v in ((Fraction(1, 4), 2 * rng.permutation(u)), (Fraction(1, 16), -4 * rng.permutation(u)),
                     (Fraction(1, 2), rot)):
            train = np.vstack([x + u, x + v, far])
            for strict in (False, True):
                got = bool(memorized(x[None], train, c, strict)[0])
                exact = memorized_exact(_rows(x[None]), _rows(train), c, strict)[0]
                count += 1
                if not (got == exact == (not strict)):
                    bad.append(f"c = {c}, case {k}, strict {strict}: float {got}, exact {exact}")
    S, N, d = (150, 12, 4) if ctx.quick else (400, 20, 5)
    train = rng.normal(size=(N, d)) * 2
    samples = train[rng.integers(0, N, S)] + rng.exponential(1.0, (S, 1)) * rng.normal(size=(S, d))
    cs = [Fraction(int(rng.integers(1, 30)), 31) for _ in range(3)] + [Fraction(1, 9), Fraction(1)]
    previous = None
    for c in sorted(cs):
        got = memorized(samples, train, c)
        want = np.array(memorized_exact(_rows(samples), _rows(train), c))
        off = np.flatnonzero(got != want)
        if len(off) and float_margin(samples[off], train, c).max() > 1e-13:
            bad.append(f"c = {c}: {len(off)} float/exact disagreements beyond rounding")
        if previous is not None and np.any(previous & ~want):
            bad.append(f"c = {c}: a sample memorized at a smaller c is not memorized at c")
        previous = want
    return Evidence(
        "EDGE-DEF22: a general constant c (non-strict)",
        not bad,
        f"{count} exact boundary decisions (c = 1/4, 1/16 by scaled signed permutations, c = 1/2 by pair "
        f"rotations; memorized when non-strict, not when strict); {S} random samples at c in "
        f"{{{', '.join(str(c) for c in sorted(cs))}}}: float = exact up to rounding, and the memorized set "
        "grows with c" + (f"; failures: {bad[:3]}" if bad else ""),
        bound=Bound(len(bad), 0, quantity="wrong decisions"))


def _errors() -> Evidence:
    from ..gmm import GMMError
    from ..gmm.criterion import memorization_ratio, memorized, memorized_exact

    attempts: dict[str, Callable[[], object]] = {
        "N = 1": lambda: memorized(np.zeros((2, 3)), np.zeros((1, 3))),
        "dimension mismatch": lambda: memorized(np.zeros((2, 3)), np.zeros((4, 2))),
        "NaN sample": lambda: memorized(np.array([[np.nan, 0.0]]), np.zeros((3, 2))),
        "1-D input": lambda: memorized(np.zeros(3), np.zeros((4, 3))),
        "no samples": lambda: memorization_ratio(np.zeros((0, 3)), np.ones((4, 3))),
        "N = 1 (exact)": lambda: memorized_exact([[0]], [[1]]),
        "c = 0": lambda: memorized(np.zeros((1, 2)), np.eye(2), 0),
        "c = 2": lambda: memorized(np.zeros((1, 2)), np.eye(2), 2),
        "c = nan": lambda: memorized(np.zeros((1, 2)), np.eye(2), float("nan")),
        "c = -1/9 (exact)": lambda: memorized_exact([[0]], [[1], [2]], Fraction(-1, 9)),
    }
    raised = {}
    for name, attempt in attempts.items():
        try:
            attempt()
            raised[name] = False
        except GMMError:
            raised[name] = True
    return Evidence(
        "EDGE-DEF22: invalid input raises GMMError",
        all(raised.values()),
        ", ".join(f"{k}: {'raised' if v else 'NOT raised'}" for k, v in raised.items())
        + " (N = 1 has no second neighbour: the criterion is undefined; c must lie in (0, 1])",
        bound=Bound(sum(not v for v in raised.values()), 0, quantity="invalid inputs not refused"))


def _paper_flags(samples: np.ndarray, train: np.ndarray) -> np.ndarray:
    from ..gmm.criterion import memorized

    return memorized(samples, train)  # the defaults: the paper's c = 1/9, non-strict


def check_edge_def22(ctx: RunContext) -> ClaimResult:
    """EDGE-DEF22: the criterion's defaults (the paper's form) against the exact-rational definition."""
    start = time.perf_counter()
    ctx.progress("EDGE-DEF22: criterion (paper's form) vs exact rationals")
    claim = "EDGE-DEF22"
    evidence = [_random(ctx, _paper_flags, False, claim), _near_boundary(ctx, _paper_flags, False, claim),
                _by_hand(ctx, _paper_flags, False, claim), _general_c(ctx),
                _invariance(ctx, _paper_flags, claim, plain=False), _errors()]
    status, summary = decide(evidence, "memorization criterion ||x - x_(1)||^2 <= c ||x - x_(2)||^2 (the "
                             "paper's non-strict form, c = 1/9 and general c, training set)")
    return ClaimResult(claim, status, summary, evidence, time.perf_counter() - start)


# -- EDGE-DEF22-CODE: the authors' strict reading, as the trained-model pipeline applies it --------------

def _code_flags(samples: np.ndarray, train: np.ndarray) -> np.ndarray:
    from ..gmm.sampling import memorized

    return memorized(samples, train)  # what EDGE-PT's sweep calls


def _where_they_differ() -> Evidence:
    r"""The exact point x = 1, training set {0, 4} (d = 1): squared distances 1 and 9, ratio exactly 1/9."""
    from ..gmm.criterion import THRESHOLD_SQUARED, memorized, memorized_exact

    x, train = [[Fraction(1)]], [[Fraction(0)], [Fraction(4)]]
    paper = memorized_exact(x, train, THRESHOLD_SQUARED, strict=False)[0]
    code = memorized_exact(x, train, THRESHOLD_SQUARED, strict=True)[0]
    pipeline = bool(_code_flags(np.array([[1.0]]), np.array([[0.0], [4.0]]))[0])
    default = bool(memorized(np.array([[1.0]]), np.array([[0.0], [4.0]]))[0])
    ok = paper and not code and not pipeline and default
    return Evidence(
        "EDGE-DEF22-CODE: the two readings differ on the boundary (exact rational point)",
        ok,
        f"x = 1, x_(1) = 0, x_(2) = 4: ||x - x_(1)||^2 = 1 = (1/9) ||x - x_(2)||^2 exactly; the paper's <= "
        f"decides {paper}, the authors' < {code}; verify.gmm.sampling.memorized (EDGE-PT) {pipeline}, the "
        f"criterion's defaults {default}. They also differ at a duplicated training point (0 <= 0 vs 0 < 0)",
        bound=Bound(0 if ok else 1, 0, quantity="readings not differing as stated", rigorous=True),
        # on a pass, the exact point where the readings differ (never a refutation of either reading)
        counterexample={"x": [Fraction(1)], "x_(1)": [Fraction(0)], "x_(2)": [Fraction(4)],
                        "c": THRESHOLD_SQUARED} if ok else None)


def _null_difference(ctx: RunContext) -> Evidence:
    """Both readings on continuous draws: Gaussian samples and DDIM samples of the EDGE-PT cell's bracketing
    denoisers (partially memorizing at M = N/10 .. N, generalizing), with the smallest exact-enough margin."""
    from ..gmm import generate
    from ..gmm.criterion import THRESHOLD_SQUARED, float_margin, memorized
    from ..gmm.denoisers import MixtureDenoiser, generalizing
    from ..gmm.sampling import ddim
    from .edge_pt import default_setting

    rng = np.random.default_rng([ctx.seed, 0xDEF2])
    draws: dict[str, tuple[np.ndarray, np.ndarray]] = {}
    train = rng.normal(size=(40, 8)) * 3
    near = train[rng.integers(0, 40, 1000)] + rng.exponential(1.0, (1000, 1)) * rng.normal(size=(1000, 8))
    draws["Gaussian draws near training points"] = (near, train)
    setting = default_setting(ctx.seed)  # the EDGE-PT cell
    data = generate(setting)
    N, d = setting.N, setting.d
    starts = np.random.default_rng([ctx.seed, 0xDD2]).standard_normal((50, d))
    order = np.random.default_rng([ctx.seed, 0x5B]).permutation(N)
    models = {f"partial M = {M}": MixtureDenoiser(data.train[np.sort(order[:M])], 0.0)
              for M in sorted({max(1, round(f * N)) for f in ((0.2, 0.6, 1.0) if ctx.quick else
                                                               (0.1, 0.2, 0.4, 0.6, 0.8, 0.9, 1.0))})}
    models["generalizing"] = generalizing(data)
    for name, model in models.items():
        draws[f"DDIM, {name}"] = (ddim(model, starts), data.train)
    differ, smallest, rows = 0, math.inf, []
    for name, (samples, tr) in draws.items():
        paper, code = memorized(samples, tr, strict=False), memorized(samples, tr, strict=True)
        margin = float(float_margin(samples, tr, THRESHOLD_SQUARED).min())
        differ += int((paper != code).sum())
        smallest = min(smallest, margin)
        rows.append({"draws": name, "n": len(samples), "memorized": float(code.mean()), "min_margin": margin})
    return Evidence(
        "EDGE-DEF22-CODE: the readings agree on the continuous draws the checks use (the boundary has "
        "probability 0)",
        differ == 0 and smallest > 1e-12,
        f"{differ} differing flags over {sum(r['n'] for r in rows)} samples; smallest relative margin "
        f"|d_(2)^2/9 - d_(1)^2| / (d_(2)^2/9) = {smallest:.2e} (float rounding ~1e-15). Why 0 in law: the "
        "boundary {x: |x - x_(1)|^2 = c |x - x_(2)|^2} is an Apollonius sphere (a null set), and one DDIM "
        "step x -> (s'/s) x + a'(1 - a s'/(a' s)) x0_hat(x) of any GMM denoiser has Jacobian "
        "(s'/s) I + a'(1 - a s'/(a' s)) (g I + (sigma^2/tau^2)(a/tau^2) Cov_w(mu)), positive definite, so "
        "DDIM samples of Gaussian starts have a density and the trained-model ratios (EDGE-PT, EDGE-HYP, "
        "EDGE-WINDOW) do not depend on the reading",
        bound=Bound(smallest, 1e-12, ">", quantity="smallest relative margin to the boundary"),
        data={"rows": rows})


def check_edge_def22_code(ctx: RunContext) -> ClaimResult:
    """EDGE-DEF22-CODE: the pipeline's strict criterion, and its relation to the paper's."""
    start = time.perf_counter()
    ctx.progress("EDGE-DEF22-CODE: the authors' strict criterion vs exact rationals")
    claim = "EDGE-DEF22-CODE"
    evidence = [_random(ctx, _code_flags, True, claim), _near_boundary(ctx, _code_flags, True, claim),
                _by_hand(ctx, _code_flags, True, claim), _invariance(ctx, _code_flags, claim, plain=True),
                _where_they_differ(), _null_difference(ctx)]
    status, summary = decide(evidence, "the authors' criterion d_(1) < d_(2)/3 (strict, squared ratio 1/9), "
                             "as EDGE-PT applies it")
    return ClaimResult(claim, status, summary, evidence, time.perf_counter() - start)

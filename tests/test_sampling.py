"""The sampler core (verify/sampling): float64 against balls, Brownian coupling, the Euler step
against the derived velocity, the exact last step of the linear schedule, singular starts and
error-field parsing."""

from __future__ import annotations

import math
from fractions import Fraction as F

import mpmath
import numpy as np
import pytest

from derivations.codegen import compile_field
from derivations.exact import to_mpf
from derivations.schedules import builtin_schedule
from verify.datasets import load_dataset
from verify.sampling import (
    BrownianPaths,
    SamplerError,
    SamplerSpec,
    nearest_sample_balls,
    nearest_samples,
    parse_error,
    run_sampler,
)

TRIANGLE = load_dataset("builtin:triangle")
STARTS = [[F(1, 3), F(-2, 5)], [F(-7, 4), F(1, 8)], [F(9, 10), F(11, 7)]]


def _floats(rows):
    return np.array([[float(v) for v in row] for row in rows])


@pytest.fixture(scope="module")
def runs():
    """Euler and Euler-Maruyama on linear-brownian, float64 and balls at 50 digits, same draws."""
    s = builtin_schedule("linear-brownian")
    out = {}
    for method in ("euler", "euler-maruyama"):
        spec = SamplerSpec(s, method, 16)
        noise = BrownianPaths(7, len(STARTS), 2, 16)
        fl = run_sampler(_floats(TRIANGLE), _floats(STARTS), spec, noise=noise)
        bl = run_sampler(TRIANGLE, STARTS, spec, digits=50, noise=noise)
        out[method] = (fl, bl)
    return out


@pytest.mark.parametrize("method", ["euler", "euler-maruyama"])
def test_float64_and_balls_agree(runs, method):
    fl, bl = runs[method]
    assert bl.max_radius() < 1e-40  # 50 digits, 16 steps: the balls stay tight
    diff = np.abs(bl.endpoint_floats() - np.asarray(fl.endpoints)).max()
    assert diff < 1e-12
    # the stochastic run really used its noise: it differs from the deterministic one
    if method == "euler-maruyama":
        assert np.abs(bl.endpoint_floats() - runs["euler"][1].endpoint_floats()).max() > 1e-3


def test_ball_deviation_contains_float_deviation(runs):
    fl, bl = runs["euler"]
    _, dev = nearest_samples(_floats(TRIANGLE), fl.endpoints)
    from flint import ctx

    with ctx.workdps(50):
        for p, row in enumerate(bl.endpoints):
            _, dist = nearest_sample_balls(TRIANGLE, row)
            assert abs(float(dist.mid()) - dev[p]) < 1e-12
            assert float(dist.rad()) < 1e-40


def test_nearest_sample_ball_at_an_atom_is_finite():
    """A ball endpoint on an atom: the distance ball touches 0 and is finite (not nan)."""
    from flint import arb, ctx

    with ctx.workdps(50):
        row = [arb(2) + arb(0, 1e-45), arb(0)]
        i, dist = nearest_sample_balls(TRIANGLE, row)
        assert i == 1 and dist.is_finite() and float(dist.upper()) < 1e-40


def test_brownian_coarse_increments_are_sums_of_fine_ones():
    paths = BrownianPaths(3, paths=4, d=2, fine_steps=16)
    draws = paths.draws
    for K in (1, 2, 4, 8, 16):
        coarse = paths.normals(K)
        r = 16 // K
        for k in range(K):
            # sqrt(h_coarse) xi_k = sum_j sqrt(h_fine) xi_j over the fine steps inside coarse step k
            expected = sum(draws[k * r + j] for j in range(r)) * math.sqrt(1 / 16)
            assert np.allclose(coarse[k] * math.sqrt(1 / K), expected, atol=1e-14, rtol=0)
    with pytest.raises(SamplerError):
        paths.normals(3)  # 3 does not divide 16


def test_brownian_balls_match_floats():
    paths = BrownianPaths(5, paths=2, d=3, fine_steps=8)
    coarse = paths.normals(2)
    for k in range(2):
        balls = paths.normal_balls(2, k)
        for p in range(2):
            for j in range(3):
                assert abs(float(balls[p][j].mid()) - coarse[k, p, j]) < 1e-14
                assert float(balls[p][j].rad()) < 1e-14


def test_euler_maruyama_strong_error_decreases_path_by_path():
    """One atom (no atom switches): |Z_0^(h) - Z_0^(h/2)| shrinks from the coarsest to the finest
    pair on every coupled path."""
    s = builtin_schedule("linear-brownian")
    X = np.array([[0.5, -1.0]])
    starts = np.random.default_rng(11).standard_normal((6, 2))
    Ks = (8, 16, 256, 512)
    paths = BrownianPaths(2, 6, 2, max(Ks))
    ends = {K: np.asarray(run_sampler(X, starts, SamplerSpec(s, "euler-maruyama", K), noise=paths).endpoints)
            for K in Ks}
    coarse = np.linalg.norm(ends[8] - ends[16], axis=1)
    fine = np.linalg.norm(ends[256] - ends[512], axis=1)
    assert (fine < coarse).all()
    # uncoupled noise (a different seed at the fine level) does not converge path by path
    other = BrownianPaths(99, 6, 2, 512)
    loose = np.asarray(run_sampler(X, starts, SamplerSpec(s, "euler-maruyama", 512), noise=other).endpoints)
    assert np.median(np.linalg.norm(ends[256] - loose, axis=1)) > 3 * np.median(fine)


def test_one_euler_step_is_the_derived_velocity():
    """K = 1 from t_start = 1/2: Z_0 = Z - (1/2) b(Z, 1/2) with b from derivations.codegen."""
    s = builtin_schedule("linear-brownian")
    z = [F(2, 7), F(-3, 11)]
    run = run_sampler(TRIANGLE, [z], SamplerSpec(s, "euler", 1, F(1, 2)), digits=60)
    field = compile_field(s, "velocity", len(TRIANGLE), 2, "mpmath")
    with mpmath.workdps(60):
        b = field([to_mpf(v) for v in z], to_mpf(F(1, 2)), [[to_mpf(v) for v in row] for row in TRIANGLE])
        expected = [to_mpf(zj) - to_mpf(F(1, 2)) * bj for zj, bj in zip(z, b, strict=True)]
        for got, want in zip(run.endpoints[0], expected, strict=True):
            assert abs(mpmath.mpf(got.mid().str(70, radius=False)) - want) < mpmath.mpf(10) ** -50
        # and a wrong step size is detected
        assert abs(mpmath.mpf(run.endpoints[0][0].mid().str(70, radius=False))
                   - (to_mpf(z[0]) - to_mpf(F(1, 3)) * b[0])) > mpmath.mpf(10) ** -5


def test_linear_last_euler_step_is_the_denoiser():
    """alpha = 1 - t, sigma = t: the last step has 1 - h a = 0 and -h c = 1, so Z_0 = m(Z_h, h)."""
    run = run_sampler(TRIANGLE, STARTS, SamplerSpec(builtin_schedule("linear"), "euler", 8), digits=40,
                      record=True)
    for end, m in zip(run.endpoints, run.trace["m"][-1], strict=True):
        for a, b in zip(end, m, strict=True):
            assert (a - b).contains(0) and float((a - b).rad()) < 1e-35
    other = run_sampler(TRIANGLE, STARTS, SamplerSpec(builtin_schedule("linear-brownian"), "euler", 8),
                        digits=40, record=True)
    gap = max(abs(float((a - b).mid())) for end, m in zip(other.endpoints, other.trace["m"][-1], strict=True)
              for a, b in zip(end, m, strict=True))
    assert gap > 1e-3  # not a property of every schedule


def test_vp_linear_sigma_singular_start_is_one_line():
    s = builtin_schedule("vp-linear-sigma")
    for digits in (None, 30):
        with pytest.raises(SamplerError) as info:
            run_sampler(_floats(TRIANGLE) if digits is None else TRIANGLE, [[F(0), F(1)]],
                        SamplerSpec(s, "euler", 4), digits=digits)
        message = str(info.value)
        assert "\n" not in message and "t_start" in message
    ok = run_sampler(_floats(TRIANGLE), [[0.0, 1.0]], SamplerSpec(s, "euler", 4, F(63, 64)))
    assert np.isfinite(np.asarray(ok.endpoints)).all()


@pytest.mark.parametrize("spec, fragment", [
    ("nonsense:eps=1", "unknown error family"),
    ("bounded:eps=abc", "eps"),
    ("bounded:lambda=1", "unknown parameter"),
    ("critical:lambda=1,direction=1|x", "direction"),
    ("python:no_such_module_xyz:f", "could not be loaded"),
    ("python:nomodule", "python:package.module:attribute"),
])
def test_error_parsing_errors(spec, fragment):
    with pytest.raises(SamplerError) as info:
        parse_error(spec)
    assert fragment in str(info.value)


def test_error_parsing_accepts_exact_parameters():
    err = parse_error("critical:lambda=1/2")
    assert err.family == "critical" and err.scale == F(1, 2)
    with pytest.raises(SamplerError):
        run_sampler(_floats(TRIANGLE), [[0.0, 0.0]], SamplerSpec(builtin_schedule("linear"), "nonsense", 4))


def _entrywise_balls(data, starts, spec, digits):
    """Reference: the ball sampler written entry by entry (arb scalars, no matrix rows)."""
    from flint import arb, arb_mat, ctx, fmpq

    from verify.sampling.coefficients import compiled_schedule, time_grid

    with ctx.workdps(digits):
        times = time_grid(spec.steps, spec.t_start)
        co = compiled_schedule(spec.schedule, spec.method).balls(times)
        h = arb(fmpq(spec.h.numerator, spec.h.denominator))
        X = [[arb(fmpq(v.numerator, v.denominator)) for v in row] for row in data]
        Xm = arb_mat(X)
        half = [sum((v * v for v in row), F(0)) / 2 for row in data]
        Z = [[arb(fmpq(v.numerator, v.denominator)) for v in row] for row in starts]
        for k in range(len(times)):
            p = co["alpha"][k] / (co["sigma"][k] * co["sigma"][k])
            q = co["alpha"][k] * co["alpha"][k] / (co["sigma"][k] * co["sigma"][k])
            Zf, Xf = _floats([[v.mid() for v in row] for row in Z]), _floats(data)
            half_f = np.array([float(v) for v in half])
            tops = np.argmax(float(p.mid()) * (Zf @ Xf.T) - float(q.mid()) * half_f, 1)
            weights = []
            for zr, top in zip(Z, tops, strict=True):
                Dt = arb_mat([[X[j][c] - X[top][c] for j in range(len(X))] for c in range(len(zr))])
                g = (arb_mat([zr]) * Dt).tolist()[0]
                gaps = [arb(fmpq((hj - half[top]).numerator, (hj - half[top]).denominator)) for hj in half]
                E = [(p * gj - q * gap).exp() if j != top else arb(1)
                     for j, (gj, gap) in enumerate(zip(g, gaps, strict=True))]
                total = sum(E[1:], E[0])
                weights.append([e / total for e in E])
            m = (arb_mat(weights) * Xm).tolist()
            A, C = 1 - h * co["a"][k], -h * co["c"][k]
            Z = [[A * z + C * mj for z, mj in zip(zr, mr, strict=True)] for zr, mr in zip(Z, m, strict=True)]
        return Z


@pytest.mark.parametrize("name", ["linear-brownian", "trigonometric"])
def test_ball_rows_are_the_entrywise_balls(name):
    """The row-matrix ball sampler gives the very balls (midpoints and radii) of the entrywise
    formulas: e.g. p * g in that order (arb_mul is not symmetric in its radius)."""
    rng = np.random.default_rng(3)
    data = [[F(v) for v in row] for row in rng.standard_normal((12, 3))]
    starts = [[F(v) for v in row] for row in 2 * rng.standard_normal((5, 3))]
    spec = SamplerSpec(builtin_schedule(name), "euler", 8, F(1, 2))
    got = run_sampler(data, starts, spec, digits=40).endpoints
    want = _entrywise_balls(data, starts, spec, 40)
    for gr, wr in zip(got, want, strict=True):
        for a, b in zip(gr, wr, strict=True):
            assert (a.mid().man_exp(), a.rad().man_exp()) == (b.mid().man_exp(), b.rad().man_exp())


def test_brownian_balls_are_shared_but_fresh_lists():
    """The balls of the same draws are computed once per precision: equal balls, fresh row lists,
    and another precision gives other balls."""
    from flint import ctx

    paths = BrownianPaths(5, paths=2, d=3, fine_steps=6)  # r = 3: an inexact 1/sqrt(r)
    with ctx.workdps(30):
        first = paths.normal_balls(2, 1)
        first[0][0] = None
        again = BrownianPaths(5, paths=2, d=3, fine_steps=6).normal_balls(2, 1)
        assert again[0][0] is not None
    with ctx.workdps(60):
        finer = paths.normal_balls(2, 1)
    for a, b in zip(again[1], finer[1], strict=True):
        assert a.overlaps(b) and float(b.rad()) < float(a.rad())

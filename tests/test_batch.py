"""The float64 batch mode agrees with the certified engine and flags what it cannot trust."""

from __future__ import annotations

import math
import random
from fractions import Fraction

import numpy as np
import pytest

from verify.datasets import load_dataset
from verify.engine import batch as batch_mod
from verify.engine.batch import FieldEvaluator, batch_endpoints, tail_certificate_np
from verify.engine.certificate import tail_certificate
from verify.engine.endpoint import certify_endpoint


def _exact_index(data, start) -> int:
    res = certify_endpoint(data, [Fraction(float(v)) for v in start], digits=30, recheck=False)
    return res.index if res.status == "training-sample" else -1


def _random_rational_set(seed: int, n: int, d: int) -> list[list[Fraction]]:
    rnd = random.Random(seed)
    return [[Fraction(rnd.randint(-40, 40), rnd.randint(1, 9)) for _ in range(d)] for _ in range(n)]


@pytest.mark.parametrize("spec", ["builtin:triangle", "builtin:line5", "random"])
def test_agrees_with_certified_engine(spec):
    data = _random_rational_set(7, 7, 3) if spec == "random" else load_dataset(spec)
    d = len(data[0])
    starts = np.random.default_rng(11).standard_normal((20, d)) * 2.0
    res = batch_endpoints(data, starts, recheck="never")
    assert res.trusted.all(), res.reason
    assert not res.rechecked
    expected = [_exact_index(data, z) for z in starts]
    assert res.index.tolist() == expected
    assert (res.commit_snr > 0).all() and np.isfinite(res.tail_radius).all()
    summary = res.summary()
    assert summary["certified"] == 1.0 and summary["flagged"] == 0.0
    assert res.evaluations >= 6 * res.steps


def test_float_array_data_and_duplicates():
    data = load_dataset("builtin:duplicates")
    starts = np.random.default_rng(3).standard_normal((12, 2)) * 2.0
    as_floats = np.array([[float(v) for v in row] for row in data])
    a = batch_endpoints(data, starts, recheck="never")
    b = batch_endpoints(as_floats, starts, recheck="never")
    assert a.index.tolist() == b.index.tolist()
    assert a.trusted.all() and b.trusted.all()
    assert 2 not in a.index.tolist()  # rows 1 and 2 are one location: the smallest row is reported
    assert a.index.tolist() == [_exact_index(data, z) for z in starts]


def test_exact_tie_is_flagged_and_recheck_finds_the_tie():
    data = load_dataset("builtin:square")  # (1,0),(0,1),(-1,0),(0,-1); start on their mirror
    res = batch_endpoints(data, np.array([[1.0, 1.0]]), recheck="auto")
    assert not res.trusted[0]
    assert res.final[0] == -1  # never reported as a training sample
    check = res.rechecked[0]
    assert check.status == "tie" and check.tie_kind == "exact" and check.tie_set == [0, 1]
    assert check.exact_endpoint == [Fraction(1, 2), Fraction(1, 2)]
    never = batch_endpoints(data, np.array([[1.0, 1.0]]), recheck="never")
    assert not never.trusted[0] and not never.rechecked and never.final[0] == -1


def test_near_tie_is_flagged_and_recheck_resolves_it():
    data = load_dataset("builtin:square")
    starts = np.array([[1.0, 1.0 + 1e-14], [1.0, 1.0 - 1e-14]])
    res = batch_endpoints(data, starts, recheck="auto")
    assert not res.trusted.any()
    assert set(res.reason) == {"near-tie"}
    assert res.rechecked[0].status == "training-sample" and res.rechecked[0].index == 1
    assert res.rechecked[1].status == "training-sample" and res.rechecked[1].index == 0
    assert res.final.tolist() == [1, 0]
    summary = res.summary()
    assert summary["flagged"] == 1.0 and summary["rechecked"] == 1.0


def test_starts_at_a_basin_boundary_are_flagged_or_right():
    """Bisect to within ~1e-13 of float64 basin boundaries: every verdict there must be flagged
    (or, if trusted, agree with the exact engine). This is the case the gap rule alone misses:
    the float64 error is amplified ~1e10 while the top-two gap stays large."""
    data = _random_rational_set(7, 7, 3)
    rng = np.random.default_rng(0)
    a, b = rng.standard_normal((12, 3)) * 2, rng.standard_normal((12, 3)) * 2
    ia = batch_endpoints(data, a, recheck="never").index
    ib = batch_endpoints(data, b, recheck="never").index
    keep = ia != ib
    a, b, ia = a[keep][:6], b[keep][:6], ia[keep][:6]
    assert len(a) >= 4
    for _ in range(44):
        mid = (a + b) / 2
        same = batch_endpoints(data, mid, recheck="never").index == ia
        a[same], b[~same] = mid[same], mid[~same]
    unit = (b - a) / np.linalg.norm(b - a, axis=1)[:, None]
    near = np.vstack([a - 1e-12 * unit, b + 1e-12 * unit])
    res = batch_endpoints(data, near, recheck="never")
    assert np.count_nonzero(~res.trusted) >= len(near) - 2
    for row in np.flatnonzero(res.trusted):
        assert res.index[row] == _exact_index(data, near[row])
    far = batch_endpoints(data, np.vstack([a - 1e-2 * unit, b + 1e-2 * unit]), recheck="never")
    assert far.trusted.all()


# float64 starts ~1e-12 from a float64 basin boundary of this set: with the accumulated local
# errors alone (no growth along the tangent flow) all were trusted, and all but the third wrong
_BOUNDARY_STARTS = [
    [-0.5749624218366163, -0.86607641554479, 0.14365904304802782],
    [-0.7800605938554606, -0.515133309151252, 0.4661227468402512],
    [-1.4279758697824487, -1.0923154904859391, 0.8799701475989237],
    [-0.6365925776216608, -0.26244376161116645, 0.4183521356574903],
    [-2.392951323020082, -1.3750125339318733, 1.7428935041175282],
    [-1.2412401558852633, -2.316159725203728, 0.13270102562893085],
]


def test_error_growth_flags_known_boundary_starts():
    data = _random_rational_set(7, 7, 3)
    res = batch_endpoints(data, np.array(_BOUNDARY_STARTS), recheck="never")
    assert not res.trusted.any(), res.reason
    assert (res.logit_error > batch_mod.ETA_MAX).all()
    assert res.index[0] == 5 and _exact_index(data, _BOUNDARY_STARTS[0]) == 4


def test_collapsed_rationals_are_not_trusted():
    data = [[Fraction(1, 3), Fraction(0)], [Fraction(1, 3) + Fraction(1, 10**30), Fraction(0)],
            [Fraction(-2), Fraction(1)]]
    res = batch_endpoints(data, np.array([[3.0, 0.0]]), recheck="never")
    assert res.index[0] == 0 and not res.trusted[0] and res.reason[0] == "collapsed"


def _exp(v: float) -> float:
    return math.exp(v) if v < 700 else math.inf


@pytest.mark.parametrize("K", [1, 3, 7])
def test_one_pass_radius_search_equals_the_loop(K):
    """The one-pass search over the lemma's radii returns the loop's radii and slacks bit for bit."""
    rng = np.random.default_rng(K)
    B = 300
    rho = rng.uniform(0.0, 3.0, B) * 10.0 ** rng.integers(-8, 1, size=B)
    rho[rng.random(B) < 0.3] = 0.0
    ell0 = rng.uniform(0.2, 6.0, B)
    lam = rng.uniform(0.3, 3.0, (B, K))
    a = lam * lam / 2 * rng.uniform(0.5, 1.5, (B, K))
    a[rng.random((B, K)) < 0.05] = 0.0
    D = lam * rng.uniform(0.5, 3.0, (B, K))
    mask = rng.random((B, K)) < 0.8
    base = np.where(rho > 0, rho, ell0 * np.where(mask, 2 * a / lam, np.inf).min(axis=1) / 8)
    out = []
    for search in (batch_mod._radius_loop, batch_mod._first_radius):
        R, slack = np.full(B, np.nan), np.full(B, np.nan)
        with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
            search(mask.any(axis=1), rho, ell0, base, a, lam, D, mask, R, slack)
        out.append((R.tobytes(), slack.tobytes()))
    assert out[0] == out[1]
    assert np.isfinite(np.frombuffer(out[0][0])).sum() > 20  # radii found, not only NaN


def test_numpy_certificate_matches_scalar_version():
    rng = np.random.default_rng(5)
    B, K = 400, 6
    rho = rng.uniform(0.0, 3.0, B)
    rho[:20] = 0.0
    ell0 = rng.uniform(0.2, 6.0, B)
    lam = rng.uniform(0.3, 3.0, (B, K))
    a = lam * lam / 2 * rng.uniform(0.5, 1.5, (B, K))
    D = lam * rng.uniform(0.5, 3.0, (B, K))
    mask = rng.random((B, K)) < 0.8
    mask[:5] = False  # no terms at all
    R, slack = tail_certificate_np(rho, ell0, a, lam, D, mask)
    passed = 0
    for b in range(B):
        terms = [(a[b, i], lam[b, i], D[b, i]) for i in range(K) if mask[b, i]]
        ref = tail_certificate(float(rho[b]), float(ell0[b]), terms, _exp)
        if ref is None:
            assert np.isnan(R[b]), b
        else:
            passed += 1
            assert R[b] == pytest.approx(ref[0], rel=1e-14), b
            assert slack[b] == pytest.approx(ref[1], rel=1e-9, abs=1e-12 * ref[0]), b
    assert 50 < passed < B - 50  # both outcomes are exercised


def test_truncated_terms_bound_the_full_sum(monkeypatch):
    """With only the nearest few locations kept, a passing certificate also passes in full."""
    monkeypatch.setattr(batch_mod, "NEAREST", 3)
    rng = np.random.default_rng(2)
    X = rng.standard_normal((40, 3))
    X[5] = X[4]  # a duplicate: counted with its multiplicity
    geo = batch_mod._geometry(X, None)
    n = geo.X.shape[0]
    checked = 0
    for u in range(n):
        others = [v for v in range(n) if v != u]
        full = []
        for v in others:
            delta = float(np.linalg.norm(geo.X[u] - geo.X[v]))
            full += [(delta * delta / 2, delta, delta)] * int(geo.mult[v])
        for ell in (1.0, 2.0, 4.0, 8.0):
            rho = 1.0
            R, slack = tail_certificate_np(np.array([rho]), np.array([ell]), geo.a[u:u + 1],
                                           geo.lam[u:u + 1], geo.D[u:u + 1], geo.mask[u:u + 1])
            if np.isfinite(R[0]):
                checked += 1
                ref = tail_certificate(rho, ell, full, _exp, radii=[float(R[0])])
                assert ref is not None and ref[1] >= slack[0] * (1 - 1e-12)
    assert checked > 20


def test_field_matches_direct_softmax():
    rng = np.random.default_rng(1)
    X = rng.standard_normal((30, 4))
    Y = rng.standard_normal((25, 4)) * 3
    ell = rng.uniform(0, 5, 25)
    fe = FieldEvaluator(X)
    g = ell[:, None] * (Y @ X.T) - ell[:, None] ** 2 * (X * X).sum(1)[None, :] / 2
    w = np.exp(g - g.max(1, keepdims=True))
    w /= w.sum(1, keepdims=True)
    lead = rng.integers(0, 30, 25)  # any lead is a valid shift (far ones fall back)
    for ld in (None, lead):
        m, info, _ = fe(Y, ell, ld, top=True)
        np.testing.assert_allclose(m, w @ X, rtol=1e-12, atol=1e-12)
        assert info[0].tolist() == g.argmax(1).tolist()
        top2 = np.sort(g, axis=1)[:, -2:]
        np.testing.assert_allclose(info[2], top2[:, 1] - top2[:, 0], rtol=1e-9, atol=1e-9)


def test_bad_arguments():
    data = load_dataset("builtin:triangle")
    with pytest.raises(ValueError, match="recheck"):
        batch_endpoints(data, np.zeros((1, 2)), recheck="sometimes")
    with pytest.raises(ValueError, match="dimension"):
        batch_endpoints(data, np.zeros((1, 3)))

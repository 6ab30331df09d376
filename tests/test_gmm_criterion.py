"""EDGE-DEF22: the memorization criterion ||x - x_(1)||^2 < (1/9) ||x - x_(2)||^2 over the training set."""

from __future__ import annotations

from fractions import Fraction

import numpy as np
import pytest
from hypothesis import assume, given
from hypothesis import strategies as st

from verify.gmm import GMMError, criterion
from verify.gmm.criterion import memorization_ratio, memorized, memorized_exact, nearest_two
from verify.strategies import points, rationals, training_sets

# dyadic rationals with small numerators: every squared distance is exact in float64
DYADIC = rationals(-2, 2, max_denominator=16).filter(lambda q: q.denominator & (q.denominator - 1) == 0)
POSITIVE = rationals(Fraction(1, 8), 4, max_denominator=8)


def _floats(rows) -> np.ndarray:
    return np.array([[float(v) for v in row] for row in rows], dtype=float)


def _signed_permutation(d: int, data: st.DataObject) -> tuple[list[int], list[int]]:
    perm = data.draw(st.permutations(range(d)))
    signs = data.draw(st.lists(st.sampled_from([-1, 1]), min_size=d, max_size=d))
    return list(perm), signs


# -- the definition on constructed cases --------------------------------------------------------------

@given(points(3, elements=DYADIC), points(3, elements=DYADIC), st.data())
def test_exact_boundary_is_not_memorized_and_inside_is(x, u, data):
    assume(any(u))
    perm, signs = _signed_permutation(3, data)
    v = tuple(3 * s * u[p] for p, s in zip(perm, signs, strict=True))  # |v|^2 = 9 |u|^2 exactly
    near = tuple(a + b for a, b in zip(x, u, strict=True))
    second = tuple(a + b for a, b in zip(x, v, strict=True))
    assert memorized_exact([x], [near, second]) == [False]  # 1/9 exactly: strict inequality fails
    assert not memorized(_floats([x]), _floats([near, second]))[0]
    closer = tuple(a + b / 2 for a, b in zip(x, u, strict=True))  # ratio 1/36
    assert memorized_exact([x], [closer, second]) == [True]
    assert memorized(_floats([x]), _floats([closer, second]))[0]


@given(points(2, elements=DYADIC), points(2, elements=DYADIC))
def test_ties_and_duplicates_are_not_memorized(x, u):
    assume(any(u))
    plus = tuple(a + b for a, b in zip(x, u, strict=True))
    minus = tuple(a - b for a, b in zip(x, u, strict=True))
    assert memorized_exact([x], [plus, minus]) == [False]  # d1 = d2
    assert memorized_exact([x], [x, x, plus]) == [False]  # duplicate at distance 0: 0 < 0 is false
    assert memorized_exact([x], [x, plus]) == [True]  # a unique training point at distance 0
    assert list(memorized(_floats([x, x]), _floats([x, x, plus]))) == [False, False]
    assert memorized(_floats([x]), _floats([x, plus]))[0]


def test_one_dimensional_boundary_by_hand():
    # x = 1, training points 0 and 4: squared distances 1 and 9 -> ratio exactly 1/9
    assert memorized_exact([[1]], [[0], [4]]) == [False]
    assert memorized_exact([[Fraction(99, 100)]], [[0], [4]]) == [True]
    assert memorized_exact([[Fraction(101, 100)]], [[0], [4]]) == [False]
    flags = memorized(np.array([[1.0], [0.99], [1.01]]), np.array([[0.0], [4.0]]))
    assert list(flags) == [False, True, False]


# -- float implementation against the exact one --------------------------------------------------------

@given(training_sets(n=st.integers(2, 6), d=3, elements=DYADIC),
       st.lists(points(3, elements=DYADIC), min_size=1, max_size=6))
def test_float_equals_exact_on_dyadic_inputs(train, samples):
    assert list(memorized(_floats(samples), _floats(train))) == memorized_exact(samples, train)


def test_float_disagrees_with_exact_only_within_rounding():
    rng = np.random.default_rng(5)
    disagreements = 0
    for _ in range(300):
        d = int(rng.integers(2, 6))
        x, u = rng.normal(size=d), rng.normal(size=d)
        q, _ = np.linalg.qr(rng.normal(size=(d, d)))
        train = np.vstack([x + u, x + 3 * (q @ u)])
        got = bool(memorized(x[None], train)[0])
        exact = memorized_exact([[Fraction(v) for v in x]], [[Fraction(v) for v in r] for r in train])[0]
        if got != exact:
            disagreements += 1
            assert criterion.float_margin(x[None], train)[0] < 1e-14
    assert disagreements > 0  # the cases do straddle the boundary


# -- invariances -----------------------------------------------------------------------------------

@given(training_sets(n=st.integers(2, 5), d=2), st.lists(points(2), min_size=1, max_size=4),
       points(2), POSITIVE, st.data())
def test_exact_criterion_invariances(train, samples, shift, scale, data):
    ref = memorized_exact(samples, train)
    moved = [[a + b for a, b in zip(r, shift, strict=True)] for r in train]
    moved_s = [[a + b for a, b in zip(r, shift, strict=True)] for r in samples]
    assert memorized_exact(moved_s, moved) == ref
    scaled_s, scaled = ([[scale * a for a in r] for r in rows] for rows in (samples, train))
    assert memorized_exact(scaled_s, scaled) == ref
    order = data.draw(st.permutations(range(len(train))))
    assert memorized_exact(samples, [train[i] for i in order]) == ref
    perm, signs = _signed_permutation(2, data)

    def rot(r):
        return [s * r[p] for p, s in zip(perm, signs, strict=True)]

    assert memorized_exact([rot(r) for r in samples], [rot(r) for r in train]) == ref


def test_float_invariances_and_plain_distance_form():
    rng = np.random.default_rng(11)
    train = rng.integers(-40, 41, (25, 4)).astype(float)
    samples = train[rng.integers(0, 25, 300)] + rng.integers(-10, 11, (300, 4))
    ref = memorized(samples, train)
    assert 0.1 < ref.mean() < 0.9
    assert np.array_equal(memorized(samples, train[rng.permutation(25)]), ref)
    assert np.array_equal(memorized(samples + 123.0, train + 123.0), ref)
    assert np.array_equal(memorized(samples * 2.0**-5, train * 2.0**-5), ref)
    d1, d2, idx = nearest_two(samples, train)
    assert np.all(d1 <= d2)
    assert np.allclose(d1, ((samples - train[idx]) ** 2).sum(axis=1))
    assert np.array_equal(np.sqrt(d1) < np.sqrt(d2) / 3, ref)  # the authors' 1/3 on plain distances
    assert memorization_ratio(samples, train) == pytest.approx(ref.mean())


def test_chunking_gives_the_same_flags(monkeypatch):
    rng = np.random.default_rng(2)
    train = rng.normal(size=(30, 5))
    samples = train[rng.integers(0, 30, 101)] + 0.2 * rng.normal(size=(101, 5))
    ref = memorized(samples, train)
    monkeypatch.setattr(criterion, "_CHUNK_ELEMENTS", 7 * 30 * 5)
    assert np.array_equal(memorized(samples, train), ref)


# -- errors -------------------------------------------------------------------------------------------

@pytest.mark.parametrize("samples, train", [
    (np.zeros((2, 3)), np.zeros((1, 3))),  # N = 1: no second neighbour
    (np.zeros((2, 3)), np.zeros((4, 2))),  # dimension mismatch
    (np.array([[np.nan, 0.0]]), np.zeros((3, 2))),
    (np.zeros((2, 2)), np.array([[0.0, np.inf], [1.0, 1.0]])),
    (np.zeros(3), np.zeros((4, 3))),  # not 2-D
])
def test_invalid_input_raises(samples, train):
    with pytest.raises(GMMError):
        memorized(samples, train)


def test_ratio_needs_samples_and_exact_needs_two_points():
    assert memorized(np.zeros((0, 2)), np.eye(2)).shape == (0,)
    with pytest.raises(GMMError):
        memorization_ratio(np.zeros((0, 2)), np.eye(2))
    with pytest.raises(GMMError):
        memorized_exact([[0]], [[1]])
    with pytest.raises(GMMError):
        memorized_exact([[0, 1]], [[1], [2]])

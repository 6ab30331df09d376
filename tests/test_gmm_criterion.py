"""EDGE-DEF22 and EDGE-DEF22-CODE: the memorization criterion ||x - x_(1)||^2 <= c ||x - x_(2)||^2 over the
training set (the paper's form, the default: c = 1/9, non-strict) and the authors' strict reading."""

from __future__ import annotations

from fractions import Fraction

import numpy as np
import pytest
from hypothesis import assume, given
from hypothesis import strategies as st

from verify.gmm import GMMError, criterion
from verify.gmm.criterion import (
    exact_nearest_two,
    float_margin,
    memorization_ratio,
    memorized,
    memorized_exact,
    nearest_two,
    threshold,
)
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
def test_exact_boundary_is_memorized_by_the_paper_and_not_by_the_code(x, u, data):
    assume(any(u))
    perm, signs = _signed_permutation(3, data)
    v = tuple(3 * s * u[p] for p, s in zip(perm, signs, strict=True))  # |v|^2 = 9 |u|^2 exactly
    near = tuple(a + b for a, b in zip(x, u, strict=True))
    second = tuple(a + b for a, b in zip(x, v, strict=True))
    assert memorized_exact([x], [near, second]) == [True]  # 1/9 exactly: the paper's <= holds
    assert memorized(_floats([x]), _floats([near, second]))[0]
    assert memorized_exact([x], [near, second], strict=True) == [False]  # the authors' < fails
    assert not memorized(_floats([x]), _floats([near, second]), strict=True)[0]
    closer = tuple(a + b / 2 for a, b in zip(x, u, strict=True))  # ratio 1/36
    farther = tuple(a + b / 2 for a, b in zip(x, v, strict=True))  # ratio 4/9
    for strict in (False, True):
        assert memorized_exact([x], [closer, second], strict=strict) == [True]
        assert memorized(_floats([x]), _floats([closer, second]), strict=strict)[0]
        assert memorized_exact([x], [near, farther], strict=strict) == [False]


@given(points(2, elements=DYADIC), points(2, elements=DYADIC))
def test_ties_are_not_memorized_and_duplicates_split_the_readings(x, u):
    assume(any(u))
    plus = tuple(a + b for a, b in zip(x, u, strict=True))
    minus = tuple(a - b for a, b in zip(x, u, strict=True))
    for strict in (False, True):
        assert memorized_exact([x], [plus, minus], strict=strict) == [False]  # d1 = d2 > 0
        assert memorized_exact([x], [x, plus], strict=strict) == [True]  # a unique training point at 0
        assert memorized(_floats([x]), _floats([x, plus]), strict=strict)[0]
    assert memorized_exact([x], [x, x, plus]) == [True]  # duplicate at distance 0: 0 <= 0
    assert memorized_exact([x], [x, x, plus], strict=True) == [False]  # 0 < 0 is false
    assert list(memorized(_floats([x, x]), _floats([x, x, plus]))) == [True, True]
    assert list(memorized(_floats([x, x]), _floats([x, x, plus]), strict=True)) == [False, False]


def test_one_dimensional_boundary_by_hand():
    # x = 1, training points 0 and 4: squared distances 1 and 9 -> ratio exactly 1/9
    assert memorized_exact([[1]], [[0], [4]]) == [True]
    assert memorized_exact([[1]], [[0], [4]], strict=True) == [False]
    assert memorized_exact([[Fraction(99, 100)]], [[0], [4]]) == [True]
    assert memorized_exact([[Fraction(101, 100)]], [[0], [4]]) == [False]
    samples, train = np.array([[1.0], [0.99], [1.01]]), np.array([[0.0], [4.0]])
    assert list(memorized(samples, train)) == [True, True, False]
    assert list(memorized(samples, train, strict=True)) == [False, True, False]
    assert list(memorized(samples, train, Fraction(1, 9), False)) == [True, True, False]


def test_the_pipeline_applies_the_authors_strict_reading():
    from verify.gmm import sampling

    samples, train = np.array([[1.0], [0.99], [0.0], [0.0]]), np.array([[0.0], [4.0]])
    assert list(sampling.memorized(samples[:2], train)) == [False, True]
    assert list(sampling.memorized(samples[2:], np.array([[0.0], [0.0], [4.0]]))) == [False, False]
    assert sampling.memorization_ratio(samples[:2], train) == 0.5


# -- a general constant c ---------------------------------------------------------------------------------

SMALL_C = st.builds(Fraction, st.integers(1, 12), st.integers(1, 12)).filter(lambda c: 0 < c <= 1)


@given(training_sets(n=st.integers(2, 5), d=2, elements=DYADIC),
       st.lists(points(2, elements=DYADIC), min_size=1, max_size=5), SMALL_C, st.booleans())
def test_general_c_float_equals_exact_on_dyadic_inputs(train, samples, c, strict):
    got = memorized(_floats(samples), _floats(train), c, strict)
    assert list(got) == memorized_exact(samples, train, c, strict)


@given(training_sets(n=st.integers(2, 5), d=2), st.lists(points(2), min_size=1, max_size=5), SMALL_C, SMALL_C)
def test_the_memorized_set_grows_with_c(train, samples, c1, c2):
    small, large = sorted((c1, c2))
    a, b = memorized_exact(samples, train, small), memorized_exact(samples, train, large)
    assert all(y for x, y in zip(a, b, strict=True) if x)


def test_exact_boundary_for_other_constants():
    # x = 0, training points 1 and 2: ratio 1/4 exactly; 1 and 4: 1/16
    for far, c in ((2, Fraction(1, 4)), (4, Fraction(1, 16))):
        assert memorized_exact([[0]], [[1], [far]], c) == [True]
        assert memorized_exact([[0]], [[1], [far]], c, strict=True) == [False]
        assert list(memorized(np.zeros((1, 1)), np.array([[1.0], [float(far)]]), c)) == [True]
        assert list(memorized(np.zeros((1, 1)), np.array([[1.0], [float(far)]]), c, strict=True)) == [False]
    # c = 1: a tie is memorized by the non-strict reading only
    assert memorized_exact([[0]], [[1], [-1]], 1) == [True]
    assert memorized_exact([[0]], [[1], [-1]], 1, strict=True) == [False]


@pytest.mark.parametrize("c", [0, -1, 2, Fraction(10, 9), float("nan"), float("inf"), True, "x", None])
def test_the_constant_must_lie_in_the_unit_interval(c):
    with pytest.raises(GMMError):
        threshold(c)
    with pytest.raises(GMMError):
        memorized(np.zeros((1, 2)), np.eye(2), c)


def test_threshold_reads_numbers_exactly():
    assert threshold("1/9") == Fraction(1, 9) and threshold(0.25) == Fraction(1, 4)
    assert threshold(np.float64(0.5)) == Fraction(1, 2) and threshold(1) == 1


def test_exact_nearest_two_matches_fractions():
    rng = np.random.default_rng(3)
    train, samples = rng.normal(size=(6, 3)), rng.normal(size=(4, 3))
    got = exact_nearest_two(samples.tolist(), train.tolist())
    for x, (d1, d2) in zip(samples, got, strict=True):
        sq = sorted(sum((Fraction(float(a)) - Fraction(float(b))) ** 2 for a, b in zip(x, row, strict=True))
                    for row in train)
        assert (d1, d2) == (sq[0], sq[1])
    third = exact_nearest_two([[Fraction(1, 3)]], [[0], [Fraction(1, 2)], [2]])
    assert third == [(Fraction(1, 36), Fraction(1, 9))]


# -- float implementation against the exact one --------------------------------------------------------

@given(training_sets(n=st.integers(2, 6), d=3, elements=DYADIC),
       st.lists(points(3, elements=DYADIC), min_size=1, max_size=6), st.booleans())
def test_float_equals_exact_on_dyadic_inputs(train, samples, strict):
    assert (list(memorized(_floats(samples), _floats(train), strict=strict))
            == memorized_exact(samples, train, strict=strict))


@pytest.mark.parametrize("strict", [False, True])
def test_float_disagrees_with_exact_only_within_rounding(strict):
    rng = np.random.default_rng(5)
    disagreements = 0
    for _ in range(300):
        d = int(rng.integers(2, 6))
        x, u = rng.normal(size=d), rng.normal(size=d)
        q, _ = np.linalg.qr(rng.normal(size=(d, d)))
        train = np.vstack([x + u, x + 3 * (q @ u)])
        got = bool(memorized(x[None], train, strict=strict)[0])
        exact = memorized_exact([[Fraction(v) for v in x]], [[Fraction(v) for v in r] for r in train],
                                strict=strict)[0]
        if got != exact:
            disagreements += 1
            assert float_margin(x[None], train)[0] < 1e-14
    assert disagreements > 0  # the cases do straddle the boundary


def test_the_readings_agree_off_the_boundary():
    rng = np.random.default_rng(9)
    train = rng.normal(size=(20, 4))
    samples = train[rng.integers(0, 20, 500)] + rng.exponential(1.0, (500, 1)) * rng.normal(size=(500, 4))
    assert float_margin(samples, train).min() > 1e-12
    assert np.array_equal(memorized(samples, train), memorized(samples, train, strict=True))


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
    strict = memorized(samples, train, strict=True)
    assert np.array_equal(np.sqrt(d1) < np.sqrt(d2) / 3, strict)  # the authors' 1/3 on plain distances
    assert np.array_equal(np.sqrt(d1) <= np.sqrt(d2) / 3, ref)
    assert memorization_ratio(samples, train) == pytest.approx(ref.mean())
    assert memorization_ratio(samples, train, strict=True) == pytest.approx(strict.mean())


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

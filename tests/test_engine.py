"""The certified endpoint engine: certificates, ties, precision, and agreement with odefun."""

from __future__ import annotations

import math
from fractions import Fraction as F

import mpmath
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from verify.engine.certificate import group_terms, orbit, symmetry_permutations, tail_certificate
from verify.engine.endpoint import EngineError, certify_endpoint

TRIANGLE = [[F(0), F(0)], [F(2), F(0)], [F(1), F(2)]]
SQUARE = [[F(1), F(0)], [F(0), F(1)], [F(-1), F(0)], [F(0), F(-1)]]


def odefun_endpoint_guess(data, start, ell_end=6):
    """Independent reference: mpmath.odefun on dy/dl to a large SNR, then the nearest atom of y/l."""
    X = [[mpmath.mpf(v.numerator) / v.denominator for v in row] for row in data]

    def m(ell, y):
        g = [ell * sum(a * b for a, b in zip(y, x, strict=True)) - ell**2 * sum(a * a for a in x) / 2
             for x in X]
        top = max(g)
        e = [mpmath.exp(v - top) for v in g]
        s = sum(e)
        return [sum(ei * x[j] for ei, x in zip(e, X, strict=True)) / s for j in range(len(y))]

    with mpmath.workdps(20):
        sol = mpmath.odefun(m, 0, [mpmath.mpf(v.numerator) / v.denominator for v in start])
        y = sol(ell_end)
        z = [v / ell_end for v in y]
        return min(range(len(X)), key=lambda i: sum((a - b) ** 2 for a, b in zip(z, X[i], strict=True)))


@pytest.mark.parametrize("start", [[F(2, 5), F(3, 5)], [F(-1), F(1)], [F(3), F(-2)]])
def test_endpoint_agrees_with_an_independent_integrator(start):
    r = certify_endpoint(TRIANGLE, start, digits=30)
    assert r.status == "training-sample"
    assert r.index == odefun_endpoint_guess(TRIANGLE, start)
    assert r.exact_endpoint == TRIANGLE[r.index]
    assert float(r.tail_radius) > 0 and float(r.commit_snr) > 0


def test_exact_ties_end_between_atoms():
    centre = certify_endpoint(SQUARE, [F(0), F(0)], digits=30)
    assert (centre.status, centre.tie_kind, centre.exact_endpoint) == ("tie", "exact", [0, 0])
    assert centre.index is None and centre.tie_set == [0, 1, 2, 3]
    diagonal = certify_endpoint(SQUARE, [F(1), F(1)], digits=30)
    assert diagonal.tie_kind == "exact" and diagonal.exact_endpoint == [F(1, 2), F(1, 2)]
    assert diagonal.tie_set == [0, 1]


def test_near_tie_resolved_or_unresolved_by_precision():
    near = [F(1), F(1) + F(1, 10**10)]
    assert certify_endpoint(SQUARE, near, digits=30).index == 1
    too_near = certify_endpoint(SQUARE, [F(1), F(1) + F(1, 10**45)], digits=30)
    assert too_near.status == "tie" and too_near.tie_kind == "unresolved"
    assert too_near.index is None and set(too_near.tie_set) >= {0, 1}
    assert certify_endpoint(SQUARE, [F(1), F(1) + F(1, 10**45)], digits=70).index == 1


def test_commit_snr_follows_the_near_tie_law():
    pair = [[F(-1), F(0)], [F(1), F(0)]]
    for k in (10, 30):
        r = certify_endpoint(pair, [F(1, 10**k), F(1, 2)], digits=k + 20, recheck=False)
        assert r.index == 1
        predicted = math.sqrt(8 * k * math.log(10)) / 2
        assert abs(float(r.commit_snr) - predicted) < 0.1 * predicted


def test_duplicates_and_single_atom():
    dup = certify_endpoint([[F(0), F(0)], [F(1), F(1)], [F(1), F(1)]], [F(1), F(1)], digits=30)
    assert dup.status == "training-sample" and dup.exact_endpoint == [1, 1]
    one = certify_endpoint([[F(3), F(-1)]], [F(0), F(0)], digits=30)
    assert one.index == 0 and one.exact_endpoint == [3, -1]


def test_bad_shapes():
    with pytest.raises(EngineError):
        certify_endpoint([], [F(0)])
    with pytest.raises(EngineError):
        certify_endpoint(TRIANGLE, [F(0)])
    with pytest.raises(EngineError):
        certify_endpoint([[F(0)], [F(1), F(2)]], [F(0)])


def test_symmetries_are_exact():
    perms = symmetry_permutations(SQUARE, [F(0), F(0)])
    assert orbit(0, perms, SQUARE) == (0, 1, 2, 3)
    perms = symmetry_permutations(SQUARE, [F(1), F(1)])
    assert orbit(0, perms, SQUARE) == (0, 1) and orbit(2, perms, SQUARE) == (2, 3)
    assert symmetry_permutations(TRIANGLE, [F(1, 3), F(1, 7)]) == []
    centre, terms, others = group_terms(SQUARE, (0, 1))
    assert centre == (F(1, 2), F(1, 2)) and others == [2, 3]
    assert all(a == 1 for a, _, _ in terms)


@settings(max_examples=12, deadline=None, derandomize=True)
@given(rho=st.fractions(0, 2, max_denominator=10),
       deltas=st.lists(st.fractions(F(1, 4), 4, max_denominator=8), min_size=1, max_size=3))
def test_tail_certificate_holds_on_the_lemma_s_worst_case(rho, deltas):
    """Not the lemma's formula again: the dynamics it bounds. At the first SNR j/8 where the
    certificate holds, r started at rho towards every rival never reaches R."""
    from verify.checks.flow_reference import worst_case_excursion

    terms = [(d * d / 2, d, d) for d in map(float, deltas)]
    j = 1
    while (cert := tail_certificate(float(rho), j / 8, terms, math.exp)) is None:
        j += 1
    R, slack = cert
    assert R > rho and slack > 0
    assert worst_case_excursion(rho, F(j, 8), deltas) < R


def test_tail_certificate_fails_where_it_must():
    # a rival at distance 1 with ell0 = 1 and rho = 1 cannot be certified
    assert tail_certificate(1.0, 1.0, [(0.5, 1.0, 1.0)], math.exp) is None


def test_affine_ties_for_any_norms_and_off_the_origin():
    """The two-atom criterion <Z_1, X_a - X_b> = 0 for unequal norms, and a translated square."""
    two = certify_endpoint([[F(2), F(1)], [F(-1), F(0)]], [F(-1), F(3)], digits=30)
    assert two.status == "tie" and two.tie_kind == "exact" and two.exact_endpoint == [F(1, 2), F(1, 2)]
    far = certify_endpoint([[F(100), F(1)], [F(100), F(-1)]], [F(0), F(0)], digits=30)
    assert far.status == "tie" and far.exact_endpoint == [F(100), F(0)]
    shifted = [[F(3), F(2)], [F(2), F(3)], [F(1), F(2)], [F(2), F(1)]]
    assert certify_endpoint(shifted, [F(1), F(1)], digits=30).exact_endpoint == [F(5, 2), F(5, 2)]
    assert certify_endpoint(shifted, [F(0), F(0)], digits=30).exact_endpoint == [F(2), F(2)]
    # a normal not orthogonal to the start is no symmetry: the sign rule picks the winner
    off = certify_endpoint([[F(2), F(1)], [F(-1), F(0)]], [F(-1), F(3) + F(1, 10**6)], digits=30)
    assert off.status == "training-sample" and off.index == 0


def test_outcomes_are_named_honestly():
    """A step budget that runs out is 'undecided (budget)', not a tie; an unresolved tie names
    at least the two rows it could not separate."""
    out = certify_endpoint(SQUARE, [F(1), F(1) + F(1, 10**12)], digits=30, max_steps=10)
    assert out.status == "undecided" and out.outcome == "budget" and out.tie_set == []
    assert "--max-steps" in out.detail
    near = certify_endpoint(SQUARE, [F(1), F(1) + F(1, 10**45)], digits=30)
    assert near.outcome == "precision" and len(near.tie_set) >= 2 and "--digits" in near.detail
    assert certify_endpoint(SQUARE, [F(1, 3), F(1, 7)], digits=30).outcome == "certified"


@settings(max_examples=15, deadline=None, derandomize=True)
@given(scale=st.sampled_from([F(1, 10**8), F(1, 10**4), F(1), F(10**4), F(10**8)]),
       offset=st.sampled_from([F(0), F(10**6), F(-(10**50), 3)]),
       a=st.lists(st.fractions(-5, 5, max_denominator=8), min_size=2, max_size=2),
       b=st.lists(st.fractions(-5, 5, max_denominator=8), min_size=2, max_size=2),
       z=st.lists(st.fractions(-3, 3, max_denominator=16), min_size=2, max_size=2))
def test_two_atoms_at_any_scale_and_offset_follow_the_sign_rule(scale, offset, a, b, z):
    """Exact recentring and rescaling: the answer depends on the geometry, not on units or place."""
    from verify.checks.flow_reference import two_atom_winner

    xa = [offset + scale * v for v in a]
    xb = [offset + scale * v for v in b]
    if xa == xb:
        return
    r = certify_endpoint([xa, xb], z, digits=30, recheck=False)
    want = two_atom_winner(xa, xb, z)
    if want is None:  # <Z_1, X_a - X_b> = 0: an exact tie at the midpoint, whatever the norms
        assert r.status == "tie" and r.exact_endpoint == [(p + q) / 2 for p, q in zip(xa, xb, strict=True)]
    else:
        assert r.status == "training-sample" and r.index == want, (r.status, r.outcome, r.detail)


def test_a_taylor_step_matches_the_stated_flow():
    """Every Taylor coefficient counts: one order-20 step from l = 0 against RK4 of the stated flow
    (asymmetric data, so no coefficient vanishes by symmetry)."""
    from flint import arb

    from verify.checks.flow_reference import reference_state
    from verify.engine.taylor import FlowData, taylor_step

    data = [[F(2), F(1, 2)], [F(-1), F(1)], [F(1, 4), F(-3, 2)]]
    z = [F(1, 3), F(-1, 5)]
    flow = FlowData.from_rationals(data)
    step = taylor_step(flow, [arb(v.numerator) / v.denominator for v in z], arb(0), 20, [0, 1, 2])
    for h in (F(1, 4), F(1, 2)):
        got = [float(v.mid()) for v in step.evaluate(arb(h.numerator) / h.denominator)]
        (want,) = reference_state(data, z, [float(h)], h=1 / 512)
        assert max(abs(a - b) for a, b in zip(got, want, strict=True)) < 1e-10, (h, got, want)

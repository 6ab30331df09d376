"""The registered inequalities of issue 4 (LLY26-T2, -T2-margin, -T3, LLY25-C1, LLY26-T4)."""

from __future__ import annotations

import json
from fractions import Fraction as F

import pytest
from flint import arb

from verify.falsify import falsify, inequality_for, known_inequalities, replay, write_replay
from verify.falsify.claims import ExampleError, ParameterError
from verify.falsify.inequality import decide

CLAIMS = ("LLY25-C1", "LLY25-C1-margin", "LLY26-T2", "LLY26-T2-margin", "LLY26-T3", "LLY26-T4")


def _ex(schedule="linear", steps=16, data=((F(-1),), (F(1),)), start=(F(0),), **extra):
    t_start = F(63, 64) if schedule == "vp-linear-sigma" else F(1)
    return {"schedule": schedule, "t_start": t_start, "steps": steps, "data": data, "start": start} | extra


def _verdict(claim, example, digits=40):
    return decide(inequality_for(claim), example, digits)


def test_all_claims_registered():
    assert set(CLAIMS) <= set(known_inequalities())
    for claim in CLAIMS:
        ineq = inequality_for(claim)
        assert ineq.claim == claim and ineq.description and ineq.margin is not None


def test_t2_tie_violates_and_committed_start_holds():
    # mirror tie: the Euler path stays on x = 0, distance 1 > sqrt(1/16) * (1 + 0 + 1)
    tie = _verdict("LLY26-T2", _ex())
    assert tie.verdict == "violated" and tie.method == "arb"
    assert arb(tie.lhs.split(" +/-")[0]) > 0.99
    for schedule in ("linear", "linear-brownian", "trigonometric", "vp-linear-sigma"):
        near = _verdict("LLY26-T2", _ex(schedule, 16, start=(F(3, 2),)))
        assert near.verdict == "holds", (schedule, near)


@pytest.mark.parametrize("schedule", ["linear", "linear-brownian", "trigonometric", "vp-linear-sigma"])
def test_one_atom_holds_with_c_one(schedule):
    # one atom: |Z0 - X| <= max(|g|, |c - 1|) R with max(...) <= sqrt(h) for K >= 4 (module docstring);
    # a smaller C breaks it for the sqrt(h) schedule
    one = _ex(schedule, 4, data=((F(1), F(-1)),), start=(F(2), F(-2)))
    assert _verdict("LLY26-T2", one).verdict == "holds"
    if schedule == "linear-brownian":
        small_c = decide(inequality_for("LLY26-T2", {"C": F(1, 4)}), one, 40)
        assert small_c.verdict == "violated"


def test_t2_margin_excludes_ties_and_keeps_committed_paths():
    ineq = inequality_for("LLY26-T2-margin")
    tie = decide(ineq, _ex(), 40)  # outside a search: vacuous, and says why
    assert tie.verdict == "holds" and "not met" in tie.detail["condition"]
    kept = decide(ineq, _ex(start=(F(3, 2),)), 40)
    assert kept.verdict == "holds" and "condition" not in kept.detail
    assert F(kept.detail["commit_time"]) == F(1, 4)
    # the same committed example against a tiny C: the condition does not hide real violations
    strict = inequality_for("LLY26-T2-margin", {"C": F(1, 10**12)})
    assert decide(strict, _ex("linear-brownian", start=(F(3, 2),)), 40).verdict == "violated"


def test_t3_gaussian_term_is_the_linear_image_of_the_noise():
    from derivations.discretization import one_atom_law
    from derivations.schedules import builtin_schedule

    # one atom: Z0 = g z + c X + G exactly (derivations.discretization), so Z0 - g z - c X is G
    ex = _ex("linear-brownian", 8, data=((F(1, 2),),), start=(F(3, 4),), noise_seed=3)
    dec = _verdict("LLY26-T3", ex)
    law = one_atom_law(builtin_schedule("linear-brownian"), "euler-maruyama", 8, digits=40)
    endpoint, G = arb(dec.detail["endpoint"][0]), arb(dec.detail["gaussian_term"][0])
    residual = endpoint - law.gain * arb(F(3, 4).numerator) / 4 - law.coefficient / 2
    assert residual.overlaps(G) and abs(G.mid()) > 0.01
    assert dec.verdict == "holds"


def test_t3_noise_driven_tie_violates():
    # found by the search (seed 0): the noise keeps the path on the tie of the symmetric pair
    ex = _ex("linear-brownian", 15, data=((F(1),), (F(-1),)), noise_seed=1)
    dec = _verdict("LLY26-T3", ex)
    assert dec.verdict == "violated"
    assert abs(arb(dec.detail["endpoint"][0]).mid()) < 0.1
    assert _verdict("LLY26-T3", ex | {"start": (F(2),)}).verdict == "holds"


@pytest.mark.parametrize("steps", [4, 7, 32])
def test_c1_step_product_sum_is_h_for_the_linear_schedule(steps):
    ex = _ex("linear", steps, data=((F(2), F(0)), (F(-2), F(0))), start=(F(2), F(1, 2)),
             eps=F(1, 4), direction=(F(0), F(1)))
    dec = _verdict("LLY25-C1", ex)
    assert arb(dec.detail["B_h"]).overlaps(arb(1) / steps) and dec.verdict == "holds"
    other = _verdict("LLY25-C1", ex | {"schedule": "linear-brownian"})
    assert not arb(other.detail["B_h"]).overlaps(arb(1) / steps)


def test_c1_error_along_the_mirror_keeps_the_tie():
    ex = _ex("linear", 4, data=((F(2), F(0)), (F(-2), F(0))), start=(F(0), F(0)),
             eps=F(1, 4), direction=(F(0), F(1)))
    assert _verdict("LLY25-C1", ex).verdict == "violated"


def test_t4_symmetric_error_holds_and_switching_error_violates():
    # error along the mirror: the path keeps m = 0, the endpoint moves by exactly the linear shift
    sym = _ex("trigonometric", 8, data=((F(1), F(0)), (F(-1), F(0))), start=(F(0), F(0)),
              family="bounded", scale=F(1, 4), direction=(F(0), F(1)))
    assert _verdict("LLY26-T4", sym).verdict == "holds"
    # found by the search: the error switches a start of the error-free tie to the other atom
    switch = _ex("trigonometric", 4, data=((F(0),), (F(2),)), family="bounded", scale=F(1, 4),
                 direction=(F(1),))
    dec = _verdict("LLY26-T4", switch)
    assert dec.verdict == "violated"
    assert dec.detail["nearest"] != dec.detail["error_free_nearest"]
    crit = _verdict("LLY26-T4", sym | {"family": "critical"})
    assert crit.verdict == "holds" and crit.detail["error"].startswith("critical:")


def test_parameters_and_examples_are_checked():
    with pytest.raises(ParameterError, match="unknown parameter"):
        inequality_for("LLY26-T2", {"D": F(1)})
    with pytest.raises(ParameterError, match="> 0"):
        inequality_for("LLY26-T2", {"C": F(0)})
    with pytest.raises(ParameterError, match="float"):
        inequality_for("LLY26-T3", {"C": 0.5})
    with pytest.raises(ParameterError, match="t_commit"):
        inequality_for("LLY26-T2-margin", {"t_commit": F(1, 100)})
    with pytest.raises(ParameterError, match="allowed: none"):
        inequality_for("LLY26-T4", {"C": F(1)})
    with pytest.raises(ExampleError, match="steps"):
        decide(inequality_for("LLY26-T2"), _ex(steps=0), 30)
    with pytest.raises(ExampleError, match="like start"):
        decide(inequality_for("LLY26-T2"), _ex(start=(F(0), F(0))), 30)


def test_t2_search_finds_rechecks_and_replays_a_tie(tmp_path):
    report = falsify(inequality_for("LLY26-T2"), budget=60, seed=0)
    assert report.status == "counterexample"
    assert report.evaluation["verdict"] == report.recheck["verdict"] == "violated"
    ex = report.example
    assert len(ex["data"]) == 2 and ex["steps"] >= 4
    # the shrunk example is a tie: its endpoint is not near either atom
    endpoint = [arb(v) for v in report.recheck["detail"]["endpoint"]]
    for row in ex["data"]:
        gap2 = sum((z - arb(x.numerator) / x.denominator) ** 2 for z, x in zip(endpoint, row, strict=True))
        assert gap2 > arb(1) / 4
    path = write_replay(report, tmp_path / "t2.json")
    assert json.loads(path.read_text())["claim"] == "LLY26-T2"
    again = replay(path)
    assert again.reproduced and again.example == ex


def test_t2_margin_search_finds_nothing_at_a_small_budget():
    report = falsify(inequality_for("LLY26-T2-margin"), budget=30, seed=0)
    assert report.status == "none-found" and report.example is None
    decided = sum(report.coverage["verdicts"].values())
    assert decided == 30 and report.examples_tried > decided  # ties were rejected by the condition
    assert float(report.coverage["max_lhs_over_rhs"]) < 1


def test_c1_needs_its_margin_the_way_t2_does():
    """Without the commit margin a tie breaks LLY25-C1's Euler reading (seed 3 finds one); with it
    the same search finds nothing."""
    plain = falsify(inequality_for("LLY25-C1"), budget=40, seed=3)
    assert plain.status == "counterexample"
    margin = falsify(inequality_for("LLY25-C1-margin"), budget=40, seed=3)
    assert margin.status == "none-found" and margin.examples_tried > 40

"""The falsification engine: search, shrink, re-check, coverage, replay files, registry."""

from __future__ import annotations

import json
import re
import textwrap
from fractions import Fraction

import mpmath
import pytest
from flint import arb, fmpq
from hypothesis import strategies as st

import verify.falsify
from verify.falsify import (
    Evaluation,
    Inequality,
    ReplayError,
    UnknownInequality,
    falsify,
    inequality_for,
    known_inequalities,
    register_inequality,
    replay,
    write_replay,
)
from verify.falsify.exact import decode, encode
from verify.strategies import rationals


def _arb(q: Fraction) -> arb:
    return arb(fmpq(q.numerator, q.denominator))


def _x_le_1() -> Inequality:
    return Inequality("x <= 1", None, st.fixed_dictionaries({"x": rationals(-2, 2)}),
                      lambda ex, digits: Evaluation(ex["x"], Fraction(1)))


def _am_gm() -> Inequality:
    nonneg = rationals(0, 4)
    return Inequality("sqrt(ab) <= (a + b)/2", None,
                      st.fixed_dictionaries({"a": nonneg, "b": nonneg}),
                      lambda ex, digits: Evaluation((_arb(ex["a"]) * _arb(ex["b"])).sqrt(),
                                                    _arb((ex["a"] + ex["b"]) / 2)))


def test_true_inequalities_are_never_verified():
    for ineq in (_am_gm(), Inequality("-x^2 <= 0", None, st.fixed_dictionaries({"x": rationals()}),
                                      lambda ex, digits: Evaluation(-ex["x"] ** 2, 0))):
        report = falsify(ineq, budget=60, seed=3)
        assert report.status == "none-found"
        assert report.counterexample is None and report.example is None
        assert 0 < report.examples_tried <= 60
        cov = report.coverage
        assert cov["evaluations"] == report.examples_tried
        assert sum(cov["verdicts"].values()) == report.examples_tried
        for key in ("a", "b") if "a" in cov["fields"] else ("x",):
            assert cov["fields"][key]["distinct"] > 1
            assert Fraction(cov["fields"][key]["min"]) < Fraction(cov["fields"][key]["max"])
        assert float(cov["score"]["max"]) <= 0
        text = json.dumps(report.to_json()) + report.summary()
        assert "verified" not in text.lower()
        assert "not a proof" in report.summary()
    # AM-GM is tight at a = b, where the ball sqrt(a a) - a contains 0: honest undecided cases
    assert falsify(_am_gm(), budget=60, seed=3).undecided > 0


def test_counterexample_is_shrunk_rechecked_and_replayed(tmp_path):
    ineq = _x_le_1()
    report = falsify(ineq, budget=100, seed=0)
    assert report.status == "counterexample"
    assert report.example == {"x": Fraction(2)}
    assert report.counterexample == {"x": "2"}
    assert report.evaluation["verdict"] == "violated" and report.evaluation["digits"] == 50
    assert report.recheck["verdict"] == "violated" and report.recheck["digits"] == 80
    assert report.coverage["shrinking"] == "complete"
    json.dumps(report.to_json())

    path = write_replay(report, tmp_path / "x.json")
    data = json.loads(path.read_text())
    assert data["format"] == "memverify-falsify-replay" and data["version"] == 1
    assert data["example"] == {"x": {"q": "2"}} and data["claim"] is None
    assert [p.name for p in tmp_path.iterdir()] == ["x.json"]  # no temp file left behind
    result = replay(path, ineq)
    assert result.reproduced and result.example == report.example
    assert result.evaluation["verdict"] == result.recheck["verdict"] == "violated"

    data["example"]["x"] = {"q": "1/2"}  # tampered: now satisfies the bound
    path.write_text(json.dumps(data))
    tampered = replay(path, ineq)
    assert not tampered.reproduced and tampered.recheck["verdict"] == "holds"
    assert "NOT reproduced" in tampered.summary()


def test_violation_below_working_precision_is_undecided_then_found():
    def evaluate(ex, digits):
        return Evaluation(arb(1) + _arb(Fraction(1, 10**80)) * _arb(ex["x"]) ** 2, arb(1))

    ineq = Inequality("1 + 10^-80 x^2 <= 1", None, st.fixed_dictionaries({"x": rationals(1, 2)}),
                      evaluate)
    low = falsify(ineq, budget=20, digits=50)
    assert low.status == "none-found" and low.undecided == low.examples_tried > 0
    high = falsify(ineq, budget=20, digits=100)
    assert high.status == "counterexample" and high.recheck_digits == 130
    assert high.evaluation["method"] == "arb"


def test_unconfirmed_when_the_recheck_disagrees():
    # a (deliberately wrong) evaluation that only "violates" below 60 digits
    ineq = Inequality("precision artefact", None, st.fixed_dictionaries({"x": rationals()}),
                      lambda ex, digits: Evaluation(Fraction(1 if digits < 60 else 0), Fraction(1, 2)))
    report = falsify(ineq, budget=10)
    assert report.status == "unconfirmed"
    assert report.evaluation["verdict"] == "violated" and report.recheck["verdict"] == "holds"


def test_mpmath_values_use_two_precisions_and_floats_are_refused():
    def sin_le(ex, digits):
        x = mpmath.mpf(ex["x"].numerator) / ex["x"].denominator
        return Evaluation(mpmath.sin(x), x)

    ineq = Inequality("sin x <= x", None, st.fixed_dictionaries({"x": rationals()}), sin_le)
    report = falsify(ineq, budget=50)
    assert report.status == "counterexample" and Fraction(report.counterexample["x"]) < 0
    assert report.evaluation["method"] == "two-precision"
    verdicts = report.coverage["verdicts"]
    assert sum(verdicts.values()) == report.coverage["evaluations"]  # every evaluation has a verdict
    assert verdicts["violated"] >= 1 and verdicts["holds"] >= 1  # the search saw both sides

    floats = Inequality("float", None, st.fixed_dictionaries({"x": rationals()}),
                        lambda ex, digits: Evaluation(float(ex["x"]), 1))
    with pytest.raises(TypeError, match="Python float") as info:
        falsify(floats, budget=5)
    assert any("at example" in note for note in getattr(info.value, "__notes__", []))


def test_same_seed_same_counterexample():
    ineq = Inequality("xy <= 1/2", None, st.fixed_dictionaries({"x": rationals(), "y": rationals()}),
                      lambda ex, digits: Evaluation(ex["x"] * ex["y"], Fraction(1, 2)))
    first, second = (falsify(ineq, budget=50, seed=7) for _ in range(2))
    assert first.status == "counterexample"
    assert first.counterexample == second.counterexample
    assert first.examples_tried == second.examples_tried and first.coverage == second.coverage


def test_progress_every_tenth_of_the_budget():
    lines: list[str] = []
    falsify(Inequality("-x^2 <= 0", None, st.fixed_dictionaries({"x": rationals()}),
                       lambda ex, digits: Evaluation(-ex["x"] ** 2, 0)),
            budget=100, seed=1, progress=lines.append)
    assert 5 <= len(lines) <= 10 and all("-x^2 <= 0" in line for line in lines)


@pytest.mark.parametrize("content, message", [
    ("{not json", "not valid JSON"),
    ('{"format": "something else"}', "not a memverify replay file"),
    ('{"format": "memverify-falsify-replay", "version": 99}', "version 99"),
    ('{"format": "memverify-falsify-replay", "version": 1, "name": "x <= 1", "digits": 50}',
     "missing field 'recheck_digits'"),
    ('{"format": "memverify-falsify-replay", "version": 1, "name": "x <= 1", "digits": 50, '
     '"recheck_digits": 80, "example": {"x": 0.5}}', "float"),
    ('{"format": "memverify-falsify-replay", "version": 1, "name": "x <= 1", "digits": 50, '
     '"recheck_digits": 80, "example": {"x": {"q": "1.5"}}}', "not a rational"),
    ('{"format": "memverify-falsify-replay", "version": 1, "name": "another bound", "digits": 50, '
     '"recheck_digits": 80, "example": {"x": {"q": "3/2"}}}', "not 'x <= 1'"),
])
def test_malformed_replay_file(tmp_path, content, message):
    path = tmp_path / "bad.json"
    path.write_text(content)
    with pytest.raises(ReplayError, match=re.escape(message)) as info:
        replay(path, _x_le_1())
    assert "\n" not in str(info.value)


def test_missing_file_and_directory(tmp_path):
    with pytest.raises(ReplayError, match="cannot read"):
        replay(tmp_path / "absent.json", _x_le_1())
    report = falsify(_x_le_1(), budget=20)
    with pytest.raises(FileNotFoundError):
        write_replay(report, tmp_path / "missing" / "x.json")
    assert list(tmp_path.iterdir()) == []
    none_found = falsify(Inequality("0 <= 1", None, st.fixed_dictionaries({"x": rationals()}),
                                    lambda ex, digits: Evaluation(0, 1)), budget=5)
    with pytest.raises(ValueError, match="no example"):
        write_replay(none_found, tmp_path / "x.json")


def test_exact_encoding_round_trips():
    value = [Fraction(-3, 4), Fraction(5), 5, True, None, "s", (Fraction(1, 3), (2, [])),
             {"k": (Fraction(7, 2),)}]
    assert decode(json.loads(json.dumps(encode(value)))) == value
    assert type(decode(encode(Fraction(5)))) is Fraction and type(decode(encode(5))) is int
    assert encode((Fraction(1, 2), 3)) == {"tuple": [{"q": "1/2"}, 3]}
    with pytest.raises(ValueError, match="float"):
        encode(0.5)


def test_registry_and_replay_by_claim_id(tmp_path, monkeypatch):
    from verify.falsify import registry

    monkeypatch.setattr(registry, "_FACTORIES", dict(registry._FACTORIES))  # leave no test entry behind

    def factory(params):
        bound = params["bound"]
        return Inequality(f"x <= {bound}", None, st.fixed_dictionaries({"x": rationals(-2, 2)}),
                          lambda ex, digits: Evaluation(ex["x"], bound))

    register_inequality("TEST-falsify-engine", factory, replace=True)
    assert "TEST-falsify-engine" in known_inequalities()
    ineq = inequality_for("TEST-falsify-engine", {"bound": Fraction(3, 2)})
    assert ineq.claim == "TEST-falsify-engine" and ineq.params == {"bound": Fraction(3, 2)}
    report = falsify(ineq, budget=50)
    assert report.status == "counterexample" and report.claim == "TEST-falsify-engine"
    path = write_replay(report, tmp_path / "claim.json")
    assert json.loads(path.read_text())["params"] == {"bound": {"q": "3/2"}}
    assert replay(path).reproduced  # rebuilt through the registry from the stored params
    with pytest.raises(UnknownInequality, match="TEST-falsify-engine"):
        inequality_for("NO-SUCH-CLAIM")
    with pytest.raises(ValueError, match="already registered"):
        register_inequality("TEST-falsify-engine", lambda params: ineq)


def test_targeting_finds_rare_violations():
    third = Fraction(1, 3)

    def near_third(ex, digits):  # violated only within 1/1000 of 1/3; the score gives no slope
        return Evaluation(Fraction(1 if abs(ex["x"] - third) < Fraction(1, 1000) else 0), Fraction(1, 2))

    examples = st.fixed_dictionaries({"x": rationals(0, 1, max_denominator=10**6)})
    plain = Inequality("near 1/3", None, examples, near_third)
    steered = Inequality("near 1/3", None, examples, near_third,
                         margin=lambda ex: float(abs(ex["x"] - third)))
    found = {name: sum(falsify(ineq, budget=100, seed=seed, shrink_budget=20).status == "counterexample"
                       for seed in range(10))
             for name, ineq in (("plain", plain), ("steered", steered))}
    assert found["steered"] >= found["plain"] + 4, found


def test_package_docstring_example_runs():
    doc = verify.falsify.__doc__
    block = textwrap.dedent(doc.split("::\n\n", 1)[1].split("\n\nA counter")[0])
    namespace: dict = {}
    exec(compile(block.replace("print(", "str("), "<docstring>", "exec"), namespace)
    assert namespace["report"].counterexample == {"x": "-1"}

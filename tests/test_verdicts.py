"""The verdict rules live in the types: bad evidence is refused when it is built."""

from __future__ import annotations

import json
from fractions import Fraction

import numpy as np
import pytest

from verify.verdicts import (
    Bound,
    ClaimResult,
    Evidence,
    EvidenceError,
    ExactZero,
    Verdict,
    decide,
    exact_counterexample,
)


def test_a_pass_needs_a_bound_that_holds():
    with pytest.raises(EvidenceError, match="bound"):
        Evidence("a", True, "ok")
    with pytest.raises(EvidenceError, match="does not hold"):
        Evidence("a", True, "ok", bound=Bound(1e-3, 1e-6))
    with pytest.raises(EvidenceError, match="does not hold"):
        Evidence("a", True, "ok", bound=Bound(0.4, (0.45, 0.55), "in"))
    with pytest.raises(EvidenceError, match="does not hold"):
        Evidence("p-value", True, "ok", bound=Bound(1e-5, 1e-3, ">="))
    assert Evidence("a", True, "ok", bound=Bound(1e-9, 1e-6)).passed
    assert Evidence("a", True, "ok", bound=Bound(0.5, (0.45, 0.55), "in")).passed
    assert Evidence("a", True, "ok", bound=ExactZero("numerator expands to 0")).passed


def test_bounds_refuse_non_numbers_and_non_finite_values():
    for bad in (float("nan"), float("inf"), "small", None, True):
        with pytest.raises(EvidenceError):
            Bound(bad, 1.0)
    with pytest.raises(EvidenceError):
        Bound(0.1, 1.0, "~")
    with pytest.raises(EvidenceError):
        Bound(0.1, (2, 1), "in")
    assert Bound(Fraction(1, 3), Fraction(1, 2), "<", rigorous=True).holds()
    assert not Bound(Fraction(1, 2), Fraction(1, 2), "<").holds()


def test_a_counterexample_must_be_exact():
    for bad in ({"x": 0.5}, {"x": np.float64(0.5)}, {"x": [1, 0.25]}, {"x": "nan"}, {"x": True},
                {"x": "inf"}, {"x": [1, "NaN"]}, {}):
        with pytest.raises(EvidenceError):
            Evidence("b", False, "violated", counterexample=bad)
    ev = Evidence("b", False, "violated",
                  counterexample={"x": Fraction(1, 3), "n": 2, "X": [[Fraction(-1), "0.5"]],
                                  "schedule": "linear"})
    assert ev.counterexample == {"x": "1/3", "n": "2", "X": [["-1", "0.5"]], "schedule": "linear"}
    assert exact_counterexample({"t": "1/2"}) == {"t": "1/2"}


def test_claim_results_follow_from_their_evidence():
    ok = Evidence("a", True, "", bound=ExactZero())
    undecided = Evidence("b", None, "")
    with pytest.raises(EvidenceError, match="verified without evidence"):
        ClaimResult("X-1", Verdict.VERIFIED, "s")
    with pytest.raises(EvidenceError, match="did not pass"):
        ClaimResult("X-1", Verdict.VERIFIED, "s", [ok, undecided])
    with pytest.raises(EvidenceError, match="counterexample"):
        ClaimResult("X-1", Verdict.REFUTED, "s", [ok, Evidence("b", False, "")])
    with pytest.raises(EvidenceError, match="condition"):
        ClaimResult("X-1", Verdict.CONDITIONAL, "s", [ok])
    with pytest.raises(EvidenceError, match="reason"):
        ClaimResult("X-1", Verdict.OUT_OF_SCOPE, " ")
    assert ClaimResult("X-1", Verdict.CONDITIONAL, "s", [ok, undecided], condition="c").status


def test_decide_is_honest():
    ok = Evidence("a", True, "", bound=ExactZero())
    assert decide([ok], "x")[0] is Verdict.VERIFIED
    assert decide([], "x")[0] is Verdict.INCONCLUSIVE
    assert decide([ok, Evidence("b", None, "")], "x")[0] is Verdict.INCONCLUSIVE
    assert decide([ok, Evidence("b", False, "")], "x")[0] is Verdict.INCONCLUSIVE
    refuted = decide([ok, Evidence("b", False, "", counterexample={"t": "1/2"})], "x")
    assert refuted[0] is Verdict.REFUTED


def test_evidence_json_names_bound_tolerance_and_rigour():
    ev = Evidence("a", True, "d", bound=Bound(2e-50, 1e-40, quantity="max |r|", rigorous=True))
    out = ev.to_json()
    assert out["bound"] == "max |r| = 2e-50" and out["tolerance"] == "<= 1e-40"
    assert out["rigorous"] is True
    assert Evidence("a", True, "d", bound=Bound(0.2, 0.5)).to_json()["bound"].endswith("(estimate)")
    json.dumps(out)


def test_a_string_bound_is_refused_for_built_in_and_user_checkers_alike():
    for bound in ("certified", "0 (exact)", "1e-30"):
        with pytest.raises(EvidenceError, match="Bound or an ExactZero"):
            Evidence("a", True, "ok", bound=bound)
        with pytest.raises(EvidenceError, match="Bound or an ExactZero"):
            Evidence("a", None, "open", bound=bound)
    with pytest.raises(TypeError):
        Evidence("a", True, "ok", bound=Bound(0, 1), tolerance="1")  # the legacy field is gone


def test_the_documented_claim_of_your_own_runs(tmp_path):
    import re
    import subprocess
    import sys
    from pathlib import Path

    text = (Path(__file__).resolve().parents[1] / "docs" / "verdicts.md").read_text(encoding="utf-8")
    code = re.search(r"```python\n(.*?)```", text, re.S).group(1)
    (tmp_path / "mine.py").write_text(code, encoding="utf-8")
    proc = subprocess.run([sys.executable, "mine.py"], cwd=tmp_path, capture_output=True, text=True,
                          timeout=300, check=False)
    assert proc.returncode == 0, proc.stderr[-2000:]
    assert proc.stdout.strip().splitlines()[-1] == "verified"

"""Claim isolation: a checker that fails costs its own claim a verdict, never the run."""

from __future__ import annotations

import json
import sys
import types

import pytest

from verify.cli import main
from verify.registry import Claim, register, unregister
from verify.runner import CHECKER_FAILED, run_claims
from verify.verdicts import ClaimResult, Evidence, ExactZero, Verdict

MODULE = "memverify_test_checkers"


def _ok(ctx):
    return ClaimResult("TEST-OK", Verdict.VERIFIED, "fine",
                       [Evidence("exact", True, "computed", bound=ExactZero("test"))])


def _raises(ctx):
    raise RuntimeError("cannot create mpf from oo")


def _wrong_id(ctx):
    return ClaimResult("TEST-OK", Verdict.VERIFIED, "fine",
                       [Evidence("exact", True, "computed", bound=ExactZero("test"))])


def _not_a_result(ctx):
    return {"status": "verified"}


def _tampered(ctx):
    result = _ok(ctx)
    result.evidence.append(Evidence("open", None, "undecided"))  # verified no longer follows
    return result


@pytest.fixture
def test_claims():
    module = types.ModuleType(MODULE)
    for fn in (_ok, _raises, _wrong_id, _not_a_result, _tampered):
        setattr(module, fn.__name__.lstrip("_"), fn)
    sys.modules[MODULE] = module
    specs = {"TEST-OK": "ok", "TEST-RAISES": "raises", "TEST-WRONGID": "wrong_id",
             "TEST-NORESULT": "not_a_result", "TEST-TAMPERED": "tampered", "TEST-NOMODULE": None}
    claims = []
    for cid, fn in specs.items():
        checker = f"{MODULE}:{fn}" if fn else "memverify_no_such_module:check"
        claims.append(register(Claim(cid, "MEMVERIFY", "-", f"test claim {cid}", r"x = x",
                                     "reconstructed", "test", checker=checker)))
    yield claims
    for c in claims:
        unregister(c.id)
    del sys.modules[MODULE]


def test_each_failing_checker_is_isolated(test_claims):
    from verify.registry import RunContext

    outcome = run_claims(test_claims, RunContext())
    status = {r.id: r.status for r in outcome.results}
    assert status["TEST-OK"] is Verdict.VERIFIED
    assert set(outcome.failed) == {"TEST-RAISES", "TEST-WRONGID", "TEST-NORESULT", "TEST-TAMPERED",
                                   "TEST-NOMODULE"}
    for r in outcome.results:
        if r.id in outcome.failed:
            assert r.status is Verdict.INCONCLUSIVE
            assert r.evidence[0].check == CHECKER_FAILED and r.evidence[0].passed is None
    raised = next(r for r in outcome.results if r.id == "TEST-RAISES")
    assert "cannot create mpf from oo" in raised.summary
    assert "could not be loaded" in next(r for r in outcome.results if r.id == "TEST-NOMODULE").summary


def test_a_raising_checker_still_gives_a_written_report(test_claims, tmp_path, capsys):
    out = tmp_path / "rep"
    code = main(["run", "--claims", "TEST-OK,TEST-RAISES", "--out", str(out)])
    assert code == 4
    report = json.loads((out / "report.json").read_text())
    status = {c["id"]: c["status"] for c in report["claims"]}
    assert status == {"TEST-OK": "verified", "TEST-RAISES": "inconclusive"}
    assert report["checker_failed"] == ["TEST-RAISES"]
    assert "RuntimeError" in (out / "report.md").read_text()
    captured = capsys.readouterr()
    assert "TEST-RAISES" in captured.err and "TEST-RAISES" in captured.out

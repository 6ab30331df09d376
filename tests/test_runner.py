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


def test_parallel_runs_give_the_same_results_in_the_same_order(test_claims):
    from verify.registry import RunContext
    from verify.runner import work_groups

    sequential = run_claims(test_claims, RunContext(), jobs=1)
    parallel = run_claims(test_claims, RunContext(), jobs=2, expected={"TEST-RAISES": 100.0})
    assert [r.id for r in parallel.results] == [c.id for c in test_claims]
    assert [(r.status, r.summary) for r in parallel.results] == \
        [(r.status, r.summary) for r in sequential.results]
    assert sorted(parallel.failed) == sorted(sequential.failed)
    assert work_groups(test_claims, {"TEST-RAISES": 100.0})[0][0].id == "TEST-RAISES"


def test_a_group_stays_together_and_a_dead_worker_costs_only_its_claims(test_claims, monkeypatch):
    import os

    from verify.registry import RunContext
    from verify.runner import work_groups

    module = sys.modules[MODULE]
    module.dies = lambda ctx: os._exit(7)
    grouped = [Claim(f"TEST-G{k}", "MEMVERIFY", "-", "grouped", r"x = x", "reconstructed", "test",
                     checker=f"{MODULE}:ok", group="g") for k in (1, 2)]
    dying = Claim("TEST-DIES", "MEMVERIFY", "-", "dies", r"x = x", "reconstructed", "test",
                  checker=f"{MODULE}:dies")
    groups = work_groups([*grouped, dying, test_claims[0]])
    assert [[c.id for c in g] for g in groups if len(g) == 2] == [["TEST-G1", "TEST-G2"]]
    outcome = run_claims([dying, test_claims[0]], RunContext(), jobs=2)
    status = {r.id: r for r in outcome.results}
    assert status["TEST-OK"].status is Verdict.VERIFIED
    assert outcome.failed == ["TEST-DIES"] and "exit code 7" in status["TEST-DIES"].evidence[0].detail


def test_each_worker_gets_its_share_of_the_blas_threads(test_claims, monkeypatch):
    """Two workers on two cores run one BLAS thread each (oversubscribed OpenBLAS pools made the
    parallel run as slow as the sequential one)."""
    from threadpoolctl import threadpool_info

    from verify.parallel import blas_threads
    from verify.registry import RunContext

    monkeypatch.setattr("os.cpu_count", lambda: 4)
    assert (blas_threads(1), blas_threads(2), blas_threads(3), blas_threads(8)) == (4, 2, 1, 1)

    def threads(ctx):
        counts = sorted({p["num_threads"] for p in threadpool_info() if p.get("user_api") == "blas"})
        return ClaimResult("TEST-OK", Verdict.VERIFIED, f"blas threads {counts}",
                           [Evidence("exact", True, "computed", bound=ExactZero("test"))])

    sys.modules[MODULE].ok = threads
    outcome = run_claims(test_claims[:2], RunContext(), jobs=2)
    assert next(r for r in outcome.results if r.id == "TEST-OK").summary == "blas threads [2]"

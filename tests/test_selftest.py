"""The mutation catalogue and the machinery of ``memverify selftest`` (the kills themselves run in
``.ci/run`` for the CI subset and in ``memverify selftest`` for all of them)."""

from __future__ import annotations

import subprocess
import sys
from collections import Counter
from pathlib import Path

import pytest

from verify.registry import claim as registered_claim
from verify.selftest.catalogue import all_mutants
from verify.selftest.kill import decide_kill, render_markdown, render_text, tally
from verify.selftest.mutant import Mutant, StaleMutant
from verify.selftest.run import UnknownMutantPattern, select_mutants
from verify.selftest.sandbox import ClaimOutcome, mutated_copy, repository_root

ROOT = repository_root()
AREAS = {"derivations", "engine", "sampling", "gmm", "separation", "falsify"}


def test_the_catalogue_is_large_and_spread_over_every_area():
    mutants = all_mutants()
    assert len(mutants) >= 40
    per_area = Counter(m.area for m in mutants)
    assert set(per_area) >= AREAS, per_area
    assert all(n >= 3 for n in per_area.values()), per_area
    assert len({m.id for m in mutants}) == len(mutants)
    assert 1 <= sum(m.ci for m in mutants) <= 8


@pytest.mark.parametrize("mutant", all_mutants(), ids=lambda m: m.id)
def test_every_mutant_applies_once_and_changes_the_code(mutant: Mutant):
    source = (ROOT / mutant.path).read_text(encoding="utf-8")
    mutated = mutant.apply(source)  # StaleMutant unless the snippet occurs exactly once
    assert mutated != source
    compile(mutated, mutant.path, "exec")  # a plausible bug, not a syntax error
    assert mutant.claims and all(registered_claim(c) for c in mutant.claims)
    assert mutant.kind and mutant.description


def test_a_stale_snippet_is_refused():
    m = Mutant("X", "engine", "verify/engine/taylor.py", "no such text", "other", ("LLY-TIES",), "x")
    with pytest.raises(StaleMutant, match="0 times"):
        m.apply("some source")
    with pytest.raises(StaleMutant, match="2 times"):
        m.apply("no such text\nno such text\n")


def test_a_mutated_copy_never_touches_the_working_tree():
    m = next(m for m in all_mutants() if m.id == "ENG-GEOM-DN2")
    before = (ROOT / m.path).read_bytes()
    with mutated_copy(m) as copy:
        assert (copy / m.path).read_text(encoding="utf-8") == m.apply(before.decode("utf-8"))
        fields = Path("derivations") / "fields.py"
        assert (copy / fields).read_bytes() == (ROOT / fields).read_bytes()
        kept = copy
    assert not kept.exists()
    assert (ROOT / m.path).read_bytes() == before


def _outcome(verdict: str, crashed: bool = False) -> ClaimOutcome:
    return ClaimOutcome(verdict, ("a check",) if verdict != "verified" else (), crashed)


def test_kill_rules():
    m = Mutant("M", "engine", "p", "a", "b", ("A", "B"), "d")
    base = {"A": _outcome("verified"), "B": _outcome("conditional")}
    killed = decide_kill(m, base, {"A": _outcome("inconclusive"), "B": _outcome("conditional")})
    assert killed.status == "killed" and killed.how == "check"
    survived = decide_kill(m, base, base)
    assert survived.status == "survived" and survived.how == "still verified: A"
    quiet = decide_kill(m, {"A": _outcome("conditional")}, {"A": _outcome("conditional")})
    assert quiet.status == "survived" and quiet.how == "no verdict moved"
    # a moved verdict does not kill while another claim stays verified over the mutant
    half = decide_kill(m, base, {"A": _outcome("verified"), "B": _outcome("inconclusive")})
    assert half.status == "survived" and "still verified: A" in half.how
    crash = decide_kill(m, base, {"A": _outcome("inconclusive", True), "B": _outcome("conditional")})
    assert crash.status == "killed" and crash.how == "crash"
    text = render_text([killed, survived, crash])
    assert "2 of 3 mutants killed (1 by a crash" in text and "not killed: M" in tally([survived])
    assert "| `M` (engine)" in render_markdown([killed])


def test_selection_by_glob_and_the_ci_subset():
    assert {m.id for m in select_mutants(["eng-*"])} == {m.id for m in all_mutants() if m.area == "engine"}
    assert all(m.ci for m in select_mutants(ci=True))
    with pytest.raises(UnknownMutantPattern):
        select_mutants(["NOPE-*"])


def test_cli_lists_and_refuses_bad_patterns(tmp_path: Path):
    def run(*args: str) -> subprocess.CompletedProcess:
        return subprocess.run([sys.executable, "-m", "verify", "selftest", *args], cwd=tmp_path,
                              capture_output=True, text=True, timeout=120, check=False)

    listed = run("--list")
    assert listed.returncode == 0 and "ENG-GEOM-DN2" in listed.stdout
    bad = run("--mutants", "NOPE-*")
    assert bad.returncode == 2 and len(bad.stderr.strip().splitlines()) == 1 and "Traceback" not in bad.stderr
    assert not any(tmp_path.iterdir())

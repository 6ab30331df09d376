"""The claim registry mirrors ../shared/CLAIMS.md and never fakes a pass."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from verify.registry import CLAIMS, RunContext, UnknownClaimPattern, claim, paper, select
from verify.verdicts import Verdict

CLAIMS_MD = Path(__file__).resolve().parents[2] / "shared" / "CLAIMS.md"


def claim_ids_in_claims_md() -> set[str]:
    ids = set()
    for line in CLAIMS_MD.read_text().splitlines():
        m = re.match(r"\|\s*([A-Z0-9]+-[A-Z0-9.]+)\s*\|", line)
        if not m:
            continue
        cid = m.group(1)
        ranged = re.fullmatch(r"([A-Z0-9]+-[A-Z]+)(\d+)\.\.[A-Z]+(\d+)", cid)
        if ranged:
            prefix, lo, hi = ranged.group(1), int(ranged.group(2)), int(ranged.group(3))
            ids |= {f"{prefix}{k}" for k in range(lo, hi + 1)}
        else:
            ids.add(cid)
    return ids


@pytest.mark.skipif(not CLAIMS_MD.exists(), reason="../shared/CLAIMS.md not beside the checkout")
def test_every_claim_of_claims_md_is_registered():
    select(None)
    assert claim_ids_in_claims_md() <= set(CLAIMS)


def test_registry_entries_are_complete():
    for c in select(None):
        assert c.statement and c.title and c.checks
        assert c.provenance in ("quoted", "reconstructed")
        assert paper(c.paper).arxiv
        assert c.checker or c.planned, c.id


def test_builtin_statements_say_where_they_come_from():
    """Every built-in claim is quoted with its source or reconstructed with a line saying what is
    reconstruction (user claims may omit both: the registry keeps them optional)."""
    from verify.catalogue import BUILTIN_CLAIMS

    missing = []
    for c in BUILTIN_CLAIMS:
        if c.provenance == "quoted" and not c.source.strip():
            missing.append(f"{c.id}: quoted without a source")
        elif c.provenance == "reconstructed" and not c.reconstruction.strip():
            missing.append(f"{c.id}: reconstructed without a reconstruction line")
    assert not missing, "; ".join(missing)


def test_claims_of_memverify_own_are_filed_under_memverify():
    assert claim("LLY-TIES").paper == "MEMVERIFY" and claim("LLY-TIES").relation
    assert "LLY25-T1" in claim("LLY-TIES").relation


def test_optional_provenance_fields_must_be_text():
    from verify.registry import Claim, register

    with pytest.raises(ValueError, match="source must be a string"):
        register(Claim("TEST-BADSOURCE", "MEMVERIFY", "-", "t", r"x=x", "quoted", "c", source=None))
    assert "TEST-BADSOURCE" not in CLAIMS


def test_unimplemented_claims_are_inconclusive_never_verified():
    from verify.registry import Claim

    pending = [c for c in select(None) if c.checker is None]
    pending.append(Claim("TEST-PENDING", "MEMVERIFY", "-", "no checker", r"x=x", "reconstructed", "none",
                         planned="a later issue"))
    for c in pending:
        result = c.run(RunContext())
        assert result.status is Verdict.INCONCLUSIVE
        assert "not yet implemented" in result.summary
        assert result.evidence == []


def test_select_globs_and_errors():
    assert [c.id for c in select("lly25-p*")] == ["LLY25-P1", "LLY25-P2"]
    assert {c.id for c in select("CONV-*, EDGE-45")} == {"CONV-SNR", "CONV-MAP", "EDGE-45"}
    with pytest.raises(UnknownClaimPattern):
        select("LLY25-P1,NOPE")
    assert claim("conv-snr").id == "CONV-SNR"

"""findings.md: per paper, every claim that is not plainly verified, for the papers' authors."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

import verify.docs as docs_module
from verify.cli import main
from verify.docs import FINDINGS_PAGE, claims_page, findings_page, heading_anchors
from verify.findings import claim_anchor, findings_markdown, plainly_verified
from verify.registry import select
from verify.report import render_markdown

ROOT = Path(__file__).resolve().parents[1]

PAPER_A = {"arxiv": "1111.11111", "version": "v2", "authors": "Ann, Bob", "title": "Paper A"}
PAPER_B = {"arxiv": "2222.22222", "version": "v1", "authors": "Cy", "title": "Paper B"}


def _entry(cid: str, status: str, summary: str, paper: dict = PAPER_A, **extra) -> dict:
    entry = {"id": cid, "paper": f"arXiv:{paper['arxiv']}", "paper_detail": paper, "number": "Thm. 1",
             "title": f"title of {cid}", "statement": "x = x", "provenance": "quoted", "checks": "c",
             "status": status, "summary": summary,
             "evidence": [{"check": "identity", "passed": True, "detail": "ok", "bound": "0 (exact)",
                           "rigorous": True}]}
    entry.update(extra)
    return entry


def _report(*claims: dict, **extra) -> dict:
    counts = {v: sum(c["status"] == v for c in claims)
              for v in ("verified", "refuted", "conditional", "inconclusive", "out-of-scope")}
    report = {"tool": "memverify", "settings": {"claims": "*", "digits": 50, "seed": 7, "quick": False,
                                                "schedules": "all built-ins"},
              "environment": {"memverify": "9.9"}, "summary": counts, "claims": list(claims)}
    report.update(extra)
    return report


REFUTED = _entry("A-REF", "refuted", "bound violated", evidence=[
    {"check": "the bound at an exact start", "passed": False, "detail": "lhs - rhs = 1/2 > 0",
     "bound": "lhs - rhs = 0.5", "tolerance": "<= 0", "rigorous": True,
     "counterexample": {"X": [["-1", "0"], ["1", "0"]], "start": ["0", "1/3"], "h": "1/512"}}])
CONDITIONAL = _entry("A-COND", "conditional", "holds away from ties (12 checks passed)",
                     condition="the start is not on a tie set", evidence=[
                         {"check": "fit", "passed": True, "detail": "", "rigorous": False,
                          "bound": "fitted exponent error = 0.0495 (estimate)", "tolerance": "<= 0.05"},
                         {"check": "far", "passed": True, "detail": "", "rigorous": False,
                          "bound": "relative error = 1e-12 (estimate)", "tolerance": "<= 1e-06"}])
OUT = _entry("B-OOS", "out-of-scope", "needs a trained DiT on CIFAR-10; memverify has neither.",
             paper=PAPER_B, evidence=[])
PLAIN = _entry("A-PLAIN", "verified", "identities: all 3 checks passed")
NOTABLE = _entry("B-LIP", "verified", "Lipschitz constant ~ C sigma^-4, C/min r^2 = 2.9020", paper=PAPER_B)


def test_plainly_verified_claims_are_left_out_and_the_rest_listed():
    text = findings_markdown(_report(PLAIN, REFUTED, CONDITIONAL, OUT, NOTABLE))
    heads = re.findall(r"^\*\*([\w-]+)\*\*", text, re.M)
    assert heads == ["A-REF", "A-COND", "B-OOS", "B-LIP"]  # per paper, in report order
    assert "Verified with nothing to note: A-PLAIN." in text
    assert plainly_verified(PLAIN) and not plainly_verified(NOTABLE) and not plainly_verified(CONDITIONAL)
    # the verdict decides first: a conditional claim with a generic summary is still listed
    generic = {**PLAIN, "id": "A-GEN", "status": "conditional", "condition": "c"}
    assert not plainly_verified(generic) and "**A-GEN**" in findings_markdown(_report(generic))
    assert "**B-LIP** (Thm. 1) — **verified**" in text and "C/min r^2 = 2.9020" in text
    assert text.index("## Ann, Bob: *Paper A*") < text.index("**A-REF**") < text.index("## Cy: *Paper B*")
    # the header: the run's settings and counts
    first = text.splitlines()[2]
    assert "seed 7" in first and "memverify 9.9" in first and "5 claims" in first and "4 listed" in first


def test_a_counterexample_is_shown_exactly():
    text = findings_markdown(_report(REFUTED))
    line = next(ln for ln in text.splitlines() if ln.startswith("- Counterexample:"))
    assert "`X = [[-1, 0], [1, 0]]`" in line and "`start = [0, 1/3]`" in line and "`h = 1/512`" in line
    assert "refutes the statement" in line
    assert "- Measured, failed: the bound at an exact start — lhs - rhs = 0.5 vs <= 0 (rigorous)" in text


def test_a_conditional_claim_shows_its_condition_and_close_margins():
    text = findings_markdown(_report(CONDITIONAL))
    assert "- Condition: the start is not on a tie set" in text
    assert "- Found: holds away from ties\n" in text  # the check count is in the report
    assert "close to its tolerance: fitted exponent error = 0.0495 vs <= 0.05 (estimate)" in text
    assert "relative error = 1e-12" not in text  # a comfortable pass is not listed


def test_a_reconstructed_statement_says_what_was_reconstructed():
    rebuilt = {**CONDITIONAL, "provenance": "reconstructed", "reconstruction": "the constant C is ours"}
    assert "- Reconstructed: the constant C is ours" in findings_markdown(_report(rebuilt))
    assert "Reconstructed" not in findings_markdown(_report(CONDITIONAL))


def test_the_out_of_scope_reason_is_one_line():
    text = findings_markdown(_report(OUT))
    lines = [ln for ln in text.splitlines()
             if ("B-OOS" in ln and not ln.startswith("|")) or ln.startswith("- ")]
    assert lines[1] == "- Out of scope: needs a trained DiT on CIFAR-10; memverify has neither."
    assert len([ln for ln in text.splitlines() if ln.startswith("- ")]) == 1


def test_sibling_readings_are_shown_next_to_each_other():
    parent = _entry("E-T31", "verified", "loss gap: all 3 checks passed")
    other = _entry("E-MID", "conditional", "something else", condition="c")
    sibling = _entry("E-T31-UNIT", "conditional", "M*/N = 0.798 reproduces 4/5", condition="unit losses",
                     relation="the paper's reading of E-T31 (unit-variance losses)")
    text = findings_markdown(_report(parent, other, sibling))
    heads = re.findall(r"^\*\*([\w-]+)\*\*", text, re.M)
    assert heads == ["E-T31", "E-T31-UNIT", "E-MID"]  # the plain parent is listed for its sibling
    assert "- Sibling reading: **E-T31-UNIT** (next)" in text
    assert "- Reading: the paper's reading of E-T31 (unit-variance losses)" in text
    assert "- Reproduced: M\\*/N = 0.798 reproduces 4/5" in text
    # an id that merely starts with another is not a relation to it
    alone = _entry("E-T31-UNIT", "conditional", "s", condition="c", relation="see E-T31-UNITS")
    assert "Sibling" not in findings_markdown(_report(parent, alone))


def test_the_page_is_deterministic_and_reads_defensively():
    report = _report(PLAIN, REFUTED, CONDITIONAL, OUT, NOTABLE, created="2026-01-02T03:04:05+00:00")
    text = findings_markdown(report)
    assert text == findings_markdown(json.loads(json.dumps(report)))
    assert "Run of 2026-01-02T03:04:05+00:00" in text
    refuted = {"id": "Y", "status": "refuted", "evidence": [{"counterexample": {"a": ["1", ["2"]]}}]}
    odd = {"claims": [{"id": "X", "status": "weird", "evidence": "not a list"}, "not a dict", refuted],
           "settings": None}
    odd_text = findings_markdown(odd)
    assert "**X** — **weird**" in odd_text and "`a = [1, [2]]`" in odd_text
    assert findings_markdown({}).startswith("# Findings for authors")


def test_long_texts_are_cut_at_a_clause_and_markdown_is_escaped():
    long = _entry("A-LONG", "conditional", "s", condition="; ".join(f"clause {k}" for k in range(200)))
    text = findings_markdown(_report(long))
    line = next(ln for ln in text.splitlines() if ln.startswith("- Condition:"))
    assert len(line) < 400 and re.search(r"; clause \d+ …$", line)  # cut between two clauses
    star = _entry("A-STAR", "conditional", "M* = c N and M* > 0 <b>", condition="x")
    assert "M\\* = c N and M\\* > 0 &lt;b>" in findings_markdown(_report(star))


def test_each_entry_links_to_its_section_of_report_md():
    claims = [PLAIN, REFUTED, CONDITIONAL, OUT, NOTABLE]
    report = _report(*[{**c, "seconds": 0.5} for c in claims], created="2026-01-01T00:00:00+00:00",
                     seconds=3.0)
    md = render_markdown(report)
    text = findings_markdown(report)
    links = re.findall(r"\(report\.md#([^)]+)\)", text)
    assert len(links) == 4 and all(f'<a id="{a}"></a>' in md for a in links)
    assert claim_anchor("EDGE-T31-UNIT") == "edge-t31-unit" and "[findings.md](findings.md)" in md


def test_run_writes_findings_beside_the_report(tmp_path, capsys):
    out = tmp_path / "rep"
    assert main(["run", "--claims", "CONV-MAP", "--out", str(out)]) == 0
    capsys.readouterr()
    text = (out / "findings.md").read_text()
    assert text.startswith("# Findings for authors")
    assert "Verified with nothing to note: CONV-MAP." in text or "nothing to note: CONV-MAP" in text
    report = json.loads((out / "report.json").read_text())
    created = json.loads((out / "timings.json").read_text())["created"]
    assert text == findings_markdown({**report, "created": created})
    assert "[findings.md](findings.md)" in (out / "report.md").read_text()
    assert not [p for p in out.iterdir() if p.name.startswith(".")]


@pytest.fixture
def quick_docs(monkeypatch):
    """write_docs without the slow generated pages (the findings page is what is tested here)."""
    monkeypatch.setattr(docs_module, "generated_pages", lambda: {})
    monkeypatch.setattr(docs_module, "limits_png", lambda: b"png")


def _run_dir(tmp_path: Path, report: dict, created: str | None = "2026-05-06T07:08:09+00:00") -> Path:
    run = tmp_path / "run"
    run.mkdir()
    (run / "report.json").write_text(json.dumps(report, indent=2) + "\n")
    if created:
        (run / "timings.json").write_text(json.dumps({"created": created, "seconds": 1.0}))
    return run


def test_docs_report_writes_findings_md(tmp_path, capsys, quick_docs):
    run = _run_dir(tmp_path, _report(PLAIN, REFUTED, CONDITIONAL))
    out = tmp_path / "docs"
    assert main(["docs", "--out", str(out), "--report", str(run)]) == 0
    text = (out / FINDINGS_PAGE).read_text()
    assert "Run of 2026-05-06T07:08:09+00:00" in text and "SHA-256 `" in text
    assert "report.md#" not in text  # the docs site has no report.md
    capsys.readouterr()
    # the same report gives the same page; without --report the page is left as it is
    assert main(["docs", "--out", str(out), "--report", str(run / "report.json")]) == 0
    assert (out / FINDINGS_PAGE).read_text() == text
    (out / FINDINGS_PAGE).write_text("mine")
    assert main(["docs", "--out", str(out)]) == 0
    assert (out / FINDINGS_PAGE).read_text() == "mine"


@pytest.mark.parametrize(("make", "fragment"), [
    (lambda d: d / "absent", "no such file or directory"),
    (lambda d: d, "no report.json in it"),
    (lambda d: (d / "report.json").write_text("{not json") and d, "not valid JSON"),
    (lambda d: (d / "report.json").write_bytes(b"\xff\xfe") and d, "not valid JSON"),
    (lambda d: (d / "report.json").write_text("[1]") and d, "not a memverify report"),
    (lambda d: (d / "report.json").write_text('{"settings": {}, "claims": [{"id": 1}]}') and d,
     "not a memverify report"),
])
def test_docs_report_bad_input(tmp_path, capsys, quick_docs, make, fragment):
    src = tmp_path / "src"
    src.mkdir()
    out = tmp_path / "docs"
    code = main(["docs", "--out", str(out), "--report", str(make(src))])
    err = capsys.readouterr().err
    assert code == 2 and err.count("\n") == 1 and fragment in err and "Traceback" not in err
    assert not out.exists()  # nothing written


def test_docs_findings_page_is_a_run_of_the_current_catalogue():
    """docs/findings.md comes from a run (`memverify docs --report DIR`): it names its report, and
    every claim it lists and every catalogue link it makes exist now."""
    text = (ROOT / "docs" / FINDINGS_PAGE).read_text(encoding="utf-8")
    assert text.startswith("<!-- generated by `memverify docs --report DIR`")
    assert re.search(r"^Run of \d{4}-\d\d-\d\dT", text, re.M) and re.search(r"SHA-256 `[0-9a-f]{16}`", text)
    registered = {c.id for c in select(None)}
    listed = re.findall(r"^\*\*([\w-]+)\*\*", text, re.M)
    assert listed and set(listed) <= registered, set(listed) - registered
    anchors = set(heading_anchors(claims_page()).values())
    links = re.findall(r"\(claims\.md#([^)]+)\)", text)
    assert links and set(links) <= anchors, set(links) - anchors
    assert FINDINGS_PAGE in (ROOT / "mkdocs.yml").read_text(encoding="utf-8")


def test_docs_page_is_regenerated_the_same_from_the_same_report(tmp_path):
    run = _run_dir(tmp_path, _report(REFUTED, OUT))
    raw = (run / "report.json").read_bytes()
    page = findings_page(json.loads(raw), raw, "2026-05-06T07:08:09+00:00")
    assert page == findings_page(json.loads(raw), raw, "2026-05-06T07:08:09+00:00")
    assert findings_page(json.loads(raw), raw + b" ", None) != page  # another report, another page


def test_heading_anchors_match_mkdocs():
    markdown = pytest.importorskip("markdown")
    page = claims_page()
    md = markdown.Markdown(extensions=["toc"])
    html = md.convert(page)
    ids = set(re.findall(r'id="([^"]+)"', html))
    anchors = heading_anchors(page)
    assert anchors and set(anchors.values()) <= ids
    assert set(anchors) >= {c.id for c in select(None)}


def test_each_paper_opens_with_a_one_line_per_claim_table():
    text = findings_markdown(_report(CONDITIONAL, OUT))
    table = [ln for ln in text.splitlines() if ln.startswith("| ")]
    assert table[0] == "| claim | verdict | in one line |"
    assert any(ln.startswith("| B-OOS | out-of-scope |") for ln in table)

"""Report files people can rely on: reproducible bytes, the user's umask, a re-run that removes
the figures it no longer produces, no temporary files left on any exit path, no litter."""

from __future__ import annotations

import json
import os
import signal
import stat
from pathlib import Path

import pytest

from verify import report as report_module
from verify.cli import main
from verify.report import scrub_timings, split_timings, write_report_dir

RUN = ["run", "--claims", "CONV-MAP,LLY25-P2", "--schedules", "linear", "--quick", "--seed", "3"]


def _run(out: Path, capsys) -> int:
    code = main([*RUN, "--out", str(out)])
    capsys.readouterr()
    return code


def test_same_inputs_and_seed_give_the_same_bytes(tmp_path, capsys):
    a, b = tmp_path / "a", tmp_path / "b"
    assert _run(a, capsys) == 0 and _run(b, capsys) == 0
    for name in ("report.json", "derivations.tex"):
        assert (a / name).read_bytes() == (b / name).read_bytes(), name
    # the timings are kept, elsewhere: they differ between the runs, the reports do not
    ta, tb = (json.loads((d / "timings.json").read_text()) for d in (a, b))
    assert set(ta["claims"]) == {"CONV-MAP", "LLY25-P2"} and ta["created"] and tb["seconds"] > 0
    assert "s)" in (a / "report.md").read_text()  # report.md, for people, shows them


def test_the_reproducibility_check_can_fail(tmp_path, capsys, monkeypatch):
    """A seed that changed something must change the bytes: the comparison above is not vacuous."""
    a, b = tmp_path / "a", tmp_path / "b"
    assert _run(a, capsys) == 0
    monkeypatch.setattr(report_module, "split_timings", lambda r: (r, {}))  # timings left in
    assert _run(b, capsys) == 0
    assert (a / "report.json").read_bytes() != (b / "report.json").read_bytes()


@pytest.mark.parametrize(("text", "want"), [
    ("numerator expands to 0 (0.12 s)", "numerator expands to 0"),
    ("ok (float64 0.12 s for 100 paths, mpmath 1.23 s)", "ok"),
    ("ten rows; 3.4 s", "ten rows"),
    ("exact (one-sided limits)", "exact (one-sided limits)"),
    ("gap at small s = 0.1; 13 values of s", "gap at small s = 0.1; 13 values of s"),
])
def test_timings_are_scrubbed_from_text(text, want):
    assert scrub_timings(text) == want


def test_split_timings_moves_every_seconds_and_the_date():
    report = {"created": "now", "seconds": 3.0, "claims": [
        {"id": "A", "seconds": 1.0, "summary": "done (1.0 s)",
         "evidence": [{"detail": "x (2 s)", "seconds": 2}]}]}
    stable, timings = split_timings(report)
    assert stable == {"claims": [{"id": "A", "summary": "done", "evidence": [{"detail": "x"}]}]}
    assert timings == {"created": "now", "seconds": 3.0, "claims": {"A": 1.0}}
    assert report["claims"][0]["seconds"] == 1.0  # the input is not modified


@pytest.mark.parametrize("mask", [0o022, 0o077, 0o002])
def test_reports_get_the_users_umask(tmp_path, mask):
    old = os.umask(mask)
    try:
        write_report_dir(tmp_path / "fresh", {"report.json": "{}\n", "a.png": b"x"})
        existing = tmp_path / "existing"
        existing.mkdir()
        write_report_dir(existing, {"report.json": "{}\n"})
    finally:
        os.umask(old)
    assert stat.S_IMODE((tmp_path / "fresh").stat().st_mode) == 0o777 & ~mask
    for f in ((tmp_path / "fresh" / "report.json"), (tmp_path / "fresh" / "a.png"), existing / "report.json"):
        assert stat.S_IMODE(f.stat().st_mode) == 0o666 & ~mask, f


def test_an_existing_files_mode_is_kept(tmp_path):
    out = tmp_path / "r"
    out.mkdir()
    (out / "report.json").write_text("{}")
    (out / "report.json").chmod(0o640)
    write_report_dir(out, {"report.json": "{\"a\": 1}\n"})
    assert stat.S_IMODE((out / "report.json").stat().st_mode) == 0o640


def _report(figures: list[str]) -> str:
    return json.dumps({"claims": [{"id": "X", "status": "verified", "figures": figures}]})


def test_a_rerun_removes_the_figures_it_no_longer_produces(tmp_path):
    out = tmp_path / "r"
    write_report_dir(out, {"report.json": _report(["old.png", "kept.png"]), "old.png": b"1",
                           "kept.png": b"2"})
    (out / "notes.txt").write_text("mine")
    (out / "unlisted.png").write_bytes(b"a figure of someone else")
    write_report_dir(out, {"report.json": _report(["kept.png"]), "kept.png": b"3"})
    assert sorted(p.name for p in out.iterdir()) == ["kept.png", "notes.txt", "report.json", "unlisted.png"]
    assert (out / "kept.png").read_bytes() == b"3"


def test_a_previous_report_cannot_name_files_outside_the_directory(tmp_path):
    out = tmp_path / "r"
    victim = tmp_path / "victim.png"
    victim.write_bytes(b"keep")
    write_report_dir(out, {"report.json": _report(["../victim.png", str(victim)])})
    write_report_dir(out, {"report.json": _report([])})
    assert victim.read_bytes() == b"keep"


def test_an_interrupted_write_leaves_no_temporary_file_and_the_old_report(tmp_path, monkeypatch):
    out = tmp_path / "r"
    write_report_dir(out, {"report.json": "old\n", "report.md": "old\n"})
    real = report_module._write
    calls = []

    def interrupted(path, content, mode):
        calls.append(path)
        if len(calls) == 2:
            raise KeyboardInterrupt
        real(path, content, mode)

    monkeypatch.setattr(report_module, "_write", interrupted)
    with pytest.raises(KeyboardInterrupt):
        write_report_dir(out, {"report.json": "new\n", "report.md": "new\n"})
    assert sorted(p.name for p in out.iterdir()) == ["report.json", "report.md"]
    assert (out / "report.json").read_text() == "old\n"
    calls.clear()
    with pytest.raises(KeyboardInterrupt):
        write_report_dir(tmp_path / "fresh", {"report.json": "new\n", "report.md": "new\n"})
    assert [p.name for p in tmp_path.iterdir()] == ["r"]


def test_a_kill_during_the_final_write_leaves_nothing_behind(tmp_path, monkeypatch, capsys):
    """SIGTERM unwinds like an interrupt: the command exits 143 and the temporary files are gone."""
    out = tmp_path / "r"
    write_report_dir(out, {"report.json": _report([])})
    real = report_module._write

    def killed(path, content, mode):
        real(path, content, mode)
        os.kill(os.getpid(), signal.SIGTERM)

    monkeypatch.setattr(report_module, "_write", killed)
    assert main([*RUN, "--out", str(out)]) == 143
    assert "terminated" in capsys.readouterr().err
    assert sorted(p.name for p in out.iterdir()) == ["report.json"]
    assert json.loads((out / "report.json").read_text())["claims"][0]["id"] == "X"
    assert signal.getsignal(signal.SIGTERM) is signal.SIG_DFL  # restored after the command


def test_stale_temporary_files_of_a_killed_run_are_removed(tmp_path):
    out = tmp_path / "r"
    write_report_dir(out, {"report.json": "{}\n"})
    (out / ".report.json.tmp-abc123").write_text("half")
    (out / ".hidden-notes").write_text("mine")
    write_report_dir(out, {"report.json": "{}\n"})
    assert sorted(p.name for p in out.iterdir()) == [".hidden-notes", "report.json"]


def test_falsify_leaves_no_hypothesis_directory(tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)
    assert main(["falsify", "--claim", "LLY26-T2", "--budget", "5", "--json"]) == 0
    capsys.readouterr()
    assert list(tmp_path.iterdir()) == []


def test_no_warning_reaches_the_terminal(tmp_path, capsys):
    assert main(["endpoint", "--data", "builtin:square", "--start", "-1,0.5"]) == 0
    assert capsys.readouterr().err == ""


def test_the_last_timings_come_from_timings_json(tmp_path, capsys):
    """``run --jobs`` schedules the longest claims first from the last run's timings, which now
    live in timings.json (report.json has none); an older report.json still works."""
    from verify.cli.run import last_timings

    out = tmp_path / "r"
    assert _run(out, capsys) == 0
    timings = last_timings(out)
    assert set(timings) == {"CONV-MAP", "LLY25-P2"} and all(v >= 0 for v in timings.values())
    (out / "timings.json").unlink()
    (out / "report.json").write_text(json.dumps({"claims": [{"id": "A", "seconds": 2.5}]}))
    assert last_timings(out) == {"A": 2.5}


def test_report_says_where_each_statement_comes_from():
    """Source, reconstruction and relation travel into report.json (only when given) and report.md."""
    from verify.registry import Claim, claim
    from verify.report import build_report, render_markdown
    from verify.verdicts import ClaimResult, Verdict

    plain = Claim("TEST-PLAIN", "MEMVERIFY", "-", "plain", r"x=x", "reconstructed", "none")
    claims = [claim("LLY-TIES"), claim("LLY25-P2"), plain]
    results = [ClaimResult(c.id, Verdict.INCONCLUSIVE, "not run") for c in claims]
    report = build_report(claims, results, {"digits": 50, "seed": 0, "quick": True}, 0.0)
    ties, p2, bare = report["claims"]
    assert ties["paper"] == "memverify" and ties["source"] and "LLY25-T1" in ties["relation"]
    assert p2["reconstruction"] and "source" not in p2 and "relation" not in p2
    assert not {"source", "reconstruction", "relation"} & set(bare)
    md = render_markdown(report)
    assert f"Statement (quoted from {ties['source']}):" in md
    assert f"Statement (reconstructed: {p2['reconstruction']}):" in md
    assert f"Relation to the papers: {ties['relation']}." in md
    assert "Statement (reconstructed):" in md  # a user's claim without a reconstruction line

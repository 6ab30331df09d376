"""Run reports: ``report.json`` for machines, ``report.md`` for people, written atomically.

Everything is rendered in memory first; only then is the directory written. A new directory is
built under a temporary name and renamed into place; into an existing directory each file is
written to a temporary name and ``os.replace``-d, so a reader never sees a half-written file
and a failed run leaves the previous report untouched. Temporary files are removed on every exit
path (an interrupt included; a later write also removes those a killed run left), files and a new
directory get the user's umask, and a re-run removes the figures of the previous run that it no
longer produces (the files it wrote are listed in its ``report.json``); other files are kept.

Reproducible: ``report.json`` holds no timing and no date (:func:`split_timings` moves them, and
the timings written into check details, to ``timings.json``), so the same inputs and seed give
the same bytes. ``report.md``, for people, keeps them.
"""

from __future__ import annotations

import copy
import datetime as _dt
import json
import os
import platform
import re
import shutil
import tempfile
from collections import Counter
from pathlib import Path
from typing import Any

from .claim import describe_provenance
from .findings import FINDINGS_FILE, claim_anchor
from .registry import Claim
from .registry import paper as registered_paper
from .verdicts import ClaimResult, Verdict

__all__ = ["build_report", "render_markdown", "split_timings", "scrub_timings", "write_report_dir",
           "load_report", "REPORT_FILES", "TIMINGS_FILE"]

TIMINGS_FILE = "timings.json"
REPORT_FILES = ("report.json", "report.md", FINDINGS_FILE, "derivations.tex", TIMINGS_FILE)

# A timing written into a text: "(0.12 s)", "(float64 0.12 s for 100 paths, mpmath 1.2 s)",
# "...; 3.4 s" or "derived in 0.5 s". Numbers followed by " s" only; the time variable s of
# the separation claims ("s = 0.1", "small s") never follows a number.
_SECONDS = r"\d+(?:\.\d+)?\s?s(?=$|[\s;,.)\]])"
_TIMING_IN_PARENS = re.compile(r"\s*\((?:[^()]*?\s)?" + _SECONDS + r"[^()]*\)")
_TIMING_TRAILING = re.compile(r"(?:[,;]\s*|\s+in\s+|\s+)" + _SECONDS)


def _versions() -> dict[str, str]:
    from importlib.metadata import PackageNotFoundError, version

    out = {"python": platform.python_version()}
    for pkg in ("memverify", "sympy", "mpmath", "python-flint", "numpy"):
        try:
            out[pkg] = version(pkg)
        except PackageNotFoundError:
            out[pkg] = "not installed"
    return out


def build_report(claims: list[Claim], results: list[ClaimResult], settings: dict[str, Any],
                 seconds: float, checker_failed: list[str] | None = None) -> dict[str, Any]:
    """The JSON-ready report: settings, environment, summary and one entry per claim
    (``checker_failed``: the claims whose checker raised or returned an invalid result)."""
    by_id = {r.id: r for r in results}
    entries = []
    for c in claims:
        r = by_id[c.id]
        paper = registered_paper(c.paper)
        entry = {
            "id": c.id,
            "paper": f"arXiv:{paper.arxiv}" if paper.arxiv != "-" else "memverify",
            "paper_detail": {"arxiv": paper.arxiv, "version": paper.version,
                             "authors": paper.authors, "title": paper.title},
            "number": c.number,
            "title": c.title,
            "statement": c.statement,
            "provenance": c.provenance,
            "checks": c.checks,
            "status": str(r.status),
            "summary": r.summary,
            "evidence": [e.to_json() for e in r.evidence],
            "seconds": round(r.seconds, 3),
        }
        for key in ("source", "reconstruction", "relation"):  # only when given (user claims may not)
            if getattr(c, key, ""):
                entry[key] = getattr(c, key)
        if r.condition:
            entry["condition"] = r.condition
        if r.figures:
            entry["figures"] = sorted(r.figures)
        entries.append(entry)
    counts = Counter(str(r.status) for r in results)
    report = {
        "tool": "memverify",
        "created": _dt.datetime.now(_dt.UTC).isoformat(timespec="seconds"),
        "settings": settings,
        "environment": _versions(),
        "summary": {v.value: counts.get(v.value, 0) for v in Verdict},
        "seconds": round(seconds, 3),
        "claims": entries,
    }
    if checker_failed:
        report["checker_failed"] = list(checker_failed)
    return report


def scrub_timings(text: str) -> str:
    """``text`` without the timings written into it (see :data:`_TIMING_IN_PARENS`)."""
    return _TIMING_TRAILING.sub("", _TIMING_IN_PARENS.sub("", text))


def split_timings(report: dict[str, Any]) -> tuple[dict[str, Any], dict[str, Any]]:
    """(report without dates and timings, the timings): every ``seconds`` and ``created`` key moves
    to the second, and strings lose the timings written into them (:func:`scrub_timings`)."""
    timings: dict[str, Any] = {"created": report.get("created"), "seconds": report.get("seconds"),
                               "claims": {c["id"]: c.get("seconds") for c in report.get("claims", [])}}

    def strip(value: Any) -> Any:
        if isinstance(value, dict):
            return {k: strip(v) for k, v in value.items() if k not in ("seconds", "created")}
        if isinstance(value, list):
            return [strip(v) for v in value]
        if isinstance(value, str):
            return scrub_timings(value)
        return value

    return strip(copy.deepcopy(report)), timings


def _md_escape(text: str) -> str:
    return text.replace("|", "\\|")


def render_markdown(report: dict[str, Any]) -> str:
    """A readable Markdown rendering of :func:`build_report`'s output."""
    s = report["settings"]
    lines = [
        "# memverify report",
        "",
        f"Created {report['created']} in {report['seconds']:.1f} s "
        f"(digits {s.get('digits')}, seed {s.get('seed')}, quick {s.get('quick')}).",
        "",
        f"Findings for authors (every claim not plainly verified): [{FINDINGS_FILE}]({FINDINGS_FILE}).",
        "",
        "| verdict | claims |",
        "|---|---|",
        *[f"| {k} | {v} |" for k, v in report["summary"].items()],
        "",
        *([f"**Checker failed** (no verdict, the error is in the evidence): "
           f"{', '.join(report['checker_failed'])}", ""] if report.get("checker_failed") else []),
        "| id | paper | verdict | seconds | summary |",
        "|---|---|---|---|---|",
    ]
    for c in report["claims"]:
        lines.append(f"| {c['id']} | {c['paper']} {c['number']} | **{c['status']}** | "
                     f"{c['seconds']:.2f} | {_md_escape(c['summary'])} |")
    for c in report["claims"]:
        how = describe_provenance(c["provenance"], c.get("source", ""), c.get("reconstruction", ""))
        lines += ["", f'<a id="{claim_anchor(c["id"])}"></a>']  # findings.md links here
        lines += ["", f"## {c['id']}: {c['title']}", "",
                  f"{c['paper_detail']['authors']}, *{c['paper_detail']['title']}* "
                  f"({c['paper']}, {c['paper_detail']['version']}), {c['number']}. "
                  f"Statement ({how}):",
                  "", f"$$ {c['statement']} $$", "",
                  *([f"Relation to the papers: {c['relation']}.", ""] if c.get("relation") else []),
                  f"Checks: {c['checks']}.", "", f"**Verdict: {c['status']}** — {c['summary']}"]
        if c.get("condition"):
            lines += ["", f"Condition: {c['condition']}"]
        for fig in c.get("figures", []):
            lines += ["", f"![{c['id']}]({fig})"]
        if c["evidence"]:
            lines += ["", "| check | passed | bound | tolerance | detail |", "|---|---|---|---|---|"]
            for e in c["evidence"]:
                mark = {True: "yes", False: "**no**", None: "undecided"}[e.get("passed")]
                lines.append(f"| {_md_escape(e['check'])} | {mark} | {e.get('bound', '')} | "
                             f"{e.get('tolerance', '')} | {_md_escape(e.get('detail', ''))} |")
                if e.get("counterexample"):
                    cex = ", ".join(f"{k} = {v}" for k, v in e["counterexample"].items())
                    lines.append(f"| counterexample | | | | {_md_escape(cex)} |")
    return "\n".join(lines) + "\n"


def _write(path: Path, content: str | bytes, mode: int) -> None:
    data = content.encode("utf-8") if isinstance(content, str) else content
    with open(path, "wb") as fh:
        fh.write(data)
        fh.flush()
        os.fsync(fh.fileno())
    os.chmod(path, mode)


def _umask() -> int:
    mask = os.umask(0o022)
    os.umask(mask)
    return mask


_STALE = re.compile(r"\..+\.tmp-[A-Za-z0-9_]+")


def _previous_files(out: Path) -> set[str]:
    """The files a previous run wrote into ``out``: the report files and the figures its
    ``report.json`` lists (names without a directory part only)."""
    previous = load_report(out / "report.json")
    names: set[str] = set()
    if isinstance(previous, dict) and isinstance(previous.get("claims"), list):
        for c in previous["claims"]:
            if isinstance(c, dict) and isinstance(c.get("figures"), list):
                names.update(f for f in c["figures"] if isinstance(f, str) and f == Path(f).name)
    return names


def write_report_dir(out: Path, files: dict[str, str | bytes]) -> None:
    """Write ``files`` (name -> text or bytes) into ``out`` atomically (see the module docstring)."""
    out = Path(out)
    parent = out.parent if str(out.parent) else Path(".")
    parent.mkdir(parents=True, exist_ok=True)
    mask = _umask()
    file_mode, dir_mode = 0o666 & ~mask, 0o777 & ~mask
    if not out.exists():
        tmp = Path(tempfile.mkdtemp(prefix=f".{out.name}.tmp-", dir=parent))
        try:
            for name, content in files.items():
                _write(tmp / name, content, file_mode)
            os.chmod(tmp, dir_mode)
            os.replace(tmp, out)
        except BaseException:
            shutil.rmtree(tmp, ignore_errors=True)
            raise
        return
    for stale in out.iterdir():  # temporary files a killed run left behind
        if _STALE.fullmatch(stale.name) and stale.is_file():
            stale.unlink(missing_ok=True)
    obsolete = sorted(_previous_files(out) - set(files))
    staged: list[tuple[Path, Path]] = []
    try:
        for name, content in files.items():
            final = out / name
            mode = (final.stat().st_mode & 0o7777) if final.is_file() else file_mode
            fd, tmpname = tempfile.mkstemp(prefix=f".{name}.tmp-", dir=out)
            staged.append((Path(tmpname), final))
            os.close(fd)
            _write(Path(tmpname), content, mode)
        for tmp, final in staged:
            os.replace(tmp, final)
    finally:
        for tmp, _ in staged:
            tmp.unlink(missing_ok=True)
    for name in obsolete:  # figures of the previous run that this run does not produce
        (out / name).unlink(missing_ok=True)


def load_report(path: Path) -> dict[str, Any] | None:
    """A previous ``report.json``, or None when absent, unreadable or not a JSON object."""
    try:
        report = json.loads(Path(path).read_text(encoding="utf-8"))
    except (OSError, ValueError, RecursionError):
        return None
    return report if isinstance(report, dict) else None

"""Run reports: ``report.json`` for machines, ``report.md`` for people, written atomically.

Everything is rendered in memory first; only then is the directory written. A new directory is
built under a temporary name and renamed into place; into an existing directory each file is
written to a temporary name and ``os.replace``-d, so a reader never sees a half-written file
and a failed run leaves the previous report untouched.
"""

from __future__ import annotations

import datetime as _dt
import json
import os
import platform
import shutil
import tempfile
from collections import Counter
from pathlib import Path
from typing import Any

from .registry import Claim
from .registry import paper as registered_paper
from .verdicts import ClaimResult, Verdict

__all__ = ["build_report", "render_markdown", "write_report_dir", "load_report", "REPORT_FILES"]

REPORT_FILES = ("report.json", "report.md", "derivations.tex")


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
        lines += ["", f"## {c['id']}: {c['title']}", "",
                  f"{c['paper_detail']['authors']}, *{c['paper_detail']['title']}* "
                  f"({c['paper']}, {c['paper_detail']['version']}), {c['number']}. "
                  f"Statement ({c['provenance']}):", "", f"$$ {c['statement']} $$", "",
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


def _write(path: Path, content: str | bytes) -> None:
    data = content.encode("utf-8") if isinstance(content, str) else content
    with open(path, "wb") as fh:
        fh.write(data)
        fh.flush()
        os.fsync(fh.fileno())


def write_report_dir(out: Path, files: dict[str, str | bytes]) -> None:
    """Write ``files`` (name -> text or bytes) into ``out`` atomically (see the module docstring)."""
    out = Path(out)
    parent = out.parent if str(out.parent) else Path(".")
    parent.mkdir(parents=True, exist_ok=True)
    if not out.exists():
        tmp = Path(tempfile.mkdtemp(prefix=f".{out.name}.tmp-", dir=parent))
        try:
            for name, content in files.items():
                _write(tmp / name, content)
            os.replace(tmp, out)
        except BaseException:
            shutil.rmtree(tmp, ignore_errors=True)
            raise
        return
    staged: list[tuple[Path, Path]] = []
    try:
        for name, content in files.items():
            fd, tmpname = tempfile.mkstemp(prefix=f".{name}.tmp-", dir=out)
            os.close(fd)
            _write(Path(tmpname), content)
            staged.append((Path(tmpname), out / name))
        for tmp, final in staged:
            os.replace(tmp, final)
    finally:
        for tmp, _ in staged:
            if tmp.exists():
                tmp.unlink()


def load_report(path: Path) -> dict[str, Any] | None:
    """A previous ``report.json``, or None when absent or unreadable."""
    try:
        return json.loads(Path(path).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None

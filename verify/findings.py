r"""Findings for authors: from a run's report, per paper, every claim that is not plainly verified.

A claim is *plainly verified* when its verdict is ``verified``, its summary is the generic
"all :math:`n` checks passed", every piece of its evidence passed, none carries a
counterexample, and no listed claim is a sibling reading of it. Every other claim gets a short
entry: one bold line (id, the paper's numbering, verdict), what was found, the condition, the
exact counterexamples, the constants measured against their tolerance (the failed and undecided
pieces, and passed estimates within 10 % of their tolerance, at most :data:`MAX_BOUNDS`), the
reading that reproduces a paper's number, and for ``out-of-scope`` the reason in one line. Long
texts are cut at a clause boundary; every entry links to its section of ``report.md``, where
the whole evidence is.

``memverify run`` writes it as :data:`FINDINGS_FILE` beside ``report.md``; ``memverify docs
--report DIR`` as ``docs/findings.md``. The page is a pure function of the report (the same
report gives the same text); it reads the report defensively (a field may be absent, e.g.
``relation`` from an older run).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Mapping
from typing import Any

__all__ = ["findings_markdown", "claim_anchor", "plainly_verified", "FINDINGS_FILE", "MAX_BOUNDS"]

#: The file name of the page in a report directory.
FINDINGS_FILE = "findings.md"
#: Most measured constants listed per claim (the rest are in report.md).
MAX_BOUNDS = 2
#: Most counterexamples listed per claim.
MAX_COUNTEREXAMPLES = 2
#: A passed estimate this close to its tolerance (value / tolerance, or its inverse) is listed.
CLOSE_MARGIN = 0.9

# text limits (characters) of the fields of one entry; a longer text is cut at a clause boundary
_LIMITS = {"summary": 220, "notable": 420, "condition": 300, "reason": 420, "reconstruction": 160,
           "check": 80, "relation": 240}
_PLAIN_SUMMARY = re.compile(r".*:\s*all \d+ checks? passed\.?\s*", re.S)
_NUMBER = r"[-+]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][-+]?\d+)?"
_VALUE = re.compile(rf"=\s*({_NUMBER})\s*(?:\(estimate\))?\s*$")
_TOLERANCE = re.compile(rf"^\s*(<=|<|>=|>)\s*({_NUMBER})\s*$")
_REPRODUCES = re.compile(r"\breproduc", re.I)
# "(53 checks passed; statement reconstructed)": the count is in the report, the provenance below
_CHECK_COUNT = re.compile(r"\s*\(\d+ checks? passed(?:; [^()]*)?\)")


def claim_anchor(claim_id: str) -> str:
    """The anchor of a claim's section in ``report.md``: the id in lower case, every run of other
    characters than letters and digits a single ``-``."""
    return re.sub(r"[^a-z0-9]+", "-", str(claim_id).lower()).strip("-") or "claim"


def _text(value: Any) -> str:
    return " ".join(str(value).split()) if value is not None else ""


def _evidence(entry: Mapping[str, Any]) -> list[Mapping[str, Any]]:
    ev = entry.get("evidence")
    return [e for e in ev if isinstance(e, Mapping)] if isinstance(ev, list) else []


def plainly_verified(entry: Mapping[str, Any]) -> bool:
    """Whether a report entry is ``verified`` with nothing an author needs to read: the generic
    summary, every piece passed, no counterexample."""
    if entry.get("status") != "verified":
        return False
    if not _PLAIN_SUMMARY.fullmatch(_text(entry.get("summary"))):
        return False
    return all(e.get("passed") is True and not e.get("counterexample") for e in _evidence(entry))


def _clip(text: str, limit: int) -> str:
    """``text`` cut at the last clause boundary (``; `` or ``. ``) before ``limit``, else at a
    space, with an ellipsis."""
    if len(text) <= limit:
        return text
    head = text[:limit]
    cut = max(head.rfind("; "), head.rfind(". "))
    if cut < limit // 2:
        cut = head.rfind(" ")
    if cut < limit // 2:
        cut = limit
    return head[:cut].rstrip(" ;,.") + " …"


def _md(text: str) -> str:
    """Prose for Markdown: ``*`` cannot start emphasis, ``<`` cannot start a tag."""
    text = text.replace("\\", "\\\\").replace("*", "\\*").replace("`", "\\`")
    return re.sub(r"<(?=[A-Za-z/!?])", "&lt;", text)


def _exact(value: Any) -> str:
    if isinstance(value, list | tuple):
        return "[" + ", ".join(_exact(v) for v in value) + "]"
    return _text(value)


def _code(text: str) -> str:
    fence = "``" if "`" in text else "`"
    pad = " " if fence == "``" else ""
    return f"{fence}{pad}{text}{pad}{fence}"


def _margin(e: Mapping[str, Any]) -> float | None:
    """value / tolerance (upper bounds) or tolerance / value (lower bounds) of a passed estimate
    with positive numbers, else None."""
    value = _VALUE.search(_text(e.get("bound")))
    tol = _TOLERANCE.match(_text(e.get("tolerance")))
    if not value or not tol:
        return None
    try:
        v, t = float(value.group(1)), float(tol.group(2))
    except ValueError:
        return None
    if v <= 0 or t <= 0:
        return None
    return v / t if tol.group(1).startswith("<") else t / v


def _measured(e: Mapping[str, Any]) -> str:
    """``quantity = value vs tolerance (estimate|rigorous)``."""
    bound = re.sub(r"\s*\(estimate\)\s*$", "", _text(e.get("bound")))
    tol = _text(e.get("tolerance"))
    rigour = {True: "rigorous", False: "estimate"}.get(e.get("rigorous"))
    return (bound + (f" vs {tol}" if tol else "") + (f" ({rigour})" if rigour else "")).strip()


def _key_bounds(entry: Mapping[str, Any]) -> tuple[list[str], int]:
    """The lines of the measured constants to list, and how many more the report holds."""
    rows: list[tuple[int, float, int, str]] = []
    for k, e in enumerate(_evidence(entry)):
        passed = e.get("passed")
        if passed is not True:
            state = "failed" if passed is False else "undecided"
            what = _measured(e) if e.get("bound") else _clip(_text(e.get("detail")), _LIMITS["check"])
            rows.append((0, 0.0, k, f"{state}: {_md(_clip(_text(e.get('check')), _LIMITS['check']))}"
                                    + (f" — {_md(what)}" if what else "")))
            continue
        margin = _margin(e) if e.get("rigorous") is False else None
        if margin is not None and margin >= CLOSE_MARGIN:
            rows.append((1, -margin, k, f"close to its tolerance: {_md(_measured(e))}"))
    rows.sort()
    return [r[3] for r in rows[:MAX_BOUNDS]], max(0, len(rows) - MAX_BOUNDS)


def _counterexamples(entry: Mapping[str, Any]) -> tuple[list[str], int]:
    """Each counterexample (failed pieces first) as ``check: name = value, ...``."""
    found = [(e.get("passed") is not False, k, e) for k, e in enumerate(_evidence(entry))
             if isinstance(e.get("counterexample"), Mapping) and e.get("counterexample")]
    found.sort(key=lambda x: (x[0], x[1]))
    lines = []
    for _, _, e in found[:MAX_COUNTEREXAMPLES]:
        cex = ", ".join(_code(f"{_text(name)} = {_exact(v)}") for name, v in e["counterexample"].items())
        role = "refutes the statement" if e.get("passed") is False else "where the condition fails"
        lines.append(f"{cex} ({role}; {_md(_clip(_text(e.get('check')), _LIMITS['check']))})")
    return lines, max(0, len(found) - MAX_COUNTEREXAMPLES)


def _related_ids(entry: Mapping[str, Any], ids: list[str]) -> list[str]:
    """The other claims of the report that ``entry``'s ``relation`` names (longest ids first, so
    EDGE-T31-UNIT is not read as EDGE-T31)."""
    text = _text(entry.get("relation"))
    if not text:
        return []
    found = []
    for cid in sorted(ids, key=lambda i: (-len(i), i)):
        if cid == entry.get("id"):
            continue
        pattern = rf"(?<![\w-]){re.escape(cid)}(?![\w-])"
        if re.search(pattern, text):
            found.append(cid)
            text = re.sub(pattern, " ", text)
    return sorted(found, key=ids.index)


def _entry_lines(entry: Mapping[str, Any], link: str | None, link_text: str, siblings: list[str],
                 said: dict[str, str]) -> list[str]:
    """One claim's entry; ``said`` maps a condition already on the page to the claim it came with."""
    cid, status = _text(entry.get("id")), _text(entry.get("status")) or "no verdict"
    number, title = _text(entry.get("number")), _text(entry.get("title"))
    head = (f"**{_md(cid)}**" + (f" ({_md(number)})" if number and number != "-" else "")
            + f" — **{_md(status)}**")
    if title:
        head += f": {_md(title)}"
    if link:
        head += f" · [{link_text}]({link})"
    lines = [head, ""]
    summary = _CHECK_COUNT.sub("", _text(entry.get("summary")))
    if status == "out-of-scope":
        lines.append(f"- Out of scope: {_md(_clip(summary, _LIMITS['reason']))}")
    else:
        label = "Reproduced" if _REPRODUCES.search(summary) else "Found"
        if summary:  # a verified claim is listed for its summary: keep more of it
            limit = _LIMITS["notable" if status == "verified" else "summary"]
            lines.append(f"- {label}: {_md(_clip(summary, limit))}")
        condition = _text(entry.get("condition"))
        if condition in said:
            lines.append(f"- Condition: as for {_md(said[condition])}")
        elif condition:
            said[condition] = cid
            lines.append(f"- Condition: {_md(_clip(condition, _LIMITS['condition']))}")
        cexs, more = _counterexamples(entry)
        lines += [f"- Counterexample: {c}" for c in cexs]
        if more:
            lines.append(f"- … and {more} more counterexample{'s' if more > 1 else ''} in the report")
        bounds, more = _key_bounds(entry)
        lines += [f"- Measured, {b}" for b in bounds]
        if more:
            lines.append(f"- … and {more} more measured piece{'s' if more > 1 else ''} in the report")
    relation = _text(entry.get("relation"))
    if relation:
        label = "Reading" if re.search(r"\breading\b", relation, re.I) else "Relation"
        lines.append(f"- {label}: {_md(_clip(relation, _LIMITS['relation']))}")
    if siblings:
        lines.append(f"- Sibling reading{'s' if len(siblings) > 1 else ''}: "
                     + ", ".join(f"**{_md(s)}**" for s in siblings) + " (next)")
    if entry.get("provenance") == "reconstructed" and _text(entry.get("reconstruction")):
        rebuilt = _clip(_text(entry["reconstruction"]), _LIMITS["reconstruction"])
        lines.append(f"- Reconstructed: {_md(rebuilt)}")
    return [*lines, ""]


def _paper_key(entry: Mapping[str, Any]) -> tuple[str, ...]:
    d = entry.get("paper_detail")
    d = d if isinstance(d, Mapping) else {}
    return (_text(entry.get("paper")), _text(d.get("version")), _text(d.get("authors")),
            _text(d.get("title")))


def _paper_heading(key: tuple[str, ...]) -> str:
    paper, version, authors, title = key
    if paper == "memverify" or not paper:
        return f"## {_md(title or 'memverify')} (memverify's own)"
    ref = paper + (f", {version}" if version and version != "-" else "")
    return f"## {_md(authors)}: *{_md(title)}* ({_md(ref)})" if title else f"## {_md(ref)}"


def _ordered(group: list[Mapping[str, Any]], ids: list[str]) -> list[tuple[Mapping[str, Any], list[str]]]:
    """The group's entries, each sibling reading right after the claim its relation names."""
    by_id = {_text(e.get("id")): e for e in group}
    parent: dict[str, str] = {}
    for e in group:
        named = [i for i in _related_ids(e, ids) if i in by_id]
        if named:
            parent[_text(e.get("id"))] = named[0]
    out: list[tuple[Mapping[str, Any], list[str]]] = []
    placed: set[str] = set()

    def place(cid: str) -> None:
        if cid in placed:
            return
        placed.add(cid)
        kids = [_text(e.get("id")) for e in group if parent.get(_text(e.get("id"))) == cid]
        out.append((by_id[cid], [k for k in kids if k not in placed]))
        for k in kids:
            place(k)

    for e in group:
        cid = _text(e.get("id"))
        root = cid
        seen = {root}
        while root in parent and parent[root] not in seen:  # a cycle of relations stops here
            root = parent[root]
            seen.add(root)
        place(root)
        place(cid)
    return out


def _settings_line(report: Mapping[str, Any]) -> str:
    s = report.get("settings") if isinstance(report.get("settings"), Mapping) else {}
    env = report.get("environment") if isinstance(report.get("environment"), Mapping) else {}
    created = _text(report.get("created")) or "date not recorded"
    schedules = s.get("schedules")
    schedules = ", ".join(map(str, schedules)) if isinstance(schedules, list) else _text(schedules)
    settings = "; ".join(f"{name} {_text(value)}" for name, value in (
        ("claims", s.get("claims")), ("digits", s.get("digits")), ("seed", s.get("seed")),
        ("quick", s.get("quick")), ("schedules", schedules)) if _text(value))
    version = _text(env.get("memverify"))
    return (f"Run of {created}" + (f", memverify {version}" if version else "")
            + (f" ({_md(settings)})" if settings else ""))


#: Characters of a claim's headline in the at-a-glance table.
GLANCE_CHARS = 150


def _glance(entries: Iterable[Mapping[str, Any]]) -> list[str]:
    """The at-a-glance table of one paper: id, verdict and the headline of each listed claim (the
    five-minute read; the entries below it give conditions, counterexamples and constants)."""
    rows = ["| claim | verdict | in one line |", "|---|---|---|"]
    for entry in entries:
        headline = _md(_clip(_text(entry.get("summary")), GLANCE_CHARS)).replace("|", "\\|")
        rows.append(f"| {_md(_text(entry.get('id')))} | {_md(_text(entry.get('status')))} | {headline} |")
    return [*rows, ""]


def findings_markdown(report: Mapping[str, Any], *, link: Callable[[str], str | None] | None = None,
                      link_text: str = "report", report_link: str | None = "report.md",
                      source: str = "") -> str:
    """The findings page of ``report`` (the dict ``report.json`` holds, with ``created`` when known).

    ``link`` maps a claim id to the target of its entry's link (default: its section of
    ``report.md``, ``None``: no link) and ``link_text`` its text; ``report_link`` is where the
    whole report is (``None``: not said); ``source`` is an extra line under the header (e.g.
    which report a docs page was generated from).
    """
    if link is None:
        link = lambda cid: f"report.md#{claim_anchor(cid)}"  # noqa: E731 - the default link
    claims = [c for c in report.get("claims", []) if isinstance(c, Mapping)] \
        if isinstance(report.get("claims"), list) else []
    ids = [_text(c.get("id")) for c in claims]
    listed = {cid for c, cid in zip(claims, ids, strict=True) if not plainly_verified(c)}
    grown = True
    while grown:  # a sibling reading is shown with the claim it reads, and the other way round
        grown = False
        for c, cid in zip(claims, ids, strict=True):
            family = {cid, *_related_ids(c, ids)}
            if family & listed and not family <= listed:
                listed |= family
                grown = True
    counts: dict[str, int] = {}
    for c in claims:
        status = _text(c.get("status")) or "no verdict"
        counts[status] = counts.get(status, 0) + 1
    order = ["verified", "refuted", "conditional", "inconclusive", "out-of-scope"]
    count_text = ", ".join(f"{counts[k]} {k}" for k in [*order, *sorted(set(counts) - set(order))]
                           if counts.get(k))
    lines = ["# Findings for authors", "",
             f"{_settings_line(report)}. {len(claims)} claim{'s' if len(claims) != 1 else ''}"
             + (f": {count_text}" if count_text else "") + f"; {len(listed)} listed below.", ""]
    if source:
        lines += [source, ""]
    lines += ["Every claim that is not plainly `verified`: what was found, the condition under which "
              "the statement holds, exact counterexamples, measured constants against their tolerance, "
              "the reading that reproduces a paper's number. Each paper opens with a table of one line per "
              "claim (the five-minute read); the entries under it give the details."
              + (f" The evidence is in [report.md]({report_link})." if report_link else ""), ""]
    failed = report.get("checker_failed")
    if isinstance(failed, list) and failed:
        lines += [f"**Checker failed** (no verdict; the error is in the report): "
                  f"{_md(', '.join(map(_text, failed)))}", ""]
    groups: dict[tuple[str, ...], list[Mapping[str, Any]]] = {}
    for c in claims:
        groups.setdefault(_paper_key(c), []).append(c)
    said: dict[str, str] = {}
    for key, group in groups.items():
        lines += [_paper_heading(key), ""]
        shown = [c for c in group if _text(c.get("id")) in listed]
        quiet = [_text(c.get("id")) for c in group if _text(c.get("id")) not in listed]
        if not shown:
            lines += [f"All {len(group)} claim{'s' if len(group) != 1 else ''} verified with nothing to "
                      f"note: {_md(', '.join(quiet))}.", ""]
            continue
        ordered = _ordered(shown, ids)
        lines += _glance(entry for entry, _ in ordered)
        for entry, siblings in ordered:
            lines += _entry_lines(entry, link(_text(entry.get("id"))), link_text, siblings, said)
        if quiet:
            lines += [f"Verified with nothing to note: {_md(', '.join(quiet))}.", ""]
    return "\n".join(lines).rstrip("\n") + "\n"

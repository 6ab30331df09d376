"""Replay files: a counterexample stored exactly, so that anyone can re-decide it later.

A replay file is JSON, written atomically. Rationals are ``{"q": "p/q"}`` objects, tuples
``{"tuple": [...]}`` (:mod:`verify.falsify.exact`)::

    {"format": "memverify-falsify-replay", "version": 1, "memverify": "0.1.0",
     "claim": null, "name": "x <= 1", "params": {}, "status": "counterexample",
     "seed": 0, "budget": 100, "digits": 50, "recheck_digits": 80,
     "example": {"x": {"q": "2"}},
     "evaluation": {"verdict": "violated", "lhs": "2 +/- 0", ...}, "recheck": {...}}
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from importlib import metadata
from pathlib import Path
from typing import Any

from .engine import FalsificationReport
from .exact import ExactValueError, decode_example, encode_example, readable
from .inequality import Inequality, decide
from .registry import inequality_for

__all__ = ["FORMAT", "VERSION", "ReplayError", "ReplayResult", "write_replay", "replay"]

FORMAT = "memverify-falsify-replay"
VERSION = 1

Lookup = Callable[[str | None, dict[str, Any]], Inequality]


class ReplayError(ValueError):
    """A replay file cannot be read, or does not fit the inequality it is replayed against."""


def _memverify_version() -> str:
    try:
        return metadata.version("memverify")
    except metadata.PackageNotFoundError:
        from verify import __version__

        return __version__


@dataclass(frozen=True)
class ReplayResult:
    """A stored example re-decided at the stored ``digits`` and ``recheck_digits``.

    ``reproduced`` is True when both decide "violated", as they did for a reported counterexample.
    """

    reproduced: bool
    claim: str | None
    name: str
    example: dict[str, Any]
    digits: int
    recheck_digits: int
    evaluation: dict[str, Any]
    recheck: dict[str, Any]
    stored_status: str

    def to_json(self) -> dict[str, Any]:
        """A JSON-able dict (rationals as ``"p/q"`` strings)."""
        return {"reproduced": self.reproduced, "claim": self.claim, "name": self.name,
                "example": readable(self.example), "digits": self.digits,
                "recheck_digits": self.recheck_digits, "evaluation": self.evaluation,
                "recheck": self.recheck, "stored_status": self.stored_status}

    def summary(self) -> str:
        """One line for people."""
        if self.reproduced:
            return (f"{self.name}: violation reproduced at {self.digits} and {self.recheck_digits} "
                    "digits")
        return (f"{self.name}: violation NOT reproduced ({self.evaluation['verdict']} at {self.digits} "
                f"digits, {self.recheck['verdict']} at {self.recheck_digits})")

    def to_markdown(self) -> str:
        """The re-decision as Markdown (a table; what a notebook shows, ``_repr_markdown_``)."""
        def cell(text: Any) -> str:
            return str(text).replace("|", "\\|").replace("\n", " ")

        example = ", ".join(f"{k} = {json.dumps(v).replace(chr(34), '')}"
                            for k, v in readable(self.example).items())
        rows = [("example", example)]
        rows += [(f"at {dec['digits']} digits", f"{dec['verdict']}: lhs - rhs = {dec['lhs_minus_rhs']}")
                 for dec in (self.evaluation, self.recheck)]
        lines = [f"**replay** {cell(self.summary())}", "", "| | |", "|---|---|",
                 *[f"| {cell(k)} | {cell(v)} |" for k, v in rows]]
        return "\n".join(lines) + "\n"

    def _repr_markdown_(self) -> str:
        return self.to_markdown()


def write_replay(report: FalsificationReport, path: str | Path) -> Path:
    """Write ``report``'s example to ``path`` (atomically: a temp file, then ``os.replace``)."""
    if report.example is None:
        raise ValueError(f"{report.name}: the report ({report.status}) has no example to replay")
    data = {"format": FORMAT, "version": VERSION, "memverify": _memverify_version(),
            "claim": report.claim, "name": report.name, "params": encode_example(report.params, "params"),
            "status": report.status, "seed": report.seed, "budget": report.budget,
            "digits": report.digits, "recheck_digits": report.recheck_digits,
            "example": encode_example(report.example), "evaluation": report.evaluation,
            "recheck": report.recheck}
    from derivations.printing import write_text_atomic  # imports SymPy: only when writing

    return write_text_atomic(Path(path), json.dumps(data, indent=2) + "\n")


def _field(data: Mapping[str, Any], key: str, kind: type | tuple[type, ...], where: str) -> Any:
    if key not in data:
        raise ReplayError(f"{where}: missing field {key!r}")
    value = data[key]
    if isinstance(value, bool) and kind is int or not isinstance(value, kind):
        raise ReplayError(f"{where}: field {key!r} = {value!r} has the wrong type")
    return value


#: Largest replay file, and the largest precision a replay file may ask for.
MAX_REPLAY_BYTES, MAX_REPLAY_DIGITS = 16 * 2**20, 5000


def _read(path: Path) -> dict[str, Any]:
    where = str(path)
    try:
        if path.is_dir():
            raise ReplayError(f"{where}: is a directory")
        if path.exists() and path.stat().st_size > MAX_REPLAY_BYTES:
            raise ReplayError(f"{where}: larger than {MAX_REPLAY_BYTES:,} bytes (the limit)")
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise ReplayError(f"{where}: cannot read ({exc.strerror or exc})") from None
    except UnicodeDecodeError:
        raise ReplayError(f"{where}: not UTF-8 text") from None
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        raise ReplayError(f"{where}: not valid JSON ({exc.msg} at line {exc.lineno}, "
                          f"column {exc.colno})") from None
    except (RecursionError, ValueError):
        raise ReplayError(f"{where}: not valid JSON (nested too deeply or a number too long)") from None
    if not isinstance(data, dict) or data.get("format") != FORMAT:
        raise ReplayError(f"{where}: not a memverify replay file (no \"format\": \"{FORMAT}\")")
    if data.get("version") != VERSION:
        raise ReplayError(f"{where}: replay format version {data.get('version')!r} is not supported "
                          f"(this memverify reads version {VERSION})")
    return data


def replay(path: str | Path, inequality: Inequality | Lookup | None = None) -> ReplayResult:
    """Re-decide the example stored at ``path``.

    ``inequality`` is the :class:`Inequality` itself, or a lookup ``(claim, params) -> Inequality``;
    by default the claim's registered inequality (:func:`inequality_for`). Raises
    :class:`ReplayError` (one line) for a malformed file or a mismatched inequality.
    """
    path = Path(path)
    where = str(path)
    data = _read(path)
    claim = data.get("claim")
    if claim is not None and not isinstance(claim, str):
        raise ReplayError(f"{where}: field 'claim' = {claim!r} is neither a string nor null")
    name = _field(data, "name", str, where)
    digits = _field(data, "digits", int, where)
    recheck_digits = _field(data, "recheck_digits", int, where)
    if not 10 <= digits <= recheck_digits <= MAX_REPLAY_DIGITS:
        raise ReplayError(f"{where}: need 10 <= digits <= recheck_digits <= {MAX_REPLAY_DIGITS}, "
                          f"got {digits} and {recheck_digits}")
    try:
        params = decode_example(data.get("params", {}), "params")
        example = decode_example(_field(data, "example", dict, where))
    except ExactValueError as exc:
        raise ReplayError(f"{where}: {exc}") from None
    except RecursionError:
        raise ReplayError(f"{where}: the example is nested too deeply") from None
    if isinstance(inequality, Inequality):
        ineq = inequality
    elif inequality is not None:
        ineq = inequality(claim, params)
    elif claim is None:
        raise ReplayError(f"{where}: {name!r} is a user bound (no claim id); pass its Inequality")
    else:
        ineq = inequality_for(claim, params)
    if ineq.name != name:
        raise ReplayError(f"{where}: the file is for {name!r}, not {ineq.name!r}")
    first = decide(ineq, example, digits)
    second = decide(ineq, example, recheck_digits)
    return ReplayResult(reproduced=first.verdict == "violated" and second.verdict == "violated",
                        claim=claim, name=name, example=example, digits=digits,
                        recheck_digits=recheck_digits, evaluation=first.to_json(),
                        recheck=second.to_json(), stored_status=str(data.get("status", "")))

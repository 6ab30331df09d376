r"""The proof of a certified endpoint as a file anyone can re-check.

:func:`certificate_document` turns an :class:`~.endpoint.EndpointResult` computed with
``certificate=True`` into a JSON document (format ``memverify-endpoint-certificate/1``): the data
and the start exactly, the exact frame :math:`(c,s)`, every validated step (its predictor
polynomial, Cauchy radius, tube margin and the balls it proves), the claimed endpoint with the
centred tail lemma's radius, and the reflections that make an exact tie, plus a SHA-256 digest of all of
it. :mod:`verify.proofcheck` re-verifies such a file with ball arithmetic alone and shares no
code with the engine. Every number is an exact rational written ``"p/q"``.
"""

from __future__ import annotations

import hashlib
import json
from fractions import Fraction
from pathlib import Path
from typing import Any

from .endpoint import EndpointResult

__all__ = ["FORMAT", "certificate_document", "write_certificate", "digest"]

FORMAT = "memverify-endpoint-certificate/1"


def _q(x: Fraction | int) -> str:
    x = Fraction(x)
    return str(x.numerator) if x.denominator == 1 else f"{x.numerator}/{x.denominator}"


def _vec(v) -> list[str]:
    return [_q(x) for x in v]


def digest(document: dict[str, Any]) -> str:
    """SHA-256 of the canonical JSON of everything but the digest itself."""
    body = {k: v for k, v in document.items() if k != "sha256"}
    return hashlib.sha256(json.dumps(body, sort_keys=True, separators=(",", ":")).encode()).hexdigest()


def certificate_document(result: EndpointResult) -> dict[str, Any]:
    """The certificate of a certified result (``certify_endpoint(..., certificate=True)``)."""
    if result.proof is None or result.outcome != "certified" or result.status == "undecided":
        raise ValueError("only a certified endpoint computed with certificate=True has a proof")
    proof = result.proof
    n = len(proof["data"])
    steps = []
    for rec in proof["records"]:
        steps.append({
            "ell": _q(rec.ell), "H": _q(rec.H), "u": _q(rec.u), "leader": rec.leader,
            "active": "all" if len(rec.active) == n else list(rec.active),
            "coefficients": [_vec(row) for row in rec.coefficients],
            "length": rec.length, "tau": _q(rec.tau), "margin": _q(rec.margin),
            "cov_centre": _vec(rec.cov_centre), "gram_rows": list(rec.gram_rows),
            "centre_in": _vec(rec.centre_in), "radius_in": _q(rec.radius_in),
            "centre_out": _vec(rec.centre_out), "radius_out": _q(rec.radius_out),
        })
    group = sorted(proof["group"])
    doc: dict[str, Any] = {
        "format": FORMAT,
        "statement": ("the probability flow of the oracle velocity field from Z_1 = start ends at "
                      + (f"training sample {result.index}" if result.status == "training-sample"
                         else f"the centre of rows {group} (an exact tie)")
                      + ", exactly"),
        "digits": proof["digits"],
        "data": [_vec(row) for row in proof["data"]],
        "start": _vec(proof["start"]),
        "frame": {"shift": _vec(proof["shift"]), "scale": _q(proof["scale"])},
        "endpoint": {"kind": result.status, "rows": group,
                     "point": _vec(result.exact_endpoint or [])},
        "steps": steps,
        "tail": {"epsilon": _q(proof["epsilon"])},
        "reflections": [list(p) for p in proof.get("reflections", [])],
    }
    doc["sha256"] = digest(doc)
    return doc


def write_certificate(result: EndpointResult, path: str | Path) -> Path:
    """Write the certificate of ``result`` to ``path`` atomically."""
    from derivations.printing import write_text_atomic

    return write_text_atomic(Path(path), json.dumps(certificate_document(result), indent=1) + "\n")

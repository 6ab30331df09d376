r"""Certified endpoints of deterministic oracle generation (the public surface of the engine).

* :func:`certify_endpoint` — where the flow from one start :math:`Z_1` ends: a training sample
  (exactly, with the tail radius and the commit SNR), an exact tie (the centre of the tied atoms),
  a tie the precision cannot separate, or ``undecided`` when the step budget runs out
  (:class:`EndpointResult`; inputs must be exact rationals, :class:`EngineError` otherwise);
* :func:`batch_endpoints` — many starts at once in float64, a *screen* with a trust flag per
  row; untrusted rows are re-run by :func:`certify_endpoint` (:class:`BatchResult`);
* :func:`tail_certificate` — the closed-form tail lemma that turns a trajectory into a proof.

What is proven and what is estimated is in ``docs/engine.md``.
"""

from __future__ import annotations

from .batch import BatchResult, batch_endpoints
from .certificate import tail_certificate
from .endpoint import EndpointResult, EngineError, certify_endpoint

__all__: list[str] = ["certify_endpoint", "EndpointResult", "EngineError", "batch_endpoints", "BatchResult",
           "tail_certificate"]

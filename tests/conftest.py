"""Shared test configuration: Hypothesis profiles and known-bug probes.

Profiles (choose with ``HYPOTHESIS_PROFILE``; ``ci`` is the default):

* ``ci``  — deterministic (``derandomize``), no deadline, few examples, no shrinking: the
  suite stays fast and a failure is reported at once (as drawn, not minimised).
* ``dev`` — random, more examples, shrinking: for local bug hunting.
"""

from __future__ import annotations

import os

from hypothesis import HealthCheck, Phase, settings

settings.register_profile(
    "ci", deadline=None, derandomize=True, database=None, max_examples=8,
    # no shrinking: some examples take ~0.5 s (symbolic limits, 40-digit quadrature), and a
    # failure must be reported in seconds, not after minutes of shrinking
    phases=[Phase.explicit, Phase.reuse, Phase.generate, Phase.target],
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
    print_blob=True,
)
settings.register_profile("dev", deadline=None, max_examples=60,
                          suppress_health_check=[HealthCheck.too_slow])
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "ci"))

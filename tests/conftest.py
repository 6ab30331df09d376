"""Shared test configuration: Hypothesis profiles and known-bug probes.

Profiles (choose with ``HYPOTHESIS_PROFILE``; ``ci`` is the default):

* ``ci``  — deterministic (``derandomize``), no deadline, few examples, no shrinking: the
  suite stays fast and a failure is reported at once (as drawn, not minimised).
* ``dev`` — random, more examples, shrinking: for local bug hunting.
"""

from __future__ import annotations

import atexit
import os
import shutil
import tempfile

import hypothesis.configuration
import pytest
from hypothesis import HealthCheck, Phase, settings

# Hypothesis keeps its example database and caches in ./.hypothesis; the test run keeps them in
# a temporary directory instead, removed at exit, so that it leaves nothing in the working tree.
_HYPOTHESIS_HOME = tempfile.mkdtemp(prefix="memverify-tests-hypothesis-")
hypothesis.configuration.set_hypothesis_home_dir(_HYPOTHESIS_HOME)
atexit.register(shutil.rmtree, _HYPOTHESIS_HOME, ignore_errors=True)

# The persistent cache of derivations (verify/cache.py) lives in a temporary directory too: the tests
# neither read a user's cache nor write into their home.
if "MEMVERIFY_CACHE" not in os.environ:
    _CACHE_HOME = tempfile.mkdtemp(prefix="memverify-tests-cache-")
    os.environ["MEMVERIFY_CACHE"] = _CACHE_HOME
    atexit.register(shutil.rmtree, _CACHE_HOME, ignore_errors=True)

settings.register_profile(
    "ci", deadline=None, derandomize=True, database=None, max_examples=8,
    # no shrinking: some examples take ~0.5 s (symbolic limits, 40-digit quadrature), and a
    # failure must be reported in seconds, not after minutes of shrinking
    phases=[Phase.explicit, Phase.reuse, Phase.generate, Phase.target],
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
    print_blob=True,
)
settings.register_profile("dev", deadline=None, max_examples=60, database=None,
                          suppress_health_check=[HealthCheck.too_slow])
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "ci"))


@pytest.fixture
def refuses(capsys, tmp_path, monkeypatch):
    """``refuses(argv)``: ``memverify ARGV`` exits 2 with one line on stderr, no traceback, and
    writes nothing (run in an empty working directory)."""
    from verify.cli import main

    def check(argv: list[str]) -> str:
        monkeypatch.chdir(tmp_path)
        code = main(argv)
        out, err = capsys.readouterr()
        assert code == 2, (out, err)
        assert err.startswith("memverify") and err.count("\n") == 1 and "Traceback" not in err
        assert list(tmp_path.iterdir()) == []
        return err

    return check

"""Claims of your own through ``--plugin``: the docs' example, registered without editing memverify."""

from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path

DOCS = Path(__file__).resolve().parents[1] / "docs" / "verdicts.md"


def _example(tmp_path: Path, name: str = "mine") -> Path:
    code = re.search(r"```python\n(.*?)```", DOCS.read_text(encoding="utf-8"), re.S).group(1)
    path = tmp_path / f"{name}.py"
    path.write_text(code, encoding="utf-8")
    return path


def _memverify(*args: str, cwd: Path) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "verify", *args], cwd=cwd, capture_output=True, text=True,
                          timeout=600, check=False)


def test_a_plugin_claim_runs_and_is_reported_like_a_built_in(tmp_path: Path):
    plugin = _example(tmp_path)
    run = _memverify("run", "--plugin", str(plugin), "--claims", "MINE-*", "--schedules", "linear",
                     "--out", "rep", "--jobs", "1", cwd=tmp_path)
    assert run.returncode == 0, run.stderr[-2000:]
    report = json.loads((tmp_path / "rep" / "report.json").read_text())
    (claim,) = report["claims"]
    assert claim["id"] == "MINE-1" and claim["status"] == "verified"
    assert claim["evidence"][0]["rigorous"] is True
    listed = _memverify("claims", "--plugin", str(plugin), "--report", "rep/report.json", cwd=tmp_path)
    assert listed.returncode == 0 and re.search(r"MINE-1 .*verified", listed.stdout)


def test_a_plugin_that_breaks_the_rules_is_refused_on_one_line(tmp_path: Path):
    bad = tmp_path / "dup.py"
    bad.write_text("from verify.registry import Claim, register\n"
                   "register(Claim('LLY25-P1', 'LLY25', '-', 't', 's', 'quoted', 'c'))\n", encoding="utf-8")
    out = _memverify("run", "--plugin", str(bad), cwd=tmp_path)
    assert out.returncode == 2 and len(out.stderr.strip().splitlines()) == 1
    assert "--plugin" in out.stderr and "Traceback" not in out.stderr
    assert sorted(p.name for p in tmp_path.iterdir()) == ["dup.py"]

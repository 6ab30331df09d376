"""The README's two set-up commands are exactly the ones CI runs."""

from __future__ import annotations

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def readme_setup_commands() -> list[str]:
    text = (ROOT / "README.md").read_text()
    block = re.search(r"<!-- setup -->\s*```(?:bash|sh)?\n(.*?)```", text, re.S)
    assert block, "README.md needs a fenced block after <!-- setup -->"
    return [line.strip() for line in block.group(1).splitlines() if line.strip()]


def ci_commands() -> list[str]:
    lines = (ROOT / ".ci" / "run").read_text().splitlines()
    return [line.split("  # README")[0].strip() for line in lines if line.rstrip().endswith("# README")]


def test_readme_has_exactly_two_setup_commands():
    commands = readme_setup_commands()
    assert len(commands) == 2
    assert "memverify run" in commands[0] and "pip install" in commands[0]
    assert "pytest" in commands[1]


def test_ci_runs_the_readme_commands_verbatim():
    assert ci_commands() == readme_setup_commands()


def test_ci_uses_a_fresh_virtual_environment():
    text = (ROOT / ".ci" / "run").read_text()
    assert "-m venv" in text and "set -euo pipefail" in text

"""The tutorials of the docs site (docs/tutorials/*.md) run as written, and the API pages stay complete.

Conventions of a tutorial page (kept invisible in the rendered site):

* every ```` ```python ```` block is executed, in order, in one namespace per tutorial (a fresh
  Python interpreter of its own, as a reader would start); every ```` ```bash ```` block is run
  line by line (a trailing backslash continues a line; blank lines and ``#`` comments are
  skipped) with bash, ``memverify`` and ``python`` taken from the environment that runs the
  tests. Both kinds run in the same fresh temporary directory, so a file written by one block is
  there for the next;
* a ```` ```text ```` block that directly follows a python or bash block (only blank lines in
  between) is that block's output: the python block's stdout, or the bash commands' stdout
  followed by their stderr, with trailing spaces ignored; ``...`` stands for any text (as in
  doctest's ELLIPSIS);
* every command must exit with status 0, except the single command of a bash block preceded by
  ``<!-- expect-exit: N -->``, which must exit with status N.

Blocks in other languages (``csv``, ``json``, ...) are shown, not run.
"""

from __future__ import annotations

import importlib
import json
import os
import re
import select
import shutil
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
TUTORIALS = sorted((ROOT / "docs" / "tutorials").glob("*.md"))
COMMAND_TIMEOUT = 120  # seconds; every command of the tutorials takes a few

_FENCE = re.compile(r"^```([\w-]*)[^\n]*\n(.*?)^```[ \t]*$", re.MULTILINE | re.DOTALL)
_EXPECT_EXIT = re.compile(r"<!--\s*expect-exit:\s*(\d+)\s*-->\s*$")


@dataclass
class Block:
    language: str
    code: str
    line: int  # line of the opening fence, for messages
    expect_exit: int = 0
    output: str | None = None  # the text block that follows, if any


def parse(text: str) -> list[Block]:
    """The python and bash blocks of a page, with their expected output and exit status."""
    blocks: list[Block] = []
    previous: Block | None = None
    end = 0
    for m in _FENCE.finditer(text):
        language, code = m.group(1).lower(), m.group(2)
        between = text[end:m.start()]
        line = text.count("\n", 0, m.start()) + 1
        end = m.end()
        if language == "text" and previous is not None and not between.strip():
            previous.output = code
            previous = None
            continue
        previous = None
        if language not in ("python", "bash"):
            continue
        expect = _EXPECT_EXIT.search(between.rstrip())
        block = Block(language, code, line, int(expect.group(1)) if expect else 0)
        if block.expect_exit and language != "bash":
            raise ValueError(f"line {line}: expect-exit applies to bash blocks only")
        blocks.append(block)
        previous = block
    return blocks


def commands(code: str) -> list[str]:
    """The command lines of a bash block (continuations joined, comments and blank lines dropped)."""
    out: list[str] = []
    pending = ""
    for raw in code.splitlines():
        line = pending + (raw.lstrip() if pending else raw)
        if line.rstrip().endswith("\\"):
            pending = line.rstrip()[:-1].rstrip() + " "
            continue
        pending = ""
        if line.strip() and not line.lstrip().startswith("#"):
            out.append(line.strip())
    if pending.strip():
        out.append(pending.strip())
    return out


def _normal(text: str) -> str:
    return "\n".join(line.rstrip() for line in text.strip("\n").splitlines())


def matches(expected: str, actual: str) -> bool:
    """Whether ``actual`` is ``expected`` with each ``...`` standing for any text."""
    pattern = ".*?".join(re.escape(part) for part in _normal(expected).split("..."))
    return re.fullmatch(pattern, _normal(actual), re.DOTALL) is not None


def _environment() -> dict[str, str]:
    env = dict(os.environ)
    env["PATH"] = str(Path(sys.executable).parent) + os.pathsep + env.get("PATH", "")
    env.pop("PYTHONSTARTUP", None)
    return env


def _run_bash(block: Block, cwd: Path, where: str) -> str:
    lines = commands(block.code)
    if block.expect_exit and len(lines) != 1:
        raise AssertionError(f"{where}: a block marked expect-exit must hold exactly one command")
    bash = shutil.which("bash") or "/bin/bash"
    stdout, stderr = [], []
    for command in lines:
        done = subprocess.run([bash, "-c", command], cwd=cwd, env=_environment(), capture_output=True,
                              text=True, timeout=COMMAND_TIMEOUT)
        stdout.append(done.stdout)
        stderr.append(done.stderr)
        assert done.returncode == block.expect_exit, (
            f"{where}: `{command}` exited with {done.returncode}, expected {block.expect_exit}\n"
            f"stdout:\n{done.stdout}\nstderr:\n{done.stderr}")
    return "".join(stdout) + "".join(stderr)


#: The Python session of one tutorial: a fresh interpreter that executes each block it is sent (one
#: JSON line on stdin) in one namespace and answers on its own pipe with the block's stdout, so that
#: nothing a tutorial imports or registers leaks into the test session.
_SESSION = r"""
import contextlib, io, json, os, sys, traceback
replies = os.fdopen(int(sys.argv[1]), "w")
namespace = {"__name__": "__main__"}
for request in sys.stdin:
    block = json.loads(request)
    captured = io.StringIO()
    error = ""
    try:
        with contextlib.redirect_stdout(captured):
            exec(compile(block["code"], block["where"], "exec"), namespace)
    except BaseException:
        error = traceback.format_exc()
    replies.write(json.dumps({"output": captured.getvalue(), "error": error}) + "\n")
    replies.flush()
"""


class PythonSession:
    """One Python interpreter per tutorial, in the tutorial's working directory."""

    def __init__(self, cwd: Path) -> None:
        read, write = os.pipe()
        self.process = subprocess.Popen([sys.executable, "-c", _SESSION, str(write)], cwd=cwd,
                                        env=_environment(), stdin=subprocess.PIPE,
                                        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                                        pass_fds=(write,), text=True)
        os.close(write)
        self.replies = os.fdopen(read, "r")

    def run(self, block: Block, where: str) -> str:
        assert self.process.stdin is not None
        self.process.stdin.write(json.dumps({"code": block.code, "where": where}) + "\n")
        self.process.stdin.flush()
        ready, _, _ = select.select([self.replies], [], [], COMMAND_TIMEOUT)
        line = self.replies.readline() if ready else ""
        if not line:
            raise AssertionError(f"{where}: no answer from the Python session within {COMMAND_TIMEOUT} s "
                                 f"(exit status {self.process.poll()})")
        reply = json.loads(line)
        assert not reply["error"], f"{where}: the block raised\n{reply['error']}"
        return reply["output"]

    def close(self) -> None:
        if self.process.stdin is not None:
            self.process.stdin.close()
        try:
            self.process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()
        self.replies.close()


@pytest.mark.parametrize("page", TUTORIALS, ids=lambda p: p.stem)
def test_tutorial_runs_as_written(page: Path, tmp_path: Path) -> None:
    blocks = parse(page.read_text(encoding="utf-8"))
    assert any(b.language == "python" for b in blocks) and any(b.language == "bash" for b in blocks), (
        f"{page.name}: a tutorial shows both the Python API and the command line")
    session = PythonSession(tmp_path)
    try:
        for block in blocks:
            where = f"{page.relative_to(ROOT)}:{block.line}"
            if block.language == "python":
                output = session.run(block, where)
            else:
                output = _run_bash(block, tmp_path, where)
            if block.output is not None:
                assert matches(block.output, output), (
                    f"{where}: the output differs from the page\n--- page:\n{block.output}\n"
                    f"--- actual:\n{output}")
    finally:
        session.close()


def test_the_page_conventions() -> None:
    page = """Text.

```python
print("hello")
```

```text
h...o
```

<!-- expect-exit: 2 -->
```bash
memverify falsify --claim X \\
    --budget 0   # a comment
```

Prose between, so this is not an output:

```text
shown only
```

```json
{"not": "run"}
```
"""
    python, bash = parse(page)
    assert (python.language, python.expect_exit, python.output) == ("python", 0, "h...o\n")
    assert (bash.language, bash.expect_exit, bash.output) == ("bash", 2, None)
    assert commands(bash.code) == ["memverify falsify --claim X --budget 0   # a comment"]
    assert matches(python.output, "hello\n") and matches("a ... c", "a b\nb c  \n")
    assert not matches("a ... c", "a b d") and not matches("hello", "hello world")


def test_tutorials_exist_and_are_in_the_site_nav() -> None:
    names = {p.stem for p in TUTORIALS}
    assert {"falsify-your-bound", "certify-your-data", "dsm-gap"} <= names
    nav = (ROOT / "mkdocs.yml").read_text(encoding="utf-8")
    for page in TUTORIALS:
        assert f"tutorials/{page.name}" in nav, f"{page.name} is missing from the nav of mkdocs.yml"


API_PAGES = {"derivations": "derivations", "verify.engine": "engine", "verify.separation": "separation",
             "verify.gmm": "gmm", "verify.sampling": "sampling", "verify.falsify": "falsify",
             "verify.registry": "registry", "verify.claim": "claim", "verify.verdicts": "verdicts",
             "verify.plugins": "plugins", "verify.strategies": "strategies"}


@pytest.fixture(scope="module")
def griffe_packages():
    """``derivations`` and ``verify`` as mkdocstrings sees them (loaded once, statically)."""
    griffe = pytest.importorskip("griffe")
    extensions = griffe.load_extensions(str(ROOT / "docs" / "_ext" / "rst_roles.py") + ":RstRoles")
    loader = griffe.GriffeLoader(search_paths=[str(ROOT)], extensions=extensions)
    packages = {name: loader.load(name) for name in ("derivations", "verify")}
    loader.resolve_aliases(implicit=False, external=False)
    return packages


@pytest.mark.parametrize("module", sorted(API_PAGES))
def test_api_page_renders_the_public_names(module: str, griffe_packages) -> None:
    """docs/api/<page>.md renders ``module`` with Griffe's "public" filter (mkdocs.yml), which must
    select exactly the names of ``module.__all__``, lazily loaded exports included (the Griffe
    extension docs/_ext/rst_roles.py). Needs the ``docs`` extra; skipped without it."""
    page = (ROOT / "docs" / "api" / f"{API_PAGES[module]}.md").read_text(encoding="utf-8")
    assert re.search(rf"^::: {re.escape(module)}\n", page, re.MULTILINE), f"no '::: {module}' directive"
    top, _, rest = module.partition(".")
    package = griffe_packages[top][rest] if rest else griffe_packages[top]
    rendered = {name for name, member in package.members.items() if member.is_public and not member.is_module}
    public = set(importlib.import_module(module).__all__)
    assert rendered == public, (f"docs/api/{API_PAGES[module]}.md would render {sorted(rendered - public)} "
                                f"beyond {module}.__all__ and miss {sorted(public - rendered)}")

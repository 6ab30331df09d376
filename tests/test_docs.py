"""The generated pages of docs/ match what the code produces now (run `memverify docs`)."""

from __future__ import annotations

from pathlib import Path

from verify.docs import generated_pages

DOCS = Path(__file__).resolve().parents[1] / "docs"


def test_generated_pages_are_up_to_date():
    stale = [rel for rel, text in generated_pages().items()
             if not (DOCS / rel).exists() or (DOCS / rel).read_text() != text]
    assert not stale, f"stale docs (run `memverify docs`): {stale}"


def test_index_links_every_generated_page():
    index = (DOCS / "index.md").read_text()
    for rel in generated_pages():
        assert rel in index, rel
    assert "figures/limits.png" in index and (DOCS / "figures" / "limits.png").exists()

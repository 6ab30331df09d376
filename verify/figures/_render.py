"""Shared rendering: headless matplotlib, PNG bytes (reports write them atomically)."""

from __future__ import annotations

import io

MARKERS = ("o", "s", "^", "D", "v", "x")


def pyplot():
    """matplotlib.pyplot on the Agg backend."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    return plt


def png(fig) -> bytes:
    """The figure as PNG bytes (no timestamp metadata, so output is reproducible); closes it.
    Every text of the figure (titles, labels, legends, annotations) writes infinity as ``∞``,
    not SymPy's ``oo`` (:func:`derivations.display.infinity_symbols`)."""
    from matplotlib.text import Text

    from derivations.display import infinity_symbols

    for text in fig.findobj(Text):
        content = text.get_text()
        if "oo" in content and not content.startswith("$"):
            text.set_text(infinity_symbols(content))
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=110, bbox_inches="tight", metadata={"Software": None})
    pyplot().close(fig)
    return buf.getvalue()

"""Figures (matplotlib, headless), rendered to PNG bytes so reports can write them atomically.

One module per family of claims: :mod:`.foundation` (flows, limits, certified endpoints);
later issues add their own modules next to it.
"""

from .foundation import commit_law_figure, flows_figure, limits_figure, radii_histogram, trajectories_figure

__all__ = ["commit_law_figure", "flows_figure", "limits_figure", "radii_histogram", "trajectories_figure"]

"""``memverify separation gap|lipschitz``: the separation checks from the command line.

Each subcommand's options and handler live with the code they drive (:mod:`.gap`,
:mod:`.lipschitz`); this module only groups them. Bad input raises
:class:`~verify.separation.scores.SeparationError`: one line, exit 2, nothing written.
"""

from __future__ import annotations

import argparse
from typing import Any

__all__ = ["add_separation_parser"]


def add_separation_parser(subparsers: Any) -> argparse.ArgumentParser:
    """Add ``separation`` with its subcommands to ``subparsers`` (from ``add_subparsers``)."""
    from ..arguments import add_group
    from . import gap, lipschitz

    return add_group(
        subparsers, "separation", "DSM loss gap and score Lipschitz constants (Ye, Zhu, Tao, Chen)",
        "The empirical-vs-true DSM loss gap (a Fisher divergence) over noise levels, and the Lipschitz "
        "constants of the empirical and the true score (arXiv 2511.03202), in their OU convention "
        "alpha_s = exp(-s/2), sigma_s^2 = 1 - exp(-s).",
        [("gap", "Monte-Carlo loss gap E_D[gap_s] with confidence intervals, the small-s asymptote and "
                 "the departure point", gap.add_arguments, gap.command),
         ("lipschitz", "Lipschitz constant of the empirical score against the Gaussian one",
          lipschitz.add_arguments, lipschitz.command)])

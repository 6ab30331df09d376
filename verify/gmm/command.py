"""``memverify gmm losses|crossover|sweep``: the laboratory from the command line.

Each subcommand's options and handler live with the code they drive (:mod:`.crossover`,
:mod:`.sweep`); this module only groups them. Bad input raises
:class:`~verify.gmm.data.GMMError`: one line, exit 2, nothing written.
"""

from __future__ import annotations

import argparse
from typing import Any

__all__ = ["add_gmm_parser"]


def add_gmm_parser(subparsers: Any) -> argparse.ArgumentParser:
    """Add ``gmm`` with its three subcommands to ``subparsers`` (from ``add_subparsers``)."""
    from ..arguments import add_group
    from . import crossover, sweep

    return add_group(
        subparsers, "gmm", "the Gaussian-mixture memorization laboratory (Buchanan et al.)",
        "Training losses of the generalizing, memorizing and partially memorizing denoisers, the "
        "loss-crossover prediction of M*, and the phase-transition sweep of trained M-component "
        "denoisers (arXiv 2508.17689).",
        [("losses", "training losses per noise level with confidence intervals and the approximations",
          crossover.add_losses_arguments, crossover.losses_command),
         ("crossover", "the crossover M*/N for each weighting and each reading of C, against 4/5",
          crossover.add_crossover_arguments, crossover.crossover_command),
         ("sweep", "train M-component denoisers over M and locate the memorization transition "
                   "(resumable: each finished result is written atomically)",
          sweep.add_arguments, sweep.command)])

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
    from ..cli import _Parser

    p = subparsers.add_parser(
        "gmm", help="the Gaussian-mixture memorization laboratory (Buchanan et al.)",
        description="Training losses of the generalizing, memorizing and partially memorizing "
                    "denoisers, the loss-crossover prediction of M*, and the phase-transition sweep "
                    "of trained M-component denoisers (arXiv 2508.17689).")
    sub = p.add_subparsers(dest="gmm_command", metavar="SUBCOMMAND", parser_class=_Parser)
    sub.required = True

    from . import crossover, sweep

    table = (
        ("losses", "training losses per noise level with confidence intervals and the approximations",
         crossover.add_losses_arguments, crossover.losses_command),
        ("crossover", "the crossover M*/N for each weighting and each reading of C, against 4/5",
         crossover.add_crossover_arguments, crossover.crossover_command),
        ("sweep", "train M-component denoisers over M and locate the memorization transition "
                  "(resumable: each finished result is written atomically)",
         sweep.add_arguments, sweep.command),
    )
    for name, help_text, add_arguments, handler in table:
        child = sub.add_parser(name, help=help_text, description=help_text[0].upper() + help_text[1:] + ".")
        add_arguments(child)
        child.set_defaults(func=handler)
    return p

"""The ``memverify`` command line.

One module per subcommand (:mod:`.run`, :mod:`.claims`, :mod:`.derive`, :mod:`.latex`,
:mod:`.endpoint`, :mod:`.sample`, :mod:`.docs`, :mod:`.falsify`, :mod:`.gmm`,
:mod:`.sweep`, :mod:`.separation`, :mod:`.selftest`), each with ``add_parser(subparsers)`` and its handler,
over the shared option types of :mod:`.arguments` (which imports nothing else from this package).

Exit codes: 0 the command completed (whatever the verdicts); 1 internal error; 2 bad input
(one line on stderr, nothing written); 3 ``latex --pdf`` found no LaTeX engine (the .tex is
still written); 4 ``run`` completed and wrote its report, but a claim's checker failed (that
claim is ``inconclusive``, named on stderr); 5 ``selftest``: a mutant survived.
"""

from __future__ import annotations

import argparse
import contextlib
import os
import signal
import sys
import threading
import warnings

from . import (
    certificate,
    claims,
    derive,
    docs,
    endpoint,
    falsify,
    gmm,
    latex,
    run,
    sample,
    selftest,
    separation,
    sweep,
)
from .arguments import (
    DIGITS_RANGE,
    EXIT_CHECKER_FAILED,
    EXIT_INTERNAL,
    EXIT_NO_ENGINE,
    EXIT_OK,
    EXIT_USAGE,
    CommandParser,
    UsageError,
)

__all__ = ["main", "build_parser", "UsageError", "DIGITS_RANGE", "EXIT_OK", "EXIT_INTERNAL", "EXIT_USAGE",
           "EXIT_NO_ENGINE", "EXIT_CHECKER_FAILED"]

#: The subcommands, in the order of ``memverify --help``.
SUBCOMMANDS = (run, claims, derive, latex, endpoint, certificate, sample, docs, falsify, gmm, sweep,
               separation, selftest)


def build_parser() -> argparse.ArgumentParser:
    """The argument parser (its help is the command reference)."""
    p = CommandParser(prog="memverify", description=(
        "Symbolic-numeric verification of memorization theory for generative models built on "
        "stochastic interpolation. Schedules: a built-in name (linear, linear-brownian, "
        "trigonometric, vp-linear-sigma) or 'alpha=EXPR; beta=EXPR; gamma=EXPR[; zeta=EXPR]' "
        "in t (or 'alpha=...; sigma=...')."),
        epilog="Exit codes: 0 completed, 1 internal error, 2 bad input, 3 no LaTeX engine for --pdf, "
               "4 a claim's checker failed (report written, that claim inconclusive), "
               "5 selftest: a mutant survived, 6 certificate check: the certificate was rejected.")
    sub = p.add_subparsers(dest="command", metavar="COMMAND", parser_class=CommandParser)
    sub.required = True
    for module in SUBCOMMANDS:
        module.add_parser(sub)
    return p


class Terminated(KeyboardInterrupt):
    """SIGTERM or SIGHUP: unwinds like an interrupt, so that temporary files are removed."""


@contextlib.contextmanager
def _terminations_unwind():
    """Turn SIGTERM and SIGHUP into :class:`Terminated` while a command runs (main thread only)."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return

    def handler(signum: int, frame: object) -> None:
        raise Terminated(signal.Signals(signum).name)

    previous = {}
    for sig in (signal.SIGTERM, getattr(signal, "SIGHUP", None)):
        if sig is not None:
            previous[sig] = signal.signal(sig, handler)
    try:
        yield
    finally:
        for sig, old in previous.items():
            signal.signal(sig, old)


def _one_line(exc: BaseException) -> str:
    from derivations.display import infinity_symbols

    return infinity_symbols(" ".join(str(exc).split()))


def _is_user_error(exc: BaseException) -> bool:
    """Bad input, by type; the error modules are consulted only if something imported them."""
    kinds: list[type] = [UsageError]
    for module, name in (("verify.inputs", "InputError"), ("derivations.numbers", "NumberError"),
                         ("derivations.expressions", "ExpressionError"),
                         ("derivations.schedules", "ScheduleError"), ("verify.datasets", "DataError"),
                         ("verify.registry", "UnknownClaimPattern"),
                         ("verify.engine.endpoint", "EngineError"), ("verify.gmm.data", "GMMError"),
                         ("verify.sweeps.engine", "SweepError"),
                         ("verify.separation.scores", "SeparationError"),
                         ("verify.sampling.coefficients", "SamplerError")):
        if module in sys.modules:
            kinds.append(getattr(sys.modules[module], name))
    return isinstance(exc, tuple(kinds))


def main(argv: list[str] | None = None) -> int:
    """Entry point of the ``memverify`` console script."""
    # The batch samplers multiply many small matrices; a multithreaded BLAS only adds contention
    # there (4-5x slower on a shared 2-core machine). A user's own setting wins.
    blas_vars = ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS")
    user_set = any(var in os.environ for var in blas_vars)
    for var in blas_vars:
        os.environ.setdefault(var, "1")  # for the processes this one starts
    if not user_set and "numpy" in sys.modules:  # loaded already (by an import above): limit its pool now
        from threadpoolctl import threadpool_limits

        threadpool_limits(1, user_api="blas")
    try:
        # numerical warnings (overflow in an exp that is then discarded, ...) are not for the terminal
        with _terminations_unwind(), warnings.catch_warnings():
            warnings.simplefilter("ignore")
            args = build_parser().parse_args(argv)
            return args.func(args)
    except SystemExit as exc:  # --help
        return int(exc.code or 0)
    except Terminated as exc:
        print(f"memverify: terminated ({exc}); temporary files removed", file=sys.stderr)
        return 143
    except KeyboardInterrupt:
        print("memverify: interrupted; temporary files removed", file=sys.stderr)
        return 130
    except BrokenPipeError:  # e.g. `memverify claims | head`
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 141
    except Exception as exc:  # noqa: BLE001 - the last line of defence
        if _is_user_error(exc):
            print(f"memverify: error: {_one_line(exc)}", file=sys.stderr)
            return EXIT_USAGE
        print(f"memverify: internal error: {type(exc).__name__}: {_one_line(exc)} "
              "(please report this with the command line)", file=sys.stderr)
        return EXIT_INTERNAL


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())

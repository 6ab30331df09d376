"""Adversarial endpoint suite: problems whose exact answer is known, run through the engine.

Families (each answer is a theorem, not a reference computation):

* ``two-atom``: random norms, scales 10^-8..10^8, offsets, starts up to |Z_1| = 10^6; the winner
  is the sign of <Z_1, X_a - X_b> (any norms).
* ``tie-off-origin``: two atoms (random norms, translated) and a translated square, with the
  start orthogonal to a symmetry normal: an exact tie, endpoint the centre.
* ``cube``: the vertices of a translated, scaled {0,1}^3 and Z_1 = 10^-k s (s random signs and
  magnitudes): the hyperplanes x_i = 1/2 are symmetries, so coordinate i of the endpoint is 1
  exactly when Z_1,i > 0 (k = 1..P-5, and beyond the precision).
* ``three-atom``: an isosceles triangle symmetric in x_1 = 0 and Z_1 = 10^-k e_1 + (0, t): the
  endpoint is never the mirror atom on the other side.

Every answer is compared: a certified endpoint that disagrees is *wrong* (must never happen);
``unresolved`` (too close to a tie for the precision) and ``budget`` are honest non-answers.

    python benchmarks/adversarial_endpoints.py [--digits 50] [--quick] [--certificates]
"""

from __future__ import annotations

import argparse
import random
import sys
import time
from collections import Counter
from fractions import Fraction as F
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from verify.engine import certify_endpoint  # noqa: E402


def _rand(rng: random.Random, scale: F) -> F:
    return F(rng.randint(-10**6, 10**6), 10**6) * scale


def cases(digits: int, quick: bool = False, seed: int = 0):
    """(family, data, start, judge) with judge(result) -> 'correct' or 'wrong'."""
    rng = random.Random(seed)
    out = []
    n_two = 8 if quick else 34
    for _ in range(n_two):
        scale = F(10) ** rng.randint(-8, 8)
        offset = [_rand(rng, scale * 10**5) for _ in range(2)]
        a = [offset[0] + _rand(rng, scale), offset[1] + _rand(rng, scale)]
        b = [offset[0] + _rand(rng, scale * rng.randint(1, 9)), offset[1] + _rand(rng, scale)]
        far = F(10) ** rng.randint(0, 6)
        z = [_rand(rng, far), _rand(rng, far)]
        u = [x - y for x, y in zip(a, b, strict=True)]
        s = sum(p * q for p, q in zip(z, u, strict=True))
        want = 0 if s > 0 else 1
        out.append(("two-atom", [a, b], z,
                    lambda r, want=want: "correct" if r.index == want else
                    ("honest" if r.outcome in ("budget", "precision", "snr-cap") else "wrong")))
    for _ in range(2 if quick else 8):
        scale = F(10) ** rng.randint(-6, 6)
        off = [_rand(rng, scale * 1000) for _ in range(2)]
        a = [off[0] + _rand(rng, scale), off[1] + _rand(rng, scale)]
        b = [off[0] + _rand(rng, scale * 3), off[1] + _rand(rng, scale * 3)]
        u = [x - y for x, y in zip(a, b, strict=True)]
        m = rng.randint(1, 50)
        z = [-u[1] * m / scale, u[0] * m / scale]  # orthogonal to u
        out.append(("tie-off-origin", [a, b], z,
                    lambda r: "correct" if r.status == "tie" and r.tie_kind == "exact" else "wrong"))
    for _ in range(1 if quick else 4):
        off = [_rand(rng, F(100)) for _ in range(2)]
        sq = [[off[0] + i, off[1] + j] for i in (0, 1) for j in (0, 1)]
        z = [F(rng.randint(1, 9)), F(rng.randint(1, 9))]
        z[1] = z[0]  # on the diagonal: the reflection swapping (1,0) and (0,1) fixes it
        # the flow commits to a corner along the diagonal or ties those two: either way not
        # (1, 0) or (0, 1) alone
        out.append(("tie-off-origin", sq, z,
                    lambda r: "correct" if (r.status == "tie" and sorted(r.tie_set) in ([1, 2],))
                    or r.index in (0, 3) else "wrong"))
    ks = ([1, 10, digits // 2, digits - 5, digits + 20] if quick
          else sorted({1, 2, 5, 10, 15, 20, 25, 30, digits - 15, digits - 10, digits - 5,
                       digits + 5, digits + 20}))
    for k in ks:
        scale = F(10) ** rng.randint(-3, 3)
        off = [_rand(rng, F(10)) for _ in range(3)]
        cube = [[off[0] + scale * i, off[1] + scale * j, off[2] + scale * m]
                for i in (0, 1) for j in (0, 1) for m in (0, 1)]
        signs = [rng.choice((-1, 1)) * F(rng.randint(1, 9)) for _ in range(3)]
        z = [s / F(10) ** k for s in signs]
        want = tuple(1 if s > 0 else 0 for s in signs)
        index = want[0] * 4 + want[1] * 2 + want[2]
        out.append((f"cube k={k}", cube, z,
                    lambda r, index=index: "correct" if r.index == index else
                    ("wrong" if r.status == "training-sample" or r.tie_kind == "exact" else "honest")))
    for k in ([2, digits - 5] if quick else [1, 5, 10, 20, 30, digits - 10, digits - 5, digits + 10]):
        tri = [[F(-1), F(0)], [F(1), F(0)], [F(0), F(3, 2)]]
        z = [F(1) / F(10) ** k, F(rng.randint(-3, 3), 4)]
        out.append((f"three-atom k={k}", tri, z,
                    lambda r: "wrong" if (r.status == "training-sample" and r.index == 0)
                    or r.tie_kind == "exact" else ("correct" if r.status == "training-sample" else "honest")))
    return out


def run(digits: int, quick: bool, seed: int = 0, verbose: bool = True,
        certificates: bool = False) -> Counter:
    """Run the suite; a Counter of (family kind, verdict) plus 'wrong' rows printed. With
    ``certificates``, every certified answer's proof is re-checked by verify.proofcheck."""
    from verify.engine.certfile import certificate_document
    from verify.proofcheck import CertificateRejected, check_certificate

    tally: Counter = Counter()
    for family, data, start, judge in cases(digits, quick, seed):
        t0 = time.perf_counter()
        r = certify_endpoint(data, start, digits=digits, max_steps=5000, certificate=certificates)
        verdict = judge(r)
        if certificates and r.outcome == "certified":
            try:
                check_certificate(certificate_document(r))
                tally[("certificate accepted",)] += 1
            except CertificateRejected as exc:
                tally[("certificate rejected",)] += 1
                print(f"  certificate rejected: {exc}")
        outcome = ("certified" if r.outcome == "certified" else
                   "unresolved" if r.outcome == "precision" else r.outcome)
        kind = family.split(" ")[0]
        tally[(kind, outcome)] += 1
        tally[("wrong",) if verdict == "wrong" else ("ok",)] += 1
        if verbose:
            print(f"{family:18s} {outcome:10s} {verdict:8s} {r.status:16s} index={r.index} "
                  f"ties={r.tie_set} steps={r.steps} {time.perf_counter() - t0:6.2f} s", flush=True)
    return tally


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--digits", type=int, default=50)
    ap.add_argument("--quick", action="store_true")
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--certificates", action="store_true",
                    help="re-check every certified answer's proof with verify.proofcheck")
    args = ap.parse_args()
    tally = run(args.digits, args.quick, args.seed, certificates=args.certificates)
    print()
    kinds = sorted({k[0] for k in tally if len(k) == 2})
    print(f"{'family':16s} {'certified':>9s} {'unresolved':>10s} {'budget':>6s}")
    for kind in kinds:
        print(f"{kind:16s} {tally[(kind, 'certified')]:9d} {tally[(kind, 'unresolved')]:10d} "
              f"{tally[(kind, 'budget')]:6d}")
    print(f"wrong: {tally[('wrong',)]}")
    if args.certificates:
        print(f"certificates: {tally[('certificate accepted',)]} accepted, "
              f"{tally[('certificate rejected',)]} rejected")
    return 1 if tally[("wrong",)] or tally[("certificate rejected",)] else 0


if __name__ == "__main__":
    raise SystemExit(main())

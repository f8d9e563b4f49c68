"""`python -m bench`: measure the log against its targets and its peers, print the table, write RESULTS.md."""

from __future__ import annotations

import argparse
import os
import shlex
import shutil
import sys
import tempfile
from pathlib import Path

from bench.databases import Databases, ensure_postgres
from bench.measure import ROOT, Bench, Plan
from bench.report import render

# A database of its own: the log's writer lock is per database, so sharing one with a running test
# suite would make the suite and the benchmark wait for each other (and skew the figures).
DEFAULT_POSTGRES = "postgresql+psycopg://postgres@127.0.0.1:5432/dtl_bench"


def parse_tiers(text: str) -> list[int]:
    """Read tiers such as `10k,100k,1M`."""
    tiers = []
    for part in text.split(","):
        part = part.strip().lower()
        factor = {"k": 1_000, "m": 1_000_000}.get(part[-1:], 1)
        tiers.append(int(float(part.rstrip("km")) * factor))
    return sorted(set(tiers))


def arguments(argv: list[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__)
    parser.add_argument("--tiers", type=parse_tiers, default=parse_tiers("10k,100k,1M"), help="default: 10k,100k,1M")
    parser.add_argument("--repeat", type=int, help="repetitions of every measurement (default: 5 / 3 / 2-3 by tier)")
    parser.add_argument("--quick", action="store_true", help="one repetition, fewer appends and cold starts")
    parser.add_argument("--no-postgres", action="store_true", help="measure SQLite only")
    parser.add_argument(
        "--postgres",
        metavar="URL",
        default=os.environ.get("DTL_BENCH_DATABASE_URL") or DEFAULT_POSTGRES,
        help="PostgreSQL database to measure on (created when missing); each run uses fresh schemas in it and "
        "drops them (default: $DTL_BENCH_DATABASE_URL, else %(default)s)",
    )
    parser.add_argument("--out", type=Path, default=ROOT / "bench" / "RESULTS.md", help="default: bench/RESULTS.md")
    parser.add_argument("--appends", type=int, help="events appended one at a time per repetition (default 1000)")
    parser.add_argument("--no-http", action="store_true", help="skip the figures of `dtl serve` (HTTP)")
    parser.add_argument("--keep", action="store_true", help="keep the work directory (logs, databases, documents)")
    return parser.parse_args(argv)


def main(argv: list[str]) -> int:
    args = arguments(argv)
    postgres = None if args.no_postgres else args.postgres
    if postgres is not None and (problem := ensure_postgres(postgres)):
        sys.stderr.write(f"warning: PostgreSQL is not available ({problem}); measuring SQLite only\n")
        postgres = None
    workdir = Path(tempfile.mkdtemp(prefix="dtl-bench-"))
    appends = args.appends or (200 if args.quick else 1000)
    plan = Plan(
        args.tiers, workdir, postgres, repeat=args.repeat, quick=args.quick, appends=appends, http=not args.no_http
    )
    databases = Databases(workdir, postgres)
    bench = Bench(plan, databases)
    bench.log(f"work directory {workdir}; PostgreSQL {'in use' if postgres else 'not in use'}")
    try:
        bench.cold_starts()
        for tier in plan.tiers:
            bench.tier(tier)
    finally:
        databases.close()
    failed = [check for check in bench.checks if check.ok is False]
    if not failed and not args.keep:
        shutil.rmtree(workdir, ignore_errors=True)
    command = "python -m bench " + shlex.join(argv) if argv else "python -m bench"
    console, document = render(bench, command.strip(), postgres)
    sys.stdout.write(console)
    args.out.write_text(document, encoding="utf-8")
    bench.log(f"wrote {args.out}")
    if failed:
        sys.stderr.write(f"error: {len(failed)} self-check(s) failed; the work directory {workdir} is kept\n")
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))

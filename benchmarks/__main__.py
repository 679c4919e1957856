"""``python -m benchmarks [--postgres URL] [--quick]``: run every benchmark, print one table.

Each benchmark is one function ``bench(context) -> list[Row]`` listed in
``BENCHMARKS``; adding a row group is adding a module and a line there.
The table and a description of the machine are written to ``benchmarks/RESULTS.md``.
The exit status is 1 only when a correctness check (SQL statements per request)
fails: targets on timings are reported, since they depend on the machine's load.
"""
from __future__ import annotations

import argparse
import dataclasses
import os
import pathlib
import sys
import time

from tokensite.testing import migrated_database

from . import inprocess, lookup, loopback, prune
from .report import Row, machine, table

#: (title, function) in the order they run and are printed
BENCHMARKS = [
    ("in-process request cost", inprocess.bench),
    ("token lookup at 10k and 1M tokens", lookup.bench),
    ("HTTP over loopback", loopback.bench),
    ("pruning 1M expired tokens", prune.bench),
]
RESULTS = pathlib.Path(__file__).with_name("RESULTS.md")


@dataclasses.dataclass(frozen=True)
class Context:
    """What every benchmark may use: a migrated database and how hard to try."""

    database_url: str
    database: str  # "SQLite" or "PostgreSQL"
    iterations: int  # requests per timed run in process
    lookup_sizes: tuple[int, int]
    http_seconds: float
    prune_size: int  # expired tokens made, then pruned
    api_prefix: str = "/api"


def parse_args(argv):
    parser = argparse.ArgumentParser(prog="python -m benchmarks", description=__doc__.splitlines()[0])
    parser.add_argument("--postgres", metavar="URL", default=os.environ.get("TOKENSITE_BENCH_POSTGRES_URL"),
                        help="also run on PostgreSQL (a database is created on this server and dropped)")
    parser.add_argument("--quick", action="store_true", help="fewer iterations and smaller tables, for a smoke run")
    parser.add_argument("--only", metavar="NAME", action="append",
                        help="run only benchmarks whose module name is this (repeatable)")
    return parser.parse_args(argv)


def contexts(args, url, database):
    if args.quick:
        return Context(url, database, iterations=300, lookup_sizes=(1_000, 20_000), http_seconds=1.0,
                       prune_size=100_000)
    return Context(url, database, iterations=2_000, lookup_sizes=(10_000, 1_000_000), http_seconds=3.0,
                   prune_size=1_000_000)


def run(context: Context, selected) -> list[Row]:
    rows = []
    for title, bench in selected:
        started = time.monotonic()
        print(f"[{context.database}] {title} ...", file=sys.stderr, flush=True)
        rows += [dataclasses.replace(row, name=f"{context.database}: {row.name}") for row in bench(context)]
        print(f"[{context.database}] {title}: {time.monotonic() - started:.1f} s", file=sys.stderr, flush=True)
    return rows


def main(argv=None) -> int:
    args = parse_args(argv)
    selected = [(title, bench) for title, bench in BENCHMARKS
                if not args.only or bench.__module__.rsplit(".", 1)[-1] in args.only]
    rows = []
    with migrated_database(prefix="tokensite_bench") as url:
        rows += run(contexts(args, url, "SQLite"), selected)
    if args.postgres:
        with migrated_database(args.postgres, prefix="tokensite_bench") as url:
            rows += run(contexts(args, url, "PostgreSQL"), selected)
    output = table(rows)
    print(output)
    about = machine()
    print(f"\n{about}")
    if not args.quick and not args.only:
        RESULTS.write_text(f"# Benchmark results\n\nThe last `make bench`, on {about}.\n\n{output}\n")
    # timings depend on the machine and its load, so only a failed check fails the run
    return 0 if all(row.met is not False for row in rows if row.check) else 1


if __name__ == "__main__":
    sys.exit(main())

"""`python -m bench`: search, the update path and the process, measured in one run.

`make bench` runs it pinned to one core and prints one table; `--json` prints the same
figures as JSON instead. Progress goes to standard error. It runs from a checkout (it is
not installed with the bot) and reads its queries from bench/data/.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from pathlib import Path

from bench import alerts_bench, checkin_bench, process_bench, search_bench, updates_bench
from bench.queries import load_quality, misspelled
from bench.report import Report, machine
from bench.synthetic import DEFAULT_SEED, grow
from bot.config import Config, ConfigError
from bot.hardening import harden_process
from knowledge.loader import load_or_raise
from knowledge.model import Snapshot

PARTS = ("search", "updates", "process", "checkins", "alerts")
QUICK = {"sizes": "300,1000", "updates": 400, "process_size": 500, "runs": 2}


BIG_ENV = "LANTERN_BENCH_100K"


def default_sizes() -> str:
    """1,000 and 10,000 entries; 100,000 too with LANTERN_BENCH_100K=1 (or --sizes): with
    its peers that size alone takes ten minutes or more on a shared 2-core machine."""
    big = os.environ.get(BIG_ENV, "").strip().lower() in ("1", "yes", "true")
    return "1000,10000,100000" if big else "1000,10000"


def _sizes(text: str) -> list[int]:
    try:
        sizes = sorted({int(part.replace("_", "")) for part in text.split(",") if part.strip()})
    except ValueError as exc:
        raise argparse.ArgumentTypeError("sizes are numbers separated by commas") from exc
    if not sizes or min(sizes) < 1:
        raise argparse.ArgumentTypeError("give at least one size of 1 or more")
    return sizes


def _parts(text: str) -> list[str]:
    parts = [p.strip() for p in text.split(",") if p.strip()]
    unknown = [p for p in parts if p not in PARTS]
    if unknown or not parts:
        raise argparse.ArgumentTypeError(f"parts are {', '.join(PARTS)}")
    return parts


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--json", action="store_true", help="write the figures as JSON")
    parser.add_argument(
        "--sizes",
        type=_sizes,
        default=None,
        help=f"base sizes for search (1000,10000; 100000 too with {BIG_ENV}=1)",
    )
    parser.add_argument("--runs", type=int, default=None, help="runs per figure (3)")
    parser.add_argument("--seed", type=int, default=DEFAULT_SEED, help="synthetic data seed")
    parser.add_argument("--updates", type=int, default=None, help="updates per run (2000)")
    parser.add_argument(
        "--update-size", type=int, default=10_000, help="entries behind the update path"
    )
    parser.add_argument(
        "--process-size", type=int, default=None, help="entries the process loads (10000)"
    )
    parser.add_argument(
        "--process-runs",
        type=int,
        default=3,
        help="restarts at --process-size after the first start (default 3)",
    )
    parser.add_argument("--queries", type=Path, default=None, help="search-quality directory")
    parser.add_argument(
        "--only",
        type=_parts,
        default=list(PARTS),
        help="comma list: search,updates,process,checkins,alerts",
    )
    parser.add_argument(
        "--quick", action="store_true", help="small sizes and few runs, to check it works"
    )


def main(args: argparse.Namespace, config: Config) -> int:
    started = time.perf_counter()

    def progress(message: str) -> None:
        print(f"[{time.perf_counter() - started:6.1f}s] {message}", file=sys.stderr, flush=True)

    quick = bool(getattr(args, "quick", False))
    sizes = args.sizes or _sizes(QUICK["sizes"] if quick else default_sizes())
    runs = max(1, args.runs or (QUICK["runs"] if quick else 3))
    count = args.updates or (QUICK["updates"] if quick else 2000)
    update_size = min(args.update_size, max(sizes)) if quick else args.update_size
    process_size = args.process_size or (QUICK["process_size"] if quick else 10_000)
    parts = args.only
    try:
        queries = load_quality(args.queries)
    except FileNotFoundError as exc:
        print(f"bench: {exc}", file=sys.stderr)
        return 2
    typos = misspelled(queries, args.seed)
    shipped = load_or_raise(config.content_dir)

    report = Report(
        settings={
            "sizes": sizes,
            "runs": runs,
            "seed": args.seed,
            "updates": count,
            "update_size": update_size,
            "process_size": process_size,
            "process_runs": args.process_runs,
            "parts": parts,
            "command": " ".join(["python -m bench", *getattr(args, "argv", sys.argv[1:])]),
        },
        machine=machine(),
    )
    wanted = set(sizes if "search" in parts else [])
    if "updates" in parts:
        wanted.add(update_size)
    if "process" in parts:
        wanted.add(process_size)
    bases: dict[int, Snapshot] = {}
    if wanted:  # `--only checkins` needs no content
        progress(f"generating synthetic bases of {', '.join(f'{s:,}' for s in sorted(wanted))}")
        bases = grow(shipped, sorted(wanted), args.seed)
    tip = search_bench.new_tip(shipped, args.seed)

    if "search" in parts:
        search_bench.bench_search(
            report,
            shipped,
            {size: bases[size] for size in sizes},
            queries,
            typos,
            runs=runs,
            seed=args.seed,
            build_runs=lambda size: runs if size <= 20_000 else min(runs, 2),
            progress=progress,
        )
    for size in sizes:
        if size not in (update_size, process_size):
            bases.pop(size, None)
    if "updates" in parts:
        updates_bench.bench_updates(
            report,
            bases[update_size],
            [*queries, *typos],
            count=count,
            runs=runs,
            seed=args.seed,
            tip=tip,
            progress=progress,
        )
    if "process" in parts:
        synthetic = bases[process_size].entries[len(shipped.entries) :]
        process_bench.bench_process(
            report,
            synthetic,
            size=process_size,
            runs=max(1, args.process_runs),
            shipped_runs=runs,
            progress=progress,
        )
    if "checkins" in parts:
        checkin_bench.bench_checkins(
            report, active=1_000 if quick else checkin_bench.ACTIVE, runs=runs, progress=progress
        )
    if "alerts" in parts:
        alerts_bench.bench_alerts(
            report, alerts=1_000 if quick else alerts_bench.ALERTS, runs=runs, progress=progress
        )
    report.note(
        f"Synthetic bases: the {len(shipped.entries)} shipped entries plus synthetic ones "
        f"(seed {args.seed}) modelled on them: same kinds, topics and regions, words drawn "
        "from the template's own text and the shipped text of each language, lengths like "
        "the template's, made-up place names, 1% typos (bench/synthetic.py)."
    )
    report.note("Ratios measured in the same run hold across machines; absolute times do not.")
    report.settings["seconds"] = round(time.perf_counter() - started, 1)
    if args.json:
        print(json.dumps(report.to_json(), indent=2, ensure_ascii=False))
    else:
        print(report.table())
        print(f"\n(took {report.settings['seconds']} s; `python -m bench --json` for JSON)")
    return 0


def run(argv: list[str] | None = None) -> int:
    """`python -m bench [OPTIONS]`, set up as `lantern` commands are (owner-only files,
    no core dumps, configuration from the environment)."""
    os.umask(0o077)
    hardening_problems = harden_process()
    parser = argparse.ArgumentParser(
        prog="python -m bench", description="measure search and update handling"
    )
    add_arguments(parser)
    argv = sys.argv[1:] if argv is None else argv
    args = parser.parse_args(argv)
    args.argv = list(argv)
    for problem in hardening_problems:
        print(f"bench: warning: {problem}", file=sys.stderr)
    try:
        config = Config.from_env()
    except ConfigError as exc:
        print(f"bench: configuration error: {exc}", file=sys.stderr)
        return 2
    return main(args, config)

"""`lantern bench`: placeholder wiring, filled in by the benchmark suite."""

from __future__ import annotations

import argparse

from bot.config import Config


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--json", action="store_true", help="write the figures as JSON")


def main(args: argparse.Namespace, config: Config) -> int:
    print("lantern bench: not implemented yet")
    return 1

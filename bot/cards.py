"""`lantern cards`: printable pocket cards with QR codes (placeholder wiring)."""

from __future__ import annotations

import argparse

from bot.config import Config


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--out", required=True)


def main(args: argparse.Namespace, config: Config) -> int:
    print("lantern cards: not implemented yet")
    return 1

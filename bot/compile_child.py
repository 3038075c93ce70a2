"""The child process of a first start (see bot.compiler): parse, check and save the
content compiled, then answer one JSON document on stdout."""

from __future__ import annotations

import json
import sys
from pathlib import Path

from bot.compiler import PROBLEMS, SAVED
from bot.content import compile_to
from bot.hardening import harden_process


def main(argv: list[str]) -> int:
    harden_process()
    if len(argv) != 3:
        print("usage: python -m bot.compile_child CONTENT_DIR COMPILED_DIR KEY", file=sys.stderr)
        return 2
    root, compiled_in, key = Path(argv[0]), Path(argv[1]), argv[2]
    try:
        problems = compile_to(root, compiled_in, key)
    except OSError as exc:
        print(f"cannot save: {type(exc).__name__}", file=sys.stderr)
        return 1
    if problems is None:
        print("the content changed while it was read", file=sys.stderr)
        return 1
    json.dump({PROBLEMS: problems} if problems else {SAVED: True}, sys.stdout)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))

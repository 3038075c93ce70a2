"""The child process of a first start (see bot.compiler): parse, check and save the
content compiled, then answer one JSON document on stdout.

Reading the YAML is half of its time, and each file can be read on its own: where the
machine has more than one core, the files are read by as many worker processes (their
entries and problems come back in file order, and ids are compared across files as if
read one by one). Everything after that runs here.
"""

from __future__ import annotations

import json
import multiprocessing
import os
import sys
from collections.abc import Iterable, Iterator
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from itertools import repeat
from pathlib import Path

from bot.compiler import PROBLEMS, SAVED
from bot.content import compile_to
from bot.hardening import harden_process
from knowledge.loader.directory import read_file

WORKERS = 4  # at most: more only adds start-up and copying back


def cores() -> int:
    if hasattr(os, "sched_getaffinity"):
        return len(os.sched_getaffinity(0))
    return os.cpu_count() or 1


def in_workers(
    files: list[Path], root: Path, slugs: frozenset[str], *, workers: int | None = None
) -> Iterator[list]:
    """`read_file` over `files`, in worker processes when there are cores for them."""
    workers = min(workers or cores(), WORKERS, len(files))
    here = (read_file(path, root, slugs) for path in files)
    if workers < 2:
        yield from here
        return
    pool = None
    try:
        # Spawned, not forked: nothing of this process is copied into the workers.
        context = multiprocessing.get_context("spawn")
        pool = ProcessPoolExecutor(max_workers=workers, mp_context=context)
        # Every file is handed out here, which starts the workers: nothing is read yet.
        read: Iterable[list] = pool.map(read_file, files, repeat(root), repeat(slugs))
    except (OSError, ImportError, NotImplementedError):
        # No semaphores (a read-only /dev/shm) or no processes to spare: read them here.
        if pool is not None:
            pool.shutdown(cancel_futures=True)
        yield from here
        return
    with pool:
        yield from read


def main(argv: list[str]) -> int:
    harden_process()
    if len(argv) != 3:
        print("usage: python -m bot.compile_child CONTENT_DIR COMPILED_DIR KEY", file=sys.stderr)
        return 2
    root, compiled_in, key = Path(argv[0]), Path(argv[1]), argv[2]
    try:
        try:
            problems = compile_to(root, compiled_in, key, map_files=in_workers)
        except BrokenProcessPool:
            # A worker died (out of memory, say): read the files here instead.
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

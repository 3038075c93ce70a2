"""A first start's parsing and checking, in a process of its own.

Parsing thousands of YAML entries makes millions of short-lived objects. Python and glibc
keep much of that memory after it is freed, so a bot that parsed its content itself would
go on serving with the memory of its busiest moment, well above what a restart needs.
Instead a child process (bot.compile_child) parses, checks and saves the compiled content,
then exits and hands all of it back; the bot reads the compiled file as any restart does.

The child gets the content directory, the compiled directory and the key as arguments,
and none of the bot's settings: no LANTERN_* variable, so never the token. It answers one
JSON document on stdout: the problems, or that it saved. Anything else (it could not
start, crashed, could not write, or ran past its time limit) is the caller's cue to
parse in its own process, as before; that is slower on memory, never wrong.
"""

from __future__ import annotations

import contextlib
import json
import logging
import os
import signal
import subprocess
import sys
from pathlib import Path

log = logging.getLogger("lantern.content")

CHILD = "bot.compile_child"  # the child's own module: it imports bot.content, which needs this
SAVED = "saved"
PROBLEMS = "problems"
# A child that hangs must not hold a first start for ever. Compiling takes about 0.7 s a
# megabyte of YAML on one core (10,000 entries: 72 MB, 52 s); the limit allows seven
# times that, and a minute for starting Python on a slow disk.
LIMIT_BASE_S = 60.0
LIMIT_PER_MB_S = 5.0


def compile_apart(root: Path, compiled_in: Path, key: str) -> list[str] | None:
    """The content's problems; [] when it was compiled and saved under `key`; None when
    the child did not manage either (the caller parses the content itself)."""
    if not _writable(compiled_in):
        return None
    env = {name: value for name, value in os.environ.items() if not name.startswith("LANTERN_")}
    limit = time_limit(root)
    try:
        # A process group of its own, so that stopping it stops its worker processes too.
        child = subprocess.Popen(
            [sys.executable, "-m", CHILD, str(root), str(compiled_in), key],
            env=env,
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            process_group=0,
        )
    except OSError as exc:
        log.warning("Could not start compiling content apart (%s).", type(exc).__name__)
        return None
    try:
        stdout, _ = child.communicate(timeout=limit)
    except subprocess.TimeoutExpired:
        _stop(child)
        log.warning(
            "Compiling content apart took longer than %d s; stopped it, reading the YAML "
            "files here.",
            limit,
        )
        return None
    except BaseException:
        _stop(child)  # interrupted (Ctrl-C): never leave it compiling on its own
        raise
    try:
        answer = json.loads(stdout) if child.returncode == 0 else None
    except ValueError:
        answer = None
    if not isinstance(answer, dict):
        # Only the exit code: the child's own errors may quote content or paths.
        log.warning(
            "Compiling content apart failed (exit %s); reading the YAML files here.",
            child.returncode,
        )
        return None
    if answer.get(SAVED) is True:
        return []
    problems = answer.get(PROBLEMS)
    if isinstance(problems, list) and problems and all(isinstance(p, str) for p in problems):
        return problems
    return None


def time_limit(root: Path) -> float:
    """Seconds the child may take for the content under `root` (see LIMIT_PER_MB_S)."""
    size = 0
    for path in root.rglob("*.yaml"):
        try:
            size += path.stat().st_size
        except OSError:
            continue  # gone since it was listed: the child will say what is missing
    return LIMIT_BASE_S + LIMIT_PER_MB_S * size / 1_000_000


def _stop(child: subprocess.Popen[bytes]) -> None:
    """Kill the child and every process it started, and reap it."""
    with contextlib.suppress(ProcessLookupError):  # already gone
        os.killpg(child.pid, signal.SIGKILL)
    child.communicate()


def _writable(directory: Path) -> bool:
    try:
        directory.mkdir(parents=True, exist_ok=True, mode=0o700)
    except OSError:
        return False
    return os.access(directory, os.W_OK | os.X_OK)

"""The process keeps its memory to itself: no core dumps, no reading it from outside.

A native crash (numpy, rapidfuzz, libyaml) on a host that keeps core dumps would write
the heap to disk: message texts, names, ids and the token. So every `lantern` command
starts by setting its core size limit to 0 and marking itself not dumpable, which also
makes /proc/<pid>/mem and /proc/<pid>/environ (where the token is) readable by root only
and stops another process of the same user from attaching a debugger.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import resource
import sys

_PR_GET_DUMPABLE = 3
_PR_SET_DUMPABLE = 4


def _prctl(option: int, value: int = 0) -> int | None:
    """prctl(2) on Linux; None where there is no such call."""
    if not sys.platform.startswith("linux"):
        return None
    try:
        libc = ctypes.CDLL(ctypes.util.find_library("c") or None, use_errno=True)
    except OSError:
        return None
    return int(libc.prctl(option, value, 0, 0, 0))


def harden_process() -> list[str]:
    """No core dumps, not dumpable; returns what could not be done, in plain words."""
    problems: list[str] = []
    try:
        resource.setrlimit(resource.RLIMIT_CORE, (0, 0))
    except (ValueError, OSError) as exc:
        problems.append(f"could not turn core dumps off ({type(exc).__name__})")
    result = _prctl(_PR_SET_DUMPABLE, 0)
    if result is not None and result != 0:
        problems.append("could not mark the process as not dumpable")
    return problems


def dumpable() -> bool | None:
    """Whether this process may be dumped or traced; None where it cannot be told."""
    result = _prctl(_PR_GET_DUMPABLE)
    return None if result is None or result < 0 else bool(result)

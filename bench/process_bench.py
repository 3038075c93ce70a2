"""The process: time from start to the first getUpdates, and resident memory, of `lantern run`.

The real bot is started as a subprocess (`python -m bot run`) against the local Bot API
emulator, with LANTERN_CONTENT_DIR pointing at generated YAML; the clock starts just
before the process is spawned and stops when the emulator receives getUpdates. Resident
memory is read from /proc when it does, and again once it has settled.

The first start on a data directory parses and checks every YAML file and saves the
result compiled (bot.content); restarts on the same data directory with the same content
read that back. Both are measured, on one data directory: first start, then restarts.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import signal
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

from bench.report import Report, Target
from bench.synthetic import write_content
from emulator import BotAPIEmulator
from knowledge.loader import DEFAULT_CONTENT_DIR
from knowledge.model import Entry

SECTION = "process"
TOKEN = "1000000043:bench-process-token-abcdefghijk"
RSS_TARGET_MB = 150.0
START_TARGET_S = 2.0
SETTLE_S = 0.5

Progress = Callable[[str], None]


def _quiet(_: str) -> None:
    return None


@dataclass(frozen=True, slots=True)
class Start:
    seconds: float  # spawn to first getUpdates
    rss_mb: float  # resident at that moment
    rss_settled_mb: float  # resident after SETTLE_S more
    peak_mb: float  # high-water mark of resident memory
    # The largest high-water mark of any process this one has waited for so far (Linux
    # carries a child's own children's up when it is reaped): after the first start on
    # new content, the child that compiled it (bot.compiler), if it was the largest.
    any_process_peak_mb: float


def rss_mb(pid: int) -> tuple[float, float]:
    """(resident, peak resident) of a process, in MB, from /proc; NaN where unavailable."""
    current = peak = float("nan")
    try:
        with open(f"/proc/{pid}/status", encoding="ascii") as status:
            for line in status:
                if line.startswith("VmRSS:"):
                    current = int(line.split()[1]) / 1024
                elif line.startswith("VmHWM:"):
                    peak = int(line.split()[1]) / 1024
    except OSError:
        pass
    return current, peak


async def start_once(content_dir: Path | None, data_dir: Path, timeout: float = 300.0) -> Start:
    """Start `lantern run` once on `data_dir`; measure until its first getUpdates; stop it."""
    async with BotAPIEmulator(TOKEN) as emulator:
        env = {
            "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
            "HOME": str(data_dir),
            "LANTERN_BOT_TOKEN": TOKEN,
            "LANTERN_API_URL": emulator.api_url,
            "LANTERN_DATA_DIR": str(data_dir),
            "LANTERN_LOG_LEVEL": "WARNING",
        }
        if content_dir is not None:
            env["LANTERN_CONTENT_DIR"] = str(content_dir)
        start = time.perf_counter()
        process = subprocess.Popen(
            [sys.executable, "-m", "bot", "run"],
            env=env,
            stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
            cwd=Path(__file__).resolve().parents[1],
        )
        try:
            found = await _first_get_updates(emulator, process, timeout)
            if not found:
                _, err = _stop(process)
                raise RuntimeError(
                    f"the bot did not poll within {timeout:.0f}s "
                    f"(exit {process.returncode}): {err[-2000:]}"
                )
            seconds = time.perf_counter() - start
            current, _ = rss_mb(process.pid)
            await asyncio.sleep(SETTLE_S)
            settled, peak = rss_mb(process.pid)
            # Answer the pending long poll, so the bot can shut down at once.
            await emulator.stop()
        finally:
            await asyncio.to_thread(_stop, process)
    return Start(seconds, current, settled, peak, _reaped_peak_mb())


def _reaped_peak_mb() -> float:
    try:
        import resource
    except ImportError:  # not on this platform
        return float("nan")
    return resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024


async def _first_get_updates(
    emulator: BotAPIEmulator, process: subprocess.Popen, timeout: float
) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if any(name == "getUpdates" for name, _ in emulator.calls):
            return True
        if process.poll() is not None:
            return False
        await emulator.wait_until(
            lambda: any(name == "getUpdates" for name, _ in emulator.calls), timeout=0.05
        )
    return False


def _stop(process: subprocess.Popen) -> tuple[str, str]:
    """Stop the bot we started: SIGINT (a clean shutdown), then SIGKILL if it hangs."""
    if process.poll() is None:
        with contextlib.suppress(ProcessLookupError):
            process.send_signal(signal.SIGINT)
    try:
        _, err = process.communicate(timeout=15)
    except subprocess.TimeoutExpired:
        process.kill()
        _, err = process.communicate()
    return "", (err or b"").decode("utf-8", "replace")


def _starts(content_dir: Path | None, runs: int, label: str, progress: Progress) -> list[Start]:
    """A first start on a new data directory, then `runs` restarts on the same one."""
    starts = []
    with tempfile.TemporaryDirectory(prefix="lantern-bench-data-") as data_dir:
        for run in range(runs + 1):
            what = "first start" if run == 0 else f"restart {run} of {runs}"
            progress(f"process: {label}, {what}")
            starts.append(asyncio.run(start_once(content_dir, Path(data_dir))))
    return starts


def bench_process(
    report: Report,
    synthetic: Sequence[Entry],
    *,
    size: int,
    runs: int,
    shipped_runs: int,
    progress: Progress = _quiet,
) -> None:
    """Start the bot on the shipped content, and on `size` entries written as YAML."""
    with tempfile.TemporaryDirectory(prefix="lantern-bench-content-") as tmp:
        content = Path(tmp) / "content"
        progress(f"process: writing {size:,} entries as YAML")
        write_content(content, DEFAULT_CONTENT_DIR, synthetic)
        shipped = _starts(None, shipped_runs, "shipped content", progress)
        big = _starts(content, runs, f"{size:,} entries", progress)
    shipped_size = size - len(synthetic)
    first, restarts = big[:1], big[1:]
    report.add(
        SECTION,
        "process.restart_s",
        "restart to first getUpdates",
        "s",
        [s.seconds for s in shipped[1:]],
        size=shipped_size,
    )
    report.add(
        SECTION,
        "process.rss_mb",
        "resident memory when polling",
        "MB",
        [s.rss_settled_mb for s in shipped[1:]],
        size=shipped_size,
    )
    report.add(
        SECTION,
        "process.first_poll_s",
        "first start to first getUpdates",
        "s",
        [s.seconds for s in first],
        size=size,
    )
    report.add(
        SECTION,
        "process.restart_s",
        "restart to first getUpdates",
        "s",
        [s.seconds for s in restarts],
        size=size,
        target=Target("<=", START_TARGET_S, "at most 2 s to first getUpdates"),
    )
    # The target holds for every start, the first after a content change included: the
    # worst one is the figure, not a median that restarts would pull down.
    report.add(
        SECTION,
        "process.rss_mb",
        "resident memory when polling, worst start",
        "MB",
        [max(s.rss_settled_mb for s in big)],
        size=size,
        target=Target("<=", RSS_TARGET_MB, "at most 150 MB resident at every start"),
    )
    report.add(
        SECTION,
        "process.rss_first_mb",
        "  of which: first start (compiles)",
        "MB",
        [s.rss_settled_mb for s in first],
        size=size,
    )
    report.add(
        SECTION,
        "process.rss_restart_mb",
        "  of which: restarts",
        "MB",
        [s.rss_settled_mb for s in restarts],
        size=size,
    )
    report.add(
        SECTION,
        "process.peak_mb",
        "peak resident memory while starting (the bot's own process)",
        "MB",
        [s.peak_mb for s in big],
        size=size,
    )
    report.add(
        SECTION,
        "process.compile_peak_mb",
        "  peak of any process, first start (the compiling child)",
        "MB",
        [s.any_process_peak_mb for s in first],
        size=size,
    )
    report.note(
        "Process figures: `python -m bot run` as a subprocess against the local Bot API "
        "emulator, content from YAML in LANTERN_CONTENT_DIR (the shipped files plus "
        f"synthetic ones). At {size:,} entries: one first start on an empty data directory "
        f"(parses and checks every YAML file, then saves it compiled), then {runs} "
        f"restart(s) on the same data directory, which read the compiled content back; "
        f"{shipped_runs} restart(s) on the shipped content. Resident memory is VmRSS half "
        "a second after the first getUpdates; the target is checked against the worst start. "
        "A first start compiles the content in a child process; its peak is the largest "
        "any process of this bench reached, read from getrusage(RUSAGE_CHILDREN)."
    )

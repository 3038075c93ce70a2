"""The process: time from start to the first getUpdates, and resident memory, of `lantern run`.

The real bot is started as a subprocess (`python -m bot run`) against the local Bot API
emulator, with LANTERN_CONTENT_DIR pointing at generated YAML; the clock starts just
before the process is spawned and stops when the emulator receives getUpdates. Resident
memory is read from /proc when it does, and again once it has settled.
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

from bot.bench.report import Report, Target
from bot.bench.synthetic import write_content
from bot.emulator import BotAPIEmulator
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


async def start_once(content_dir: Path | None, timeout: float = 300.0) -> Start:
    """Start `lantern run` once; measure until its first getUpdates; stop it."""
    async with BotAPIEmulator(TOKEN) as emulator:
        with tempfile.TemporaryDirectory(prefix="lantern-bench-data-") as data_dir:
            env = {
                "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
                "HOME": data_dir,
                "LANTERN_BOT_TOKEN": TOKEN,
                "LANTERN_API_URL": emulator.api_url,
                "LANTERN_DATA_DIR": data_dir,
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
                cwd=Path(__file__).resolve().parents[2],
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
    return Start(seconds, current, settled, peak)


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
        shipped = []
        for run in range(shipped_runs):
            progress(f"process: shipped content, start {run + 1} of {shipped_runs}")
            shipped.append(asyncio.run(start_once(None)))
        big = []
        for run in range(runs):
            progress(f"process: {size:,} entries, start {run + 1} of {runs}")
            big.append(asyncio.run(start_once(content)))
    shipped_size = size - len(synthetic)
    report.add(
        SECTION,
        "process.first_poll_s",
        "start to first getUpdates",
        "s",
        [s.seconds for s in shipped],
        size=shipped_size,
    )
    report.add(
        SECTION,
        "process.rss_mb",
        "resident memory when polling",
        "MB",
        [s.rss_settled_mb for s in shipped],
        size=shipped_size,
    )
    report.add(
        SECTION,
        "process.first_poll_s",
        "start to first getUpdates",
        "s",
        [s.seconds for s in big],
        size=size,
        target=Target("<=", START_TARGET_S, "at most 2 s to first getUpdates"),
    )
    report.add(
        SECTION,
        "process.rss_mb",
        "resident memory when polling",
        "MB",
        [s.rss_settled_mb for s in big],
        size=size,
        target=Target("<=", RSS_TARGET_MB, "at most 150 MB resident"),
    )
    report.add(
        SECTION,
        "process.peak_mb",
        "peak resident memory while starting",
        "MB",
        [s.peak_mb for s in big],
        size=size,
    )
    report.note(
        "Process figures: `python -m bot run` as a subprocess against the local Bot API "
        "emulator, content from YAML in LANTERN_CONTENT_DIR (the shipped files plus "
        f"synthetic ones); {runs} start(s) at {size:,} entries, {shipped_runs} on the shipped "
        "content. Resident memory is VmRSS half a second after the first getUpdates."
    )

"""Check-in timers: how late an alarm fires with 10,000 check-ins active.

The real scheduler (bot/checkin/scheduler.py, one task and a heap) on the real clock:
`active` check-ins each have an alarm falling in a two-second window and a far-off end
(so the heap holds twice as many timers, as a running bot's does), plus one extension
each that leaves a stale entry behind. Each firing does a little work, as the alarm's
bookkeeping would, then yields. The figure is how long after its time the last alarm
fired; the target is 5 seconds.
"""

from __future__ import annotations

import asyncio
import random
import time
from collections.abc import Callable

from bench.report import Report, Target, percentile
from bot.checkin.scheduler import Due, Scheduler

SECTION = "checkins"
ACTIVE = 10_000
TARGET_SECONDS = 5.0
WINDOW_SECONDS = 2.0


async def _run(active: int, seed: int) -> list[float]:
    rng = random.Random(seed)
    scheduler = Scheduler(clock=time.monotonic)
    late: list[float] = []
    done = asyncio.Event()

    async def fire(due: Due) -> None:
        late.append(time.monotonic() - due.at)
        sum(range(200))  # the alarm's own bookkeeping, roughly
        await asyncio.sleep(0)
        if len(late) == active:
            done.set()

    scheduler.fire = fire
    start = time.monotonic() + 0.5
    for i in range(active):
        scheduler.at(i, "cap", start + 3600.0)
        scheduler.at(i, "alarm", start + 60.0)  # then "extended"
        scheduler.at(i, "alarm", start + rng.random() * WINDOW_SECONDS)
    scheduler.start()
    try:
        await asyncio.wait_for(done.wait(), WINDOW_SECONDS + 30.0)
    finally:
        await scheduler.stop()
    return late


def bench_checkins(
    report: Report,
    *,
    active: int = ACTIVE,
    runs: int = 3,
    seed: int = 1,
    progress: Callable[[str], None] = lambda _: None,
) -> None:
    results = []
    for run in range(runs):
        progress(f"check-in timers: {active:,} active, run {run + 1} of {runs}")
        results.append(asyncio.run(_run(active, seed + run)))
    report.add(
        SECTION,
        "checkins.alarm_late_max_s",
        f"alarm lateness, worst of {active:,} active",
        "s",
        [max(r) for r in results],
        size=active,
        target=Target("<=", TARGET_SECONDS, "every alarm within 5 s of its time"),
    )
    report.add(
        SECTION,
        "checkins.alarm_late_p99_ms",
        "alarm lateness p99",
        "ms",
        [percentile(r, 99) * 1000 for r in results],
        size=active,
    )

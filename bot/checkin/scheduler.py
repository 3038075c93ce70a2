"""One task wakes every check-in: a heap of due times, not a task per check-in.

Entries are (due, sequence, key, kind, generation). A check-in whose times change (+15,
ended) bumps its generation; the stale entries left in the heap are skipped when they
come up, and the heap is rebuilt when they outnumber the live ones. The clock is
injected: tests move a fake clock and `wake()` the task instead of sleeping.
"""

from __future__ import annotations

import asyncio
import contextlib
import heapq
import itertools
import logging
import time
from collections.abc import Awaitable, Callable, Hashable
from dataclasses import dataclass

log = logging.getLogger("lantern.checkin")
MAX_WAIT = 30.0  # seconds the task sleeps at most without news (a changed clock is seen)
MAX_RUNNING = 64  # firings in flight at once; more wait their turn


@dataclass(frozen=True, slots=True)
class Due:
    key: Hashable
    kind: str
    generation: int
    at: float


Fire = Callable[[Due], Awaitable[None]]


class Scheduler:
    def __init__(self, *, clock: Callable[[], float] = time.monotonic) -> None:
        self.clock = clock
        self._heap: list[tuple[float, int, Hashable, str, int]] = []
        self._seq = itertools.count()
        self._live: dict[tuple[Hashable, str], int] = {}
        self._wake = asyncio.Event()
        self._task: asyncio.Task[None] | None = None
        self._running: set[asyncio.Task[None]] = set()
        self._gate = asyncio.Semaphore(MAX_RUNNING)
        self.fire: Fire | None = None

    def at(self, key: Hashable, kind: str, when: float) -> None:
        """(Re)schedule `kind` for `key` at `when` (clock time); any earlier one of the
        same kind for the same key is dropped."""
        generation = next(self._seq)  # unique: a stale entry never passes for a new one
        self._live[(key, kind)] = generation
        heapq.heappush(self._heap, (when, next(self._seq), key, kind, generation))
        if len(self._heap) > 4 * len(self._live) + 1024:
            self._compact()
        self._wake.set()

    def cancel(self, key: Hashable, *kinds: str) -> None:
        """Drop `key`'s timers of these kinds (their heap entries are skipped later)."""
        for kind in kinds:
            self._live.pop((key, kind), None)

    def _compact(self) -> None:
        self._heap = [e for e in self._heap if self._live.get((e[2], e[3])) == e[4]]
        heapq.heapify(self._heap)

    def due(self) -> list[Due]:
        """Every timer whose time has come, earliest first; each fires once."""
        now = self.clock()
        ready: list[Due] = []
        while self._heap and self._heap[0][0] <= now:
            when, _, key, kind, generation = heapq.heappop(self._heap)
            if self._live.get((key, kind)) == generation:
                del self._live[(key, kind)]
                ready.append(Due(key, kind, generation, when))
        return ready

    def next_in(self) -> float | None:
        """Seconds until the earliest timer (0 if overdue); None when there is none."""
        heap = self._heap
        while heap and self._live.get((heap[0][2], heap[0][3])) != heap[0][4]:
            heapq.heappop(heap)
        if not self._heap:
            return None
        return max(0.0, self._heap[0][0] - self.clock())

    def __len__(self) -> int:
        return len(self._live)

    # ----- the task --------------------------------------------------------------------

    def wake(self) -> None:
        """Look at the clock again now (tests call it after moving a fake clock)."""
        self._wake.set()

    def start(self) -> None:
        """Start the task, if it is not running (called when a check-in is armed)."""
        if self._task is None or self._task.done():
            self._task = asyncio.get_running_loop().create_task(self._loop())

    @property
    def running(self) -> bool:
        return self._task is not None and not self._task.done()

    async def stop(self) -> None:
        """Stop the task and whatever it started."""
        tasks = [t for t in (self._task, *self._running) if t is not None]
        for task in tasks:
            task.cancel()
        for task in tasks:
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await task
        self._task = None
        self._running.clear()

    async def settle(self) -> None:
        """Wait until the firings in flight are done (tests)."""
        while self._running:
            await asyncio.gather(*list(self._running), return_exceptions=True)

    async def _loop(self) -> None:
        while True:
            for due in self.due():
                task = asyncio.get_running_loop().create_task(self._run(due))
                self._running.add(task)
                task.add_done_callback(self._running.discard)
            wait = self.next_in()
            wait = MAX_WAIT if wait is None else min(wait, MAX_WAIT)
            self._wake.clear()
            if wait > 0:
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(self._wake.wait(), wait)
            else:
                await asyncio.sleep(0)

    async def _run(self, due: Due) -> None:
        async with self._gate:
            try:
                if self.fire is not None:
                    await self.fire(due)
            except Exception as exc:  # one firing's failure must not stop the others
                log.error("check-in timer failed: %s", type(exc).__name__)

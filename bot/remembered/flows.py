"""Multi-step conversations (a tip being written, a reason being typed): memory only.

Each person has at most one flow, forgotten after a quiet quarter of an hour or when the
step finishes. Nothing here outlives the process.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from bot.remembered.memory import ExpiringMap

FLOW_SECONDS = 15 * 60
MAX_FLOWS = 5_000


@dataclass
class Flow:
    name: str
    step: str = ""
    data: dict[str, Any] = field(default_factory=dict)


class Flows:
    def __init__(
        self,
        *,
        idle_seconds: float = FLOW_SECONDS,
        max_flows: int = MAX_FLOWS,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._map: ExpiringMap[Flow] = ExpiringMap(
            limit=max_flows, idle_seconds=idle_seconds, clock=clock
        )

    def get(self, user_id: int) -> Flow | None:
        return self._map.get(user_id)

    def start(self, user_id: int, name: str, step: str = "", **data: Any) -> Flow:
        return self._map.put(user_id, Flow(name, step, dict(data)))

    def end(self, user_id: int) -> None:
        self._map.pop(user_id)

    def __len__(self) -> int:
        return len(self._map)

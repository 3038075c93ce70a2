"""Multi-step conversations (a tip being written, a reason being typed): memory only.

Each person has at most one flow, keyed by a salted hash of their id, forgotten after a
quiet quarter of an hour or when the step finishes. Nothing here outlives the process.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
import time
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

FLOW_SECONDS = 15 * 60
MAX_FLOWS = 5_000


@dataclass
class Flow:
    name: str
    step: str = ""
    data: dict[str, Any] = field(default_factory=dict)
    touched: float = 0.0


class Flows:
    def __init__(
        self,
        *,
        idle_seconds: float = FLOW_SECONDS,
        max_flows: int = MAX_FLOWS,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._salt = secrets.token_bytes(32)
        self._items: OrderedDict[bytes, Flow] = OrderedDict()
        self.idle_seconds = idle_seconds
        self.max_flows = max_flows
        self._clock = clock

    def _key(self, user_id: int) -> bytes:
        return hmac.new(self._salt, str(user_id).encode(), hashlib.sha256).digest()[:16]

    def _expire(self, now: float) -> None:
        while self._items:
            key, flow = next(iter(self._items.items()))
            if now - flow.touched < self.idle_seconds:
                break
            del self._items[key]

    def get(self, user_id: int) -> Flow | None:
        now = self._clock()
        self._expire(now)
        flow = self._items.get(self._key(user_id))
        if flow is not None:
            flow.touched = now
            self._items.move_to_end(self._key(user_id))
        return flow

    def start(self, user_id: int, name: str, step: str = "", **data: Any) -> Flow:
        now = self._clock()
        self._expire(now)
        flow = Flow(name, step, dict(data), now)
        key = self._key(user_id)
        self._items.pop(key, None)
        self._items[key] = flow
        while len(self._items) > self.max_flows:
            self._items.popitem(last=False)
        return flow

    def end(self, user_id: int) -> None:
        self._items.pop(self._key(user_id), None)

    def __len__(self) -> int:
        self._expire(self._clock())
        return len(self._items)

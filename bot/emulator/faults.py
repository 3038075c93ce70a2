"""Faults the emulator can inject, so tests can see how the bot copes with a bad network.

Set `emulator.fault_plan` to a callable; it is asked about every call and may return a
Fault to apply to that call, or None to answer normally.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any, Literal

FaultKind = Literal["retry_after", "server_error", "slow", "drop"]


@dataclass(frozen=True)
class Fault:
    """What to do to one call.

    retry_after: answer 429 "Too Many Requests" with parameters.retry_after (not applied).
    server_error: answer `status` (5xx) without applying the call.
    slow: wait `delay` seconds, then answer normally.
    drop: apply the call, then close the connection without an answer.
    """

    kind: FaultKind
    retry_after: int = 1
    status: int = 502
    delay: float = 0.0

    @classmethod
    def flood(cls, retry_after: int = 1) -> Fault:
        return cls("retry_after", retry_after=retry_after)

    @classmethod
    def server_error(cls, status: int = 502) -> Fault:
        return cls("server_error", status=status)

    @classmethod
    def slow(cls, delay: float) -> Fault:
        return cls("slow", delay=delay)

    @classmethod
    def drop(cls) -> Fault:
        return cls("drop")


FaultPlan = Callable[[str, Mapping[str, Any]], Fault | None]


def fail_first(method: str, fault: Fault, times: int = 1) -> FaultPlan:
    """A plan that applies `fault` to the first `times` calls of `method`."""
    remaining = [times]

    def plan(name: str, params: Mapping[str, Any]) -> Fault | None:
        if name == method and remaining[0] > 0:
            remaining[0] -= 1
            return fault
        return None

    return plan

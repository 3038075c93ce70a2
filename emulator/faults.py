"""Faults the emulator can inject, so tests can see how the bot copes with a bad server.

Set `emulator.fault_plan` to a callable; it is asked about every call (getUpdates too) once
the request has been read, and may return a Fault to apply to that call, or None to answer
normally. Every applied fault is listed in `emulator.faults` as (method, fault).

Kinds, and what the bot sees (the call is carried out only where it says so):

retry_after   429 {"ok": false, ..., "parameters": {"retry_after": N}}. Not carried out.
server_error  `status` (5xx) with a Telegram-shaped body. Not carried out.
slow          waits `delay` seconds, then answers normally. Carried out.
drop          carries the call out, then closes the connection without an answer: the
              message exists but the bot never hears of it (a.k.a. drop_after).
drop_before   resets the connection (RST) without carrying the call out and without an
              answer. The request has been read (the plan needs its parameters), but
              nothing is done with it: a connection that died before the call got through.
              The client sees a reset while it waits (httpx.ReadError; after `drop`,
              httpx.RemoteProtocolError), so it cannot know the call was not carried out.
ok_false      HTTP 200 with {"ok": false, "error_code": `status`, "description": ...}, the
              way some servers refuse a call. Not carried out.
not_found     404 {"ok": false, "error_code": 404, "description": "Not Found"}, what
              api.telegram.org answers for a method it does not know. Not carried out.
unsupported   500 with a body that has neither "ok" nor "description"
              ({"message": "API method 'X' is not supported. ..."}). Not carried out.
garbled       carries the call out, then answers 200 with JSON cut in half, which cannot
              be parsed: the message exists, the bot cannot read its id.

Plans: `fail_first` (the first N calls of a method), `for_methods` (every call of chosen
methods), `SeededPlan` (each call faulted at random, at chosen rates, reproducibly), and
`combine` (the first plan that picks a fault wins).
"""

from __future__ import annotations

import random
import time
from collections.abc import Callable, Collection, Mapping
from dataclasses import dataclass
from typing import Any, Literal, NamedTuple

FaultKind = Literal[
    "retry_after",
    "server_error",
    "slow",
    "drop",
    "drop_before",
    "ok_false",
    "not_found",
    "unsupported",
    "garbled",
]
# Kinds after which the call exists on the server although the bot got no usable answer.
CARRIED_OUT: frozenset[FaultKind] = frozenset({"slow", "drop", "garbled"})


@dataclass(frozen=True)
class Fault:
    """What to do to one call (see the module docstring for each kind).

    `status` is the HTTP status of server_error and the body's error_code of ok_false;
    `description` is ok_false's description. Frozen, so a Fault can key a rates mapping.
    """

    kind: FaultKind
    retry_after: int = 1
    status: int = 502
    delay: float = 0.0
    description: str = ""

    @property
    def carried_out(self) -> bool:
        """Whether the call is applied on the server despite the fault."""
        return self.kind in CARRIED_OUT

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
        """Carry the call out, then close the connection without answering."""
        return cls("drop")

    # The same, named for what it is beside drop_before.
    drop_after = drop

    @classmethod
    def drop_before(cls) -> Fault:
        """Reset the connection without carrying the call out."""
        return cls("drop_before")

    @classmethod
    def ok_false(
        cls, description: str = "Bad Request: refused by the emulator", error_code: int = 400
    ) -> Fault:
        return cls("ok_false", status=error_code, description=description)

    @classmethod
    def not_found(cls) -> Fault:
        return cls("not_found", status=404)

    @classmethod
    def unsupported(cls) -> Fault:
        return cls("unsupported", status=500)

    @classmethod
    def garbled(cls) -> Fault:
        return cls("garbled")


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


def for_methods(fault: Fault, *methods: str) -> FaultPlan:
    """A plan that applies `fault` to every call of the named methods, e.g. a server
    without setMyCommands: `for_methods(Fault.not_found(), "setMyCommands")`."""
    chosen = frozenset(methods)

    def plan(name: str, params: Mapping[str, Any]) -> Fault | None:
        return fault if name in chosen else None

    return plan


def combine(*plans: FaultPlan | None) -> FaultPlan:
    """Ask each plan in turn; the first fault wins and later plans are not asked.

    Put fixed per-method plans before a SeededPlan: the seeded plan then rolls only for
    calls the others left alone, so its sequence stays the same for the same calls.
    """
    present = [plan for plan in plans if plan is not None]

    def plan(name: str, params: Mapping[str, Any]) -> Fault | None:
        for each in present:
            fault = each(name, params)
            if fault is not None:
                return fault
        return None

    return plan


class PlanRecord(NamedTuple):
    """One call a SeededPlan was asked about: when, which method, which chat, what it did."""

    at: float  # time.monotonic()
    method: str
    chat_id: Any
    what: str  # the fault's kind, or "ok"


# The default mix for "10% of each": every way a call can fail in transit.
TRANSIT_FAULTS: tuple[Fault, ...] = (
    Fault.flood(retry_after=1),
    Fault.server_error(502),
    Fault.slow(0.3),
    Fault.drop_before(),
    Fault.drop(),
)


class SeededPlan:
    """Faults at random, at chosen rates, the same sequence for the same seed and calls.

    Each call asked about (and allowed by `methods`) rolls one random number; the faults
    of `rates` take consecutive slices of [0, 1) in their order, so
    `SeededPlan({Fault.flood(): 0.1, Fault.drop(): 0.1}, seed=1)` floods 10% of calls
    and drops another 10%. With `each_first_on`, the first calls of that method get each
    fault once, in order, before any rolling, so every run sees every kind.
    Set `active = False` to let everything through (and stop rolling); `log` keeps one
    PlanRecord per call asked about.
    """

    def __init__(
        self,
        rates: Mapping[Fault, float],
        *,
        seed: int = 0,
        methods: Collection[str] | None = None,
        each_first_on: str | None = None,
    ) -> None:
        if any(rate < 0 for rate in rates.values()) or sum(rates.values()) > 1 + 1e-9:
            raise ValueError("fault rates must be at least 0 and add up to at most 1")
        self.rates = dict(rates)
        self.random = random.Random(seed)
        self.methods = frozenset(methods) if methods is not None else None
        self.each_first_on = each_first_on
        self.first = [fault for fault, rate in self.rates.items() if rate > 0]
        if each_first_on is None:
            self.first = []
        self.active = True
        self.log: list[PlanRecord] = []

    @classmethod
    def each(
        cls,
        rate: float,
        *,
        seed: int = 0,
        faults: Collection[Fault] = TRANSIT_FAULTS,
        methods: Collection[str] | None = None,
        each_first_on: str | None = None,
    ) -> SeededPlan:
        """`rate` of each fault: `SeededPlan.each(0.1, seed=1)` is 10% each of a 429,
        a 502, a 0.3 s delay, a connection dropped before and one dropped after."""
        return cls(
            dict.fromkeys(faults, rate), seed=seed, methods=methods, each_first_on=each_first_on
        )

    def __call__(self, method: str, params: Mapping[str, Any]) -> Fault | None:
        if self.methods is not None and method not in self.methods:
            return None
        fault = None
        if self.active and self.first and method == self.each_first_on:
            fault = self.first.pop(0)
        elif self.active:
            fault = self._roll()
        what = fault.kind if fault else "ok"
        self.log.append(PlanRecord(time.monotonic(), method, params.get("chat_id"), what))
        return fault

    def _roll(self) -> Fault | None:
        roll = self.random.random()
        edge = 0.0
        for fault, rate in self.rates.items():
            edge += rate
            if roll < edge:
                return fault
        return None

    def kinds_seen(self) -> set[str]:
        """The fault kinds this plan has applied so far."""
        return {record.what for record in self.log} - {"ok"}

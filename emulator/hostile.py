"""A hostile server in one setting: every way a Bot API server was seen to misbehave.

`Hostile.parse("rate=0.1,seed=7,not-found=setMyCommands")` reads the text given to
`lantern console --hostile`; `hostile.apply(emulator)` sets the emulator up. Tests can
build a Hostile directly or use the pieces (`SeededPlan`, `for_methods`, `long_polling`,
`malformed_beside`) on their own.

The text is comma-separated items:
  rate=R            each transit fault (429, 5xx, slow, drop-before, drop-after) on a
                    share R of calls, at random (default 0.1)
  seed=N            the random sequence (default 0)
  KIND=R            that kind on a share R of calls instead (any kind below)
  KIND=M1+M2        that kind on every call of methods M1 and M2
  long-poll         keep long polling (the default under --hostile is none)
  malformed=W       before every update the user makes, one PTB cannot parse: W is
                    message (no date), callback (no chat_instance) or off
KIND is one of 429, 5xx, slow, drop-before, drop-after, ok-false, 404, 500-bare,
garbled (see emulator/faults.py for what each does).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from emulator.faults import Fault, FaultPlan, SeededPlan, combine, for_methods
from emulator.state import MalformedKind

if TYPE_CHECKING:
    from emulator.server import BotAPIEmulator

# The names the --hostile text uses, and the fault each stands for.
FAULT_NAMES: dict[str, Fault] = {
    "429": Fault.flood(retry_after=1),
    "5xx": Fault.server_error(502),
    "slow": Fault.slow(0.3),
    "drop-before": Fault.drop_before(),
    "drop-after": Fault.drop(),
    "ok-false": Fault.ok_false(),
    "404": Fault.not_found(),
    "500-bare": Fault.unsupported(),
    "garbled": Fault.garbled(),
}
TRANSIT = ("429", "5xx", "slow", "drop-before", "drop-after")
_MALFORMED: dict[str, MalformedKind | None] = {
    "message": "message",
    "callback": "callback_query",
    "off": None,
}


@dataclass
class Hostile:
    """How hostile the emulator is: random faults, per-method faults, polling, bad updates."""

    rates: dict[str, float] = field(default_factory=lambda: dict.fromkeys(TRANSIT, 0.1))
    methods: dict[str, tuple[str, ...]] = field(default_factory=dict)  # kind -> methods
    seed: int = 0
    long_polling: bool = False
    malformed: MalformedKind | None = "message"

    @classmethod
    def parse(cls, text: str) -> Hostile:
        """Read the --hostile text (see the module docstring); ValueError says what is wrong."""
        hostile = cls()
        for item in (part.strip() for part in text.split(",")):
            if not item or item == "default":
                continue
            if item == "long-poll":
                hostile.long_polling = True
                continue
            name, sep, value = item.partition("=")
            if not sep:
                raise ValueError(f"{item!r}: expected NAME=VALUE or long-poll")
            hostile._set(name.strip(), value.strip())
        if sum(hostile.rates.values()) > 1:
            raise ValueError("the rates add up to more than 1")
        return hostile

    def _set(self, name: str, value: str) -> None:
        if name == "rate":
            rate = _rate(name, value)
            self.rates.update(dict.fromkeys(TRANSIT, rate))
        elif name == "seed":
            if not value.lstrip("-").isdigit():
                raise ValueError(f"seed={value!r}: expected a whole number")
            self.seed = int(value)
        elif name == "malformed":
            if value not in _MALFORMED:
                raise ValueError(f"malformed={value!r}: expected one of {', '.join(_MALFORMED)}")
            self.malformed = _MALFORMED[value]
        elif name in FAULT_NAMES:
            if _looks_like_number(value):
                self.rates[name] = _rate(name, value)
            else:
                methods = tuple(m for m in value.split("+") if m)
                if not methods:
                    raise ValueError(f"{name}=: expected a rate or method names")
                self.methods[name] = methods
        else:
            known = ", ".join(["rate", "seed", "malformed", *FAULT_NAMES])
            raise ValueError(f"unknown setting {name!r} (known: {known}, long-poll)")

    def plan(self) -> FaultPlan:
        """Per-method faults first, then the seeded random ones."""
        fixed = [for_methods(FAULT_NAMES[kind], *names) for kind, names in self.methods.items()]
        rates = {FAULT_NAMES[kind]: rate for kind, rate in self.rates.items() if rate > 0}
        return combine(*fixed, SeededPlan(rates, seed=self.seed))

    def apply(self, emulator: BotAPIEmulator) -> None:
        """Make `emulator` misbehave this way (replaces its fault plan)."""
        emulator.fault_plan = self.plan()
        emulator.long_polling = self.long_polling
        emulator.malformed_beside = self.malformed

    def describe(self) -> list[str]:
        """One line per way the server misbehaves, for the console's banner."""
        lines = []
        random_part = [f"{kind} {rate:.0%}" for kind, rate in self.rates.items() if rate > 0]
        if random_part:
            lines.append(f"random faults (seed {self.seed}): {', '.join(random_part)}")
        for kind, names in self.methods.items():
            lines.append(f"{kind} on every {', '.join(names)}")
        if not self.long_polling:
            lines.append("no long polling: getUpdates answers at once")
        if self.malformed is not None:
            lines.append(f"a malformed {self.malformed} update before each of yours")
        return lines


def _looks_like_number(value: str) -> bool:
    try:
        float(value)
    except ValueError:
        return False
    return True


def _rate(name: str, value: str) -> float:
    try:
        rate = float(value)
    except ValueError:
        raise ValueError(f"{name}={value!r}: expected a share such as 0.1") from None
    if not 0 <= rate <= 1:
        raise ValueError(f"{name}={value!r}: a share is between 0 and 1")
    return rate

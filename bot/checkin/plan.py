"""What a check-in is, and how it moves: arming, running, alarm, ended (forgotten).

Times are the scheduler's clock (monotonic seconds), never the wall clock: a clock
change must not fire or skip an alarm. People see durations ("due 10 minutes ago"), so
no time zone is needed either.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from dataclasses import dataclass, field
from enum import StrEnum

DURATIONS = (30, 60, 90, 120)  # minutes offered as buttons
MAX_MINUTES = 12 * 60  # a custom duration, at most
EXTENSIONS = (15, 30)  # "+15", "+30"
WARN_BEFORE = 10 * 60  # "Still OK?" this long before the due time (half, if shorter)
GRACE = 5 * 60  # the alarm goes this long after the due time
REPEAT_EVERY = 5 * 60  # contacts who have not answered are asked again
REPEATS = 3  # that many reminders after the first alert
HARD_CAP = 12 * 3600  # after the due time, the check-in ends whatever happened
NOTE_CHARS = 600
PIN_DIGITS = (4, 8)
PIN_TRIES = 5  # wrong PINs in a row before Lantern stops asking and lets the time run


class State(StrEnum):
    ARMING = "arming"  # the person is setting it up: no timer yet
    RUNNING = "running"  # the timer runs
    ALARM = "alarm"  # contacts were alerted


class Timer(StrEnum):
    WARN = "warn"  # "Still OK?"
    ALARM = "alarm"  # due + grace: alert the contacts
    REPEAT = "repeat"  # alert again those who have not answered
    CAP = "cap"  # the end, whatever happened


TIMERS = tuple(Timer)


class PinCheck(StrEnum):
    SAFE = "safe"
    DURESS = "duress"  # looks like SAFE to whoever holds the phone; raises the alarm
    WRONG = "wrong"


def new_ident() -> str:
    """A random handle for buttons and timers: never an id."""
    return secrets.token_hex(6)


@dataclass(slots=True, eq=False)
class CheckIn:
    ident: str
    chat: int  # the person's chat, to remind and confirm; gone when the check-in ends
    lang: str
    state: State = State.ARMING
    minutes: int = 0
    started: float = 0.0
    due: float = 0.0
    note: str = ""
    location: tuple[float, float] | None = None
    pin: bytes | None = None
    duress: bytes | None = None
    silent: bool = False  # raised by the duress PIN: the person's chat must look calm
    warned: bool = False
    rounds: int = 0  # alarm messages sent to each contact so far
    handled_by: int | None = None  # the contact who said "I'm handling it"
    pin_tries: int = 0
    # Messages that carried the note, the location or a PIN: deleted at the end.
    traces: list[tuple[int, int]] = field(default_factory=list)
    # Alerts sent to each contact (chat -> message ids), who answered, who cannot be reached.
    alerted: dict[int, list[int]] = field(default_factory=dict)
    answered: set[int] = field(default_factory=set)
    unreachable: set[int] = field(default_factory=set)

    # ----- moves -----------------------------------------------------------------------

    def arm(self, now: float) -> None:
        if self.state is not State.ARMING or not 0 < self.minutes <= MAX_MINUTES:
            raise ValueError("not ready to start")
        self.state = State.RUNNING
        self.started = now
        self.due = now + self.minutes * 60

    def extend(self, minutes: int, now: float) -> None:
        """+15 / +30: from the due time, or from now if it has passed; warned again."""
        if self.state is not State.RUNNING or minutes not in EXTENSIONS:
            raise ValueError("cannot extend")
        self.due = min(max(self.due, now) + minutes * 60, now + MAX_MINUTES * 60)
        self.warned = False

    def alarm(self, *, silent: bool = False) -> bool:
        """Raise the alarm; False if it was already raised."""
        if self.state is State.ALARM:
            return False
        if self.state is State.ARMING:
            raise ValueError("nothing to raise yet")
        self.state = State.ALARM
        self.silent = silent
        return True

    def handle(self, contact: int) -> bool:
        """A contact takes it on; False if someone already has."""
        if self.state is not State.ALARM or self.handled_by is not None:
            return False
        self.handled_by = contact
        self.answered.add(contact)
        return True

    def set_pin(self, pin: str, salt: bytes, *, duress: bool = False) -> bool:
        if not valid_pin(pin):
            return False
        digest = pin_digest(pin, salt)
        if duress:
            if self.pin is None or hmac.compare_digest(digest, self.pin):
                return False  # a duress PIN needs a PIN, and must differ from it
            self.duress = digest
        else:
            self.pin = digest
        return True

    def check_pin(self, typed: str, salt: bytes) -> PinCheck:
        digest = pin_digest(typed.strip(), salt)
        if self.duress is not None and hmac.compare_digest(digest, self.duress):
            return PinCheck.DURESS
        if self.pin is not None and hmac.compare_digest(digest, self.pin):
            self.pin_tries = 0
            return PinCheck.SAFE
        self.pin_tries += 1
        return PinCheck.WRONG

    # ----- when ------------------------------------------------------------------------

    def timers(self) -> dict[Timer, float | None]:
        """When the warning, the alarm and the end should fire now (None: not at all).
        Repeats are set after each round of alerts (`repeat_at`)."""
        out: dict[Timer, float | None] = {Timer.WARN: None, Timer.ALARM: None, Timer.CAP: None}
        if self.state is State.ARMING:
            return out
        out[Timer.CAP] = self.due + HARD_CAP
        if self.state is State.RUNNING:
            if not self.warned:
                out[Timer.WARN] = self.due - min(WARN_BEFORE, self.minutes * 30)
            out[Timer.ALARM] = self.due + GRACE
        return out

    def repeat_at(self, now: float) -> float | None:
        """After a round of alerts: when to alert again those who have not answered."""
        if self.state is not State.ALARM or self.handled_by is not None:
            return None
        return now + REPEAT_EVERY if self.rounds <= REPEATS else None

    def still_to_answer(self, contacts: list[int]) -> list[int]:
        """Contacts to alert (again): not answered, reachable."""
        return [c for c in contacts if c not in self.answered and c not in self.unreachable]


def valid_pin(pin: str) -> bool:
    low, high = PIN_DIGITS
    return pin.isascii() and pin.isdigit() and low <= len(pin) <= high


def pin_digest(pin: str, salt: bytes) -> bytes:
    return hmac.digest(salt, pin.encode(), hashlib.sha256)


def minutes_from(text: str) -> int | None:
    """A typed duration ("45", "2h", "1h30", "90 min") in minutes, or None."""
    words = text.strip().lower().replace(" ", "")
    for unit in ("minutes", "minutos", "mins", "min", "m"):
        if words.endswith(unit):
            words = words[: -len(unit)]
            break
    hours, has_hours, rest = words.partition("h")
    try:
        minutes = int(hours or "0") * 60 + int(rest or "0") if has_hours else int(words)
    except ValueError:
        return None
    return minutes if 1 <= minutes <= MAX_MINUTES else None

"""What a report and an alert are: categories with severity, the fields of a report, and
the few shapes the rest of the package passes around."""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field, fields
from datetime import date, timedelta

# What happened, most severe first. Codes are short because buttons carry them.
CATEGORIES: tuple[str, ...] = (
    "violence",
    "sexual_assault",  # including stealthing
    "robbery",
    "blackmail",  # including threats to out someone
    "stalking",
    "police",  # police, or someone posing as police
    "fraud",  # non-payment, fake payment
    "timewaster",  # time-wasters and no-shows: a separate, low tier
)
CODES: dict[str, str] = {
    "violence": "v",
    "sexual_assault": "s",
    "robbery": "r",
    "blackmail": "b",
    "stalking": "k",
    "police": "p",
    "fraud": "f",
    "timewaster": "t",
}
BY_CODE: dict[str, str] = {code: name for name, code in CODES.items()}

HIGH, MEDIUM, LOW = 3, 2, 1
SEVERITY: dict[str, int] = {
    "violence": HIGH,
    "sexual_assault": HIGH,
    "robbery": MEDIUM,
    "blackmail": MEDIUM,
    "stalking": MEDIUM,
    "police": MEDIUM,
    "fraud": MEDIUM,
    "timewaster": LOW,
}
# One moderator may publish these at once; a second reviews after.
FAST_TRACK: frozenset[str] = frozenset({"violence", "sexual_assault"})
# How long an alert stays up, by severity (changeable per deployment).
DEFAULT_EXPIRY_DAYS: dict[int, int] = {HIGH: 365, MEDIUM: 182, LOW: 30}

# When: a day or a week, and a part of the day. Never an exact time.
WHEN: tuple[str, ...] = ("today", "yesterday", "this_week", "last_week", "earlier")
PARTS: tuple[str, ...] = ("morning", "afternoon", "evening", "night")
AGES: tuple[str, ...] = ("under_25", "25_35", "35_50", "over_50")
BUILDS: tuple[str, ...] = ("slim", "medium", "heavy")

# Typed fields and their longest accepted length.
TEXT_LIMITS: dict[str, int] = {
    "behaviour": 600,
    "description": 300,
    "language": 40,
    "make": 40,
    "colour": 30,
    "plate": 12,
    "phone": 32,
    "email": 80,
    "handle": 40,
    "site": 40,
}
CHOICES: dict[str, tuple[str, ...]] = {
    "when": WHEN,
    "part": PARTS,
    "age": AGES,
    "build": BUILDS,
}
MAX_BODY = 1500  # the published text a moderator may write


@dataclass
class ReportDraft:
    """A report as the person gives it: every field may be left empty.

    Nothing in it is about the reporter; the flow never asks, and there is no field for it.
    """

    region: str = ""
    when: str = ""
    part: str = ""
    categories: list[str] = field(default_factory=list)
    behaviour: str = ""
    age: str = ""
    build: str = ""
    language: str = ""
    description: str = ""
    make: str = ""
    colour: str = ""
    plate: str = ""
    phone: str = ""
    email: str = ""
    handle: str = ""
    site: str = ""

    @property
    def severity(self) -> int:
        return severity_of(self.categories)

    def to_json(self) -> str:
        return json.dumps(asdict(self), ensure_ascii=False, sort_keys=True)

    @classmethod
    def from_json(cls, raw: str) -> ReportDraft:
        data = json.loads(raw)
        known = {f.name for f in fields(cls)}
        return cls(**{k: v for k, v in data.items() if k in known})

    def is_empty(self) -> bool:
        return not any(getattr(self, f.name) for f in fields(self) if f.name not in ("region",))

    def contacts(self) -> dict[str, str]:
        """The contact points given: phone, e-mail, handle (the site is not one)."""
        return {k: getattr(self, k) for k in ("phone", "email", "handle") if getattr(self, k)}


def severity_of(categories: list[str] | tuple[str, ...]) -> int:
    """The most severe category's tier; a report with none counts as medium."""
    tiers = [SEVERITY[c] for c in categories if c in SEVERITY]
    return max(tiers) if tiers else MEDIUM


def fast_track_allowed(categories: list[str] | tuple[str, ...]) -> bool:
    return any(c in FAST_TRACK for c in categories)


@dataclass(frozen=True)
class Period:
    """When it happened, as coarse as the reporter chose: ("day", d), ("week", monday of
    it), ("before", monday of last week), or nothing."""

    kind: str
    start: date | None

    def label(self) -> str:
        return f"{self.kind}:{self.start.isoformat()}" if self.start else ""

    @classmethod
    def parse(cls, label: str) -> Period:
        kind, _, day = label.partition(":")
        try:
            return cls(kind, date.fromisoformat(day)) if day else cls("", None)
        except ValueError:
            return cls("", None)


def period_of(when: str, today: date) -> Period:
    monday = today - timedelta(days=today.weekday())
    match when:
        case "today":
            return Period("day", today)
        case "yesterday":
            return Period("day", today - timedelta(days=1))
        case "this_week":
            return Period("week", monday)
        case "last_week":
            return Period("week", monday - timedelta(days=7))
        case "earlier":
            return Period("before", monday - timedelta(days=7))
    return Period("", None)


@dataclass(frozen=True)
class PendingReport:
    """A report waiting for the region's moderators."""

    id: int
    region: str
    day: str
    lang: str
    draft: ReportDraft
    text: str | None  # the text to publish, as a moderator last left it (masked)
    approvals: tuple[int, ...]  # moderator ids who approved exactly this text

    @property
    def severity(self) -> int:
        return self.draft.severity

    @property
    def categories(self) -> tuple[str, ...]:
        return tuple(c for c in CATEGORIES if c in self.draft.categories)


@dataclass(frozen=True)
class Alert:
    """A published alert: only what anyone in the region's channel can read."""

    id: int
    region: str
    categories: tuple[str, ...]
    severity: int
    period: Period
    lang: str
    text: str  # masked
    reports: int
    status: str  # published
    needs_review: bool  # fast-tracked, waiting for a second moderator
    published_on: date
    expires_on: date

    @property
    def month(self) -> str:
        return self.published_on.strftime("%Y-%m")


@dataclass(frozen=True)
class NumberMatch:
    """A coarse answer to "check a number": never the text, never who reported."""

    categories: tuple[str, ...]
    region: str
    month: str
    reports: int

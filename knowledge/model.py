"""The knowledge base's data model: immutable entries and the snapshot that holds them."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date
from enum import StrEnum
from types import MappingProxyType

from knowledge.taxonomy import (
    DEFAULT_LANGUAGE,
    EXAMPLE_REGION,
    FALLBACK,
    GLOBAL_REGION,
    TOPIC_CATEGORY,
)


class Kind(StrEnum):
    TIP = "tip"
    RIGHTS = "rights"
    REFERRAL = "referral"


class Police(StrEnum):
    NONE = "none"
    POSSIBLE = "possible"
    MANDATORY_REPORTING = "mandatory_reporting"
    UNKNOWN = "unknown"


class Cost(StrEnum):
    FREE = "free"
    SLIDING = "sliding"
    PAID = "paid"
    UNKNOWN = "unknown"


# A flag a person needs to know: True, False, or None when nobody knows yet.
Tristate = bool | None


@dataclass(frozen=True, slots=True, eq=False)
class Text:
    """An entry's words in one language.

    Texts are equal when their words are, whatever their class: compiled content keeps
    the body and keywords on disk until they are read (knowledge.stored_texts).
    """

    title: str
    body: str
    keywords: tuple[str, ...] = ()
    jurisdiction: str | None = None

    def _words(self) -> tuple[str, str, tuple[str, ...], str | None]:
        return (self.title, self.body, self.keywords, self.jurisdiction)

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Text):
            return NotImplemented
        return self._words() == other._words()

    def __hash__(self) -> int:
        return hash(self._words())


@dataclass(frozen=True, slots=True)
class Contact:
    website: str | None = None
    phone: str | None = None
    address: str | None = None
    hours: str | None = None


@dataclass(frozen=True, slots=True)
class ReferralFlags:
    police_involvement: Police
    id_required: Tristate
    immigration_status_asked: Tristate
    cost: Cost
    sex_worker_led: Tristate
    sex_worker_affirming: Tristate
    trans_affirming: Tristate
    languages: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class Entry:
    """One piece of knowledge: a tip, a know-your-rights note or a referral."""

    id: str
    kind: Kind
    topics: tuple[str, ...]
    regions: tuple[str, ...]
    texts: Mapping[str, Text]
    source: str
    verified: date
    review_by: date
    contact: Contact | None = None
    flags: ReferralFlags | None = None
    origin: str = ""  # "path:line" for YAML entries, kept for error messages

    @property
    def categories(self) -> tuple[str, ...]:
        seen: list[str] = []
        for topic in self.topics:
            cat = TOPIC_CATEGORY.get(topic)
            if cat and cat not in seen:
                seen.append(cat)
        return tuple(seen)

    def text(self, lang: str, fallback: str | None = None) -> Text:
        """The entry's text in `lang`, else in the closest language its reader reads
        (`fallback`, or taxonomy.FALLBACK), else in any language it has."""
        return self.texts[self.shown_in(lang, fallback)]

    def shown_in(self, lang: str, fallback: str | None = None) -> str:
        """The language `text(lang)` is in: `lang` when the entry is translated into it."""
        if lang in self.texts:
            return lang
        for other in (fallback,) if fallback else FALLBACK.get(lang, (DEFAULT_LANGUAGE,)):
            if other in self.texts:
                return other
        return DEFAULT_LANGUAGE if DEFAULT_LANGUAGE in self.texts else next(iter(self.texts))

    def is_overdue(self, today: date) -> bool:
        return self.review_by < today


@dataclass(frozen=True, slots=True)
class Region:
    slug: str
    names: Mapping[str, str]

    def name(self, lang: str) -> str:
        return self.names.get(lang) or self.names.get("en") or self.slug


@dataclass(frozen=True)
class Snapshot:
    """An immutable, validated knowledge base; swapped whole, never edited in place."""

    entries: tuple[Entry, ...]
    regions: tuple[Region, ...]
    by_id: Mapping[str, Entry] = field(init=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "by_id", MappingProxyType({e.id: e for e in self.entries}))

    def get(self, entry_id: str) -> Entry | None:
        return self.by_id.get(entry_id)

    def region(self, slug: str) -> Region | None:
        return next((r for r in self.regions if r.slug == slug), None)

    def visible(self, region: str | None, *, show_examples: bool = False) -> Iterable[Entry]:
        """Entries a person in `region` may see (all but examples when no region is chosen)."""
        for entry in self.entries:
            if is_visible(entry, region, show_examples=show_examples):
                yield entry

    def in_topic(
        self, topic: str, region: str | None, *, show_examples: bool = False
    ) -> list[Entry]:
        return [e for e in self.visible(region, show_examples=show_examples) if topic in e.topics]


def is_visible(entry: Entry, region: str | None, *, show_examples: bool = False) -> bool:
    """Whether a person who chose `region` (None: not chosen) sees this entry.

    Without a chosen region people see everything except the opt-in examples, so nobody
    misses country-specific rights by not choosing; legal entries carry their
    jurisdiction on the card. With a region they see global entries plus that region's.
    """
    regions = entry.regions
    if EXAMPLE_REGION in regions and not show_examples:
        return False
    if region is None:
        return True
    return (
        GLOBAL_REGION in regions
        or region in regions
        or (show_examples and EXAMPLE_REGION in regions)
    )

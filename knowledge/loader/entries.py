"""One entry read from its YAML mapping into an Entry, by the content format's rules
(fields, texts, dates, topics, regions, referral contact and flags, markup and links);
also a single entry checked for `lantern import` and a referral's contact and flags for
the moderators' chat."""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from datetime import date
from typing import Any

from knowledge import ids, markup
from knowledge.ids import did_you_mean
from knowledge.loader.files import REGIONS_FILE
from knowledge.loader.yaml_reader import Problem, _Map, _Seq
from knowledge.model import (
    Contact,
    Cost,
    Entry,
    Kind,
    Police,
    ReferralFlags,
    Text,
)
from knowledge.taxonomy import (
    EXAMPLE_REGION,
    GLOBAL_REGION,
    LANGUAGES,
    REQUIRED_LANGUAGES,
    RESERVED_TOPICS,
    TOPIC_CATEGORY,
)

ID_RE, LANG_RE = ids.ENTRY_ID, ids.LANG
MAX_TITLE = 80
MAX_BODY = 1600
MIN_KEYWORDS = 3

ENTRY_KEYS = {
    "id",
    "kind",
    "topics",
    "regions",
    "source",
    "verified",
    "review_by",
    *LANGUAGES,
}
REFERRAL_FLAG_KEYS = (
    "police_involvement",
    "id_required",
    "immigration_status_asked",
    "cost",
    "sex_worker_led",
    "sex_worker_affirming",
    "trans_affirming",
    "languages",
)
REFERRAL_KEYS = {"contact", *REFERRAL_FLAG_KEYS}
TEXT_KEYS = {"title", "body", "keywords", "jurisdiction"}
CONTACT_KEYS = {"website", "phone", "address", "hours"}
LANGUAGE_NAMES = {"en": "English", "es": "Spanish"}
WEBSITE_RE = re.compile(r"^https://[^\s<>\"]+$")
PHONE_RE = re.compile(r"^[+0-9][0-9 ()\-]{1,30}$")


def _to_date(value: Any) -> date | None:
    if isinstance(value, date):
        return value
    if isinstance(value, str):
        try:
            return date.fromisoformat(value)
        except ValueError:
            return None
    return None


def describe(value: Any) -> str:
    """A value as a message may show it: short, and saying what it is if not text."""
    if isinstance(value, list):
        return "a list"
    if isinstance(value, dict):
        return "a mapping"
    shown = repr(value)
    return shown if len(shown) <= 40 else shown[:39] + "…"


def _one_of(value: Any, allowed: Iterable[str]) -> str | None:
    """`value` if it is one of the `allowed` words; a list or mapping never is.

    Checked before any set membership, which would raise on an unhashable list.
    """
    return value if isinstance(value, str) and value in set(allowed) else None


def _str_list(value: Any) -> list[str] | None:
    if isinstance(value, list) and all(isinstance(v, str) and v.strip() for v in value):
        return [v.strip() for v in value]
    return None


class _EntryReader:
    """Turns one raw entry mapping into an Entry, collecting problems as it goes."""

    def __init__(
        self,
        path: str,
        raw: _Map,
        regions: set[str],
        problems: list[Problem],
        links: list[Problem] | None = None,
    ):
        self.links = links if links is not None else []
        self.path = path
        self.raw = raw
        self.regions = regions
        self.problems = problems
        self.ok = True

    def fail(self, line: int, message: str) -> None:
        self.ok = False
        self.problems.append(Problem(self.path, line, message))

    def at(self, key: str) -> int:
        return self.raw.line_of(key)

    def read(self) -> Entry | None:
        raw = self.raw
        entry_id = raw.get("id")
        if not isinstance(entry_id, str) or not ID_RE.match(entry_id):
            self.fail(self.at("id"), "'id' must be a slug of 3-48 characters: a-z, 0-9 and '-'")
            entry_id = None

        kind_raw = raw.get("kind")
        kind_word = _one_of(kind_raw, (k.value for k in Kind))
        kind = Kind(kind_word) if kind_word is not None else None
        if kind is None:
            self.fail(
                self.at("kind"),
                f"'kind' must be one of tip, rights, referral, not {describe(kind_raw)}",
            )

        allowed = ENTRY_KEYS | (REFERRAL_KEYS if kind is Kind.REFERRAL else set())
        for key in raw:
            if key not in allowed:
                if key in REFERRAL_KEYS:
                    self.fail(raw.line_of(key), f"'{key}' is only for referral entries")
                else:
                    self.fail(raw.line_of(key), f"unknown field '{key}'")

        topics = self._topics()
        regions = self._regions()
        source = raw.get("source")
        if not isinstance(source, str) or not source.strip():
            self.fail(self.at("source"), "'source' is required: where the facts come from")
        verified = self._date("verified")
        review_by = self._date("review_by")
        if verified and review_by and review_by <= verified:
            self.fail(self.at("review_by"), "'review_by' must be after 'verified'")
        written = [lang for lang in LANGUAGES if lang in REQUIRED_LANGUAGES or lang in raw]
        texts = {lang: self._text(lang, kind) for lang in written}

        contact = flags = None
        if kind is Kind.REFERRAL:
            contact = self._contact()
            flags = self._flags()

        if not self.ok or entry_id is None or kind is None or verified is None or review_by is None:
            return None
        return Entry(
            id=entry_id,
            kind=kind,
            topics=tuple(topics),
            regions=tuple(regions),
            texts={lang: t for lang, t in texts.items() if t is not None},
            source=str(source).strip(),
            verified=verified,
            review_by=review_by,
            contact=contact,
            flags=flags,
            origin=f"{self.path}:{raw.line}",
        )

    def _topics(self) -> list[str]:
        topics = _str_list(self.raw.get("topics"))
        if not topics:
            self.fail(self.at("topics"), "'topics' must be a list of at least one topic")
            return []
        for topic in topics:
            if topic in RESERVED_TOPICS:
                self.fail(self.at("topics"), f"topic '{topic}' is reserved and not served yet")
            elif topic not in TOPIC_CATEGORY:
                maybe = did_you_mean(topic, TOPIC_CATEGORY)
                self.fail(self.at("topics"), f"unknown topic '{topic}'{maybe}")
        if len(set(topics)) != len(topics):
            self.fail(self.at("topics"), "a topic is listed twice")
        return topics

    def _regions(self) -> list[str]:
        if "regions" not in self.raw:
            return [GLOBAL_REGION]
        regions = _str_list(self.raw.get("regions"))
        if not regions:
            self.fail(self.at("regions"), "'regions' must be a list of region slugs")
            return []
        for region in regions:
            if region not in self.regions:
                maybe = did_you_mean(region, sorted(self.regions))
                self.fail(
                    self.at("regions"), f"unknown region '{region}'{maybe} (see {REGIONS_FILE})"
                )
        if EXAMPLE_REGION in regions and len(regions) > 1:
            self.fail(self.at("regions"), "an 'example' entry must be in no other region")
        return regions

    def _date(self, key: str) -> date | None:
        value = _to_date(self.raw.get(key))
        if value is None:
            self.fail(self.at(key), f"'{key}' must be a date written YYYY-MM-DD")
        return value

    def _text(self, lang: str, kind: Kind | None) -> Text | None:
        block = self.raw.get(lang)
        name = LANGUAGE_NAMES.get(lang, lang)
        if block is None:
            self.fail(self.raw.line, f"missing {name} ({lang}) translation")
            return None
        if not isinstance(block, _Map):
            self.fail(self.at(lang), f"'{lang}' must be a mapping with title, body and keywords")
            return None
        ok = True
        for key in block:
            if key not in TEXT_KEYS:
                self.fail(block.line_of(key), f"unknown field '{key}' in {lang}")
        title = block.get("title")
        if not isinstance(title, str) or not title.strip():
            self.fail(block.line_of("title"), f"missing {lang} title")
            ok = False
        elif len(title.strip()) > MAX_TITLE:
            self.fail(block.line_of("title"), f"{lang} title is over {MAX_TITLE} characters")
        body = block.get("body")
        if not isinstance(body, str) or not body.strip():
            self.fail(block.line_of("body"), f"missing {lang} body")
            ok = False
        else:
            if len(body) > MAX_BODY:
                self.fail(
                    block.line_of("body"),
                    f"{lang} body is {len(body)} characters; the limit is {MAX_BODY}",
                )
            start = block.value_lines.get("body", block.line_of("body"))
            for error in markup.check(body):
                self.fail(start + error.line, f"broken markup in {lang} body: {error.message}")
            for number, target in markup.entry_links(body):
                self.links.append(Problem(self.path, start + number, target))
        keywords = _str_list(block.get("keywords"))
        if keywords is None or len(keywords) < MIN_KEYWORDS:
            self.fail(
                block.line_of("keywords"),
                f"{lang} keywords must be a list of at least {MIN_KEYWORDS} words or phrases",
            )
            keywords = keywords or []
        jurisdiction = block.get("jurisdiction")
        if kind is Kind.RIGHTS:
            if not isinstance(jurisdiction, str) or not jurisdiction.strip():
                self.fail(block.line, f"rights entries need a {lang} 'jurisdiction'")
                ok = False
        elif jurisdiction is not None:
            self.fail(block.line_of("jurisdiction"), "'jurisdiction' is only for rights entries")
        if not ok:
            return None
        return Text(
            title=title.strip(),
            body=body.strip(),
            keywords=tuple(keywords),
            jurisdiction=jurisdiction.strip() if isinstance(jurisdiction, str) else None,
        )

    def _contact(self) -> Contact | None:
        raw = self.raw.get("contact")
        if not isinstance(raw, _Map):
            self.fail(self.at("contact"), "referrals need 'contact' with a website or phone")
            return None
        values: dict[str, str] = {}
        for key, value in raw.items():
            if key not in CONTACT_KEYS:
                self.fail(raw.line_of(key), f"unknown contact field '{key}'")
            elif not isinstance(value, str) or not value.strip():
                self.fail(raw.line_of(key), f"contact '{key}' must be text (quote it)")
            else:
                values[key] = value.strip()
        if not values.get("website") and not values.get("phone"):
            self.fail(raw.line, "contact needs at least a website or a phone")
        website = values.get("website")
        if website and not WEBSITE_RE.match(website):
            self.fail(raw.line_of("website"), "website must be an https:// address")
        if "phone" in values and not PHONE_RE.match(values["phone"]):
            self.fail(raw.line_of("phone"), "phone must be digits, spaces, '+', '-' or brackets")
        return Contact(**values)

    def _flags(self) -> ReferralFlags | None:
        raw = self.raw
        missing = [k for k in REFERRAL_FLAG_KEYS if k not in raw]
        if missing:
            self.fail(raw.line, "referral flags missing: " + ", ".join(missing))
            return None
        police = _one_of(raw["police_involvement"], (p.value for p in Police))
        if police is None:
            self.fail(
                raw.line_of("police_involvement"),
                "police_involvement must be none, possible, mandatory_reporting or unknown",
            )
            return None
        cost = _one_of(raw["cost"], (c.value for c in Cost))
        if cost is None:
            self.fail(raw.line_of("cost"), "cost must be free, sliding, paid or unknown")
            return None
        tristates: dict[str, bool | None] = {}
        for key in (
            "id_required",
            "immigration_status_asked",
            "sex_worker_led",
            "sex_worker_affirming",
            "trans_affirming",
        ):
            value = raw[key]
            # Identity and type first: 1 == True, and a list cannot be looked up.
            if value is True or value is False:
                tristates[key] = value
            elif isinstance(value, str) and value == "unknown":
                tristates[key] = None
            else:
                self.fail(raw.line_of(key), f"'{key}' must be true, false or unknown")
                return None
        languages = _str_list(raw["languages"])
        if not languages or not all(LANG_RE.match(code) for code in languages):
            self.fail(raw.line_of("languages"), "languages must be a list of two-letter codes")
            return None
        return ReferralFlags(
            police_involvement=Police(police),
            cost=Cost(cost),
            languages=tuple(languages),
            **tristates,
        )


def _as_map(raw: Mapping[str, Any], lines: dict[int, str], prefix: str = "") -> _Map:
    """`raw` as a mapping read from YAML, each key on its own made-up line (noted in
    `lines`), so the entry reader's problems can be traced back to their field."""
    result = _Map()
    result.line = len(lines) + 1
    lines[result.line] = prefix.rstrip(".") or "entry"
    for key, value in raw.items():
        line = len(lines) + 1
        lines[line] = prefix + str(key)
        if isinstance(value, Mapping):
            value = _as_map(value, lines, f"{prefix}{key}.")
        elif isinstance(value, list | tuple):
            value = _Seq(value)
        result[key] = value
        result.key_lines[key] = result.value_lines[key] = line
    return result


def read_referral(
    raw: Mapping[str, Any],
) -> tuple[Contact | None, ReferralFlags | None, list[tuple[str, str]]]:
    """A referral's contact and flags from a mapping shaped like a content file's entry
    (`contact:` and the flag keys), by exactly the rules content files follow. For
    referrals written elsewhere (the moderators' chat). Problems are (field, message),
    the field as "cost" or "contact.phone"."""
    lines: dict[int, str] = {}
    problems: list[Problem] = []
    reader = _EntryReader("", _as_map(raw, lines), set(), problems)
    contact = reader._contact()
    flags = reader._flags()
    return contact, flags, [(lines.get(p.line, "entry"), p.message) for p in problems]


def check_entry(shown: str, raw: Any, regions: set[str], problems: list[Problem]) -> Entry | None:
    """One entry read by `read_yaml`, checked exactly as in a content file (for `lantern
    import`); problems are added as `shown:line: message`. Links to other entries are
    not checked: the entry is not part of a directory."""
    if not isinstance(raw, _Map):
        problems.append(Problem(shown, getattr(raw, "line", 1) or 1, "not a mapping"))
        return None
    return _EntryReader(shown, raw, regions, problems).read()

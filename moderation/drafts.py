"""A moderator's tip as written: validated here, before it can reach users."""

from __future__ import annotations

import html
import json
import re
import unicodedata
from dataclasses import dataclass, field
from datetime import date
from urllib.parse import urlsplit

from knowledge import markup
from knowledge.model import Entry, Kind, Text
from knowledge.taxonomy import GLOBAL_REGION, LANGUAGES, TOPIC_CATEGORY
from moderation import referrals
from moderation.errors import Problem

MAX_TITLE = 80
MAX_BODY = 1600
MAX_KEYWORDS = 20
MAX_KEYWORD = 40
DRAFT_KINDS = (Kind.TIP, Kind.RIGHTS, Kind.REFERRAL)
PEER_SOURCE = "Peer moderators"
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\u202a-\u202e\u2066-\u2069]")


def clean(text: str) -> str:
    """Strip control and bidi-override characters a phone keyboard never means to send."""
    return _CONTROL.sub("", text).strip()


# Links are read back from the rendered HTML, not from the source, so what reviewers are
# shown is exactly what Telegram will turn into links for users. The renderer writes
# <a href="..."> with the address quote-escaped and the label escaped, and never nests them.
_ANCHOR = re.compile(r'<a href="([^"]*)">(.*?)</a>', re.S)
_TAG = re.compile(r"<[^>]+>")
# Something in a link's text that reads as an address: "https://x", "www.x.org", "x.org",
# "rosa@x.org". The last label must be letters (or punycode), so "3.50" and "e.g" are not.
_ADDRESS_IN_LABEL = re.compile(
    r"(?:[a-z][a-z0-9+.-]*://)?(?:[\w-]+@)?((?:[\w-]+\.)+(?:[^\W\d_]{2,}|xn--[\w-]+))\b",
    re.I,
)


@dataclass(frozen=True, slots=True)
class Link:
    label: str  # the text users tap, as plain text
    url: str  # where it really goes


def links(body: str) -> list[Link]:
    """Every link in a body, as users will get it; [] if the markup is broken."""
    try:
        rendered = markup.to_html(body)
    except markup.MarkupError:
        return []
    return [
        Link(html.unescape(_TAG.sub("", label)), html.unescape(href))
        for href, label in _ANCHOR.findall(rendered)
    ]


def host_of(url: str) -> str:
    """The host a link goes to, in its ASCII (punycode) form, so look-alike letters show."""
    host = (urlsplit(url).hostname or "").rstrip(".")
    try:
        return host.encode("idna").decode("ascii")
    except UnicodeError:
        return host


def _fold_for_compare(text: str) -> str:
    """Invisible characters removed and compatibility forms folded, so that 'www\u200b.x'
    or full-width letters cannot make a label dodge the check."""
    text = unicodedata.normalize("NFKC", text)
    return "".join(ch for ch in text if unicodedata.category(ch) != "Cf").casefold()


def _same_site(label_host: str, target_host: str) -> bool:
    label_host = label_host.removeprefix("www.")
    target_host = target_host.removeprefix("www.")
    return target_host == label_host or target_host.endswith("." + label_host)


def misleading_links(body: str) -> list[Link]:
    """Links whose text names an address on another site than the one they open.

    '[clinic.org](https://clinic.org/book)' is fine, and so is a subdomain of the named
    site; '[https://clinic.org](https://tracker.example/x)' is what a reviewer might
    approve without noticing, so it is refused before it reaches review.
    """
    found = []
    for link in links(body):
        target = host_of(link.url)
        for match in _ADDRESS_IN_LABEL.finditer(_fold_for_compare(link.label)):
            named = host_of("https://" + match.group(1))
            if not _same_site(named, target):
                found.append(link)
                break
    return found


@dataclass(frozen=True, slots=True)
class DraftText:
    title: str
    body: str
    keywords: tuple[str, ...] = ()


@dataclass(frozen=True)
class Draft:
    kind: Kind
    topics: tuple[str, ...]
    regions: tuple[str, ...]
    texts: dict[str, DraftText]
    review_by: date
    jurisdiction: str = ""
    extra: dict[str, str] = field(default_factory=dict)
    # A referral's flags and contact, shaped as a content file writes them
    # (moderation.referrals); where its facts come from; and, for a correction of a
    # shipped entry, that entry's id (the correction takes its place once approved).
    flags: dict[str, object] = field(default_factory=dict)
    contact: dict[str, str] = field(default_factory=dict)
    source: str = ""
    replaces: str = ""

    def to_json(self) -> str:
        extra: dict[str, object] = {}
        if self.flags or self.contact:
            extra["flags"], extra["contact"] = self.flags, self.contact
        if self.source:
            extra["source"] = self.source
        if self.replaces:
            extra["replaces"] = self.replaces
        return json.dumps(
            {
                **extra,
                "kind": self.kind.value,
                "topics": list(self.topics),
                "regions": list(self.regions),
                "texts": {
                    lang: {"title": t.title, "body": t.body, "keywords": list(t.keywords)}
                    for lang, t in self.texts.items()
                },
                "review_by": self.review_by.isoformat(),
                "jurisdiction": self.jurisdiction,
            },
            ensure_ascii=False,
            sort_keys=True,
        )

    @classmethod
    def from_json(cls, raw: str) -> Draft:
        data = json.loads(raw)
        return cls(
            kind=Kind(data["kind"]),
            topics=tuple(data["topics"]),
            regions=tuple(data["regions"]),
            texts={
                lang: DraftText(t["title"], t["body"], tuple(t.get("keywords", ())))
                for lang, t in data["texts"].items()
            },
            review_by=date.fromisoformat(data["review_by"]),
            jurisdiction=data.get("jurisdiction", ""),
            flags=dict(data.get("flags", {})),
            contact=dict(data.get("contact", {})),
            source=data.get("source", ""),
            replaces=data.get("replaces", ""),
        )


def problems(draft: Draft, known_regions: set[str], today: date) -> list[Problem]:
    """Everything wrong with a draft, each a code a moderator is shown in their language
    (`str()` of one is English)."""
    found: list[Problem] = []

    def add(code: str, **params: object) -> None:
        found.append(Problem(code, params))

    if draft.kind not in DRAFT_KINDS:
        add("kind")
    if not draft.topics:
        add("no_topic")
    for topic in draft.topics:
        if topic not in TOPIC_CATEGORY:
            add("unknown_topic", topic=topic)
    if not draft.regions:
        add("no_region")
    for region in draft.regions:
        if region not in known_regions:
            add("unknown_region", region=region)
    if not draft.texts:
        add("no_text")
    for lang, text in draft.texts.items():
        if lang not in LANGUAGES:
            add("unsupported_language", language=lang)
        if not text.title or len(text.title) > MAX_TITLE:
            add("title_length", language=lang, limit=MAX_TITLE)
        if not text.body or len(text.body) > MAX_BODY:
            add("body_length", language=lang, limit=MAX_BODY)
        for error in markup.check(text.body):
            add("markup", language=lang, line=error.line + 1, problem=error)
        for link in misleading_links(text.body):
            host = host_of(link.url) or link.url
            add("misleading_link", language=lang, label=link.label, host=host)
        if len(text.keywords) > MAX_KEYWORDS or any(len(k) > MAX_KEYWORD for k in text.keywords):
            add("keywords", language=lang, limit=MAX_KEYWORDS)
    if draft.review_by <= today:
        add("review_by_past")
    if draft.kind is Kind.RIGHTS and not draft.jurisdiction:
        add("no_jurisdiction")
    if draft.kind is Kind.REFERRAL:
        found.extend(referrals.read(draft.flags, draft.contact)[2])
        if not draft.source.strip():
            add("no_source")
    return found


def tip_entry_id(tip_id: int) -> str:
    return f"peer-{tip_id}"


ORIGIN = "moderation:tip "


def tip_of(entry: Entry) -> int | None:
    """The tip behind an entry moderators published (a correction of a shipped entry
    too), or None for an entry from the content files."""
    number = entry.origin.removeprefix(ORIGIN)
    return int(number) if entry.origin.startswith(ORIGIN) and number.isdigit() else None


def to_entry(
    tip_id: int,
    draft: Draft,
    *,
    verified: date,
    review_by: date,
    source: str = "",
) -> Entry:
    """The published form of a draft: an entry like any other in the knowledge base.

    A correction of a shipped entry keeps that entry's id, so links, shared links and
    reports still find it."""
    texts = {
        lang: Text(
            title=t.title,
            body=t.body,
            keywords=t.keywords,
            jurisdiction=draft.jurisdiction or None if draft.kind is Kind.RIGHTS else None,
        )
        for lang, t in draft.texts.items()
    }
    contact = flags = None
    if draft.kind is Kind.REFERRAL:
        contact, flags, _ = referrals.read(draft.flags, draft.contact)
    return Entry(
        id=draft.replaces or tip_entry_id(tip_id),
        kind=draft.kind,
        topics=draft.topics,
        regions=draft.regions or (GLOBAL_REGION,),
        texts=texts,
        source=source or draft.source or PEER_SOURCE,
        verified=verified,
        review_by=review_by,
        contact=contact,
        flags=flags,
        origin=f"{ORIGIN}{tip_id}",
    )
